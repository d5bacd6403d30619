from __future__ import annotations

import pytest

from prototyper.core.model import model_sources

from ..core.small_preset import SMALL


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each command-line test starts with no model or scores kept in this process."""
    model_sources.clear_cache()
    yield
    model_sources.clear_cache()


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path
