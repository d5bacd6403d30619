"""Labels on the plots stay readable: the star of the best single threshold never covers
its label, and in lecture mode at a projector's size the plots keep their room with a
scene's caption showing, their labels clear of the bars and curves they name."""

from __future__ import annotations

import functools

import pytest
from lecture_screen import PROJECTOR, lecture_at, settle
from PySide6.QtWidgets import QMessageBox

from prototyper import assets
from prototyper.qt.plots.common import label_rect

Button = QMessageBox.StandardButton
PRESETS = [p.stem for p in assets.bundled_presets()]


@pytest.fixture
def make_window(make_window, qapp):
    """Windows in the app's own theme (its style sheet sets the sizes the layout fits)."""
    from prototyper.qt.window_chrome import apply_theme

    apply_theme(qapp)
    yield functools.partial(make_window, answer=Button.Discard)
    qapp.setStyleSheet("")


def open_preset(make_window, qtbot, name):
    window = make_window(assets.preset_path(name))
    window.show()
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    return window


def star_clear(plot) -> None:
    """The best single threshold's label, if shown, is clear of the star and the dots."""
    star, *dots = plot.marker_rects()
    label = plot.best_label
    if label.isVisible():
        rect = label_rect(label)
        assert not rect.intersects(star), (rect, star)
        assert not any(rect.intersects(d) for d in dots)
    current = label_rect(plot.current_label)
    if plot.current_label.isVisible():
        assert not current.intersects(star)


@pytest.mark.parametrize("preset", ["safe_browsing", "fall_detection", "smart_toaster"])
def test_the_star_never_covers_its_label(make_window, qapp, qtbot, preset):
    window = open_preset(make_window, qtbot, preset)
    window.resize(1600, 1000)
    settle(qapp, qtbot)
    plot = window.value_plot
    assert plot.best_label.isVisible()  # room enough: shown, and clear of the star
    star_clear(plot)
    # the document changes: the star moves, its label with it
    rate = window.document.preset.scenario.base_rate
    window.document.set_value("scenario.base_rate", rate * 3)
    settle(qapp, qtbot)
    star_clear(plot)
    # the widget changes: a projector's size, larger type, the panel shown
    lecture_at(window, PROJECTOR, True, qapp, qtbot)
    star_clear(plot)
    window.toggle_lecture_mode()


# --- lecture mode at a projector's size, a scene's caption showing ---------------------------


def view_rect_of(plot, rect):
    """A scene rect in the plot's data coordinates: (x0, x1, y0, y1)."""
    view = plot.getPlotItem().getViewBox()
    a = view.mapSceneToView(rect.topLeft())
    b = view.mapSceneToView(rect.bottomRight())
    return min(a.x(), b.x()), max(a.x(), b.x()), min(a.y(), b.y()), max(a.y(), b.y())


def check_lecture_layout(window) -> None:
    from prototyper.qt.lecture import CAPTION_LINES, LECTURE_BARS_MIN_PX, LECTURE_PLOT_MIN_PX
    from prototyper.qt.plots.value_curve import crosses

    caption = window.lecture.caption
    assert caption.isVisible()
    # the caption is bounded: its heading and at most CAPTION_LINES lines of narration
    lines = caption.narration.text().splitlines()
    assert 1 <= len(lines) <= CAPTION_LINES
    line = caption.narration.fontMetrics().lineSpacing()
    assert caption.height() <= caption.heading.fontMetrics().lineSpacing() + line * 2 + 20
    shown = " ".join(lines).removesuffix(" …").rstrip(" ,;:.…")
    assert caption.narration_text.startswith(shown)
    assert caption.narration_text in caption.toolTip()  # the whole of it
    # and inside the window, under the plots, which keep their room
    central = window.centralWidget()
    bottom = caption.mapTo(central, caption.rect().bottomLeft()).y()
    assert bottom <= central.height()
    plots = [window.score_plot, window.value_plot, window.roc_plot]
    assert all(p.height() >= LECTURE_PLOT_MIN_PX for p in plots)
    assert window.outcome_plot.plot.height() >= LECTURE_BARS_MIN_PX
    top_of_caption = caption.mapTo(central, caption.rect().topLeft()).y()
    for p in [*plots, window.outcome_plot.plot]:
        assert p.mapTo(central, p.rect().bottomLeft()).y() <= top_of_caption
    # the bars' totals ("net $12M") never over a bar, and inside the plot
    outcome = window.outcome_plot
    view = outcome.plot_item.getViewBox().sceneBoundingRect()
    bars = outcome.bar_rects()
    assert bars
    for item in outcome.totals:
        if item.isVisible() and item.toPlainText():
            rect = label_rect(item)
            assert view.contains(rect), item.toPlainText()
            assert not any(rect.intersects(b) for b in bars), item.toPlainText()
    # "feature off" clear of every curve of the value plot
    plot = window.value_plot
    off = plot.off_line.label
    if off.isVisible():
        x0, x1, y0, y1 = view_rect_of(plot, label_rect(off))
        curves = [(c.xData, c.yData) for c in (*plot.curves, plot.single_curve)]
        assert not any(crosses(x, y, x0, x1, y0, y1) for x, y in curves)
    star_clear(plot)


@pytest.mark.parametrize("preset", ["safe_browsing", "audit_risk", "fall_detection"])
@pytest.mark.parametrize("panel", [False, True], ids=["plots", "panel"])
def test_a_lecture_at_1280x720_keeps_the_plots_readable(make_window, qapp, qtbot, preset, panel):
    window = open_preset(make_window, qtbot, preset)
    lecture_at(window, PROJECTOR, panel, qapp, qtbot)
    stepper = window.lecture.stepper
    for step in (stepper.count, 1):  # the document steps on: the caption and plots follow
        assert stepper.go(step, animate=False)
        settle(qapp, qtbot)
        check_lecture_layout(window)
    window.toggle_lecture_mode()
    settle(qapp, qtbot)
    # out of the lecture the plots take any height again, the legend its figures
    assert window.outcome_plot.plot.minimumHeight() == window.outcome_plot.minimumHeight() == 0
    assert not window.outcome_plot.compact and "value added" in window.outcome_plot.legend.text()


def test_the_caption_cuts_a_long_narration_at_a_word_with_an_ellipsis(qapp):
    from PySide6.QtGui import QFont, QFontMetrics

    from prototyper.qt.lecture import elide_lines

    font = QFont()
    font.setPixelSize(19)
    text = " ".join(f"word{i}" for i in range(200))
    lines = elide_lines(text, font, 400, 2)
    assert len(lines) == 2 and lines[-1].endswith(" …")
    metrics = QFontMetrics(font)
    assert all(metrics.horizontalAdvance(line) <= 400 for line in lines)
    words = " ".join(lines).removesuffix(" …").split()
    assert words == text.split()[: len(words)]  # whole words, in order
    assert elide_lines("short", font, 400, 2) == ["short"]


# --- the bars' totals outside lecture mode ---------------------------------------------------


@pytest.mark.parametrize("size", [(260, 320), (220, 480), (300, 240)])
def test_a_total_stays_on_its_side_of_zero_in_a_narrow_outcome_plot(qapp, qtbot, size):
    """Audit risk as its users see it: the total of "wrong" takes the room under the
    bars, and the loss of "attention" beside it used to be pushed above the zero line,
    where it read as a gain. It stays below, in its short form ("-$3.59k")."""
    from PySide6.QtCore import QPointF

    from prototyper.core.preset.preset_io import load_preset
    from prototyper.qt.document import Document
    from prototyper.qt.plots.outcomes import QtOutcomeBreakdown

    document = Document(load_preset(assets.preset_path("audit_risk")))
    outcomes = QtOutcomeBreakdown(document)
    qtbot.addWidget(outcomes)
    outcomes.show()
    outcomes.set_stakeholder("user")
    outcomes.resize(*size)
    settle(qapp, qtbot)
    view = outcomes.plot_item.getViewBox()
    zero = view.mapViewToScene(QPointF(0.0, 0.0)).y()
    net = outcomes.values.sum(axis=1)
    assert (net < 0).sum() == 2  # two losses, side by side
    for c, item in enumerate(outcomes.totals):
        assert item.isVisible() and item.toPlainText()  # shortened, not dropped, here
        rect = label_rect(item)
        if net[c] < 0:
            assert rect.top() >= zero - 0.5, (item.toPlainText(), rect, zero)
        else:
            assert rect.bottom() <= zero + 0.5, (item.toPlainText(), rect, zero)
        assert not any(rect.intersects(b) for b in outcomes.bar_rects())
    assert any(not t.toPlainText().startswith("net ") for t in outcomes.totals)
