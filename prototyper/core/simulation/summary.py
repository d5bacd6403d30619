"""Reporting a simulation: the same figures for the command line, files and the window (a
JSON-ready document, a per-day table and a text summary)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..evaluation.value import modelled_stakeholders
from ..format import money, summary_value
from ..preset.schema import ACTIVE_MODES, Preset
from .results import SERIES, SUMMARY, Series, Simulation, Stat, _series, _stat


def feedback_series(sim: Simulation) -> dict[str, Series]:
    """The share of patrols each region gets, per day (empty without a feedback loop)."""
    fb = sim.feedback
    if fb is None:
        return {}
    return {
        f"patrol_share[{name}]": _series(fb.patrol_share[:, :, i])
        for i, name in enumerate(fb.regions)
    }


def all_series(sim: Simulation) -> dict[str, Series]:
    return {**sim.series, **feedback_series(sim)}


def _num(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _switches(p: Preset) -> dict[str, bool]:
    dyn, g = p.dynamics, p.guardrails
    return {
        "habituation_carry_over": dyn.habituation.enabled,
        "trust_learned": dyn.trust.enabled,
        "abandonment": dyn.abandonment.enabled,
        "cooldowns": any(getattr(dyn.cooldown_days, m) > 0 for m in ACTIVE_MODES),
        "automation_cap": g.max_automations_per_day is not None,
        "confidence_floor": g.min_confidence_to_automate > 0,
        "escalation": g.escalation.enabled,
        "harm_limit": g.harm_limit.enabled,
        "telemetry": p.telemetry.enabled,
        "feedback": p.feedback.enabled,
    }


def population_note(sim: Simulation) -> str:
    if sim.users == sim.population:
        return f"all {sim.population:,} users simulated"
    return (
        f"{sim.users:,} of {sim.population:,} users simulated; population totals scaled "
        f"x{sim.scale:,.4g}"
    )


def simulation_document(sim: Simulation) -> dict[str, Any]:
    """Everything as plain JSON-ready data (NaN as None): settings, the horizon summary,
    every series per day."""
    p = sim.preset
    doc: dict[str, Any] = {
        "scenario": p.scenario.name,
        "currency": p.payoffs.currency,
        "seed": sim.seed,
        "replications": sim.replications,
        "users_simulated": sim.users,
        "population": sim.population,
        "scale": sim.scale,
        "days": len(sim.days),
        "note": population_note(sim),
        "dynamics": _switches(p),
        "static_engine": {
            "net_value_per_day": _num(sim.static_net_per_day),
            "value_added_per_day": _num(sim.static_value_added_per_day),
        },
        "summary": {
            k: {
                "title": SUMMARY[k][0],
                "unit": SUMMARY[k][1],
                "mean": _num(v.mean),
                "p5": _num(v.p5),
                "p95": _num(v.p95),
            }
            for k, v in sim.summary.items()
        },
        "series": {},
        "feedback": None,
    }
    for k, v in all_series(sim).items():
        title, unit, _ = SERIES.get(k, (k, "share", ""))
        doc["series"][k] = {
            "title": title,
            "unit": unit,
            **{q: [_num(x) for x in getattr(v, q)] for q in ("mean", "p5", "p95")},
        }
    fb = sim.feedback
    if fb is not None:
        final = fb.final_share
        doc["feedback"] = {
            "correction": p.feedback.correction,
            "regions": [
                {
                    "name": name,
                    "true_share": float(fb.truth_share[i]),
                    "final_share": asdict_stat(_stat(final[:, i])),
                }
                for i, name in enumerate(fb.regions)
            ],
        }
    return doc


def asdict_stat(s: Stat) -> dict[str, float | None]:
    return {"mean": _num(s.mean), "p5": _num(s.p5), "p95": _num(s.p95)}


def simulation_table(sim: Simulation) -> tuple[list[str], list[list[float]]]:
    """One row per day: day, then mean, p5 and p95 of every series."""
    series = all_series(sim)
    header = ["day"] + [f"{k}_{q}" for k in series for q in ("mean", "p5", "p95")]
    cols = [sim.days.astype(float)]
    for v in series.values():
        cols += [v.mean, v.p5, v.p95]
    return header, np.column_stack(cols).tolist()


def text_simulation(sim: Simulation, sample_days: int = 8) -> str:
    """A readable summary: the horizon figures, then a few days."""
    p, cur = sim.preset, sim.preset.payoffs.currency
    on = [k.replace("_", " ") for k, v in _switches(p).items() if v]
    lines = [
        f"{p.scenario.name}: {len(sim.days)} days, {sim.replications} replications, "
        f"seed {sim.seed}; {population_note(sim)}",
        f"Over time: {', '.join(on) if on else 'every dynamic off (the static world, day by day)'}",
        "",
        f"{'at the horizon':44} {'mean':>12} {'5%':>12} {'95%':>12}",
    ]

    def fmt(x: float, unit: str) -> str:
        return summary_value(x, unit, cur)

    # Value added first: the net value's zero is arbitrary (the harm that happens anyway is
    # in it), so it comes after, named as the total; a stakeholder without payoffs is not $0.
    modelled = modelled_stakeholders(p)
    titles = {"net_value": "Total incl. harm anyway, over the horizon"}
    first = [k for k in sim.summary if k.startswith("value_added")]
    for k in first + [k for k in sim.summary if k not in first]:
        s = sim.summary[k]
        title, unit = SUMMARY[k]
        title = titles.get(k, title)
        if unit != "money" and not any(map(math.isfinite, (s.mean, s.p5, s.p95))):
            continue
        who = k.removeprefix("value_added_")
        if k != who and not modelled.get(who, True):
            lines.append(f"{title:44} {'not modelled':>12}")
            continue
        lines.append(
            f"{title:44} {fmt(s.mean, unit):>12} {fmt(s.p5, unit):>12} {fmt(s.p95, unit):>12}"
        )
    days = len(sim.days)
    lines += [
        "",
        f"Static engine: {money(sim.static_value_added_per_day, cur)} added per day "
        f"(x {days} days = {money(sim.static_value_added_per_day * days, cur)} added); "
        f"total incl. harm anyway {money(sim.static_net_per_day, cur)} per day.",
    ]
    fb = sim.feedback
    if fb is not None:
        final = fb.final_share
        parts = [
            f"{name} {final[:, i].mean() * 100:.1f}% (true {fb.truth_share[i] * 100:.1f}%)"
            for i, name in enumerate(fb.regions)
        ]
        fix = "with" if p.feedback.correction else "without"
        lines.append(f"Feedback loop ({fix} correction), share of records: {', '.join(parts)}")
    picks = sorted(set(np.linspace(0, days - 1, min(sample_days, days)).round().astype(int)))
    series = sim.series
    lines += [
        "",
        f"{'day':>5} {'value added/day':>16} {'so far':>12} {'active':>8} "
        f"{'interact./u-day':>16} {'acts|right':>11} {'trust':>7} {'habit.':>7} {'AUC':>7}",
    ]
    for i in picks:
        lines.append(
            f"{sim.days[i]:>5} {money(series['value_added'].mean[i], cur):>16} "
            f"{money(series['cumulative_value_added'].mean[i], cur):>12} "
            f"{fmt(series['active_users'].mean[i], 'share'):>8} "
            f"{fmt(series['interactions'].mean[i], ''):>16} "
            f"{fmt(series['acts_when_right'].mean[i], 'share'):>11} "
            f"{fmt(series['trust'].mean[i], ''):>7} {fmt(series['habituation'].mean[i], ''):>7} "
            f"{series['auc'].mean[i]:>7.4f}"
        )
    lines.append("Means over replications; run with --json or --csv for every day and the bands.")
    return "\n".join(lines)
