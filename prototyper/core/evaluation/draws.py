"""Many parameter draws of one design evaluated in one call.

A draw is a set of values for a preset's uncertain numbers. Instead of validating and
evaluating one preset per draw, :func:`with_arrays` puts an array of shape (N,) into each
uncertain field (an unvalidated replace: the draws were checked against the fields' bounds
when the ``uncertainty`` section was read) and the engine's :func:`outcome_masses` broadcasts
them; :func:`value_added_per_day` then values the masses with the same formulas as
``value.net_value`` and the feature-off baseline, summed over stakeholders per draw. Caps and
mode names never vary, so the routing is the same for every draw.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..model.scores import ScoreModel, preset_scores
from ..preset.schema import ACTIVE_MODES, MODES, OUTCOMES, STAKEHOLDERS, Preset, SyntheticModel
from ..preset.structure import parse_path
from ..preset.uncertainty import response_range
from .engine import outcome_masses
from .value import OFF, POSITIVE_OUTCOMES

# The fields that move the operating points; the rest leave the rates as they are.
_SCORE_FIELDS = ("scenario.base_rate", "model.auc")


def with_arrays(preset: Preset, values: Mapping[str, Any]) -> Preset:
    """The preset with each dotted path holding the given value (an array of draws), not
    validated. A mode's whole response range (``response.modes.prompt.act_if_positive``)
    sets both its ends, so the draw holds at any forcefulness."""
    for path, value in values.items():
        keys: list[str | int] = parse_path(path)
        if response_range(path):
            preset = _set(preset, [*keys, "low"], value)
            preset = _set(preset, [*keys, "high"], value)
        else:
            preset = _set(preset, keys, value)
    return preset


def _set(node: Any, keys: list[str | int], value: Any) -> Any:
    if not keys:
        return value
    key, rest = keys[0], keys[1:]
    if isinstance(key, int):
        return node[:key] + (_set(node[key], rest, value),) + node[key + 1 :]
    return dataclasses.replace(node, **{key: _set(getattr(node, key), rest, value)})


def draw_count(values: Mapping[str, Any]) -> int:
    sizes = {np.size(v) for v in values.values()}
    if len(sizes) > 1:
        raise ValueError(f"draws of different lengths: {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def value_added_per_day(
    preset: Preset, scores: ScoreModel | None, values: Mapping[str, Any]
) -> np.ndarray:
    """Value added against the feature off, per day for all users, one per draw: ``values``
    maps dotted paths to arrays of shape (N,). Equal to ``evaluate`` of each draw's preset
    (``added_per_population_day``) to rounding."""
    n = draw_count(values)
    varied = with_arrays(preset, {k: np.asarray(v, dtype=float) for k, v in values.items()})
    tpr, fpr = _rates(preset, varied, scores, values)
    masses = outcome_masses(varied, tpr, fpr)
    outcome, attention = _money_by_mode(varied)
    net: Any = 0.0
    for m in range(len(MODES)):
        pos, neg = masses.positive[m], masses.negative[m]
        if np.isscalar(pos) and pos == 0.0 and np.isscalar(neg) and neg == 0.0:
            continue
        pa, pm, na, ni = (outcome[o][m] for o in OUTCOMES)
        net = net + pos * (pm + masses.act_positive[m] * (pa - pm))
        net = net + neg * (ni + masses.act_negative[m] * (na - ni))
        net = net + (pos + neg) * attention[m]
    sc, u = varied.scenario, varied.response.unprompted
    pi = sc.base_rate
    pa, pm, na, ni = (outcome[o][OFF] for o in OUTCOMES)
    baseline = pi * (u.positive * pa + (1 - u.positive) * pm)
    baseline = baseline + (1 - pi) * (u.negative * na + (1 - u.negative) * ni)
    added = (net - baseline) * sc.events_per_user_per_day * sc.users
    return np.array(np.broadcast_to(added, (n,)), dtype=float)


def _rates(
    preset: Preset, varied: Preset, scores: ScoreModel | None, values: Mapping[str, Any]
) -> tuple[list, list]:
    """Per band, the TPR and FPR at its threshold: floats when no draw moves them."""
    bands = range(len(preset.experience.bands))
    moving = [p for p in values if p in _SCORE_FIELDS or p.startswith("experience.bands[")]
    if not moving:
        tpr, fpr = preset_scores(preset, scores).rates_at(np.array(preset.experience.thresholds()))
        return [tpr[b] for b in bands], [fpr[b] for b in bands]
    thresholds = [np.asarray(b.threshold, dtype=float) for b in varied.experience.bands]
    if isinstance(varied.model, SyntheticModel) and scores is None:
        return _binormal_rates(varied.model.auc, varied.scenario.base_rate, thresholds)
    # A real model: its calibration at each draw's base rate, one draw at a time.
    n = draw_count(values)
    pis = np.broadcast_to(np.asarray(varied.scenario.base_rate, dtype=float), (n,))
    grid = np.stack([np.broadcast_to(t, (n,)) for t in thresholds])  # [band, draw]
    tpr, fpr = np.empty_like(grid), np.empty_like(grid)
    for i in range(n):
        at = dataclasses.replace(preset.scenario, base_rate=float(pis[i]))
        model = preset_scores(dataclasses.replace(preset, scenario=at), scores)
        tpr[:, i], fpr[:, i] = model.rates_at(grid[:, i])
    return list(tpr), list(fpr)


def _binormal_rates(auc: Any, base_rate: Any, thresholds: list) -> tuple[list, list]:
    """scores.BinormalScores.rates_at with the AUC, the base rate and the thresholds as
    arrays of draws (the same formula)."""
    from scipy.special import ndtr, ndtri

    d = math.sqrt(2.0) * ndtri(np.asarray(auc, dtype=float))
    pi = np.asarray(base_rate, dtype=float)
    tpr, fpr = [], []
    for t in thresholds:
        with np.errstate(divide="ignore"):
            logit_t = np.log(t) - np.log1p(-t)
        x = (logit_t - np.log(pi / (1 - pi)) + d * d / 2) / d
        tpr.append(ndtr(d - x))
        fpr.append(ndtr(-x))
    return tpr, fpr


def _money_by_mode(preset: Preset) -> tuple[dict[str, list], list]:
    """Money-equivalent value per event of each outcome in each mode (all stakeholders, the
    harm limit applied), and of attention per interaction in each mode; rows may be arrays."""
    pay = preset.payoffs
    vot = {s: getattr(pay.value_of_time_per_hour, s) for s in STAKEHOLDERS}
    limit = preset.guardrails.harm_limit
    outcome: dict[str, list] = {}
    for name in OUTCOMES:
        rows = []
        for mode in MODES:
            per_stakeholder: dict[str, Any] = {s: 0.0 for s in STAKEHOLDERS}
            for line in getattr(pay, name):
                if line.applies_to(mode):
                    rate = 1.0 if line.unit == "money" else vot[line.stakeholder] / 60.0
                    per_stakeholder[line.stakeholder] = (
                        per_stakeholder[line.stakeholder] + line.amount * rate
                    )
            total = sum(per_stakeholder.values())
            if limit.enabled and name in POSITIVE_OUTCOMES:
                # value.harm_limit_factors cuts the costs in proportion until the outcome
                # loses at most max_loss (gains are never cut, so the cut reaches it).
                total = np.maximum(total, -limit.max_loss_per_positive)
            rows.append(total)
        outcome[name] = rows
    attention: list[Any] = [0.0] * len(MODES)
    for mode in ACTIVE_MODES:
        a = getattr(pay.attention, mode)
        f = getattr(preset.experience.modes, mode).forcefulness
        attention[MODES.index(mode)] = -a.minutes_at(f) * vot[a.stakeholder] / 60.0
    return outcome, attention
