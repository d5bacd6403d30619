"""The Compare view: designs pinned under a name, side by side.

A pin is a snapshot: the design as it was when pinned (or as its file read then), analysed
once. It never follows later edits, so "before" and "after" can sit next to each other. The
table is the core's comparison (``prototyper compare`` prints the same rows); the plot
overlays each pin's value added against its thresholds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.bundle import is_bundle, load_bundle
from ..core.evaluation.analysis import Analysis
from ..core.evaluation.compare import (
    LAYER_TITLES,
    MAX_VARIANTS,
    Comparison,
    Variant,
    compare,
    unique_names,
)
from ..core.format import money
from ..core.model.scores import ScoreModel
from ..core.model.trust_check import ConsentNeeded
from ..core.preset.preset_io import PresetError
from ..core.preset.schema import SyntheticModel
from .dialogs import Dialogs
from .document import Document, analyse, read_preset
from .plots.axes import MoneyAxis, ProbabilityAxis
from .plots.common import AXIS_COLOR, LEFT_AXIS_WIDTH, _set_range, _style, logit, score_range
from .plots.value_curve import thin
from .theme import COST_COLOR, VALUE_COLOR
from .workers import Run, Worker

# One colour per pin, apart from the modes' colours (which the Today plots use).
PIN_COLORS = ("#0b5394", "#c2185b", "#7f6000", "#00838f")
PLOT_MIN_WIDTH = 380
SNAPSHOT_NOTE = (
    "A snapshot of the design as it was when pinned: later edits and changes to the shared "
    "scenario do not change it. Double-click to rename."
)


@dataclass(frozen=True)
class Pin:
    """A pinned design: its name, its analysis (preset and scores) and where it came from."""

    name: str
    analysis: Analysis
    source: str  # 'the window's design' or the file it was read from
    pinned_at: str  # local time, for the tooltip
    base_dir: Path | None = None

    def variant(self) -> Variant:
        a = self.analysis
        return Variant(self.name, a.preset, _real_scores(a), self.base_dir)

    def tooltip(self) -> str:
        return f"{self.name}: {self.source}, pinned at {self.pinned_at}.\n{SNAPSHOT_NOTE}"


def _real_scores(a: Analysis) -> ScoreModel | None:
    """The scores ``evaluate`` is given for this preset: a real model's, None for a model
    described by a base rate and an ROC AUC (as the command line does)."""
    return None if isinstance(a.preset.model, SyntheticModel) else a.scores


class QtCompareCurves(pg.PlotWidget):
    """Value added per day against each threshold, one colour per pin: the top band's
    threshold solid, the others dashed, a dot at each pin's own design."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._money_axis = MoneyAxis("left")
        axes = {"left": self._money_axis, "bottom": ProbabilityAxis("bottom")}
        super().__init__(parent, axisItems=axes)
        self.plot_item = _style(
            self,
            "Value added as a threshold moves, per pinned design",
            "value added per day",
            "threshold",
        )
        self._money_axis.setWidth(LEFT_AXIS_WIDTH)
        self.legend = self.plot_item.addLegend(offset=(8, 8), labelTextColor="#303030")
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        self.off_line = pg.InfiniteLine(
            pos=0.0,
            angle=0,
            pen=pg.mkPen(AXIS_COLOR, width=1),
            label="feature off",
            labelOpts={"position": 0.98, "color": "#757575", "anchors": [(1, 1), (1, 1)]},
        )
        self.plot_item.addItem(self.off_line, ignoreBounds=True)
        self.curves: list[pg.PlotDataItem] = []  # the top band's, one per pin

    def show_pins(self, pins: list[Pin]) -> None:
        plot = self.plot_item
        for item in list(plot.listDataItems()):
            plot.removeItem(item)
        self.legend.clear()
        self.curves = []
        if not pins:
            return
        currency = pins[0].analysis.preset.payoffs.currency
        self._money_axis.currency = currency
        self.getAxis("left").setLabel(
            f"value added per day vs. feature off ({currency})", color="#303030"
        )
        ranges = [score_range(p.analysis) for p in pins]
        lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
        ys, nows = [np.array([0.0])], [0.0]
        for k, pin in enumerate(pins):
            color = PIN_COLORS[k % len(PIN_COLORS)]
            a = pin.analysis
            for i, s in enumerate(a.threshold_sweeps):
                x, y = thin(logit(s.values), s.added_per_population_day, lo, hi)
                style = Qt.PenStyle.SolidLine if i == 0 else Qt.PenStyle.DashLine
                curve = pg.PlotDataItem(
                    x,
                    y,
                    pen=pg.mkPen(color, width=2.5 if i == 0 else 1.5, style=style),
                    connect="finite",
                    name=pin.name if i == 0 else None,
                )
                plot.addItem(curve)
                if i == 0:
                    self.curves.append(curve)
                ys.append(y[np.isfinite(y)])
            now = a.evaluation.added_per_population_day
            xs = [float(logit(t)) for t in a.evaluation.thresholds if 0 < t < 1]
            dots = pg.ScatterPlotItem(
                xs, [now] * len(xs), size=9, brush=pg.mkBrush(color), pen=pg.mkPen("w")
            )
            dots.setToolTip(f"{pin.name}: adds {money(now, currency)}/day")
            plot.addItem(dots)
            nows.append(now)
        # As on the Today plot: room for every peak, each design and zero; curves may run
        # off the bottom (value falls fast when a mode floods everyone).
        finite = np.concatenate(ys + [np.array(nows)])
        top, core = max(float(finite.max()), *nows), min(nows)
        span = top - core or max(abs(top), 1.0)
        bottom = max(float(finite.min()), core - 0.25 * span) - 0.06 * span
        _set_range(plot, (lo, hi), (bottom, top + 0.3 * span))


class QtCompareView(QWidget):
    """Pinned designs (up to four), the comparison table against a chosen reference, and
    their value curves overlaid."""

    pinsChanged = Signal()

    def __init__(self, document: Document, dialogs: Dialogs, parent: QWidget | None = None):
        super().__init__(parent)
        self._document, self._dialogs = document, dialogs
        self.pins: list[Pin] = []
        self.comparison: Comparison | None = None
        self._worker = Worker(self, threads=1)
        self._worker.finished.connect(self._on_loaded)
        self._worker.failed.connect(self._on_failed)
        self._loading = ""  # the file being read, for messages

        self.pin_list = QListWidget()
        self.pin_list.setFlow(QListWidget.Flow.LeftToRight)
        self.pin_list.setMaximumHeight(34)
        self.pin_list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked)
        self.pin_list.itemChanged.connect(self._on_renamed)
        self.pin_button = QPushButton("Pin Design")
        self.pin_button.setToolTip("Pin the design as it is now, to compare it with others")
        self.pin_button.clicked.connect(lambda: self.pin_design())
        self.remove_button = QPushButton("Remove Pin")
        self.remove_button.clicked.connect(self.remove_selected)
        self.reference = QComboBox()
        self.reference.setToolTip("The design the others' differences are measured from")
        self.reference.currentIndexChanged.connect(lambda _i: self.refresh())
        self.status = QLabel()  # the comparison's notes, or how to start
        self.status.setWordWrap(True)
        self.loading = QLabel()  # the file being read
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop reading the file; nothing is pinned")
        self.cancel_button.clicked.connect(self.cancel)
        self._show_loading("")
        top = QHBoxLayout()
        top.addWidget(self.pin_button)
        top.addWidget(self.pin_list, stretch=1)
        top.addWidget(self.loading)
        top.addWidget(self.cancel_button)
        top.addWidget(self.remove_button)
        top.addWidget(QLabel("Reference:"))
        top.addWidget(self.reference)

        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(False)
        self.table.setWordWrap(False)
        self.curves = QtCompareCurves()
        split = self.split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.curves)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.addLayout(top)
        column.addWidget(self.status)
        column.addWidget(split, stretch=1)
        self.refresh()

    # --- pinning -----------------------------------------------------------------------

    def _room(self) -> bool:
        if len(self.pins) < MAX_VARIANTS:
            return True
        self._dialogs.tell(
            "Cannot pin", f"At most {MAX_VARIANTS} designs are compared: remove a pin first."
        )
        return False

    def pin_design(self, name: str | None = None) -> Pin | None:
        """Pin the window's design as it is now, under ``name`` (by default its file's name
        or its scenario's)."""
        if not self._room():
            return None
        doc = self._document
        doc.settle()  # pinned in the middle of a drag: every figure, not a draft's
        default = doc.path.name if doc.path else doc.preset.scenario.name
        return self._add(
            Pin(name or default, doc.analysis, "the window's design", _now(), doc.base_dir)
        )

    def pin_file(self, path: Path | None = None) -> bool:
        """Pin a preset file (or a bundled preset's file), read and analysed in the
        background; a bad file says so in one line and pins nothing. True: started."""
        if not self._room():
            return False
        if path is None:
            start = self._document.path.parent if self._document.path else Path.home()
            path = self._dialogs.choose_open(
                "Pin File", start, "Presets and bundles (*.yaml *.yml *.zip);;All files (*)"
            )
            if path is None:
                return False
        path = Path(path)
        document = self._document
        consent, cache = document.consent, document.model_cache

        def work(run: Run) -> tuple[Path, Analysis]:
            if is_bundle(path):
                # The analysis holds the scores it needs: the unpacked folder can go at once.
                with load_bundle(path) as bundle:
                    return path, analyse(bundle.preset, bundle.directory, consent, cache)
            preset, _ = read_preset(path)
            return path, analyse(preset, path.resolve().parent, consent, cache)

        self._loading = str(path)
        self._show_loading(f"Reading {path.name}…")
        self._worker.start(work)
        return True

    def _on_loaded(self, result: tuple[Path, Analysis]) -> None:
        path, analysis = result
        self._show_loading("")
        if self._room():
            name = path.name
            self._add(Pin(name, analysis, str(path), _now(), path.resolve().parent))

    def _on_failed(self, exc: BaseException) -> None:
        self._show_loading("")
        if isinstance(exc, ConsentNeeded):
            text = (
                f"{self._loading}: its model needs your consent to load. Open it (File > "
                "Open), accept, then pin it with Pin Design."
            )
        elif isinstance(exc, PresetError):
            text = str(exc)
        else:
            text = f"{self._loading}: {type(exc).__name__}: {exc}"
        self._dialogs.tell("Cannot pin", text)

    def _show_loading(self, text: str) -> None:
        self.loading.setText(text)
        self.loading.setVisible(bool(text))
        self.cancel_button.setVisible(bool(text))

    @property
    def busy(self) -> bool:
        """Whether a file is being read to pin."""
        return self._worker.running

    def cancel(self) -> None:
        """Stop reading a file to pin: whatever it would have given is dropped."""
        self._worker.cancel()
        self._show_loading("")

    def wait(self, msecs: int = 30_000) -> bool:
        return self._worker.wait(msecs)

    def shutdown(self) -> bool:
        return self._worker.shutdown()

    def _add(self, pin: Pin) -> Pin:
        name = unique_names([p.name for p in self.pins] + [pin.name])[-1]
        pin = Pin(name, pin.analysis, pin.source, pin.pinned_at, pin.base_dir)
        self.pins.append(pin)
        self._pins_changed()
        return pin

    def remove_pin(self, index: int) -> None:
        del self.pins[index]
        self._pins_changed()

    def remove_selected(self) -> None:
        row = self.pin_list.currentRow()
        if 0 <= row < len(self.pins):
            self.remove_pin(row)

    def rename_pin(self, index: int, name: str) -> None:
        name = name.strip()
        others = [p.name for i, p in enumerate(self.pins) if i != index]
        if not name or name in others:
            self._pins_changed()  # the list shows the old name again
            return
        p = self.pins[index]
        self.pins[index] = Pin(name, p.analysis, p.source, p.pinned_at, p.base_dir)
        self._pins_changed()

    def _on_renamed(self, item: QListWidgetItem) -> None:
        index = self.pin_list.row(item)
        if 0 <= index < len(self.pins) and item.text() != self.pins[index].name:
            self.rename_pin(index, item.text())

    def _pins_changed(self) -> None:
        reference = self.reference.currentIndex()
        self.pin_list.blockSignals(True)
        self.pin_list.clear()
        for k, pin in enumerate(self.pins):
            item = QListWidgetItem(pin.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            item.setForeground(QBrush(QColor(PIN_COLORS[k % len(PIN_COLORS)])))
            item.setToolTip(pin.tooltip())
            self.pin_list.addItem(item)
        self.pin_list.blockSignals(False)
        self.reference.blockSignals(True)
        self.reference.clear()
        self.reference.addItems([p.name for p in self.pins])
        self.reference.setCurrentIndex(min(max(reference, 0), len(self.pins) - 1))
        self.reference.blockSignals(False)
        self.remove_button.setEnabled(bool(self.pins))
        self.refresh()
        self.pinsChanged.emit()

    # --- the table and the plot ----------------------------------------------------------

    def set_reference(self, index: int) -> None:
        self.reference.setCurrentIndex(index)

    def refresh(self) -> None:
        """The comparison of the pins against the chosen reference, in the table and plot."""
        table = self.table
        self.curves.show_pins(self.pins)
        if not self.pins:
            self.comparison = None
            table.clear()
            table.setRowCount(0)
            table.setColumnCount(0)
            self.status.setText(
                "Pin designs to compare them: Pin Design keeps the design as it is now; "
                "Compare > Pin Preset or Pin File adds another. Up to four."
            )
            return
        reference = max(self.reference.currentIndex(), 0)
        c = self.comparison = compare([p.variant() for p in self.pins], reference)
        self.status.setText("; ".join(n[0].upper() + n[1:] for n in c.notes))
        header = ["figure", "unit"]
        for i, name in enumerate(c.names):
            header.append(name + ("\n(reference)" if i == reference else ""))
            if i != reference:
                header.append(f"{name}\nminus {c.names[reference]}")
        table.clear()
        table.clearSpans()  # a layer's title row spans the table; clear() keeps spans
        table.setColumnCount(len(header))
        table.setHorizontalHeaderLabels(header)
        for col in range(2, len(header)):
            cell = table.horizontalHeaderItem(col)
            pin = self._pin_of_column(col, reference)
            cell.setForeground(QBrush(QColor(PIN_COLORS[pin % len(PIN_COLORS)])))
            cell.setToolTip(self.pins[pin].tooltip())
        rows: list[list[QTableWidgetItem]] = []
        layer = ""
        bold = QFont(table.font())
        bold.setBold(True)
        for r in c.rows:
            if r.layer != layer:
                layer = r.layer
                item = QTableWidgetItem(LAYER_TITLES[layer].upper())
                item.setFont(bold)
                rows.append([item])
            cells = [QTableWidgetItem("  " + r.label), QTableWidgetItem(r.unit)]
            cells[1].setForeground(QBrush(QColor("#757575")))
            for i in range(len(c.names)):
                cells.append(_number(c.value_text(r, i)))
                if i != reference:
                    diff = _number(c.difference_text(r, i))
                    d = r.differences[i]
                    if r.better and d:
                        good = (d > 0) == (r.better == "higher")
                        diff.setForeground(QBrush(QColor(VALUE_COLOR if good else COST_COLOR)))
                    cells.append(diff)
            rows.append(cells)
        table.setRowCount(len(rows))
        for n, cells in enumerate(rows):
            for col, item in enumerate(cells):
                table.setItem(n, col, item)
            if len(cells) == 1:
                table.setSpan(n, 0, 1, len(header))
        head = table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.resizeRowsToContents()
        self._share_width()

    def _share_width(self) -> None:
        """The table as wide as its columns; the plot keeps at least PLOT_MIN_WIDTH (the
        table scrolls sideways when four pins do not fit beside the design panel)."""
        table = self.table
        needed = sum(table.columnWidth(c) for c in range(table.columnCount()))
        needed += table.verticalScrollBar().sizeHint().width() + 2 * table.frameWidth() + 4
        total = max(self.split.width(), 2 * PLOT_MIN_WIDTH)
        table_width = min(needed, total - PLOT_MIN_WIDTH)
        self.split.setSizes([table_width, total - table_width])

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.pins:
            self._share_width()

    def _pin_of_column(self, col: int, reference: int) -> int:
        """Which pin a value or difference column belongs to."""
        k = 2
        for i in range(len(self.pins)):
            if k == col:
                return i
            k += 1
            if i != reference:
                if k == col:
                    return i
                k += 1
        return 0

    def cell_texts(self) -> dict[str, list[str]]:
        """Each figure's row as shown, by its label (for tests and accessibility)."""
        out = {}
        for n in range(self.table.rowCount()):
            items = [self.table.item(n, col) for col in range(self.table.columnCount())]
            if items[1] is not None:
                out[items[0].text().strip()] = [i.text() if i else "" for i in items[2:]]
        return out


def _number(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _now() -> str:
    return time.strftime("%H:%M")
