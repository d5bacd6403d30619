"""Lecture scenes and the course in the window: arrows step through a preset's scenes (their
values glide, then land exactly), Page Down follows the course without a question and keeps
each preset as the lecturer left it."""

from __future__ import annotations

import functools
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from prototyper import assets
from prototyper.core.preset.course import load_course
from prototyper.core.preset.preset_io import load_preset
from prototyper.core.preset.scenes import scene_states
from prototyper.qt import lecture
from prototyper.qt.lecture import QtPresenterView, SceneStepper, between

Button = QMessageBox.StandardButton
SB = assets.preset_path("safe_browsing")


@pytest.fixture
def make_window(make_window):
    return functools.partial(make_window, answer=Button.Discard)


@pytest.fixture(autouse=True)
def _normal_type(qapp):
    """Lecture mode's large type does not outlive a test that ends in it."""
    font = qapp.font()
    yield
    qapp.setFont(font)


def _lecture(window, qtbot):
    window.show()
    window.activateWindow()  # shortcuts need the focus inside the window
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3000)
    window.toggle_lecture_mode()
    assert window.lecture.active
    qtbot.waitUntil(window.isFullScreen, timeout=3000)  # the window manager's say


def _done(window):
    """The test's questions are over: closing the window asks nothing more."""
    window.document.undo_stack.setClean()


def _course():
    return list(load_course(assets.bundled_course(), assets.bundled_or_none).presets)


def test_between_glides_numbers_and_jumps_the_rest():
    assert between(0.2, 0.4, 0.5) == pytest.approx(0.3)
    assert between(0.05, 0.00001, 0.5) == pytest.approx((0.05 * 0.00001) ** 0.5)  # log scale
    assert between(2, 6, 0.5) == 4 and isinstance(between(2, 6, 0.5), int)
    assert between("prompt", "annotate", 0.5) == "annotate"
    assert between(0.2, 0.4, 1.0) == 0.4
    assert between(True, False, 0.2) is False


def test_right_arrow_applies_the_step_after_the_glide_and_left_goes_back(make_window, qtbot):
    window = make_window(SB)
    doc = window.document
    states = scene_states(load_preset(SB))
    _lecture(window, qtbot)
    assert window.lecture.caption.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.lecture.stepper.index == 1
    assert "Warn more" in window.lecture.caption.heading.text()
    assert "0.005" in window.lecture.caption.narration.text()
    qtbot.waitUntil(lambda: not window.lecture.stepper.animating, timeout=5000)
    assert doc.preset.experience == states[1].experience
    assert doc.preset.experience.bands[1].threshold == 0.005  # exact, not an in-between
    assert doc.undo_stack.count() == 1  # the whole glide is one step of undo
    qtbot.keyClick(window, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: not window.lecture.stepper.animating, timeout=5000)
    assert doc.preset.experience == states[0].experience
    assert window.lecture.stepper.index == 0
    doc.undo_stack.undo()  # Ctrl+Z takes the last step back
    assert doc.preset.experience.bands[1].threshold == 0.005


def test_a_step_glides_through_values_between(make_window, qtbot):
    window = make_window(SB)
    doc = window.document
    seen = []
    doc.changed.connect(lambda a: seen.append(a.preset.experience.bands[1].threshold))
    window.lecture.stepper.go(3)  # the warning from 0.05 up to 0.3
    qtbot.waitUntil(lambda: not window.lecture.stepper.animating, timeout=5000)
    assert seen[-1] == 0.3
    assert any(0.05 < x < 0.3 for x in seen[:-1])
    assert doc.undo_stack.count() == 1


def test_a_step_keeps_the_lecturers_tweaks_of_other_fields(make_window, qtbot):
    window = make_window(SB)
    doc = window.document
    doc.set_value("experience.modes.prompt.forcefulness", 0.4)
    window.lecture.stepper.go(4, animate=False)  # a passive badge instead of the warning
    assert doc.preset.experience.bands[1].mode == "annotate"
    assert doc.preset.experience.modes.prompt.forcefulness == 0.4
    window.lecture.stepper.go(0, animate=False)
    assert doc.preset.experience.bands[1].mode == "prompt"
    assert doc.preset.experience.modes.prompt.forcefulness == 0.4


def test_the_arrows_step_only_in_lecture_mode(make_window, qtbot):
    window = make_window(SB)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.lecture.stepper.index == 0
    assert not window.lecture.caption.isVisible()


def test_the_scenes_list_in_the_design_panel_goes_to_a_step(make_window, qtbot):
    window = make_window(SB)
    scenes = window.lecture.scenes_list
    preset = load_preset(SB)
    assert scenes.count() == len(preset.scenes) + 1
    assert scenes.item(5).text() == f"5. {preset.scenes[4].title}"
    rect = scenes.visualItemRect(scenes.item(5))
    window.design_panel.sections["Scenes"].setExpanded(True)
    window.show()
    qtbot.mouseClick(scenes.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not window.lecture.stepper.animating, timeout=5000)
    assert window.document.preset.experience == scene_states(preset)[5].experience
    # and the document's step shows in the list
    window.lecture.stepper.go(2, animate=False)
    assert scenes.currentRow() == 2


def test_page_down_follows_the_course_without_a_question(make_window, qtbot):
    course = _course()
    window = make_window(course[0], answer=lambda title: pytest.fail(f"asked: {title}"))
    _lecture(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Right)  # a step makes the document differ from its file
    qtbot.waitUntil(lambda: not window.lecture.stepper.animating, timeout=5000)
    assert window.document.dirty
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    assert window.document.path.resolve() == course[1]
    assert window.asked == []
    _done(window)


def test_a_tweak_survives_page_down_and_page_up(make_window, qtbot):
    course = _course()
    window = make_window(course[2], answer=lambda title: pytest.fail(f"asked: {title}"))
    _lecture(window, qtbot)
    doc = window.document
    window.lecture.stepper.go(2, animate=False)
    doc.set_value("experience.modes.prompt.forcefulness", 0.3)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    assert doc.path.resolve() == course[3]
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    assert doc.path.resolve() == course[2]
    assert doc.preset.experience.modes.prompt.forcefulness == 0.3
    assert window.lecture.stepper.index == 2
    assert doc.preset.experience.bands == scene_states(load_preset(course[2]))[2].experience.bands
    assert doc.dirty and window.asked == []
    # → goes on from where the lecturer left it
    window.lecture.stepper.step(1)
    qtbot.waitUntil(lambda: not window.lecture.stepper.animating, timeout=5000)
    assert window.lecture.stepper.index == 3
    _done(window)


def test_leaving_lecture_mode_asks_once_for_the_presets_changed(make_window, qtbot, tmp_path):
    course = _course()
    window = make_window(course[2], answer=Button.Save)
    _lecture(window, qtbot)
    window.document.set_value("experience.modes.prompt.forcefulness", 0.3)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    window.chosen = [tmp_path / "lecture" / course[2].name]
    (tmp_path / "lecture").mkdir()
    window.toggle_lecture_mode()
    assert not window.lecture.active
    assert len(window.asked) == 1 and course[2].name in window.asked[0]
    saved = load_preset(tmp_path / "lecture" / course[2].name)
    assert saved.experience.modes.prompt.forcefulness == 0.3
    assert saved.scenes == load_preset(course[2]).scenes


def test_leaving_a_lecture_of_steps_only_asks_nothing(make_window, qtbot):
    course = _course()
    window = make_window(course[0], answer=lambda title: pytest.fail(f"asked: {title}"))
    _lecture(window, qtbot)
    window.lecture.stepper.go(1, animate=False)
    window.lecture.step_course(1)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    window.toggle_lecture_mode()
    assert not window.lecture.active and window.asked == []
    _done(window)


def test_open_course_follows_its_order_and_refuses_a_bad_one(make_window, qtbot, tmp_path):
    window = make_window(SB)
    good = tmp_path / "mine.yaml"
    good.write_text("title: Two\npresets: [smart_toaster, legal_chatbot]\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("presets: [no_such]\n")
    window.chosen = [bad]
    assert not window.lecture.open_course_dialog()
    assert f"{bad}:1: presets[0]: no bundled preset named 'no_such'" in window.told[0]
    window.chosen = [good]
    assert window.lecture.open_course_dialog()
    _lecture(window, qtbot)
    window.lecture.step_course(1)
    assert window.document.path.resolve() == assets.preset_path("smart_toaster").resolve()
    window.lecture.step_course(1)
    assert window.document.path.resolve() == assets.preset_path("legal_chatbot").resolve()


def test_saving_a_design_its_scenes_no_longer_fit_asks_and_keeps_the_rest(make_window, tmp_path):
    path = tmp_path / "mine.yaml"
    shutil.copy(SB, path)
    window = make_window(path, answer=Button.Yes)
    doc = window.document
    window.lecture.stepper.go(5, animate=False)  # the block band deleted: two bands left
    assert window.save()
    assert "no longer apply" in window.asked[0]
    saved = load_preset(path)
    assert saved.experience.bands == doc.preset.experience.bands
    assert len(saved.scenes) < len(load_preset(SB).scenes)


def test_the_presenter_view_shows_the_step_and_the_next(document, qtbot):
    stepper = SceneStepper(document)
    view = QtPresenterView(stepper)
    qtbot.addWidget(view)
    preset = document.preset
    assert view.next.text() == f"Next: {preset.scenes[0].title}"
    stepper.go(1, animate=False)
    assert view.title.text() == preset.scenes[0].title
    assert view.position.text().startswith(f"Step 1 of {len(preset.scenes)}")
    assert "0.005" in view.narration.text()
    assert view.next.text() == f"Next: {preset.scenes[1].title}"
    stepper.go(len(preset.scenes), animate=False)
    assert view.next.text() == "Last step"


def test_the_presenter_view_opens_on_a_second_screen(make_window, qtbot, monkeypatch):
    window = make_window(SB)
    monkeypatch.setattr(lecture, "other_screen", lambda w: w.screen())
    _lecture(window, qtbot)
    assert window.lecture.presenter is not None and window.lecture.presenter.isVisible()
    window.toggle_lecture_mode()
    assert not window.lecture.presenter.isVisible()


def test_untitled_work_is_not_dropped_by_page_down(make_window, qtbot):
    window = make_window(answer=Button.Cancel)  # the default preset, no file
    _lecture(window, qtbot)
    window.document.set_value("experience.modes.prompt.forcefulness", 0.3)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.asked and window.asked[0].startswith("Unsaved changes")
    assert window.document.path is None  # cancelled: still there
    assert window.document.preset.experience.modes.prompt.forcefulness == 0.3
    _done(window)
