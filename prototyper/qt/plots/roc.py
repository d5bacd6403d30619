"""The ROC curve, the operating point of every threshold and the iso-value line through the top
one."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ...core.evaluation.analysis import Analysis
from ...core.evaluation.engine import net_per_event, outcome_masses
from ...core.format import format_probability
from ..document import Document, WhenShown
from ..theme import CURRENT_COLOR, mode_color
from .axes import DecadeAxis, PercentAxis
from .common import (
    TEXT_COLOR,
    LabelPlacer,
    _anchor,
    _brush,
    _decade_as_share,
    _model_identity,
    _move,
    _Pool,
    _set_range,
    _set_text,
    _style,
    fpr_where_recall,
    keep_drawn,
    left_axis_width,
    roc_points,
    scores_of,
    set_axis_title,
    title_size,
)


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
        self.getAxis("left").setWidth(left_axis_width())
        set_axis_title(self, "left", "positives caught (TPR)", "TPR")
        set_axis_title(self, "bottom", "negatives flagged (FPR, log scale)", "FPR (log)")
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
        keep_drawn(self.chance_curve, self.roc_curve)
        self.title_html = ""
        self._point_labels = _Pool(plot, lambda _: pg.TextItem(anchor=(-0.08, -0.1)))
        self.gradient = (math.nan, math.nan)
        self._model_key: tuple = ()
        self.label_placer = LabelPlacer(self, lambda: self._point_labels.items)

        self.follower = WhenShown(self, document, self.set_analysis)  # hidden: drawn when shown
        if document.ready:  # else drawn after the window's first paint, on ``changed``
            self.set_analysis(document.analysis)

    def set_analysis(self, analysis: Analysis) -> None:
        if self._document.drafting and analysis is self._document.analysis:
            # A secondary plot: a drag's frames leave it as it was; it is drawn again,
            # exact, when the drag ends or holds still (the document says so).
            return
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

        points = (
            np.log10(np.maximum(fpr, floor)),
            tpr,
            tuple(mode_color(bands[i].mode) for i in range(n)),
        )
        shown = getattr(self, "_points_shown", None)  # unchanged by most value edits
        if shown is None or not (
            shown[2] == points[2]
            and np.array_equal(shown[0], points[0])
            and np.array_equal(shown[1], points[1])
        ):
            self._points_shown = points
            self.operating_points.setData(
                points[0], points[1], brush=[_brush(c) for c in points[2]]
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
            line = (t0, f0, g_t, g_f, lo)
            if line != getattr(self, "_line_shown", None):
                self._line_shown = line
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
            self.plot_item.setTitle(title, color=TEXT_COLOR, size=title_size())
        self.label_placer.place()
