"""Qt tests: skipped as a whole without PySide6, run offscreen unless told otherwise."""

import os

import pytest

# Must be set before the QApplication is created.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest.importorskip("PySide6")
