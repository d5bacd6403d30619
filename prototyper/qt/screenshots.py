"""Render the main window for each bundled preset into docs/screenshots/ (offscreen).

QT_QPA_PLATFORM=offscreen .venv/bin/python -m prototyper.qt.screenshots [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from .. import assets
from .app import install_gc_guard
from .main_window import MainWindow

SIZE = (1600, 1000)


def render_all(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    install_gc_guard()  # the windows' workers must never collect Qt objects
    scratch = Path(tempfile.mkdtemp(prefix="prototyper-shots-"))
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    written = []
    for path in assets.bundled_presets():
        window = MainWindow(path, settings=settings, recovery_dir=scratch / "recovery")
        window.resize(*SIZE)
        window.show()
        window.wait_ready()  # the figures, not the "computing…" of the first paint
        for _ in range(3):
            app.processEvents()
        target = out_dir / f"{path.stem}.png"
        window.grab().save(str(target))
        written.append(target)
        window.close()
        window.deleteLater()
    return written


def render_compare(out_dir: Path) -> Path:
    """The Compare view with three pins: the safe-browsing design as shipped, the same with
    the warning from 0.2, and the real-model preset (design panel hidden, as in a workshop
    that compares)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    install_gc_guard()
    scratch = Path(tempfile.mkdtemp(prefix="prototyper-shots-"))
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(
        assets.preset_path("safe_browsing"), settings=settings, recovery_dir=scratch / "recovery"
    )
    window.resize(*SIZE)
    window.show()
    view = window.compare_view
    view.pin_design("as shipped")
    window.document.set_value("experience.bands[1].threshold", 0.2)
    view.pin_design("warning from 0.2")
    window.pin_file(assets.preset_path("safe_browsing_model"))
    view.wait()
    window.design_dock.hide()
    for _ in range(10):
        app.processEvents()
    target = out_dir / "compare.png"
    window.grab().save(str(target))
    window.document.undo_stack.setClean()
    window.close()
    window.deleteLater()
    return target


def render_optimize(out_dir: Path) -> Path:
    """The Optimize… dialog with a result: safe browsing, interruptions held to 2 a year."""
    import time

    from ..core.preset.preset_io import load_preset
    from .document import Document
    from .optimize_dialog import QtOptimizeDialog

    app = QApplication.instance() or QApplication([])
    document = Document(load_preset(assets.preset_path("safe_browsing")))
    dialog = QtOptimizeDialog(document)
    dialog.constraints.setPlainText("interruptions_per_user_year<=2")
    dialog.resize(1200, 760)
    dialog.show()
    dialog.run()
    while dialog.running:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(3):
        app.processEvents()
    target = out_dir / "optimize.png"
    dialog.grab().save(str(target))
    dialog.shutdown()
    dialog.deleteLater()
    return target


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots")
    for path in [*render_all(out), render_compare(out)]:
        print(path)
    print(render_optimize(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
