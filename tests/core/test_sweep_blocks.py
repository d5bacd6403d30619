"""A threshold sweep evaluates its candidates in blocks; every number must be the one the
engine gives when called on all of them at once, to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from prototyper import assets
from prototyper.core.evaluation.engine import (
    baseline_per_event,
    evaluate,
    net_per_event,
    outcome_masses,
)
from prototyper.core.evaluation.sweep import BLOCK, sweep, threshold_range
from prototyper.core.evaluation.value import capped_habituation_factor
from prototyper.core.model.scores import EmpiricalScores
from prototyper.core.preset.preset_io import load_preset, with_values
from prototyper.core.preset.schema import ACTIVE_MODES, SHOWN_MODES

PRESETS = [p.stem for p in assets.bundled_presets()]


def _capped(preset):
    """Every acting mode capped (demoting down its over_cap chain), and shown modes that
    habituate slowly: slow habituation needs the most terms of the capped factor."""
    changes: dict = {}
    for mode in ACTIVE_MODES:
        changes[f"experience.modes.{mode}.daily_cap"] = 6 if mode in SHOWN_MODES else 3
        if mode in SHOWN_MODES:
            changes[f"response.modes.{mode}.habituation"] = 0.05
    return with_values(preset, changes)


def _harm_limited(preset):
    return with_values(
        preset,
        {
            "guardrails.harm_limit.enabled": True,
            "guardrails.harm_limit.max_loss_per_positive": 1.0,
        },
    )


VARIANTS = {"as shipped": lambda p: p, "capped": _capped, "harm limit": _harm_limited}


def _scores_between(low: float, high: float, seed: int) -> EmpiricalScores:
    """Three blocks and a part of one of distinct scores in (low, high), and a few outside,
    weighted so that the weight above each falls geometrically over 13 orders of magnitude:
    in the top block a cap's terms run out long before they do in the lower blocks."""
    rng = np.random.default_rng(seed)
    n = 3 * BLOCK + BLOCK // 3
    inside = np.sort(low + (high - low) * rng.random(n))
    above = 10.0 ** (-13.0 * np.arange(n + 1) / n)  # the weight at or above each
    above[-1] = 0.0
    scores = np.concatenate([inside, [0.0, low, high, 1.0]])
    weights = np.concatenate([above[:-1] - above[1:], [1.0, 1.0, 1e-14, 1e-14]])
    # positives likelier at higher scores, so both rates move across the range
    labels = rng.random(len(scores)) < np.concatenate([np.linspace(0, 1, n), [0, 0, 1, 1]])
    return EmpiricalScores(labels, scores, weights)


def _whole(preset, band: int, scores: EmpiricalScores) -> tuple[np.ndarray, np.ndarray]:
    """The candidates and the engine's net value at all of them in one call."""
    low, high = threshold_range(preset, band)
    values, tpr_i, fpr_i = scores.sweep_points(low, high)
    tpr, fpr = scores.rates_at(np.array(preset.experience.thresholds()))
    tpr_rows, fpr_rows = [float(t) for t in tpr], [float(f) for f in fpr]
    tpr_rows[band], fpr_rows[band] = tpr_i, fpr_i
    return values, net_per_event(preset, outcome_masses(preset, tpr_rows, fpr_rows))


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("name", PRESETS)
def test_a_blocked_sweep_is_the_engine_on_every_candidate_at_once(name, variant):
    preset = VARIANTS[variant](load_preset(assets.preset_path(name)))
    for band in range(len(preset.experience.bands) - 1):
        param = f"experience.bands[{band}].threshold"
        scores = _scores_between(*threshold_range(preset, band), seed=band)
        result = sweep(preset, param, scores=scores)
        values, net = _whole(preset, band, scores)
        assert len(values) > 3 * BLOCK  # several blocks and a remainder
        assert _same_bits(result.values, values)
        assert _same_bits(result.net_per_event, net), (name, variant, band)
        assert np.isfinite(result.net_per_event).all()
        n = len(values)
        sc = preset.scenario
        assert _same_bits(result.baseline_per_event, np.full(n, baseline_per_event(preset)))
        assert _same_bits(result.events_per_user_day, np.full(n, sc.events_per_user_per_day))
        assert _same_bits(result.users, np.full(n, sc.users))
        assert result.current == preset.experience.bands[band].threshold


@pytest.mark.parametrize("name", ["fall_detection", "safe_browsing", "smart_toaster"])
def test_each_candidate_of_a_capped_sweep_is_its_own_evaluation(name):
    # The capped habituation factor stops adding terms per rate, not when the whole array
    # is done, so a candidate's value does not depend on the others evaluated with it.
    preset = _capped(load_preset(assets.preset_path(name)))
    scores = _scores_between(*threshold_range(preset, 0), seed=3)
    result = sweep(preset, "experience.bands[0].threshold", scores=scores)
    picks = np.linspace(0, len(result.values) - 1, 25).astype(int)
    for i in picks:
        v = float(result.values[i])
        one = evaluate(with_values(preset, {"experience.bands[0].threshold": v}), scores)
        assert _same_bits(result.net_per_event[i], one.net_per_event), (name, v)


def test_a_sweep_at_given_thresholds_is_blocked_alike():
    preset = _capped(load_preset(assets.preset_path("safe_browsing")))
    low, high = threshold_range(preset, 0)
    scores = _scores_between(low, high, seed=5)
    # outside the band's range (and outside [0, 1]) is invalid: NaN, wherever the block ends
    values = np.linspace(low - 0.1, high + 0.1, 2 * BLOCK + 7)
    result = sweep(preset, "experience.bands[0].threshold", values=values, scores=scores)
    tpr, fpr = scores.rates_at(np.array(preset.experience.thresholds()))
    tpr_rows, fpr_rows = [float(t) for t in tpr], [float(f) for f in fpr]
    tpr_rows[0], fpr_rows[0] = scores.rates_at(np.clip(values, 0.0, 1.0))
    net = net_per_event(preset, outcome_masses(preset, tpr_rows, fpr_rows))
    valid = (values > low) & (values < high)
    assert _same_bits(result.net_per_event, np.where(valid, net, np.nan))
    assert np.isnan(result.net_per_event[~valid]).all() and (~valid).any()


@pytest.mark.parametrize("cap", [3, 40])
@pytest.mark.parametrize("rate", [0.05, 0.3])
def test_the_capped_habituation_factor_of_an_array_is_that_of_each_rate(cap, rate):
    # rates where the terms run out early (tiny) beside ones that need every term: a break
    # when the whole array is done must not add terms to the rates that were done before
    offered = np.concatenate([[0.0], np.geomspace(1e-12, 500.0, 1201)])
    together = capped_habituation_factor(offered, cap, rate)
    alone = np.array([capped_habituation_factor(float(x), cap, rate) for x in offered])
    assert _same_bits(together, alone)
    # none offered: no habituation; far more offered than the cap: every day `cap` exposures
    q = 1.0 - rate
    assert together[0] == 1.0
    assert together[-1] == pytest.approx((1 - q**cap) / (cap * rate), rel=1e-9)


def test_the_benchmarks_million_scores_sweep_as_one_call_would():
    # the benchmark's case: 1,000,000 unweighted scores (the packed load), 20 blocks
    rng = np.random.default_rng(7)
    labels = rng.random(1_000_000) < 0.05
    scores = EmpiricalScores(
        labels, 1 / (1 + np.exp(-rng.normal(np.where(labels, 1.0, -2.5), 1.2)))
    )
    preset = load_preset(assets.preset_path("safe_browsing"))
    result = sweep(preset, "experience.bands[0].threshold", scores=scores)
    values, net = _whole(preset, 0, scores)
    assert len(values) > 20 * BLOCK
    assert _same_bits(result.values, values)
    assert _same_bits(result.net_per_event, net)
