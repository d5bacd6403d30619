"""Score models: how scores are distributed for positive and negative events.

Each gives the class-conditional tail rates ``P(score >= t | positive)`` (TPR) and
``P(score >= t | negative)`` (FPR) at any thresholds, which is all the engine needs; the
scenario's base rate is applied by the engine, so evaluation data with another base rate is
reweighted for free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr, ndtri

from .schema import SyntheticModel


@dataclass(frozen=True)
class BinormalScores:
    """Latent scores N(0,1) for negatives and N(d',1) for positives, d' = sqrt(2)*Phi^-1(AUC).

    The score shown is the calibrated posterior P(positive | latent) at the base rate, so a
    threshold of 0.9 means a 90% chance. Everything is exact; nothing is sampled.
    """

    auc: float
    base_rate: float

    @property
    def d_prime(self) -> float:
        return math.sqrt(2.0) * float(ndtri(self.auc))

    def latent_threshold(self, thresholds: np.ndarray) -> np.ndarray:
        """The latent value whose posterior equals each threshold (+-inf at 1 and 0)."""
        t = np.asarray(thresholds, dtype=float)
        d, pi = self.d_prime, self.base_rate
        with np.errstate(divide="ignore"):
            logit_t = np.log(t) - np.log1p(-t)
        return (logit_t - math.log(pi / (1 - pi)) + d * d / 2) / d

    def rates_at(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = self.latent_threshold(thresholds)
        return ndtr(self.d_prime - x), ndtr(-x)

    def score_of_latent(self, x: np.ndarray) -> np.ndarray:
        d, pi = self.d_prime, self.base_rate
        log_odds = math.log(pi / (1 - pi)) + d * np.asarray(x, dtype=float) - d * d / 2
        return 1.0 / (1.0 + np.exp(-log_odds))

    def sweep_points(self, low: float, high: float, n: int = 600) -> tuple[np.ndarray, ...]:
        """(thresholds, tpr, fpr) at candidate thresholds in (low, high): even in score and
        in latent space, so the tiny scores that matter at a low base rate are covered too."""
        x_lo, x_hi = self.latent_threshold(np.array([low, high]))
        x_lo = max(x_lo, -8.0)
        x_hi = min(x_hi, self.d_prime + 8.0)
        grid = np.concatenate(
            [np.linspace(low, high, n // 2), self.score_of_latent(np.linspace(x_lo, x_hi, n // 2))]
        )
        grid = np.unique(grid)
        grid = grid[(grid > low) & (grid < high)]
        return (grid, *self.rates_at(grid))

    def roc_auc(self) -> float:
        return self.auc


@dataclass(frozen=True)
class EmpiricalScores:
    """Scores of a labelled evaluation set (optionally weighted), sorted once."""

    labels: np.ndarray
    scores: np.ndarray
    weights: np.ndarray | None = None
    _sorted: np.ndarray = field(init=False, repr=False, compare=False)
    _pos_above: np.ndarray = field(init=False, repr=False, compare=False)
    _neg_above: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        scores = np.asarray(self.scores, dtype=float)
        order = np.argsort(scores)
        s = scores[order]
        positive = np.asarray(self.labels)[order].astype(float)
        if self.weights is None:
            weight_above = np.arange(len(s), -1, -1, dtype=float)
        else:
            w = np.asarray(self.weights, dtype=float)[order]
            positive *= w
            weight_above = _tail_sums(w)
        # *_above[i]: weight at sorted positions >= i, i.e. scoring >= s[i].
        pos_above = _tail_sums(positive)
        object.__setattr__(self, "_sorted", s)
        object.__setattr__(self, "_pos_above", pos_above)
        object.__setattr__(self, "_neg_above", weight_above - pos_above)

    @property
    def n(self) -> int:
        return len(self._sorted)

    @property
    def positive_weight(self) -> float:
        return float(self._pos_above[0])

    @property
    def negative_weight(self) -> float:
        return float(self._neg_above[0])

    @property
    def base_rate(self) -> float:
        return self.positive_weight / (self.positive_weight + self.negative_weight)

    def rates_at(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.searchsorted(self._sorted, np.asarray(thresholds, float), side="left")
        return self._pos_above[idx] / self.positive_weight, self._neg_above[
            idx
        ] / self.negative_weight

    def _distinct(self) -> np.ndarray:
        """Sorted positions where a new score value starts."""
        s = self._sorted
        first = np.empty(len(s), dtype=bool)
        first[:1] = True
        np.not_equal(s[1:], s[:-1], out=first[1:])
        return np.flatnonzero(first)

    def _points(self, idx: np.ndarray) -> tuple[np.ndarray, ...]:
        return (
            self._sorted[idx],
            self._pos_above[idx] / self.positive_weight,
            self._neg_above[idx] / self.negative_weight,
        )

    def sweep_points(self, low: float, high: float, n: int | None = None) -> tuple[np.ndarray, ...]:
        """(thresholds, tpr, fpr) at every distinct score in (low, high): each is a threshold
        where the outcome changes. One sort (done once) and cumulative sums."""
        idx = self._distinct()
        values = self._sorted[idx]
        keep = (values > low) & (values < high)
        return self._points(idx[keep])

    def curve(self) -> tuple[np.ndarray, ...]:
        """(thresholds, tpr, fpr) at every distinct score, highest threshold first."""
        return self._points(self._distinct()[::-1])

    def roc_auc(self) -> float:
        _, tpr, fpr = self.curve()
        tpr = np.concatenate([[0.0], tpr])
        fpr = np.concatenate([[0.0], fpr])
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def _tail_sums(x: np.ndarray) -> np.ndarray:
    """out[i] = x[i:].sum(), with a trailing 0."""
    out = np.zeros(len(x) + 1)
    np.cumsum(x[::-1], out=out[-2::-1])
    return out


ScoreModel = BinormalScores | EmpiricalScores


def score_model(model: SyntheticModel, base_rate: float) -> ScoreModel:
    """The score model a preset's model section describes."""
    return BinormalScores(auc=model.auc, base_rate=base_rate)
