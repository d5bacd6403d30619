"""Plots on a tab behind another are not redrawn for each change (a drag would pay for every
hidden plot on every step); shown again, they draw the document as it is at once, exactly as
a window opened on the same design does. A window not shown yet draws every change."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from window_state import PRESET, assert_as_fresh, plot_state

FORCEFULNESS = "experience.modes.prompt.forcefulness"
THRESHOLD = "experience.bands[1].threshold"
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
PLOTS = ("score_plot", "value_plot", "roc_plot")


@pytest.fixture
def window(shown_window):
    return shown_window(PRESET)


def states(window) -> dict:
    return {
        **{name: plot_state(getattr(window, name)) for name in PLOTS},
        "outcomes": plot_state(window.outcome_plot.plot),
    }


def test_plots_behind_another_tab_wait_and_show_the_exact_figures_when_shown(
    window, make_window, qapp
):
    before = states(window)
    window.tabs.setCurrentWidget(window.sensitivity_view)
    qapp.processEvents()
    doc = window.document
    assert doc.set_value(FORCEFULNESS, 0.3)
    assert doc.set_value(THRESHOLD, 0.2)
    assert states(window) == before  # hidden: not redrawn
    assert window.goals.text() != make_window(PRESET).goals.text()  # the goals show it
    window.tabs.setCurrentIndex(0)  # Today again
    assert states(window) != before
    assert_as_fresh(window, make_window, qapp)


def test_an_undo_behind_another_tab_is_shown_exact(window, make_window, qapp):
    doc = window.document
    assert doc.set_value(FORCEFULNESS, 0.3)
    window.tabs.setCurrentWidget(window.compare_view)
    qapp.processEvents()
    doc.undo_stack.undo()
    window.tabs.setCurrentIndex(0)
    assert doc.value(FORCEFULNESS) != 0.3
    assert_as_fresh(window, make_window, qapp)


def test_a_line_shown_again_starts_where_the_document_says_and_drags_it(window, qapp, qtbot):
    """Document to view while hidden, then view to document once shown."""
    window.tabs.setCurrentWidget(window.sensitivity_view)
    qapp.processEvents()
    doc = window.document
    assert doc.set_value(THRESHOLD, 0.2)
    window.tabs.setCurrentIndex(0)
    qapp.processEvents()
    plot = window.score_plot
    line = plot.threshold_lines[1]
    assert line.value() == pytest.approx(float(plot_logit(0.2)))
    view = plot.plot_item.getViewBox()
    middle = sum(view.viewRange()[1]) / 2
    at = plot.mapFromScene(view.mapViewToScene(QPointF(line.value(), middle)))
    viewport = plot.viewport()
    QTest.mousePress(viewport, LEFT, NONE, at)
    for dx in (6, 12, 18):
        QTest.mouseMove(viewport, at + QPoint(dx, 0))
        qtbot.wait(20)
    QTest.mouseRelease(viewport, LEFT, NONE, at + QPoint(18, 0))
    qapp.processEvents()
    assert doc.preset.experience.bands[1].threshold > 0.2


def test_a_window_not_shown_yet_draws_every_change(make_window, qapp):
    window = make_window(PRESET)
    before = states(window)
    assert window.document.set_value(FORCEFULNESS, 0.3)
    assert window.document.set_value(THRESHOLD, 0.2)
    after = states(window)
    assert after["value_plot"] != before["value_plot"]
    assert after["score_plot"] != before["score_plot"]


def plot_logit(p: float) -> float:
    from prototyper.qt.plots.common import logit

    return float(logit(p))
