"""Tornado, break-even, PSA and EVPPI on a preset whose answers are derived by hand
(tests/core/small_preset.py, HAND), and the vectorized draws against single evaluations."""

from __future__ import annotations

import numpy as np
import pytest

from prototyper.assets import bundled_presets
from prototyper.core.evaluation.draws import value_added_per_day
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.sensitivity import (
    FEATURE_OFF,
    break_even,
    evppi,
    psa,
    tornado,
)
from prototyper.core.preset.preset_io import load_preset, loads_preset, with_values
from prototyper.core.preset.uncertainty import response_range

from .small_preset import HAND, SMALL

A = "payoffs.positive_acted[0].amount"
X_NEG = "response.modes.automate.act_if_negative"


@pytest.fixture
def hand():
    return loads_preset(HAND, "hand.yaml")


@pytest.fixture
def one_input(hand):
    """HAND with the false-block response fixed at 0.1: only A is uncertain."""
    return with_values(hand, {f"{X_NEG}.low": 0.1, f"{X_NEG}.high": 0.1})


def value_by_hand(a: float, x_neg: float = 0.1) -> float:
    return 1000 * (0.1 * 0.9 * a - 0.9 * x_neg * 10)


def test_tornado_moves_each_input_to_its_ends_sorted_by_swing(hand):
    t = tornado(hand)
    assert t.base == pytest.approx(900.0)
    assert [b.path for b in t.bars] == [A, X_NEG]  # the response range counts as an input
    a, x = t.bars
    assert (a.low, a.high) == (0.0, 40.0)
    assert a.value_at_low == pytest.approx(value_by_hand(0.0))  # -900
    assert a.value_at_high == pytest.approx(value_by_hand(40.0))  # 2700
    assert a.swing == pytest.approx(3600.0)
    assert (x.low, x.high) == (0.05, 0.15)
    assert x.value_at_low == pytest.approx(value_by_hand(20, 0.05))  # 1350
    assert x.value_at_high == pytest.approx(value_by_hand(20, 0.15))  # 450
    assert x.swing == pytest.approx(900.0)


def test_break_even_is_found_over_the_fields_whole_range(hand):
    at = break_even(hand, None, A)
    assert at.value == pytest.approx(10.0, rel=1e-9)
    assert at.status == "crosses"
    assert "harm avoided falls below $10.00" in at.message
    # the cost of a false block: 0.09 x 20 = 0.9 x 0.1 x c at c = 20
    cost = break_even(hand, None, "payoffs.negative_acted[0].amount")
    assert cost.value == pytest.approx(-20.0, rel=1e-9)
    assert cost.message.endswith("when a false block costs more than $20.00")
    # outside its distribution (0.05 to 0.15): 1.8 = 9 x_neg at 0.2
    assert break_even(hand, None, X_NEG).value == pytest.approx(0.2, rel=1e-9)


def test_break_even_says_when_there_is_no_crossing(hand):
    rich = with_values(hand, {"payoffs.negative_acted[0].amount": 0.0})
    always = break_even(rich, None, X_NEG)  # no cost to a false block: never below 0
    assert always.value is None and always.status == "always"
    assert "adds value over the whole range" in always.message
    poor = with_values(hand, {A: -1.0})
    never = break_even(poor, None, X_NEG)
    assert never.value is None and never.status == "never"
    assert "never adds value" in never.message


def test_psa_mean_and_interval_of_a_uniform_input(one_input):
    r = psa([one_input], None, draws=20_000, seed=1)
    (d,) = r.designs
    # A ~ U(0, 40): mean 1000 (0.09 x 20 - 0.9) = 900, sd 0.09 x 1000 x 40 / sqrt 12
    se = 90 * 40 / np.sqrt(12) / np.sqrt(20_000)
    assert abs(d.mean - 900.0) < 4 * se
    # the 5th and 95th percentiles of A are 2 and 38
    assert d.low == pytest.approx(value_by_hand(2.0), abs=40)  # -720
    assert d.high == pytest.approx(value_by_hand(38.0), abs=40)  # 2520
    assert d.p_adds_value == pytest.approx(0.75, abs=0.015)  # P(A > 10)
    assert r.options == ("Hand", FEATURE_OFF)
    beats = r.p_beats()
    assert beats[0, 1] == pytest.approx(d.p_adds_value)
    assert beats[1, 0] == pytest.approx(1 - d.p_adds_value)


def test_evppi_of_a_uniform_input_has_its_closed_form(one_input):
    # NB = 90 A - 900, A ~ U(0, 40), the feature off 0: E[max(NB, 0)] - max(E NB, 0)
    # = (1/40) x 90 x 30^2 / 2 - 900 = 1012.5 - 900 = 112.5 a day.
    r = psa([one_input], None, draws=20_000, seed=1)
    e = evppi(r)
    (row,) = e.rows
    assert row.path == A
    assert row.value == pytest.approx(112.5, rel=0.05)
    assert e.evpi == pytest.approx(112.5, rel=0.05)
    assert e.best_now == "Hand"


def test_evppi_is_zero_for_an_input_that_never_changes_the_decision(hand):
    e = evppi(psa([hand], None, draws=10_000, seed=2))
    rows = {r.path: r.value for r in e.rows}
    # E[NB | x_neg] = 1000 (1.8 - 9 x_neg) >= 450 > 0: the design wins whatever x_neg is
    assert rows[X_NEG] == pytest.approx(0.0, abs=1e-6)
    assert rows[A] == pytest.approx(112.5, rel=0.1)
    assert e.evpi >= rows[A]


def test_designs_share_their_draws(hand, one_input):
    """Common random numbers: an input has the same draws in every design and run."""
    both = psa([hand, one_input], None, draws=500, seed=7, names=["a", "b"])
    alone = psa([one_input], None, draws=500, seed=7)
    np.testing.assert_array_equal(both.designs[1].values, alone.designs[0].values)
    assert both.options == ("a", "b", FEATURE_OFF)
    assert both.p_beats().shape == (3, 3)


def test_a_psa_asks_between_blocks_of_draws_and_stops_where_the_check_raises(hand, one_input):
    """The hook a window's Cancel goes through: asked before each block of draws of each
    design, the draws' values the same as evaluated at once; raising stops the analysis
    within the design, before its next block."""
    calls = []
    blocked = psa(
        [hand, one_input],
        None,
        draws=2_500,
        seed=3,
        names=["a", "b"],
        between_blocks=lambda name, start: calls.append((name, start)),
        block=1_000,
    )
    assert calls == [("a", 0), ("a", 1000), ("a", 2000), ("b", 0), ("b", 1000), ("b", 2000)]
    whole = psa([hand, one_input], None, draws=2_500, seed=3, names=["a", "b"])
    for d, w in zip(blocked.designs, whole.designs, strict=True):
        np.testing.assert_array_equal(d.values, w.values)

    class Stop(Exception):
        """What the check raises to stop the analysis (as the window's Cancel does)."""

    asked = []

    def stop_at_second(name, start):
        asked.append((name, start))
        if len(asked) == 2:
            raise Stop

    with pytest.raises(Stop):
        psa([hand], None, draws=10_000, seed=3, between_blocks=stop_at_second, block=1_000)
    assert len(asked) == 2  # 8 of the design's 10 blocks never evaluated


def _varied(preset, rng, n):
    """Random draws of many kinds of field: payoffs, responses, the model, thresholds."""
    paths = {
        "scenario.base_rate": preset.scenario.base_rate * rng.uniform(0.5, 1.5, n),
        "model.auc": rng.uniform(0.75, 0.99, n),
        "response.trust_matching": rng.uniform(0, 1, n),
        "response.unprompted.positive": rng.uniform(0, 0.3, n),
        "payoffs.value_of_time_per_hour.user": rng.uniform(5, 50, n),
        "scenario.events_per_user_per_day": rng.uniform(1, 50, n),
        "guardrails.harm_limit.max_loss_per_positive": rng.uniform(0.5, 5, n),
    }
    for outcome in ("positive_missed", "negative_acted"):
        for i, line in enumerate(getattr(preset.payoffs, outcome)):
            paths[f"payoffs.{outcome}[{i}].amount"] = line.amount * rng.uniform(0.5, 2, n)
    for m in ("automate", "prompt", "annotate"):
        paths[f"response.modes.{m}.act_if_positive"] = rng.uniform(0.1, 0.9, n)
        paths[f"response.modes.{m}.habituation"] = rng.uniform(0.0, 0.5, n)
        paths[f"response.modes.{m}.measured_at_precision"] = rng.uniform(0.1, 1, n)
        paths[f"experience.modes.{m}.forcefulness"] = rng.uniform(0, 1, n)
    bands = preset.experience.bands
    if len(bands) > 1:
        lo, hi = bands[1].threshold, bands[0].threshold
        paths["experience.bands[0].threshold"] = rng.uniform(lo + (hi - lo) * 0.01, hi, n)
    return paths


@pytest.mark.parametrize(
    "path", [p for p in bundled_presets() if not p.stem.endswith("_model")], ids=lambda p: p.stem
)
def test_vectorized_draws_equal_single_evaluations(path):
    preset = load_preset(path)
    paths = _varied(preset, np.random.default_rng(5), 50)
    vectorized = value_added_per_day(preset, None, paths)
    loop = []
    for i in range(50):
        assignments = {}
        for path, values in paths.items():
            ends = [".low", ".high"] if response_range(path) else [""]
            assignments.update({path + end: float(values[i]) for end in ends})
        loop.append(evaluate(with_values(preset, assignments)).added_per_population_day)
    loop = np.array(loop)
    # relative to the draws' scale: a draw near 0 is a difference of large terms
    assert np.abs(vectorized - loop).max() <= 1e-12 * np.abs(loop).max()


def test_vectorized_draws_of_a_real_models_scores_equal_single_evaluations():
    """Scores passed in (a real model's): the operating points per draw's threshold."""
    from prototyper.core.model.scores import EmpiricalScores

    small = loads_preset(SMALL, "small.yaml")
    rng = np.random.default_rng(8)
    labels = rng.random(400) < 0.2
    scores = EmpiricalScores(labels, np.clip(rng.normal(0.3 + 0.3 * labels, 0.2), 0, 1))
    paths = {
        "scenario.base_rate": rng.uniform(0.05, 0.2, 50),
        "experience.bands[0].threshold": rng.uniform(0.3, 0.9, 50),
        "payoffs.positive_missed[0].amount": rng.uniform(-600, -100, 50),
    }
    vectorized = value_added_per_day(small, scores, paths)
    loop = [
        evaluate(
            with_values(small, {p: float(v[i]) for p, v in paths.items()}), scores
        ).added_per_population_day
        for i in range(50)
    ]
    assert np.abs(vectorized - loop).max() <= 1e-12 * np.abs(loop).max()


@pytest.mark.parametrize("caps", [(1, 2), (3, 1)])
def test_vectorized_draws_through_caps_equal_single_evaluations(caps):
    """Caps demote events (never varied), habituation and the rest varied per draw."""
    small = with_values(
        loads_preset(SMALL, "small.yaml"),
        {
            "experience.modes.automate.daily_cap": caps[0],
            "experience.modes.automate.over_cap": "prompt",
            "experience.modes.prompt.daily_cap": caps[1],
            "experience.modes.prompt.over_cap": "annotate",
            "response.modes.annotate.habituation": 0.2,
        },
    )
    rng = np.random.default_rng(9)
    paths = _varied(small, rng, 50)
    paths["response.modes.prompt.habituation"] = rng.uniform(0.0, 0.6, 50)
    paths["response.modes.prompt.habituation"][:5] = 0.0  # some draws without habituation
    vectorized = value_added_per_day(small, None, paths)
    loop = []
    for i in range(50):
        assignments = {}
        for path, values in paths.items():
            ends = [".low", ".high"] if response_range(path) else [""]
            assignments.update({path + end: float(values[i]) for end in ends})
        loop.append(evaluate(with_values(small, assignments)).added_per_population_day)
    assert np.abs(vectorized - np.array(loop)).max() <= 1e-12 * np.abs(loop).max()


def test_break_even_of_a_design_that_adds_no_value_says_when_it_starts(hand):
    poor = with_values(hand, {A: 5.0})  # 1000 (0.45 - 0.9) = -$450 a day
    at = break_even(poor, None, A)
    assert at.value == pytest.approx(10.0, rel=1e-9)
    assert "starts adding value when harm avoided exceeds $10.00" in at.message
    cost = break_even(poor, None, "payoffs.negative_acted[0].amount")
    assert cost.value == pytest.approx(-5.0, rel=1e-9)  # 0.45 = 0.09 c
    assert cost.message.endswith("starts adding value when a false block costs less than $5.00")
