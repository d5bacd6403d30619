from __future__ import annotations

import pytest

from ..core.small_preset import SMALL


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path
