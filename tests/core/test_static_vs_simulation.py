"""Where the static engine claims exactness, the simulation (with every dynamic off) agrees
with it: frequency caps together with habituation, and the harm limit."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from prototyper.assets import preset_path
from prototyper.core.evaluation import value
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.report import summary
from prototyper.core.preset.preset_io import load_preset, with_values
from prototyper.core.preset.schema import MODES, SHOWN_MODES, Band, Preset
from prototyper.core.simulation.simulate import simulate


def toaster(**values) -> Preset:
    return with_values(load_preset(preset_path("smart_toaster")), values)


def capped_toaster(**values) -> Preset:
    """The toaster with a stop, a capped beep and a capped light ring, eight toastings a
    day (a café), beeps and rings that move users: caps, habituation and the harm limit."""
    preset = toaster()
    bands = (Band(0.5, "automate"), Band(0.05, "prompt"), Band(0.02, "annotate"), Band(0.0, "none"))
    preset = dataclasses.replace(
        preset, experience=dataclasses.replace(preset.experience, bands=bands)
    )
    changes = {
        "scenario.horizon_days": 40,
        "scenario.events_per_user_per_day": 8,
        "experience.modes.prompt.daily_cap": 1,
        "experience.modes.prompt.over_cap": "none",
        "experience.modes.annotate.daily_cap": 2,
        "experience.modes.annotate.over_cap": "none",
        "response.modes.prompt.act_if_positive.low": 0.9,
        "response.modes.prompt.act_if_positive.high": 1.0,
        "response.modes.annotate.act_if_positive.low": 0.6,
        "response.modes.annotate.act_if_positive.high": 0.8,
    }
    return with_values(preset, {**changes, **values})


def mean_and_se(x: np.ndarray) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def test_a_cap_of_one_leaves_no_second_exposure_to_habituate_to():
    lam = np.array([0.0, 0.3, 2.0, 40.0])
    np.testing.assert_array_equal(value.capped_habituation_factor(lam, 1, 0.3), 1.0)


@pytest.mark.parametrize("cap", [2, 3, 7])
@pytest.mark.parametrize("lam", [0.05, 1.0, 4.0, 30.0])
def test_the_capped_habituation_is_the_mean_over_the_capped_exposures(cap, lam):
    # Brute force over the Poisson count: exposures min(N, cap), multiplier (1-r)^k.
    rate, q = 0.3, 0.7
    n = np.arange(400)
    pmf = np.exp(n * math.log(lam) - lam - np.array([math.lgamma(k + 1) for k in n]))
    x = np.minimum(n, cap)
    moved = (1 - q**x) / rate  # sum of q^k for k < x
    expected = (pmf * moved).sum() / (pmf * x).sum()
    assert value.capped_habituation_factor(lam, cap, rate) == pytest.approx(expected, rel=1e-12)


def test_a_cap_that_never_binds_is_the_uncapped_habituation():
    lam = np.array([0.1, 1.0, 3.0])
    np.testing.assert_allclose(
        value.capped_habituation_factor(lam, 200, 0.3), value.habituation_factor(lam, 0.3)
    )


def test_caps_with_habituation_and_a_harm_limit_agree_with_the_simulation():
    preset = capped_toaster()
    e = evaluate(preset)
    assert preset.guardrails.harm_limit.enabled
    prompt = MODES.index("prompt")
    assert e.masses.demoted_share[prompt] > 0.3  # the cap binds
    assert e.masses.habituation[prompt] == 1.0  # and leaves one beep a day
    sim = simulate(preset, seed=3, replications=24, users=1000)
    assert sim.summary["guardrail_activations"].mean > 0  # the harm limit acts

    net, se = mean_and_se(sim.samples["net_value_per_user_day"])
    assert abs(net - e.net_per_user_day) <= 3 * se, (net, e.net_per_user_day, se)
    assert se < 0.01 * abs(e.net_per_user_day)

    # The habituation multiplier, averaged over the shown interactions as the simulation does.
    shown = [MODES.index(m) for m in SHOWN_MODES]
    counts = e.masses.interactions[shown]
    static_h = float((counts * e.masses.habituation[shown]).sum() / counts.sum())
    h, se_h = mean_and_se(sim.samples["habituation"])
    assert abs(h - static_h) <= 3 * se_h + 1e-9, (h, static_h, se_h)
    assert se_h < 0.005


def test_the_toasters_harm_limit_is_in_its_static_figures():
    preset = toaster(**{"scenario.horizon_days": 60})
    e = evaluate(preset)
    off = evaluate(toaster(**{"guardrails.harm_limit.enabled": False}))
    # The fuse bounds a burn's cost with the feature on and off: both change.
    assert e.net_per_event > off.net_per_event
    assert e.baseline_per_event > off.baseline_per_event
    sim = simulate(preset, seed=5, replications=24, users=300)
    for key, static in (
        ("net_value_per_user_day", e.net_per_user_day),
        ("value_added", e.added_per_population_day * 60),
    ):
        mean, se = mean_and_se(sim.samples[key])
        assert abs(mean - static) <= 3 * se, (key, mean, static, se)
        assert se < 0.05 * abs(static)


def test_the_two_response_rates_mean_the_same_in_the_engine_and_the_simulation():
    # Fall detection's prompts: nearly all are false alarms the wearer cancels, so few
    # prompts are acted on, yet a wearer who did fall lets almost every call go through.
    preset = with_values(load_preset(preset_path("fall_detection")), {"scenario.horizon_days": 30})
    blank = Preset.__dataclass_fields__  # every over-time section back at its default: off
    preset = dataclasses.replace(
        preset, **{k: blank[k].default for k in ("dynamics", "guardrails", "telemetry")}
    )
    e = evaluate(preset)
    lead = summary(e)["layers"]["leading_indicators"]
    shown, right = lead["acts_when_shown"]["prompt"], lead["acts_when_right"]["prompt"]
    assert shown < 0.05 and right > 0.85
    sim = simulate(preset, seed=4, replications=16, users=10_000)
    for key, static in (("acts_when_shown", shown), ("acts_when_right", right)):
        mean, se = mean_and_se(sim.samples[key])
        assert abs(mean - static) <= 3 * se + 1e-6, (key, mean, static, se)
    assert "compliance" not in lead and "compliance" not in sim.samples


@pytest.mark.parametrize("cap", [0, 1, 3])
@pytest.mark.parametrize("lam", [0.05, 1.0, 6.0])
def test_the_generating_function_of_what_a_cap_demotes(cap, lam):
    rate, q = 0.3, 0.7
    n = np.arange(400)
    pmf = np.exp(n * math.log(lam) - lam - np.array([math.lgamma(k + 1) for k in n]))
    expected = (pmf * q ** np.maximum(n - cap, 0)).sum()
    assert value.excess_generating(lam, cap, rate) == pytest.approx(expected, rel=1e-12)


def test_a_mode_that_receives_a_caps_overflow_habituates_as_in_the_simulation():
    # The beeps over the cap become light rings on top of the rings of their own band: a
    # user with many rings that day is one who had many beeps, so the rings cluster.
    preset = capped_toaster(
        **{
            "experience.modes.prompt.over_cap": "annotate",
            "experience.modes.annotate.daily_cap": None,
        }
    )
    e = evaluate(preset)
    shown = [MODES.index(m) for m in SHOWN_MODES]
    counts = e.masses.interactions[shown]
    static_h = float((counts * e.masses.habituation[shown]).sum() / counts.sum())
    sim = simulate(preset, seed=3, replications=24, users=1000)
    h, se_h = mean_and_se(sim.samples["habituation"])
    assert abs(h - static_h) <= 3 * se_h, (h, static_h, se_h)
    assert se_h < 0.001
