"""The break-even probability of each mode: where handling an event in it instead of silently
starts to pay, its score, and why the best single threshold sits where it does."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from prototyper import cli
from prototyper.assets import bundled_presets
from prototyper.core.evaluation import value
from prototyper.core.evaluation.analysis import analyse, best_single_threshold
from prototyper.core.evaluation.break_even import (
    ABOVE,
    ALWAYS,
    BELOW,
    NEVER,
    best_of,
    break_even_document,
    break_even_lines,
    break_even_probability,
    break_evens,
    mode_break_even,
    why_best,
)
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.format import format_probability
from prototyper.core.model.model_sources import load_scores
from prototyper.core.preset.preset_io import load_preset, loads_preset, with_values
from prototyper.core.preset.schema import MODES, SyntheticModel

from .test_model_sources import SCORE_MODEL, preset_text, write_score_file

# One automate band; a user always keeps an automated action and never acts unprompted, so
# the gains are the payoffs: a positive handled gains $100 (a missed one costs $100), a
# negative acted on costs $10, and an automated action takes 1 minute at $60 an hour, $1.
HAND = """\
schema_version: 2
scenario: {name: Hand, users: 1000, events_per_user_per_day: 1, base_rate: 0.05}
model: {source: synthetic, auc: 0.9}
experience:
  bands:
    - {threshold: 0.3, mode: automate}
    - {threshold: 0.0, mode: none}
  modes:
    automate: {forcefulness: 1.0}
response:
  modes:
    automate:
      act_if_positive: {low: 1.0, high: 1.0}
      act_if_negative: {low: 1.0, high: 1.0}
  unprompted: {positive: 0.0, negative: 0.0}
  trust_matching: 0.0
payoffs:
  value_of_time_per_hour: {user: 60, operator: 0, business: 0}
  positive_acted: []
  positive_missed:
    - {stakeholder: user, amount: -100}
  negative_acted:
    - {stakeholder: user, amount: -10}
  negative_ignored: []
  attention:
    automate: {minutes_low: 1.0, minutes_high: 1.0, stakeholder: user}
"""
NO_ATTENTION = {
    f"payoffs.attention.{m}.{end}": 0.0
    for m in ("automate", "prompt", "organize", "annotate")
    for end in ("minutes_low", "minutes_high")
}
NAMES = [p.stem for p in bundled_presets()]
SYNTHETIC = [n for n in NAMES if isinstance(load_preset(f"presets/{n}.yaml").model, SyntheticModel)]


def test_a_hand_computed_break_even():
    preset = loads_preset(HAND, "hand.yaml")
    (b,) = break_evens(evaluate(preset))
    assert b.mode == "automate" and b.pays == ABOVE and b.has_events
    assert (b.gain_if_positive, b.gain_if_negative, b.attention) == pytest.approx((100, -10, -1))
    # p * 100 - (1 - p) * 10 - 1 = 0  =>  p* = 11 / 110
    assert b.probability == pytest.approx(0.1, abs=1e-12)
    assert b.score == b.probability  # the scores are calibrated probabilities
    assert b.raw_score is None  # a synthetic model has no raw score
    assert b.gain(b.probability) == pytest.approx(0.0, abs=1e-12)
    # Without attention it is cost of wrong / (cost of wrong + value of correct): 10 / 110.
    free = with_values(
        preset,
        {
            "payoffs.attention.automate.minutes_high": 0.0,
            "payoffs.attention.automate.minutes_low": 0.0,
        },
    )
    (b,) = break_evens(evaluate(free))
    assert b.probability == pytest.approx(10 / 110, abs=1e-12)


@pytest.mark.parametrize("name", SYNTHETIC)
def test_without_attention_it_is_cost_of_wrong_over_wrong_plus_correct(name):
    """The value-added split's value of correct per positive and cost of wrong per negative
    handled in a mode give the same p* = C / (C + V)."""
    preset = with_values(load_preset(f"presets/{name}.yaml"), NO_ATTENTION)
    e = evaluate(preset)
    split = e.added_split().sum(axis=-1)  # [part, mode]
    found = break_evens(e)
    assert found
    for b in found:
        m = MODES.index(b.mode)
        correct = split[value.ADDED_PART["correct"], m] / e.masses.positive[m]
        wrong = -split[value.ADDED_PART["wrong"], m] / e.masses.negative[m]
        assert b.attention == 0.0
        assert b.probability == pytest.approx(wrong / (wrong + correct), rel=1e-9)


@pytest.mark.parametrize("name", SYNTHETIC)
def test_the_gain_at_a_modes_precision_is_its_value_added(name):
    """Evaluated at the precision of the events a mode handles, the gain times their share
    is the mode's value added in the engine."""
    e = evaluate(load_preset(f"presets/{name}.yaml"))
    split = e.added_split().sum(axis=(0, 2))  # per mode
    for b in break_evens(e):
        m = MODES.index(b.mode)
        share = e.masses.positive[m] + e.masses.negative[m]
        gain = float(b.gain(e.masses.positive[m] / share))
        assert gain * share == pytest.approx(split[m], rel=1e-9, abs=1e-15)


def test_how_a_gain_pays():
    assert break_even_probability(100, -10, -1) == (ABOVE, pytest.approx(0.1))
    assert break_even_probability(5, 1, 0)[0] == ALWAYS  # even a sure negative pays
    assert break_even_probability(-5, -1, 0)[0] == NEVER
    assert break_even_probability(1, 1, -2)[0] == NEVER  # attention exceeds every gain
    pays, p = break_even_probability(-10, 10, 0)  # acting on a positive does harm
    assert pays == BELOW and p == pytest.approx(0.5)
    assert math.isnan(break_even_probability(0, 0, 0)[1])  # nothing ever changes: never


def test_a_mode_without_events_is_at_full_response():
    preset = load_preset("presets/safe_browsing.yaml")
    # organize handles nothing in this design: its response is the preset's, unmoved
    b = mode_break_even(evaluate(preset), "organize")
    assert not b.has_events
    u = preset.response.unprompted
    act = preset.response.modes.organize.act_if_positive.at(0.5)
    assert b.act_if_positive == pytest.approx(u.positive + (1 - u.positive) * act)
    lines = break_even_lines(
        evaluate(with_values(preset, {"experience.bands[1].mode": "organize"}))
    )
    assert any(line.strip().startswith("organize") for line in lines)


@pytest.mark.parametrize("name", ["safe_browsing", "smart_toaster", "predictive_policing"])
def test_without_moving_response_the_best_threshold_is_the_break_even(name):
    """Where nothing moves the response of the best threshold's mode (an automated action
    is neither habituated to nor distrusted), the value curve peaks at the break-even."""
    preset = load_preset(f"presets/{name}.yaml")
    why = why_best(preset)
    best = best_single_threshold(preset)
    assert why.best == best
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    assert abs(logit(best.threshold) - logit(why.break_even.probability)) < 0.05
    assert "sits at its break-even score" in why.sentence
    assert why.sentence.count(".") >= 1 and why.sentence.endswith(".")


def test_trust_puts_the_best_threshold_above_the_break_even():
    """When trust falls with precision, every prompt below the best threshold would pay
    alone but lowers the response to all the others: the best sits above the break-even."""
    preset = load_preset("presets/safe_browsing.yaml")
    preset = with_values(
        preset, {"experience.bands[0].mode": "prompt", "response.trust_matching": 1.0}
    )
    why = why_best(preset)
    assert why.best.mode == "prompt"
    assert why.best.threshold > why.break_even.probability * 1.1
    assert "above its break-even score" in why.sentence and "trust" in why.sentence


def test_a_real_models_break_even_names_its_raw_score(tmp_path):
    write_score_file(tmp_path, base_rate=0.3)
    path = tmp_path / "p.yaml"
    path.write_text(preset_text(SCORE_MODEL, base_rate=0.05))
    preset = load_preset(path)
    loaded = load_scores(preset.model, tmp_path)
    e = evaluate(preset, loaded)
    found = break_evens(e, loaded)
    assert [b.mode for b in found] == ["automate", "prompt"]
    shifted = loaded.at_base_rate(0.05)
    for b in found:
        assert b.pays == ABOVE
        assert b.raw_score == shifted.raw_at(np.array([b.probability]))[0]
        # the rows at or above that raw score are those calibrated at or above p*
        assert np.all(shifted.fit.at(0.05)[loaded.scores.scores >= b.raw_score] >= b.probability)
    doc = break_even_document(e, loaded)
    assert [m["raw_score"] for m in doc["modes"]] == [b.raw_score for b in found]
    assert (
        doc["best_single_threshold"]["threshold"] == best_single_threshold(preset, loaded).threshold
    )


def test_the_document_is_the_analysis_of_the_same_preset():
    preset = load_preset("presets/fall_detection.yaml")
    analysis = analyse(preset)
    from_analysis = break_even_document(analysis.evaluation, None, analysis.single_threshold)
    assert from_analysis == break_even_document(evaluate(preset))
    assert [m["mode"] for m in from_analysis["modes"]] == ["prompt"]


@pytest.mark.parametrize("name", ["safe_browsing", "audit_risk"])
def test_the_best_of_an_analysis_is_the_best_single_threshold(name):
    preset = load_preset(f"presets/{name}.yaml")
    assert best_of(analyse(preset)) == best_single_threshold(preset)


@pytest.mark.parametrize("name", ["safe_browsing", "fall_detection_model"])
def test_evaluate_prints_a_break_even_line_per_mode(capsys, name):
    assert cli.main(["evaluate", name, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)["break_even"]
    assert cli.main(["evaluate", name]) == 0
    text = capsys.readouterr().out
    block = text[text.index("break-even (") :].splitlines()
    n = len(doc["modes"])
    assert n and len(block) >= n + 2
    for mode, line in zip(doc["modes"], block[1 : n + 1], strict=True):
        assert line.split()[0] == mode["mode"]
        assert f"P(positive) {format_probability(mode['probability'])}" in line
        if mode["raw_score"] is not None:
            assert f"raw score {mode['raw_score']:.4g}" in line
    assert block[n + 1].strip() == doc["best_single_threshold"]["why"]
