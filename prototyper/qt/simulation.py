"""The simulation over time, run off the GUI thread: its settings, the job that runs it and
the controller the views watch.

The core's :func:`~prototyper.core.simulation.simulate.simulate` is a plain function that reports
progress and honours cancel (docs/MODEL.md, 9.1). Here it runs in a one-thread
:class:`~prototyper.qt.workers.Worker`: the job passes the run's ``cancelled`` and
``progress``, and every result comes back to the GUI thread through queued signals. The
controller keeps the last complete result and says whether it is stale, i.e. whether the
design or the settings have changed since; it never shows a partial run.

- Starting a run while one runs cancels the old one (its results are ignored from that
  moment) and queues the new one behind it on the pool, so two runs never compete for the
  CPU; the old one stops at its next daily check, within milliseconds.
- Cancelling keeps the last complete result in place, even if the run was about to finish.
- The same preset, seed, replications and users give the CLI's numbers: the defaults are the
  CLI's (``prototyper simulate FILE --seed 0 --replications 20``; users: the scenario's, at
  most 10,000), and a real model runs on the scores the document loaded.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication

from ..core.model.scores import ScoreModel
from ..core.preset.preset_io import PresetError
from ..core.preset.schema import Preset
from ..core.simulation.limits import (
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    default_users,
    size_problems,
    slots_problem,
)
from ..core.simulation.results import Cancelled, Simulation
from ..core.simulation.simulate import simulate, simulation_problems
from .document import Analysis, Document
from .workers import Run, Worker

log = logging.getLogger("prototyper")

# Fields of a preset the simulation does not read: editing them leaves a result fresh.
NOT_SIMULATED = ("notes", "sources", "assumptions")


@dataclass(frozen=True)
class SimulationSettings:
    """How to simulate: the seed, the replications and the users (None: the scenario's
    users, at most 10,000, as the CLI)."""

    seed: int = DEFAULT_SEED
    replications: int = DEFAULT_REPLICATIONS
    users: int | None = None

    def users_for(self, preset: Preset) -> int:
        return default_users(preset) if self.users is None else self.users


def design_key(preset: Preset) -> tuple:
    """What a simulation of ``preset`` depends on: every field but the notes."""
    return tuple(
        getattr(preset, f.name) for f in dataclasses.fields(preset) if f.name not in NOT_SIMULATED
    )


def run_key(preset: Preset, seed: int, replications: int, users: int) -> tuple:
    return (design_key(preset), seed, replications, users)


def simulation_key(sim: Simulation) -> tuple:
    return run_key(sim.preset, sim.seed, sim.replications, sim.users)


# --- the job: runs on the worker's thread ---------------------------------------------------


@dataclass(frozen=True)
class _Job:
    preset: Preset
    scores: ScoreModel
    seed: int
    replications: int
    users: int

    def __call__(self, run: Run) -> tuple[Simulation, float]:
        """The whole run: the simulation and the seconds it took."""
        start = time.perf_counter()
        sim = simulate(
            self.preset,
            seed=self.seed,
            replications=self.replications,
            users=self.users,
            progress=run.progress,
            cancel=run.cancelled,
            scores=self.scores,
        )
        return sim, time.perf_counter() - start


# --- the controller: lives on the GUI thread ------------------------------------------------


class SimulationController(QObject):
    """Runs the document's design over time on request; keeps the last complete result and
    whether it is stale. Views read :attr:`result`, :attr:`stale`, :attr:`running` and
    :attr:`settings`, and listen to the signals below."""

    resultChanged = Signal(object, bool)  # Simulation | None, stale
    runningChanged = Signal(bool)
    progressed = Signal(float)  # the current run's fraction done: 0 first, rising to 1
    finished = Signal(object)  # Simulation: a complete run of the current request
    cancelled = Signal()
    failed = Signal(str)  # one line: why the run could not start or failed
    settingsChanged = Signal(object)  # SimulationSettings

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._settings = SimulationSettings()
        self._result: Simulation | None = None
        self._stale = False
        self._job: _Job | None = None  # the current run's job
        self.progress = 0.0  # of the current run
        self.seconds = 0.0  # the last complete run took
        self._worker = Worker(self, threads=1)  # one run at a time; a new one queues behind

        self._worker.progressed.connect(self._on_progressed)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        document.changed.connect(self._on_document_changed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # --- state -----------------------------------------------------------------------------

    @property
    def document(self) -> Document:
        return self._document

    @property
    def result(self) -> Simulation | None:
        """The last complete simulation (never a partial or cancelled one)."""
        return self._result

    @property
    def stale(self) -> bool:
        """True when the design or the settings changed since :attr:`result` was run."""
        return self._stale

    @property
    def running(self) -> bool:
        return self._job is not None

    @property
    def settings(self) -> SimulationSettings:
        return self._settings

    def request_key(self) -> tuple:
        """What a run started now would simulate."""
        preset, s = self._document.preset, self._settings
        return run_key(preset, s.seed, s.replications, s.users_for(preset))

    # --- intents ---------------------------------------------------------------------------

    def set_settings(self, settings: SimulationSettings) -> None:
        if settings == self._settings:
            return
        self._settings = settings
        self.settingsChanged.emit(settings)
        self._update_stale()

    def start(self) -> bool:
        """Simulate the document's current design; a run in progress is cancelled first.
        False (and ``failed``) if this design cannot be simulated."""
        preset = self._document.preset
        scores = self._document.analysis.scores
        s = self._settings
        users = s.users_for(preset)
        problem = self._problem(preset, scores, s, users)
        if problem:
            self.failed.emit(problem)
            return False
        was_running = self.running
        self._job = _Job(preset, scores, s.seed, s.replications, users)
        self.progress = 0.0
        self._worker.start(self._job)  # cancels a run in progress
        if not was_running:
            self.runningChanged.emit(True)
        self.progressed.emit(0.0)  # at once, even while a cancelled run is still stopping
        return True

    def cancel(self) -> None:
        """Stop the run in progress; the last complete result stays."""
        if self._job is None:
            return
        self._drop_job()
        self.runningChanged.emit(False)
        self.cancelled.emit()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel any run and wait for the pool's thread to stop (before the window goes)."""
        if self._job is not None:
            self._drop_job()
            self.runningChanged.emit(False)
        return self._worker.shutdown(timeout_ms)

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Wait until the pool's thread is idle (a cancelled run has really stopped)."""
        return self._worker.wait(timeout_ms)

    # --- internals -------------------------------------------------------------------------

    @staticmethod
    def _problem(preset: Preset, scores: ScoreModel, s: SimulationSettings, users: int) -> str:
        problems = simulation_problems(preset, scores)
        if problems:
            path, message = problems[0]
            return f"{path}: {message}"
        size = size_problems(s.replications, users)
        return size[0] if size else slots_problem(s.replications, users)

    def _drop_job(self) -> None:
        """Tell the current job to stop and ignore whatever it still reports."""
        self._job = None
        self._worker.cancel()

    @Slot(float)
    def _on_progressed(self, fraction: float) -> None:
        self.progress = fraction
        self.progressed.emit(fraction)

    @Slot(object)
    def _on_finished(self, outcome: tuple[Simulation, float]) -> None:
        self._job = None
        sim, self.seconds = outcome
        self._result = sim
        self._stale = self._is_stale()
        self.runningChanged.emit(False)
        self.finished.emit(sim)
        self.resultChanged.emit(sim, self._stale)

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        job, self._job = self._job, None
        self.runningChanged.emit(False)
        if isinstance(exc, Cancelled):  # stopped from inside (cancel() detaches at once)
            self.cancelled.emit()
        elif isinstance(exc, PresetError):
            self.failed.emit(str(exc.problems[0]))
        elif isinstance(exc, MemoryError) and job is not None:
            self.failed.emit(
                f"not enough memory for {job.users:,} users x {job.replications} "
                "replications; simulate fewer users"
            )
        else:  # a bug: reported in the window and logged, never lost in a thread
            log.error("the simulation failed", exc_info=exc)
            self.failed.emit(f"{type(exc).__name__}: {exc}")

    def _on_document_changed(self, _: Analysis) -> None:
        self._update_stale()

    def _is_stale(self) -> bool:
        return self._result is not None and simulation_key(self._result) != self.request_key()

    def _update_stale(self) -> None:
        stale = self._is_stale()
        if stale != self._stale:
            self._stale = stale
            self.resultChanged.emit(self._result, stale)
