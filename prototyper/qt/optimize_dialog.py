"""Optimize…: the core's optimizer on the document's design, run in a worker with progress
and Cancel; the best design against the current one, the Pareto fronts, and Apply.

The options are the command line's (``prototyper optimize``): an objective, constraints one
per line (``interruptions_per_user_year<=4``), and what may vary. The numbers are the core's
:func:`~prototyper.core.evaluation.optimize.optimize` on the document's own score model, so
the dialog's best is the CLI's. Apply sets the best (or the point chosen on the front) as
one undoable step. A result whose design the document no longer has is marked stale and
cannot be applied: it would undo the edits made since.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.evaluation.analysis import Analysis
from ..core.evaluation.figures import FIGURES, label, parse_constraint
from ..core.evaluation.optimize import FRONTS, VARY, Candidate, Optimum, optimize
from ..core.format import money
from ..core.preset.preset_io import PresetError
from .dialogs import Dialogs
from .document import Document
from .plots.pareto import QtParetoPlot
from .workers import Run, Worker

STALE_TEXT = "The design has changed since this result: optimize again to apply one."


def figure_ids() -> list[str]:
    """Every figure the optimizer can maximise, as the CLI names it."""
    out = []
    for f in FIGURES.values():
        if not f.keyed_only:
            out.append(f.name)
        out += [f"{f.name}[{k}]" for k in f.keys]
    return out


class QtOptimizeDialog(QDialog):
    """The optimizer's options, its run and its result; follows the document while open."""

    def __init__(
        self, document: Document, dialogs: Dialogs | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setWindowTitle("Optimize the design")
        self._document, self._dialogs = document, dialogs
        self.result: Optimum | None = None
        self.worker = Worker(self)
        self.worker.progressed.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)

        self.objective = QComboBox()
        for figure in figure_ids():
            self.objective.addItem(f"{label(figure)} — {figure}", figure)
        self.constraints = QPlainTextEdit()
        self.constraints.setPlaceholderText(
            "one per line, e.g.\ninterruptions_per_user_year<=4\nprecision[automate]>=0.95"
        )
        self.constraints.setFixedHeight(72)
        self.vary = {name: QCheckBox(name) for name in VARY}
        for name in ("thresholds", "modes"):
            self.vary[name].setChecked(True)
        vary_row = QHBoxLayout()
        for box in self.vary.values():
            vary_row.addWidget(box)
        vary_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Maximise", self.objective)
        form.addRow("Constraints", self.constraints)
        form.addRow("Vary", vary_row)

        self.run_button = QPushButton("Optimize")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.progress, stretch=1)

        self.summary = QLabel("Choose what to maximise and press Optimize.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["", "current", "best"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setMinimumWidth(430)
        self.front_axis = QComboBox()
        for axis in FRONTS:
            self.front_axis.addItem(f"against {label(axis)}", axis)
        self.front_axis.currentIndexChanged.connect(self._show_front)
        self.plot = QtParetoPlot()
        self.plot.setMinimumSize(520, 340)
        self.plot.selected.connect(self._on_selected)
        self.legend = QLabel(
            "● a design on the front (click to choose it)   ○ green: the best   "
            "□ black: the current design"
        )
        self.chosen = QLabel("Click a point to choose its design.")
        self.chosen.setWordWrap(True)
        self.stale = QLabel(STALE_TEXT)
        self.stale.setStyleSheet("color: #d1382f")
        self.stale.setVisible(False)
        self.apply_best = QPushButton("Apply best")
        self.apply_best.clicked.connect(lambda: self.apply())
        self.apply_chosen = QPushButton("Apply chosen point")
        self.apply_chosen.clicked.connect(lambda: self.apply(self.plot.chosen))
        close = QPushButton("Close")
        close.clicked.connect(self.close)

        left = QVBoxLayout()
        left.addWidget(self.summary)
        left.addWidget(self.table, stretch=1)
        right = QVBoxLayout()
        right.addWidget(self.front_axis)
        right.addWidget(self.plot, stretch=1)
        right.addWidget(self.legend)
        right.addWidget(self.chosen)
        body = QHBoxLayout()
        body.addLayout(left, stretch=2)
        body.addLayout(right, stretch=3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.stale, stretch=1)
        buttons.addWidget(self.apply_best)
        buttons.addWidget(self.apply_chosen)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(run_row)
        layout.addLayout(body, stretch=1)
        layout.addLayout(buttons)
        document.changed.connect(self._on_document_changed)
        self._update_buttons()

    # --- options and the run ------------------------------------------------------------------

    def options(self) -> tuple[str, list, list[str]]:
        """(objective, constraints, vary) from the widgets; PresetError for a bad line."""
        lines = [t for t in self.constraints.toPlainText().splitlines() if t.strip()]
        constraints = [parse_constraint(t, origin="Constraints") for t in lines]
        vary = [name for name, box in self.vary.items() if box.isChecked()]
        return self.objective.currentData(), constraints, vary

    def run(self) -> bool:
        """Start the optimizer on the document's design (False if an option is bad: said in
        a dialog, one line a problem)."""
        try:
            objective, constraints, vary = self.options()
            if not vary:
                raise PresetError([])
        except PresetError as exc:
            text = "\n".join(map(str, exc.problems)) or "Vary: tick at least one of " + ", ".join(
                VARY
            )
            if self._dialogs is not None:
                self._dialogs.tell("Cannot optimize", text)
            self.summary.setText(text)
            return False
        analysis = self._document.analysis
        preset, scores = analysis.preset, analysis.scores

        def job(run: Run) -> Optimum:
            return optimize(
                preset,
                scores,
                objective=objective,
                constraints=constraints,
                vary=vary,
                progress=run.progress,
                cancelled=run.cancelled,
            )

        self.progress.setValue(0)
        self.summary.setText("Optimizing…")
        self.worker.start(job)
        self._update_buttons()
        return True

    def cancel(self) -> None:
        if self.worker.cancel():
            self.summary.setText("Cancelled." if self.result is None else self._summary_text())
        self.progress.setValue(0)
        self._update_buttons()

    @property
    def running(self) -> bool:
        return self.worker.running

    def _on_progress(self, fraction: float) -> None:
        self.progress.setValue(round(1000 * fraction))

    def _on_failed(self, exc: object) -> None:
        self.summary.setText(f"The optimizer failed: {exc}")
        self._update_buttons()

    def _on_finished(self, result: Optimum) -> None:
        self.result = result
        self.progress.setValue(1000)
        self.summary.setText(self._summary_text())
        self._fill_table()
        self._show_front()
        self._on_document_changed(self._document.analysis)

    # --- the result ---------------------------------------------------------------------------

    def _summary_text(self) -> str:
        opt = self.result
        assert opt is not None
        lines = [
            f"{opt.evaluated:,} designs evaluated" + (" (exhaustive)" if opt.exhaustive else "")
        ]
        if opt.best is None:
            lines.append("No design found meets the constraints; the closest is shown.")
        else:
            lines.append(f"Best: {opt.best.design.label(opt.preset)}")
        binding = set(opt.binding)
        for c in opt.constraints:
            lines.append(f"{c.text}: {'binds' if c in binding else 'does not bind'}")
        return "\n".join(lines)

    def _fill_table(self) -> None:
        opt = self.result
        assert opt is not None
        cur = opt.preset.payoffs.currency
        shown = opt.best or opt.closest
        self.table.setHorizontalHeaderLabels(["", "current", "best" if opt.best else "closest"])
        rows = list(shown.figures)
        self.table.setRowCount(len(rows))
        for r, figure in enumerate(rows):
            cells = [label(figure)]
            for c in (opt.current, shown):
                x = c.figures[figure]
                cells.append(money(x, cur) if FIGURES[figure.split("[")[0]].money else f"{x:.4g}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, col, item)
        self.table.resizeColumnsToContents()

    def _show_front(self, *_args) -> None:
        opt = self.result
        if opt is None:
            return
        axis = self.front_axis.currentData()
        self.plot.show_front(opt.fronts[axis], axis, opt.preset, opt.best, opt.current)
        self.chosen.setText("Click a point to choose its design.")
        self._update_buttons()

    def _on_selected(self, index: int) -> None:
        c = self.plot.chosen
        opt = self.result
        if c is None or opt is None:
            return
        cur = opt.preset.payoffs.currency
        axis = self.front_axis.currentData()
        self.chosen.setText(
            f"Chosen: {c.design.label(opt.preset)} — value added "
            f"{money(c.figures['value_added'], cur)} a day, {label(axis)} {c.figures[axis]:.3g}"
        )
        self._update_buttons()

    def apply(self, candidate: Candidate | None = None) -> bool:
        """Set the best design (or ``candidate``) as one undoable step."""
        opt = self.result
        if opt is None or self.stale.isVisible():
            return False
        if candidate is None and opt.best is None:
            return False
        chosen = candidate or opt.best
        text = "Apply optimized design" if candidate is None else "Apply design from Pareto front"
        return self._document.set_preset(opt.applied(chosen), text)

    def _on_document_changed(self, analysis: Analysis) -> None:
        stale = self.result is not None and analysis.preset != self.result.preset
        self.stale.setVisible(stale)
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.worker.running
        fresh = self.result is not None and not self.stale.isVisible()
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.apply_best.setEnabled(fresh and not running and self.result.best is not None)
        self.apply_chosen.setEnabled(fresh and not running and self.plot.chosen is not None)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.worker.cancel()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop a run and wait for its thread (before the window goes)."""
        self.worker.shutdown()
