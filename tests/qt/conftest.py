"""Qt tests: skipped as a whole without PySide6, run offscreen unless told otherwise."""

import gc
import os

import pytest

# Must be set before the QApplication is created.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest.importorskip("PySide6")


@pytest.fixture(autouse=True)
def _collect_garbage_in_the_main_thread():
    """Workers run Python in other threads; a garbage collection there that frees Qt objects
    (left in reference cycles by earlier tests) deadlocks or crashes Qt. As in the app
    (pyqtgraph's GarbageCollector), collect only here, in the main thread."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()
    gc.collect()
