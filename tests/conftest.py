"""Settings for the whole suite.

Every test runs with its own user configuration and cache folders, so consent remembered (or
scores kept) by one test or by the person running the tests never reach another, and nothing
is written to the real home folder. Subprocesses inherit them through the environment.
"""

from __future__ import annotations

import pytest
from hypothesis import settings

from prototyper.core.model.score_cache import CACHE_ENV
from prototyper.core.model.trust import CONFIG_ENV

# Property tests draw from a fixed seed, so CI cannot go red on a draw nobody saw locally, and
# keep no example database in the checkout. No deadline: a loaded CI machine is slow, and speed
# is judged in benchmarks/, never by a test.
settings.register_profile("fixed", derandomize=True, database=None, deadline=None)
settings.load_profile("fixed")


@pytest.fixture(autouse=True)
def _own_config_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("cache")))
