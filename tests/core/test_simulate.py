"""The simulation over time: it agrees with the static engine when nothing moves, each
dynamic moves the result in the documented direction, guardrails hold per user-day, the
runs are seeded, cancellable, and the policing preset reproduces Ensign et al. (2018)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prototyper.assets import preset_path
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.model.scores import BinormalScores, binormal_rates
from prototyper.core.preset.preset_io import PresetError, load_preset, loads_preset, with_values
from prototyper.core.preset.schema import MODES, Preset
from prototyper.core.simulation.results import SERIES, SUMMARY, Cancelled
from prototyper.core.simulation.run import learning_curve
from prototyper.core.simulation.simulate import simulate
from prototyper.core.simulation.summary import (
    simulation_document,
    simulation_table,
    text_simulation,
)

from .small_preset import SMALL

AUT, PRO = MODES.index("automate"), MODES.index("prompt")
FEW = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def bundled(stem: str, **values) -> Preset:
    preset = load_preset(preset_path(stem))
    return with_values(preset, values) if values else preset


def still(preset: Preset) -> Preset:
    """The preset with every over-time section back at its defaults (all dynamics off)."""
    defaults = {
        f.name: f.default_factory() if callable(f.default_factory) else f.default
        for f in dataclasses.fields(Preset)
    }
    return dataclasses.replace(
        preset, **{k: defaults[k] for k in ("dynamics", "guardrails", "telemetry")}
    )


def small(**values) -> Preset:
    preset = loads_preset(SMALL, "small.yaml")
    return with_values(preset, values) if values else preset


def horizon(days: int) -> dict:
    return {"scenario.horizon_days": days}


def run(preset: Preset, days: int | None = None, **kw):
    if days is not None:
        preset = with_values(preset, horizon(days))
    kw.setdefault("replications", 8)
    kw.setdefault("users", 400)
    return simulate(preset, **kw)


# --- building blocks ----------------------------------------------------------------------


def test_binormal_rates_are_the_score_models_rates():
    thresholds = np.array([0.9, 0.3, 0.01, 1e-4, 0.0])
    aucs = np.array([0.6, 0.9, 0.999])
    tpr, fpr = binormal_rates(aucs, 0.02, thresholds)
    for i, auc in enumerate(aucs):
        t, f = BinormalScores(auc, 0.02).rates_at(thresholds)
        np.testing.assert_allclose(tpr[i], t, rtol=1e-12)
        np.testing.assert_allclose(fpr[i], f, rtol=1e-12)


def test_learning_curve_starts_at_the_models_auc_and_rises_to_its_ceiling():
    n = np.array([0.0, 1e3, 1e4, 1e6, 1e12])
    auc = learning_curve(n, 0.8, 0.95, 1e4, 0.5)
    assert auc[0] == pytest.approx(0.8)
    assert auc[2] == pytest.approx(0.95 - 0.15 * 0.5**0.5)  # n = n0 halves the gap^(1/k)
    assert np.all(np.diff(auc) > 0) and auc[-1] == pytest.approx(0.95, abs=1e-4)


# --- the anchor: nothing moves, the static engine's expectation ---------------------------


@pytest.mark.parametrize(
    ("preset", "users"),
    [
        pytest.param(small(**horizon(40)), 300, id="small: automate + prompt, habituation, trust"),
        # rare, costly positives: more user-days for the same precision
        pytest.param(still(bundled("fall_detection", **horizon(60))), 4000, id="fall_detection"),
        pytest.param(still(bundled("smart_toaster", **horizon(60))), 300, id="smart_toaster"),
        pytest.param(still(bundled("safe_browsing", **horizon(30))), 6000, id="safe_browsing"),
        pytest.param(
            small(
                **horizon(40),
                **{
                    "experience.modes.prompt.daily_cap": 1,
                    "experience.modes.prompt.over_cap": "none",
                    "response.modes.prompt.habituation": 0.0,
                },
            ),
            300,
            id="small with a daily cap",
        ),
        # several events a user-day: split and acted on one uniform per event (up to 16)
        pytest.param(
            small(**horizon(20), **{"scenario.events_per_user_per_day": 6.0}),
            200,
            id="small, 6 events a user-day",
        ),
        # many: binomials per class and per mode (over 16), rejection for the counts
        pytest.param(
            small(**horizon(4), **{"scenario.events_per_user_per_day": 500.0}),
            40,
            id="small, 500 events a user-day",
        ),
    ],
)
def test_with_every_dynamic_off_the_mean_is_the_static_engines(preset, users):
    # Each replication's net value per user-day is an independent estimate; the static
    # engine's exact expectation must sit inside the replications' 99.7% interval, and the
    # interval must be tight enough for the check to mean something.
    sim = simulate(preset, seed=3, replications=24, users=users)
    x = sim.samples["net_value_per_user_day"]
    se = x.std(ddof=1) / math.sqrt(x.size)
    static = evaluate(preset).net_per_user_day
    assert abs(x.mean() - static) <= 3 * se, (x.mean(), static, se)
    assert se < 0.03 * abs(static)
    assert sim.summary["active_users"].mean == 1.0
    assert sim.summary["guardrail_activations"].mean == 0.0


def test_the_static_reference_and_the_value_added_are_the_engines():
    preset = bundled("fall_detection", **horizon(30))
    sim = run(preset)
    e = evaluate(preset)
    assert sim.static_net_per_day == pytest.approx(e.net_per_population_day)
    assert sim.static_value_added_per_day == pytest.approx(e.added_per_population_day)
    # Value added per day is net minus the feature-off expectation, on every day.
    baseline = e.net_per_population_day - e.added_per_population_day
    diff = sim.series["net_value"].mean - sim.series["value_added"].mean
    np.testing.assert_allclose(diff, baseline, rtol=1e-9)


# --- each dynamic moves the result the documented way -------------------------------------


HABIT_ON = {"dynamics.habituation.enabled": True}


@FEW
@given(
    recovery=st.floats(0.05, 0.9),
    polymorphic=st.floats(0.0, 0.8),
    per_day=st.floats(0.3, 3.0),
)
def test_more_frequency_means_more_habituation(recovery, polymorphic, per_day):
    def habituation(events: float) -> float:
        preset = small(
            **horizon(20),
            **HABIT_ON,
            **{
                "dynamics.habituation.recovery_per_day": recovery,
                "dynamics.habituation.polymorphic": polymorphic,
                "scenario.events_per_user_per_day": events,
            },
        )
        return run(preset, replications=4, users=200).summary["habituation"].mean

    assert habituation(3 * per_day) < habituation(per_day)


@FEW
@given(recovery=st.floats(0.05, 0.9))
def test_carry_over_and_slow_recovery_habituate_more(recovery):
    def habituation(**values) -> float:
        preset = small(**horizon(20), **values)
        return run(preset, replications=4, users=200).summary["habituation"].mean

    off = habituation()
    carried = habituation(**HABIT_ON, **{"dynamics.habituation.recovery_per_day": recovery})
    slower = habituation(**HABIT_ON, **{"dynamics.habituation.recovery_per_day": recovery / 2})
    varied = habituation(
        **HABIT_ON,
        **{
            "dynamics.habituation.recovery_per_day": recovery,
            "dynamics.habituation.polymorphic": 0.7,
        },
    )
    assert slower < carried < off
    assert carried < varied  # a polymorphic warning habituates less


ABANDON = {"dynamics.abandonment.enabled": True, "dynamics.abandonment.per_day": 0.0}


@FEW
@given(hazard=st.floats(0.005, 0.2))
def test_more_false_alarms_mean_more_abandonment(hazard):
    def active(threshold: float, h: float) -> float:
        preset = bundled(
            "fall_detection",
            **horizon(60),
            **ABANDON,
            **{
                "dynamics.abandonment.per_false_alarm": h,
                "experience.bands[0].threshold": threshold,
            },
        )
        return run(preset, replications=4, users=300).summary["active_users"].mean

    base = active(0.002, hazard)
    assert active(0.0005, hazard) < base  # a lower threshold: more false alarms
    assert active(0.002, min(1.0, 3 * hazard)) < base  # each false alarm weighs more
    assert base < 1.0


def test_abandoned_users_get_no_value():
    # Everyone leaves after the first day: from then on the feature adds nothing.
    preset = small(
        **horizon(20),
        **{"dynamics.abandonment.enabled": True, "dynamics.abandonment.per_day": 1.0},
    )
    sim = run(preset, replications=6, users=500)
    assert sim.series["active_users"].mean[0] == 1.0
    assert np.all(sim.series["active_users"].mean[1:] == 0.0)
    assert np.all(np.isnan(sim.series["interactions"].mean[1:]))  # no active user to ask
    added = sim.series["value_added"].mean[1:]
    static_added = evaluate(preset).added_per_population_day
    assert abs(added.mean()) < 0.05 * abs(static_added)  # only noise around zero


TELEMETRY = {
    "telemetry.enabled": True,
    "telemetry.label_share": 0.5,
    "telemetry.retrain_every_days": 10,
    "telemetry.learning_labels": 50_000.0,
}


@FEW
@given(share=st.floats(0.05, 1.0), wrong=st.floats(0.0, 0.4))
def test_labels_and_retraining_raise_the_auc(share, wrong):
    def final_auc(label_share: float) -> float:
        values = {
            **TELEMETRY,
            "telemetry.label_share": label_share,
            "telemetry.wrong_if_positive": wrong,
        }
        preset = bundled("smart_toaster", **horizon(40), **values)
        return run(preset, replications=3, users=300).summary["auc"].mean

    start = bundled("smart_toaster").model.auc
    low, high = final_auc(share / 4), final_auc(share)
    assert start < low < high


def test_wrong_labels_teach_less_and_drift_erodes_the_model():
    def final_auc(**values) -> float:
        preset = bundled("smart_toaster", **horizon(40), **{**TELEMETRY, **values})
        return run(preset, replications=3, users=300).summary["auc"].mean

    clean = final_auc()
    assert final_auc(**{"telemetry.wrong_if_positive": 0.3}) < clean
    drift = {"telemetry.drift_per_day": 0.002, "telemetry.label_share": 0.0}
    start = bundled("smart_toaster").model.auc
    assert final_auc(**drift, **{"telemetry.retrain_every_days": None}) == pytest.approx(
        start - 0.002 * 39
    )
    # Retraining every 10 days (after days 10, 20, 30) restores the model: on the last day
    # it has drifted for 9 days only.
    assert final_auc(**drift) == pytest.approx(start - 0.002 * 9)


def test_low_reliability_automation_loses_trust_over_time():
    # Wickens & Dixon: automation right less than ~70% of the time is not relied on. Users
    # who start out expecting 90% learn the real precision and undo more of it.
    def trust(threshold: float):
        preset = bundled(
            "smart_toaster",
            **horizon(120),
            **{
                "dynamics.trust.enabled": True,
                "dynamics.trust.initial_precision": 0.9,
                "experience.bands[0].threshold": threshold,
            },
        )
        return run(preset, replications=4, users=300).series["trust"].mean

    unreliable, reliable = trust(0.05), trust(0.6)  # precision about 20% and 75%
    assert unreliable[-10:].mean() < unreliable[:3].mean() - 0.3
    assert unreliable[-10:].mean() < 0.5
    assert reliable[-10:].mean() > 0.75


# --- frequency and guardrails hold per user-day ---------------------------------------------


def _traces(preset: Preset, **kw) -> list:
    days = []
    run(preset, on_day=days.append, **kw)
    return days


@FEW
@given(cap=st.integers(0, 3), design_cap=st.integers(0, 4))
def test_a_guardrail_cap_is_never_exceeded(cap, design_cap):
    preset = small(
        **horizon(15),
        **{
            "scenario.events_per_user_per_day": 20.0,
            "guardrails.max_automations_per_day": cap,
            "experience.modes.prompt.daily_cap": design_cap,
        },
    )
    most_automated = most_prompted = 0
    for day in _traces(preset, replications=3, users=150):
        most_automated = max(most_automated, int(day.counts[:, AUT].sum(axis=0).max(initial=0)))
        most_prompted = max(most_prompted, int(day.counts[:, PRO].sum(axis=0).max(initial=0)))
    assert most_automated <= cap
    assert most_prompted <= design_cap
    sim = run(preset, replications=3, users=150)
    if cap < 3:
        assert sim.summary["guardrail_activations"].mean > 0


def test_a_cooldown_keeps_a_mode_quiet_for_its_days():
    preset = small(**horizon(30), **{"dynamics.cooldown_days.prompt": 3})
    last: dict[int, int] = {}
    for day in _traces(preset, replications=2, users=100):
        shown = day.slots[day.counts[:, PRO].sum(axis=0) > 0]
        for slot in shown.tolist():
            assert day.day - last.get(slot, -100) > 3
            last[slot] = day.day
    assert last  # prompts were shown at all


def test_the_confidence_floor_stops_low_confidence_automation():
    base = small(**horizon(20), **{"experience.modes.automate.over_cap": "prompt"})
    floored = with_values(base, {"guardrails.min_confidence_to_automate": 0.8})
    a, b = run(base), run(floored)
    assert b.summary["interactions"].mean == pytest.approx(a.summary["interactions"].mean, 0.1)
    assert b.series["confidence_floor"].mean.sum() > 0
    assert a.series["confidence_floor"].mean.sum() == 0
    # The floored events became prompts (automate's over-cap mode), not silence.
    assert b.series["interruptions"].mean.mean() == pytest.approx(
        a.series["interruptions"].mean.mean(), rel=0.1
    )


def test_escalations_stay_within_the_operators_capacity():
    capacity = 100  # reviews a day for the whole population of 1,000
    preset = small(
        **horizon(20),
        **{
            "guardrails.escalation.enabled": True,
            "guardrails.escalation.min_score": 0.5,
            "guardrails.escalation.capacity_per_day": capacity,
        },
    )
    sim = run(preset, users=500)  # scale 2: 50 reviews a simulated day
    escalations = sim.series["escalations"]
    assert escalations.p95.max() <= capacity + sim.scale  # stochastic rounding
    assert sim.series["escalations_over_capacity"].mean.mean() > 0
    unlimited = run(with_values(preset, {"guardrails.escalation.capacity_per_day": None}))
    assert unlimited.series["escalations"].mean.mean() > escalations.mean.mean()
    assert unlimited.series["escalations_over_capacity"].mean.max() == 0
    # Automated actions (scores >= 0.5) all went to the human when there was room.
    assert unlimited.series["interruptions"].mean.mean() < sim.series["interruptions"].mean.mean()


def test_the_harm_limit_bounds_the_loss_of_each_positive():
    preset = bundled("smart_toaster", **horizon(30))
    limited = with_values(
        preset,
        {
            "guardrails.harm_limit.enabled": True,
            "guardrails.harm_limit.max_loss_per_positive": 1.5,
        },
    )
    a, b = run(preset, seed=1), run(limited, seed=1)  # the same draws, cheaper misses
    assert b.summary["net_value"].mean > a.summary["net_value"].mean
    assert b.series["harm_limited"].mean.sum() > 0


# --- seeded, cancellable, with progress ---------------------------------------------------


def test_the_same_seed_gives_identical_results_and_another_seed_does_not():
    preset = small(**horizon(15), **HABIT_ON, **TELEMETRY, **ABANDON)
    preset = with_values(preset, {"dynamics.trust.enabled": True})
    a, b, c = run(preset, seed=5), run(preset, seed=5), run(preset, seed=6)
    for name in SERIES:
        for q in ("mean", "p5", "p95"):
            np.testing.assert_array_equal(getattr(a.series[name], q), getattr(b.series[name], q))
    assert a.variates == b.variates
    assert not np.array_equal(a.series["net_value"].mean, c.series["net_value"].mean)


def test_progress_rises_from_0_to_1_and_cancel_stops_the_run():
    preset = small(**horizon(50))
    seen: list[float] = []
    run(preset, progress=seen.append, replications=2, users=50)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(b > a for a, b in zip(seen, seen[1:], strict=False))

    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 10

    halfway: list[float] = []
    with pytest.raises(Cancelled):
        run(preset, progress=halfway.append, cancel=cancel, replications=2, users=50)
    assert 0 < halfway[-1] < 1


def test_default_population_is_capped_and_scaled():
    preset = bundled("safe_browsing", **horizon(3))
    sim = simulate(preset, replications=2)
    assert sim.users == 10_000 and sim.scale == 100_000_000 / 10_000
    assert "10,000 of 100,000,000 users simulated" in text_simulation(sim)


def test_bad_arguments_and_presets_the_simulation_cannot_run():
    preset = small(**horizon(5))
    with pytest.raises(ValueError, match="replications"):
        simulate(preset, replications=0)
    with pytest.raises(ValueError, match="users"):
        simulate(preset, users=0)
    bad = with_values(preset, {"telemetry.enabled": True, "telemetry.auc_max": 0.7})
    with pytest.raises(PresetError, match=r"telemetry.auc_max: must be above model.auc"):
        simulate(bad)


def test_schema_checks_the_new_sections():
    with pytest.raises(PresetError, match="wrong_if_negative"):
        small(**{"telemetry.wrong_if_positive": 0.6, "telemetry.wrong_if_negative": 0.5})
    with pytest.raises(PresetError, match="feedback.regions: needs at least two regions"):
        small(**{"feedback.enabled": True})


# --- the feedback loop: Ensign et al. 2018 -----------------------------------------------


def _policing(**values):
    preset = bundled("predictive_policing", **values)
    sim = simulate(preset, seed=11, replications=40, users=20)
    return sim.feedback.final_share[:, 0]  # region A's share at the horizon


def test_policing_without_correction_does_not_converge_to_the_truth():
    share = _policing()
    assert 0.62 < share.mean() < 0.78  # the biased 70/30 start is locked in
    assert np.mean(np.abs(share - 0.5) < 0.05) < 0.1


def test_policing_with_correction_converges_to_the_truth():
    share = _policing(**{"feedback.correction": True})
    assert abs(share.mean() - 0.5) < 0.02
    assert np.all(np.abs(share - 0.5) < 0.06)


def test_policing_runs_away_with_unequal_rates_unless_corrected():
    higher = {"feedback.regions[0].incident_rate": 0.4, "feedback.regions[1].incident_rate": 0.2}
    truth = 0.4 / 0.6
    assert _policing(**higher).mean() > truth + 0.15
    corrected = _policing(**higher, **{"feedback.correction": True})
    assert abs(corrected.mean() - truth) < 0.03


# --- what the CLI and the GUI read ----------------------------------------------------------


def test_document_and_table_carry_every_series_and_the_summary():
    preset = bundled("predictive_policing", **horizon(10))
    sim = simulate(preset, replications=3)
    doc = simulation_document(sim)
    assert set(SERIES) <= set(doc["series"]) and "patrol_share[A]" in doc["series"]
    assert list(doc["summary"]) == list(SUMMARY)
    assert len(doc["series"]["net_value"]["mean"]) == 10
    assert doc["feedback"]["regions"][0]["true_share"] == 0.5
    header, rows = simulation_table(sim)
    assert header[0] == "day" and len(rows) == 10 and len(rows[0]) == len(header)
    assert "net_value_mean" in header and "patrol_share[B]_p95" in header
