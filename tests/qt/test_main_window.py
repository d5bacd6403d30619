from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from prototyper import assets
from prototyper.core.preset import recovery
from prototyper.core.preset.preset_io import load_preset
from prototyper.qt.main_window import install_exception_hook

Button = QMessageBox.StandardButton


@pytest.fixture
def make_window(make_window):
    """The shared window, its questions answered Discard unless a test says otherwise."""
    return functools.partial(make_window, answer=Button.Discard)


def test_opens_on_safe_browsing_by_default(make_window):
    window = make_window()
    assert window.document.preset.scenario.name == "Safe browsing"
    assert "Safe browsing" in window.windowTitle()
    assert not window.isWindowModified()


def test_edit_marks_title_and_undo_redo_restore(make_window, preset_copy):
    window = make_window(preset_copy)
    doc = window.document
    before = doc.preset.experience.bands[0].threshold
    doc.set_value("experience.bands[0].threshold", 0.9)
    assert window.isWindowModified()
    doc.undo_stack.undo()
    assert doc.preset.experience.bands[0].threshold == before
    assert not window.isWindowModified()
    doc.undo_stack.redo()
    assert doc.preset.experience.bands[0].threshold == 0.9
    # no developer timings for the user: the status bar holds no milliseconds
    bar = window.statusBar()
    status = [bar.currentMessage()] + [w.text() for w in bar.findChildren(QLabel)]
    assert not any(" ms" in text or "Recomputed" in text for text in status)


def test_save_is_atomic_and_clean(make_window, preset_copy):
    window = make_window(preset_copy)
    window.document.set_value("experience.modes.prompt.forcefulness", 0.3)
    assert window.save()
    assert not window.isWindowModified()
    assert load_preset(preset_copy).experience.modes.prompt.forcefulness == 0.3
    assert not list(preset_copy.parent.glob(".mine.yaml.*"))
    assert str(preset_copy.resolve()) in window.recent_files()


def test_bad_file_shows_the_cli_line_and_changes_nothing(make_window, tmp_path):
    window = make_window()
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nscenario: [1, 2]\n", encoding="utf-8")
    before = window.document.preset
    assert not window.open_file(bad)
    assert window.document.preset is before
    assert window.told and window.told[0].startswith(f"{bad}:2: scenario: expected a mapping")


def test_close_with_unsaved_work_asks_and_cancel_keeps_it(make_window, preset_copy):
    window = make_window(preset_copy, answer=Button.Cancel)
    window.show()
    window.document.set_value("experience.modes.prompt.forcefulness", 0.3)
    assert not window.close()
    assert window.asked and "mine.yaml" in window.asked[0]
    assert window.document.preset.experience.modes.prompt.forcefulness == 0.3


def test_unsaved_work_survives_a_crash(make_window, preset_copy, tmp_path):
    app = recovery.Instance(tmp_path / "recovery")  # an app running beside this test
    window = make_window(preset_copy, instance=app)
    window.document.set_value("experience.modes.prompt.forcefulness", 0.35)
    window.write_recovery()  # what the autosave timer does
    assert len(list((tmp_path / "recovery").glob("*.yaml"))) == 1
    window._autosave_timer.stop()
    app.close()  # it dies here (its lock goes, its file stays); the next start offers it
    reborn = make_window(answer=Button.Yes, instance=recovery.Instance(tmp_path / "recovery"))
    assert reborn.offer_recovery()
    assert reborn.document.preset.experience.modes.prompt.forcefulness == 0.35
    assert reborn.document.path == preset_copy.resolve()
    assert reborn.isWindowModified()


def test_autosave_timer_writes_the_recovery_file(make_window, preset_copy, tmp_path, qtbot):
    window = make_window(preset_copy)
    window._autosave_timer.setInterval(10)
    window.document.set_value("experience.modes.prompt.forcefulness", 0.4)
    qtbot.waitUntil(lambda: any((tmp_path / "recovery").glob("*.yaml")), timeout=3000)
    window.save()
    assert not any((tmp_path / "recovery").glob("*.yaml"))


def drop(window, path) -> None:
    """Drop ``path`` on the window, as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def test_drop_a_yaml_file_opens_it(make_window):
    window = make_window()
    target = assets.preset_path("fall_detection")
    drop(window, target)
    assert window.document.preset.scenario.name == load_preset(target).scenario.name


def test_lecture_keys_step_presets_and_modes(make_window, qtbot):
    presets = [p.resolve() for p in assets.bundled_presets()]
    window = make_window(presets[0])
    window.show()
    window.activateWindow()  # shortcuts need the focus inside the window
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.document.path.resolve() == presets[1]
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert window.document.path.resolve() == presets[-1]
    mode = window.document.preset.experience.bands[0].mode
    qtbot.keyClick(window, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    assert window.document.preset.experience.bands[0].mode != mode


def test_lecture_mode_is_full_screen_with_large_fonts(make_window, qapp):
    window = make_window()
    window.show()
    size = qapp.font().pointSizeF()
    window.toggle_lecture_mode()
    assert window.isFullScreen() and qapp.font().pointSizeF() >= size * 1.25
    assert not window.design_dock.isVisible()
    window.toggle_lecture_mode()
    assert not window.isFullScreen() and qapp.font().pointSizeF() == size
    assert window.design_dock.isVisible()


def test_exception_in_a_slot_is_shown_and_edits_survive(make_window, monkeypatch, qtbot):
    window = make_window()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    install_exception_hook(lambda: window)
    window.document.set_value("experience.modes.prompt.forcefulness", 0.2)
    try:
        raise RuntimeError("a bug in a slot")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    assert "a bug in a slot" in window.statusBar().currentMessage()
    assert window.document.preset.experience.modes.prompt.forcefulness == 0.2


@pytest.mark.parametrize("path", assets.bundled_presets(), ids=lambda p: p.stem)
def test_every_bundled_preset_opens_in_the_window(make_window, path, qtbot):
    window = make_window()
    assert window.open_file(path)  # a real model loads in the background
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    assert window.document.preset == load_preset(path)
    assert not window.told


def test_save_as_elsewhere_keeps_the_model_files_found(make_window, tmp_path):
    """A preset with a real model, saved in another folder, still names the same files."""
    window = make_window(assets.preset_path("safe_browsing_model"))
    before = window.document.analysis.evaluation.net_per_event
    target = tmp_path / "elsewhere" / "mine.yaml"
    target.parent.mkdir()
    assert window._save_to(target)
    saved = load_preset(target)
    model_file = (target.parent / saved.model.model).resolve()
    assert model_file == (assets.asset_dir("models") / "phishing_url" / "model.skops").resolve()
    assert window.document.preset == saved
    reopened = make_window(target)
    assert reopened.document.analysis.evaluation.net_per_event == before


def _too_long(folder, suffix: str) -> Path:
    """A path of 6,000 characters: longer than any file system takes."""
    return folder / ("n" * (6_000 - len(str(folder)) - len(suffix) - 1) + suffix)


def _one_line_naming(text: str, path: Path, what: str) -> bool:
    return "\n" not in text and str(path) in text and what in text


@pytest.mark.parametrize("suffix", [".yaml", ".csv", ".zip"])
def test_a_path_too_long_is_one_line_and_the_recent_files_stay(
    make_window, preset_copy, tmp_path, qtbot, suffix
):
    window = make_window(preset_copy)
    recent = window.recent_files()
    before = window.document.preset
    path = _too_long(tmp_path, suffix)
    drop(window, path)  # a preset or bundle opens, a CSV loads as scores
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    assert len(window.told) == 1
    assert _one_line_naming(window.told[0], path, "too long"), window.told[0][-200:]
    assert window.document.preset is before
    assert window.recent_files() == recent


def test_saving_to_a_path_too_long_is_one_line(make_window, preset_copy, tmp_path):
    window = make_window(preset_copy)
    window.document.set_value("experience.modes.prompt.forcefulness", 0.3)
    recent = window.recent_files()
    path = _too_long(tmp_path, ".yaml")
    assert not window._save_to(path)
    assert len(window.told) == 1 and _one_line_naming(window.told[0], path, "too long")
    assert window.recent_files() == recent and window.isWindowModified()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("name", ["pipe.yaml", "pipe.csv", "pipe.zip"])
def test_a_fifo_is_refused_without_waiting_for_a_writer(make_window, tmp_path, qtbot, name):
    """Reading a FIFO blocks until someone writes to it: the window (or a worker) hung."""
    window = make_window()
    path = tmp_path / name
    os.mkfifo(path)
    drop(window, path)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    assert len(window.told) == 1
    assert _one_line_naming(window.told[0], path, "not a regular file"), window.told[0]
    assert window.recent_files() == []
