"""Score models: how scores are distributed for positive and negative events.

Each gives the class-conditional tail rates ``P(score >= t | positive)`` (TPR) and
``P(score >= t | negative)`` (FPR) at any thresholds, which is all the engine needs; the
scenario's base rate is applied by the engine, so evaluation data with another base rate is
reweighted for free. :class:`ScoreModel` is everything the engine, the sweep, the simulation
and the views ask of one; the binormal maths lives here only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol, runtime_checkable

import numpy as np

from ..preset.schema import Preset, SyntheticModel
from .normal import ndtr, ndtri

GRID_POINTS = 400  # fixed sampling of a binormal density and ROC curve
HISTOGRAM_BINS = 100  # bins of an evaluation set's score density
# Where a model's scores are looked at: logit(score) from 1e-7 to 1 - 1e-5 at most.
LOGIT_FLOOR = math.log(1e-7 / (1 - 1e-7))
LOGIT_CEILING = math.log((1 - 1e-5) / 1e-5)

Curve = tuple[np.ndarray, ...]


@runtime_checkable
class ScoreModel(Protocol):
    """How a model's scores are distributed for positive and negative events.

    ``rates_at`` and ``sweep_points`` give (TPR, FPR) as class-conditional tail rates, so the
    scenario's base rate is applied by the caller; ``density`` takes it to weight the classes.
    Scores are probabilities; ``extent``, ``density`` and ``roc_curve`` speak of logit(score)
    and log10(FPR), the axes the views draw on."""

    def rates_at(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(TPR, FPR) of 'score >= t' at each threshold."""
        ...

    def sweep_points(self, low: float, high: float, n: int = ...) -> Curve:
        """(thresholds, tpr, fpr) at candidate thresholds in the open interval (low, high)."""
        ...

    def roc_auc(self) -> float: ...

    def extent(self) -> tuple[float, float]:
        """The logit(score) range holding nearly all scores, within the LOGIT_ limits."""
        ...

    def density(
        self, base_rate: float, lo: float, hi: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """(x, positive, negative, stepped): events per unit of logit(score) over [lo, hi],
        each class weighted by its share at ``base_rate``; x are bin edges when stepped."""
        ...

    def roc_curve(self, lo: float) -> tuple[np.ndarray, np.ndarray]:
        """(log10 FPR, TPR) of the ROC curve from FPR = 10**lo to 1."""
        ...

    def fpr_at_recall(self, recall: float) -> float:
        """The FPR at which the model first catches ``recall`` of the positives (> 0)."""
        ...


def _logit(p: float | np.ndarray) -> float | np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-np.asarray(p, dtype=float))


def separation(auc: float | np.ndarray) -> float | np.ndarray:
    """The binormal d' of an AUC: AUC = Phi(d' / sqrt 2). Works on arrays of AUCs."""
    d = math.sqrt(2.0) * ndtri(auc)
    return float(d) if np.ndim(d) == 0 else d


def auc_of(d: float) -> float:
    """The AUC of a binormal model with separation ``d``."""
    return float(ndtr(d / math.sqrt(2.0)))


def binormal_latent(d: float | np.ndarray, base_rate: float, thresholds: np.ndarray) -> np.ndarray:
    """The latent value whose calibrated posterior equals each threshold (+-inf at 1 and 0),
    for a separation ``d`` (a column of several broadcasts against the thresholds)."""
    t = np.asarray(thresholds, dtype=float)
    with np.errstate(divide="ignore"):
        logit_t = np.log(t) - np.log1p(-t)
    return (logit_t - math.log(base_rate / (1 - base_rate)) + d * d / 2) / d


def binormal_rates(
    auc: np.ndarray, base_rate: float, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """TPR and FPR of calibrated binormal models at score thresholds, for several AUCs at
    once: arrays of shape (len(auc), len(thresholds))."""
    d = math.sqrt(2.0) * ndtri(np.asarray(auc, dtype=float))[:, None]
    x = binormal_latent(d, base_rate, np.asarray(thresholds, dtype=float)[None, :])
    return ndtr(d - x), ndtr(-x)


@dataclass(frozen=True)
class BinormalScores:
    """Latent scores N(0,1) for negatives and N(d',1) for positives, d' = sqrt(2)*Phi^-1(AUC).

    The score shown is the calibrated posterior P(positive | latent) at the base rate, so a
    threshold of 0.9 means a 90% chance. Everything is exact; nothing is sampled.
    """

    auc: float
    base_rate: float

    @cached_property
    def d_prime(self) -> float:
        return float(separation(self.auc))

    def latent_threshold(self, thresholds: np.ndarray) -> np.ndarray:
        """The latent value whose posterior equals each threshold (+-inf at 1 and 0)."""
        return binormal_latent(self.d_prime, self.base_rate, thresholds)

    def rates_at(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = self.latent_threshold(thresholds)
        return ndtr(self.d_prime - x), ndtr(-x)

    def score_of_latent(self, x: np.ndarray) -> np.ndarray:
        d, pi = self.d_prime, self.base_rate
        log_odds = math.log(pi / (1 - pi)) + d * np.asarray(x, dtype=float) - d * d / 2
        # At a base rate near 0 exp overflows to inf, and the score is rightly 0.
        with np.errstate(over="ignore"):
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

    def _offset(self, base_rate: float) -> float:
        """logit(score) = offset + d' * latent."""
        d = self.d_prime
        return float(_logit(base_rate)) - d * d / 2

    def extent(self) -> tuple[float, float]:
        """Latent -3 to d' + 3 standard deviations."""
        d, offset = self.d_prime, self._offset(self.base_rate)
        return max(offset - 3.0 * d, LOGIT_FLOOR), min(offset + (d + 3.0) * d, LOGIT_CEILING)

    def density(
        self, base_rate: float, lo: float, hi: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """Exact, on GRID_POINTS even points."""
        pi, d = base_rate, self.d_prime
        x = np.linspace(lo, hi, GRID_POINTS)
        latent = (x - self._offset(pi)) / d
        scale = math.sqrt(2 * math.pi) * d
        negative = (1 - pi) * np.exp(-0.5 * latent**2) / scale
        positive = pi * np.exp(-0.5 * (latent - d) ** 2) / scale
        return x, positive, negative, False

    def roc_curve(self, lo: float) -> tuple[np.ndarray, np.ndarray]:
        """Exact, at GRID_POINTS latent thresholds."""
        d = self.d_prime
        latent = np.linspace(-6.0, d + 6.0, GRID_POINTS)
        return np.log10(np.maximum(ndtr(-latent), 10.0 ** (lo - 1))), ndtr(d - latent)

    def fpr_at_recall(self, recall: float) -> float:
        return float(ndtr(-self.d_prime + ndtri(recall)))


@dataclass(frozen=True)
class EmpiricalScores:
    """Scores of a labelled evaluation set (optionally weighted), sorted once.

    Only the distinct scores are kept, each with the rates of 'score >= it': every
    threshold between two of them gives the rates of the higher one."""

    labels: np.ndarray
    scores: np.ndarray
    weights: np.ndarray | None = None
    _n: int = field(init=False, repr=False, compare=False)
    _values: np.ndarray = field(init=False, repr=False, compare=False)  # distinct, rising
    # Rates and weights at or above each distinct score, with a trailing 0 (above them all).
    _tpr: np.ndarray = field(init=False, repr=False, compare=False)
    _fpr: np.ndarray = field(init=False, repr=False, compare=False)
    _weights: tuple[float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        scores = np.asarray(self.scores, dtype=float)
        labels = np.asarray(self.labels)
        if self.weights is None and _packable(scores, labels):
            values, pos_above, all_above = _packed_counts(scores, labels)
        else:
            values, pos_above, all_above = _sorted_sums(scores, labels, self.weights)
        self._set(len(scores), values, pos_above, all_above)

    @classmethod
    def counted(
        cls,
        labels: np.ndarray,
        scores: np.ndarray,
        values: np.ndarray,
        rows: np.ndarray,
        positives: np.ndarray,
    ) -> EmpiricalScores | None:
        """The unweighted scores, from the rows and positives at each distinct score
        (``values``, rising) counted already (by a calibration): no sort. The same bits as
        a sort would give (counts are exact), so only where that sort is one of the packed
        keys, whose distinct scores are those of float comparison; else None."""
        scores = np.asarray(scores, dtype=float)
        labels = np.asarray(labels)
        if not _packable(scores, labels) or int(rows.sum()) != len(scores):
            return None
        # at or above each distinct score, with a trailing 0: sums from the top, as integers
        all_above = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(rows[::-1], out=all_above[-2::-1])
        pos_above = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(positives[::-1], out=pos_above[-2::-1])
        out = object.__new__(cls)
        for name, value in (("labels", labels), ("scores", scores), ("weights", None)):
            object.__setattr__(out, name, value)
        out._set(len(scores), values, pos_above.astype(float), all_above.astype(float))
        return out

    def _set(
        self, n: int, values: np.ndarray, pos_above: np.ndarray, all_above: np.ndarray
    ) -> None:
        # In place: each count array becomes its rates (the same operations, the same bits).
        neg_above = np.subtract(all_above, pos_above, out=all_above)
        positive, negative = float(pos_above[0]), float(neg_above[0])
        with np.errstate(invalid="ignore", divide="ignore"):  # a class with no weight: NaN
            tpr = np.divide(pos_above, positive, out=pos_above)
            fpr = np.divide(neg_above, negative, out=neg_above)
        for a in (values, tpr, fpr):
            a.setflags(write=False)  # handed out as views by sweep_points and curve
        object.__setattr__(self, "_n", n)
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_tpr", tpr)
        object.__setattr__(self, "_fpr", fpr)
        object.__setattr__(self, "_weights", (positive, negative))

    def relabelled(self, mapped: np.ndarray) -> EmpiricalScores:
        """The same rows with each distinct score replaced by ``mapped`` (one a distinct
        score, in their rising order, non-decreasing: a monotone map such as a calibration;
        kept, read-only). 'new score >= m' selects the rows 'score >= the first score mapped
        to m' does, so these scores' rates serve as they are: no sort, no copy of the rates,
        and no score per row unless one is asked for."""
        mapped = np.asarray(mapped, dtype=float)
        if mapped.shape != self._values.shape:
            raise ValueError(f"{len(mapped)} mapped scores for {len(self._values)} distinct ones")
        mapped.setflags(write=False)
        out = object.__new__(_Relabelled)
        for name, value in (
            ("labels", self.labels),
            ("weights", self.weights),
            ("_n", self._n),
            ("_weights", self._weights),
            ("_source", self),
            # ties kept: a search from the left finds the first of them, whose rates are right
            ("_values", mapped),
            ("_tpr", self._tpr),
            ("_fpr", self._fpr),
        ):
            object.__setattr__(out, name, value)
        return out

    @property
    def n(self) -> int:
        return self._n

    @property
    def distinct(self) -> np.ndarray:
        """The distinct scores, rising (read-only)."""
        return self._values

    @property
    def positive_weight(self) -> float:
        return self._weights[0]

    @property
    def negative_weight(self) -> float:
        return self._weights[1]

    @property
    def base_rate(self) -> float:
        return self.positive_weight / (self.positive_weight + self.negative_weight)

    def rates_at(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.searchsorted(self._values, np.asarray(thresholds, float), side="left")
        return self._tpr[idx], self._fpr[idx]

    def sweep_points(self, low: float, high: float, n: int | None = None) -> tuple[np.ndarray, ...]:
        """(thresholds, tpr, fpr) at every distinct score in (low, high): each is a threshold
        where the outcome changes. Found at loading; this slices them (read-only views)."""
        v = self._values
        i, j = np.searchsorted(v, low, side="right"), np.searchsorted(v, high, side="left")
        j = max(i, j)  # low >= high: none
        return v[i:j], self._tpr[i:j], self._fpr[i:j]

    def curve(self) -> tuple[np.ndarray, ...]:
        """(thresholds, tpr, fpr) at every distinct score, highest threshold first."""
        return self._values[::-1], self._tpr[-2::-1], self._fpr[-2::-1]

    def roc_auc(self) -> float:
        _, tpr, fpr = self.curve()
        tpr = np.concatenate([[0.0], tpr])
        fpr = np.concatenate([[0.0], fpr])
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))

    @cached_property
    def _extent(self) -> tuple[float, float]:
        x = np.clip(_logit(np.asarray(self.scores, dtype=float)), LOGIT_FLOOR, LOGIT_CEILING)
        positive = np.asarray(self.labels).astype(bool)
        parts = [x[positive], x[~positive]]
        lo = min(float(np.quantile(v, 0.005)) for v in parts if v.size)
        hi = max(float(np.quantile(v, 0.995)) for v in parts if v.size)
        return lo, hi

    def extent(self) -> tuple[float, float]:
        """The 0.5% and 99.5% quantiles of either class (found once)."""
        return self._extent

    def density(
        self, base_rate: float, lo: float, hi: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """A weighted histogram of HISTOGRAM_BINS fixed bins, reweighted to the base rate
        (prior shift); scores outside [lo, hi] are counted in the end bins."""
        pi = base_rate
        edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
        x = np.clip(_logit(np.asarray(self.scores, dtype=float)), lo, hi)
        pos_w, neg_w = self.class_weights()
        width = (hi - lo) / HISTOGRAM_BINS
        positive = np.histogram(x, edges, weights=pos_w)[0] * (pi / self.positive_weight / width)
        negative = np.histogram(x, edges, weights=neg_w)[0] * (
            (1 - pi) / self.negative_weight / width
        )
        return edges, positive, negative, True

    def roc_curve(self, lo: float) -> tuple[np.ndarray, np.ndarray]:
        """The staircase sampled at GRID_POINTS log-spaced FPRs (the best TPR at or below
        each), so a curve of 20,000 distinct scores draws as 400 points."""
        _, tpr, fpr = self.curve()  # highest threshold first: both rising
        tpr, fpr = np.r_[0.0, tpr], np.r_[0.0, fpr]
        grid = np.logspace(lo, 0, GRID_POINTS)
        at = np.searchsorted(fpr, grid, side="right") - 1
        # Start at TPR 0 on the left edge: the scores above every negative rise there.
        return np.r_[lo, np.log10(grid)], np.r_[0.0, tpr[at]]

    def fpr_at_recall(self, recall: float) -> float:
        _, tpr, fpr = self.curve()
        i = int(np.searchsorted(tpr, recall, side="left"))
        nonzero = fpr[fpr > 0]
        floor = float(nonzero.min()) if nonzero.size else 1e-6
        return max(float(fpr[min(i, len(fpr) - 1)]), floor)

    # --- metrics for the model panel and the report (pure numpy) -------------------------

    def class_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's weight as a positive and as a negative (0 for the other class), in the
        order the rows were given."""
        positive = np.asarray(self.labels).astype(bool)
        w = np.ones(len(positive)) if self.weights is None else np.asarray(self.weights, float)
        return np.where(positive, w, 0.0), np.where(positive, 0.0, w)

    def reliability(
        self, bins: int | np.ndarray = 10, base_rate: float | None = None
    ) -> Reliability:
        """The calibration (reliability) curve: per score bin, the mean score and the share of
        positives observed. With ``base_rate`` the positives and negatives are reweighted to
        it first (prior shift): the share a bin would hold in the scenario."""
        edges = _edges(bins)
        pos, neg = self.class_weights()
        if base_rate is not None:
            pos = pos * (base_rate / self.positive_weight)
            neg = neg * ((1.0 - base_rate) / self.negative_weight)
        s = np.asarray(self.scores, dtype=float)
        idx = _bin_index(s, edges)
        n = len(edges) - 1
        w_pos = np.bincount(idx, pos, n)
        w_all = w_pos + np.bincount(idx, neg, n)
        w_row = pos + neg
        score_sum = np.bincount(idx, w_row * s, n)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(w_all > 0, score_sum / w_all, np.nan)
            observed = np.where(w_all > 0, w_pos / w_all, np.nan)
        count = np.bincount(idx, minlength=n)
        return Reliability(edges, mean, observed, w_all, count)

    def histograms(self, bins: int | np.ndarray = 20) -> ScoreHistograms:
        """Weighted counts of the positives' and the negatives' scores per bin."""
        edges = _edges(bins)
        pos, neg = self.class_weights()
        idx = _bin_index(np.asarray(self.scores, dtype=float), edges)
        n = len(edges) - 1
        return ScoreHistograms(edges, np.bincount(idx, pos, n), np.bincount(idx, neg, n))


class _Relabelled(EmpiricalScores):
    """:meth:`EmpiricalScores.relabelled`'s scores: ``_values`` may hold ties (each with the
    rates of the first of them), so the lists of distinct scores take the first of each."""

    _source: EmpiricalScores

    @cached_property
    def scores(self) -> np.ndarray:  # type: ignore[override]
        source = self._source
        rows = np.searchsorted(source._values, np.asarray(source.scores, dtype=float))
        return self._values[rows]

    def sweep_points(self, low: float, high: float, n: int | None = None) -> tuple[np.ndarray, ...]:
        v = self._values
        i, j = np.searchsorted(v, low, side="right"), np.searchsorted(v, high, side="left")
        j = max(i, j)
        at = i + _runs_of(v[i:j])
        return v[at], self._tpr[at], self._fpr[at]

    def curve(self) -> tuple[np.ndarray, ...]:
        at = _runs_of(self._values)[::-1]
        return self._values[at], self._tpr[at], self._fpr[at]


def _runs_of(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts."""
    if not len(values):
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])


@dataclass(frozen=True)
class Reliability:
    """A calibration curve; bins without rows hold NaN."""

    edges: np.ndarray  # bin edges in score, len(bins) + 1
    mean_score: np.ndarray  # weighted mean score of the bin's rows
    observed: np.ndarray  # weighted share of positives in the bin
    weight: np.ndarray  # total weight in the bin
    count: np.ndarray  # rows in the bin


@dataclass(frozen=True)
class ScoreHistograms:
    edges: np.ndarray
    positive: np.ndarray  # weighted count of positives per bin
    negative: np.ndarray


def _edges(bins: int | np.ndarray) -> np.ndarray:
    if np.ndim(bins) == 0:
        return np.linspace(0.0, 1.0, int(bins) + 1)
    return np.asarray(bins, dtype=float)


def _bin_index(s: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each score; the last bin is closed, scores outside go to the nearest bin."""
    return np.clip(np.searchsorted(edges, s, side="right") - 1, 0, len(edges) - 2)


def _block(n: int) -> int:
    """Rows per step of the passes after a sort: their temporaries stay a small share of
    the rows' memory, and the steps few."""
    return min(max(n >> 5, 1 << 12), 1 << 18)


def _packable(scores: np.ndarray, labels: np.ndarray) -> bool:
    """Whether each score and label fit in one 64-bit key: scores 0 <= s < 2 (their bits
    then leave the top two free, and order as the scores do), labels 0 or 1."""
    if scores.ndim != 1 or labels.shape != scores.shape or not scores.size:
        return False
    bits = np.ascontiguousarray(scores).view(np.int64)
    if int(np.bitwise_or.reduce(bits)) >> 62:  # a sign bit, NaN, inf or 2 and above
        return False
    return labels.dtype == bool or bool(np.all((labels == 0) | (labels == 1)))


def _packed_counts(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, ...]:
    """(distinct scores rising, positives at or above each, rows at or above each), both
    counts with a trailing 0: from one sort of (score bits << 1 | label), which orders the
    rows by score as a sort of the scores would, with no index to gather through.

    After the sort it goes block by block, so that beside the keys only one flag a row is
    as long as the rows (a score file's model stays within a few times the file's size)."""
    key = np.left_shift(np.ascontiguousarray(scores).view(np.int64), 1)
    np.bitwise_or(key, labels.astype(bool, copy=False), out=key)
    key.sort()
    n = len(key)
    # A new score starts where the keys differ in more than the label bit.
    first = np.empty(n, dtype=bool)
    first[0] = True
    step = _block(n)
    diff = np.empty(min(n, step), dtype=np.int64)
    for a in range(1, n, step):
        b = min(a + step, n)
        d = np.bitwise_xor(key[a:b], key[a - 1 : b - 1], out=diff[: b - a])
        np.greater(d, 1, out=first[a:b])
    del diff
    k = int(np.count_nonzero(first))
    values = np.empty(k)
    bits = values.view(np.int64)
    pos_above = np.zeros(k + 1)
    all_above = np.zeros(k + 1)
    total = int(np.count_nonzero(labels))
    # per block: the positives before each of its rows, the last one's the next's first
    before = np.zeros(min(n, step) + 1, dtype=np.int64)
    j = 0  # distinct scores before the block
    for a in range(0, n, step):
        block = key[a : a + step]
        at = np.flatnonzero(first[a : a + len(block)])
        part = slice(j, j + len(at))
        j += len(at)
        lead = block[at]
        np.right_shift(lead, 1, out=bits[part])
        count = before[: len(block) + 1]
        np.bitwise_and(block, 1, out=count[1:])
        np.cumsum(count, out=count)
        # positives at or above a start: all but those before it (integer arithmetic, then
        # one cast: a ufunc writing integers into floats is many times slower)
        pos_above[part] = np.subtract(total, count[at], out=lead)
        all_above[part] = np.subtract(n - a, at, out=at)  # rows at or above each start
        before[0] = count[-1]
        del block, at, lead, count  # before the next block's are made
    return values, pos_above, all_above


def _sorted_sums(
    scores: np.ndarray, labels: np.ndarray, weights: np.ndarray | None
) -> tuple[np.ndarray, ...]:
    """As _packed_counts, for any scores, labels and weights: an argsort, then block by
    block the distinct scores rising, and from the top the tail sums of the weights in that
    order (summed one by one as a cumsum from the end would: the same bits)."""
    n = len(scores)
    order = np.argsort(scores)
    if n < 1 << 31:  # half the memory while the sums are taken
        order = order.astype(np.int32)
    step = _block(n)
    first = np.empty(n, dtype=bool)
    distinct = np.empty(n)  # the distinct scores, then cut to their number
    k = 0
    for a in range(0, n, step):
        s = scores[order[a : a + step].astype(np.intp, copy=False)]  # intp gathers fastest
        f = first[a : a + len(s)]
        f[0] = a == 0 or s[0] != distinct[k - 1]
        np.not_equal(s[1:], s[:-1], out=f[1:])
        m = int(np.count_nonzero(f))
        np.compress(f, s, out=distinct[k : k + m])
        k += m
        del s
    values = distinct[:k].copy()
    del distinct
    pos_above = np.zeros(k + 1)
    all_above = np.zeros(k + 1)
    labels = np.asarray(labels)
    w = None if weights is None else np.asarray(weights, dtype=float)
    pos_sum = all_sum = None  # the weights above the block
    j = k
    for a in reversed(range(0, n, step)):
        rows = order[a : a + step].astype(np.intp, copy=False)
        at = np.flatnonzero(first[a : a + len(rows)])
        part = slice(j - len(at), j)
        j -= len(at)
        positive = labels[rows].astype(float)
        weight = None
        if w is None:
            all_above[part] = n - a - at
        else:
            weight = w[rows]
            positive *= weight
            all_sum = _tail_sums_in_place(weight, all_sum)
            all_above[part] = weight[at]
        pos_sum = _tail_sums_in_place(positive, pos_sum)
        pos_above[part] = positive[at]
        del rows, at, positive, weight  # before the next block's are made
    return values, pos_above, all_above


def _tail_sums_in_place(x: np.ndarray, above: float | None) -> float:
    """x[i] = x[i:].sum() + above, summed from the end one by one as cumsum does; returns
    x[0]. ``above`` None is nothing above (not 0.0, which would turn a -0.0 into 0.0)."""
    backwards = x[::-1]
    if above is not None:
        backwards[0] += above
    np.cumsum(backwards, out=backwards)
    return float(x[0])


def preset_scores(preset: Preset, scores: ScoreModel | None = None) -> ScoreModel:
    """``scores``, or else the preset's own synthetic model, which needs no files.

    A real model's scores are loaded where files are read (the command line, the document:
    see ``model_sources.score_model``) and passed in; the engine, the sweep and the
    simulation never load them. A real model's calibrated scores are shifted to the
    preset's base rate here (``at_base_rate``), so its thresholds are probabilities at the
    scenario's base rate whoever passes it, a sweep of the base rate included."""
    if scores is not None:
        at_base_rate = getattr(scores, "at_base_rate", None)
        return scores if at_base_rate is None else at_base_rate(preset.scenario.base_rate)
    model = preset.model
    if not isinstance(model, SyntheticModel):
        raise TypeError(
            f"a {model.source} model's scores must be loaded first and passed as scores="
        )
    return BinormalScores(auc=model.auc, base_rate=preset.scenario.base_rate)
