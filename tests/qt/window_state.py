"""What a window shows of its design, to compare two windows: every card, every plot's
items and data, and where labels are drawn."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from prototyper import assets
from prototyper.qt.plots.common import label_rect

PRESET = assets.preset_path("safe_browsing")


def _num(value) -> object:
    """A number or array, rounded so that the same figure computed twice compares equal."""
    array = np.round(np.asarray(value, dtype=float), 9)
    return tuple(array.ravel().tolist())


def _item(item) -> tuple | None:
    """What a visible plot item shows, in data units (None for items that show no data)."""
    kind = type(item).__name__
    if isinstance(item, pg.PlotCurveItem):
        x, y = item.getData()
        return (kind, _num(x if x is not None else []), _num(y if y is not None else []))
    if isinstance(item, pg.ScatterPlotItem):
        x, y = item.getData()
        brushes = tuple(p.brush().color().name() for p in item.points())
        return (kind, _num(x), _num(y), brushes, item.toolTip())
    if isinstance(item, pg.BarGraphItem):
        opts = item.opts
        return (kind, _num(opts["x"]), _num(opts["y0"]), _num(opts["height"]))
    if isinstance(item, pg.TextItem):
        return (kind, item.textItem.toPlainText(), item.toolTip())
    if isinstance(item, pg.InfiniteLine):
        return (kind, _num(item.value()), item.pen.color().name(), item.toolTip())
    if isinstance(item, pg.LinearRegionItem):
        return (kind, _num(item.getRegion()), item.brush.color().name())
    return None


def plot_state(widget: pg.PlotWidget) -> list:
    """Every visible item of a plot with what it shows, and the plot's title."""
    shown = [_item(i) for i in widget.scene().items() if i.isVisible()]
    title = widget.getPlotItem().titleLabel.text
    return [title, *sorted((s for s in shown if s is not None), key=repr)]


def label_places(widget: pg.PlotWidget) -> dict[str, tuple]:
    """Each visible label's text and where it is drawn (scene pixels)."""
    return {
        item.textItem.toPlainText(): tuple(round(v, 3) for v in label_rect(item).getRect())
        for item in widget.scene().items()
        if isinstance(item, pg.TextItem) and item.isVisible() and item.textItem.toPlainText()
    }


def window_state(window) -> dict:
    """Everything the window shows of the design: the cards' texts and tooltips, every
    plot's items, the outcome legend."""
    goals = window.goals
    return {
        "cards": goals.text(),
        "tips": {key: card.toolTip() for key, card in goals.cards.items()},
        "scores": plot_state(window.score_plot),
        "value": plot_state(window.value_plot),
        "outcomes": plot_state(window.outcome_plot.plot),
        "legend": window.outcome_plot.legend.text(),
        "roc": plot_state(window.roc_plot),
    }


def assert_as_fresh(window, make_window, qapp) -> None:
    """``window`` shows what a window opened on its design shows: every card, every plot's
    data, and the labels where the plot's range depends on the model alone."""
    fresh = make_window(PRESET)
    fresh.resize(window.size())
    fresh.show()
    qapp.processEvents()  # laid out at that size first, as the dragged window was
    fresh.document.set_preset(window.document.preset, "the same design")
    qapp.processEvents()
    assert fresh.document.preset == window.document.preset
    assert not fresh.document.drafting
    got, want = window_state(window), window_state(fresh)
    for key in want:
        assert got[key] == want[key], key
    for name in ("score_plot", "roc_plot"):
        assert label_places(getattr(window, name)) == label_places(getattr(fresh, name)), name
