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
        for _ in range(3):
            app.processEvents()
        target = out_dir / f"{path.stem}.png"
        window.grab().save(str(target))
        written.append(target)
        window.close()
        window.deleteLater()
    written.append(render_lecture_scene(out_dir, settings, scratch))
    return written


LECTURE_SIZE = (1280, 720)  # a projector's


def render_lecture_scene(
    out_dir: Path, settings: QSettings, scratch: Path, preset: str = "safe_browsing", step: int = 6
) -> Path:
    """Lecture mode at a projector's size, at one scene of a preset, its caption showing."""
    app = QApplication.instance()
    window = MainWindow(assets.preset_path(preset), settings=settings, recovery_dir=scratch / "r")
    window.show()
    window.toggle_lecture_mode()
    window.showNormal()  # full screen would take the offscreen screen's size
    window.resize(*LECTURE_SIZE)
    window.lecture.stepper.go(step, animate=False)
    for _ in range(5):
        app.processEvents()
    target = out_dir / "lecture_scene.png"
    window.grab().save(str(target))
    window.document.undo_stack.setClean()  # a picture, not an edit to keep
    window.close()
    window.deleteLater()
    return target


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots")
    for path in render_all(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
