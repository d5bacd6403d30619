"""Starting the desktop app."""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import assets
from ..core.bundle import is_bundle, load_bundle
from ..core.model import normal
from ..core.preset.preset_io import PresetError, Problem
from ..core.preset.schema import Preset
from .document import DiskStamp, read_preset
from .main_window import MainWindow, app_data_dir, install_exception_hook
from .window_chrome import apply_theme

# Set by the start-up benchmark: print the seconds to the first painted window, then quit.
QUIT_AFTER_FIRST_PAINT = "PROTOTYPER_QUIT_AFTER_FIRST_PAINT"


class AfterFirstPaint(QObject):
    """Calls ``then`` once the first paint of any widget is done (installed on the app;
    kept alive by its ``parent``)."""

    def __init__(self, then: Callable[[], object], parent: QObject):
        super().__init__(parent)
        self.then = then
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            QApplication.instance().removeEventFilter(self)
            QTimer.singleShot(0, self._run)  # runs once the whole first paint is done
        return False

    def _run(self) -> None:
        self.then()
        self.deleteLater()


def _after_first_paint(window: MainWindow) -> None:
    """The plots drawn, then what the first paint did not wait for: scipy's compiled normal
    distribution, which a drag's many analyses want (see core.model.normal)."""
    window.document.wait_ready()
    QTimer.singleShot(0, normal.load_compiled)


def _report_first_paint(started: float) -> None:
    """The start-up benchmark's end: the seconds from start to the end of the first paint
    (the plots, drawn after it, are not waited for), then quit."""
    print(f"first-paint {time.perf_counter() - started:.4f}", flush=True)
    QApplication.quit()


_gc_guard: GarbageCollector | None = None


def install_gc_guard(interval: float = 1.0) -> GarbageCollector:
    """Collect garbage only in the GUI thread, on a timer, with automatic collection off.

    Workers (model loading, the simulation) run Python in other threads; an automatic
    collection there that frees Qt objects deadlocks or crashes Qt. Every entry point that
    builds widgets calls this once its QApplication exists; calling it again is harmless."""
    global _gc_guard
    if QApplication.instance() is None:
        raise RuntimeError("install_gc_guard needs a QApplication: its timer runs in its loop")
    if _gc_guard is None or not _gc_guard.timer.isActive():
        _gc_guard = GarbageCollector(interval=interval)
    gc.disable()  # again: something may have turned automatic collection back on
    return _gc_guard


def gc_guard_active() -> bool:
    """Whether the guard is in force: automatic collection off and the collector's timer on."""
    return _gc_guard is not None and _gc_guard.timer.isActive() and not gc.isenabled()


def _check_opens(target: Path) -> tuple[Preset, DiskStamp] | None:
    """Raise PresetError if the preset or bundle at ``target`` does not load; a preset's
    contents as read, for the window to use rather than read (and parse) the file again."""
    if is_bundle(target):
        load_bundle(target).close()
        return None
    return read_preset(target)


def run(path: str | None = None, started: float | None = None) -> int:
    """Open the window on ``path`` (default: the safe-browsing preset); returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("prototyper")
    app.setApplicationName("prototyper")
    logging.basicConfig(
        filename=app_data_dir() / "prototyper.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    install_gc_guard()
    apply_theme(app)  # the icon and the style sheet in ui/
    target = Path(path) if path else assets.preset_path("safe_browsing")
    try:  # fail with the CLI's one line before any window exists
        read = _check_opens(target)
    except PresetError as exc:
        print(exc, file=sys.stderr)
        return 2
    # Shown first, drawn after: the goals have their figures at the first paint, the plots
    # are drawn right after it.
    window = MainWindow(target, read=read, plots_after_paint=True)
    install_exception_hook(lambda: window)
    if os.environ.get(QUIT_AFTER_FIRST_PAINT):
        begun = started or time.perf_counter()
        AfterFirstPaint(lambda: _report_first_paint(begun), parent=window)
    else:
        AfterFirstPaint(lambda: _after_first_paint(window), parent=window)
    window.show()
    QTimer.singleShot(0, window.offer_recovery)
    return _leave(app.exec(), window)


def _leave(code: int, window: MainWindow) -> int:
    """End the process as soon as the event loop has: tearing down Python's and Qt's objects
    one by one takes longer than the whole start of the window, and keeps nothing. What
    must outlive the process is done by then: the window's close asked about unsaved work,
    stored its layout and removed its temporary files (a quit without a close leaves the
    autosave for the next start, as before). The settings are written and the exit
    handlers run (the log, the autosave folder's locks) before leaving. Returns ``code``
    when Qt's own exit is needed: data this app still offers on the clipboard is handed
    to the system's clipboard manager only by it."""
    if QApplication.clipboard().ownsClipboard():
        return code
    window.settings.sync()
    atexit._run_exitfuncs()  # as sys.exit would; then nothing is left to run
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> int:
    """``prototyper-gui [FILE]``: the window on a preset file or a bundled preset's name.

    Installed as a GUI script, so on Windows it opens no console window; with no console to
    print to, a file that does not open is reported in a message box (and on stderr)."""
    args = sys.argv[1:]
    try:
        if len(args) > 1:
            raise PresetError([Problem("prototyper-gui", None, "", "usage: prototyper-gui [FILE]")])
        target = Path(args[0]) if args else assets.preset_path("safe_browsing")
        if not target.exists():
            bundled = [p for p in assets.bundled_presets() if p.stem == args[0]]
            if not bundled:
                raise PresetError(
                    [Problem(args[0], None, "", "no such file, and no bundled preset of that name")]
                )
            target = bundled[0]
        _check_opens(target)
    except PresetError as exc:
        print(exc, file=sys.stderr)
        app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - the box needs it
        QMessageBox.critical(None, "prototyper", str(exc))
        return 2
    return run(str(target))
