"""Running slow work off the GUI thread: one pattern for the simulation and model loading.

A :class:`Worker` runs one piece of work at a time on its own thread pool and hands the
outcome back to the GUI thread through queued signals. Starting new work supersedes the
current run, and cancelling forgets it: from that moment nothing the old run reports (its
progress, its result, its error) reaches ``progressed``, ``finished`` or ``failed``. Its
result, if it still produces one, comes out of ``discarded`` instead, for the owner to
release what it holds (an extracted bundle's folder, say); ``stopped`` says it has ended.

The work is a callable taking a :class:`Run`: it may report progress through
:meth:`Run.progress` and should stop early when :meth:`Run.cancelled` turns true; work that
cannot be interrupted just finishes, and its result is discarded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget


class Run:
    """What the work sees of its own run (used from the worker's thread)."""

    def __init__(self, relay: _Relay, run_id: int):
        self._relay, self.id = relay, run_id
        self._cancel = threading.Event()

    def cancelled(self) -> bool:
        """True once the run was cancelled or superseded: stop at the next check."""
        return self._cancel.is_set()

    def progress(self, fraction: float) -> None:
        """Report the fraction done (0 to 1)."""
        self._relay.progressed.emit(self.id, fraction)


class _Relay(QObject):
    """Lives in the GUI thread: emitting its signals from a pool thread queues the call."""

    progressed = Signal(int, float)  # run, fraction
    done = Signal(int, bool, object)  # run, succeeded, result or exception


class _Task(QRunnable):
    def __init__(self, run: Run, work: Callable[[Run], Any]):
        super().__init__()
        self.run_, self.work = run, work

    def run(self) -> None:
        try:
            value, ok = self.work(self.run_), True
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, which reports it
            value, ok = exc, False
        self.run_._relay.done.emit(self.run_.id, ok, value)


class Worker(QObject):
    """One run at a time (the current one); older runs are cancelled and their outcome dropped.

    ``threads`` is how many runs may occupy the pool at once: 1 queues a new run behind a
    cancelled one still stopping (two simulations never compete for the CPU); 2 lets a new
    run start beside an old one that cannot be interrupted (a model being unpickled)."""

    progressed = Signal(float)  # the current run's fraction done
    finished = Signal(object)  # the current run's result
    failed = Signal(object)  # the exception the current run raised
    discarded = Signal(object)  # the result of a run cancelled or superseded meanwhile
    stopped = Signal()  # a run cancelled or superseded has ended, whatever its outcome

    def __init__(self, parent: QObject | None = None, *, threads: int = 1):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._on_progressed)
        self._relay.done.connect(self._on_done)
        self._run: Run | None = None
        self._next_id = 0

    @property
    def running(self) -> bool:
        """Whether a run is current (started, not yet finished, failed or cancelled)."""
        return self._run is not None

    def start(self, work: Callable[[Run], Any]) -> None:
        """Run ``work`` in the pool; a current run is cancelled first."""
        self.cancel()
        self._next_id += 1
        run = Run(self._relay, self._next_id)
        self._run = run
        self._pool.start(_Task(run, work))

    def cancel(self) -> bool:
        """Forget the current run (True if there was one); it is asked to stop, and whatever
        it still reports is dropped."""
        run, self._run = self._run, None
        if run is None:
            return False
        run._cancel.set()
        return True

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait until the pool's threads are idle (a cancelled run has really stopped)."""
        return self._pool.waitForDone(msecs)

    def shutdown(self, msecs: int = 10_000) -> bool:
        """Cancel, drop queued runs and wait for the threads (before the window goes)."""
        self.cancel()
        self._pool.clear()
        return self._pool.waitForDone(msecs)

    def _current(self, run_id: int) -> bool:
        return self._run is not None and self._run.id == run_id

    @Slot(int, float)
    def _on_progressed(self, run_id: int, fraction: float) -> None:
        if self._current(run_id):
            self.progressed.emit(fraction)

    @Slot(int, bool, object)
    def _on_done(self, run_id: int, ok: bool, value: Any) -> None:
        if not self._current(run_id):
            if ok:
                self.discarded.emit(value)
            self.stopped.emit()
            return
        self._run = None  # before the signals: their slots may start the next run
        if ok:
            self.finished.emit(value)
        else:
            self.failed.emit(value)


SHOW_AFTER_MS = 400  # quick work never flashes a dialog


def run_modal(
    parent: QWidget, title: str, label: str, work: Callable[[Run], Any], *, steps: bool = False
) -> tuple[str, Any]:
    """Run ``work`` in a worker behind a dialog with Cancel (a bar of its progress if
    ``steps``, else busy), the window painted meanwhile; returns ("finished", result),
    ("failed", exception) or ("cancelled", None). A cancelled run is asked to stop and
    dropped; the worker goes once it has ended."""
    worker = Worker(parent)  # parented: a cancelled run may still end after we return
    dialog = QProgressDialog(label, "Cancel", 0, 100 if steps else 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    loop = QEventLoop()
    outcome: list[tuple[str, Any]] = []

    def end(kind: str, value: Any = None) -> None:
        outcome.append((kind, value))
        loop.quit()

    def on_finished(value: object) -> None:
        end("finished", value)

    def on_failed(exc: object) -> None:
        end("failed", exc)

    def on_cancelled() -> None:
        worker.cancel()
        end("cancelled")

    def on_progress(fraction: float) -> None:
        if steps:
            dialog.setValue(min(int(fraction * 100), 99))  # 100 would close the dialog

    worker.finished.connect(on_finished)
    worker.failed.connect(on_failed)
    worker.progressed.connect(on_progress)
    dialog.canceled.connect(on_cancelled)
    worker.start(work)
    loop.exec()
    dialog.canceled.disconnect(on_cancelled)
    dialog.reset()
    dialog.deleteLater()
    kind, value = outcome[0]
    if kind == "cancelled":
        worker.stopped.connect(worker.deleteLater)
    else:
        worker.deleteLater()
    return kind, value
