"""The simulation over time, run off the GUI thread: its settings, the job that runs it and
the controller the views watch.

The core's :func:`~prototyper.core.simulate.simulate` is a plain function that reports
progress and honours cancel (docs/MODEL.md, 9.1). Here it runs on a private one-thread pool:
the job passes a flag-reading ``cancel`` and a signal-emitting ``progress``, and every result
comes back to the GUI thread through queued signals. The controller keeps the last complete
result and says whether it is stale, i.e. whether the design or the settings have changed
since; it never shows a partial run.

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
import threading
import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QApplication

from ..core.preset_io import PresetError
from ..core.schema import Preset
from ..core.scores import ScoreModel
from ..core.simulate import Cancelled, Simulation, simulate, simulation_problems
from ..core.simulation_limits import (
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    default_users,
    size_problems,
    slots_problem,
)
from .document import Analysis, Document

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


# --- the job: runs on the pool's thread -----------------------------------------------------


class _JobSignals(QObject):
    """Emitted from the pool's thread; the controller's slots run on the GUI thread."""

    progressed = Signal(int, float)  # job, fraction
    finished = Signal(int, object, float)  # job, Simulation, seconds
    cancelled = Signal(int)
    failed = Signal(int, str)


@dataclass
class _Job:
    id: int
    preset: Preset
    scores: ScoreModel
    seed: int
    replications: int
    users: int
    signals: _JobSignals
    cancel_flag: threading.Event = dataclasses.field(default_factory=threading.Event)

    def run(self) -> None:
        """The whole run; everything it reports goes through ``signals``."""
        emit = self.signals
        start = time.perf_counter()
        try:
            sim = simulate(
                self.preset,
                seed=self.seed,
                replications=self.replications,
                users=self.users,
                progress=lambda fraction: emit.progressed.emit(self.id, fraction),
                cancel=self.cancel_flag.is_set,
                scores=self.scores,
            )
        except Cancelled:
            emit.cancelled.emit(self.id)
        except PresetError as exc:
            emit.failed.emit(self.id, str(exc.problems[0]))
        except MemoryError:
            emit.failed.emit(
                self.id,
                f"not enough memory for {self.users:,} users x {self.replications} "
                "replications; simulate fewer users",
            )
        except Exception as exc:  # noqa: BLE001 - reported in the window, never lost in a thread
            log.exception("the simulation failed")
            emit.failed.emit(self.id, f"{type(exc).__name__}: {exc}")
        else:
            emit.finished.emit(self.id, sim, time.perf_counter() - start)


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
        self._job: _Job | None = None
        self._next_id = 0
        self.progress = 0.0  # of the current run
        self.seconds = 0.0  # the last complete run took
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one run at a time; a new one queues behind
        self._signals = _JobSignals(self)

        self._signals.progressed.connect(self._on_progressed)
        self._signals.finished.connect(self._on_finished)
        self._signals.cancelled.connect(self._on_cancelled)
        self._signals.failed.connect(self._on_failed)
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
        self._drop_job()
        self._next_id += 1
        job = _Job(self._next_id, preset, scores, s.seed, s.replications, users, self._signals)
        self._job = job
        self.progress = 0.0
        self._pool.start(job.run)
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
        self._pool.clear()
        return self._pool.waitForDone(timeout_ms)

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Wait until the pool's thread is idle (a cancelled run has really stopped)."""
        return self._pool.waitForDone(timeout_ms)

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
        if self._job is not None:
            self._job.cancel_flag.set()
            self._job = None

    def _current(self, job_id: int) -> bool:
        return self._job is not None and self._job.id == job_id

    @Slot(int, float)
    def _on_progressed(self, job_id: int, fraction: float) -> None:
        if self._current(job_id):
            self.progress = fraction
            self.progressed.emit(fraction)

    @Slot(int, object, float)
    def _on_finished(self, job_id: int, sim: Any, seconds: float) -> None:
        if not self._current(job_id):
            return
        self._job = None
        self._result, self.seconds = sim, seconds
        self._stale = self._is_stale()
        self.runningChanged.emit(False)
        self.finished.emit(sim)
        self.resultChanged.emit(sim, self._stale)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        if self._current(job_id):  # cancelled from outside (cancel() detaches at once)
            self._job = None
            self.runningChanged.emit(False)
            self.cancelled.emit()

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        if self._current(job_id):
            self._job = None
            self.runningChanged.emit(False)
            self.failed.emit(message)

    def _on_document_changed(self, _: Analysis) -> None:
        self._update_stale()

    def _is_stale(self) -> bool:
        return self._result is not None and simulation_key(self._result) != self.request_key()

    def _update_stale(self) -> None:
        stale = self._is_stale()
        if stale != self._stale:
            self._stale = stale
            self.resultChanged.emit(self._result, stale)
