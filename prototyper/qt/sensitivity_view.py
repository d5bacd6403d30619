"""Which assumptions matter: the sensitivity view, computed off the GUI thread.

The numbers are the core's :func:`~prototyper.core.evaluation.sensitivity_report
.sensitivity_report`, the same as ``prototyper sensitivity FILE`` prints (10,000 draws, seed 1
by default): the tornado (value added with each uncertain input at its low and its high end),
the value of each input where value added crosses zero, the probabilistic sensitivity
analysis (value added over joint draws of every input, its 90% interval and the chance the
design adds value) and the EVPPI table, which assumption is worth studying first.

The analysis runs in a one-thread :class:`~prototyper.qt.workers.Worker` with progress and
Cancel; its draws are evaluated in chunks (the numbers do not depend on the chunking), so
Cancel stops it within one chunk. The last complete result stays shown, marked stale once the
design changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.evaluation.sensitivity_report import SensitivityReport, sensitivity_report
from ..core.format import money, percent
from ..core.model.scores import ScoreModel
from ..core.preset.schema import Preset, SyntheticModel
from ..core.psa_runs import Runner
from ..core.simulation.results import Cancelled
from .document import Analysis, Document
from .plots.axes import MoneyAxis
from .plots.common import AXIS_COLOR, TEXT_COLOR, _style
from .simulation import design_key
from .theme import CURRENT_COLOR, qcolor
from .workers import Run, Worker

DEFAULT_DRAWS = 10_000  # as the command line
DEFAULT_SEED = 1
MAX_DRAWS = 1_000_000
CHUNK = 500  # draws per step: progress and Cancel between steps
LOW_COLOR = "#8fa8c8"  # an input at its low end
HIGH_COLOR = "#2f4b7c"  # at its high end
PSA_COLOR = "#5b7fa8"
HISTOGRAM_BINS = 60
# What the break-even table says of an input whose whole range stays on one side of zero.
NO_CROSSING = {"always": "none (always adds)", "never": "none (never adds)"}


@dataclass(frozen=True)
class SensitivityRequest:
    """One analysis: the design, its model, a name, and the draws and seed of the PSA."""

    preset: Preset
    scores: ScoreModel | None  # None for a synthetic model: each draw builds its own
    name: str
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED

    def key(self) -> tuple:
        return (design_key(self.preset), self.draws, self.seed)

    def __call__(self, run: Run) -> SensitivityReport:
        """Runs on the worker's thread."""
        evaluate = Runner(chunk=CHUNK).evaluator(run.progress, run.cancelled)
        return sensitivity_report(
            [self.preset],
            [self.scores],
            names=[self.name],
            draws=self.draws,
            seed=self.seed,
            evaluate_chunks=evaluate,
        )


def request_for(document: Document, draws: int, seed: int) -> SensitivityRequest:
    """What analysing the document's design asks for: the command line's inputs. A
    synthetic model is rebuilt from each draw (a drawn AUC or base rate moves it), a real
    model's loaded scores are recalibrated to each drawn base rate."""
    preset = document.preset
    scores = None if isinstance(preset.model, SyntheticModel) else document.analysis.scores
    name = document.path.stem if document.path is not None else preset.scenario.name
    return SensitivityRequest(preset, scores, name, draws, seed)


class SensitivityController(QObject):
    """Runs the sensitivity analysis of the document's design on request and keeps the last
    complete result, stale once the design, the draws or the seed changed."""

    resultChanged = Signal(object, bool)  # SensitivityReport | None, stale
    runningChanged = Signal(bool)
    progressed = Signal(float)
    failed = Signal(str)

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self.draws, self.seed = DEFAULT_DRAWS, DEFAULT_SEED
        self._result: SensitivityReport | None = None
        self._result_key: tuple | None = None
        self._pending: SensitivityRequest | None = None
        self._worker = Worker(self, threads=1)
        self._worker.progressed.connect(self.progressed)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        document.changed.connect(self._on_document_changed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def result(self) -> SensitivityReport | None:
        return self._result

    @property
    def running(self) -> bool:
        return self._worker.running

    @property
    def stale(self) -> bool:
        if self._result is None:  # nothing shown yet (and no analysis needed to say so)
            return False
        return self._result_key != request_for(self._document, self.draws, self.seed).key()

    def start(self) -> None:
        """Analyse the current design (a run in progress is cancelled first)."""
        request = request_for(self._document, self.draws, self.seed)
        self._pending = request
        self._worker.start(request)
        self.runningChanged.emit(True)
        self.progressed.emit(0.0)

    def cancel(self) -> None:
        if self._worker.cancel():
            self._pending = None
            self.runningChanged.emit(False)

    def shutdown(self, msecs: int = 10_000) -> bool:
        self._pending = None
        return self._worker.shutdown(msecs)

    def wait_idle(self, msecs: int = 30_000) -> bool:
        return self._worker.wait(msecs)

    @Slot(object)
    def _on_finished(self, report: SensitivityReport) -> None:
        request, self._pending = self._pending, None
        self._result = report
        self._result_key = request.key() if request is not None else None
        self.runningChanged.emit(False)
        self.resultChanged.emit(report, self.stale)

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        self._pending = None
        self.runningChanged.emit(False)
        if not isinstance(exc, Cancelled):
            self.failed.emit(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    def _on_document_changed(self, _: Analysis) -> None:
        if self._result is not None:
            self.resultChanged.emit(self._result, self.stale)


# --- the charts -------------------------------------------------------------------------------


class _InputAxis(pg.AxisItem):
    """The tornado's left axis: each input's label at its bar, never clipped (the axis is
    as wide as the longest label)."""

    def __init__(self) -> None:
        super().__init__("left")
        self.labels: list[str] = []

    def set_labels(self, labels: list[str]) -> None:
        self.labels = labels
        ticks = [(float(len(labels) - 1 - i), text) for i, text in enumerate(labels)]
        self.setTicks([ticks, []])
        metrics = QFontMetrics(self.style.get("tickFont") or self.font())
        widest = max((metrics.horizontalAdvance(t) for t in labels), default=40)
        self.setWidth(widest + 16)


def _marker(
    plot: pg.PlotItem, label: str, position: float, *, design: bool = False
) -> pg.InfiniteLine:
    """A vertical line labelled near the top: the feature off (solid, label on its left) or
    a design's figure (dashed, label on its right)."""
    color = CURRENT_COLOR if design else AXIS_COLOR
    style = Qt.PenStyle.DashLine if design else Qt.PenStyle.SolidLine
    anchor = (0, 0) if design else (1, 0)
    line = pg.InfiniteLine(
        0.0,
        angle=90,
        pen=pg.mkPen(color, width=1, style=style),
        label=label,
        labelOpts={"position": position, "color": color, "anchors": [anchor, anchor]},
    )
    plot.addItem(line, ignoreBounds=True)
    return line


class QtTornado(pg.PlotWidget):
    """Value added with each uncertain input at its low end and at its high end, the others
    as in the design: one row per input, the widest swing on top, zero (the feature off) and
    the design's value marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.money_axis = MoneyAxis("bottom")
        self.input_axis = _InputAxis()
        super().__init__(parent, axisItems={"bottom": self.money_axis, "left": self.input_axis})
        self.plot_item = _style(self, "Tornado", "", "value added per day vs. feature off")
        self.low_bars = pg.BarGraphItem(x0=[], x1=[], y=[], height=0.38, brush=LOW_COLOR, pen=None)
        self.high_bars = pg.BarGraphItem(
            x0=[], x1=[], y=[], height=0.38, brush=HIGH_COLOR, pen=None
        )
        for item in (self.low_bars, self.high_bars):
            self.plot_item.addItem(item)
        self.zero_line = _marker(self.plot_item, "feature off", 0.98)
        self.base_line = _marker(self.plot_item, "this design", 0.98, design=True)
        self.value_texts: list[pg.TextItem] = []
        self.report: SensitivityReport | None = None

    def show_report(self, report: SensitivityReport | None) -> None:
        self.report = report
        bars = report.tornado.bars if report is not None else ()
        currency = report.currency if report is not None else "USD"
        self.money_axis.currency = currency
        n = len(bars)
        base = report.tornado.base if report is not None else 0.0
        y = np.arange(n - 1, -1, -1, dtype=float)
        low = np.array([b.value_at_low for b in bars])
        high = np.array([b.value_at_high for b in bars])
        self.low_bars.setOpts(
            x0=np.minimum(low, base), x1=np.maximum(low, base), y=y + 0.2, height=0.38
        )
        self.high_bars.setOpts(
            x0=np.minimum(high, base), x1=np.maximum(high, base), y=y - 0.2, height=0.38
        )
        self.input_axis.set_labels([b.label for b in bars])
        self.base_line.setValue(base)
        for item in self.value_texts:
            self.plot_item.removeItem(item)
        self.value_texts = []
        for row, (lo, hi) in zip(y, zip(low, high, strict=True), strict=True):
            for value, dy in ((lo, 0.2), (hi, -0.2)):
                right = value >= base
                text = pg.TextItem(
                    ("+" if value > 0 else "") + money(value, currency),
                    color=TEXT_COLOR,
                    anchor=(0.0 if right else 1.0, 0.5),
                )
                text.setPos(value, row + dy)
                self.plot_item.addItem(text)
                self.value_texts.append(text)
        ends = np.concatenate([low, high, [0.0, base]]) if n else np.array([0.0, 1.0])
        lo_x, hi_x = float(ends.min()), float(ends.max())
        pad = (hi_x - lo_x or 1.0) * 0.25  # room for the value labels
        x_range = (lo_x - pad, hi_x + pad)
        # a row's height above the bars for the two lines' labels
        self.plot_item.setRange(xRange=x_range, yRange=(-0.7, max(n, 1) + 0.2), padding=0.0)
        _inward(self.zero_line, x_range, before=True)
        _inward(self.base_line, x_range, before=False)
        title = (
            f'Tornado: <span style="color:{LOW_COLOR}">■ input at its low end</span> '
            f'<span style="color:{HIGH_COLOR}">■ at its high end</span>'
        )
        self.plot_item.setTitle(title, color=TEXT_COLOR, size="10pt")


class QtPSAHistogram(pg.PlotWidget):
    """Value added over the PSA's draws: a histogram, its 90% interval shaded, its mean,
    zero (the feature off), and the chance the design adds value in the title."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.money_axis = MoneyAxis("bottom")
        super().__init__(parent, axisItems={"bottom": self.money_axis})
        self.plot_item = _style(
            self, "Value added over the draws", "draws", "value added per day vs. feature off"
        )
        self.interval = pg.LinearRegionItem(movable=False, brush=qcolor(PSA_COLOR, 40))
        for line in self.interval.lines:
            line.setPen(pg.mkPen(None))
        self.interval.setZValue(-10)
        self.plot_item.addItem(self.interval, ignoreBounds=True)
        self.curve = pg.PlotDataItem(
            stepMode="center", fillLevel=0, brush=qcolor(PSA_COLOR, 150), pen=pg.mkPen(PSA_COLOR)
        )
        self.plot_item.addItem(self.curve)
        self.zero_line = _marker(self.plot_item, "feature off", 0.95)
        self.mean_line = _marker(self.plot_item, "mean", 0.87, design=True)
        self.summary = ""

    def show_report(self, report: SensitivityReport | None) -> None:
        if report is None or not report.psa.designs:
            self.curve.setData([], [])
            self.summary = ""
            return
        design = report.psa.designs[0]
        cur = report.currency
        self.money_axis.currency = cur
        values = design.values
        counts, edges = np.histogram(values, bins=HISTOGRAM_BINS)
        self.curve.setData(edges, counts)
        self.interval.setRegion((design.low, design.high))
        self.mean_line.setValue(design.mean)
        lo, hi = float(min(edges[0], 0.0)), float(max(edges[-1], 0.0))
        pad = (hi - lo or 1.0) * 0.05
        x_range = (lo - pad, hi + pad)
        self.plot_item.setRange(xRange=x_range, yRange=(0, counts.max() * 1.3), padding=0.0)
        _inward(self.zero_line, x_range, before=True)
        _inward(self.mean_line, x_range, before=False)

        def signed(x: float) -> str:
            return ("+" if x > 0 else "") + money(x, cur)

        self.summary = (
            f"P(design adds value) {percent(design.p_adds_value)}; mean {signed(design.mean)}, "
            f"90% interval {signed(design.low)} to {signed(design.high)} "
            f"({report.psa.draws:,} draws, seed {report.psa.seed})"
        )
        self.plot_item.setTitle(
            f"Value added over the draws: P(adds value) {percent(design.p_adds_value)}",
            color=TEXT_COLOR,
            size="10pt",
        )


def _inward(line: pg.InfiniteLine, x_range: tuple[float, float], before: bool) -> None:
    """A vertical line's label on its ``before`` side (left) or after it, unless that side
    has too little room in ``x_range``: then on the other, so it is never cut off."""
    lo, hi = x_range
    where = (line.value() - lo) / (hi - lo) if hi > lo else 0.5
    left = before if 0.2 < where < 0.8 else where >= 0.8
    anchor = (1.0, 0.0) if left else (0.0, 0.0)
    if line.label.anchors[0] != anchor:
        line.label.anchors = [anchor, anchor]
        line.label.updatePosition()


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    # Wrapped text needs its rows as tall as the column it got: again after every resize.
    header.sectionResized.connect(lambda *_: table.resizeRowsToContents())
    for i in range(len(headers) - 1):
        header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], right: tuple[int, ...] = ()) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if c in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeRowsToContents()


# --- the view ---------------------------------------------------------------------------------


class QtSensitivityView(QWidget):
    """The Sensitivity tab: Analyse and Cancel with progress, the tornado, the PSA, the
    break-even of each input and the EVPPI table."""

    def __init__(self, controller: SensitivityController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.analyse_button = QPushButton("Analyse")
        self.analyse_button.setToolTip(
            "Which assumptions matter: the tornado, where value added crosses zero, "
            "a probabilistic sensitivity analysis and EVPPI (as `prototyper sensitivity`)"
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        self.draws_box = QSpinBox()
        self.draws_box.setRange(100, MAX_DRAWS)
        self.draws_box.setSingleStep(1000)
        self.draws_box.setValue(controller.draws)
        self.draws_box.setToolTip("PSA draws (the command line's --draws)")
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 2_000_000_000)
        self.seed_box.setValue(controller.seed)
        self.seed_box.setToolTip("Random seed of the draws (the command line's --seed)")
        self.status = QLabel("Press Analyse to see which assumptions matter.")
        self.status.setWordWrap(True)

        bar = QHBoxLayout()
        bar.addWidget(self.analyse_button)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.progress)
        bar.addWidget(self.status, stretch=1)
        bar.addWidget(QLabel("draws"))
        bar.addWidget(self.draws_box)
        bar.addWidget(QLabel("seed"))
        bar.addWidget(self.seed_box)

        self.tornado = QtTornado()
        self.histogram = QtPSAHistogram()
        self.psa_label = QLabel()
        self.psa_label.setWordWrap(True)
        self.break_even_table = _table(["input", "now", "value added crosses 0 at", "meaning"])
        self.break_even_table.horizontalHeaderItem(2).setToolTip(
            "The input's value where the design stops (or starts) adding value, the others "
            "as in the design, looked for over the field's whole range"
        )
        self.evppi_label = QLabel("Which assumption to study first")
        self.evppi_label.setWordWrap(True)
        self.evppi_table = _table(["input", "EVPPI per day"])

        psa = QVBoxLayout()
        psa.addWidget(self.histogram, stretch=1)
        psa.addWidget(self.psa_label)
        evppi = QVBoxLayout()
        evppi.addWidget(self.evppi_label)
        evppi.addWidget(self.evppi_table, stretch=1)
        grid = QGridLayout()
        grid.addWidget(self.tornado, 0, 0)
        grid.addLayout(psa, 0, 1)
        grid.addWidget(self.break_even_table, 1, 0)
        grid.addLayout(evppi, 1, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(0, 5)
        grid.setRowStretch(1, 4)
        column = QVBoxLayout(self)
        column.addLayout(bar)
        column.addLayout(grid, stretch=1)

        self.analyse_button.clicked.connect(self.analyse)
        self.cancel_button.clicked.connect(controller.cancel)
        self.draws_box.valueChanged.connect(self._on_settings)
        self.seed_box.valueChanged.connect(self._on_settings)
        controller.runningChanged.connect(self._on_running)
        controller.progressed.connect(self._on_progressed)
        controller.resultChanged.connect(self.show_report)
        controller.failed.connect(self._on_failed)
        self.show_report(controller.result, controller.stale)

    def analyse(self) -> None:
        self.controller.start()

    def _on_settings(self) -> None:
        self.controller.draws = self.draws_box.value()
        self.controller.seed = self.seed_box.value()
        if self.controller.result is not None:
            self.show_report(self.controller.result, self.controller.stale)

    def _on_running(self, running: bool) -> None:
        self.analyse_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        if running:
            self.status.setText("Analysing…")
        elif self.controller.result is None:
            self.status.setText("Cancelled: press Analyse to start again.")
        else:
            self.show_report(self.controller.result, self.controller.stale)

    def _on_progressed(self, fraction: float) -> None:
        self.progress.setValue(round(1000 * max(0.0, min(fraction, 1.0))))

    def _on_failed(self, text: str) -> None:
        self.status.setText(f"The analysis failed: {text}")

    def show_report(self, report: SensitivityReport | None, stale: bool = False) -> None:
        self.tornado.show_report(report)
        self.histogram.show_report(report)
        self.psa_label.setText(self.histogram.summary)
        if report is None:
            _fill(self.break_even_table, [])
            _fill(self.evppi_table, [])
            return
        cur = report.currency
        rows = []
        for bar, even, unit in zip(
            report.tornado.bars, report.break_evens, report.units, strict=True
        ):
            at = (
                _shown(even.value, unit, cur)
                if even.value is not None
                else NO_CROSSING.get(even.status, even.status)
            )
            rows.append([bar.label, _shown(bar.input.point, unit, cur), at, even.message])
        _fill(self.break_even_table, rows, right=(1, 2))
        e = report.evppi
        text = (
            "Which assumption to study first: what knowing it exactly is worth a day "
            f"(all of them: {money(e.evpi, cur)}/day; the best choice now: {e.best_now})"
        )
        if e.evpi == 0:
            text += (
                f". {e.best_now} is the best choice in every draw: no assumption, however "
                "precisely known, would change it."
            )
        self.evppi_label.setText(text)
        _fill(
            self.evppi_table,
            [[row.label, money(row.value, cur)] for row in e.rows],
            right=(1,),
        )
        if stale:
            self.status.setText("The design or the settings changed since: press Analyse again.")
        else:
            self.status.setText(
                f"{len(report.tornado.bars)} uncertain inputs; {report.psa.draws:,} draws, seed "
                f"{report.psa.seed} (as `prototyper sensitivity` with --draws and --seed)"
            )


def _shown(x: float, unit: str, currency: str) -> str:
    if unit == "money":
        return money(x, currency)
    if unit == "minutes":
        return f"{x:.4g} min"
    return f"{x:.4g}" if math.isfinite(x) else "n/a"


__all__ = [
    "QtPSAHistogram",
    "QtSensitivityView",
    "QtTornado",
    "SensitivityController",
    "SensitivityRequest",
    "request_for",
]
