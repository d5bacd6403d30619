"""Chunked PSA runs: local processes and a dask cluster give the in-process numbers;
progress rises to 1; a cancel stops the run; a PSA over time simulates each draw."""

from __future__ import annotations

import numpy as np
import pytest

from prototyper.core.evaluation.sensitivity import psa
from prototyper.core.preset.preset_io import loads_preset
from prototyper.core.psa_runs import Cancelled, OverTime, Runner

from .small_preset import HAND


@pytest.fixture
def hand():
    return loads_preset(HAND, "hand.yaml")


def test_chunks_in_this_process_equal_one_call(hand):
    whole = psa([hand], None, draws=1000, seed=3)
    seen = []
    chunked = psa(
        [hand],
        None,
        draws=1000,
        seed=3,
        evaluate_chunks=Runner(chunk=128).evaluator(progress=seen.append),
    )
    np.testing.assert_array_equal(chunked.designs[0].values, whole.designs[0].values)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) == 8


def test_local_processes_equal_this_process(hand):
    whole = psa([hand], None, draws=600, seed=4)
    parallel = psa(
        [hand], None, draws=600, seed=4, evaluate_chunks=Runner(jobs=2, chunk=200).evaluator()
    )
    np.testing.assert_array_equal(parallel.designs[0].values, whole.designs[0].values)


def test_a_dask_cluster_equals_this_process(hand):
    distributed = pytest.importorskip("distributed")
    whole = psa([hand], None, draws=600, seed=5)
    # two threads: with one in all, joblib would run the chunks here instead
    with distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as cluster:
        (worker,) = cluster.workers.values()
        runner = Runner(chunk=200, scheduler=cluster.scheduler_address)
        on_cluster = psa([hand], None, draws=600, seed=5, evaluate_chunks=runner.evaluator())
        assert worker.state.transition_counter > 0  # the chunks ran on the cluster's worker
    np.testing.assert_array_equal(on_cluster.designs[0].values, whole.designs[0].values)


def test_cancel_stops_between_chunks(hand):
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) >= 2

    run = Runner(chunk=100).evaluator(cancelled=cancelled)
    with pytest.raises(Cancelled):
        psa([hand], None, draws=1000, seed=1, evaluate_chunks=run)
    assert len(calls) == 2  # the third of ten chunks never ran


def test_over_time_each_draw_is_a_seeded_simulation(hand):
    runner = Runner(chunk=2, over_time=OverTime(users=50, seed=2))
    first = psa([hand], None, draws=4, seed=1, evaluate_chunks=runner.evaluator())
    again = psa([hand], None, draws=4, seed=1, evaluate_chunks=runner.evaluator())
    values = first.designs[0].values
    np.testing.assert_array_equal(values, again.designs[0].values)
    static = psa([hand], None, draws=4, seed=1).designs[0].values
    # no dynamics in this preset: each simulated draw is near its static value
    assert np.all(np.abs(values - static) < 0.35 * np.abs(static).max())
