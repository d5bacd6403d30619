"""Labels on the plots stay readable: the star of the best single threshold never covers
its label, and in lecture mode at a projector's size the plots keep their room with a
scene's caption showing, their labels clear of the bars and curves they name."""

from __future__ import annotations

import functools

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QMessageBox

from prototyper import assets
from prototyper.qt.plots.common import label_rect

Button = QMessageBox.StandardButton
PRESETS = [p.stem for p in assets.bundled_presets()]


@pytest.fixture
def make_window(make_window):
    return functools.partial(make_window, answer=Button.Discard)


def settle(qapp, qtbot) -> None:
    for _ in range(4):
        qapp.processEvents()
        qtbot.wait(5)


def open_preset(make_window, qtbot, name):
    window = make_window(assets.preset_path(name))
    window.show()
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    return window


PROJECTOR = QSize(1280, 720)


def lecture_at(window, panel: bool, qapp, qtbot, size: QSize = PROJECTOR) -> None:
    window.toggle_lecture_mode()
    if panel:
        window.toggle_design_panel()
    window.showNormal()  # full screen would take the test screen's size
    window.setMinimumSize(QSize(0, 0))
    window.resize(size)
    settle(qapp, qtbot)


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
    lecture_at(window, True, qapp, qtbot)
    star_clear(plot)
    window.toggle_lecture_mode()
