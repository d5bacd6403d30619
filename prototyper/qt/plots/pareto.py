"""The optimizer's Pareto front: value added a day against interruptions or harms avoided,
each point a design, labelled where its label fits without covering another."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Signal

from ...core.evaluation.figures import label as figure_label
from ...core.evaluation.optimize import Candidate
from ...core.preset.schema import ACTIVE_MODES, Preset
from ..theme import BEST_COLOR, CURRENT_COLOR
from .axes import MoneyAxis
from .common import TEXT_COLOR, _Pool, _style

POINT_COLOR = "#3a7dc9"
SELECTED_COLOR = "#e6820e"
MAX_LABELS = 8  # beyond these the points speak through the selection line


def short_label(candidate: Candidate) -> str:
    """The design in a few characters: 'auto≥0.047 · orga≥0.0169' (its label with each mode
    cut to four letters, without forcefulness and caps)."""
    text = candidate.design.label()
    for mode in ACTIVE_MODES:
        text = text.replace(f"{mode} ≥", f"{mode[:4]}≥")
    return text


class QtParetoPlot(pg.PlotWidget):
    """The points of one front; a click selects one (``selected`` gives its index)."""

    selected = Signal(int)

    def __init__(self, parent=None) -> None:
        self._money = MoneyAxis("left")
        super().__init__(parent, axisItems={"left": self._money})
        self._plot = _style(self, "", "value added a day", "")
        self._points: list[Candidate] = []
        self._axis = ""
        self._preset: Preset | None = None
        self._chosen = -1
        self._scatter = pg.ScatterPlotItem(size=9, pen=pg.mkPen("w"), brush=POINT_COLOR)
        self._scatter.sigClicked.connect(self._on_click)
        self._plot.addItem(self._scatter)
        self._marks = pg.ScatterPlotItem(size=14, pen=pg.mkPen(width=2), brush=None)
        self._plot.addItem(self._marks)
        self._labels = _Pool(self._plot, lambda i: pg.TextItem(color=TEXT_COLOR))
        self._probe = pg.TextItem()  # measures a label before it is placed (never shown)
        self._plot.getViewBox().sigRangeChanged.connect(self._relabel)
        self.labelled: list[int] = []  # indices of the points whose label is shown
        self.texts: list[str] = []  # and their texts, in the same order

    def show_front(
        self,
        points: Sequence[Candidate],
        axis: str,
        preset: Preset,
        best: Candidate | None,
        current: Candidate,
    ) -> None:
        self._points, self._axis, self._preset = list(points), axis, preset
        self._best, self._current = best, current
        self._chosen = -1
        self._money.currency = preset.payoffs.currency
        self._plot.setLabel("bottom", figure_label(axis), color=TEXT_COLOR, **{"font-size": "9pt"})
        self._plot.setTitle(
            f"Pareto front: value added against {figure_label(axis)}",
            color=TEXT_COLOR,
            size="10pt",
        )
        xs = [c.figures[axis] for c in self._points]
        ys = [c.figures["value_added"] for c in self._points]
        self._scatter.setData(xs, ys, data=list(range(len(xs))))
        extra = [c for c in (current, best) if c is not None]
        all_x = xs + [c.figures[axis] for c in extra]
        all_y = ys + [c.figures["value_added"] for c in extra]
        self._mark()
        if all_x:
            pad_x = (max(all_x) - min(all_x)) * 0.08 or 1.0
            pad_y = (max(all_y) - min(all_y)) * 0.1 or 1.0
            self._plot.getViewBox().setRange(  # room above the best for its label
                xRange=(min(all_x) - pad_x, max(all_x) + pad_x),
                yRange=(min(all_y) - pad_y, max(all_y) + 2 * pad_y),
                padding=0.0,
            )
        self._relabel()

    def select(self, index: int) -> None:
        self._chosen = index
        self._mark()
        self._relabel()
        self.selected.emit(index)

    @property
    def chosen(self) -> Candidate | None:
        return self._points[self._chosen] if 0 <= self._chosen < len(self._points) else None

    def _mark(self) -> None:
        spots = []
        marks = ((self._current, CURRENT_COLOR, "s"), (self._best, BEST_COLOR, "o"))
        marks += ((self.chosen, SELECTED_COLOR, "o"),)
        for c, color, symbol in marks:
            if c is not None:
                spots.append(
                    {
                        "pos": (c.figures[self._axis], c.figures["value_added"]),
                        "pen": pg.mkPen(color, width=2),
                        "symbol": symbol,
                    }
                )
        self._marks.setData(spots)

    @staticmethod
    def _spot(at, text, probe, frame, taken, dots, lifts=(2,)):
        """Where a label fits beside the point at ``at`` (scene pixels): (rect, anchor,
        offset), right above first; None if nowhere. ``lifts``: how far off the point it may
        sit (the farther, the less clearly it is the point's)."""
        probe.setText(text)  # the kind of item a label is drawn with: its size in pixels
        size = probe.textItem.boundingRect()
        w, h = size.width(), size.height()
        for lift, anchor in itertools.product(
            lifts, ((0.0, 1.0), (1.0, 1.0), (0.0, 0.0), (1.0, 0.0))
        ):
            dx = 6 if anchor[0] == 0 else -6
            dy = -lift if anchor[1] == 1 else lift
            x0 = at.x() + dx - (w if anchor[0] == 1 else 0)
            y0 = at.y() + dy - (h if anchor[1] == 1 else 0)
            rect = QRectF(x0, y0, w, h)
            if (
                frame.contains(rect)
                and not any(rect.intersects(r) for r in taken)
                and not any(rect.intersects(r) for r in dots)
            ):
                return rect, anchor, QPointF(dx, dy)
        return None

    def _on_click(self, _item, spots, *_args) -> None:
        if len(spots):
            self.select(int(spots[0].data()))

    def _relabel(self, *_args) -> None:
        """Labels for the best, the selected point and then evenly along the front, each
        where it fits: full, else shortened, else none (the selection line names it)."""
        view = self._plot.getViewBox()
        frame = view.sceneBoundingRect()
        probe = self._probe
        n = len(self._points)
        order: list[int] = []
        if self._chosen >= 0:
            order.append(self._chosen)
        if self._best is not None:
            order += [i for i, c in enumerate(self._points) if c.design == self._best.design]
        prominent = set(order)
        step = max(1, n // MAX_LABELS)
        order += list(range(n - 1, -1, -step))
        taken: list[QRectF] = []
        # the dots are obstacles too: a label covers none, but the chosen's and the best's
        # may if nowhere else is free
        dots = [
            view.mapViewToScene(QPointF(c.figures[self._axis], c.figures["value_added"]))
            for c in self._points
        ]
        dot_rects = [QRectF(p.x() - 4, p.y() - 4, 8, 8) for p in dots]
        for c in (self._current, self._best):  # and the current design's and best's marks
            if c is not None:
                p = view.mapViewToScene(QPointF(c.figures[self._axis], c.figures["value_added"]))
                taken.append(QRectF(p.x() - 8, p.y() - 8, 16, 16))
        self.labelled, self.texts = [], []
        placed: list[tuple[int, str, tuple[float, float], QPointF]] = []
        for i in dict.fromkeys(order):
            if len(placed) >= MAX_LABELS:
                break
            c = self._points[i]
            at = view.mapViewToScene(QPointF(c.figures[self._axis], c.figures["value_added"]))
            strict = (True, False) if i in prominent else (True,)
            spot = None
            for avoid_dots, text in itertools.product(
                strict, (c.design.label(self._preset), short_label(c))
            ):
                dots = dot_rects if avoid_dots else []
                lifts = (2, 10, 20) if i in prominent else (2, 8)
                spot = self._spot(at, text, probe, frame, taken, dots, lifts)
                if spot is not None:
                    break
            if spot is None:
                continue
            rect, anchor, offset = spot
            taken.append(rect)
            placed.append((i, text, anchor, offset))
        items = self._labels.take(len(placed))
        for item, (i, text, anchor, offset) in zip(items, placed, strict=True):
            c = self._points[i]
            color = SELECTED_COLOR if i == self._chosen else TEXT_COLOR
            item.setText(text, color=color)
            item.setAnchor(anchor)
            x, y = c.figures[self._axis], c.figures["value_added"]
            item.setPos(view.mapSceneToView(view.mapViewToScene(QPointF(x, y)) + offset))
            self.labelled.append(i)
            self.texts.append(text)
