"""How sure the evaluation set makes us: 95% intervals on a real model's TPR and FPR at each
band threshold, and the value added at the ends of those intervals.

Only a real model (an evaluation set, :class:`EmpiricalScores`) has them: its rates are
shares counted on a sample. A synthetic model's rates follow from its stated AUC exactly, so
it has none. The formulas are written up in docs/MODEL.md (section 8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.scores import EmpiricalScores, ScoreModel, preset_scores
from ..preset.schema import Preset
from .engine import baseline_per_event, net_per_event, outcome_masses

Z95 = 1.959963984540054  # two-sided 95% quantile of the standard normal
RULE_OF_THREE = 3.0  # 95% upper bound on a rate when none of n were seen: 3 / n


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def wilson_interval(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a share k / n (Wilson, JASA 1927):
    (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(max(p * (1 - p) / n + z2n / (4 * n), 0.0)) / (1 + z2n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def rate_interval(k: float, n: float) -> tuple[float, float, str]:
    """95% interval on a rate seen k times in n: the rule of three (Hanley & Lippman-Hand,
    JAMA 1983) when none were seen, (0, 3/n), or all were, (1 - 3/n, 1); Wilson otherwise.
    Returns (low, high, method)."""
    if n > 0 and k <= 0:
        return 0.0, min(RULE_OF_THREE / n, 1.0), "rule of three"
    if n > 0 and k >= n:
        return max(1.0 - RULE_OF_THREE / n, 0.0), 1.0, "rule of three"
    low, high = wilson_interval(k, n)
    return low, high, "wilson"


def effective_sizes(scores: EmpiricalScores) -> tuple[float, float]:
    """(positives, negatives) in the evaluation set; with weights, Kish's effective sizes
    (Σw)² / Σw², so that a few heavy rows do not pass for many."""
    if scores.weights is None:
        return scores.positive_weight, scores.negative_weight
    w = np.asarray(scores.weights, dtype=float)
    positive = np.asarray(scores.labels).astype(bool)
    sizes = []
    for rows in (w[positive], w[~positive]):
        squares = float(np.dot(rows, rows))
        sizes.append(float(rows.sum()) ** 2 / squares if squares > 0 else 0.0)
    return sizes[0], sizes[1]


@dataclass(frozen=True)
class RateInterval:
    """A rate at one threshold with its 95% interval."""

    threshold: float
    rate: float
    low: float
    high: float
    method: str  # "wilson" or "rule of three"
    flagged: float  # events of the class at or above the threshold (effective, if weighted)
    of: float  # events of the class in the evaluation set (effective, if weighted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": _num(self.threshold),
            "rate": _num(self.rate),
            "low": _num(self.low),
            "high": _num(self.high),
            "method": self.method,
            "flagged": _num(self.flagged),
            "of": _num(self.of),
        }


@dataclass(frozen=True)
class Uncertainty:
    """95% intervals on TPR and FPR at each band threshold above 0, and the value added per
    day for the whole population with every threshold's TPR and FPR at the ends of their
    intervals (the lowest and the highest of the four corners)."""

    tpr: tuple[RateInterval, ...]
    fpr: tuple[RateInterval, ...]
    positives: float  # in the evaluation set (effective, if weighted)
    negatives: float
    added_low: float  # value added per day, all users
    added_high: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": "value added per day with the evaluation set's TPR and FPR at the ends of "
            "their 95% intervals (Wilson; rule of three where none are flagged); payoffs and "
            "responses taken as given",
            "value_added_per_population_day": {
                "low": _num(self.added_low),
                "high": _num(self.added_high),
            },
            "positives": _num(self.positives),
            "negatives": _num(self.negatives),
            "tpr": [r.to_dict() for r in self.tpr],
            "fpr": [r.to_dict() for r in self.fpr],
        }


def empirical_scores(scores: ScoreModel | None) -> EmpiricalScores | None:
    """The labelled evaluation scores behind a score model, None for a synthetic one."""
    if isinstance(scores, EmpiricalScores):
        return scores
    # a loaded model wraps its evaluation scores: the calibrated ones, which the thresholds
    # are on (its raw ones are the model's own scale)
    inner = getattr(scores, "shown", None)
    if inner is None:
        inner = getattr(scores, "scores", None)
    return inner if isinstance(inner, EmpiricalScores) else None


def uncertainty(preset: Preset, scores: ScoreModel | None) -> Uncertainty | None:
    """The intervals of a real model's rates at the preset's thresholds, and the value added
    at their ends; None for a synthetic model. A loaded model is first shifted to the
    preset's base rate, as the engine shifts it, whoever passes it."""
    data = empirical_scores(None if scores is None else preset_scores(preset, scores))
    if data is None:
        return None
    thresholds = np.array(preset.experience.thresholds())
    tpr, fpr = data.rates_at(thresholds)
    n_pos, n_neg = effective_sizes(data)
    tpr_iv = [rate_interval(r * n_pos, n_pos) for r in tpr]
    fpr_iv = [rate_interval(r * n_neg, n_neg) for r in fpr]
    # The last threshold is 0: everything scores at or above it, its rates are exactly 1.
    movable = thresholds > 0
    ends = []
    for rates, ivs in ((tpr, tpr_iv), (fpr, fpr_iv)):
        low = np.where(movable, [iv[0] for iv in ivs], rates)
        high = np.where(movable, [iv[1] for iv in ivs], rates)
        ends.append((low, high))
    # Each end is monotone in the count, so every corner keeps the rates falling with the
    # threshold; the four corners are evaluated at once, as rows of length 4.
    corners_t = np.stack([ends[0][0], ends[0][0], ends[0][1], ends[0][1]], axis=1)
    corners_f = np.stack([ends[1][0], ends[1][1], ends[1][0], ends[1][1]], axis=1)
    m = outcome_masses(preset, list(corners_t), list(corners_f))
    net = np.asarray(net_per_event(preset, m), dtype=float)
    sc = preset.scenario
    added = (net - baseline_per_event(preset)) * sc.events_per_user_per_day * sc.users

    def intervals(rates: np.ndarray, ivs: list, n: float) -> tuple[RateInterval, ...]:
        return tuple(
            RateInterval(float(t), float(r), lo, hi, how, float(r * n), n)
            for t, r, (lo, hi, how), keep in zip(thresholds, rates, ivs, movable, strict=True)
            if keep
        )

    return Uncertainty(
        tpr=intervals(tpr, tpr_iv, n_pos),
        fpr=intervals(fpr, fpr_iv, n_neg),
        positives=n_pos,
        negatives=n_neg,
        added_low=float(added.min()),
        added_high=float(added.max()),
    )
