"""Calibration of a real model's raw scores to P(positive), so that a threshold means the same
for every model: "score >= 0.9" is a 90% chance at the scenario's base rate.

Two steps (formulas and choices in docs/MODEL.md, section 8):

1. **Cross-fitted calibration at the evaluation set's base rate.** The rows are split into
   :data:`FOLDS` stratified folds (fixed seed); each fold's rows are calibrated by a map fitted
   on the other folds only: isotonic regression (pool adjacent violators) when each class has
   at least :data:`ISOTONIC_MIN_ROWS` rows, else Platt scaling. The out-of-fold scores are then
   rearranged to be monotone in the raw score (sorted and given back in the raw scores'
   order), so the model's ranking is kept: ROC and AUC are the raw scores' up to ties.
2. **Prior shift** to the scenario's base rate pi_s from the evaluation set's pi_e, on the odds:
   odds' = odds * (pi_s / (1 - pi_s)) / (pi_e / (1 - pi_e)).

Pure numpy (no scipy.optimize, whose import alone costs about half a second): the raw scores
are what a loader caches, and calibrating them again is a few sorts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

FOLDS = 5
SEED = 0
# Below this many rows of either class isotonic regression overfits (it has one free value
# per block); Platt's two parameters are then the safer fit.
ISOTONIC_MIN_ROWS = 100
_PROBABILITY_CLIP = 1e-12  # Platt on probability scores fits on their logit


@dataclass(frozen=True, eq=False)
class Calibration:
    """A model's scores on its evaluation rows, raw and calibrated.

    The map is monotone, so it is kept once per distinct raw score (``values`` rising,
    ``mapped`` at each): rows share their raw score's order and counts, and a copy per row
    would double a large evaluation set's memory."""

    method: str  # "isotonic regression" or "Platt scaling"
    folds: int  # 1: fitted in-sample (too few rows of a class to hold any out)
    raw: np.ndarray  # per row, as given (not copied)
    values: np.ndarray  # the distinct raw scores, rising
    mapped: np.ndarray  # P(positive) of each at the evaluation set's base rate, cross-fitted
    base_rate: float  # the evaluation set's (weighted)
    # unweighted isotonic: (rows, positives) at each distinct raw score, as counted while
    # fitting; what the empirical scores need of the rows (see loaded_model.calibrated_scores)
    counts: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @property
    def calibrated(self) -> np.ndarray:
        """Each row's calibrated score at the evaluation set's base rate (made on request)."""
        return self.mapped[np.searchsorted(self.values, self.raw)]

    def mapped_at(self, base_rate: float) -> np.ndarray:
        """Each distinct raw score's calibrated score at another base rate (prior shift)."""
        return prior_shift(self.mapped, self.base_rate, base_rate)

    def at(self, base_rate: float) -> np.ndarray:
        """Each row's calibrated score at another base rate (prior shift)."""
        return self.mapped_at(base_rate)[np.searchsorted(self.values, self.raw)]

    def raw_at(self, thresholds: np.ndarray, base_rate: float) -> np.ndarray:
        """The raw score of each calibrated threshold at ``base_rate``: the lowest raw score
        of the rows whose calibrated score is at or above it (NaN if none is), so 'calibrated
        >= t' and 'raw >= that' select the same rows."""
        return raw_lookup(self.raw_table(base_rate), thresholds)

    def raw_table(self, base_rate: float) -> tuple[np.ndarray, np.ndarray]:
        """(calibrated scores at ``base_rate`` rising, the lowest raw score at or after each):
        what :func:`raw_lookup` searches. Per distinct raw score both rise already (the map
        is monotone), so the lowest raw score at or after one is its own."""
        return self.mapped_at(base_rate), self.values

    def describe(self) -> str:
        where = (
            f"cross-fitted on {self.folds} folds of the evaluation set (each row calibrated by a "
            "map fitted on the other folds)"
            if self.folds > 1
            else "fitted on the whole evaluation set (too few rows of a class to cross-fit)"
        )
        return f"{self.method}, {where}, at its base rate {self.base_rate:.3g}"


def raw_lookup(table: tuple[np.ndarray, np.ndarray], thresholds: np.ndarray) -> np.ndarray:
    """The raw score of each calibrated threshold from a :meth:`Calibration.raw_table`."""
    shown, lowest_raw_above = table
    idx = np.searchsorted(shown, np.asarray(thresholds, dtype=float), side="left")
    out = np.full(idx.shape, np.nan)
    inside = idx < len(shown)
    out[inside] = lowest_raw_above[idx[inside]]
    return out


def prior_shift(p: np.ndarray, from_rate: float, to_rate: float) -> np.ndarray:
    """P(positive) at base rate ``to_rate`` of scores calibrated at ``from_rate``: the odds
    times (to / (1 - to)) / (from / (1 - from)). The identity when the rates are equal."""
    p = np.asarray(p, dtype=float)
    if from_rate == to_rate:
        return p.copy()
    shift = _logit(to_rate) - _logit(from_rate)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        z = np.log(p) - np.log1p(-p) + shift
        # exp of the negative side only: at a base rate near the smallest double the scores
        # are tiny but not 0, so they keep their order
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def calibrate(
    raw: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    probability: bool = True,
    folds: int = FOLDS,
    seed: int = SEED,
    values: np.ndarray | None = None,
) -> Calibration:
    """Calibrate raw scores to P(positive) on their own labelled rows, cross-fitted.

    ``probability``: the raw scores are probabilities (Platt then fits on their logit), not
    decision values. Both classes must have some weight. ``values``: the distinct raw scores
    rising, if known (kept rather than found again)."""
    x = np.asarray(raw, dtype=float)
    y = np.asarray(labels).astype(bool, copy=False)
    n = len(x)
    w: np.ndarray | None = None
    if weights is None:  # every weight 1: sums of ones are the counts
        mean = None
        base_rate = int(np.count_nonzero(y)) / n
    else:
        w = np.asarray(weights, dtype=float)
        mean = w.mean()  # pseudo-counts below are in rows, whatever the weights' unit
        normalised = w / mean
        base_rate = float(normalised[y].sum() / normalised.sum())
        del normalised  # each fold divides its own rows' weights again: the same bits

    def weights_of(rows: np.ndarray | slice) -> np.ndarray:
        """The normalised weights of some rows (a mask, indices or all)."""
        if mean is None or w is None:
            if isinstance(rows, slice):
                return np.ones(n)
            return np.ones(int(np.count_nonzero(rows)) if rows.dtype == bool else len(rows))
        out = w[rows]
        out /= mean
        return out

    n_small = min(int(np.count_nonzero(y)), n - int(np.count_nonzero(y)))
    isotonic = n_small >= ISOTONIC_MIN_ROWS
    z = x  # what Platt scaling fits on
    if probability and not isotonic:
        z = np.asarray(_logit(np.clip(x, _PROBABILITY_CLIP, 1 - _PROBABILITY_CLIP)))
    k = max(1, min(folds, n_small))
    fold = _stratified_folds(y, k, seed)
    order = _index(np.argsort(x))  # once: each fold's rows, taken in this order, are sorted too
    sorted_fold = fold[order]
    if isotonic:
        del fold  # (the sorted copy serves)
    counted, start = None, None
    if isotonic and w is None:  # counted once; otherwise the runs wait for the fits to end
        start, values = _distinct_runs(x, order, values)
        counted = _FoldCounts(y, order, sorted_fold, start, k, values)
    fits = []  # each a few numbers per block: all fitted before the rows' scores take room
    for f in range(k):
        if counted is not None:
            fits.append(_fit_isotonic(*counted.train(f)))
        elif isotonic:
            fits.append(_fit_isotonic(*_train_sums(x, y, w, mean, order, sorted_fold, f, k)))
        else:
            train_rows = fold != f if k > 1 else slice(None)
            fits.append(_fit_platt(z[train_rows], y[train_rows], weights_of(train_rows)))
    counts = None if counted is None else (counted.rows, counted.positives)
    del counted  # (its row-long arrays)
    # Each row's out-of-fold score, in no particular row order: only their sorted values are
    # used (the rearrangement below), so the predictions are written in the sorted rows' order.
    out = np.empty(n)
    for f, fit in enumerate(fits):
        test = np.flatnonzero(sorted_fold == f)
        at = order[test]
        out[test] = fit(x[at] if isotonic else z[at])
        del test, at
    del fits, sorted_fold
    if start is None or values is None:
        start, values = _distinct_runs(x, order, values)
    del order  # the runs and the distinct values are all the rearrangement needs of it
    distinct, mapped = values, _monotone_in(out, start, pooled=k > 1)
    return Calibration(
        method="isotonic regression" if isotonic else "Platt scaling",
        folds=k,
        raw=x,
        values=distinct,
        mapped=mapped,
        base_rate=base_rate,
        counts=counts,
    )


def _index(order: np.ndarray) -> np.ndarray:
    """Row indices in half the memory where they fit."""
    return order.astype(np.int32) if len(order) < 1 << 31 else order


def _logit(p: float | np.ndarray) -> float | np.ndarray:
    with np.errstate(divide="ignore"):
        out = np.log(p) - np.log1p(-np.asarray(p, dtype=float))
    return float(out) if np.ndim(out) == 0 else out


def _stratified_folds(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """A fold number per row; each class spread evenly over the folds at random."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=np.int8)  # k <= FOLDS
    for cls in (True, False):
        # shuffled in place, as small indices: the same draws as a permutation of int64s
        rows = _index(np.flatnonzero(y == cls))
        rng.shuffle(rows)
        fold[rows] = np.arange(len(rows), dtype=rows.dtype) % k
        del rows
    return fold


def _runs(sorted_x: np.ndarray) -> np.ndarray:
    """Where each distinct value's run starts in sorted values."""
    return np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])


_STEP = 1 << 16  # sorted rows per step of the passes over them: small temporaries


def _sorted_runs(x: np.ndarray, order: np.ndarray) -> np.ndarray:
    """:func:`_runs` of ``x[order]`` (``order`` sorts ``x``), found a step at a time: no
    sorted copy of the rows. As intp: np.add.reduceat would copy smaller indices to it."""
    parts, last = [], None
    for a in range(0, len(order), _STEP):
        s = x[order[a : a + _STEP]]
        first = np.empty(len(s), dtype=bool)
        first[0] = last is None or s[0] != last
        np.not_equal(s[1:], s[:-1], out=first[1:])
        parts.append(np.flatnonzero(first) + a)
        last = s[-1]
    return np.concatenate(parts)


def _distinct_runs(
    x: np.ndarray, order: np.ndarray, values: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal sorted scores starts, and the distinct scores (``values``
    kept if it has one per run)."""
    start = _sorted_runs(x, order)
    if values is None or len(values) != len(start):
        values = x[order[start]]
    return start, values


class _FoldCounts:
    """Unweighted rows: how many rows, and positives, each fold has at each distinct raw
    score, counted once. What :func:`_train_sums` gives a fold is then these counts less
    the fold's: with every weight 1, its sums are counts, exact whatever the order they
    are added in, so they are the same bits."""

    def __init__(
        self,
        y: np.ndarray,
        order: np.ndarray,
        sorted_fold: np.ndarray,
        start: np.ndarray,
        k: int,
        values: np.ndarray,
    ) -> None:
        self.values = values  # the distinct raw scores
        n, distinct = len(order), len(start)
        run = np.zeros(n, dtype=np.int32 if distinct < 1 << 31 else np.intp)
        run[start[1:]] = 1
        np.cumsum(run, out=run)  # each sorted row's distinct score
        positive = y[order]
        self.rows = np.bincount(run, minlength=distinct)
        self.positives = np.bincount(run[positive], minlength=distinct)
        # each fold's counts when it is fitted: a few numbers per distinct score at a time
        self._rows = (run, positive, sorted_fold, k)

    def train(self, f: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:func:`_train_sums` of fold ``f``."""
        rows, positives = self.rows, self.positives
        run, positive, sorted_fold, k = self._rows
        if k > 1:
            held = sorted_fold == f
            rows = rows - np.bincount(run[held], minlength=len(rows))
            held &= positive
            positives = positives - np.bincount(run[held], minlength=len(rows))
            del held
        keep = rows > 0
        return self.values[keep], rows[keep].astype(float), positives[keep].astype(float)


def _train_sums(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray | None,
    mean: float | None,
    order: np.ndarray,
    sorted_fold: np.ndarray,
    f: int,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the distinct raw scores of the rows with weight outside fold ``f`` (every row if
    ``k`` is 1), rising; the sum of those rows' normalised weights at each; of their
    positives' weights): all the isotonic fit needs of them. Taken a step at a time along
    the sorted rows rather than from copies of the rows: each run of equal scores is held
    back until it is whole and summed at once, so every sum adds the same numbers in the
    same order as one np.add.reduceat over all the rows would (the same bits)."""
    out: tuple[list, list, list] = ([], [], [])
    held: tuple[np.ndarray, ...] = ()  # the last run of the step before, maybe unfinished
    n = len(order)
    for a in range(0, n, _STEP):
        rows = order[a : a + _STEP]
        if k > 1:
            rows = rows[sorted_fold[a : a + _STEP] != f]
        xs, ys = x[rows], y[rows]
        if w is None:
            ws = np.ones(len(rows))
        else:
            ws = w[rows]
            ws /= mean
        del rows
        if held:
            xs, ys, ws = (np.concatenate(pair) for pair in zip(held, (xs, ys, ws), strict=True))
        keep = ws > 0
        if not keep.all():
            xs, ys, ws = xs[keep], ys[keep], ws[keep]
        del keep
        held = ()
        if a + _STEP < n and len(xs):  # the last run may go on in the next step
            cut = int(np.searchsorted(xs, xs[-1], side="left"))
            held = (xs[cut:], ys[cut:], ws[cut:])
            xs, ys, ws = xs[:cut], ys[:cut], ws[:cut]
        if not len(xs):
            continue
        start = _runs(xs)
        out[0].append(xs[start])
        out[1].append(np.add.reduceat(ws, start))
        ws *= ys
        out[2].append(np.add.reduceat(ws, start))
    # One array at a time, its parts freed as it is joined: at most one extra copy at once.
    joined = []
    for parts in out:
        joined.append(np.concatenate(parts) if parts else np.empty(0))
        parts.clear()
    return joined[0], joined[1], joined[2]


def _fit_isotonic(values: np.ndarray, wsum: np.ndarray, psum: np.ndarray):
    """The weighted isotonic fit of y on x as a map, linear between the blocks' centres
    (centred isotonic regression, Oron & Flournoy 2017): strictly increasing between the
    first and the last centre, so rows the model ranks apart stay apart and every raw
    score keeps its operating point. Each block's rate is smoothed by half a positive in
    one row, (positives + 1/2) / (rows + 1), so that a block of positives only is not
    certainty, which the prior shift would keep at any base rate. The rows come summed
    per distinct x (:func:`_train_sums`)."""
    if not len(values):  # a fold with no weight: nothing to learn, the uninformative map
        return lambda v: np.full(np.shape(v), 0.5)
    first = pav(psum, wsum)
    rows = np.add.reduceat(wsum, first)
    positives = np.add.reduceat(psum, first)
    rate = (positives + 0.5) / (rows + 1.0)
    # smoothing may break the order: pool again, one knot per pooled block
    pooled = pav(positives + 0.5, rows + 1.0)
    rate = np.add.reduceat(positives + 0.5, pooled) / np.add.reduceat(rows + 1.0, pooled)
    centre = np.add.reduceat(np.add.reduceat(wsum * values, first), pooled) / np.add.reduceat(
        rows, pooled
    )
    return lambda v: np.interp(v, centre, rate)


def _fit_platt(z: np.ndarray, y: np.ndarray, w: np.ndarray):
    """Platt's logistic map of z; a slope below 0 (a model ranking negatives first on these
    rows) is taken as 0, a constant, so the map never reverses the ranking."""
    a, b = platt(z, y, w)
    a = max(a, 0.0)
    return lambda v: _sigmoid(a * v + b)


def pav(sums: np.ndarray, weights: np.ndarray, passes: int = 16) -> np.ndarray:
    """Pool adjacent violators: where each block of the weighted isotonic (non-decreasing)
    regression of ``sums / weights`` starts. Blocks are maximal, so neighbours differ.

    Vectorized: each pass pools every run of non-increasing means at once (PAV would pool
    it too, whatever the order it pools in: the solution is unique). Rising and falling
    runs can cascade, so after ``passes`` the few blocks left are finished one by one."""
    s = np.asarray(sums, dtype=float)
    w = np.asarray(weights, dtype=float)
    start: np.ndarray | None = None  # each block's first index; None: every index, unpooled
    for _ in range(passes):
        m = s / w
        down = m[:-1] >= m[1:]
        del m  # (a large evaluation set's blocks are many: hold few copies of them)
        if not down.any():
            return np.arange(len(s)) if start is None else start
        np.logical_not(down, out=down)
        first = np.flatnonzero(np.r_[True, down])
        del down
        s, w = np.add.reduceat(s, first), np.add.reduceat(w, first)
        start = first if start is None else start[first]
    assert start is not None
    S: list[float] = []
    W: list[float] = []
    B: list[int] = []
    for si, wi, bi in zip(s.tolist(), w.tolist(), start.tolist(), strict=True):
        while S and S[-1] * wi >= si * W[-1]:  # the block before's mean >= this one's
            si, wi, bi = si + S.pop(), wi + W.pop(), B.pop()
        S.append(si)
        W.append(wi)
        B.append(bi)
    return np.array(B, dtype=np.int64)


def _monotone_in(c: np.ndarray, start: np.ndarray, pooled: bool = True) -> np.ndarray:
    """The score of each distinct raw score ``x`` (their runs among the sorted rows start at
    ``start``): ``c`` made non-decreasing in ``x`` by monotone rearrangement (Chernozhukov,
    Fernandez-Val & Galichon, Econometrica 2010): the out-of-fold scores, sorted, given back
    to the rows in the raw scores' order; rows with equal raw scores get their mean. Folds'
    maps cross at fine scale, so pooling them (an isotonic pass) would tie most rows; the
    rearrangement keeps every value and the model's ranking, and is never further from a
    monotone truth than ``c`` is. ``c`` (in any row order) is sorted in place. Not
    ``pooled``: ``c`` is one monotone map's, in the sorted rows' order, and each distinct
    value keeps its own score."""
    if not pooled:
        return c[start]
    counts = np.empty(len(start), dtype=np.int32 if len(c) < 1 << 31 else np.intp)
    np.subtract(start[1:], start[:-1], out=counts[:-1])
    counts[-1] = len(c) - start[-1]
    c.sort()
    means = np.add.reduceat(c, start)
    means /= counts
    return np.maximum.accumulate(means, out=means)  # (rounding)


def platt(
    values: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, float]:
    """Platt scaling: (a, b) of P(positive) = 1 / (1 + exp(-(a*v + b))), fitted by weighted
    maximum likelihood with Platt's smoothed targets, by Newton's method with a backtracking
    line search (Lin, Lin & Weng, Machine Learning 2007). Deterministic."""
    v = np.asarray(values, dtype=float)
    y = np.asarray(labels, dtype=bool)
    w = np.ones(len(v)) if weights is None else np.asarray(weights, dtype=float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    t = np.where(y, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    scale = float(np.std(v)) or 1.0
    center = float(np.mean(v))
    z = (v - center) / scale

    def loss(a: float, b: float) -> float:
        m = a * z + b
        # -[t log p + (1-t) log(1-p)] with p = sigmoid(m), written stably
        return float(np.sum(w * (np.logaddexp(0.0, m) - t * m)))

    a, b = 0.0, math.log((n_pos + 1.0) / (n_neg + 1.0))
    current = loss(a, b)
    for _ in range(100):
        p = 0.5 * (1.0 + np.tanh(0.5 * (a * z + b)))
        d = w * (p - t)
        h = w * p * (1.0 - p) + 1e-12
        g = np.array([np.dot(d, z), d.sum()])
        hess = np.array([[np.dot(h, z * z), np.dot(h, z)], [np.dot(h, z), h.sum()]])
        step = np.linalg.solve(hess + 1e-12 * np.eye(2), g)
        if np.max(np.abs(g)) < 1e-10 * max(1.0, w.sum()):
            break
        s = 1.0
        while s > 1e-10:
            na, nb = a - s * step[0], b - s * step[1]
            new = loss(na, nb)
            if new <= current - 1e-4 * s * float(np.dot(g, step)):
                a, b, current = na, nb, new
                break
            s /= 2
        else:
            break
    return a / scale, b - a * center / scale


def _sigmoid(m: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * m))
