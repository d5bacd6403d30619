"""Qt tests: skipped as a whole without PySide6, run offscreen unless told otherwise.

The fixtures shared by the Qt tests live here: a window whose dialogs the test answers
(``make_window``), a document on the default preset, a copy of it to edit, and the folders
a window writes to, all under the test's ``tmp_path``."""

import gc
import os
import shutil
from pathlib import Path

import pytest

# Must be set before the QApplication is created.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings  # noqa: E402 - after the skip above
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from prototyper import assets  # noqa: E402
from prototyper.core.model import model_sources  # noqa: E402
from prototyper.core.preset.preset_io import load_preset  # noqa: E402

Button = QMessageBox.StandardButton


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


@pytest.fixture(autouse=True)
def _own_home(tmp_path_factory, monkeypatch):
    """Nothing a test does reaches the real home folder: default QSettings, the app's data
    folder (recovery files, the log) and every XDG folder point into a temporary one."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(name, str(home / sub))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(home / ".config"))
    return home


@pytest.fixture
def fresh_model_cache():
    """Models load afresh: no test sees another's cached model (or consent)."""
    model_sources.clear_cache()
    yield
    model_sources.clear_cache()


@pytest.fixture
def document(qapp):
    """A document on the safe-browsing preset, without a file."""
    from prototyper.qt.document import Document

    return Document(load_preset(assets.preset_path("safe_browsing")))


@pytest.fixture
def panel(qtbot, document):
    """The design panel on :func:`document`, tall enough for its sections."""
    from prototyper.qt.design_panel import QtDesignPanel

    widget = QtDesignPanel(document)
    qtbot.addWidget(widget)
    widget.resize(380, 900)
    return widget


@pytest.fixture
def preset_copy(tmp_path) -> Path:
    """The safe-browsing preset copied to a file the test may change."""
    path = tmp_path / "mine.yaml"
    shutil.copy(assets.preset_path("safe_browsing"), path)
    return path


@pytest.fixture
def recovery_dir(tmp_path) -> Path:
    return tmp_path / "recovery"


@pytest.fixture
def make_window(qtbot, tmp_path, recovery_dir):
    """``make_window(path=None, answer=Button.Yes, instance=None)``: a window whose settings
    and recovery files are under ``tmp_path`` and whose dialogs the test answers: ``answer``
    for every question (a button, or a function of the title), ``window.chosen`` for the files
    the file dialogs return. What it asked and told is in ``window.asked`` ("title: text")
    and ``window.told``; ``instance`` stands for another running app (default: this test's)."""
    from prototyper.qt.main_window import MainWindow

    made = []

    def make(path=None, answer=Button.Yes, instance=None):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(path, settings=settings, recovery_dir=recovery_dir, instance=instance)
        window.asked, window.told, window.chosen = [], [], []

        def ask(title, text, buttons, default):
            window.asked.append(f"{title}: {text}")
            return answer(title) if callable(answer) else answer

        def choose(title, start, filters):
            return Path(window.chosen.pop(0)) if window.chosen else None

        window.ask = ask
        window.tell = lambda title, text: window.told.append(text)
        window.choose_open = window.choose_save = choose
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.model_loader.wait()
        window.document.undo_stack.setClean()  # let the fixture close without prompting
        window.simulation.shutdown()


@pytest.fixture
def cancel_when_entered():
    """``cancel_when_entered(window, entered, release)``: once the worker has set
    ``entered`` (it then waits on ``release``), press Cancel on the window's progress dialog
    and let the worker go on, from the event loop the window's modal dialog runs."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QProgressDialog

    def schedule(window, entered, release) -> None:
        def cancel() -> None:
            assert entered.wait(10)
            (dialog,) = window.findChildren(QProgressDialog)
            dialog.canceled.emit()  # what its Cancel button does
            release.set()

        QTimer.singleShot(0, cancel)

    return schedule


@pytest.fixture
def shown_window(make_window, qapp):
    """``shown_window(path)``: a window on ``path`` shown at 1400 x 900, its first events
    delivered (a drag's or a tab's test meets a laid-out window)."""

    def show(path):
        made = make_window(path)
        made.resize(1400, 900)
        made.show()
        qapp.processEvents()
        return made

    return show
