"""Trust without double counting: a mode's response rates hold at the precision they were
measured at (``response.modes.<mode>.measured_at_precision``), and heeding falls below it by
the probability-matching rule, in the engine and in the simulation alike."""

from __future__ import annotations

import pytest

from prototyper.assets import preset_path
from prototyper.core.evaluation import value
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.preset.preset_io import PresetError, load_preset, loads_preset, with_values
from prototyper.core.preset.schema import MODES
from prototyper.core.simulation.simulate import simulate

from .small_preset import SMALL

PROMPT = MODES.index("prompt")


def test_the_rule_is_relative_to_the_measured_precision():
    assert value.trust_multiplier(0.9, 0.9, 0.9) == pytest.approx(1.0)
    assert value.trust_multiplier(0.9, 0.3, 0.9) == pytest.approx((0.1 + 0.9 * 0.3) / 0.91)
    assert value.trust_multiplier(0.9, 0.99, 0.5) == 1.0  # more precise: the cited rate
    assert value.trust_multiplier(0.0, 0.1, 0.5) == 1.0  # nobody matches: nothing changes
    # measured on warnings that are always right: the plain rule
    assert value.trust_multiplier(0.9, 0.3) == value.trust_multiplier(0.9, 0.3, 1.0) == 0.37


def test_at_the_measured_precision_the_cited_heed_rate_is_reproduced():
    sb = load_preset(preset_path("safe_browsing"))
    band_precision = float(evaluate(sb).masses.precision[PROMPT])
    at = with_values(sb, {"response.modes.prompt.measured_at_precision": band_precision})
    e = evaluate(at)
    r, f = at.response.modes.prompt, at.experience.modes.prompt.forcefulness
    u = at.response.unprompted.positive
    h = float(e.masses.habituation[PROMPT])
    assert e.masses.trust[PROMPT] == pytest.approx(1.0)
    cited = u + (1 - u) * r.act_if_positive.at(f) * h
    assert e.masses.act_positive[PROMPT] == pytest.approx(cited)


def test_field_rates_are_discounted_once_not_twice():
    sb = load_preset(preset_path("safe_browsing"))
    assert sb.response.modes.prompt.measured_at_precision == 0.9
    field = evaluate(sb)
    twice = evaluate(with_values(sb, {"response.modes.prompt.measured_at_precision": 1.0}))
    w, p = sb.response.trust_matching, float(field.masses.precision[PROMPT])
    assert twice.masses.trust[PROMPT] == pytest.approx((1 - w) + w * p)
    assert field.masses.trust[PROMPT] == pytest.approx(((1 - w) + w * p) / ((1 - w) + w * 0.9))
    assert field.masses.act_positive[PROMPT] > twice.masses.act_positive[PROMPT]
    # the more precise the warnings the rates were measured on, the less a weaker band earns
    lower = evaluate(with_values(sb, {"response.modes.prompt.measured_at_precision": 0.5}))
    assert lower.masses.trust[PROMPT] > field.masses.trust[PROMPT]


def test_learned_trust_is_relative_to_the_measured_precision_too():
    # Users who expect the measured precision, with a prior too heavy for a month of alarms
    # to move, trust the prompts as the rates were measured: a multiplier of about 1.
    preset = with_values(
        loads_preset(SMALL, "small.yaml"),
        {
            "scenario.horizon_days": 30,
            "dynamics.trust.enabled": True,
            "dynamics.trust.initial_precision": 0.4,
            "dynamics.trust.prior_weight": 1e4,
            "response.modes.prompt.measured_at_precision": 0.4,
            "response.modes.automate.measured_at_precision": 0.4,
        },
    )
    sim = simulate(preset, seed=1, replications=4, users=200)
    assert sim.summary["trust"].mean == pytest.approx(1.0, abs=0.01)
    plain = with_values(preset, {"response.modes.prompt.measured_at_precision": 1.0})
    plain = with_values(plain, {"response.modes.automate.measured_at_precision": 1.0})
    sim = simulate(plain, seed=1, replications=4, users=200)
    assert sim.summary["trust"].mean == pytest.approx(0.1 + 0.9 * 0.4, abs=0.01)


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5])
def test_a_measured_precision_outside_0_to_1_is_refused(bad):
    with pytest.raises(PresetError, match="measured_at_precision"):
        with_values(
            load_preset(preset_path("safe_browsing")),
            {"response.modes.prompt.measured_at_precision": bad},
        )
