"""Where the scores fall: how positives and negatives score, each band shaded in its mode's
colour, and a line to drag at every threshold."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QWidget
from superqt.utils import qthrottled

from ...core.evaluation.analysis import Analysis
from ...core.format import format_probability, one_in
from ...core.model.scores import ScoreModel
from ..document import Document
from ..theme import NEGATIVE_COLOR, POSITIVE_COLOR, mode_color, on_white, qcolor
from .axes import DecadeAxis, ProbabilityAxis
from .common import (
    DRAG_THROTTLE_MS,
    LEFT_AXIS_WIDTH,
    LINE_MARGIN,
    TEXT_COLOR,
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
    logit,
    nice_threshold,
    score_range,
    scores_of,
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
        if document.ready:  # else empty until the first analysis comes with ``changed``
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
