"""The optimizer's search space and search (the result and its reports: optimize.py).

What may vary (:data:`VARY`): the band thresholds, the band modes (from the modes table), the
forcefulness and the daily caps of the modes the bands use; the number of bands stays the
design's. Every batch of candidates that differ only in thresholds is evaluated in one call of
the engine (rows of rates as arrays), so a band's thresholds cost one pass. The search, when
it is exact and when a heuristic, is written up in docs/MODEL.md ("The optimizer").
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..model.scores import BinormalScores, ScoreModel, preset_scores
from ..preset.preset_io import PresetError, Problem
from ..preset.schema import ACTIVE_MODES, MODES, Band, Preset
from .engine import outcome_masses
from .figures import Constraint, check_figure, figure_rows

VARY = ("thresholds", "modes", "forcefulness", "caps")
FORCEFULNESS_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
CAP_GRID: tuple[int | None, ...] = (None, 1, 2, 3, 5, 10)
# The two fronts: value added against each of these (fewer interruptions, more harms avoided).
FRONTS = {"interruptions_per_user_year": -1.0, "harms_avoided_per_user_year": 1.0}
COARSE_LEVELS = 60  # per class: the grid on which two thresholds are searched pairwise
FINE_QUANTILES = 1000  # per class, for a binormal model's candidate thresholds
MAX_ASSIGNMENTS = 625  # band-mode assignments enumerated; more are searched band by band
REFINED = 4  # best mode assignments whose forcefulness and caps are then searched
ROUNDS = 6  # at most this many rounds of coordinate ascent
MAX_BATCH = 200_000  # candidates evaluated in one call of the engine at most


class Cancelled(Exception):
    """The caller asked the optimizer to stop."""


@dataclass(frozen=True)
class Design:
    """One candidate: band thresholds and modes, and each active mode's (forcefulness, cap)."""

    thresholds: tuple[float, ...]  # highest first; the last is 0
    modes: tuple[str, ...]
    settings: tuple[tuple[float, int | None], ...]  # per ACTIVE_MODES position

    @classmethod
    def of(cls, preset: Preset) -> Design:
        exp = preset.experience
        settings = tuple(
            (getattr(exp.modes, m).forcefulness, getattr(exp.modes, m).daily_cap)
            for m in ACTIVE_MODES
        )
        return cls(exp.thresholds(), tuple(b.mode for b in exp.bands), settings)

    def preset(self, base: Preset) -> Preset:
        """The base preset with this design."""
        exp = base.experience
        per_mode = {
            m: replace(getattr(exp.modes, m), forcefulness=f, daily_cap=c)
            for m, (f, c) in zip(ACTIVE_MODES, self.settings, strict=True)
        }
        bands = tuple(Band(t, m) for t, m in zip(self.thresholds, self.modes, strict=True))
        return replace(
            base,
            experience=replace(exp, bands=bands, modes=type(exp.modes)(**per_mode)),
        )

    def assignments(self, base: Preset) -> dict[str, Any]:
        """The dotted paths (and values) that turn the base preset's design into this one."""
        here, out = Design.of(base), dict[str, Any]()
        # In an order that keeps the thresholds falling after each one, as --set applies
        # them one by one: a band whose new threshold fits between its neighbours' goes next.
        now, pending = (
            list(here.thresholds),
            [i for i, t in enumerate(self.thresholds) if t != here.thresholds[i]],
        )
        while pending:
            for i in pending:
                above = now[i - 1] if i > 0 else np.inf
                below = now[i + 1] if i + 1 < len(now) else -np.inf
                if below < self.thresholds[i] < above:
                    break
            pending.remove(i)
            now[i] = self.thresholds[i]
            out[f"experience.bands[{i}].threshold"] = self.thresholds[i]
        for i, m in enumerate(self.modes):
            if m != here.modes[i]:
                out[f"experience.bands[{i}].mode"] = m
        for mode, (f, c), (f0, c0) in zip(ACTIVE_MODES, self.settings, here.settings, strict=True):
            if f != f0:
                out[f"experience.modes.{mode}.forcefulness"] = f
            if c != c0:
                out[f"experience.modes.{mode}.daily_cap"] = c
        return out

    def label(self, base: Preset | None = None) -> str:
        """Short text: 'automate ≥0.91 · prompt ≥0.4', silent bands left out and adjacent
        bands of one mode said as one (they act as one band); a mode's forcefulness and cap
        where they differ from the base preset's."""
        merged: list[tuple[float, str]] = []
        for t, m in zip(self.thresholds, self.modes, strict=True):
            if merged and merged[-1][1] == m:
                merged[-1] = (t, m)  # the band below extends it down to its threshold
            else:
                merged.append((t, m))
        parts = []
        here = Design.of(base) if base is not None else None
        for t, m in merged:
            if m in ACTIVE_MODES:
                text = f"{m} ≥{t:.3g}"
                k = ACTIVE_MODES.index(m)
                if here is not None and self.settings[k] != here.settings[k]:
                    (f, c), (f0, c0) = self.settings[k], here.settings[k]
                    changed = [f"force {f:g}"] if f != f0 else []
                    changed += [f"cap {'none' if c is None else c}"] if c != c0 else []
                    text += f" ({', '.join(changed)})"
                parts.append(text)
        return " · ".join(parts) or "all silent"


@dataclass(frozen=True)
class Candidate:
    design: Design
    figures: dict[str, float]
    feasible: bool


@dataclass
class Tally:
    """What a search keeps: the best feasible candidate (or the least infeasible one), the
    best ignoring the constraints, the points on the fronts so far and how many it saw.

    The front points are arrays (their figures, thresholds and an index into ``designs``,
    the modes and settings they share), pruned to the fronts after every batch."""

    best: tuple[tuple[bool, float], Candidate] | None = None
    free: tuple[float, Candidate] | None = None
    figures: np.ndarray | None = None  # [point, wanted figure]
    thresholds: np.ndarray | None = None  # [point, band]
    design: np.ndarray | None = None  # [point] -> designs
    designs: list[Design] = field(default_factory=list)
    count: int = 0
    # asked before every batch: True stops the search (Cancelled); never sent to a process
    stop: Callable[[], bool] | None = field(default=None, repr=False, compare=False)

    def add(self, figs: np.ndarray, thresholds: np.ndarray, design: Design) -> None:
        self.designs.append(design)
        ids = np.full(len(figs), len(self.designs) - 1)
        self._extend(figs, thresholds, ids)

    def _extend(self, figs: np.ndarray, thresholds: np.ndarray, ids: np.ndarray) -> None:
        if self.figures is not None and self.thresholds is not None and self.design is not None:
            figs = np.concatenate([self.figures, figs])
            thresholds = np.concatenate([self.thresholds, thresholds])
            ids = np.concatenate([self.design, ids])
        keep = _on_fronts(figs)
        self.figures, self.thresholds, self.design = figs[keep], thresholds[keep], ids[keep]

    def merge(self, other: Tally) -> None:
        if other.best is not None and (self.best is None or other.best[0] > self.best[0]):
            self.best = other.best
        if other.free is not None and (self.free is None or other.free[0] > self.free[0]):
            self.free = other.free
        if other.figures is not None and other.thresholds is not None:
            assert other.design is not None
            offset = len(self.designs)
            self.designs += other.designs
            self._extend(other.figures, other.thresholds, other.design + offset)
        self.count += other.count

    def candidates(self, wanted: Sequence[str]) -> list[Candidate]:
        if self.figures is None or self.thresholds is None or self.design is None:
            return []
        return [
            Candidate(
                replace(self.designs[int(d)], thresholds=tuple(map(float, t))),
                dict(zip(wanted, map(float, f), strict=True)),
                True,
            )
            for f, t, d in zip(self.figures, self.thresholds, self.design, strict=True)
        ]


def _on_fronts(figs: np.ndarray) -> np.ndarray:
    """Indices of the rows (figures in :func:`Search.wanted` order) on either front."""
    value = figs[:, 0]
    mask = np.ones(len(figs), dtype=bool)
    keep = [
        _front_indices(value, sense * figs[:, 1 + i], mask)
        for i, sense in enumerate(FRONTS.values())
    ]
    return np.unique(np.concatenate(keep))


@dataclass(frozen=True)
class Search:
    """One optimization problem: what is maximised, the bounds, the candidate thresholds."""

    preset: Preset
    scores: ScoreModel
    objective: str
    constraints: tuple[Constraint, ...]
    vary: frozenset[str]
    fine: np.ndarray  # candidate thresholds, rising
    fine_rates: tuple[np.ndarray, np.ndarray]
    coarse: np.ndarray  # indices into fine: the pairwise grid

    @property
    def wanted(self) -> tuple[str, ...]:
        # value added and the fronts' axes first: the front points are kept in this order
        names = ("value_added", *FRONTS, self.objective, *(c.figure for c in self.constraints))
        return tuple(dict.fromkeys(names))


# --- candidate thresholds ---------------------------------------------------------------------


def candidate_thresholds(scores: ScoreModel) -> np.ndarray:
    """Every distinct score in (0, 1) of an empirical model; for a binormal one, the scores
    at FINE_QUANTILES quantiles of each class (evenly in the positives' rate, log-evenly in
    the negatives', where a low base rate's useful thresholds lie)."""
    if isinstance(scores, BinormalScores):
        from scipy.special import ndtri

        d = scores.d_prime
        q = (np.arange(FINE_QUANTILES) + 0.5) / FINE_QUANTILES
        latent = np.concatenate([d - ndtri(q), -ndtri(np.logspace(-9, -1e-9, FINE_QUANTILES))])
        grid = scores.score_of_latent(latent)
    else:
        grid = np.asarray(scores.sweep_points(0.0, 1.0)[0], dtype=float)
    grid = np.unique(grid)
    return grid[(grid > 0.0) & (grid < 1.0)]


def _coarse(tpr: np.ndarray, fpr: np.ndarray) -> np.ndarray:
    """Indices of the fine candidates where the positives' rate passes even levels and the
    negatives' rate log-even levels: the grid two thresholds are searched on pairwise."""
    n = len(tpr)
    if n <= 2 * COARSE_LEVELS:
        return np.arange(n)
    # rates fall as the threshold rises: search the reversed (rising) arrays
    levels_t = np.linspace(0.0, 1.0, COARSE_LEVELS)
    levels_f = np.logspace(-7, 0, COARSE_LEVELS)
    at_t = n - 1 - np.searchsorted(tpr[::-1], levels_t, side="left")
    at_f = n - 1 - np.searchsorted(fpr[::-1], levels_f, side="left")
    return np.unique(np.clip(np.concatenate([at_t, at_f]), 0, n - 1))


def problem(
    preset: Preset,
    scores: ScoreModel | None = None,
    objective: str = "value_added",
    constraints: Sequence[Constraint] = (),
    vary: Iterable[str] = ("thresholds", "modes"),
) -> Search:
    vary = frozenset(vary)
    unknown = sorted(vary - set(VARY))
    if unknown or not vary:
        raise PresetError(
            [Problem("--vary", None, ",".join(unknown), f"expected some of {', '.join(VARY)}")]
        )
    scores = preset_scores(preset, scores)
    fine = candidate_thresholds(scores)
    tpr, fpr = scores.rates_at(fine)
    return Search(
        preset,
        scores,
        check_figure(objective),
        tuple(constraints),
        vary,
        fine,
        (np.asarray(tpr, float), np.asarray(fpr, float)),
        _coarse(np.asarray(tpr), np.asarray(fpr)),
    )


# --- evaluating batches -----------------------------------------------------------------------


def _batch(pb: Search, design: Design, rows: dict[int, np.ndarray], tally: Tally) -> tuple:
    """Evaluate the design with band b's threshold replaced by each of ``rows[b]`` (indices
    into the fine candidates, arrays that broadcast together); record it in the tally.
    Returns (key, design) of the batch's best candidate."""
    if tally.stop is not None and tally.stop():
        raise Cancelled
    if len(rows) == 1:  # one band's candidates: in slices, so memory stays bounded
        ((b, idx),) = rows.items()
        if idx.size > MAX_BATCH:
            parts = [
                _batch(pb, design, {b: idx[i : i + MAX_BATCH]}, tally)
                for i in range(0, idx.size, MAX_BATCH)
            ]
            return max(parts, key=first)
    variant = design.preset(pb.preset)
    tpr_rows: list[Any] = []
    fpr_rows: list[Any] = []
    t_rows: list[Any] = []
    fixed = pb.scores.rates_at(np.array(design.thresholds))
    for b in range(len(design.modes)):
        if b in rows:
            tpr_rows.append(pb.fine_rates[0][rows[b]])
            fpr_rows.append(pb.fine_rates[1][rows[b]])
            t_rows.append(pb.fine[rows[b]])
        else:
            tpr_rows.append(float(fixed[0][b]))
            fpr_rows.append(float(fixed[1][b]))
            t_rows.append(design.thresholds[b])
    with np.errstate(all="ignore"):
        figs = figure_rows(variant, outcome_masses(variant, tpr_rows, fpr_rows), pb.wanted)
    shape = np.broadcast_shapes(*(np.shape(r) for r in rows.values())) if rows else ()
    figs = {k: np.broadcast_to(v, shape).reshape(-1) for k, v in figs.items()}
    thresholds = [np.broadcast_to(t, shape).ravel() for t in t_rows]
    objective = np.where(np.isfinite(figs[pb.objective]), figs[pb.objective], -np.inf)
    feasible = np.ones(objective.shape, dtype=bool)
    violation = np.zeros(objective.shape)
    for c in pb.constraints:
        feasible &= c.met(figs[c.figure])
        violation += c.violation(figs[c.figure])
    tally.count += objective.size

    def candidate(i: int) -> Candidate:
        ts = tuple(float(t[i]) for t in thresholds)
        return Candidate(
            replace(design, thresholds=ts),
            {k: float(v[i]) for k, v in figs.items()},
            bool(feasible[i]),
        )

    if feasible.any():
        i = int(np.argmax(np.where(feasible, objective, -np.inf)))
        key = (True, float(objective[i]))
    else:
        i = int(np.argmin(violation))
        key = (False, -float(violation[i]))
    best = candidate(i)
    if tally.best is None or key > tally.best[0]:
        tally.best = (key, best)
    j = int(np.argmax(objective))
    if tally.free is None or objective[j] > tally.free[0]:
        tally.free = (float(objective[j]), candidate(j))
    on_front = np.zeros(objective.shape, dtype=bool)
    for i, sense in enumerate(FRONTS.values()):
        other = sense * figs[pb.wanted[1 + i]]
        on_front[_front_indices(figs["value_added"], other, feasible)] = True
    if on_front.any():
        points = np.stack([figs[k][on_front] for k in pb.wanted], axis=1)
        tally.add(points, np.stack([t[on_front] for t in thresholds], axis=1), design)
    return key, best.design


def _front_indices(value: np.ndarray, other: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Indices, among ``mask``, of the points no other beats on both value and ``other``
    (both to maximise)."""
    idx = np.flatnonzero(mask & np.isfinite(value) & np.isfinite(other))
    if idx.size == 0:
        return idx
    order = idx[np.lexsort((-value[idx], -other[idx]))]  # most 'other' first, then value
    v = value[order]
    running = np.maximum.accumulate(v)
    keep = np.ones(v.size, dtype=bool)
    keep[1:] = v[1:] > running[:-1]
    return order[keep]


def front(cands: Sequence[Candidate], axis: str) -> list[Candidate]:
    """The Pareto front of value added against ``axis`` (one of FRONTS), by the axis."""
    if not cands:
        return []
    value = np.array([c.figures["value_added"] for c in cands])
    other = FRONTS[axis] * np.array([c.figures[axis] for c in cands])
    idx = _front_indices(value, other, np.ones(value.size, dtype=bool))
    return sorted((cands[int(i)] for i in idx), key=lambda c: c.figures[axis])


# --- the search -------------------------------------------------------------------------------


def _indices_between(pb: Search, low: float, high: float) -> np.ndarray:
    i = np.searchsorted(pb.fine, low, side="right")
    j = np.searchsorted(pb.fine, high, side="left")
    return np.arange(i, max(i, j))


def _search_thresholds(pb: Search, design: Design, tally: Tally) -> tuple:
    """The best thresholds for the design's modes and settings: exhaustive for one movable
    threshold, pairwise on the coarse grid then coordinate ascent for two, coordinate ascent
    from the design's own thresholds for more. Returns (key, design)."""
    movable = len(design.modes) - 1
    if "thresholds" not in pb.vary or movable == 0:
        return _batch(pb, design, {}, tally)
    if movable == 1:
        return _batch(pb, design, {0: np.arange(len(pb.fine))}, tally)
    key, best = None, design
    if movable == 2:
        c = pb.coarse
        lo, hi = np.triu_indices(len(c), k=1)  # lo < hi: band 0 above band 1
        key, best = _batch(pb, design, {0: c[hi], 1: c[lo]}, tally)
    else:
        key, best = _batch(pb, design, {}, tally)
    for _ in range(ROUNDS):
        improved = False
        for b in range(movable):
            ts = best.thresholds
            high = ts[b - 1] if b > 0 else 1.0
            idx = _indices_between(pb, ts[b + 1], high)
            if idx.size == 0:
                continue
            k, d = _batch(pb, best, {b: idx}, tally)
            if k > key:
                key, best, improved = k, d, True
        if not improved:
            break
    return key, best


def search_settings(pb: Search, key: tuple, design: Design, tally: Tally) -> tuple:
    """Coordinate ascent over the used modes' forcefulness and caps, with the thresholds
    searched again after each round that changed something."""
    forces = FORCEFULNESS_GRID if "forcefulness" in pb.vary else (None,)
    caps: tuple[Any, ...] = CAP_GRID if "caps" in pb.vary else ("keep",)
    for _ in range(ROUNDS):
        improved = False
        for mode in dict.fromkeys(m for m in design.modes if m in ACTIVE_MODES):
            k_mode = ACTIVE_MODES.index(mode)
            for f, c in itertools.product(forces, caps):
                f0, c0 = design.settings[k_mode]
                setting = (f0 if f is None else f, c0 if c == "keep" else c)
                if setting == (f0, c0):
                    continue
                settings = list(design.settings)
                settings[k_mode] = setting
                k, d = _batch(pb, replace(design, settings=tuple(settings)), {}, tally)
                if k > key:
                    key, design, improved = k, d, True
        if not improved:
            break
        key, design = max((key, design), _search_thresholds(pb, design, tally), key=first)
    return key, design


def first(pair: tuple) -> Any:
    return pair[0]


def _search_assignments(
    pb: Search, assignments: Sequence[tuple[str, ...]], stop: Callable[[], bool] | None = None
) -> tuple:
    """Threshold search for each band-mode assignment: [(key, design)] and the tally."""
    tally = Tally(stop=stop)
    base = Design.of(pb.preset)
    out = [_search_thresholds(pb, replace(base, modes=a), tally) for a in assignments]
    return out, tally


def chunked(pb: Search, assignments: list, n_jobs: int, progress: Callable, cancelled: Any):
    """Run the assignments in chunks, in this process or in loky workers, checking
    ``cancelled`` between chunks."""
    # in this process one assignment a chunk: progress and cancel at every one
    size = max(1, min(25, len(assignments) // (4 * n_jobs))) if n_jobs > 1 else 1
    chunks = [assignments[i : i + size] for i in range(0, len(assignments), size)]
    if n_jobs > 1 and len(chunks) > 1:
        from joblib import Parallel, delayed

        from ..preset.preset_io import dumps_preset

        text = dumps_preset(pb.preset)  # a preset holds read-only mappings: sent as YAML
        light = replace(pb, preset=None)  # type: ignore[arg-type]
        results = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")(
            delayed(_remote_chunk)(light, text, chunk) for chunk in chunks
        )
    else:
        results = (_search_assignments(pb, chunk, cancelled) for chunk in chunks)
    done = 0
    for result in results:
        if cancelled():
            raise Cancelled
        done += 1
        progress(done / len(chunks))
        yield result


def _remote_chunk(pb: Search, text: str, chunk: list) -> tuple:
    from ..preset.preset_io import loads_preset

    return _search_assignments(replace(pb, preset=loads_preset(text)), chunk)


def by_band(pb: Search, tally: Tally, cancelled: Callable[[], bool]) -> list[tuple]:
    """Too many bands to enumerate their modes: coordinate ascent, one band's mode at a time
    (each with its threshold search), from the design's own modes."""
    key, best = _search_thresholds(pb, Design.of(pb.preset), tally)
    for _ in range(ROUNDS):
        improved = False
        for b in range(len(best.modes)):
            for mode in MODES:
                if cancelled():
                    raise Cancelled
                modes = best.modes[:b] + (mode,) + best.modes[b + 1 :]
                k, d = _search_thresholds(pb, replace(best, modes=modes), tally)
                if k > key:
                    key, best, improved = k, d, True
        if not improved:
            break
    return [(key, best)]
