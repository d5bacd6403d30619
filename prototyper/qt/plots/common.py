"""What the plots share: their colours and sizes, numbers and labels, the styling and range of
a plot, and the score model's curves in logit(score) units."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QFont, QFontMetricsF
from PySide6.QtWidgets import QApplication, QGraphicsItem, QGraphicsScene

from ...core.evaluation.analysis import Analysis
from ...core.format import money_short
from ...core.model.scores import EmpiricalScores, ScoreModel
from .export import add_export_menu

THIN_BINS = 600  # value curves keep at most 2 points per bin (about a pixel) along x
AXIS_COLOR = "#616161"
TEXT_COLOR = "#303030"
LEFT_AXIS_WIDTH = 64  # the same in the score plots, so their x axes line up
LINE_MARGIN = 0.01  # logit units a dragged threshold keeps from its neighbours


# --- numbers and labels -------------------------------------------------------------------


def logit(p: float | np.ndarray) -> float | np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-np.asarray(p, dtype=float))


def expit(x: float) -> float:
    """The logistic function of one number, without overflow (scipy.special's costs 0.4 s
    of start-up for this)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


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


def keep_drawn(*items: pg.GraphicsObject) -> None:
    """Keep items that change with the model only, not with the design (the score
    densities, the ROC curve), or that a drag's frames leave alone (the best single
    threshold's curve, star and label), drawn as images between their changes: every frame
    of a drag repaints the plot around them, and drawing a curve, a symbol or a text again
    costs more than copying it. Exports draw them afresh, as vectors (see
    export.drawn_afresh)."""
    cache = QGraphicsItem.CacheMode.DeviceCoordinateCache
    for item in items:
        drawn = item.curve if isinstance(item, pg.PlotDataItem) else item
        drawn.setCacheMode(cache)
        if isinstance(item, pg.TextItem):
            item.textItem.setCacheMode(cache)  # the text is a child item of its own


def _style(widget: pg.PlotWidget, title: str, left: str, bottom: str) -> pg.PlotItem:
    widget.setBackground("w")
    item = widget.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    item.setMouseEnabled(x=False, y=False)
    item.setTitle(title, color=TEXT_COLOR, size=title_size())
    for name, text in (("left", left), ("bottom", bottom)):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(AXIS_COLOR))
        axis.setTextPen(pg.mkPen(TEXT_COLOR))
        axis.enableAutoSIPrefix(False)
        axis.setLabel(text, color=TEXT_COLOR, **{"font-size": label_size()})
    item.getViewBox().setMouseEnabled(x=False, y=False)
    add_export_menu(widget)
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


def _edge_anchor(x: float, lo: float, hi: float) -> float:
    """Horizontal anchor of a label at x: centred, or pushed in near an edge."""
    f = (x - lo) / (hi - lo)
    return 0.0 if f < 0.25 else 1.0 if f > 0.75 else 0.5


# --- text sizes (lecture mode scales them) --------------------------------------------------

TITLE_PT, LABEL_PT = 10.0, 9.0  # at the normal text size
_text_scale = 1.0


def text_scale() -> float:
    """How much larger than normal the plots' titles and labels are (lecture mode)."""
    return _text_scale


def title_size() -> str:
    return f"{TITLE_PT * _text_scale:.3g}pt"


def label_size() -> str:
    return f"{LABEL_PT * _text_scale:.3g}pt"


# The widest tick labels the left axes print (money, decades, percentages).
_LEFT_TICK_SAMPLES = ("-$88.8M", "-$888k", "10⁻¹⁰", "100%")


def left_axis_width() -> int:
    """Pixels a left axis needs for its widest tick label (minus sign included) in the
    application font, the tick, and its rotated title beside them; never less than
    LEFT_AXIS_WIDTH. The same for every plot, so their x axes line up."""
    ticks = QFontMetricsF(QApplication.font())
    widest = max(ticks.horizontalAdvance(s) for s in _LEFT_TICK_SAMPLES)
    title = QFont(QApplication.font())
    title.setPointSizeF(LABEL_PT * _text_scale)
    title_height = QFontMetricsF(title).height()
    # tick length 5 + text offset 5 (pyqtgraph's defaults), the title, a little air
    return max(LEFT_AXIS_WIDTH, math.ceil(widest + 10 + title_height + 6))


def restyle(widget: pg.PlotWidget) -> None:
    """Re-apply the title and axis-title sizes and the left axis width, after the text
    scale or the application font changed."""
    item = widget.getPlotItem()
    if item.titleLabel.text:
        item.setTitle(item.titleLabel.text, color=TEXT_COLOR, size=title_size())
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        if axis.labelText:
            axis.setLabel(axis.labelText, color=TEXT_COLOR, **{"font-size": label_size()})
    item.getAxis("left").setWidth(left_axis_width())
    font = QApplication.font()
    for text in labels_in(widget):
        text.setFont(font)


def set_text_scale(scale: float, widgets: Sequence[pg.PlotWidget]) -> None:
    """Scale the plots' titles and labels (lecture mode: the lecture font's scale)."""
    global _text_scale
    _text_scale = scale
    for widget in widgets:
        restyle(widget)
        placer = getattr(widget, "label_placer", None)
        if placer is not None:
            placer.place()


# --- labels that avoid each other -----------------------------------------------------------

LABEL_GAP = 2.0  # pixels between two labels


def labels_in(widget: pg.PlotWidget) -> list[pg.TextItem]:
    """Every text label in a plot (threshold labels included), visible or not."""
    return [i for i in widget.scene().items() if isinstance(i, pg.TextItem)]


def label_rect(item: pg.TextItem) -> QRectF:
    """Where a label is drawn, in scene coordinates (its transform brought up to date)."""
    item.updateTransform()
    return item.sceneBoundingRect()


def fit_title(widget: pg.PlotWidget) -> None:
    """Wrap a plot's title to the plot's width: pyqtgraph makes a title's full width the
    plot's minimum, which widens the plot past its window and cuts its right side off."""
    label = widget.getPlotItem().titleLabel
    if not label.isVisible() or not label.text:
        return
    left = widget.getPlotItem().getAxis("left")
    # the title sits over the view box only, right of the left axis
    room = max(widget.width() - (left.width() if left.isVisible() else 0) - 12, 40)
    key = (label.text, room, label.opts.get("size"))
    if getattr(label, "_fitted", None) == key:
        return
    label._fitted = key
    item = label.item
    item.setTextWidth(-1)
    if item.boundingRect().width() > room:
        item.setTextWidth(room)
        option = item.document().defaultTextOption()
        option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        item.document().setDefaultTextOption(option)
    label.updateMin()
    label.resizeEvent(None)
    # pyqtgraph fixes the title's row at 30 px: as tall as the (wrapped) title instead
    height = max(30.0, item.boundingRect().height())
    label.setMaximumHeight(height)
    widget.getPlotItem().layout.setRowFixedHeight(0, height)


def set_axis_title(widget: pg.PlotWidget, name: str, text: str, short: str = "") -> None:
    """Give an axis its title and a short form of it (or none: then a title too long for
    its axis is hidden; the plot's title names the quantity)."""
    widget.getPlotItem().getAxis(name).title_forms = (text, short)
    fit_axis_titles(widget)


# Titles measured, by (text, style, font, margin): a value change re-fits every plot's axis
# titles, and laying out a text document for each costs more than the rest of the fit.
_TITLE_WIDTHS: dict[tuple, float] = {}


def _title_width(axis: pg.AxisItem, text: str) -> float:
    """How long ``text`` is drawn as the axis' title, margins included."""
    style = ";".join(f"{k}: {v}" for k, v in {**axis.labelStyle, "font-size": label_size()}.items())
    source = axis.label.document()
    key = (text, style, axis.label.font().key(), source.documentMargin())
    width = _TITLE_WIDTHS.get(key)
    if width is None:
        doc = source.clone()  # its font and margins
        # pyqtgraph writes the title followed by a space (and its units, none here)
        doc.setHtml(f"<span style='{style}'>{html.escape(text)} </span>")
        width = _TITLE_WIDTHS[key] = doc.size().width()
        if len(_TITLE_WIDTHS) > 512:  # fonts and scales seen before
            _TITLE_WIDTHS.clear()
            _TITLE_WIDTHS[key] = width
    return width


def fit_axis_titles(widget: pg.PlotWidget) -> None:
    """Show each axis' title whole or not at all: its full form when it fits along the axis,
    else its short form, else none (a rotated title longer than a short plot is cut)."""
    plot = widget.getPlotItem()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        forms = getattr(axis, "title_forms", None)
        if forms is None:
            if not axis.labelText:
                continue
            forms = axis.title_forms = (axis.labelText, "")
        length = axis.height() if name == "left" else axis.width()
        chosen = next((t for t in forms if t and _title_width(axis, t) <= length), "")
        changed = False
        if chosen and (
            chosen != axis.labelText or axis.labelStyle.get("font-size") != label_size()
        ):
            axis.setLabel(chosen, color=TEXT_COLOR, **{"font-size": label_size()})
            changed = True
        if axis.label.isVisible() != bool(chosen):
            axis.showLabel(bool(chosen))
            changed = True
        if changed:
            axis.resizeEvent()  # pyqtgraph centres its title there only


class LabelPlacer(QObject):
    """Moves a plot's labels so that none covers another and all stay inside the plot.

    Labels are placed in order of importance (``order()`` first, then any other label
    of the plot); one that overlaps those already placed moves up or down (or sideways)
    by as little as it takes, one pushed over an edge moves back in, and one that finds
    no room at all is hidden until the next placement. ``obstacles()`` gives scene rects
    no label may cover (a marker, a bar); a label of ``fixed`` is never moved, only
    hidden when it does not fit where it is. ``within(label)`` may name the scene rect a
    label must stay in (a total on its side of zero), and ``shorten(label)`` give it a
    shorter text when it finds no room (True if it did) before it is hidden. Only existing
    items are moved: placing creates nothing, so it can run on every frame of a drag.

    While ``rough()`` is true (a drag's frame, see Document.drafting) nothing is placed
    anew: a label moved before keeps its offset, a hidden one stays hidden, and the next
    placement after the drag starts from where the plot put each label."""

    def __init__(
        self,
        widget: pg.PlotWidget,
        order: Callable[[], Sequence[pg.TextItem]] = list,
        rough: Callable[[], bool] = lambda: False,
        obstacles: Callable[[], Sequence[QRectF]] = list,
        fixed: Sequence[pg.TextItem] = (),
        within: Callable[[pg.TextItem], QRectF | None] = lambda item: None,
        shorten: Callable[[pg.TextItem], bool] = lambda item: False,
    ) -> None:
        super().__init__(widget)
        self._widget, self._order, self._rough = widget, order, rough
        self._within, self._shorten = within, shorten
        self._obstacles = obstacles
        self._fixed = fixed  # labels their plot placed itself: kept there, or hidden
        self._moved: dict[pg.TextItem, tuple[QPointF, QPointF]] = {}  # base, placed
        self._hidden: list[pg.TextItem] = []
        self._placed_for: tuple = ()  # the state the labels were last placed in
        widget.label_placer = self
        # After a resize or a new range the layout and the view's transform settle once
        # control returns to the event loop: place the labels then.
        self._later = QTimer(widget, singleShot=True, interval=0)
        self._later.timeout.connect(self.place)
        view = widget.getPlotItem().getViewBox()
        view.sigResized.connect(self._later.start)
        view.sigRangeChanged.connect(self._later.start)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            fit_title(self._widget)
            self._later.start()
        return False

    def labels(self) -> list[pg.TextItem]:
        return [i for i in self._candidates() if i.isVisible()]

    def _candidates(self) -> list[pg.TextItem]:
        """Every label of the plot, the ones of ``order()`` first."""
        first = [i for i in self._order() if i is not None]
        return [*first, *(i for i in labels_in(self._widget) if i not in first)]

    def _state(self, candidates: list[pg.TextItem], obstacles: Sequence[QRectF]) -> tuple:
        """What placing depends on: the view's place and range, the obstacles, and each
        label's size, anchor and place before it was moved (its text only through its size)."""
        view = self._widget.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = view.viewRange()
        state: list[tuple] = [(view.sceneBoundingRect().getRect(), x0, x1, y0, y1)]
        state.extend(r.getRect() for r in obstacles)
        for item in candidates:
            if not (item.isVisible() or item in self._hidden):
                state.append((id(item),))
                continue
            pos = item.pos()
            moved = self._moved.get(item)
            if moved is not None and pos == moved[1]:
                pos = moved[0]
            parent = item.parentItem()
            at = parent.pos() if parent is not None else QPointF()
            size = item.textItem.boundingRect()
            anchor = (float(item.anchor[0]), float(item.anchor[1]))
            state.append((id(item), pos.x(), pos.y(), at.x(), at.y(), anchor, size.size()))
        return tuple(state)

    def place(self, *_) -> None:
        if self._widget.getPlotItem() is None:
            return  # the plot was closed before a placement it had asked for
        if self._rough():
            self._keep_offsets()
            return
        fit_title(self._widget)
        fit_axis_titles(self._widget)
        view = self._widget.getPlotItem().getViewBox()
        view.updateMatrix()  # labels are measured through the view's current transform
        candidates = self._candidates()
        obstacles = list(self._obstacles())
        state = self._state(candidates, obstacles)
        if state == self._placed_for:
            # Nothing it depends on changed (most frames of a drag that moves no label):
            # the labels keep their places; one the plot put back at its base moves again.
            for item, (base, placed) in self._moved.items():
                if item.pos() == base and base != placed:
                    item.setPos(placed)
                    if hasattr(item, "_at"):
                        item._at = None
            return
        self._placed_for = state
        for item in self._hidden:
            item.setVisible(True)
        self._hidden = []
        for item, (base, placed) in self._moved.items():
            if item.pos() == placed:  # the plot did not move it since: start from its base
                item.setPos(base)
        self._moved = {}
        bounds = view.sceneBoundingRect().adjusted(1, 1, -1, -1)
        shown = [i for i in candidates if i.isVisible()]
        if bounds.width() < 4 or bounds.height() < 4:  # no room for any label
            for item in shown:
                item.setVisible(False)
                self._hidden.append(item)
            return
        placed: list[QRectF] = [r.adjusted(-1, -1, 1, 1) for r in obstacles]
        for item in shown:
            region = self._within(item)
            room = bounds if region is None else bounds.intersected(region)
            rect = label_rect(item)
            shift = _free_shift(rect, placed, room)
            if shift is None and self._shorten(item):
                rect = label_rect(item)
                shift = _free_shift(rect, placed, room)
            if item in self._fixed and shift != QPointF(0, 0):
                shift = None  # moved, it might cover what its plot kept it clear of
            if shift is None:
                item.setVisible(False)
                self._hidden.append(item)
                continue
            if shift != QPointF(0, 0):
                parent = item.parentItem()
                base = item.pos()
                target = parent.mapFromScene(item.scenePos() + shift) if parent else base + shift
                item.setPos(target)
                self._moved[item] = (base, item.pos())
                if hasattr(item, "_at"):
                    item._at = None  # the plot's next _move sets its position again
            placed.append(rect.translated(shift))

    def _keep_offsets(self) -> None:
        """Each label the placer moved, as far from where the plot now puts it as it was
        placed from before (a label the plot did not move keeps its place)."""
        for item, (base, placed) in list(self._moved.items()):
            at = item.pos()
            if at == placed:
                continue
            item.setPos(at + (placed - base))
            self._moved[item] = (at, item.pos())
        self._placed_for = ()  # placed again in full after the drag


def _free_shift(rect: QRectF, placed: list[QRectF], bounds: QRectF) -> QPointF | None:
    """The smallest move that puts ``rect`` inside ``bounds`` clear of every placed rect;
    None when there is none."""
    if rect.width() > bounds.width() or rect.height() > bounds.height():
        return None
    # first back inside the bounds
    dx = max(bounds.left() - rect.left(), 0.0) + min(bounds.right() - rect.right(), 0.0)
    dy = max(bounds.top() - rect.top(), 0.0) + min(bounds.bottom() - rect.bottom(), 0.0)
    inside = rect.translated(dx, dy)

    def fits(r: QRectF) -> bool:
        return bounds.contains(r) and not any(r.intersects(p) for p in placed)

    if fits(inside):
        return QPointF(dx, dy)
    candidates = []
    for p in placed:
        for ddy in (p.bottom() - inside.top() + LABEL_GAP, p.top() - inside.bottom() - LABEL_GAP):
            candidates.append((abs(ddy), 0.0, ddy))
        for ddx in (p.right() - inside.left() + LABEL_GAP, p.left() - inside.right() - LABEL_GAP):
            candidates.append((abs(ddx) * 1.5, ddx, 0.0))  # sideways moves a label further
    for _, ddx, ddy in sorted(candidates):
        if fits(inside.translated(ddx, ddy)):
            return QPointF(dx + ddx, dy + ddy)
    return None
