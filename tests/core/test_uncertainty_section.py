"""The preset's ``uncertainty:`` section: read, checked with file:line, saved as written."""

from __future__ import annotations

import numpy as np
import pytest

from prototyper.core.evaluation.engine import evaluate
from prototyper.core.preset.preset_io import PresetError, dumps_preset, loads_preset
from prototyper.core.preset.uncertainty import Distribution, uncertain_inputs

from .small_preset import HAND

BASE = HAND.split("uncertainty:")[0]


def _with(section: str):
    return loads_preset(BASE + "uncertainty:\n" + section, "u.yaml")


def test_distributions_are_read_and_saved_as_written():
    preset = _with(
        "  payoffs.positive_acted[0].amount: {triangular: [5, 20, 60]}\n"
        "  scenario.base_rate: {beta: [2, 18]}\n"
        "  payoffs.negative_acted[0].amount: {beta: [2, 2], low: -30, high: -5}\n"
        "  response.modes.automate.act_if_negative: {low: 0.02, high: 0.2}\n"
    )
    inputs = {i.path: i for i in uncertain_inputs(preset)}
    assert inputs["payoffs.positive_acted[0].amount"].distribution == Distribution(
        "triangular", 5.0, 60.0, mode=20.0
    )
    assert inputs["scenario.base_rate"].distribution.mean() == pytest.approx(0.1)
    scaled = inputs["payoffs.negative_acted[0].amount"].distribution
    assert (scaled.low, scaled.high, scaled.mean()) == (-30.0, -5.0, -17.5)
    # an entry naming a response range overrides the range itself, at its point value
    x = inputs["response.modes.automate.act_if_negative"]
    assert not x.implicit and x.point == pytest.approx(0.1)
    assert loads_preset(dumps_preset(preset), "again.yaml") == preset
    assert "uncertainty:" in dumps_preset(preset)


def test_the_section_changes_no_evaluated_number():
    plain = loads_preset(BASE, "plain.yaml")
    assert "uncertainty" not in dumps_preset(plain)  # nothing written when there is none
    with_section = loads_preset(HAND, "hand.yaml")
    assert evaluate(with_section).added_per_population_day == pytest.approx(
        evaluate(plain).added_per_population_day, rel=0, abs=0
    )


def test_draws_follow_each_distribution():
    u = np.linspace(0, 1, 100_001)
    tri = Distribution("triangular", 0.0, 3.0, mode=1.0)
    assert tri.ppf(u).mean() == pytest.approx(tri.mean(), rel=1e-3)
    assert tri.ppf(np.array([0.0, 1 / 3, 1.0])) == pytest.approx([0.0, 1.0, 3.0])
    beta = Distribution("beta", 10.0, 20.0, a=2.0, b=6.0)
    assert beta.ppf(u).mean() == pytest.approx(12.5, rel=1e-3)


BAD = [
    ("  payoffs.positive_acted[3].amount: {low: 1, high: 2}\n", "names no field"),
    ("  scenario.name: {low: 1, high: 2}\n", "names no decimal number"),
    ("  scenario.users: {low: 1, high: 2}\n", "names no decimal number"),
    ("  scenario.base_rate: {low: 0, high: 0.2}\n", "low must be in (0, 1), got 0"),
    ("  scenario.base_rate: {low: 0.3, high: 0.2}\n", "L must be below H"),
    ("  scenario.base_rate: {triangular: [0.1, 0.5, 0.3]}\n", "MODE must be from L to H"),
    ("  scenario.base_rate: {beta: [0, 2]}\n", "A and B must be above 0"),
    ("  scenario.base_rate: {beta: [1, 2], low: 0.1}\n", "needs both low and high"),
    ("  scenario.base_rate: {normal: [0.1, 0.01]}\n", "unknown key 'normal'"),
    ("  scenario.base_rate: 0.1\n", "expected {low: L, high: H}"),
    ("  response.modes.automate.act_if_positive: {low: 0.5, high: 1.5}\n", "high must be in"),
    ("  experience.bands[0].threshold: {low: 0.1, high: 0.2}\n", "lowest band starts at 0"),
]


@pytest.mark.parametrize(("section", "message"), BAD)
def test_a_bad_entry_is_one_line_with_file_line_and_path(section, message):
    with pytest.raises(PresetError) as info:
        _with(section)
    (problem,) = info.value.problems
    line = BASE.count("\n") + 2
    key = section.strip().split(":")[0]
    assert str(problem).startswith(f"u.yaml:{line}: uncertainty.{key}")
    assert message in str(problem)
    assert "\n" not in str(problem)
