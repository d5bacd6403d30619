"""Nothing shows cut on a small or projected screen: an axis title is whole or absent (a
short form when the full one is longer than its axis), and the scrolled goal cards end at a
card's edge."""

from __future__ import annotations

import functools
import itertools

import pytest
from lecture_screen import PROJECTOR, lecture_at, settle
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication, QMessageBox

from prototyper import assets
from prototyper.qt.goals import GoalsArea
from prototyper.qt.window_chrome import MINIMUM_SIZE

Button = QMessageBox.StandardButton


@pytest.fixture
def make_window(make_window):
    return functools.partial(make_window, answer=Button.Discard)


def today_plots(window):
    return {
        "score": window.score_plot,
        "value": window.value_plot,
        "outcome": window.outcome_plot.plot,
        "roc": window.roc_plot,
    }


def shown_titles(window) -> dict[tuple[str, str], str]:
    """Every visible axis title of the Today plots, checked to fit its axis whole."""
    shown = {}
    for name, widget in today_plots(window).items():
        for side in ("left", "bottom"):
            axis = widget.getPlotItem().getAxis(side)
            if not axis.label.isVisible():
                continue
            text = axis.labelText
            assert text in axis.title_forms, (name, side, text)
            width = axis.label.boundingRect().width()  # along the axis, rotated or not
            length = axis.height() if side == "left" else axis.width()
            assert width <= length + 0.5, (name, side, text, width, length)
            # and drawn within the axis, not beside it
            drawn = axis.label.sceneBoundingRect()
            frame = axis.sceneBoundingRect().adjusted(-1, -1, 1, 1)
            if side == "left":
                assert frame.top() <= drawn.top() and drawn.bottom() <= frame.bottom(), name
            else:
                assert frame.left() <= drawn.left() and drawn.right() <= frame.right(), name
            shown[name, side] = text
    return shown


@pytest.mark.parametrize("preset", ["safe_browsing", "audit_risk"])
@pytest.mark.parametrize("panel", [False, True], ids=["plots", "panel"])
def test_axis_titles_fit_their_axes_in_lecture_mode_at_1280x720(
    make_window, qapp, qtbot, preset, panel
):
    window = make_window(assets.preset_path(preset))
    window.show()
    lecture_at(window, PROJECTOR, panel, qapp, qtbot)
    shown = shown_titles(window)
    # the plots are short here: the long titles give way to their short forms
    assert shown.get(("score", "left")) in (None, "events (log)")
    assert shown.get(("roc", "left")) in (None, "TPR")
    # (whether the short form or none shows depends on the fonts the machine has)
    window.toggle_lecture_mode()


def test_axis_titles_fit_at_the_minimum_size_and_are_whole_when_there_is_room(
    make_window, qapp, qtbot
):
    window = make_window()
    window.show()
    window.resize(MINIMUM_SIZE)
    settle(qapp, qtbot)
    shown_titles(window)
    window.resize(1600, 1000)
    settle(qapp, qtbot)
    shown = shown_titles(window)
    assert shown["score", "left"] == "share of events (log scale)"
    assert shown["roc", "left"] == "positives caught (TPR)"
    assert shown["roc", "bottom"] == "negatives flagged (FPR, log scale)"
    window.resize(MINIMUM_SIZE)  # and back: the short forms or none again
    settle(qapp, qtbot)
    assert shown_titles(window).get(("roc", "left")) != "positives caught (TPR)"


def test_the_value_curves_title_follows_the_currency_and_still_fits(make_window, qapp, qtbot):
    window = make_window()
    window.show()
    window.resize(1600, 1000)
    settle(qapp, qtbot)
    axis = window.value_plot.getPlotItem().getAxis("left")
    currency = window.document.preset.payoffs.currency
    assert axis.title_forms == (
        f"value added per day vs. feature off ({currency})",
        f"{currency}/day",
    )
    lecture_at(window, PROJECTOR, False, qapp, qtbot)
    assert shown_titles(window).get(("value", "left")) in (None, f"{currency}/day")
    window.toggle_lecture_mode()


def test_scrolled_goal_cards_end_at_a_cards_edge(make_window, qapp, qtbot):
    window = make_window(assets.preset_path("safe_browsing"))
    window.show()
    lecture_at(window, PROJECTOR, True, qapp, qtbot)
    area = window.findChild(GoalsArea)
    goals = window.goals
    shown = area.viewport().height()
    assert goals.height() > shown  # the cards scroll here
    assert area.verticalScrollBar().value() == 0
    cards = [c for c in goals.cards.values() if c.isVisibleTo(goals)]
    for card in cards:
        g = card.geometry()
        assert g.bottom() < shown or g.top() >= shown, card.title  # whole or not at all
    assert any(card.geometry().bottom() < shown for card in cards)
    edges = [row.geometry().bottom() + 1 for row in goals.rows if row.count()]
    assert shown in edges
    window.toggle_lecture_mode()


@pytest.mark.parametrize("preset", ["audit_risk", "fall_detection_model"])
def test_tick_labels_of_a_short_plot_stay_apart(make_window, qapp, qtbot, preset):
    window = make_window(assets.preset_path(preset))
    window.show()
    if window.model_loader.busy:  # a real model loads in the background
        qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    lecture_at(window, PROJECTOR, True, qapp, qtbot)
    line = QFontMetricsF(QApplication.font()).height()
    for name in ("value", "outcome", "roc"):
        plot = today_plots(window)[name].getPlotItem()
        axis = plot.getAxis("left")
        lo, hi = plot.getViewBox().viewRange()[1]
        (_, values), *_ = axis.tickValues(lo, hi, axis.height())
        pixels = sorted((v - lo) / (hi - lo) * axis.height() for v in values)
        assert all(b - a >= line for a, b in itertools.pairwise(pixels)), (name, values)
    outcome = today_plots(window)["outcome"].getPlotItem()
    assert outcome.getAxis("left").height() < 6 * line  # the case that overlapped
    window.toggle_lecture_mode()
