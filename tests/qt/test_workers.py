"""The worker pattern: one current run; a cancelled or superseded run's outcome is dropped."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtWidgets import QApplication

from prototyper.qt.workers import Worker


class Recorder:
    def __init__(self, worker: Worker):
        self.progress, self.results, self.errors, self.discarded = [], [], [], []
        worker.progressed.connect(self.progress.append)
        worker.finished.connect(self.results.append)
        worker.failed.connect(self.errors.append)
        worker.discarded.connect(self.discarded.append)


@pytest.fixture
def worker(qapp):
    worker = Worker(threads=2)
    yield worker
    worker.shutdown()


def test_a_run_reports_progress_then_its_result(worker, qtbot):
    seen = Recorder(worker)

    def work(run):
        for i in range(1, 5):
            run.progress(i / 4)
        return "done"

    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.start(work)
    assert seen.progress == [0.25, 0.5, 0.75, 1.0]
    assert seen.results == ["done"]
    assert not worker.running


def test_an_error_comes_back_to_the_gui_thread(worker, qtbot):
    seen = Recorder(worker)

    def work(run):
        raise ValueError("bad input")

    with qtbot.waitSignal(worker.failed, timeout=10_000):
        worker.start(work)
    assert [str(e) for e in seen.errors] == ["bad input"]
    assert seen.results == []


def test_a_superseded_run_is_dropped_and_its_result_discarded(worker, qtbot):
    seen = Recorder(worker)
    release = threading.Event()

    def slow(run):
        release.wait(10)
        run.progress(0.5)  # reported after it was superseded: dropped
        return "old"

    worker.start(slow)
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.start(lambda run: "new")
    release.set()
    with qtbot.waitSignal(worker.discarded, timeout=10_000):
        pass
    assert seen.results == ["new"]
    assert seen.discarded == ["old"]
    assert seen.progress == []


def test_cancel_asks_the_run_to_stop_and_drops_what_it_reports(worker, qtbot):
    seen = Recorder(worker)
    started = threading.Event()

    def until_cancelled(run):
        started.set()
        while not run.cancelled():
            time.sleep(0.001)
        raise RuntimeError("stopped")

    worker.start(until_cancelled)
    assert started.wait(10)
    assert worker.cancel()
    assert not worker.running
    assert worker.wait(10_000)
    QApplication.processEvents()  # deliver whatever the stopped run emitted
    assert seen.errors == [] and seen.results == []
    assert not worker.cancel()  # nothing left to cancel


def test_a_cancelled_run_that_stops_by_raising_says_it_stopped(worker, qtbot):
    """A run that stops at a cancel check (by raising) reports nothing but ``stopped``: its
    owner knows the thread is free (a report's worker is deleted then)."""
    seen = Recorder(worker)
    started, release = threading.Event(), threading.Event()

    def work(run):
        started.set()
        release.wait(10)
        if run.cancelled():
            raise RuntimeError("stopped at the check")
        return "whole"

    worker.start(work)
    assert started.wait(10)
    worker.cancel()
    with qtbot.waitSignal(worker.stopped, timeout=10_000):
        release.set()
    assert seen.results == seen.errors == seen.discarded == []
