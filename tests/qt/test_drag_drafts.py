"""A drag's frames are drafts: the views draw what the hand moves and leave the rest (label
placing, the ROC, the outcome breakdown, break-even lines, the best single threshold) until
the drag ends or holds still. Once it has, and at once after a keyboard step, an undo or any
other change, every card, plot and label is what a window opened on the same design shows.

The drags here are the mouse's: pressed on the slider's handle or on a threshold line,
moved, released."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle, QStyleOptionSlider
from window_state import PRESET, assert_as_fresh, plot_state

from prototyper.qt.document import SETTLE_MS

FORCEFULNESS = "experience.modes.prompt.forcefulness"
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def window(shown_window):
    return shown_window(PRESET)


def slider_handle(window, qapp):
    """The forcefulness slider (scrolled into view) and the centre of its handle."""
    editor = window.design_panel.control(FORCEFULNESS)
    window.design_panel.scroll.ensureWidgetVisible(editor)
    qapp.processEvents()
    slider = editor._slider
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    handle = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider
    )
    return slider, handle.center()


def line_point(window, index: int) -> QPoint:
    """Where threshold line ``index`` of the score plot is, in its viewport's pixels."""
    plot = window.score_plot
    view = plot.plot_item.getViewBox()
    middle = sum(view.viewRange()[1]) / 2
    value = plot.threshold_lines[index].value()
    return plot.mapFromScene(view.mapViewToScene(QPointF(value, middle)))


def drag_slider(window, qapp, qtbot, steps=(-12, -24, -36, -48, -60), release=True):
    slider, at = slider_handle(window, qapp)
    QTest.mousePress(slider, LEFT, NONE, at)
    for dx in steps:
        QTest.mouseMove(slider, at + QPoint(dx, 0))
        qtbot.wait(20)  # a frame: the throttle lets the step through
    if release:
        QTest.mouseRelease(slider, LEFT, NONE, at + QPoint(steps[-1], 0))
        qapp.processEvents()
    return slider


def test_a_dragged_slider_draws_drafts_then_what_a_fresh_window_shows(
    window, make_window, qapp, qtbot
):
    doc = window.document
    before_roc = plot_state(window.roc_plot)
    before = doc.value(FORCEFULNESS)
    slider = drag_slider(window, qapp, qtbot, release=False)
    assert doc.value(FORCEFULNESS) < before  # the figures follow the hand
    assert doc.drafting  # ... as drafts: the ROC is left as it was
    assert plot_state(window.roc_plot) == before_roc
    QTest.mouseRelease(slider, LEFT, NONE, slider_handle(window, qapp)[1])
    qapp.processEvents()
    assert not doc.drafting
    assert doc.undo_stack.count() == 1  # the whole drag is one step
    assert_as_fresh(window, make_window, qapp)


def test_a_drag_that_holds_still_shows_everything_before_the_release(
    window, make_window, qapp, qtbot
):
    doc = window.document
    slider = drag_slider(window, qapp, qtbot, release=False)
    assert doc.drafting
    qtbot.waitUntil(lambda: not doc.drafting, timeout=20 * SETTLE_MS)  # the mouse still down
    assert slider.isSliderDown()
    assert_as_fresh(window, make_window, qapp)
    QTest.mouseRelease(slider, LEFT, NONE, slider_handle(window, qapp)[1])
    qapp.processEvents()
    assert_as_fresh(window, make_window, qapp)


def test_a_dragged_threshold_line_ends_as_a_fresh_window_shows(window, make_window, qapp, qtbot):
    doc = window.document
    viewport, at = window.score_plot.viewport(), line_point(window, 1)
    before = doc.preset.experience.bands[1].threshold
    QTest.mousePress(viewport, LEFT, NONE, at)
    for dx in (6, 12, 18, 24, 30):
        QTest.mouseMove(viewport, at - QPoint(dx, 0))
        qtbot.wait(20)
    assert doc.preset.experience.bands[1].threshold < before
    assert doc.drafting
    QTest.mouseRelease(viewport, LEFT, NONE, at - QPoint(30, 0))
    qapp.processEvents()
    assert not doc.drafting
    assert doc.undo_stack.count() == 1
    assert_as_fresh(window, make_window, qapp)


def test_moves_that_arrive_before_the_loop_is_free_make_one_step_the_last(window, qapp):
    """A step that takes longer than the mouse's moves never falls behind the hand: the
    moves queued meanwhile make one step, with the last value."""
    doc = window.document
    shown = []
    doc.changed.connect(lambda analysis: shown.append(analysis.preset))
    slider = window.design_panel.control(FORCEFULNESS)
    slider.setSliderDown(True)
    for value in (0.31, 0.42, 0.53):
        slider.setValue(value)
    qapp.processEvents()
    assert [p.experience.modes.prompt.forcefulness for p in shown] == [pytest.approx(0.53)]
    line = window.score_plot.threshold_lines[1]
    line.moving = True  # as under the mouse
    for _ in range(3):
        line.setValue(line.value() - 0.1)
    qapp.processEvents()
    assert len(shown) == 2  # one step for the three moves
    line.moving = False
    slider.setSliderDown(False)
    qapp.processEvents()
    assert doc.undo_stack.count() == 2 and not doc.drafting


def test_a_keyboard_step_is_exact_at_once(window, make_window, qapp):
    """A value typed into the slider's box (its handle takes no keys) is shown exact by the
    edit itself: no frame, no timer waited for."""
    box = window.design_panel.control(FORCEFULNESS)._label
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, "0.55")
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert window.document.value(FORCEFULNESS) == pytest.approx(0.55)
    assert not window.document.drafting
    assert_as_fresh(window, make_window, qapp)


def test_an_undo_of_a_drag_is_exact_at_once(window, make_window, qapp, qtbot):
    before = window.document.preset
    slider = drag_slider(window, qapp, qtbot, release=False)
    assert window.document.drafting
    window.document.undo_stack.undo()  # while the mouse is still down
    assert window.document.preset == before
    assert not window.document.drafting
    assert_as_fresh(window, make_window, qapp)
    QTest.mouseRelease(slider, LEFT, NONE, slider_handle(window, qapp)[1])


def test_a_design_pinned_in_the_middle_of_a_drag_is_pinned_exact(window, qapp, qtbot):
    """A pin keeps the figures shown: pinned while the mouse still holds the slider, it gets
    every figure, the best single threshold included (a draft leaves that as it was)."""
    from prototyper.core.evaluation.analysis import analyse

    slider = drag_slider(window, qapp, qtbot, release=False)
    assert window.document.drafting and window.document.analysis.single_stale
    pin = window.compare_view.pin_design()
    fresh = analyse(window.document.preset, pin.analysis.scores)
    assert not pin.analysis.single_stale
    assert pin.analysis.single_threshold.best_value == fresh.single_threshold.best_value
    assert list(pin.analysis.single_threshold.net_per_event) == list(
        fresh.single_threshold.net_per_event
    )
    QTest.mouseRelease(slider, LEFT, NONE, slider_handle(window, qapp)[1])
    qapp.processEvents()
