"""Where the scores fall: how positives and negatives score, each band shaded in its mode's
colour, and a line to drag at every threshold."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSignalBlocker, Qt
from PySide6.QtWidgets import QWidget

from ...core.evaluation.analysis import Analysis
from ...core.evaluation.break_even import ABOVE, BELOW, BreakEven, break_evens
from ...core.format import format_probability, money, one_in, percent
from ...core.model.scores import ScoreModel
from ..document import Coalesced, Document, WhenShown
from ..theme import NEGATIVE_COLOR, POSITIVE_COLOR, mode_color, on_white, qcolor
from .axes import DecadeAxis, ProbabilityAxis
from .common import (
    LINE_MARGIN,
    TEXT_COLOR,
    LabelPlacer,
    _decade_as_power,
    _edge_anchor,
    _model_identity,
    _move,
    _Pool,
    _set_range,
    _set_text,
    _style,
    densities,
    empirical,
    expit,
    keep_drawn,
    left_axis_width,
    logit,
    nice_threshold,
    score_range,
    scores_of,
    set_axis_title,
    title_size,
)


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


# Where a break-even label may sit along its line (0 bottom, 1 top of the plot), in order of
# preference: between the threshold labels at the bottom and the band names at the top. The
# first place where it covers no other label is taken.
BREAK_EVEN_LABEL_POSITIONS = (0.66, 0.5, 0.34, 0.8, 0.2)
RIGHT_OF_LINE, LEFT_OF_LINE = (0.0, 0.5), (1.0, 0.5)  # a label's anchor
FREE = 0.5  # square pixels a label may share with others: rounding, not a visible overlap


def break_even_label(b: BreakEven) -> str:
    """A break-even line's label: 'automate pays above 0.0431'."""
    return f"{b.mode} pays {b.pays} {format_probability(b.probability)}"


def break_even_tooltip(b: BreakEven, currency: str) -> str:
    """What a break-even line means, with the numbers behind it."""
    side = "above" if b.pays == ABOVE else "below"
    text = (
        f"Break-even of {b.mode}: handling an event in it instead of silently pays when the "
        f"event's chance of being positive is {side} {format_probability(b.probability)} "
        f"(the score is that chance).\n"
        f"Per event against silence: a positive {money(b.gain_if_positive, currency)}, "
        f"a negative {money(b.gain_if_negative, currency)}, attention "
        f"{money(b.attention, currency)}; users act on {percent(b.act_if_positive)} of "
        f"positives and {percent(b.act_if_negative)} of negatives"
        + (" in this design." if b.has_events else " (no events in this design: full response).")
    )
    if b.raw_score is not None:
        raw = "none scores that high" if math.isnan(b.raw_score) else f"{b.raw_score:.4g}"
        text += f"\nThe model's raw score there: {raw}"
    return text


Box = tuple[float, float, float, float]  # left, top, right, bottom, in scene pixels


def _text_box(item: pg.TextItem) -> Box:
    """Where a text item is drawn in the scene: its text's size placed by its anchor at its
    position (its transform follows the view only once painted)."""
    size = item.textItem.boundingRect()
    w, h = size.width(), size.height()
    at = item.scenePos()
    left, top = at.x() - item.anchor[0] * w, at.y() - item.anchor[1] * h
    return left, top, left + w, top + h


def _overlap(a: Box, b: Box) -> float:
    """The area two boxes share."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


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
        left.setWidth(left_axis_width())
        set_axis_title(self, "left", "share of events (log scale)", "events (log)")
        set_axis_title(self, "bottom", "score (probability of a positive)", "score")
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
        keep_drawn(self.negative_curve, self.positive_curve, self.negative_fill, self.positive_fill)
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
        self._break_even_pool = _Pool(plot, self._make_break_even_line)
        self.break_evens: tuple[BreakEven, ...] = ()  # those drawn, top of the list first
        # The labels' places depend on the plot's size in pixels: found again when it changes.
        plot.getViewBox().sigTransformChanged.connect(self._replace_break_even_labels)

        # Thresholds first (they move under the hand), then the band names, then the rest.
        self.label_placer = LabelPlacer(
            self,
            lambda: [
                *self._labels,
                *self.band_labels.items,
                self.positive_text,
                self.negative_text,
            ],
            rough=lambda: document.drafting,
        )
        self._push = Coalesced(self._push_pending, parent=self)  # the latest, once free
        self.follower = WhenShown(self, document, self.set_analysis)  # hidden: drawn when shown
        if document.ready:  # else drawn after the window's first paint, on ``changed``
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

    def _make_break_even_line(self, _: int) -> pg.InfiniteLine:
        line = pg.InfiniteLine(angle=90, movable=False)
        line.setZValue(15)  # over the curves, under the threshold lines
        line.label = pg.InfLineLabel(
            line,
            position=BREAK_EVEN_LABEL_POSITIONS[0],
            anchors=[RIGHT_OF_LINE, RIGHT_OF_LINE],
            fill=(255, 255, 255, 215),
        )
        line.label.setZValue(26)  # over the other labels where nothing else fits
        return line

    def _place_break_even_labels(self, lines: list[pg.InfiniteLine]) -> None:
        """Each break-even label beside its line, on its right unless that runs out of the
        plot, at the first height where it covers no threshold label, band name, class label
        or earlier break-even label; where none is free, where it covers least. Worked out
        in scene pixels, without moving the labels to try (this runs every frame of a drag)."""
        view = self.plot_item.getViewBox()
        r = view.sceneBoundingRect()
        inside = (r.left(), r.top(), r.right(), r.bottom())
        others = [label for label in self._labels if label.isVisible()]
        others += [label for label in self.band_labels.items if label.isVisible()]
        others += [self.positive_text, self.negative_text]
        taken = [_text_box(item) for item in others]
        for line in lines:
            label = line.label
            size = label.textItem.boundingRect()
            w, h = size.width(), size.height()
            x = view.mapViewToScene(QPointF(line.value(), 0.0)).x()
            near = [b for b in taken if b[0] < x + w and b[2] > x - w]  # in reach of a side
            best, least = (BREAK_EVEN_LABEL_POSITIONS[0], RIGHT_OF_LINE), math.inf
            for side in (RIGHT_OF_LINE, LEFT_OF_LINE):
                for position in BREAK_EVEN_LABEL_POSITIONS:
                    left = x - side[0] * w
                    top = inside[3] - position * (inside[3] - inside[1]) - side[1] * h
                    box = (left, top, left + w, top + h)
                    covered = sum(_overlap(box, other) for other in near)
                    covered += w * h - _overlap(box, inside)  # out of the plot
                    if covered < least:
                        best, least = (position, side), covered
                    if covered < FREE:
                        break
                if least < FREE:
                    break
            position, side = best
            if label.anchors[0] != side or label.orthoPos != position:
                label.anchors = [side, side]
                label.setPosition(position)
            taken.append(_text_box(label))

    @property
    def break_even_lines(self) -> list[pg.InfiniteLine]:
        """The visible break-even lines, in the order of :attr:`break_evens`."""
        return [line for line in self._break_even_pool.items if line.isVisible()]

    # -- model -> view

    def set_analysis(self, analysis: Analysis) -> None:
        self._analysis = analysis
        # A drag's frame: the bands and lines follow the hand; the tooltips and the
        # break-even lines wait for the drag to end or hold still (the document says so).
        rough = self._document.drafting and analysis is self._document.analysis
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
                region.setBrush(on_white(color, 34))  # at the back
                region.update()  # setBrush alone does not repaint: the old colour would stay
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
            if rough:
                continue
            tip = threshold_tooltip(scores, thresholds[i])
            if line.toolTip() != tip:
                line.setToolTip(tip)
        self.label_placer.place()  # the break-even labels are placed around the others
        if not rough:
            self._show_break_evens(analysis)

    def _show_break_evens(self, analysis: Analysis) -> None:
        """A thin dashed line in each mode's colour where handling an event in it starts
        to pay (see core/evaluation/break_even.py)."""
        shown = tuple(
            b
            for b in break_evens(analysis.evaluation, analysis.scores)
            if b.pays in (ABOVE, BELOW) and 0.0 < b.probability < 1.0
        )
        self.break_evens = shown
        currency = analysis.preset.payoffs.currency
        for line, b in zip(self._break_even_pool.take(len(shown)), shown, strict=True):
            color = mode_color(b.mode)
            if getattr(line, "_mode_color", None) != color:
                line._mode_color = color
                line.setPen(pg.mkPen(color, width=1, style=Qt.PenStyle.DashLine))
                line.label.setColor(color)
            x = float(logit(b.probability))
            if line.value() != x:
                line.setValue(x)
            text = break_even_label(b)
            if line.label.format != text:  # the label's text is its format: no {value}
                line.label.setFormat(text)
            tip = break_even_tooltip(b, currency)
            if line.toolTip() != tip:
                line.setToolTip(tip)
        self._replace_break_even_labels()

    def _replace_break_even_labels(self, *_: object) -> None:
        self._place_break_even_labels(self.break_even_lines)

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
        self.plot_item.setTitle(title, color=TEXT_COLOR, size=title_size())

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
