"""The constrained optimizer: the design that does best on one goal-layer figure within
bounds on others, and the Pareto fronts of value added against interruptions and against
harms avoided.

What may vary (:data:`VARY`): the band thresholds, the band modes (from the modes table), the
forcefulness and the daily caps of the modes the bands use; the number of bands stays the
design's. The search is in optimize_search.py and written up in docs/MODEL.md ("The
optimizer"), with when it is exact and when a heuristic. The command line and the window
show :func:`optimum_document` and :func:`optimum_text`, so they print the same numbers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..format import money
from ..model.scores import BinormalScores, ScoreModel
from ..preset.schema import MODES, Preset
from .engine import evaluate
from .figures import Constraint, figures_of, is_money, label, parse_constraint
from .optimize_search import (
    FRONTS,
    MAX_ASSIGNMENTS,
    REFINED,
    VARY,
    Cancelled,
    Candidate,
    Design,
    Search,
    Tally,
    by_band,
    chunked,
    front,
    problem,
    search_settings,
)

__all__ = [
    "FRONTS",
    "VARY",
    "Cancelled",
    "Candidate",
    "Constraint",
    "Design",
    "Optimum",
    "optimize",
    "optimum_document",
    "optimum_text",
    "parse_constraint",
    "set_text",
]


@dataclass(frozen=True)
class Optimum:
    """What the optimizer found: the best feasible design (None if it found none), the
    current design and the best one ignoring the constraints, for comparison, and the
    feasible candidates on the Pareto fronts of value added against each of FRONTS."""

    preset: Preset
    objective: str
    constraints: tuple[Constraint, ...]
    vary: tuple[str, ...]
    current: Candidate
    best: Candidate | None
    closest: Candidate  # the best if any, else the candidate nearest to meeting the bounds
    unconstrained: Candidate
    fronts: dict[str, tuple[Candidate, ...]]
    evaluated: int
    exhaustive: bool  # every candidate of the search space was evaluated
    thresholds: int  # candidate thresholds per band
    distinct_scores: bool  # they are every distinct score of an evaluation set

    @property
    def binding(self) -> tuple[Constraint, ...]:
        """The constraints that bind: the best design seen while ignoring them breaks them."""
        if self.best is None:
            return ()
        free = self.unconstrained.figures
        return tuple(c for c in self.constraints if not bool(c.met(free[c.figure])))

    def assignments(self, candidate: Candidate | None = None) -> dict[str, Any]:
        """The dotted paths to set (as ``evaluate --set`` takes them) for a candidate (the
        best by default)."""
        chosen = candidate or self.best
        return {} if chosen is None else chosen.design.assignments(self.preset)

    def applied(self, candidate: Candidate | None = None) -> Preset:
        chosen = candidate or self.best
        return self.preset if chosen is None else chosen.design.preset(self.preset)


def _candidate(pb: Search, preset: Preset) -> Candidate:
    figs = figures_of(evaluate(preset, pb.scores), pb.wanted)
    ok = all(bool(c.met(figs[c.figure])) for c in pb.constraints)
    return Candidate(Design.of(preset), figs, ok)


def _key(pb: Search, c: Candidate) -> tuple[bool, float]:
    if c.feasible:
        return True, c.figures[pb.objective]
    return False, -float(sum(k.violation(c.figures[k.figure]) for k in pb.constraints))


def optimize(
    preset: Preset,
    scores: ScoreModel | None = None,
    *,
    objective: str = "value_added",
    constraints: Sequence[Constraint] = (),
    vary: Iterable[str] = ("thresholds", "modes"),
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    n_jobs: int = 1,
) -> Optimum:
    """The design that maximises ``objective`` under ``constraints``, varying ``vary``.

    ``scores`` is a real model's scores (None for a synthetic model); ``progress`` gets the
    fraction done, ``cancelled`` is asked between chunks (then :class:`Cancelled` is
    raised); ``n_jobs`` > 1 runs chunks of mode assignments in that many processes."""
    pb = problem(preset, scores, objective, constraints, vary)
    report = progress or (lambda fraction: None)
    stop = cancelled or (lambda: False)
    base = Design.of(preset)
    refine = bool({"forcefulness", "caps"} & pb.vary)
    share = 0.8 if refine else 1.0
    tally = Tally(stop=stop)
    many = len(MODES) ** len(base.modes) > MAX_ASSIGNMENTS
    if "modes" in pb.vary and many:
        results = by_band(pb, tally, stop)
    else:
        assignments = list(itertools.product(MODES, repeat=len(base.modes)))
        if "modes" not in pb.vary:
            assignments = [base.modes]
        results = []
        for out, t in chunked(pb, assignments, n_jobs, lambda f: report(share * f), stop):
            results += out
            tally.merge(t)
    report(share)
    if refine:
        top = sorted({d: k for k, d in results}.items(), key=lambda p: p[1], reverse=True)
        for i, (design, key) in enumerate(top[:REFINED]):
            if stop():
                raise Cancelled
            t = Tally(stop=stop)
            search_settings(pb, key, design, t)
            tally.merge(t)
            report(share + (1 - share) * (i + 1) / min(REFINED, len(top)))
    current = _candidate(pb, preset)
    assert tally.best is not None and tally.free is not None
    found = tally.best[1]
    if _key(pb, current) > _key(pb, found):  # never worse than the design as it is
        found = current
    free = tally.free[1]
    if current.figures[pb.objective] > free.figures[pb.objective]:
        free = current
    fronts_from = tally.candidates(pb.wanted) + ([current] if current.feasible else [])
    exhaustive = pb.vary <= {"thresholds", "modes"} and len(base.modes) <= 2 and not many
    return Optimum(
        preset=preset,
        objective=pb.objective,
        constraints=pb.constraints,
        vary=tuple(v for v in VARY if v in pb.vary),
        current=current,
        best=found if found.feasible else None,
        closest=found,
        unconstrained=free,
        fronts={axis: tuple(front(fronts_from, axis)) for axis in FRONTS},
        evaluated=tally.count,
        exhaustive=exhaustive,
        thresholds=len(pb.fine),
        distinct_scores=not isinstance(pb.scores, BinormalScores),
    )


# --- what the command line and the window show ------------------------------------------------


def set_text(path: str, value: Any) -> str:
    """'path=value' as ``evaluate --set`` reads it back to the same value (every digit of a
    threshold: an empirical model's threshold is one of its scores)."""
    if value is None:
        return f"{path}=null"
    if isinstance(value, float):
        return f"{path}={value!r}"
    return f"{path}={value}"


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _shown(figure: str, x: float, currency: str) -> str:
    if not math.isfinite(x):
        return "n/a"
    return money(x, currency) if is_money(figure) else f"{x:.4g}"


def _candidate_doc(opt: Optimum, c: Candidate) -> dict[str, Any]:
    return {
        "label": c.design.label(opt.preset),
        "set": [set_text(p, v) for p, v in opt.assignments(c).items()],
        "figures": {k: _num(v) for k, v in c.figures.items()},
    }


def pareto_points(points: Sequence[Candidate], top: int) -> list[Candidate]:
    """At most ``top`` points of a front, evenly along it, both ends included."""
    if len(points) <= top:
        return list(points)
    step = (len(points) - 1) / max(top - 1, 1)
    return [points[round(i * step)] for i in range(top)]


def optimum_document(opt: Optimum, top: int | None = None) -> dict[str, Any]:
    """The result as a JSON-ready document (the fronts whole, or ``top`` points of each)."""
    fronts = {
        axis: [_candidate_doc(opt, c) for c in (pareto_points(points, top) if top else points)]
        for axis, points in opt.fronts.items()
    }
    binding = set(opt.binding)
    return {
        "objective": opt.objective,
        "vary": list(opt.vary),
        "exhaustive": opt.exhaustive,
        "candidate_thresholds": opt.thresholds,
        "distinct_scores": opt.distinct_scores,
        "evaluated": opt.evaluated,
        "feasible": opt.best is not None,
        "best": None if opt.best is None else _candidate_doc(opt, opt.best),
        "closest": _candidate_doc(opt, opt.closest),
        "current": _candidate_doc(opt, opt.current),
        "unconstrained": _candidate_doc(opt, opt.unconstrained),
        "constraints": [
            {
                "constraint": c.text,
                "figure": c.figure,
                "op": c.op,
                "bound": c.bound,
                "binds": c in binding,
                "best": _num(opt.closest.figures[c.figure]),
                "current": _num(opt.current.figures[c.figure]),
            }
            for c in opt.constraints
        ],
        "pareto": fronts,
    }


def _searched(opt: Optimum) -> str:
    grid = (
        f"every distinct score ({opt.thresholds:,})"
        if opt.distinct_scores
        else f"{opt.thresholds:,} quantiles of the model's scores"
    )
    if opt.exhaustive:
        return f"exhaustive: every design with thresholds at {grid}"
    return f"thresholds at {grid}; a heuristic search (docs/MODEL.md, The optimizer)"


def optimum_text(opt: Optimum, top: int = 10) -> str:
    """The result for a terminal: the best design as values to set, its figures against the
    current design's, the constraints and which bind, and ``top`` points of each front."""
    cur = opt.preset.payoffs.currency
    lines = [
        f"{opt.preset.scenario.name}: maximise {label(opt.objective)}, "
        f"varying {', '.join(opt.vary)}",
        f"{opt.evaluated:,} candidate designs evaluated; {_searched(opt)}",
        "",
    ]
    if opt.best is None:
        lines.append("no design found meets the constraints; the closest:")
    else:
        lines.append(f"best design: {opt.best.design.label(opt.preset)}")
    chosen = opt.closest
    sets = [set_text(p, v) for p, v in opt.assignments(chosen).items()]
    lines += [f"  {s}" for s in sets] or ["  (the current design: nothing to change)"]
    lines += ["", f"{'':34}{'current':>14}{'best' if opt.best else 'closest':>14}"]
    for figure in chosen.figures:
        now, then = opt.current.figures[figure], chosen.figures[figure]
        lines.append(
            f"{label(figure):34}{_shown(figure, now, cur):>14}{_shown(figure, then, cur):>14}"
        )
    if opt.constraints:
        lines += ["", "constraints:"]
        binding = set(opt.binding)
        for c in opt.constraints:
            x = chosen.figures[c.figure]
            state = "met" if bool(c.met(x)) else "broken"
            if c in binding:
                free = _shown(c.figure, opt.unconstrained.figures[c.figure], cur)
                state += f", binds (the best design without the constraints: {free})"
            lines.append(f"  {c.text:36} {_shown(c.figure, x, cur):>12}  {state}")
    for axis, points in opt.fronts.items():
        if not points:
            continue
        shown = pareto_points(points, top)
        lines += [
            "",
            f"Pareto front, value added against {label(axis)} "
            f"({len(shown)} of {len(points)} designs):",
            f"  {label(axis):>30}{'value added a day':>20}  design",
        ]
        for point in shown:
            lines.append(
                f"  {point.figures[axis]:>30.4g}{money(point.figures['value_added'], cur):>20}  "
                f"{point.design.label(opt.preset)}"
            )
    return "\n".join(lines)
