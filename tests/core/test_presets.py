"""The bundled presets: they load, round-trip, cite every number and tell their story.

The story tests pin what each preset's notes tell the lecturer, so a change to a preset's
numbers that breaks its story fails here rather than in front of a class.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from pathlib import Path

import numpy as np
import pytest
import yaml

from prototyper.assets import bundled_presets, preset_path
from prototyper.core.evaluation.engine import Evaluation, evaluate
from prototyper.core.model.model_sources import score_model
from prototyper.core.preset.preset_io import (
    dumps_preset,
    load_preset,
    loads_preset,
    save_preset,
    with_values,
)
from prototyper.core.preset.schema import (
    MODES,
    SCHEMA_VERSION,
    STAKEHOLDERS,
    Payoff,
    Preset,
    SyntheticModel,
)
from prototyper.core.preset.structure import get_path, hints, leaf_paths

PRESETS = bundled_presets()
SHIPPED = (
    "safe_browsing",
    "fall_detection",
    "audit_risk",
    "legal_chatbot",
    "smart_toaster",
    "predictive_policing",
)
# Every number in these sections needs a source or an assumption; experience.* are design
# choices and need none.
CITED_SECTIONS = ("scenario", "model", "response", "payoffs")
# The simulation's sections: optional (left out, every dynamic is off), but a preset that
# writes one out writes all of it and cites its numbers.
OVER_TIME_SECTIONS = ("dynamics", "guardrails", "telemetry", "feedback")
FEATURE_OFF = {"experience.bands": [{"threshold": 0.0, "mode": "none"}]}


def _load(stem: str) -> Preset:
    return load_preset(preset_path(stem))


def _added_by_stakeholder(e: Evaluation) -> dict[str, float]:
    """Value per event each stakeholder gains over the same world with the feature off."""
    off = evaluate(with_values(e.preset, FEATURE_OFF))
    added = e.value_by_stakeholder() - off.value_by_stakeholder()
    return dict(zip(STAKEHOLDERS, added.tolist(), strict=True))


def _lowest_threshold(preset: Preset) -> tuple[str, float]:
    """The path and value of the lowest non-zero band threshold."""
    b = len(preset.experience.bands) - 2
    return f"experience.bands[{b}].threshold", preset.experience.bands[b].threshold


@pytest.fixture(params=PRESETS, ids=lambda p: p.stem)
def path(request) -> Path:
    return request.param


def test_the_scenarios_ship():
    assert set(SHIPPED) <= {p.stem for p in PRESETS}


def test_the_default_preset_is_safe_browsing():
    # The Makefile's `run` target and the app open this one.
    assert _load("safe_browsing").scenario.name == "Safe browsing"


# --- every preset -------------------------------------------------------------------------


def test_loads_and_evaluates_to_finite_values(path):
    preset = load_preset(path)
    e = evaluate(preset, score_model(preset.model, preset.scenario.base_rate, path.parent))
    values = [e.net_per_event, e.baseline_per_event, e.net_per_population_day]
    values += [e.added_per_population_day, *e.value_by_stakeholder().tolist()]
    assert all(math.isfinite(v) for v in values), values


def test_round_trips_through_text_and_disk(path, tmp_path):
    preset = load_preset(path)
    assert loads_preset(dumps_preset(preset)) == preset
    target = tmp_path / path.name
    save_preset(preset, target)
    assert load_preset(target) == preset


def test_schema_version_comes_first(path):
    lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.strip()]
    first = next(ln for ln in lines if not ln.lstrip().startswith("#"))
    assert first == f"schema_version: {SCHEMA_VERSION}"


# Fields whose absence is itself explicit: a payoff line without `modes` applies in every mode.
SAID_BY_ABSENCE = {(Payoff, "modes")}


def _missing_keys(tp: typing.Any, data: typing.Any, where: str) -> list[str]:
    """Fields of the schema type ``tp`` that the raw YAML data leaves to their defaults."""
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        if data is None:
            return []
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        # a union of model sources is told apart by its `source`
        by_source = {getattr(a, "SOURCE", None): a for a in options}
        tp = by_source.get(data.get("source") if isinstance(data, dict) else None, options[0])
    if typing.get_origin(tp) is tuple:
        item = typing.get_args(tp)[0]
        return [m for i, v in enumerate(data) for m in _missing_keys(item, v, f"{where}[{i}]")]
    if not dataclasses.is_dataclass(tp):
        return []
    out = []
    for f in dataclasses.fields(tp):
        child = f"{where}.{f.name}" if where else f.name
        if f.name not in data and (tp, f.name) not in SAID_BY_ABSENCE:
            out.append(child)
        elif f.name in data:
            out += _missing_keys(hints(tp)[f.name], data[f.name], child)
    return out


def test_every_field_is_written_out(path):
    # Hand-readable and explicit: no number hides in a schema default. The over-time
    # sections may be left out whole: their defaults switch every dynamic off.
    data = yaml.safe_load(path.read_text("utf-8"))
    # ``uncertainty`` is optional too: without it only the response ranges are uncertain.
    optional = (*OVER_TIME_SECTIONS, "uncertainty")
    missing = [m for m in _missing_keys(Preset, data, "") if m not in optional]
    assert missing == []


def _numeric_leaves(preset: Preset, sections: tuple[str, ...] = CITED_SECTIONS) -> list[str]:
    out = []
    for leaf in leaf_paths(preset):
        if leaf.split(".")[0].split("[")[0] not in sections:
            continue
        value = get_path(preset, leaf)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append(leaf)
    return out


def _covered(leaf: str, keys: set[str]) -> bool:
    return any(leaf == k or leaf.startswith(k + ".") or leaf.startswith(k + "[") for k in keys)


def test_every_number_has_a_source_or_an_assumption(path):
    preset = load_preset(path)
    keys = set(preset.sources) | set(preset.assumptions)
    written = yaml.safe_load(path.read_text("utf-8"))
    over_time = tuple(s for s in OVER_TIME_SECTIONS if s in written)
    leaves = _numeric_leaves(preset, CITED_SECTIONS + over_time)
    assert "scenario.base_rate" in leaves  # the walk sees numbers
    if isinstance(preset.model, SyntheticModel):  # a real model's section holds no number
        assert "model.auc" in leaves
    assert [leaf for leaf in leaves if not _covered(leaf, keys)] == []


def test_coverage_check_catches_an_uncited_number():
    # Guards the test above against passing vacuously.
    preset = _load("safe_browsing")
    keys = (set(preset.sources) | set(preset.assumptions)) - {"scenario.users"}
    assert [leaf for leaf in _numeric_leaves(preset) if not _covered(leaf, keys)] == [
        "scenario.users"
    ]


def test_citations_are_written_out(path):
    preset = load_preset(path)
    texts = [*preset.sources.values(), *preset.assumptions.values()]
    assert texts and all(len(t.strip()) >= 10 for t in texts)


def test_notes_tell_the_lecturer_what_to_show(path):
    notes = load_preset(path).notes
    assert notes.strip()
    assert len(notes.strip().splitlines()) >= 10
    assert "WHAT TO TRY" in notes


def test_payoffs_are_in_one_currency(path):
    assert load_preset(path).payoffs.currency == "USD"


# --- the stories the notes tell -----------------------------------------------------------


@pytest.mark.parametrize("stem", ["safe_browsing", "fall_detection"])
def test_hero_designs_add_value(stem):
    e = evaluate(_load(stem))
    assert e.added_per_population_day > 0
    assert e.harms_avoided_per_user_year() > 0


@pytest.mark.parametrize("stem", ["safe_browsing", "fall_detection", "smart_toaster"])
def test_a_much_lower_threshold_is_worse(stem):
    preset = _load(stem)
    key, threshold = _lowest_threshold(preset)
    base = evaluate(preset)
    lower = evaluate(with_values(preset, {key: threshold / 10}))
    assert lower.false_alarms_per_user_day() > 2 * base.false_alarms_per_user_day()
    assert lower.added_per_population_day < base.added_per_population_day


def test_safe_browsing_fewer_warnings_are_trusted_more():
    preset = _load("safe_browsing")
    key, _ = _lowest_threshold(preset)
    base, fewer = evaluate(preset), evaluate(with_values(preset, {key: 0.3}))
    prompt = MODES.index("prompt")
    assert fewer.masses.trust[prompt] > base.masses.trust[prompt]
    assert fewer.harms_avoided_per_user_year() > base.harms_avoided_per_user_year()


def test_safe_browsing_a_passive_badge_loses_value():
    preset = _load("safe_browsing")
    badge = with_values(preset, {"experience.bands[1].mode": "annotate"})
    assert evaluate(badge).added_per_population_day < evaluate(preset).added_per_population_day


def test_fall_detection_direct_dispatch_destroys_value():
    preset = _load("fall_detection")
    dispatch = with_values(preset, {"experience.bands[0].mode": "automate"})
    assert evaluate(preset).added_per_population_day > 0
    assert evaluate(dispatch).added_per_population_day < 0


def test_fall_detection_published_operating_point_loses_value():
    # At the detector's published 80% sensitivity and 0.049 false alarms an hour (Kangas)
    # the opt-out prompt costs more than it saves.
    preset = _load("fall_detection")
    published = evaluate(with_values(preset, {"experience.bands[0].threshold": 0.000153}))
    assert published.fpr[0] == pytest.approx(0.049, rel=0.02)
    assert published.tpr[0] == pytest.approx(0.80, abs=0.01)
    assert published.added_per_population_day < 0


def test_safe_browsing_model_hits_the_whittaker_operating_point():
    e = evaluate(_load("safe_browsing"))
    assert e.fpr[1] == pytest.approx(1e-4, rel=0.2)
    assert e.tpr[1] == pytest.approx(0.9, abs=0.02)


def test_legal_chatbot_business_and_user_disagree():
    preset = _load("legal_chatbot")
    e = evaluate(preset)
    added = _added_by_stakeholder(e)
    assert e.added_per_population_day > 0  # the headline says ship it...
    assert added["business"] > 0 > added["user"]  # ...paid for by the users
    # Handing off less helps the user and costs the business.
    careful = evaluate(
        with_values(
            preset, {"experience.bands[0].threshold": 0.4, "experience.bands[1].threshold": 0.3}
        )
    )
    careful_added = _added_by_stakeholder(careful)
    assert careful_added["user"] > 0 > added["user"]
    assert careful_added["business"] < added["business"]
    assert careful.added_per_population_day > e.added_per_population_day


def test_audit_risk_meter_moves_money_from_users_to_the_business():
    preset = _load("audit_risk")
    added = _added_by_stakeholder(evaluate(preset))
    assert added["business"] > 0 > added["user"]
    pre_ticked = with_values(preset, {"experience.bands[0].mode": "automate"})
    ticked_added = _added_by_stakeholder(evaluate(pre_ticked))
    assert ticked_added["business"] > added["business"]
    assert ticked_added["user"] < added["user"]


def test_smart_toaster_automation_pays_and_a_beep_does_not():
    preset = _load("smart_toaster")
    base = evaluate(preset)
    assert base.added_per_population_day > 0
    beep = with_values(preset, {"experience.bands[0].mode": "prompt"})
    assert evaluate(beep).added_per_population_day < 0
    # The model leaves fire risk behind at any threshold: a guardrail's job.
    missed = base.decomposition[1].sum(axis=(0, 2))  # positive_missed, by stakeholder
    assert missed[STAKEHOLDERS.index("user")] < 0
    assert np.isfinite(missed).all()


def test_predictive_policing_static_design_pays_but_the_loop_is_on():
    # The static engine sees a dispatch rule that pays; only the simulation sees the loop.
    preset = _load("predictive_policing")
    assert evaluate(preset).added_per_population_day > 0
    fb = preset.feedback
    assert fb.enabled and not fb.correction
    rates = {r.incident_rate for r in fb.regions}
    starts = [r.initial_discoveries for r in fb.regions]
    assert len(rates) == 1 and starts[0] != starts[1]  # equal truth, biased records
    assert any(scene.set.get("feedback.correction") for scene in preset.scenes)  # a step fixes it
