"""Render the main window for each bundled preset into docs/screenshots/ (offscreen).

QT_QPA_PLATFORM=offscreen .venv/bin/python -m prototyper.qt.screenshots [OUT_DIR]
    [--size WxH | --size min] [--lecture] [--panel] [--scene N] [--preset NAME]...

Without options: every preset at the default size, named ``<preset>.png``. ``--size min``
renders at the window's minimum size; ``--lecture`` in lecture mode (F11) and ``--panel``
with the design panel shown in it (F9), ``--scene N`` at step N of each preset's lecture
scenes (its caption showing). Other sets are named after what they show, e.g.
``safe_browsing-lecture-1280x720-panel.png``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QSize
from PySide6.QtWidgets import QApplication

from .. import assets
from .app import install_gc_guard
from .main_window import MainWindow
from .window_chrome import MINIMUM_SIZE, apply_theme

SIZE = (1600, 1000)


def _settle(app: QApplication) -> None:
    for _ in range(4):
        app.processEvents()


def render_all(
    out_dir: Path,
    size: tuple[int, int] | str | None = None,
    lecture: bool = False,
    panel: bool = False,
    presets: list[str] | None = None,
    name: str | None = None,
    scene: int | None = None,
) -> list[Path]:
    """Render each bundled preset (or those named in ``presets``); returns the files.

    ``size`` is (width, height), "min" for the window's minimum size, or None for the
    default; ``name`` replaces the file name (one preset only); ``scene``: in lecture mode,
    at that step of the preset's scenes (its last if it has fewer), its caption showing."""
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    install_gc_guard()  # the windows' workers must never collect Qt objects
    apply_theme(app)
    scratch = Path(tempfile.mkdtemp(prefix="prototyper-shots-"))
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    written = []
    chosen = assets.bundled_presets()
    if presets:
        chosen = [p for p in chosen if p.stem in presets]
    for path in chosen:
        window = MainWindow(path, settings=settings, recovery_dir=scratch / "recovery")
        window.show()
        _settle(app)
        while window.model_loader.busy:  # a real model loads in the background
            app.processEvents()
            time.sleep(0.02)
        if lecture:
            window.toggle_lecture_mode()
            if panel:
                window.toggle_design_panel()
            # Full screen fills the offscreen screen, whatever its size: show the lecture
            # layout in a window of the projector's size instead.
            window.showNormal()
        target_size = MINIMUM_SIZE if size == "min" else QSize(*(size or SIZE))
        window.setMinimumSize(target_size.boundedTo(MINIMUM_SIZE))
        window.resize(target_size)
        _settle(app)
        if lecture and scene is not None:
            stepper = window.lecture.stepper
            stepper.go(min(scene, stepper.count), animate=False)
            _settle(app)
        suffix = _suffix(size, lecture, panel) + (f"-scene{scene}" if lecture and scene else "")
        target = out_dir / (name or f"{path.stem}{suffix}.png")
        window.grab().save(str(target))
        window.document.undo_stack.setClean()  # a picture, not an edit to keep
        written.append(target)
        if lecture:
            window.toggle_lecture_mode()  # the application font is shared: restore it
        window.close()
        window.deleteLater()
        _settle(app)
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


LECTURE_SIZE = (1280, 720)  # a projector's


def render_lecture_scene(
    out_dir: Path, preset: str = "safe_browsing", step: int = 6, panel: bool = False
) -> Path:
    """Lecture mode at a projector's size, at one scene of a preset, its caption showing
    (and the design panel, with ``panel``)."""
    app = QApplication.instance() or QApplication([])
    scratch = Path(tempfile.mkdtemp(prefix="prototyper-shots-"))
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(assets.preset_path(preset), settings=settings, recovery_dir=scratch / "r")
    window.show()
    window.toggle_lecture_mode()
    if panel:
        window.toggle_design_panel()
    window.showNormal()  # full screen would take the offscreen screen's size
    window.resize(*LECTURE_SIZE)
    window.lecture.stepper.go(step, animate=False)
    for _ in range(8):
        app.processEvents()
    target = out_dir / f"lecture_scene{'_panel' if panel else ''}.png"
    window.grab().save(str(target))
    window.document.undo_stack.setClean()  # a picture, not an edit to keep
    window.toggle_lecture_mode()  # the application font is shared: restore it
    window.close()
    window.deleteLater()
    return target


def render_optimize(out_dir: Path) -> Path:
    """The Optimize… dialog with a result: safe browsing, interruptions held to 2 a year."""
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


def _suffix(size: tuple[int, int] | str | None, lecture: bool, panel: bool) -> str:
    parts = ["lecture"] if lecture else []
    if size == "min":
        parts.append("min")
    elif size is not None:
        parts.append(f"{size[0]}x{size[1]}")
    if panel and lecture:
        parts.append("panel")
    return "".join(f"-{p}" for p in parts)


def _size(text: str) -> tuple[int, int] | str:
    if text == "min":
        return text
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT or min, got {text!r}") from None
    return width, height


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(prog="python -m prototyper.qt.screenshots")
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--size", type=_size, help="WIDTHxHEIGHT, or min")
    parser.add_argument("--lecture", action="store_true", help="in lecture mode (F11)")
    parser.add_argument("--panel", action="store_true", help="the design panel shown (F9)")
    parser.add_argument("--preset", action="append", help="only this bundled preset")
    parser.add_argument("--name", help="the file name (with one --preset)")
    parser.add_argument("--scene", type=int, help="in lecture mode, at this step of the scenes")
    args = parser.parse_args(argv)
    for path in render_all(
        args.out, args.size, args.lecture, args.panel, args.preset, args.name, args.scene
    ):
        print(path)
    if not (args.preset or args.size or args.lecture or args.panel):  # the default set
        print(render_compare(args.out))
        print(render_optimize(args.out))
        print(render_lecture_scene(args.out))
        print(render_lecture_scene(args.out, panel=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
