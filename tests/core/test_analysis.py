from __future__ import annotations

import json

import numpy as np
import pytest

from prototyper import cli
from prototyper.core.evaluation.analysis import (
    analyse,
    best_single_threshold,
    single_threshold_design,
    single_threshold_mode,
)
from prototyper.core.evaluation.break_even import break_even_document
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.report import summary
from prototyper.core.format import money
from prototyper.core.model.scores import EmpiricalScores
from prototyper.core.preset.preset_io import with_values
from prototyper.core.preset.schema import Band

from .small_preset import SMALL


def _net_per_population_day(preset, threshold, scores=None):
    one = with_values(single_threshold_design(preset), {"experience.bands[0].threshold": threshold})
    return evaluate(one, scores).net_per_population_day


def test_the_single_threshold_design_keeps_the_top_mode_above_one_threshold(small):
    one = single_threshold_design(small)
    assert [b.mode for b in one.experience.bands] == ["automate", "none"]
    assert one.experience.bands[1].threshold == 0.0
    assert one.scenario == small.scenario and one.payoffs == small.payoffs


def test_a_silent_top_band_compares_with_the_most_forceful_shown_mode():
    quiet = (Band(0.5, "none"), Band(0.0, "none"))
    assert single_threshold_mode(quiet) == "prompt"  # automate acts without showing anything
    assert single_threshold_mode((Band(0.5, "prompt"), Band(0.0, "none"))) == "prompt"


def test_no_threshold_on_a_fine_grid_beats_the_best_single_threshold(small):
    best = best_single_threshold(small)
    assert best.mode == "automate"
    assert best.net_per_population_day == pytest.approx(
        _net_per_population_day(small, best.threshold), rel=1e-12
    )
    # The best of the sweep's candidates (600, even in score and in latent space) is within
    # 0.1% of the best a much finer grid finds.
    grid = np.linspace(0.001, 0.2, 4000)
    on_grid = max(_net_per_population_day(small, t) for t in grid)
    assert best.net_per_population_day == pytest.approx(on_grid, rel=1e-3)
    assert best.current_net_per_population_day == pytest.approx(
        evaluate(small).net_per_population_day
    )


def test_the_best_single_threshold_of_evaluation_scores_is_one_of_their_scores(small):
    rng = np.random.default_rng(3)
    labels = rng.random(4000) < 0.2
    scores = EmpiricalScores(labels, np.clip(rng.normal(0.3 + 0.4 * labels, 0.2), 0, 1))
    best = best_single_threshold(small, scores)
    assert best.threshold in set(scores.scores.tolist())
    candidates = np.unique(scores.scores)
    nets = [_net_per_population_day(small, t, scores) for t in candidates if 0 < t < 1]
    assert best.net_per_population_day == pytest.approx(max(nets), rel=1e-12)


def test_analyse_holds_the_evaluation_a_sweep_per_movable_band_and_the_single_sweep(small):
    a = analyse(small)
    assert a.evaluation.net_per_event == evaluate(small).net_per_event
    assert [s.param for s in a.threshold_sweeps] == [
        "experience.bands[0].threshold",
        "experience.bands[1].threshold",
    ]
    best = best_single_threshold(small, single=a.single_threshold)
    assert best == best_single_threshold(small)
    assert a.single_threshold.best_value == best.threshold


def _same_sweep(a, b) -> bool:
    return (
        a.param == b.param
        and np.array_equal(a.values, b.values)
        and np.array_equal(a.net_per_event, b.net_per_event, equal_nan=True)
        and a.current == b.current
    )


@pytest.mark.parametrize(
    "change",
    [
        {"experience.bands[0].threshold": 0.8},
        {"experience.bands[1].threshold": 0.2},
        {"experience.modes.prompt.forcefulness": 0.3},
        {"scenario.base_rate": 0.05},
        {"model.auc": 0.7},
    ],
)
def test_an_analysis_from_the_previous_one_equals_a_fresh_one(small, change):
    previous = analyse(small)
    changed = with_values(small, change)
    fresh, reused = analyse(changed), analyse(changed, previous=previous)
    assert reused.evaluation.net_per_event == fresh.evaluation.net_per_event
    assert len(reused.threshold_sweeps) == len(fresh.threshold_sweeps)
    for a, b in zip(reused.threshold_sweeps, fresh.threshold_sweeps, strict=True):
        assert _same_sweep(a, b)
    assert _same_sweep(reused.single_threshold, fresh.single_threshold)


def test_dragging_a_threshold_keeps_its_own_sweep_and_the_single_one(small):
    previous = analyse(small)
    moved = analyse(with_values(small, {"experience.bands[0].threshold": 0.8}), previous=previous)
    assert moved.single_threshold is previous.single_threshold
    assert np.array_equal(
        moved.threshold_sweeps[0].net_per_event,
        previous.threshold_sweeps[0].net_per_event,
        equal_nan=True,
    )
    assert moved.threshold_sweeps[0].current == 0.8


def test_a_drafts_single_threshold_sweep_is_the_previous_one_and_never_lent_on(small):
    """A drag's frame keeps the single-threshold sweep it does not draw, and says so; the
    next exact analysis sweeps it again, equal to a fresh one."""
    previous = analyse(small)
    change = {"experience.modes.automate.forcefulness": 0.4}  # the single design's mode
    changed = with_values(small, change)
    draft = analyse(changed, previous=previous, draft=True)
    assert draft.single_stale and draft.single_threshold is previous.single_threshold
    fresh = analyse(changed)
    assert not _same_sweep(draft.single_threshold, fresh.single_threshold)
    for a, b in zip(draft.threshold_sweeps, fresh.threshold_sweeps, strict=True):
        assert _same_sweep(a, b)  # what a draft draws is exact
    again = analyse(changed, previous=draft, draft=True)
    assert again.single_stale  # still the drag's start
    exact = analyse(changed, previous=again)
    assert not exact.single_stale
    assert _same_sweep(exact.single_threshold, fresh.single_threshold)
    unchanged = analyse(small, previous=previous, draft=True)  # nothing to keep stale
    assert not unchanged.single_stale


def test_a_real_model_lends_its_sweeps_only_to_the_same_scores(small):
    rng = np.random.default_rng(3)
    labels = rng.random(2000) < 0.2
    one = EmpiricalScores(labels, np.clip(rng.normal(0.3 + 0.4 * labels, 0.2), 0, 1))
    other = EmpiricalScores(labels, np.clip(rng.normal(0.2 + 0.5 * labels, 0.2), 0, 1))
    previous = analyse(small, one)
    again = analyse(small, other, previous=previous)
    assert _same_sweep(again.single_threshold, analyse(small, other).single_threshold)
    assert not _same_sweep(again.single_threshold, previous.single_threshold)


def test_a_coarse_analysis_sweeps_some_candidates_exactly_and_says_so(small):
    rng = np.random.default_rng(5)
    labels = rng.random(5000) < 0.2
    scores = EmpiricalScores(labels, np.clip(rng.normal(0.3 + 0.4 * labels, 0.2), 0, 1))
    exact, coarse = analyse(small, scores), analyse(small, scores, coarse_points=40)
    assert coarse.coarse and not exact.coarse
    assert coarse.evaluation.net_per_event == exact.evaluation.net_per_event
    for thin, full in zip(
        (*coarse.threshold_sweeps, coarse.single_threshold),
        (*exact.threshold_sweeps, exact.single_threshold),
        strict=True,
    ):
        assert 2 <= len(thin.values) <= 40 < len(full.values)
        at = np.searchsorted(full.values, thin.values)
        assert np.array_equal(full.values[at], thin.values)  # candidates of the full sweep
        np.testing.assert_allclose(thin.net_per_event, full.net_per_event[at], rtol=1e-12)
    # An exact analysis never borrows a coarse one's sweeps.
    again = analyse(small, scores, previous=coarse)
    assert not again.coarse
    assert _same_sweep(again.single_threshold, exact.single_threshold)


def test_evaluate_reports_the_best_single_threshold(small, tmp_path, capsys):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    best = best_single_threshold(small)
    assert cli.main(["evaluate", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    added = doc.pop("best_single_threshold")
    assert doc.pop("break_even") == json.loads(json.dumps(break_even_document(evaluate(small))))
    assert doc == json.loads(json.dumps(summary(evaluate(small))))  # the rest unchanged
    assert added["mode"] == "automate"
    assert added["threshold"] == pytest.approx(best.threshold)
    assert added["net_per_population_day"] == pytest.approx(best.net_per_population_day)
    e = evaluate(small)
    off = e.baseline_per_event * e.events_per_day * e.population
    value_added = best.net_per_population_day - off
    assert added["value_added_per_population_day"] == pytest.approx(value_added)
    assert cli.main(["evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    line = f"best single threshold: automate above {best.threshold:.4g}, value added "
    assert line + f"{money(value_added)}/day" in out
