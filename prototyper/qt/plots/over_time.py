"""The "Over time" tab and the run's progress in the status bar.

The views watch a :class:`~prototyper.qt.simulation.SimulationController`. Plot items are
made once and moved with ``setData`` when a run completes; a stale result (the design
changed since) stays visible, faded, under a banner. The only intents they send are the
settings (seed, replications, users), "simulate" and "cancel"."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.simulation.limits import MAX_REPLICATIONS
from ...core.simulation.results import Simulation
from ...core.simulation.summary import population_note
from ..simulation import SimulationController, SimulationSettings
from .time_panels import (
    FEEDBACK,
    MAX_USERS,
    ORDER,
    ORDER_WITH_FEEDBACK,
    PANELS,
    STALE_STYLE,
    FeedbackPanel,
    TimePanel,
)


class QtTimePlots(QWidget):
    """The "Over time" tab: the settings and what was simulated, a stale banner, and the
    small multiples of the last complete run (or a hint before the first one)."""

    simulateRequested = Signal()

    def __init__(self, controller: SimulationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._shown: Simulation | None = None

        self.seed_box = QSpinBox(minimum=0, maximum=2**31 - 1, keyboardTracking=False)
        self.replications_box = QSpinBox(
            minimum=1, maximum=MAX_REPLICATIONS, keyboardTracking=False
        )
        self.users_box = QSpinBox(minimum=0, maximum=MAX_USERS, keyboardTracking=False)
        self.users_box.setSpecialValueText("auto")
        self.users_box.setSingleStep(100)
        self.users_box.setGroupSeparatorShown(True)
        self.users_box.setToolTip(
            "Users to simulate; auto: the scenario's users, at most 10,000 (as the CLI). "
            "Population totals are scaled to the scenario's users."
        )
        self.seed_box.setToolTip("The same seed gives the same numbers, here and in the CLI")
        self.info_label = QLabel()
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info_label.setWordWrap(True)
        self.stale_label = QLabel()
        self.stale_label.setStyleSheet(STALE_STYLE)
        self.stale_label.setWordWrap(True)
        self.stale_label.hide()

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        for text, box in (
            ("Seed", self.seed_box),
            ("Replications", self.replications_box),
            ("Users", self.users_box),
        ):
            label = QLabel(text)
            label.setBuddy(box)
            header.addWidget(label)
            header.addWidget(box)
            header.addSpacing(8)
        header.addWidget(self.info_label, stretch=1)

        # Page 0: nothing simulated yet.
        self.empty_label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.empty_button = QPushButton("Simulate over time")
        empty = QWidget()
        column = QVBoxLayout(empty)
        column.addStretch(1)
        column.addWidget(self.empty_label)
        column.addWidget(self.empty_button, alignment=Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(2)

        # Page 1: the small multiples, made with the first result (nine plots cost ~0.2 s,
        # too much for every start-up).
        self.panels: dict[str, TimePanel] = {}
        grid_page = QWidget()
        self.grid = QGridLayout(grid_page)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self._order: tuple[str, ...] = ()

        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.stack.addWidget(grid_page)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.stale_label)
        layout.addWidget(self.stack, stretch=1)

        controller.resultChanged.connect(self.set_result)
        controller.settingsChanged.connect(self.set_settings)
        controller.runningChanged.connect(self._on_running)
        for box in (self.seed_box, self.replications_box, self.users_box):
            box.valueChanged.connect(self._on_q_settings)
        self.empty_button.clicked.connect(self.simulateRequested)
        self.set_settings(controller.settings)
        self.set_result(controller.result, controller.stale)

    # --- model -> view ---------------------------------------------------------------------

    def set_settings(self, settings: SimulationSettings) -> None:
        for box, value in (
            (self.seed_box, settings.seed),
            (self.replications_box, settings.replications),
            (self.users_box, settings.users or 0),
        ):
            with QSignalBlocker(box):
                box.setValue(value)

    def set_result(self, sim: Simulation | None, stale: bool) -> None:
        if sim is None:
            self.stack.setCurrentIndex(0)
            self.stale_label.hide()
            self._update_empty()
            self.info_label.setText("")
            return
        if sim is not self._shown:  # a new run: move the items
            self._shown = sim
            self._arrange(ORDER_WITH_FEEDBACK if sim.feedback is not None else ORDER)
            for key in self._order:
                self.panels[key].show_simulation(sim)
            self.info_label.setText(self._info(sim))
        for key in self._order:
            self.panels[key].set_stale(stale)
        self.stack.setCurrentIndex(1)
        if stale:
            self.stale_label.setText(self._stale_text(sim))
        self.stale_label.setVisible(stale)

    def _on_running(self, running: bool) -> None:
        self._update_empty()

    def _update_empty(self) -> None:
        if self._controller.running:
            self.empty_label.setText("Simulating…")
        else:
            self.empty_label.setText(
                "Nothing simulated yet.\nSimulate over time (Ctrl+R) follows the users day by "
                "day over the scenario's horizon, in several replications: habituation, trust "
                "learned from experience, abandonment, caps and guardrails, retraining and "
                "feedback loops, as the preset's over-time sections set them."
            )
        self.empty_button.setEnabled(not self._controller.running)

    def _info(self, sim: Simulation) -> str:
        days = len(sim.days)
        return (
            f"<b>{sim.preset.scenario.name}</b>: {days} days, seed {sim.seed}, "
            f"{sim.replications} replications, {population_note(sim)}. "
            f"Lines: mean of the replications; bands: 90% of them (5% to 95%). "
            f"Ran in {self._controller.seconds:.1f} s."
        )

    def _stale_text(self, sim: Simulation) -> str:
        current = self._controller.document.preset.scenario.name
        what = (
            f"of {sim.preset.scenario.name}, not the open design"
            if sim.preset.scenario.name != current
            else "of an earlier design or settings"
        )
        return f"Stale — press Simulate (Ctrl+R). These plots show a simulation {what}."

    # --- view -> model ---------------------------------------------------------------------

    def _on_q_settings(self, _: int) -> None:
        users = self.users_box.value()
        self._controller.set_settings(
            SimulationSettings(
                seed=self.seed_box.value(),
                replications=self.replications_box.value(),
                users=users or None,
            )
        )

    # --- layout ----------------------------------------------------------------------------

    def _arrange(self, order: tuple[str, ...]) -> None:
        """Place the panels: four columns, three with a feedback loop's extra panel."""
        if order == self._order:
            return
        if not self.panels:
            self.panels = {p.key: TimePanel(p, p.unit) for p in PANELS}
            self.panels[FEEDBACK] = FeedbackPanel()
        for panel in self.panels.values():
            self.grid.removeWidget(panel)
            panel.hide()
        columns = 3 if len(order) > 8 else 4
        for i, key in enumerate(order):
            self.grid.addWidget(self.panels[key], i // columns, i % columns)
            self.panels[key].show()
        for c in range(4):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        self._order = order

    def panel_titles(self) -> list[str]:
        """The visible panels' titles, in order (for tests)."""
        return [self.panels[k].title_html for k in self._order]


class QtSimulationStatus(QWidget):
    """For the status bar: the run's progress and a Cancel button while it runs, then how
    long the last run took or that it was cancelled."""

    def __init__(self, controller: SimulationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.progress_bar = QProgressBar(minimum=0, maximum=1000, textVisible=True)
        self.progress_bar.setFormat("simulating %p%")
        self.progress_bar.setFixedWidth(170)
        self.cancel_button = QToolButton(text="Cancel")
        self.cancel_button.setToolTip("Stop the simulation; the last complete result stays")
        self.outcome_label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.outcome_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.cancel_button)

        controller.runningChanged.connect(self._on_running)
        controller.progressed.connect(self._on_progress)
        controller.finished.connect(self._on_finished)
        controller.cancelled.connect(self._on_cancelled)
        controller.failed.connect(self._on_failed)
        self.cancel_button.clicked.connect(controller.cancel)
        self._on_running(controller.running)

    def _on_running(self, running: bool) -> None:
        if running:
            self.progress_bar.setValue(0)
            self.outcome_label.setText("")
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)

    def _on_progress(self, fraction: float) -> None:
        self.progress_bar.setValue(round(fraction * 1000))

    def _on_finished(self, sim: Simulation) -> None:
        self.outcome_label.setText(f"Simulated in {self._controller.seconds:.1f} s")

    def _on_cancelled(self) -> None:
        self.outcome_label.setText("Simulation cancelled")

    def _on_failed(self, message: str) -> None:
        self.outcome_label.setText("Simulation failed")
        self.outcome_label.setToolTip(message)
