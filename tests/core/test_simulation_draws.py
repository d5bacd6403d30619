"""The simulation's per-user draws: a user-day's one event takes a single uniform for its
count, its class and whether it is acted on, so the act must not lean on the class it drew."""

from __future__ import annotations

import dataclasses
import math

from prototyper.assets import preset_path
from prototyper.core.evaluation import value
from prototyper.core.preset.preset_io import load_preset, with_values
from prototyper.core.preset.schema import Band, Preset
from prototyper.core.simulation.simulate import simulate


def one_prompt_band(**values) -> Preset:
    """Fall detection with a single shown mode (prompt above 0.002), every over-time section
    at its defaults and no habituation or trust: each event is acted on with the chance of
    its truth alone, and almost every user-day with an event has exactly one."""
    preset = load_preset(preset_path("fall_detection"))
    bands = (Band(0.002, "prompt"), Band(0.0, "none"))
    defaults = {
        f.name: f.default_factory() if callable(f.default_factory) else f.default
        for f in dataclasses.fields(Preset)
        if f.name in ("dynamics", "guardrails", "telemetry")
    }
    preset = dataclasses.replace(
        preset, experience=dataclasses.replace(preset.experience, bands=bands), **defaults
    )
    changes = {
        "scenario.horizon_days": 30,
        "response.trust_matching": 0.0,
        "response.modes.prompt.habituation": 0.0,
    }
    return with_values(preset, {**changes, **values})


def test_a_single_events_act_has_the_chance_of_its_own_truth():
    # Negatives are the first (largest) class and positives rare, with acting chances far
    # apart (0.9 and 0.02): an act that leaned on the class draw would move the share of
    # shown events acted on away from precision * P(act | +) + (1 - precision) * P(act | -).
    preset = one_prompt_band()
    sim = simulate(preset, seed=5, replications=30, users=3000)
    resp, mode = preset.response, preset.experience.modes.prompt
    act = resp.modes.prompt
    chance = {
        "positive": value.act_probability(
            resp.unprompted.positive, act.act_if_positive.at(mode.forcefulness), 1.0
        ),
        "negative": value.act_probability(
            resp.unprompted.negative, act.act_if_negative.at(mode.forcefulness), 1.0
        ),
    }
    s = sim.samples
    precision = 1.0 - s["false_alarms"] / s["interactions"]  # per replication, same 30 days
    expected = precision * chance["positive"] + (1.0 - precision) * chance["negative"]
    diff = s["acts_when_shown"] - expected
    se = diff.std(ddof=1) / math.sqrt(diff.size)
    assert abs(diff.mean()) <= 4 * se, (diff.mean(), se)
    # the check means something: the truths' chances are far apart, both kinds are shown
    assert chance["positive"] - chance["negative"] > 0.5
    assert 0.005 < precision.mean() < 0.5
    assert se < 0.1 * (chance["positive"] - chance["negative"]) * precision.mean()
