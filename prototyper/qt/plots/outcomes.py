"""Value added by outcome (the value of correct actions, the cost of wrong ones, attention),
stacked by the mode that handled it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...core.evaluation.analysis import Analysis
from ...core.evaluation.value import ADDED_PARTS, correct_and_wrong
from ...core.format import money
from ...core.preset.schema import MODES, STAKEHOLDERS
from ..document import Document, WhenShown
from ..theme import COST_COLOR, VALUE_COLOR, mode_color, on_white
from .axes import MoneyAxis
from .common import (
    AXIS_COLOR,
    LabelPlacer,
    _anchor,
    _money_tick,
    _move,
    _set_range,
    _set_text,
    _style,
    label_size,
    left_axis_width,
    set_axis_title,
)

NO_WRAP = "white-space:nowrap"  # no break at a space
WORD_JOINER = "\u2060"  # no break after a slash, which Qt allows inside nowrap
# The parts of value added, as the chart's x axis names them.
PART_LABELS = {
    "correct": "correct:\npositives acted on",
    "wrong": "wrong:\nfalse alarms acted on",
    "attention": "attention\n(time)",
}
SHORT_PART_LABELS = {"correct": "correct", "wrong": "wrong", "attention": "attention"}
BAR_WIDTH = 0.62
TOTAL_GAP = 3  # pixels between a bar and the label of its total


class _Legend(QWidget):
    """The legend's label in a box of its own, without a layout: a new text (every frame of
    a drag: it names the figures) then lays out nothing but the label, unless the text
    needs another number of lines. (A label in a layout has every layout up to the window
    done again, and the window repainted around it, at each new text.)"""

    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel(self)
        self._height = -1  # the label's height for its text at this width, as last told
        self._measured_for: tuple = ()  # the text, font and width it was measured for
        self.label.setTextFormat(Qt.TextFormat.RichText)
        # The legend names the figures too: it wraps rather than widen the plot's column.
        self.label.setWordWrap(True)
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_text(self, text: str) -> None:
        if text != self.label.text():
            self.label.setText(text)
            self._measure()  # at once: measured later, the label would be drawn twice

    def _measure(self) -> None:
        """The layouts above asked again only if the label's height changed (measured
        once per text, font and width: a drag's frame does not lay the text out twice)."""
        key = (self.label.text(), self.label.font().key(), self.width())
        if key == self._measured_for:
            return
        self._measured_for = key
        height = self.label.heightForWidth(self.width())
        if height != self._height:
            self._height = height
            self.updateGeometry()

    def event(self, event: QEvent) -> bool:
        # The label asks for a layout after a new text (measured then) or font.
        if event.type() == QEvent.Type.LayoutRequest:
            self._measure()
        return super().event(event)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.label.sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.label.minimumSizeHint()

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self.label.heightForWidth(width)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.label.setGeometry(self.rect())


class QtOutcomeBreakdown(QWidget):
    """Value added against the feature off per day for the whole population, per outcome:
    value (up, green) and cost (down, red), stacked by the mode that handled it; filtered to
    one stakeholder or all of them. The value of correct minus the cost of wrong is the value
    added, whatever happens anyway (harm nobody would have avoided) is left out."""

    FILTERS = ("all", *STAKEHOLDERS)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._analysis: Analysis | None = None
        shape = (len(ADDED_PARTS), len(MODES))  # what the bars show, per population-day
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
        plot = _style(self.plot, "Value added by outcome", "per day vs. feature off", "")
        self._money_axis.setWidth(left_axis_width())
        set_axis_title(self.plot, "left", "per day vs. feature off", "per day")
        self.plot_item = plot
        bottom = plot.getAxis("bottom")
        self._part_labels: dict[str, str] = {}
        self._name_parts(PART_LABELS)
        bottom.setHeight(44)
        bottom.setLabel("")

        self.value_band = pg.LinearRegionItem(
            (0, 1), orientation="horizontal", movable=False, brush=on_white(VALUE_COLOR, 22)
        )
        self.cost_band = pg.LinearRegionItem(
            (-1, 0), orientation="horizontal", movable=False, brush=on_white(COST_COLOR, 22)
        )
        for band in (self.value_band, self.cost_band):
            for line in band.lines:
                line.setPen(pg.mkPen(None))
            band.setZValue(-10)
            plot.addItem(band, ignoreBounds=True)
        self.value_text = pg.TextItem("value of correct ▲", color=VALUE_COLOR, anchor=(0, 0))
        self.cost_text = pg.TextItem("cost of wrong ▼", color=COST_COLOR, anchor=(0, 1))
        for item in (self.value_text, self.cost_text):
            item.setZValue(10)  # over the bars, which may reach the plot's edge
        self.zero_line = pg.InfiniteLine(pos=0.0, angle=0, pen=pg.mkPen(AXIS_COLOR, width=1))
        self.zero_line.setZValue(5)  # over the bars' white outlines
        for item in (self.value_text, self.cost_text, self.zero_line):
            plot.addItem(item, ignoreBounds=True)
        self.bars = {}
        for mode in MODES:
            bars = pg.BarGraphItem(
                x=np.arange(len(ADDED_PARTS)),
                y0=np.zeros(len(ADDED_PARTS)),
                height=np.zeros(len(ADDED_PARTS)),
                width=BAR_WIDTH,
                brush=pg.mkBrush(mode_color(mode)),
                pen=pg.mkPen("w", width=1),
            )
            self.bars[mode] = bars
            plot.addItem(bars)
        self.totals = [pg.TextItem(anchor=(0.5, 1.0)) for _ in ADDED_PARTS]
        for item in self.totals:
            item.setZValue(10)
            plot.addItem(item, ignoreBounds=True)
        self._stacks = (np.zeros(len(ADDED_PARTS)), np.zeros(len(ADDED_PARTS)))  # up, down
        self.compact = False  # lecture mode: the legend is the modes' key only
        self.label_placer = LabelPlacer(
            self.plot,
            lambda: [*self.totals, self.value_text, self.cost_text],
            obstacles=self.bar_rects,
            within=self._total_side,
            shorten=self._short_total,
        )
        self._net = np.zeros(len(ADDED_PARTS))  # each part's total, as its label shows
        self._label_room = 0.0  # the share of the view's height a total's label takes
        self._refit = False  # the next range fits the bars afresh (the view was resized)
        plot.getViewBox().sigResized.connect(self._on_view_resized)
        self._legend_box = _Legend()
        self.legend = self._legend_box.label

        top = QHBoxLayout()
        top.setContentsMargins(4, 0, 4, 0)
        top.addWidget(self._legend_box, stretch=1)
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.stakeholder_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot, stretch=1)

        self.stakeholder_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.follower = WhenShown(self, document, self.set_analysis)  # hidden: drawn when shown
        if document.ready:  # else drawn after the window's first paint, on ``changed``
            self.set_analysis(document.analysis)

    def _name_parts(self, labels: dict[str, str]) -> None:
        if labels != self._part_labels:
            self._part_labels = labels
            ticks = [(i, labels[c]) for i, c in enumerate(ADDED_PARTS)]
            self.plot_item.getAxis("bottom").setTicks([ticks])

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        """No: the wrapped legend would make a grid give this cell all the height it has
        and the plots beside and above it none (the legend wraps within the cell)."""
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        """The bars' long names where each has room, else the short ones (never two names
        running into each other)."""
        super().resizeEvent(event)
        fm = QFontMetrics(QApplication.font())
        widest = max(
            fm.horizontalAdvance(line) for v in PART_LABELS.values() for line in v.splitlines()
        )
        per_bar = self.plot.width() / (len(ADDED_PARTS) + 1)
        self._name_parts(PART_LABELS if widest + 12 <= per_bar else SHORT_PART_LABELS)

    def bar_rects(self) -> list[QRectF]:
        """Where each part's stacked bars are drawn, in scene coordinates (no label covers
        them)."""
        view = self.plot_item.getViewBox()
        rects = []
        for c, (up, down) in enumerate(zip(*self._stacks, strict=True)):
            if up == 0 and down == 0:
                continue
            a = view.mapViewToScene(QPointF(c - BAR_WIDTH / 2, float(up)))
            b = view.mapViewToScene(QPointF(c + BAR_WIDTH / 2, float(down)))
            rects.append(QRectF(a, b).normalized())
        return rects

    def _total_side(self, item: pg.TextItem) -> QRectF | None:
        """A total's label stays on its own side of zero: a loss below, a gain above (pushed
        across, it would read as the other)."""
        if item not in self.totals:
            return None
        view = self.plot_item.getViewBox()
        area = view.sceneBoundingRect()
        zero = view.mapViewToScene(QPointF(0.0, 0.0)).y()
        if self._net[self.totals.index(item)] >= 0:
            return QRectF(area.left(), area.top(), area.width(), max(zero - area.top(), 0.0))
        return QRectF(area.left(), zero, area.width(), max(area.bottom() - zero, 0.0))

    def _short_total(self, item: pg.TextItem) -> bool:
        """A total without room for "net $12M" tries "$12M" (as in a lecture)."""
        text = item.toPlainText()
        if item not in self.totals or not text.startswith("net "):
            return False
        _set_text(item, text.removeprefix("net "), getattr(item, "_shown", ("", None))[1])
        return True

    def label_room(self) -> float:
        """The share of the view's height a total's label and its gap take."""
        height = self.plot_item.getViewBox().height()
        label = self.totals[0].textItem.boundingRect().height()
        return min((label + 2 * TOTAL_GAP) / height, 0.4) if height > 0 else 0.0

    def _on_view_resized(self) -> None:
        # The totals' room above and below the bars is in pixels: a new height, a new range.
        if self._analysis is not None and abs(self.label_room() - self._label_room) > 0.01:
            self._refit = True  # the range as needed now, not as kept while dragging
            self.set_analysis(self._analysis)

    def set_compact(self, on: bool) -> None:
        """Lecture mode: the legend names the modes only (the goals above give the figures
        in larger type), so the bars keep their height at a projector's size."""
        if on != self.compact:
            self.compact = on
            # The bands' colours say it (emptied, not hidden: the label placer shows again
            # what it hid)
            _set_text(self.value_text, "" if on else "value of correct ▲")
            _set_text(self.cost_text, "" if on else "cost of wrong ▼")
            if self._analysis is not None:
                self.set_analysis(self._analysis)

    @property
    def stakeholder(self) -> str:
        return self.FILTERS[max(self.stakeholder_combo.currentIndex(), 0)]

    def set_stakeholder(self, stakeholder: str) -> None:
        self.stakeholder_combo.setCurrentIndex(self.FILTERS.index(stakeholder))

    def _on_filter_changed(self, _: int) -> None:
        if self._analysis is not None:
            self.set_analysis(self._analysis)

    def set_analysis(self, analysis: Analysis) -> None:
        if self._document.drafting and analysis is self._document.analysis:
            # A secondary plot: a drag's frames leave it as it was; it is drawn again,
            # exact, when the drag ends or holds still (the document says so).
            return
        self._analysis = analysis
        currency = analysis.preset.payoffs.currency
        self._money_axis.currency = currency
        per_stakeholder = self.amounts(analysis, self.stakeholder)  # [part, mode, who]
        # Value and cost are stacked apart, so a transfer (the business gains what the user
        # pays) shows as two bars, not as nothing.
        self.value_up = np.maximum(per_stakeholder, 0).sum(axis=-1)
        self.value_down = np.minimum(per_stakeholder, 0).sum(axis=-1)
        self.values = self.value_up + self.value_down

        n = len(ADDED_PARTS)
        up, down = np.zeros(n), np.zeros(n)
        x = np.concatenate([np.arange(n), np.arange(n)])
        used = []
        for m, mode in enumerate(MODES):
            gain, loss = self.value_up[:, m], self.value_down[:, m]
            y0, height = np.concatenate([up, down]), np.concatenate([gain, loss])
            bars = self.bars[mode]
            shown = getattr(bars, "_shown", None)  # setOpts redraws the bars: only on a change
            if shown is None or not (
                np.array_equal(shown[0], y0) and np.array_equal(shown[1], height)
            ):
                bars._shown = (y0, height)
                bars.setOpts(x=x, y0=y0, height=height)
            up, down = up + gain, down + loss
            if np.any(gain != 0) or np.any(loss != 0):
                used.append(mode)

        self._stacks = (up, down)
        high = float(up.max()) if up.size else 0.0
        low = float(down.min()) if down.size else 0.0
        span = (high - low) or 1.0
        # Room above and below the bars for the totals' labels: a share of the view as tall
        # as a label (in a short plot), at least 0.16 of the bars' span.
        self._label_room = self.label_room()
        net = self._net = self.values.sum(axis=1)
        shown = (up != 0) | (down != 0)
        above, below = bool(np.any(shown & (net >= 0))), bool(np.any(shown & (net < 0)))
        share = max(self._label_room, 0.12)
        sides = 1 + above + below  # the bars' share and each side's that has labels
        room = share * span / max(1 - (sides - 1) * share, 0.2)
        top = high + (room if above else 0.12 / 0.76 * span)
        bottom = low - (room if below else 0.12 / 0.76 * span)
        if high == 0:
            top = 0.12 * span
        if low == 0:
            bottom = -0.12 * span
        x_range = (-0.6, len(ADDED_PARTS) - 0.4)
        sticky, self._refit = not self._refit, False
        bottom, top = _set_range(self.plot_item, x_range, (bottom, top), sticky_y=sticky)
        if self.value_band.getRegion() != (0, top):
            self.value_band.setRegion((0, top))
            self.cost_band.setRegion((bottom, 0))
        _move(self.value_text, -0.58, top)
        _move(self.cost_text, -0.58, bottom)

        for c, item in enumerate(self.totals):
            if up[c] == 0 and down[c] == 0:
                _set_text(item, "")
                continue
            positive = net[c] >= 0
            color = VALUE_COLOR if positive else COST_COLOR
            total = _money_tick(net[c], currency)  # short in a lecture: over its own bar
            _set_text(item, total if self.compact else f"net {total}", color)
            gap = TOTAL_GAP / max(item.textItem.boundingRect().height(), 1.0)
            if positive:  # a few pixels clear of the bar it totals
                _anchor(item, (0.5, 1.0 + gap))
                _move(item, c, up[c])
            else:
                _anchor(item, (0.5, -gap))
                _move(item, c, down[c])

        legend = " ".join(f'<span style="color:{mode_color(m)}">■</span>&nbsp;{m}' for m in used)
        correct, wrong = correct_and_wrong(per_stakeholder)
        # Each term is kept whole on its line: a narrow legend wraps at the − and the =,
        # never inside a figure such as "$10.7k/day" (spaces: nowrap; the slash: a joiner).
        figures = (
            f'<span style="color:{VALUE_COLOR};{NO_WRAP}">'
            f"value of correct {money(correct, currency)}</span>"
            f' − <span style="color:{COST_COLOR};{NO_WRAP}">'
            f"cost of wrong {money(wrong, currency)}</span>"
            f' = <span style="{NO_WRAP}">'
            f"value added {money(correct - wrong, currency)}/{WORD_JOINER}day</span>"
        )
        self.label_placer.place()
        shown = legend if self.compact else f"{figures}&nbsp;&nbsp; {legend}"
        legend = f'<span style="font-size:{label_size()}">{shown}</span>'
        self._legend_box.set_text(legend)

    @staticmethod
    def amounts(analysis: Analysis, stakeholder: str = "all") -> np.ndarray:
        """Value added per day for the whole population as [part, mode, stakeholder] (one
        stakeholder column, or all of them), parts as in value.ADDED_PARTS."""
        e = analysis.evaluation
        value = e.added_split() * (e.events_per_day * e.population)
        if stakeholder != "all":
            s = STAKEHOLDERS.index(stakeholder)
            value = value[:, :, s : s + 1]
        return value
