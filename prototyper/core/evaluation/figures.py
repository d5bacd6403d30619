"""The goal-layer figures an optimizer may maximise or hold to a bound, and its constraints.

Each figure is named in an allowlist (:data:`FIGURES`); a figure with a key (a stakeholder, a
mode) is written ``name[key]``. The figures come either from one :class:`Evaluation` (the
numbers every view shows) or, for a whole batch of candidate designs at once, from the
engine's vectorized masses (:func:`figure_rows`); a test holds the two to the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..preset import modes
from ..preset.preset_io import PresetError, Problem
from ..preset.schema import MODES, STAKEHOLDERS, Preset
from . import value
from .engine import (
    Evaluation,
    Masses,
    baseline_by_stakeholder,
    baseline_per_event,
    net_per_event,
)

_INTERRUPTING = [MODES.index(m) for m in modes.where("interrupts")]
_SILENT = MODES.index(modes.silent())


@dataclass(frozen=True)
class FigureKind:
    name: str
    label: str  # as a table row says it
    keys: tuple[str, ...] = ()  # what may go in brackets; () for a figure without a key
    keyed_only: bool = False  # the key is required
    money: bool = False  # an amount a day for everyone, in the preset's currency


FIGURES: dict[str, FigureKind] = {
    f.name: f
    for f in (
        FigureKind("value_added", "value added a day (everyone)", STAKEHOLDERS, money=True),
        FigureKind("interruptions_per_user_year", "interruptions per user-year"),
        FigureKind("precision", "precision of a mode", modes.active(), keyed_only=True),
        FigureKind("harms_avoided_per_user_year", "harms avoided per user-year"),
        FigureKind("false_alarms_per_user_day", "false alarms per user-day"),
        FigureKind("user_minutes_per_day", "user minutes per day"),
    )
}


def allowed() -> str:
    """The figures one may name, for an error message."""
    out = []
    for f in FIGURES.values():
        keyed = f"{f.name}[{'|'.join(f.keys)}]"
        out.append(keyed if f.keyed_only else f"{f.name}, {keyed}" if f.keys else f.name)
    return ", ".join(out)


def check_figure(text: str, origin: str = "--objective") -> str:
    """``text`` as a figure id (``name`` or ``name[key]``) or a PresetError naming the
    allowed ones."""
    m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*(?:\[\s*([A-Za-z_]\w*)\s*\])?\s*", text)
    kind = FIGURES.get(m.group(1)) if m else None
    key = m.group(2) if m else None
    if kind is None or (key is None and kind.keyed_only) or (key and key not in kind.keys):
        what = "unknown figure" if kind is None else f"unknown or missing key for {kind.name}"
        raise PresetError(
            [Problem(origin, None, text.strip(), f"{what}; expected one of {allowed()}")]
        )
    assert m is not None
    return m.group(1) if key is None else f"{m.group(1)}[{key}]"


def split(figure: str) -> tuple[str, str | None]:
    name, _, key = figure.partition("[")
    return name, key.rstrip("]") or None


def label(figure: str) -> str:
    name, key = split(figure)
    text = FIGURES[name].label
    if key is None:
        return text
    return f"{text.replace(' of a mode', '')} ({key})"


def is_money(figure: str) -> bool:
    return FIGURES[split(figure)[0]].money


_CONSTRAINT = re.compile(r"^\s*(.+?)\s*(<=|>=)\s*([^<>=\s]+)\s*$")


@dataclass(frozen=True)
class Constraint:
    """``figure <= bound`` or ``figure >= bound``."""

    figure: str
    op: str  # "<=" or ">="
    bound: float

    @property
    def text(self) -> str:
        return f"{self.figure}{self.op}{self.bound:g}"

    def met(self, x: Any) -> Any:
        """Whether values meet it; an undefined value (NaN: the precision of a mode with no
        events) meets it, since nothing is shown there to be wrong."""
        x = np.asarray(x, dtype=float)
        ok = x <= self.bound if self.op == "<=" else x >= self.bound
        return ok | np.isnan(x)

    def violation(self, x: Any) -> Any:
        """How far values are on the wrong side, relative to the bound (0 where met)."""
        x = np.asarray(x, dtype=float)
        gap = x - self.bound if self.op == "<=" else self.bound - x
        scale = max(abs(self.bound), 1e-12)
        return np.where(np.isnan(x), 0.0, np.maximum(gap, 0.0) / scale)


def parse_constraint(text: str, origin: str = "--constraint") -> Constraint:
    """'NAME<=X', 'NAME>=X' or 'NAME[KEY]>=X' over the figures of :data:`FIGURES`."""
    m = _CONSTRAINT.match(text)
    if not m:
        raise PresetError(
            [Problem(origin, None, text.strip(), "expected NAME<=X, NAME>=X or NAME[KEY]>=X")]
        )
    figure = check_figure(m.group(1), origin)
    try:
        bound = float(m.group(3))
    except ValueError:
        bound = float("nan")
    if not np.isfinite(bound):
        raise PresetError(
            [Problem(origin, None, text.strip(), f"expected a finite number, got {m.group(3)!r}")]
        )
    return Constraint(figure, m.group(2), bound)


# --- the figures of designs ------------------------------------------------------------------


def figures_of(e: Evaluation, wanted: Iterable[str]) -> dict[str, float]:
    """The figures of one evaluated design, from the Evaluation's own methods."""
    out: dict[str, float] = {}
    per_day = e.events_per_day * e.population
    for figure in wanted:
        name, key = split(figure)
        if name == "value_added":
            if key is None:
                x = e.added_per_population_day
            else:
                x = float(e.added_by_stakeholder()[STAKEHOLDERS.index(key)]) * per_day
        elif name == "interruptions_per_user_year":
            x = e.interruptions_per_user_day() * 365
        elif name == "precision":
            x = float(e.masses.precision[MODES.index(str(key))])
        elif name == "harms_avoided_per_user_year":
            x = e.harms_avoided_per_user_year()
        elif name == "false_alarms_per_user_day":
            x = e.false_alarms_per_user_day()
        else:
            x = e.user_minutes_per_day()
        out[figure] = float(x)
    return out


def figure_rows(preset: Preset, masses: Masses, wanted: Iterable[str]) -> dict[str, np.ndarray]:
    """The figures of a batch of designs that share the preset's modes and settings, from
    the engine's masses whose rows are floats or arrays of one shape (the candidates): each
    figure as an array over the candidates. The same formulas as the Evaluation's methods,
    summed row by row over the modes an event can reach (nothing is stacked: a batch can
    hold a million candidates)."""
    m = masses
    sc = preset.scenario
    per_day, users = sc.events_per_user_per_day, sc.users
    harm = preset.guardrails.harm_limit.enabled
    used = [k for k in range(len(MODES)) if _used(m.positive[k]) or _used(m.negative[k])]
    out: dict[str, Any] = {}
    for figure in wanted:
        name, key = split(figure)
        if name == "value_added":
            if key is None:
                net = net_per_event(preset, masses)
                x = (net - baseline_per_event(preset)) * per_day * users
            else:
                s = STAKEHOLDERS.index(key)
                off = baseline_by_stakeholder(preset)[s]
                x = (_net_of(preset, m, used, s, harm) - off) * per_day * users
        elif name == "interruptions_per_user_year":
            x = sum((m.interactions[k] for k in used if k in _INTERRUPTING), 0.0) * 365
        elif name == "precision":
            x = m.precision[MODES.index(str(key))]
        elif name == "harms_avoided_per_user_year":
            acted = sum((m.positive[k] * m.act_positive[k] for k in used), 0.0)
            x = (acted - sc.base_rate * preset.response.unprompted.positive) * per_day * 365
        elif name == "false_alarms_per_user_day":
            x = sum((m.negative[k] for k in used if k != _SILENT), 0.0) * per_day
        else:
            minutes = value.attention_table(preset)[:, value.STAKEHOLDER["user"]]
            shown = (-(m.positive[k] + m.negative[k]) * minutes[k] for k in used)
            x = sum(shown, 0.0) * per_day
        out[figure] = x
    shape = np.broadcast_shapes(*(np.shape(x) for x in out.values()))
    return {k: np.broadcast_to(np.asarray(x, dtype=float), shape) for k, x in out.items()}


def _used(row: Any) -> bool:
    return not (np.ndim(row) == 0 and row == 0.0)


def _net_of(preset: Preset, m: Masses, used: list[int], s: int, harm: bool) -> Any:
    """Money-equivalent value per event to stakeholder ``s``, row by row."""
    v = value.outcome_values(preset, harm_limit=harm)[:, :, s]  # [outcome, mode]
    o = value.OUTCOME
    att = value.attention_values(preset)[:, s]
    total: Any = 0.0
    for k in used:
        pos, neg = m.positive[k], m.negative[k]
        ap, an = m.act_positive[k], m.act_negative[k]
        total = total + pos * (
            ap * v[o["positive_acted"], k] + (1 - ap) * v[o["positive_missed"], k]
        )
        total = total + neg * (
            an * v[o["negative_acted"], k] + (1 - an) * v[o["negative_ignored"], k]
        )
        total = total + (pos + neg) * att[k]
    return total
