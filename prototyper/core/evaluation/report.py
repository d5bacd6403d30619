"""An evaluation in plain figures: the goal layers as data (for JSON and the GUI) and text."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..format import money, percent, rate_phrase
from ..model.scores import ScoreModel
from ..preset.schema import ACTIVE_MODES, MODES, SHOWN_MODES, STAKEHOLDERS, UNITS
from . import value
from .engine import COMPONENTS, Evaluation, money_per_unit
from .uncertainty import uncertainty

# How the parts of value added read in a report.
PART_LABELS = {
    "correct": "correct (positives acted on)",
    "wrong": "wrong (false alarms acted on)",
    "attention": "attention",
}
NOT_MODELLED = "not modelled"


def organization_text(org: dict[str, Any], cur: str, sep: str = " ") -> str:
    """The organization layer in one line, from :func:`summary`'s ``organization``: each
    stakeholder's value added a day, or "not modelled" ("business not modelled, operator
    -$40.9k/day added")."""
    return ", ".join(
        f"{who}{sep}"
        + (
            f"{money(org[who]['value_added_per_day'], cur)}/day added"
            if org[who]["modelled"]
            else NOT_MODELLED
        )
        for who in ("business", "operator")
    )


_BUSINESS, _OPERATOR = STAKEHOLDERS.index("business"), STAKEHOLDERS.index("operator")


def _num(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def per_mode(values: np.ndarray, modes: tuple[str, ...] = ACTIVE_MODES) -> dict[str, float | None]:
    return {m: _num(values[MODES.index(m)]) for m in modes}


def acts_when_shown(e: Evaluation) -> np.ndarray:
    """P(act | shown) per mode: the share of the mode's events acted on, right or wrong."""
    m = e.masses
    return value.acts_when_shown(
        m.positive, m.negative, m.positive * m.act_positive, m.negative * m.act_negative
    )


def acts_when_right(e: Evaluation) -> np.ndarray:
    """P(act | positive, shown) per mode: the response to a correct alarm (NaN for a mode
    with no events)."""
    m = e.masses
    return np.where(m.positive + m.negative > 0, m.act_positive, np.nan)


def summary(e: Evaluation, scores: ScoreModel | None = None) -> dict[str, Any]:
    """A stable, JSON-ready document of everything the evaluation says; ``scores``, the
    real model's, adds 95% intervals from its evaluation set (none for a synthetic model).
    Value added against the feature off comes first: net value depends on where zero is (the
    harm that happens anyway is in it), value added does not."""
    p, sc = e.preset, e.preset.scenario
    per_day = sc.events_per_user_per_day
    population_day = per_day * sc.users
    m = e.masses
    money = money_per_unit(p)
    stake = e.value_by_stakeholder()
    added = e.added_by_stakeholder()

    def scaled(per_event: float) -> dict[str, float | None]:
        return {
            "per_event": _num(per_event),
            "per_user_day": _num(per_event * per_day),
            "per_population_day": _num(per_event * population_day),
        }

    items = []
    for c, comp in enumerate(COMPONENTS):
        for mi, mode in enumerate(MODES):
            for s, who in enumerate(STAKEHOLDERS):
                for u, unit in enumerate(UNITS):
                    amount = e.decomposition[c, mi, s, u]
                    if amount != 0:
                        items.append(
                            {
                                "component": comp,
                                "mode": mode,
                                "stakeholder": who,
                                "unit": unit,
                                "amount": scaled(amount),
                                "value": scaled(amount * money[s, u]),
                            }
                        )
    modelled = value.modelled_stakeholders(p)
    split = e.added_split()  # [part, mode, stakeholder]
    correct, wrong = value.correct_and_wrong(split)
    parts = split.sum(axis=(1, 2))
    by_part = [
        {"part": part, "mode": mode, "stakeholder": who, "value": scaled(split[i, mi, s])}
        for i, part in enumerate(value.ADDED_PARTS)
        for mi, mode in enumerate(MODES)
        for s, who in enumerate(STAKEHOLDERS)
        if split[i, mi, s] != 0
    ]

    def stakeholder(amount: float, who: str) -> dict[str, Any]:
        if modelled[who]:
            return {"modelled": True, **scaled(amount)}
        return {
            "modelled": False,
            "per_event": None,
            "per_user_day": None,
            "per_population_day": None,
        }

    interval = uncertainty(p, scores)
    value_added = {
        **scaled(e.added_per_event),
        "per_year": _num(e.added_per_population_day * 365),
        "value_of_correct": scaled(correct),
        "cost_of_wrong": scaled(wrong),
        "cost_of_wrong_parts": {
            "false_alarms_acted_on": scaled(-parts[value.ADDED_PART["wrong"]]),
            "attention": scaled(-parts[value.ADDED_PART["attention"]]),
        },
        "by_stakeholder": {who: stakeholder(added[s], who) for s, who in enumerate(STAKEHOLDERS)},
        "by_part": by_part,
        "interval_95": interval.to_dict() if interval is not None else None,
        "total_value_incl_harm_anyway": scaled(e.net_per_event),
        "feature_off": scaled(e.baseline_per_event),
    }

    def organization(who: str, s: int) -> dict[str, Any]:
        if not modelled[who]:
            return {"modelled": False, "value_added_per_day": None, "value_per_day": None}
        return {
            "modelled": True,
            "value_added_per_day": _num(added[s] * population_day),
            "value_per_day": _num(stake[s] * population_day),
        }

    thresholds = list(e.thresholds) + [1.0]
    bands = [
        {
            "from": _num(band.threshold),
            "to": _num(thresholds[i - 1]) if i else 1.0,
            "mode": band.mode,
            "share_of_events": _num(e.band_share[i]),
            "events_per_user_day": _num(e.band_share[i] * per_day),
            "precision": _num(e.band_precision[i]),
        }
        for i, band in enumerate(p.experience.bands)
    ]
    operating = [
        {
            "threshold": _num(t),
            "tpr": _num(e.tpr[i]),
            "fpr": _num(e.fpr[i]),
            "precision": _num(e.precision_at[i]),
        }
        for i, t in enumerate(e.thresholds)
        if t > 0
    ]
    return {
        "value_added": value_added,
        "scenario": {
            "name": sc.name,
            "event_unit": sc.event_unit,
            "users": sc.users,
            "events_per_user_per_day": sc.events_per_user_per_day,
            "base_rate": sc.base_rate,
            "currency": p.payoffs.currency,
        },
        "net_value": scaled(e.net_per_event),
        "value_added_vs_feature_off": scaled(e.added_per_event),
        "by_stakeholder": {who: scaled(stake[s]) for s, who in enumerate(STAKEHOLDERS)},
        "added_by_stakeholder": {who: scaled(added[s]) for s, who in enumerate(STAKEHOLDERS)},
        "decomposition": items,
        "operating_points": operating,
        "bands": bands,
        "interactions_per_user_day": {
            mode: {
                "before_cap": _num(m.interactions_before_cap[MODES.index(mode)]),
                "after_cap": _num(m.interactions[MODES.index(mode)]),
                "demoted_share": _num(m.demoted_share[MODES.index(mode)]),
            }
            for mode in ACTIVE_MODES
        },
        "layers": {
            "model": {
                "auc": _num(e.auc),
                "operating_points": operating,
            },
            "user": {
                "harms_avoided_per_user_year": _num(e.harms_avoided_per_user_year()),
                "interruptions_per_user_day": _num(e.interruptions_per_user_day()),
                "false_alarms_per_user_day": _num(e.false_alarms_per_user_day()),
                "minutes_lost_per_user_day": _num(e.user_minutes_per_day()),
            },
            "system": {
                "value_added_per_day": _num(e.added_per_population_day),
                "value_of_correct_per_day": _num(correct * population_day),
                "cost_of_wrong_per_day": _num(wrong * population_day),
                "total_value_incl_harm_anyway_per_day": _num(e.net_per_population_day),
                "net_value_per_day": _num(e.net_per_population_day),
                "value_added_over_horizon": _num(e.added_per_population_day * sc.horizon_days),
                "horizon_days": sc.horizon_days,
            },
            "organization": {
                "business_value_per_day": _num(stake[_BUSINESS] * population_day),
                "business_added_per_day": _num(added[_BUSINESS] * population_day),
                "operator_value_per_day": _num(stake[_OPERATOR] * population_day),
                "operator_added_per_day": _num(added[_OPERATOR] * population_day),
                "modelled": modelled["business"] or modelled["operator"],
                "business": organization("business", _BUSINESS),
                "operator": organization("operator", _OPERATOR),
            },
            "leading_indicators": {
                "acts_when_shown": per_mode(acts_when_shown(e)),
                "acts_when_right": per_mode(acts_when_right(e)),
                "trust": per_mode(m.trust, SHOWN_MODES),
                "habituation": per_mode(m.habituation, SHOWN_MODES),
                "demoted_share": per_mode(m.demoted_share),
            },
        },
    }


def text_summary(e: Evaluation, scores: ScoreModel | None = None) -> str:
    """A readable summary table for the terminal: value added first, then what it is made
    of, then the total with the harm that happens anyway."""
    doc = summary(e, scores)
    sc, cur = doc["scenario"], doc["scenario"]["currency"]
    layers, added = doc["layers"], doc["value_added"]
    out = [
        f"{sc['name']}: {sc['users']:,} users, {sc['events_per_user_per_day']:g} "
        f"{sc['event_unit']}s per user-day, base rate {sc['base_rate']:.3g}",
        "",
        f"{'':42}{'per event':>14}{'per user-day':>14}{'per day (all)':>16}",
    ]

    def row(label: str, values: dict) -> str:
        cells = (values["per_event"], values["per_user_day"], values["per_population_day"])
        widths = (14, 14, 16)
        if all(v is None for v in cells):
            return f"{label:42}{NOT_MODELLED:>44}"
        return f"{label:42}" + "".join(
            f"{money(v, cur):>{w}}" for v, w in zip(cells, widths, strict=True)
        )

    out.append(row("value added vs. feature off", added))
    out.append(row("  value of correct", added["value_of_correct"]))
    out.append(row("  cost of wrong (false alarms, attention)", added["cost_of_wrong"]))
    for who, values in added["by_stakeholder"].items():
        out.append(row(f"  to the {who}", values))
    out.append(row("total incl. harm that happens anyway", added["total_value_incl_harm_anyway"]))
    interval = added["interval_95"]
    if interval is not None:
        ends = interval["value_added_per_population_day"]
        out.append(
            f"value added per day with the evaluation set's TPR and FPR at their 95% "
            f"interval ends: {money(ends['low'], cur)} to {money(ends['high'], cur)}"
        )
    out += ["", "value added by outcome and mode (per day, all users):"]
    totals: dict[tuple[str, str], float] = {}
    for item in added["by_part"]:
        key = (item["part"], item["mode"])
        totals[key] = totals.get(key, 0.0) + item["value"]["per_population_day"]
    for (part, mode), v in totals.items():
        out.append(f"  {PART_LABELS[part]:32}{mode:10}{money(v, cur):>16}")
    out += ["", "bands:"]
    for b in doc["bands"]:
        out.append(
            f"  {b['from']:.3g}-{b['to']:.3g}  {b['mode']:9} "
            f"{rate_phrase(b['events_per_user_day'], 'event'):38} "
            f"precision {percent(b['precision'])}"
        )
    out += ["", "operating points:"]
    for op in doc["operating_points"]:
        out.append(
            f"  score >= {op['threshold']:.3g}: recall {percent(op['tpr'])}, "
            f"false-positive rate {percent(op['fpr'])}, precision {percent(op['precision'])}"
        )
    if interval is not None:
        out.append(
            f"  95% intervals from {interval['positives']:,.0f} positives and "
            f"{interval['negatives']:,.0f} negatives in the evaluation set:"
        )
        for t, f in zip(interval["tpr"], interval["fpr"], strict=True):
            out.append(
                f"    score >= {t['threshold']:.3g}: recall {percent(t['low'])} to "
                f"{percent(t['high'])} ({t['method']}), false-positive rate "
                f"{percent(f['low'])} to {percent(f['high'])} ({f['method']})"
            )
    user, lead = layers["user"], layers["leading_indicators"]
    system, org = layers["system"], layers["organization"]
    out += [
        "",
        "goals:",
        f"  system        value added {money(system['value_added_per_day'], cur)}/day "
        f"(value of correct {money(system['value_of_correct_per_day'], cur)}, cost of wrong "
        f"{money(system['cost_of_wrong_per_day'], cur)}); total incl. harm that happens "
        f"anyway {money(system['total_value_incl_harm_anyway_per_day'], cur)}/day",
        "  organization  " + organization_text(org, cur),
        f"  user          {user['harms_avoided_per_user_year']:.3g} harms avoided per user-year; "
        f"{rate_phrase(user['interruptions_per_user_day'], 'interruption')}; "
        f"{rate_phrase(user['false_alarms_per_user_day'], 'false alarm')}; "
        f"{user['minutes_lost_per_user_day']:.3g} min/day of attention",
        f"  model         AUC {layers['model']['auc']:.4f}",
        "  leading       "
        + ", ".join(
            f"{mode}: acted on {percent(lead['acts_when_shown'][mode])} when shown, "
            f"{percent(lead['acts_when_right'][mode])} when right"
            + (
                f" (trust {percent(lead['trust'][mode])}, "
                f"habituation {percent(lead['habituation'][mode])})"
                if mode in lead["trust"]
                else ""
            )
            for mode in ACTIVE_MODES
            if doc["interactions_per_user_day"][mode]["after_cap"]
        ),
    ]
    capped = [
        f"{mode} {percent(v['demoted_share'])} demoted"
        for mode, v in doc["interactions_per_user_day"].items()
        if v["demoted_share"]
    ]
    if capped:
        out.append("  frequency     " + ", ".join(capped))
    return "\n".join(out)
