"""Every test runs with its own user configuration folder, so consent remembered by one test
(or by the person running the tests) never reaches another, and nothing is written to the
real home folder. Subprocesses inherit it through the environment."""

from __future__ import annotations

import pytest

from prototyper.core.trust import CONFIG_ENV


@pytest.fixture(autouse=True)
def _own_config_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path_factory.mktemp("config")))
