"""The sensitivity analysis as one document: its tables as text and as JSON.

The command line prints :meth:`SensitivityReport.text` or :meth:`SensitivityReport.to_data`;
the window shows the same numbers from the same :class:`SensitivityReport`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..format import money
from ..model.scores import ScoreModel
from ..preset.preset_io import printable
from ..preset.schema import Preset
from .sensitivity import (
    EVPPI,
    BreakEven,
    PSAResult,
    Tornado,
    break_even,
    design_values,
    evppi,
    get_path_unit,
    psa,
    psa_summary,
    tornado,
)

__all__ = ["SensitivityReport", "sensitivity_report"]


@dataclass(frozen=True)
class SensitivityReport:
    """Tornado and break-even of the first design; PSA and EVPPI of all of them."""

    names: tuple[str, ...]
    currency: str
    units: tuple[str, ...]  # per tornado bar: 'money', 'minutes' or '' (a plain number)
    tornado: Tornado
    break_evens: tuple[BreakEven, ...]  # in the tornado's order
    psa: PSAResult
    evppi: EVPPI
    over_time: bool = False

    def to_data(self) -> dict[str, Any]:
        def num(x: float | None) -> float | None:
            return None if x is None or not np.isfinite(x) else float(x)

        return {
            "designs": list(self.names),
            "currency": self.currency,
            "value": "value added against the feature off, per day, all users",
            "over_time": self.over_time,
            "tornado": {
                "base": self.tornado.base,
                "inputs": [
                    {
                        "path": b.path,
                        "label": b.label,
                        "distribution": b.input.distribution.describe(),
                        "point": b.input.point,
                        "low": b.low,
                        "high": b.high,
                        "value_at_low": b.value_at_low,
                        "value_at_high": b.value_at_high,
                        "swing": b.swing,
                    }
                    for b in self.tornado.bars
                ],
            },
            "break_even": [
                {
                    "path": e.path,
                    "value": num(e.value),
                    "status": e.status,
                    "searched": list(e.searched),
                    "message": e.message,
                }
                for e in self.break_evens
            ],
            "psa": psa_summary(self.psa),
            "evppi": {
                "evpi": self.evppi.evpi,
                "bins": self.evppi.bins,
                "best_now": self.evppi.best_now,
                "inputs": [
                    {"path": r.path, "label": r.label, "value": r.value} for r in self.evppi.rows
                ],
            },
        }

    def text(self) -> str:
        c = self.currency

        def signed(x: float) -> str:
            return ("+" if x > 0 else "") + money(x, c)

        def shown(x: float, unit: str) -> str:
            if unit == "money":
                return money(x, c)
            return f"{x:.4g} min" if unit == "minutes" else f"{x:.4g}"

        lines = [
            f"Sensitivity of {printable(self.names[0])}: value added against the feature off, "
            "per day (all users)",
            "",
            f"tornado: each input at its low and high end, the others as in the design "
            f"({signed(self.tornado.base)}/day)",
        ]
        rows: list[tuple[str, ...]] = [("input", "low", "high", "at low", "at high", "swing")]
        for bar, unit in zip(self.tornado.bars, self.units, strict=True):
            rows.append(
                (
                    _clip(bar.label, 44),
                    shown(bar.low, unit),
                    shown(bar.high, unit),
                    signed(bar.value_at_low),
                    signed(bar.value_at_high),
                    money(bar.swing, c),
                )
            )
        lines += _table(rows) if len(rows) > 1 else ["  (no uncertain inputs)"]
        lines += ["", "break-even: where value added crosses 0, over each field's whole range"]
        lines += [f"  {printable(e.path)}: {printable(e.message)}" for e in self.break_evens]
        r = self.psa
        lines += [
            "",
            f"PSA: {r.draws:,} draws, seed {r.seed}, the same draws for every design"
            + (" (each a short simulation over time)" if self.over_time else ""),
        ]
        rows = [("design", "mean", "90% interval", "P(adds value)")]
        for d in r.designs:
            rows.append(
                (
                    _clip(d.name, 40),
                    signed(d.mean),
                    f"{signed(d.low)} to {signed(d.high)}",
                    f"{d.p_adds_value:.1%}",
                )
            )
        lines += _table(rows)
        beats = r.p_beats()
        opts = r.options
        lines += ["", "P(A beats B): the chance A adds more value than B"]
        for a in range(len(opts)):
            for b in range(a + 1, len(opts)):
                lines.append(
                    f"  {_clip(opts[a], 40)} beats {_clip(opts[b], 40)}: {beats[a, b]:.1%}"
                )
        e = self.evppi
        lines += [
            "",
            "EVPPI: which assumption to study first (what knowing it exactly is worth a day; "
            f"perfect knowledge of all: {money(e.evpi, c)}/day; best choice now: "
            f"{printable(e.best_now)})",
        ]
        rows = [("input", "EVPPI/day")]
        rows += [(_clip(row.label, 60), money(row.value, c)) for row in e.rows]
        lines += _table(rows) if e.rows else ["  (no uncertain inputs)"]
        return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    text = printable(text)  # a label or a name from a file cannot drive the terminal
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            v.rjust(w) for v, w in zip(row[1:], widths[1:], strict=True)
        ]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def sensitivity_report(
    variants: Sequence[Preset],
    scores: ScoreModel | None | Sequence[ScoreModel | None] = None,
    *,
    names: Sequence[str] | None = None,
    draws: int = 10_000,
    seed: int = 1,
    evaluate_chunks: Callable[..., np.ndarray] | None = None,
    over_time: bool = False,
    between: Callable[[str], None] | None = None,
) -> SensitivityReport:
    """Tornado and break-even of the first design, PSA of all of them (with the feature
    off as the last option) and EVPPI. ``evaluate_chunks`` as in :func:`sensitivity.psa`.
    ``between(what)`` is called before each run (the tornado, each break-even, each
    design's PSA) with what comes next; it may raise to stop the analysis there."""
    step = between or (lambda what: None)
    first = variants[0]
    first_scores: ScoreModel | None = (
        scores[0] if isinstance(scores, (list, tuple)) else scores  # type: ignore[assignment]
    )
    step("tornado")
    t = tornado(first, first_scores)
    evens = []
    for b in t.bars:
        step(f"break-even of {b.path}")
        evens.append(break_even(first, first_scores, b.path))
    if evaluate_chunks is None and between is not None:
        # In this process: the hook is asked between blocks of draws too, so that a design
        # whose draws are slow (a real model recalibrated per draw) stops within a block.
        def each_block(name: str, start: int) -> None:
            step(f"PSA of {name}" + (f", draws from {start + 1}" if start else ""))

        result = psa(variants, scores, draws, seed, names=names, between_blocks=each_block)
    else:  # chunked elsewhere (Runner.evaluator checks its own cancel between chunks)
        run = evaluate_chunks or design_values

        def evaluate(
            preset: Preset, sc: ScoreModel | None, paths: Sequence[str], q: np.ndarray
        ) -> np.ndarray:
            step(f"PSA of {preset.scenario.name}")
            return run(preset, sc, paths, q)

        result = psa(variants, scores, draws, seed, names=names, evaluate_chunks=evaluate)
    return SensitivityReport(
        names=tuple(d.name for d in result.designs),
        currency=first.payoffs.currency,
        units=tuple(get_path_unit(first, b.path) for b in t.bars),
        tornado=t,
        break_evens=tuple(evens),
        psa=result,
        evppi=evppi(result),
        over_time=over_time,
    )
