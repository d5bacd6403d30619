"""Value against threshold: value added (the feature off is zero) as each threshold moves, the
current design and the best single-threshold design."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QWidget

from ...core.evaluation.analysis import Analysis, single_threshold_mode
from ...core.evaluation.break_even import WhyBest, best_of, why_best
from ...core.format import format_probability, money
from ..document import Document, WhenShown
from ..theme import BEST_COLOR, CURRENT_COLOR, mode_color
from .axes import MoneyAxis, ProbabilityAxis
from .common import (
    AXIS_COLOR,
    TEXT_COLOR,
    THIN_BINS,
    LabelPlacer,
    _anchor,
    _brush,
    _edge_anchor,
    _movable_thresholds,
    _move,
    _Pool,
    _set_range,
    _set_text,
    _style,
    keep_drawn,
    label_rect,
    left_axis_width,
    logit,
    score_range,
    set_axis_title,
    title_size,
)

MARKER_GAP = 3  # pixels between a marker and its label


class QtValueCurve(pg.PlotWidget):
    """Value added per day for the whole population as each threshold moves (the others
    held), the current design, and the best single-threshold design. The feature off is the
    zero: net value's own zero is arbitrary (the harm that happens anyway is in it)."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        self._money_axis = MoneyAxis("left")
        axes = {"left": self._money_axis, "bottom": ProbabilityAxis("bottom")}
        super().__init__(parent, axisItems=axes)
        plot = _style(self, "Value added as a threshold moves", "value added per day", "threshold")
        self._money_axis.setWidth(left_axis_width())
        self.plot_item = plot
        self._document = document

        # Zero is the feature off: one line, labelled.
        self.off_line = pg.InfiniteLine(
            pos=0.0,
            angle=0,
            pen=pg.mkPen(AXIS_COLOR, width=1),
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
        self._single, self._best = None, (0.0, 0.0)  # the sweep shown, its best (value, y)
        self.why: WhyBest | None = None  # why the best sits where it does (the star's tooltip)
        for item in (self.current_label, self.best_label):
            item.setZValue(9)  # under the markers
            plot.addItem(item, ignoreBounds=True)

        keep_drawn(self.single_curve, self.best_marker, self.best_label, self.off_line.label)
        self.label_placer = LabelPlacer(
            self,
            lambda: [self.current_label, self.best_label, self.off_line.label],
            rough=lambda: document.drafting,
            obstacles=self.marker_rects,  # no label covers the star or a design's dot
            fixed=[self.off_line.label],  # placed clear of the curves (place_off_label)
        )
        # A new size or range changes which curves run through "feature off".
        plot.getViewBox().sigResized.connect(lambda *_: self.place_off_label())
        self.follower = WhenShown(self, document, self.set_analysis)  # hidden: drawn when shown
        if document.ready:  # else drawn after the window's first paint, on ``changed``
            self.set_analysis(document.analysis)

    def marker_rects(self) -> list[QRectF]:
        """Where the star and the design's dots are drawn, in scene coordinates."""
        view = self.plot_item.getViewBox()
        rects = []
        for marker in (self.best_marker, self.current_marker):
            half = marker.opts["size"] / 2 + 1  # the symbol and its outline
            xs, ys = marker.getData()
            for x, y in zip(xs, ys, strict=True):
                at = view.mapViewToScene(QPointF(float(x), float(y)))
                rects.append(QRectF(at.x() - half, at.y() - half, 2 * half, 2 * half))
        return rects

    def _clear_of(self, label: pg.TextItem, marker: pg.ScatterPlotItem) -> float:
        """How far past its edge a label's anchor must be to clear the marker it names
        (a fraction of the label's height: the marker's size is in pixels)."""
        height = max(label.textItem.boundingRect().height(), 1.0)
        return (marker.opts["size"] / 2 + MARKER_GAP) / height

    @property
    def curves(self) -> list[pg.PlotDataItem]:
        return [c for c in self._curves.items if c.isVisible()]

    def _make_curve(self, _: int) -> pg.PlotDataItem:
        # Width 2 for the eye at the back of a lecture hall, not antialiased: a wide
        # antialiased pen over ~600 points costs ~1.5 ms a frame.
        curve = pg.PlotDataItem(connect="finite", antialias=False)
        curve.setZValue(5)
        return curve

    @staticmethod
    def _show_sweep(curve: pg.PlotDataItem, s, lo: float, hi: float) -> np.ndarray:
        """Show a sweep's curve; returns the lowest and highest finite value in view. A
        sweep the analysis kept (the dragged threshold's own) is the same arrays: nothing
        is redone for it."""
        source = getattr(curve, "_source", None)
        if (
            source is not None
            and source[0] is s.values
            and source[1] is s.net_per_event
            and source[2:4] == (lo, hi)
        ):
            return source[4]
        y = s.added_per_population_day
        x = logit(s.values)
        curve.setData(*thin(x, y, lo, hi))
        shown = y[(x >= lo) & (x <= hi)]
        shown = shown[np.isfinite(shown)]
        shown = np.array([shown.min(), shown.max()]) if shown.size else shown
        curve._source = (s.values, s.net_per_event, lo, hi, shown)
        return shown

    def _show_single(self, analysis: Analysis, lo: float, hi: float) -> None:
        """The single-threshold design's curve, its best threshold's star and label."""
        single, currency = analysis.single_threshold, analysis.preset.payoffs.currency
        if single is not self._single or self._single_range != (lo, hi):
            # A new sweep (the analysis keeps it while only thresholds move).
            single_y = single.added_per_population_day
            same = np.array_equal(single_y, self._single_y, equal_nan=True)
            if not same or self._single_range != (lo, hi):  # independent of the bands
                self._single_y, self._single_range = single_y, (lo, hi)
                self.single_curve.setData(*thin(logit(single.values), single_y, lo, hi))
            self._single = single
            self._best = (float(single.best_value), float(single_y[single.best_index]))
            # Only a new single-threshold sweep can move the best or its mode's response.
            self.why = why_best(analysis.preset, analysis.scores, single, best_of(analysis))
            tip = self.why.sentence
            for item in (self.best_marker, self.best_label):
                item.setToolTip(tip)
        best_value, best_y = self._best
        best_x = float(logit(best_value))
        if getattr(self.best_marker, "_at", None) != (best_x, best_y):
            self.best_marker._at = (best_x, best_y)
            self.best_marker.setData([best_x], [best_y])
        _set_text(
            self.best_label,
            f"best single threshold {format_probability(best_value)}: "
            f"{money(best_y, currency)}/day",
        )

    def set_analysis(self, analysis: Analysis) -> None:
        preset = analysis.preset
        currency = preset.payoffs.currency
        self._money_axis.currency = currency
        label = f"value added per day vs. feature off ({currency})"
        if getattr(self.getAxis("left"), "title_forms", ("",))[0] != label:
            set_axis_title(self, "left", label, f"{currency}/day")
        lo, hi = score_range(analysis)
        bands = preset.experience.bands
        sweeps = analysis.threshold_sweeps
        ys = []
        for i, (curve, s) in enumerate(zip(self._curves.take(len(sweeps)), sweeps, strict=True)):
            color = mode_color(bands[i].mode)
            if getattr(curve, "_mode_color", None) != color:
                curve.setPen(pg.mkPen(color, width=2))
                curve._mode_color = color
            ys.append(self._show_sweep(curve, s, lo, hi))

        rough = self._document.drafting and analysis is self._document.analysis
        if not rough:
            # A drag's frames move the bands' curves and the current design; the best single
            # threshold (its curve, star and label) waits for the drag to end or hold still.
            self._show_single(analysis, lo, hi)
        best_value, best_y = self._best
        best_x = float(logit(best_value))

        now = analysis.evaluation.added_per_population_day
        thresholds = _movable_thresholds(analysis)
        xs = logit(thresholds)
        self.current_marker.setData(
            xs,
            np.full(len(xs), now),
            brush=[_brush(mode_color(bands[i].mode)) for i in range(len(xs))],
        )
        _set_text(self.current_label, f"this design adds {money(now, currency)}/day")

        # Room for the peak, the current design, the best design and zero; the curves may
        # run off the bottom (value falls fast when a mode floods everyone).
        finite = np.concatenate([v[np.isfinite(v)] for v in ys] or [np.array([now])])
        finite = finite if finite.size else np.array([now])
        off = 0.0  # value added: the feature off is the zero line
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
        # Each label clear of its marker: above the star, below the design's dot.
        _move(self.best_label, best_x, best_y)
        lift = 1.0 + self._clear_of(self.best_label, self.best_marker)
        _anchor(self.best_label, (_edge_anchor(best_x, lo, hi), lift))
        x_now = float(np.max(xs)) if len(xs) else (lo + hi) / 2
        _move(self.current_label, x_now, now)
        drop = -self._clear_of(self.current_label, self.current_marker)
        _anchor(self.current_label, (_edge_anchor(x_now, lo, hi), drop))
        # The legend is the title: it never covers a curve.
        entries = [
            f'<span style="color:{mode_color(bands[i].mode)}">━ {bands[i].mode}</span>'
            for i in range(len(sweeps))
        ]
        alone = single_threshold_mode(bands)
        entries.append(f'<span style="color:{BEST_COLOR}">┄ {alone} alone</span>')
        title = f"Value added as a threshold moves: {' '.join(entries)}"
        if title != self._title:
            self._title = title
            self.plot_item.setTitle(title, color=TEXT_COLOR, size=title_size())
        if not rough:  # labels are placed when the drag ends or holds still
            self.place_off_label()
        self.label_placer.place()

    def place_off_label(self) -> None:
        """Put "feature off" where no curve crosses it: above or below the zero line, at its
        left end, its right end or between (the curves often meet zero at either end)."""
        label = self.off_line.label
        view = self.plot_item.getViewBox()
        (x0, x1), (y0, y1) = view.viewRange()
        frame = view.sceneBoundingRect()
        if frame.width() <= 0 or frame.height() <= 0:
            return
        px, py = (x1 - x0) / frame.width(), (y1 - y0) / frame.height()
        size = label.textItem.boundingRect()
        w, h = (size.width() + 4) * px, (size.height() + 4) * py
        # Only what comes near the zero line matters: the segments of the curves there (as
        # x and y spans), the other labels and the markers (the label placer, blind to the
        # curves, would move "feature off" off them onto one).
        spans = [_curve_near_zero(c, h) for c in (*self.curves, self.single_curve)]
        near = np.concatenate([sp for sp in spans if sp.size] or [np.empty((0, 4))])

        def in_view(rect: QRectF) -> tuple[float, float, float, float]:
            left = x0 + (rect.left() - frame.left()) * px
            right = x0 + (rect.right() - frame.left()) * px
            top = y1 - (rect.top() - frame.top()) * py
            bottom = y1 - (rect.bottom() - frame.top()) * py
            return left, right, bottom, top

        taken = [label_rect(i) for i in (self.current_label, self.best_label) if i.isVisible()]
        boxes = np.array([in_view(r) for r in (*taken, *self.marker_rects())]).reshape(-1, 4)
        near = np.concatenate([near, boxes])  # a box is a span too
        for at, (ax, ay) in OFF_LABEL_PLACES:
            left = x0 + at * (x1 - x0) - ax * w
            low, high = (0.0, h) if ay == 1 else (-h, 0.0)
            hit = (near[:, 1] >= left) & (near[:, 0] <= left + w)
            if not np.any(hit & (near[:, 3] >= low) & (near[:, 2] <= high)):
                break
        else:  # crossed or taken everywhere: the axis's 0 and the title say it
            label.setVisible(False)
            return
        if not label.isVisible():
            label.setVisible(True)
        if (label.orthoPos, label.anchors[0]) != (at, (ax, ay)):
            label.anchors = [(ax, ay), (ax, ay)]
            label.setPosition(at)


# "feature off": where along the zero line (a share of the view) and its anchor; first free
# one wins.
OFF_LABEL_PLACES = [
    (0.02, (0, 1)),
    (0.02, (0, 0)),
    (0.98, (1, 1)),
    (0.98, (1, 0)),
    (0.5, (0.5, 1)),
    (0.5, (0.5, 0)),
    (0.25, (0.5, 1)),
    (0.25, (0.5, 0)),
    (0.75, (0.5, 1)),
    (0.75, (0.5, 0)),
]


def _curve_near_zero(curve: pg.PlotDataItem, h: float) -> np.ndarray:
    """:func:`_near_zero` of a curve's data, kept until its data or ``h`` change (most
    frames of a drag change one or two curves of several)."""
    x, y = curve.xData, curve.yData
    kept = getattr(curve, "_near_zero", None)
    if kept is not None and kept[0] is x and kept[1] is y and kept[2] == h:
        return kept[3]
    spans = _near_zero(x, y, h)
    curve._near_zero = (x, y, h, spans)
    return spans


def _near_zero(x: np.ndarray | None, y: np.ndarray | None, h: float) -> np.ndarray:
    """The segments of the polyline (x, y) that come within ``h`` of zero, as rows of
    (x low, x high, y low, y high)."""
    if x is None or y is None or len(x) == 0:
        return np.empty((0, 4))
    if len(x) == 1:
        x, y = np.repeat(x, 2), np.repeat(y, 2)
    xa, xb, ya, yb = x[:-1], x[1:], y[:-1], y[1:]
    with np.errstate(invalid="ignore"):
        low, high = np.fmin(ya, yb), np.fmax(ya, yb)
        keep = (high >= -h) & (low <= h)
    return np.column_stack(
        [np.minimum(xa, xb)[keep], np.maximum(xa, xb)[keep], low[keep], high[keep]]
    )


def crosses(
    x: np.ndarray | None, y: np.ndarray | None, x0: float, x1: float, y0: float, y1: float
) -> bool:
    """Whether the polyline (x, y) passes through the rectangle [x0, x1] x [y0, y1] (by its
    segments' spans: a segment whose span meets the rectangle counts)."""
    spans = _near_zero(x, y, max(abs(y0), abs(y1)))
    return bool(
        np.any(
            (spans[:, 1] >= x0) & (spans[:, 0] <= x1) & (spans[:, 3] >= y0) & (spans[:, 2] <= y1)
        )
    )


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
    if not np.all(x[1:] >= x[:-1]):  # a real model's sweep comes sorted: no sort then
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
    which = np.minimum(((x - lo) / (hi - lo) * bins).astype(int), bins - 1)
    starts = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
    with np.errstate(invalid="ignore"):
        low, high = np.fmin.reduceat(y, starts), np.fmax.reduceat(y, starts)
    ends = np.r_[starts[1:], len(x)] - 1
    return np.column_stack([x[starts], x[ends]]).ravel(), np.column_stack([low, high]).ravel()
