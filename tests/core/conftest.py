from __future__ import annotations

import pytest

from prototyper.core.preset.preset_io import loads_preset

from .small_preset import SMALL


@pytest.fixture
def small():
    """A small preset whose expected values are computed by hand in the tests."""
    return loads_preset(SMALL, "small.yaml")
