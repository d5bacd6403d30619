"""The four plots of a design: where the scores fall, value against threshold, value and cost
by outcome, and the ROC curve.

Each view is built with the :class:`~prototyper.qt.document.Document`, creates its plot items
once in ``__init__`` and only moves them (``setData``/``setOpts``) in :meth:`set_analysis`,
which runs on every ``document.changed``. The only intent a plot sends back is a dragged
threshold line, through :meth:`Document.set_value`.

Score axes (distributions and value curve) are linear in logit(score). For the synthetic
model logit(score) is linear in the latent value, so the two bell curves keep their shape, and
the tiny scores that matter at a low base rate get as much room as the ones near 0.5. Ticks
are labelled as probabilities (0.001, 0.01, 0.1, 0.5, 0.9, 0.99).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QBrush, QFontMetricsF
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGraphicsScene,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)
from scipy.special import expit
from superqt.utils import qthrottled

from ..core.evaluation.analysis import Analysis, single_threshold_mode
from ..core.evaluation.engine import COMPONENTS, money_per_unit, net_per_event, outcome_masses
from ..core.format import format_probability, money, money_short, one_in
from ..core.model.scores import EmpiricalScores, ScoreModel
from ..core.preset.schema import MODES, STAKEHOLDERS
from .document import Document
from .theme import (
    BEST_COLOR,
    COST_COLOR,
    CURRENT_COLOR,
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    VALUE_COLOR,
    mode_color,
    qcolor,
)

THIN_BINS = 600  # value curves keep at most 2 points per bin (about a pixel) along x
AXIS_COLOR = "#616161"
TEXT_COLOR = "#303030"
LEFT_AXIS_WIDTH = 64  # the same in the score plots, so their x axes line up
LINE_MARGIN = 0.01  # logit units a dragged threshold keeps from its neighbours
DRAG_THROTTLE_MS = 16  # at most one recompute per frame while dragging
COMPONENT_LABELS = {
    "positive_acted": "positive,\nacted on",
    "positive_missed": "positive,\nmissed",
    "negative_acted": "negative,\nacted on",
    "negative_ignored": "negative,\nignored",
    "attention": "attention\n(time)",
}


# --- numbers and labels -------------------------------------------------------------------


def logit(p: float | np.ndarray) -> float | np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-np.asarray(p, dtype=float))


def nice_threshold(p: float, low: float, high: float) -> float:
    """``p`` rounded to 3 significant digits of its distance to 0 or 1 (what a designer
    would type), with more digits only if needed to stay strictly inside (low, high)."""
    near_one = p > 0.5
    q = 1 - p if near_one else p
    for digits in range(3, 16):
        r = float(f"{q:.{digits}g}")
        candidate = float(f"{1 - r:.12g}") if near_one else r
        if low < candidate < high:
            return candidate
    return p


def _decade_as_share(exponent: float) -> str:
    """log10 of a rate as '1 in 10k'."""
    if exponent >= -1e-9:
        return "all"
    n = float(f"{10 ** (-exponent):.2g}")
    for cut, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= cut:
            return f"1 in {n / cut:g}{unit}"
    return f"1 in {n:g}"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade_as_power(exponent: float) -> str:
    e = round(exponent)
    return "1" if e == 0 else "10" + str(e).translate(_SUPERSCRIPT)


def _money_tick(value: float, currency: str) -> str:
    if abs(value) < 1e-12:
        return "0"
    return money_short(value, currency)


_BRUSHES: dict[str, QBrush] = {}


def _brush(color: str) -> QBrush:
    """One brush object per colour: scatter plots cache symbols by brush, so reusing the same
    objects skips re-rendering them on every update."""
    if color not in _BRUSHES:
        _BRUSHES[color] = pg.mkBrush(color)
    return _BRUSHES[color]


def _move(item: pg.GraphicsObject, x: float, y: float) -> None:
    """setPos only when the position changed (it re-lays out a TextItem)."""
    if getattr(item, "_at", None) != (x, y):
        item._at = (x, y)
        item.setPos(x, y)


def _anchor(item: pg.TextItem, anchor: tuple[float, float]) -> None:
    if getattr(item, "_anchored", None) != anchor:
        item._anchored = anchor
        item.setAnchor(anchor)


def _set_text(item: pg.TextItem, text: str, color: str | None = None) -> None:
    """TextItem.setText only when the text or colour changed (it re-lays out the text)."""
    key = (text, color)
    if getattr(item, "_shown", None) != key:
        item._shown = key
        if color:
            item.setText(text, color=color)
        else:
            item.setText(text)


# --- axes ---------------------------------------------------------------------------------


def _probability_ticks() -> tuple[np.ndarray, np.ndarray]:
    """Candidate ticks and the order to keep them in when not all fit: decades first (the
    nearer 0.5 the sooner), then 5s, then 2s; the same mirrored above 0.5."""
    low = {1: [10.0**-k for k in range(1, 13)], 2: [5 * 10.0**-k for k in range(2, 13)]}
    low[3] = [2 * 10.0**-k for k in range(1, 13)]
    ticks, rank = [0.5], [0.0]
    for level, values in low.items():
        for p in values:
            for q in (p, 1 - p) if p > 1e-8 else (p,):
                ticks.append(q)
                rank.append(level * 100 + abs(float(logit(q))))
    ticks_arr = np.array(ticks)
    return ticks_arr, np.argsort(rank, kind="stable")


_PROBABILITY_TICKS, _TICK_PRIORITY = _probability_ticks()


def _label_pixels(sample: str) -> float:
    """Width of a tick label in the current application font (lecture mode enlarges it)."""
    return QFontMetricsF(QApplication.font()).horizontalAdvance(sample) + 10


class ProbabilityAxis(pg.AxisItem):
    """An axis in logit(score) units, ticked and labelled as probabilities."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802
        lo, hi = sorted((minVal, maxVal))
        if not (hi > lo and size > 0):
            return []
        per_unit = size / (hi - lo)
        positions = logit(_PROBABILITY_TICKS)
        edge = 18 / per_unit  # a label centred nearer the end than this would be cut off
        min_pixels = _label_pixels("0.0001")
        kept: list[float] = []
        for i in _TICK_PRIORITY:
            x = float(positions[i])
            inside = lo + edge <= x <= hi - edge
            if inside and all(abs(x - k) * per_unit >= min_pixels for k in kept):
                kept.append(x)
        return [(1.0, sorted(kept))]

    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        return [format_probability(float(expit(v))) for v in values]


class DecadeAxis(pg.AxisItem):
    """An axis in log10 units with a tick at every decade that fits."""

    def __init__(
        self, orientation: str, label: Callable[[float], str], subdecades: bool = False, **kw
    ) -> None:
        super().__init__(orientation, **kw)
        self._label = label
        self._subdecades = subdecades

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802
        lo, hi = sorted((minVal, maxVal))
        if not (hi > lo and size > 0):
            return []
        first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        pixels = size / (hi - lo)  # per decade
        horizontal = self.orientation in ("top", "bottom")
        minimum = _label_pixels("1 in 10M") if horizontal else 18
        step = max(1, math.ceil(minimum / pixels))
        values = [float(v) for v in range(last, first - 1, -step)]
        if self._subdecades and pixels * math.log10(2) >= 1.1 * minimum:  # 1 in 2, 5, 20...
            for v in range(first - 1, last + 1):
                values += [v + math.log10(m) for m in (2, 5) if lo <= v + math.log10(m) <= hi]
        return [(float(step), sorted(values))]

    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        return [self._label(v) for v in values]


class MoneyAxis(pg.AxisItem):
    """Amounts of money as $1.5M, -$200k."""

    currency = "USD"

    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        return [_money_tick(v, self.currency) for v in values]


class PercentAxis(pg.AxisItem):
    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        return [f"{v * 100:.0f}%" for v in values]


# --- plumbing ------------------------------------------------------------------------------


def _style(widget: pg.PlotWidget, title: str, left: str, bottom: str) -> pg.PlotItem:
    widget.setBackground("w")
    item = widget.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    item.setMouseEnabled(x=False, y=False)
    item.setTitle(title, color=TEXT_COLOR, size="10pt")
    for name, text in (("left", left), ("bottom", bottom)):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(AXIS_COLOR))
        axis.setTextPen(pg.mkPen(TEXT_COLOR))
        axis.enableAutoSIPrefix(False)
        axis.setLabel(text, color=TEXT_COLOR, **{"font-size": "9pt"})
    item.getViewBox().setMouseEnabled(x=False, y=False)
    # Items move on every update; a BSP index costs more to keep than it saves here.
    widget.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
    return item


class _Pool:
    """Plot items made on first need and then reused: shown for the first ``n``, hidden after."""

    def __init__(self, plot: pg.PlotItem, make: Callable[[int], pg.GraphicsObject]) -> None:
        self._plot, self._make = plot, make
        self.items: list = []

    def take(self, n: int) -> list:
        while len(self.items) < n:
            item = self._make(len(self.items))
            self._plot.addItem(item, ignoreBounds=True)
            self.items.append(item)
        for i, item in enumerate(self.items):
            if item.isVisible() != (i < n):
                item.setVisible(i < n)
        return self.items[:n]


def _set_range(
    plot: pg.PlotItem, x: Sequence[float], y: Sequence[float], sticky_y: bool = False
) -> tuple[float, float]:
    """Show x and y; returns the y range shown.

    With ``sticky_y`` the y range only changes when the new one sticks out of it (then it
    grows a quarter more than needed) or would fill less than half of it: while a threshold
    is dragged the axis mostly stays put, which reads better and spares pyqtgraph re-laying
    out the axis and every text item each frame (~10 ms)."""
    view = plot.getViewBox()
    (x0, x1), (y0, y1) = view.viewRange()
    span = y[1] - y[0]
    if sticky_y and y[0] < y1 and y[1] > y0 and (y1 - y0) >= 0.5 * span:  # overlapping
        if y0 <= y[0] and y[1] <= y1 and span >= 0.5 * (y1 - y0):
            y = (y0, y1)
        elif span < 0.5 * (y1 - y0):
            pass  # much smaller: fit it
        else:  # growing: grow a quarter more on that side, so the next frames fit
            y = (
                y[0] - 0.25 * span if y[0] < y0 else y[0],
                y[1] + 0.25 * span if y[1] > y1 else y[1],
            )
    same_x = math.isclose(x0, x[0], abs_tol=1e-9) and math.isclose(x1, x[1], abs_tol=1e-9)
    same_y = math.isclose(y0, y[0], abs_tol=1e-12) and math.isclose(y1, y[1], abs_tol=1e-12)
    if not (same_x and same_y):
        view.setRange(xRange=x, yRange=y, padding=0.0)
    return float(y[0]), float(y[1])


def _movable_thresholds(analysis: Analysis) -> np.ndarray:
    """Thresholds that can be dragged: every band's but the last one (always 0)."""
    return np.asarray(analysis.evaluation.thresholds[:-1], dtype=float)


def scores_of(analysis: Analysis) -> ScoreModel:
    """The analysis's score model: binormal for a synthetic model, else the real model's
    scores on its evaluation set."""
    return analysis.scores


def empirical(scores: object) -> EmpiricalScores | None:
    """The labelled scores behind a real model (None for the synthetic one)."""
    if isinstance(scores, EmpiricalScores):
        return scores
    inner = getattr(scores, "scores", None)  # a loaded model wraps its evaluation scores
    return inner if isinstance(inner, EmpiricalScores) else None


def threshold_tooltip(scores: object, threshold: float) -> str:
    """A threshold line's tooltip: for a real model, also the raw score it stands for (its
    scores are calibrated, so the model's own score differs)."""
    text = "Drag to move this band's threshold"
    raw_at = getattr(scores, "raw_at", None)
    if raw_at is None:
        return text
    raw = float(raw_at(np.array([threshold]))[0])
    shown = "no evaluation row scores that high" if math.isnan(raw) else f"{raw:.4g}"
    return f"{text}\n≥ {threshold:.4g} calibrated here; the model's raw score: {shown}"


def _extent(scores: ScoreModel) -> tuple[float, float]:
    """logit(score) range where the model puts nearly all its scores (see
    ScoreModel.extent)."""
    return scores.extent()


def _model_identity(scores: ScoreModel) -> object:
    """What the model-only curves depend on: the binormal parameters, or the score set."""
    emp = empirical(scores)
    return scores if emp is None else id(emp)


def score_range(analysis: Analysis) -> tuple[float, float]:
    """The logit(score) range both score plots show: where the model puts its scores,
    widened to every threshold and to the best single threshold. Depends only on the
    analysis, so the two plots line up."""
    lo, hi = _extent(scores_of(analysis))
    marks = [*_movable_thresholds(analysis), analysis.single_threshold.best_value]
    marks = logit(np.clip(np.array(marks), 1e-15, 1 - 1e-15))
    lo = min(lo, float(np.min(marks)) - 1.0)
    hi = max(hi, float(np.max(marks)) + 1.0)
    if hi - lo < 6.0:
        middle = (hi + lo) / 2
        lo, hi = middle - 3.0, middle + 3.0
    return lo, hi


def densities(
    scores: ScoreModel, base_rate: float, lo: float, hi: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """(x, positive, negative, stepped): the share of events per unit of logit(score), each
    class weighted by its share at the scenario's base rate (see ScoreModel.density)."""
    x, positive, negative, stepped = scores.density(base_rate, lo, hi)
    return x, positive, negative, bool(stepped)


def roc_points(scores: ScoreModel, lo: float) -> tuple[np.ndarray, np.ndarray]:
    """(log10 FPR, TPR) of the whole ROC curve from FPR = 10**lo to 1."""
    return scores.roc_curve(lo)


def fpr_where_recall(scores: ScoreModel, recall: float) -> float:
    """The false-positive rate at which the model first catches ``recall`` of positives."""
    return scores.fpr_at_recall(recall)


# --- 1. score distributions ---------------------------------------------------------------


class _ThresholdLabel(pg.InfLineLabel):
    """The threshold as a score (the line itself sits at logit(score))."""

    def valueChanged(self) -> None:  # noqa: N802
        if not self.isVisible():
            return
        self.setText("≥ " + format_probability(float(expit(self.line.value()))))
        self.updatePosition()


class QtScoreDistributions(pg.PlotWidget):
    """How positives and negatives score, to scale (weighted by the base rate, log y axis),
    with each band shaded in its mode's colour and a draggable line at every threshold."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        left, bottom = DecadeAxis("left", _decade_as_power), ProbabilityAxis("bottom")
        super().__init__(parent, axisItems={"left": left, "bottom": bottom})
        self._document = document
        self._analysis: Analysis | None = None
        self._pending: dict[int, float] = {}
        plot = _style(
            self,
            "Where the scores fall",
            "share of events (log scale)",
            "score (probability of a positive)",
        )
        left.setWidth(LEFT_AXIS_WIDTH)
        self.plot_item = plot

        self.band_regions = _Pool(plot, self._make_region)
        self.band_labels = _Pool(plot, self._make_band_label)
        # Lines antialiased, their fills not (a fill's edge is under its line, and an
        # antialiased fill of the whole plot area costs several ms a frame).
        self.negative_curve = pg.PlotDataItem(pen=pg.mkPen(NEGATIVE_COLOR, width=1), antialias=True)
        self.positive_curve = pg.PlotDataItem(pen=pg.mkPen(POSITIVE_COLOR, width=1), antialias=True)
        self.negative_fill = pg.PlotDataItem(
            pen=None, fillBrush=qcolor(NEGATIVE_COLOR, 70), antialias=False
        )
        self.positive_fill = pg.PlotDataItem(
            pen=None, fillBrush=qcolor(POSITIVE_COLOR, 90), antialias=False
        )
        for item in (self.negative_fill, self.positive_fill):
            item.setZValue(4)
            plot.addItem(item)
        self._model_key: tuple = ()
        fill = (255, 255, 255, 170)
        self.negative_text = pg.TextItem(color=NEGATIVE_COLOR, anchor=(0.0, 1.0), fill=fill)
        self.positive_text = pg.TextItem(color=POSITIVE_COLOR, anchor=(0.5, 1.0), fill=fill)
        for item in (self.negative_curve, self.positive_curve):
            item.setZValue(5)
            plot.addItem(item)
        for item in (self.negative_text, self.positive_text):
            item.setZValue(25)  # over the threshold lines
            plot.addItem(item, ignoreBounds=True)
        self._lines = _Pool(plot, self._make_line)
        self._labels: list[_ThresholdLabel] = []

        self._push = qthrottled(self._push_pending, timeout=DRAG_THROTTLE_MS, parent=self)
        document.changed.connect(self.set_analysis)
        self.set_analysis(document.analysis)

    @property
    def threshold_lines(self) -> list[pg.InfiniteLine]:
        """The visible threshold lines, top band first (index = band index)."""
        return [line for line in self._lines.items if line.isVisible()]

    # -- items

    def _make_region(self, _: int) -> pg.LinearRegionItem:
        region = pg.LinearRegionItem(movable=False, pen=pg.mkPen(None))
        for line in region.lines:
            line.setPen(pg.mkPen(None))
        region.setZValue(-10)
        return region

    def _make_band_label(self, _: int) -> pg.TextItem:
        label = pg.TextItem(anchor=(0.5, 0.0))
        label.setZValue(7)
        return label

    def _make_line(self, index: int) -> pg.InfiniteLine:
        line = pg.InfiniteLine(angle=90, movable=True)
        line.setZValue(20)
        line.setCursor(Qt.CursorShape.SizeHorCursor)
        line.setToolTip("Drag to move this band's threshold")
        label = _ThresholdLabel(
            line, position=0.06, anchors=[(0, 1), (1, 1)], fill=(255, 255, 255, 200)
        )
        self._labels.append(label)
        line.sigPositionChanged.connect(partial(self._on_line_moved, index))
        line.sigPositionChangeFinished.connect(partial(self._on_line_released, index))
        return line

    # -- model -> view

    def set_analysis(self, analysis: Analysis) -> None:
        self._analysis = analysis
        preset = analysis.preset
        scores = scores_of(analysis)
        lo, hi = score_range(analysis)
        pi = preset.scenario.base_rate
        key = (_model_identity(scores), pi, lo, hi)
        if key != self._model_key:  # the curves depend on the model only, not the design
            self._model_key = key
            self._show_model(scores, pi, lo, hi)
        top = self.plot_item.getViewBox().viewRange()[1][1]

        # Bands, top first: band b covers [t_b, t_{b-1}).
        bands = preset.experience.bands
        edges = [hi, *(float(v) for v in logit(np.array(analysis.evaluation.thresholds)))]
        edges = [min(max(e, lo), hi) for e in edges]
        regions = self.band_regions.take(len(bands))
        labels = self.band_labels.take(len(bands))
        for b, band in enumerate(bands):
            left, right = edges[b + 1], edges[b]
            color = mode_color(band.mode)
            region = regions[b]
            if getattr(region, "_mode_color", None) != color:
                region._mode_color = color
                region.setBrush(qcolor(color, 34))
            if region.getRegion() != (left, right):
                region.setRegion((left, right))
            wide = right - left > 0.07 * (hi - lo)
            if labels[b].isVisible() != wide:
                labels[b].setVisible(wide)
            if wide:
                _set_text(labels[b], band.mode, color)
                _move(labels[b], (left + right) / 2, top)

        # Draggable lines at the movable thresholds, each in the colour of the band above.
        thresholds = list(analysis.evaluation.thresholds)
        lines = self._lines.take(len(thresholds) - 1)
        for i, line in enumerate(lines):
            color = mode_color(bands[i].mode)
            below = edges[i + 2] if i + 2 < len(edges) else lo
            above = edges[i]
            bounds = [below + LINE_MARGIN, above - LINE_MARGIN]
            moved = False
            with QSignalBlocker(line):  # model -> view: nothing may be written back
                if getattr(line, "_mode_color", None) != color:
                    line._mode_color = color
                    line.setPen(pg.mkPen(color, width=2))
                    line.setHoverPen(pg.mkPen(color, width=4))
                    self._labels[i].setColor(color)
                    moved = True
                if line.bounds() != bounds:
                    line.setBounds(bounds)
                    moved = True
                if not line.moving and line.value() != edges[i + 1]:
                    line.setValue(edges[i + 1])
                    moved = True
            if moved:  # the label follows sigPositionChanged, which was blocked
                self._labels[i].valueChanged()
            tip = threshold_tooltip(scores, thresholds[i])
            if line.toolTip() != tip:
                line.setToolTip(tip)

    def _show_model(self, scores: ScoreModel, pi: float, lo: float, hi: float) -> None:
        x, positive, negative, stepped = densities(scores, pi, lo, hi)
        peak_neg, peak_pos = float(negative.max()), float(positive.max())
        peak_neg, peak_pos = max(peak_neg, 1e-300), max(peak_pos, 1e-300)
        top = math.log10(max(peak_neg, peak_pos)) + 1.0  # room for the band names
        floor = math.log10(min(peak_neg, peak_pos)) - 2.5
        tiny = 10.0**floor
        y_neg = np.log10(np.maximum(negative, tiny))
        y_pos = np.log10(np.maximum(positive, tiny))
        step = "center" if stepped else None
        for item, y in (
            (self.negative_curve, y_neg),
            (self.positive_curve, y_pos),
            (self.negative_fill, y_neg),
            (self.positive_fill, y_pos),
        ):
            item.setData(x, y, stepMode=step)
        self.negative_fill.setFillLevel(floor)
        self.positive_fill.setFillLevel(floor)
        _set_range(self.plot_item, (lo, hi), (floor, top))

        centre = (x[:-1] + x[1:]) / 2 if stepped else x
        i_pos = int(np.argmax(positive))
        rare = f"{one_in(pi)} events" if pi < 0.05 else f"{one_in(pi)} of events"
        _set_text(self.positive_text, f"positives: {rare}")
        self.positive_text.setAnchor((_edge_anchor(centre[i_pos], lo, hi), 1.0))
        self.positive_text.setPos(centre[i_pos], math.log10(peak_pos))
        i_neg = int(np.argmax(negative))
        _set_text(self.negative_text, "negatives")
        left = centre[i_neg] < (lo + hi) / 2
        self.negative_text.setAnchor((0.0, 1.0) if left else (1.0, 1.0))
        self.negative_text.setPos(centre[i_neg], math.log10(peak_neg))
        emp = empirical(scores)
        title = "Where the scores fall"
        if emp is not None:
            title += f" (evaluation data, n = {emp.n:,})"
        self.plot_item.titleLabel.setToolTip(
            "Evaluation data reweighted to the scenario's base rate"
            if emp is not None
            else "The synthetic binormal model, exact"
        )
        self.plot_item.setTitle(title, color=TEXT_COLOR, size="10pt")

    # -- view -> model

    def _on_line_moved(self, index: int, line: pg.InfiniteLine) -> None:
        self._pending[index] = float(line.value())
        self._push()

    def _push_pending(self) -> None:
        pending, self._pending = self._pending, {}
        bands = self._document.preset.experience.bands
        for index, x in pending.items():
            if index >= len(bands) - 1:
                continue
            low = bands[index + 1].threshold
            high = bands[index - 1].threshold if index > 0 else 1.0
            x = min(max(x, float(logit(low)) + LINE_MARGIN), float(logit(high)) - LINE_MARGIN)
            value = nice_threshold(float(expit(x)), low, high)
            self._document.set_value(f"experience.bands[{index}].threshold", value, merge=True)

    def _on_line_released(self, index: int, line: pg.InfiniteLine) -> None:
        self._push.flush()
        self._document.end_merge()
        self.set_analysis(self._document.analysis)  # snap the line to the stored value


# --- 2. value against threshold -----------------------------------------------------------


class QtValueCurve(pg.PlotWidget):
    """Net value per day for the whole population as each threshold moves (the others held),
    the current design, and the best single-threshold design."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        self._money_axis = MoneyAxis("left")
        axes = {"left": self._money_axis, "bottom": ProbabilityAxis("bottom")}
        super().__init__(parent, axisItems=axes)
        plot = _style(self, "Net value as a threshold moves", "net value per day", "threshold")
        self._money_axis.setWidth(LEFT_AXIS_WIDTH)
        self.plot_item = plot
        self._document = document

        self.zero_line = pg.InfiniteLine(pos=0.0, angle=0, pen=pg.mkPen(AXIS_COLOR, width=1))
        self.zero_line.setZValue(-5)
        plot.addItem(self.zero_line, ignoreBounds=True)
        self.off_line = pg.InfiniteLine(
            pos=0.0,
            angle=0,
            pen=pg.mkPen("#9e9e9e", width=1, style=Qt.PenStyle.DashLine),
            label="feature off",
            labelOpts={"position": 0.02, "color": "#757575", "anchors": [(0, 1), (0, 1)]},
        )
        self.off_line.setZValue(-5)
        plot.addItem(self.off_line, ignoreBounds=True)
        self.single_curve = pg.PlotDataItem(
            pen=pg.mkPen(BEST_COLOR, width=1, style=Qt.PenStyle.DashLine),
            connect="finite",
            antialias=True,
        )
        plot.addItem(self.single_curve)
        self._curves = _Pool(plot, self._make_curve)
        self.current_marker = pg.ScatterPlotItem(size=10, pen=pg.mkPen(CURRENT_COLOR, width=1.5))
        self.current_marker.setZValue(10)
        plot.addItem(self.current_marker)
        fill = (255, 255, 255, 190)
        self.current_label = pg.TextItem(color=CURRENT_COLOR, anchor=(0.0, 1.0), fill=fill)
        self.best_marker = pg.ScatterPlotItem(
            symbol="star", size=16, brush=pg.mkBrush(BEST_COLOR), pen=pg.mkPen("w", width=1)
        )
        self.best_marker.setZValue(11)
        plot.addItem(self.best_marker)
        self.best_label = pg.TextItem(color=BEST_COLOR, anchor=(0.5, 1.15), fill=fill)
        self._title = ""
        self._single_y, self._single_range = np.array([]), (0.0, 0.0)
        for item in (self.current_label, self.best_label):
            item.setZValue(9)  # under the markers
            plot.addItem(item, ignoreBounds=True)

        document.changed.connect(self.set_analysis)
        self.set_analysis(document.analysis)

    @property
    def curves(self) -> list[pg.PlotDataItem]:
        return [c for c in self._curves.items if c.isVisible()]

    def _make_curve(self, _: int) -> pg.PlotDataItem:
        # Width 2 for the eye at the back of a lecture hall, not antialiased: a wide
        # antialiased pen over ~600 points costs ~1.5 ms a frame.
        curve = pg.PlotDataItem(connect="finite", antialias=False)
        curve.setZValue(5)
        return curve

    def set_analysis(self, analysis: Analysis) -> None:
        preset = analysis.preset
        currency = preset.payoffs.currency
        self._money_axis.currency = currency
        label = f"net value per day, all users ({currency})"
        if self.getAxis("left").labelText != label:
            self.getAxis("left").setLabel(label)
        lo, hi = score_range(analysis)
        bands = preset.experience.bands
        sweeps = analysis.threshold_sweeps
        ys = []
        for i, (curve, s) in enumerate(zip(self._curves.take(len(sweeps)), sweeps, strict=True)):
            y = s.net_per_population_day
            x = logit(s.values)
            color = mode_color(bands[i].mode)
            if getattr(curve, "_mode_color", None) != color:
                curve.setPen(pg.mkPen(color, width=2))
                curve._mode_color = color
            curve.setData(*thin(x, y, lo, hi))
            ys.append(y[(x >= lo) & (x <= hi)])

        single = analysis.single_threshold
        single_y = single.net_per_population_day
        same = np.array_equal(single_y, self._single_y, equal_nan=True)
        if not same or self._single_range != (lo, hi):  # independent of the bands
            self._single_y, self._single_range = single_y, (lo, hi)
            self.single_curve.setData(*thin(logit(single.values), single_y, lo, hi))
        best_x, best_y = float(logit(single.best_value)), float(single_y[single.best_index])
        self.best_marker.setData([best_x], [best_y])
        _set_text(
            self.best_label,
            f"best single threshold {format_probability(single.best_value)}: "
            f"{money(best_y, currency)}/day",
        )

        now = analysis.evaluation.net_per_population_day
        thresholds = _movable_thresholds(analysis)
        xs = logit(thresholds)
        self.current_marker.setData(
            xs,
            np.full(len(xs), now),
            brush=[_brush(mode_color(bands[i].mode)) for i in range(len(xs))],
        )
        _set_text(self.current_label, f"this design: {money(now, currency)}/day")

        # Room for the peak, the current design, the best design and zero; the curves may
        # run off the bottom (value falls fast when a mode floods everyone).
        finite = np.concatenate([v[np.isfinite(v)] for v in ys] or [np.array([now])])
        finite = finite if finite.size else np.array([now])
        e = analysis.evaluation
        off = e.baseline_per_event * e.events_per_day * e.population
        if self.off_line.value() != off:
            self.off_line.setValue(off)
        top = max(float(finite.max()), now, best_y)
        core = min(now, best_y, off)  # every curve flattens out at "feature off"
        span = top - core or max(abs(top), 1.0)
        if core - 0.5 * span <= 0 <= top + 0.5 * span:  # zero is near: show it
            top, core = max(top, 0.0), min(core, 0.0)
            span = top - core or max(abs(top), 1.0)
        bottom = max(float(finite.min()), core - 0.25 * span) - 0.06 * span
        top = top + 0.2 * span
        bottom, top = _set_range(self.plot_item, (lo, hi), (bottom, top), sticky_y=True)

        # Labels stay inside the view: left-anchored unless near the right edge.
        _move(self.best_label, best_x, best_y)
        _anchor(self.best_label, (_edge_anchor(best_x, lo, hi), 1.15))
        x_now = float(np.max(xs)) if len(xs) else (lo + hi) / 2
        _move(self.current_label, x_now, now)
        _anchor(self.current_label, (_edge_anchor(x_now, lo, hi), -0.15))
        # The legend is the title: it never covers a curve.
        entries = [
            f'<span style="color:{mode_color(bands[i].mode)}">━ {bands[i].mode}</span>'
            for i in range(len(sweeps))
        ]
        alone = single_threshold_mode(bands)
        entries.append(f'<span style="color:{BEST_COLOR}">┄ {alone} alone</span>')
        title = f"Net value as a threshold moves: {' '.join(entries)}"
        if title != self._title:
            self._title = title
            self.plot_item.setTitle(title, color=TEXT_COLOR, size="10pt")


def thin(
    x: np.ndarray, y: np.ndarray, lo: float, hi: float, bins: int = THIN_BINS
) -> tuple[np.ndarray, np.ndarray]:
    """A curve clipped to [lo, hi] and, if it has more than 2 points a bin, cut to the lowest
    and highest y of each of ``bins`` bins along x (the 'peak' downsampling pyqtgraph does at
    paint time, once here instead). A real model's sweep has a point per distinct score."""
    keep = (x >= lo) & (x <= hi)
    x, y = x[keep], y[keep]
    if len(x) <= 2 * bins:
        return x, y
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    which = np.minimum(((x - lo) / (hi - lo) * bins).astype(int), bins - 1)
    starts = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
    with np.errstate(invalid="ignore"):
        low, high = np.fmin.reduceat(y, starts), np.fmax.reduceat(y, starts)
    ends = np.r_[starts[1:], len(x)] - 1
    return np.column_stack([x[starts], x[ends]]).ravel(), np.column_stack([low, high]).ravel()


def _edge_anchor(x: float, lo: float, hi: float) -> float:
    """Horizontal anchor of a label at x: centred, or pushed in near an edge."""
    f = (x - lo) / (hi - lo)
    return 0.0 if f < 0.25 else 1.0 if f > 0.75 else 0.5


# --- 3. value and cost by outcome ---------------------------------------------------------


class QtOutcomeBreakdown(QWidget):
    """Value (up) and cost (down) per day for the whole population, per outcome, stacked by
    the mode that handled it; filtered to one stakeholder or all of them."""

    FILTERS = ("all", *STAKEHOLDERS)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._analysis: Analysis | None = None
        shape = (len(COMPONENTS), len(MODES))  # what the bars show, per population-day
        self.values, self.value_up, self.value_down = (
            np.zeros(shape),
            np.zeros(shape),
            np.zeros(shape),
        )

        self.stakeholder_combo = QComboBox()
        self.stakeholder_combo.addItems(["all stakeholders", *(f"{s} only" for s in STAKEHOLDERS)])
        self.stakeholder_combo.setToolTip("Whose value and cost the bars show")
        self._money_axis = MoneyAxis("left")
        self.plot = pg.PlotWidget(axisItems={"left": self._money_axis})
        plot = _style(self.plot, "Value and cost by outcome", "per day, all users", "")
        self._money_axis.setWidth(LEFT_AXIS_WIDTH)
        self.plot_item = plot
        bottom = plot.getAxis("bottom")
        bottom.setTicks([[(i, COMPONENT_LABELS[c]) for i, c in enumerate(COMPONENTS)]])
        bottom.setHeight(44)
        bottom.setLabel("")

        self.value_band = pg.LinearRegionItem(
            (0, 1), orientation="horizontal", movable=False, brush=qcolor(VALUE_COLOR, 22)
        )
        self.cost_band = pg.LinearRegionItem(
            (-1, 0), orientation="horizontal", movable=False, brush=qcolor(COST_COLOR, 22)
        )
        for band in (self.value_band, self.cost_band):
            for line in band.lines:
                line.setPen(pg.mkPen(None))
            band.setZValue(-10)
            plot.addItem(band, ignoreBounds=True)
        self.value_text = pg.TextItem("value ▲", color=VALUE_COLOR, anchor=(0, 0))
        self.cost_text = pg.TextItem("cost ▼", color=COST_COLOR, anchor=(0, 1))
        self.zero_line = pg.InfiniteLine(pos=0.0, angle=0, pen=pg.mkPen(AXIS_COLOR, width=1))
        self.zero_line.setZValue(5)  # over the bars' white outlines
        for item in (self.value_text, self.cost_text, self.zero_line):
            plot.addItem(item, ignoreBounds=True)
        self.bars = {}
        for mode in MODES:
            bars = pg.BarGraphItem(
                x=np.arange(len(COMPONENTS)),
                y0=np.zeros(len(COMPONENTS)),
                height=np.zeros(len(COMPONENTS)),
                width=0.62,
                brush=pg.mkBrush(mode_color(mode)),
                pen=pg.mkPen("w", width=1),
            )
            self.bars[mode] = bars
            plot.addItem(bars)
        self.totals = [pg.TextItem(anchor=(0.5, 1.0)) for _ in COMPONENTS]
        for item in self.totals:
            item.setZValue(10)
            plot.addItem(item, ignoreBounds=True)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        top = QHBoxLayout()
        top.setContentsMargins(4, 0, 4, 0)
        top.addWidget(self.legend, stretch=1)
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.stakeholder_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot, stretch=1)

        self.stakeholder_combo.currentIndexChanged.connect(self._on_filter_changed)
        document.changed.connect(self.set_analysis)
        self.set_analysis(document.analysis)

    @property
    def stakeholder(self) -> str:
        return self.FILTERS[max(self.stakeholder_combo.currentIndex(), 0)]

    def set_stakeholder(self, stakeholder: str) -> None:
        self.stakeholder_combo.setCurrentIndex(self.FILTERS.index(stakeholder))

    def _on_filter_changed(self, _: int) -> None:
        if self._analysis is not None:
            self.set_analysis(self._analysis)

    def set_analysis(self, analysis: Analysis) -> None:
        self._analysis = analysis
        currency = analysis.preset.payoffs.currency
        self._money_axis.currency = currency
        per_stakeholder = self.amounts(analysis, self.stakeholder)  # [component, mode, who]
        # Value and cost are stacked apart, so a transfer (the business gains what the user
        # pays) shows as two bars, not as nothing.
        self.value_up = np.maximum(per_stakeholder, 0).sum(axis=-1)
        self.value_down = np.minimum(per_stakeholder, 0).sum(axis=-1)
        self.values = self.value_up + self.value_down

        n = len(COMPONENTS)
        up, down = np.zeros(n), np.zeros(n)
        x = np.concatenate([np.arange(n), np.arange(n)])
        used = []
        for m, mode in enumerate(MODES):
            gain, loss = self.value_up[:, m], self.value_down[:, m]
            self.bars[mode].setOpts(
                x=x, y0=np.concatenate([up, down]), height=np.concatenate([gain, loss])
            )
            up, down = up + gain, down + loss
            if np.any(gain != 0) or np.any(loss != 0):
                used.append(mode)

        high = float(up.max()) if up.size else 0.0
        low = float(down.min()) if down.size else 0.0
        span = (high - low) or 1.0
        top, bottom = high + 0.16 * span, low - 0.16 * span
        if high == 0:
            top = 0.12 * span
        if low == 0:
            bottom = -0.12 * span
        x_range = (-0.6, len(COMPONENTS) - 0.4)
        bottom, top = _set_range(self.plot_item, x_range, (bottom, top), sticky_y=True)
        if self.value_band.getRegion() != (0, top):
            self.value_band.setRegion((0, top))
            self.cost_band.setRegion((bottom, 0))
        _move(self.value_text, -0.58, top)
        _move(self.cost_text, -0.58, bottom)

        net = self.values.sum(axis=1)
        for c, item in enumerate(self.totals):
            if up[c] == 0 and down[c] == 0:
                _set_text(item, "")
                continue
            positive = net[c] >= 0
            color = VALUE_COLOR if positive else COST_COLOR
            _set_text(item, f"net {_money_tick(net[c], currency)}", color)
            if positive:
                _anchor(item, (0.5, 1.0))
                _move(item, c, up[c])
            else:
                _anchor(item, (0.5, 0.0))
                _move(item, c, down[c])

        legend = " ".join(f'<span style="color:{mode_color(m)}">■</span>&nbsp;{m}' for m in used)
        legend = f'<span style="font-size:9pt">{legend}</span>'
        if legend != self.legend.text():
            self.legend.setText(legend)

    @staticmethod
    def amounts(analysis: Analysis, stakeholder: str = "all") -> np.ndarray:
        """Money per day for the whole population as [component, mode, stakeholder] (one
        stakeholder column, or all of them), minutes turned into money."""
        e = analysis.evaluation
        value = (e.decomposition * money_per_unit(analysis.preset)).sum(axis=-1)
        value = value * (e.events_per_day * e.population)
        if stakeholder != "all":
            s = STAKEHOLDERS.index(stakeholder)
            value = value[:, :, s : s + 1]
        return value


# --- 4. ROC ---------------------------------------------------------------------------------


def iso_value_gradient(analysis: Analysis) -> tuple[float, float]:
    """d(net value per event)/d(TPR) and /d(FPR) at the top band's operating point, the other
    thresholds' rates held.

    Computed numerically from the engine, not from a closed form, so that caps, habituation
    and trust (which make value non-linear in the rates) are included: one vectorized call of
    :func:`outcome_masses` with the top row at (t, f), (t - h_t, f) and (t, f - h_f), and
    backward differences with steps of 1e-4 of each rate (backward, so that no band's mass
    can turn negative). Without caps, habituation or trust matching this equals the
    classic iso-performance slope (1 - pi)/pi * cost ratio."""
    e = analysis.evaluation
    preset = analysis.preset
    t0, f0 = float(e.tpr[0]), float(e.fpr[0])
    ht, hf = max(1e-4 * t0, 1e-13), max(1e-4 * f0, 1e-16)
    tpr: list = [float(v) for v in e.tpr]
    fpr: list = [float(v) for v in e.fpr]
    tpr[0] = np.array([t0, t0 - ht, t0])
    fpr[0] = np.array([f0, f0, f0 - hf])
    net = np.asarray(net_per_event(preset, outcome_masses(preset, tpr, fpr)), dtype=float)
    return float((net[0] - net[1]) / ht), float((net[0] - net[2]) / hf)


def better_arrow(g_fpr: float, g_tpr: float) -> str:
    """The direction in ROC space (FPR right, TPR up) in which net value grows."""
    arrows = {(1, 1): "↗", (0, 1): "↑", (-1, 1): "↖", (-1, 0): "←", (-1, -1): "↙"}
    arrows.update({(0, -1): "↓", (1, -1): "↘", (1, 0): "→", (0, 0): "·"})
    # Signs only: the two rates have different units and the FPR axis is logarithmic, so
    # the gradient's angle would mean nothing on screen. Rounding noise counts as zero.
    scale = max(abs(g_fpr), abs(g_tpr)) or 1.0
    x, y = (0 if abs(g) < 1e-9 * scale else int(math.copysign(1, g)) for g in (g_fpr, g_tpr))
    return arrows[(x, y)]


class QtRoc(pg.PlotWidget):
    """The model's ROC curve (false-positive rate on a log axis), the operating point of every
    threshold in its band's colour, and the iso-value line through the top one."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        bottom = DecadeAxis("bottom", _decade_as_share, subdecades=True)
        axes = {"bottom": bottom, "left": PercentAxis("left")}
        super().__init__(parent, axisItems=axes)
        plot = _style(
            self,
            "ROC: what the model can do",
            "positives caught (TPR)",
            "negatives flagged (FPR, log scale)",
        )
        self.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        self.plot_item = plot
        self._document = document
        self.chance_curve = pg.PlotDataItem(
            pen=pg.mkPen("#9e9e9e", width=1, style=Qt.PenStyle.DotLine)
        )
        self.roc_curve = pg.PlotDataItem(pen=pg.mkPen(TEXT_COLOR, width=1), antialias=True)
        self.iso_value_curve = pg.PlotDataItem(
            pen=pg.mkPen(CURRENT_COLOR, width=1, style=Qt.PenStyle.DashLine), antialias=True
        )
        self.operating_points = pg.ScatterPlotItem(size=11, pen=pg.mkPen(CURRENT_COLOR))
        for z, item in enumerate(
            (self.chance_curve, self.roc_curve, self.iso_value_curve, self.operating_points)
        ):
            item.setZValue(z)
            plot.addItem(item)
        self.title_html = ""
        self._point_labels = _Pool(plot, lambda _: pg.TextItem(anchor=(-0.08, -0.1)))
        self.gradient = (math.nan, math.nan)
        self._model_key: tuple = ()

        document.changed.connect(self.set_analysis)
        self.set_analysis(document.analysis)

    def set_analysis(self, analysis: Analysis) -> None:
        scores = scores_of(analysis)
        e = analysis.evaluation
        bands = analysis.preset.experience.bands
        n = len(bands) - 1
        tpr, fpr = np.asarray(e.tpr[:n], float), np.asarray(e.fpr[:n], float)

        # x range: from where the model catches 30% (or a decade below the lowest operating
        # point) up to every negative flagged.
        lo = math.log10(max(fpr_where_recall(scores, 0.3), 1e-300))
        if n and np.any(fpr > 0):  # an operating point flagging no negative sits at the edge
            lo = min(lo, math.log10(float(fpr[fpr > 0].min())) - 0.7)
        lo = float(min(max(math.floor(lo), -10), -2))
        floor = 10.0**lo

        key = (_model_identity(scores), lo)
        if key != self._model_key:  # the curve depends on the model only
            self._model_key = key
            self.roc_curve.setData(*roc_points(scores, lo))
            chance = np.logspace(lo, 0, 50)
            self.chance_curve.setData(np.log10(chance), chance)
            pad = 0.03 * -lo  # so the end ticks ('all') have room for their text
            _set_range(self.plot_item, (lo - pad, pad), (0.0, 1.03))

        self.operating_points.setData(
            np.log10(np.maximum(fpr, floor)),
            tpr,
            brush=[_brush(mode_color(bands[i].mode)) for i in range(n)],
        )
        for i, label in enumerate(self._point_labels.take(n)):
            text = f"{bands[i].mode} ≥ {format_probability(float(e.thresholds[i]))}"
            _set_text(label, text, mode_color(bands[i].mode))
            x = math.log10(max(float(fpr[i]), floor))
            _anchor(label, (1.08, -0.1) if x > 0.3 * lo else (-0.08, -0.1))
            _move(label, x, float(tpr[i]))

        # Iso-value line through the top operating point: g_t*(T - t0) + g_f*(F - f0) = 0.
        self.gradient = iso_value_gradient(analysis) if n else (math.nan, math.nan)
        g_t, g_f = self.gradient
        visible = n > 0 and math.isfinite(g_t) and math.isfinite(g_f) and (g_t or g_f)
        self.iso_value_curve.setVisible(bool(visible))
        if visible:
            t0, f0 = float(tpr[0]), float(fpr[0])
            if abs(g_t) > 1e-300:
                f = np.logspace(lo, 0, 200)
                t = t0 - g_f / g_t * (f - f0)
                t = np.clip(t, -0.02, 1.05)  # just outside the view: drawn to its edges
            else:  # value does not depend on TPR: a vertical line
                f, t = np.full(2, f0), np.array([0.0, 1.0])
            self.iso_value_curve.setData(np.log10(np.maximum(f, floor / 10)), t)
        # The legend is the title, so it never covers the curve.
        title = "ROC: what the model can do"
        if visible:
            arrow = better_arrow(g_f, g_t)
            title += (
                f" <span style='color:{CURRENT_COLOR}'>┄ same net value (better {arrow})</span>"
            )
        if title != self.title_html:
            self.title_html = title
            self.plot_item.setTitle(title, color=TEXT_COLOR, size="10pt")
