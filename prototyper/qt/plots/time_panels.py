"""The small multiples of the design over time: which of the simulation's daily series each
panel shows, their axes, and one panel (the mean over the replications with a band from the
5% to the 95% quantile)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsScene, QLabel, QVBoxLayout, QWidget

from ...core.simulation.results import SERIES, Series, Simulation
from ...core.simulation.summary import feedback_series
from ..theme import CURRENT_COLOR, qcolor
from .axes import MoneyAxis
from .common import AXIS_COLOR, TEXT_COLOR
from .export import add_export_menu

BAND_ALPHA = 60  # of the 90% band's fill
STALE_OPACITY = 0.3
LEFT_AXIS_WIDTH = 58  # the same in every panel, so the plots line up
REFERENCE_COLOR = "#9e9e9e"  # the true shares of a feedback loop
STATIC_COLOR = "#1e88e5"  # the static engine's expectation
MUTED_COLOR = "#757575"
NO_DATA_COLOR = "#bdbdbd"
STALE_STYLE = "background: #fff3cd; color: #6d4c00; border: 1px solid #f0d98c; padding: 3px 6px;"
MAX_USERS = 1_000_000  # the users spin box's top; the memory limit is the controller's
# Quantities that share a panel get their own colours, never a mode's (theme.COLORS).
COMPLIANCE_COLOR = "#00897b"
TRUST_COLOR = "#3949ab"
HABITUATION_COLOR = "#8d6e63"
DEMOTION_COLOR = "#546e7a"
GUARDRAIL_COLOR = "#b7950b"
REGION_COLORS = ("#3949ab", "#00897b", "#b7950b", "#8d6e63", "#546e7a", "#7b1fa2")


@dataclass(frozen=True)
class Line:
    """One series of a panel: its key in ``Simulation.series``, its name, its colour."""

    key: str
    label: str
    color: str = CURRENT_COLOR


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    unit: str  # money | share | count | rate | auc: the y axis
    lines: tuple[Line, ...]
    subtitle: str = ""  # the second line of the title, when the lines need no legend
    reference: str = ""  # static_per_day | static_so_far: the static engine's expectation
    when_none: str = "none"  # said across the plot when every value is 0 (or n/a)


PANELS = (
    # Value added against the feature off: the net value's zero is arbitrary.
    Panel(
        "value_added",
        "Value added per day",
        "money",
        (Line("value_added", "mean"),),
        reference="static_per_day",
    ),
    Panel(
        "cumulative",
        "Value added so far",
        "money",
        (Line("cumulative_value_added", "mean"),),
        reference="static_so_far",
    ),
    Panel(
        "active_users",
        "Active users",
        "share",
        (Line("active_users", ""),),
        "who have not switched the feature off",
    ),
    Panel(
        "interactions",
        "Interactions per active user-day",
        "rate",
        (Line("interactions", ""),),
        "interactions of every mode but none",
        when_none="none reach the users",
    ),
    Panel(
        "response",
        "Response to interactions",
        "share",
        (
            Line("acts_when_right", "acts when right", COMPLIANCE_COLOR),
            Line("trust", "trust", TRUST_COLOR),
            Line("habituation", "habituation", HABITUATION_COLOR),
        ),
        when_none="n/a: no interactions",
    ),
    Panel(
        "events",
        "Events per day",
        "count",
        (
            Line("demotions", "demotions", DEMOTION_COLOR),
            Line("guardrail_activations", "guardrail activations", GUARDRAIL_COLOR),
        ),
        when_none="none: no cap or guardrail acted",
    ),
    Panel(
        "labels",
        "Labels collected so far",
        "count",
        (Line("cumulative_labels", ""),),
        "from feedback on interactions",
        when_none="none: telemetry is off",
    ),
    Panel(
        "auc",
        "Model ROC AUC",
        "auc",
        (Line("auc", ""),),
        "as retraining and drift change it",
        when_none="",
    ),
)
FEEDBACK = "patrol_share"
# Panel order in the grid; with a feedback loop its panel comes first, in a 3 x 3 grid.
ORDER = tuple(p.key for p in PANELS)
ORDER_WITH_FEEDBACK = (FEEDBACK, *ORDER)
UNIT_NOTES = {"money": "{currency}, all users", "count": "all users"}


# --- axes ---------------------------------------------------------------------------------


def _decimals(spacing: float) -> int:
    return max(0, -math.floor(math.log10(spacing) + 1e-9)) if spacing > 0 else 0


class ShareAxis(pg.AxisItem):
    """Shares as percentages, with as many decimals as the tick spacing needs."""

    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        d = _decimals(spacing * 100)
        return [f"{v * 100:.{d}f}%" for v in values]


class CountAxis(pg.AxisItem):
    """Counts as 950, 12k, 1.5M."""

    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        top = max((abs(v) for v in values), default=0.0)
        unit, suffix = next(
            ((c, s) for c, s in ((1e9, "B"), (1e6, "M"), (1e3, "k")) if top >= c), (1.0, "")
        )
        d = _decimals(spacing / unit)
        return [f"{v / unit:,.{d}f}{suffix}" if v else "0" for v in values]


class PlainAxis(pg.AxisItem):
    """Plain numbers with as many decimals as the tick spacing needs (no SI prefixes)."""

    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        d = _decimals(spacing)
        return [f"{v:,.{d}f}" for v in values]


def _axis(unit: str) -> pg.AxisItem:
    kind = {"money": MoneyAxis, "share": ShareAxis, "count": CountAxis}.get(unit, PlainAxis)
    axis = kind("left")
    axis.setWidth(LEFT_AXIS_WIDTH)
    return axis


# --- one panel ----------------------------------------------------------------------------


def _span(color: str, text: str) -> str:
    """Coloured text that never breaks inside (a legend entry)."""
    return f"<span style='color:{color}'>{text.replace(' ', '&nbsp;')}</span>"


def band_data(days: np.ndarray, series: Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The days where the band is defined (a day without interactions has no response rate),
    with its low and high edges."""
    ok = np.isfinite(series.p5) & np.isfinite(series.p95)
    return days[ok], series.p5[ok], series.p95[ok]


class _Band:
    """A mean line over a filled 90% band, in one colour; made once, then moved."""

    def __init__(self, plot: pg.PlotItem, color: str) -> None:
        self.color = color
        self.low = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.high = pg.PlotCurveItem(pen=pg.mkPen(None))
        self.fill = pg.FillBetweenItem(self.low, self.high, brush=qcolor(color, BAND_ALPHA))
        self.mean = pg.PlotDataItem(pen=pg.mkPen(color, width=2), connect="finite", antialias=True)
        self.mean.setZValue(5)
        for item in (self.low, self.high, self.fill, self.mean):
            plot.addItem(item, ignoreBounds=True)

    def set_color(self, color: str) -> None:
        if color != self.color:
            self.color = color
            self.fill.setBrush(qcolor(color, BAND_ALPHA))
            self.mean.setPen(pg.mkPen(color, width=2))

    def set_visible(self, visible: bool) -> None:
        for item in (self.low, self.high, self.fill, self.mean):
            item.setVisible(visible)

    def set_data(self, days: np.ndarray, series: Series) -> None:
        x, low, high = band_data(days, series)
        self.low.setData(x, low)
        self.high.setData(x, high)
        self.mean.setData(days, series.mean)


class TimePanel(QWidget):
    """One small multiple: a two-line title (what, in which unit; the legend), and a plot
    with days along x."""

    def __init__(self, panel: Panel | None, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel, self.unit = panel, unit
        self.left_axis = _axis(unit)
        self.title_label = QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True)
        self.title_label.setStyleSheet(f"color: {TEXT_COLOR}; background: white; padding: 2px;")
        self.plot_widget = pg.PlotWidget(axisItems={"left": self.left_axis})
        self.plot_widget.setBackground("w")
        self.plot_widget.setMinimumSize(120, 90)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.plot_widget, stretch=1)

        plot = self.plot_item = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        add_export_menu(self.plot_widget)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.getViewBox().setMouseEnabled(x=False, y=False)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(AXIS_COLOR))
            axis.setTextPen(pg.mkPen(TEXT_COLOR))
            axis.enableAutoSIPrefix(False)
        plot.getAxis("bottom").setLabel("day", color=TEXT_COLOR, **{"font-size": "8pt"})
        plot.showGrid(x=False, y=True, alpha=0.15)
        self.plot_widget.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.title_html = ""
        self.zero_line = pg.InfiniteLine(pos=0.0, angle=0, pen=pg.mkPen(AXIS_COLOR, width=1))
        self.zero_line.setZValue(-5)
        plot.addItem(self.zero_line, ignoreBounds=True)
        self.none_text = pg.TextItem(color=MUTED_COLOR, anchor=(0.5, 0.5))
        self.none_text.setZValue(10)
        plot.addItem(self.none_text, ignoreBounds=True)
        self.bands: list[_Band] = []
        if panel is not None:
            self.bands = [_Band(plot, line.color) for line in panel.lines]
            dashed = pg.mkPen(STATIC_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
            self.reference = pg.PlotDataItem(pen=dashed, antialias=True)
            self.reference.setZValue(6)  # over the mean: where they agree, both show
            plot.addItem(self.reference, ignoreBounds=True)

    def set_title(self, title: str, unit: str, second: str) -> None:
        html = f"<b>{title}</b>" + (f" <span style='color:{MUTED_COLOR}'>{unit}</span>")
        html += f"<br>{second or '&nbsp;'}"
        if html != self.title_html:
            self.title_html = html
            self.title_label.setText(html)

    def set_stale(self, stale: bool) -> None:
        self.plot_item.setOpacity(STALE_OPACITY if stale else 1.0)

    def set_range(self, days: np.ndarray, values: Sequence[np.ndarray], none: str = "") -> None:
        """x: the horizon; y: what the unit calls for, fitted to the values. ``none`` is
        said across the plot when no value is finite and non-zero."""
        finite = [v[np.isfinite(v)] for v in values]
        finite = [v for v in finite if v.size]
        lo = min((float(v.min()) for v in finite), default=0.0)
        hi = max((float(v.max()) for v in finite), default=1.0)
        if self.unit == "share":
            lo, hi = 0.0, 1.0
        elif self.unit in ("count", "rate"):
            lo, hi = 0.0, max(hi, 0.0)
        if hi - lo <= 1e-9 * max(1.0, abs(hi)):  # flat: give it room
            if self.unit == "auc":
                lo, hi = lo - 0.01, hi + 0.01
            elif lo == 0.0:
                hi = max(hi, 1.0)
            else:
                half = abs(hi) * 0.1 or 1.0
                lo, hi = lo - half, hi + half
        pad = 0.06 * (hi - lo)
        low = lo - (0.5 * pad if self.unit in ("count", "rate", "share") else pad)
        x0, x1 = float(days[0]) - 0.5, float(days[-1]) + 0.5
        self.plot_item.getViewBox().setRange(xRange=(x0, x1), yRange=(low, hi + pad), padding=0.0)
        self.zero_line.setVisible(low < 0 < hi + pad)
        empty = bool(none) and not any(np.any(v != 0) for v in finite)
        self.none_text.setVisible(empty)
        self.left_axis.setStyle(showValues=not empty)  # no ticks for an empty plot
        if empty:
            self.none_text.setText(none)
            self.none_text.setPos((x0 + x1) / 2, (low + hi + pad) / 2)

    def show_simulation(self, sim: Simulation) -> None:
        """The panel's series of ``sim`` (a panel with a spec)."""
        panel, days = self.panel, sim.days
        values, legend = [], []
        for band, line in zip(self.bands, panel.lines, strict=True):
            series = sim.series[line.key]
            band.set_data(days, series)
            values += [series.mean, series.p5, series.p95]
            if line.label:  # a series without any value (no interactions of its kind): grey
                color = line.color if np.isfinite(series.mean).any() else NO_DATA_COLOR
                legend.append(_span(color, f"━ {line.label}"))
        ref = None
        if panel.reference == "static_per_day":
            ref = np.full(len(days), sim.static_value_added_per_day)
        elif panel.reference == "static_so_far":
            ref = sim.static_value_added_per_day * days.astype(float)
        if ref is not None:
            self.reference.setData(days, ref)
            values.append(ref)
            legend.append(_span(STATIC_COLOR, "┄ static engine"))
        self.set_range(days, values, self._none_text(sim))
        currency = sim.preset.payoffs.currency
        if self.unit == "money" and self.left_axis.currency != currency:
            self.left_axis.currency = currency
            self.left_axis.picture = None  # redraw the tick labels in the new currency
            self.left_axis.update()
        unit = UNIT_NOTES.get(panel.unit, "").format(currency=currency)
        second = " ".join(legend) if len(legend) > 1 or ref is not None else ""
        subtitle = f"<span style='color:{MUTED_COLOR}'>{self._subtitle(sim)}</span>"
        self.set_title(panel.title, unit, second or subtitle)
        self.title_label.setToolTip(
            "\n".join(f"{SERIES[line.key][0]}: {SERIES[line.key][2]}" for line in panel.lines)
            + "\nLines: the mean over the replications; bands: 5% to 95% of them."
        )

    def _subtitle(self, sim: Simulation) -> str:
        if self.panel.key == "auc" and not sim.preset.telemetry.enabled:
            return "constant (telemetry off)"
        return self.panel.subtitle

    def _none_text(self, sim: Simulation) -> str:
        if self.panel.key == "labels" and sim.preset.telemetry.enabled:
            return "none"
        return self.panel.when_none


class FeedbackPanel(TimePanel):
    """The share of patrols each region gets, per day, against its true share (dashed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(None, "share", parent)
        self.region_bands: list[_Band] = []
        self.truth_lines: list[pg.InfiniteLine] = []

    def _take(self, n: int) -> None:
        while len(self.region_bands) < n:
            color = REGION_COLORS[len(self.region_bands) % len(REGION_COLORS)]
            self.region_bands.append(_Band(self.plot_item, color))
            line = pg.InfiniteLine(
                angle=0,
                pen=pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine),
                label="",
                labelOpts={"position": 0.98, "color": color, "anchors": [(1, 1), (1, 1)]},
            )
            line.setZValue(4)
            self.plot_item.addItem(line, ignoreBounds=True)
            self.truth_lines.append(line)
        for i, (band, line) in enumerate(zip(self.region_bands, self.truth_lines, strict=True)):
            band.set_visible(i < n)
            line.setVisible(i < n)

    def show_simulation(self, sim: Simulation) -> None:
        fb = sim.feedback
        if fb is None:
            return
        series = feedback_series(sim)
        n = len(fb.regions)
        self._take(n)
        days = sim.days
        # Regions with the same true share get one reference line, labelled with all of them.
        by_truth: dict[float, list[int]] = {}
        for i in range(n):
            by_truth.setdefault(round(float(fb.truth_share[i]), 6), []).append(i)
        for i, name in enumerate(fb.regions):
            self.region_bands[i].set_data(days, series[f"patrol_share[{name}]"])
            line = self.truth_lines[i]
            group = by_truth[round(float(fb.truth_share[i]), 6)]
            line.setVisible(group[0] == i)
            color = REGION_COLORS[i % len(REGION_COLORS)] if len(group) == 1 else REFERENCE_COLOR
            line.setPen(pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine))
            line.label.setColor(color)
            names = " and ".join(fb.regions[j] for j in group)
            line.label.setFormat(f"true share of {names}: {fb.truth_share[i] * 100:.0f}%")
            line.setValue(float(fb.truth_share[i]))
        self.set_range(days, [])
        fix = "with" if sim.preset.feedback.correction else "without"
        legend = " ".join(
            _span(REGION_COLORS[i % len(REGION_COLORS)], f"━ {name}")
            for i, name in enumerate(fb.regions)
        )
        self.set_title(
            "Share of patrols per region",
            f"{fix} correction",
            f"{legend} {_span(REFERENCE_COLOR, '┄ true share')}",
        )
