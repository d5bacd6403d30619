"""The static value/cost engine: expected outcomes of a design on an average day.

Pure numpy. The heart, :func:`outcome_masses`, takes the rates at each band threshold as rows
that may be floats or arrays of any one shape; a row that does not vary stays a float, so a
threshold sweep evaluates every candidate threshold in one pass and pays only for the modes
the moving threshold touches. The formulas are written up in docs/MODEL.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.scores import ScoreModel, preset_scores
from ..preset import modes
from ..preset.schema import ACTIVE_MODES, MODES, SHOWN_MODES, Preset
from . import value
from .value import (  # the value model; re-exported for the engine's callers
    COMPONENTS,
    attention_table,
    habituation_factor,
    money_per_unit,
    payoff_table,
)

__all__ = [
    "COMPONENTS",
    "Evaluation",
    "Masses",
    "attention_table",
    "baseline_by_stakeholder",
    "baseline_per_event",
    "decomposition",
    "evaluate",
    "expected_excess",
    "habituation_factor",
    "money_per_unit",
    "net_per_event",
    "outcome_masses",
    "payoff_table",
]
# Mode positions by trait; the silent mode is the last, so [:_SILENT] are the ones that act.
_INTERRUPTING = [MODES.index(m) for m in modes.where("interrupts")]
_SILENT = MODES.index(modes.silent())

Row = Any  # a float or an ndarray; rows of one call broadcast together


@dataclass(frozen=True)
class Masses:
    """Per-event probabilities per mode, indexed by MODES position, after the caps.

    From :func:`evaluate` each field is an array with the mode axis first; inside a sweep
    each is a list of rows (floats or arrays)."""

    positive: Any  # P(positive and handled in this mode)
    negative: Any
    act_positive: Any  # P(acted | positive, mode)
    act_negative: Any
    interactions_before_cap: Any  # per user-day
    interactions: Any  # per user-day, after the caps
    demoted_share: Any  # share of the mode's events pushed to a quieter mode
    habituation: Any  # response multiplier from same-day exposures (1 = none)
    trust: Any  # response multiplier from probability matching (1 = full trust)
    precision: Any  # share of the mode's events that are positive (NaN if none)

    def stacked(self) -> Masses:
        """The same with every field as one array, mode axis first."""
        return Masses(**{name: _stack(rows) for name, rows in vars(self).items()})


def _stack(rows: Sequence[Row]) -> np.ndarray:
    if all(np.ndim(r) == 0 for r in rows):
        return np.array(rows, dtype=float)
    return np.stack(np.broadcast_arrays(*map(np.asarray, rows)))


def expected_excess(lam: Row, cap: int) -> Row:
    """E[max(N - cap, 0)] for N ~ Poisson(lam)."""
    from scipy.special import pdtr  # here: its 0.4 s import only when a cap is evaluated

    within = 0.0
    for j in range(cap):  # E[min(N, cap)] = sum_{j<cap} P(N > j)
        within = within + (1.0 - pdtr(j, lam))
    return np.maximum(lam - within, 0.0)


def _divide(num: Row, den: Row, empty: float) -> Row:
    """num / den, with ``empty`` where den is 0."""
    if np.ndim(num) == 0 and np.ndim(den) == 0:
        return float(num) / float(den) if den > 0 else empty
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast_shapes(num.shape, den.shape), empty)
    return np.divide(num, den, out=out, where=den > 0)


def _used(row: Row) -> bool:
    return not (np.isscalar(row) and row == 0.0)


def _positive(rate: Row) -> bool:
    """Whether a rate is above 0 anywhere (a rate may hold one value per parameter draw)."""
    return bool(np.any(np.asarray(rate) > 0))


def outcome_masses(
    preset: Preset, tpr: Sequence[Row] | np.ndarray, fpr: Sequence[Row] | np.ndarray
) -> Masses:
    """Route each band's events through caps and user response.

    ``tpr[b]`` and ``fpr[b]`` are the rates at band b's threshold (highest first; the last
    threshold is 0, so its rates are 1). Returns per-mode lists of rows."""
    sc, exp, resp = preset.scenario, preset.experience, preset.response
    pi, per_day = sc.base_rate, sc.events_per_user_per_day
    n = len(MODES)
    pos: list[Row] = [0.0] * n
    neg: list[Row] = [0.0] * n
    above_t: Row = 0.0
    above_f: Row = 0.0
    for b, band in enumerate(exp.bands):
        m = MODES.index(band.mode)
        pos[m] = pos[m] + pi * (tpr[b] - above_t)
        neg[m] = neg[m] + (1 - pi) * (fpr[b] - above_f)
        above_t, above_f = tpr[b], fpr[b]

    before = [per_day * (p + q) for p, q in zip(pos, neg, strict=True)]
    demoted: list[Row] = [0.0] * n
    offered: dict[int, Row] = {}  # per capped mode, its events a day before its cap
    sources: dict[int, int] = {}  # per capped mode, the mode it demotes to
    for mode in ACTIVE_MODES:  # most forceful first, so demoted events meet the next cap
        design = getattr(exp.modes, mode)
        m = MODES.index(mode)
        if design.daily_cap is None or not (_used(pos[m]) or _used(neg[m])):
            continue
        target = MODES.index(design.over_cap)
        lam = per_day * (pos[m] + neg[m])
        offered[m] = lam
        sources[m] = target
        share = _divide(expected_excess(lam, design.daily_cap), lam, 0.0)
        demoted[m] = share
        for rows in (pos, neg):
            moved = rows[m] * share
            rows[m] = rows[m] - moved
            rows[target] = rows[target] + moved

    total = [p + q for p, q in zip(pos, neg, strict=True)]
    precision = [_divide(p, t, np.nan) for p, t in zip(pos, total, strict=True)]
    habit: list[Row] = [1.0] * n
    trust: list[Row] = [1.0] * n
    act_pos: list[Row] = [resp.unprompted.positive] * n
    act_neg: list[Row] = [resp.unprompted.negative] * n
    w = resp.trust_matching
    for mode in ACTIVE_MODES:
        m = MODES.index(mode)
        r, f = getattr(resp.modes, mode), getattr(exp.modes, mode).forcefulness
        if not _used(total[m]):
            continue
        if mode in SHOWN_MODES:
            if _positive(r.habituation) and m in offered:  # at most the cap reaches the user
                cap = getattr(exp.modes, mode).daily_cap
                habit[m] = value.capped_habituation_factor(offered[m], cap, r.habituation)
            elif _positive(r.habituation) and any(t == m for t in sources.values()):
                # its own events (Poisson) and what caps demote to it: E[q^X] multiplies
                gen = np.exp(-before[m] * r.habituation)
                for s, t in sources.items():
                    if t == m:
                        cap = getattr(exp.modes, MODES[s]).daily_cap
                        gen = gen * value.excess_generating(offered[s], cap, r.habituation)
                x = per_day * total[m] * r.habituation
                habit[m] = _divide(1.0 - gen, x, 1.0)
            elif _positive(r.habituation):
                habit[m] = habituation_factor(per_day * total[m], r.habituation)
            known = np.where(np.isnan(precision[m]), 1.0, precision[m])
            trust[m] = value.trust_multiplier(w, known, r.measured_at_precision)
        moved = habit[m] * trust[m]
        u_pos, u_neg = resp.unprompted.positive, resp.unprompted.negative
        act_pos[m] = value.act_probability(u_pos, r.act_if_positive.at(f), moved)
        act_neg[m] = value.act_probability(u_neg, r.act_if_negative.at(f), moved)
    return Masses(
        positive=pos,
        negative=neg,
        act_positive=act_pos,
        act_negative=act_neg,
        interactions_before_cap=before,
        interactions=[per_day * t for t in total],
        demoted_share=demoted,
        habituation=habit,
        trust=trust,
        precision=precision,
    )


def _harm(preset: Preset) -> bool:
    """Whether the preset's harm limit (a guardrail outside the model) bounds the payoffs; it
    applies on average days exactly as in the simulation."""
    return preset.guardrails.harm_limit.enabled


def decomposition(preset: Preset, masses: Masses) -> np.ndarray:
    """Expected amount per event, as [component, mode, stakeholder, unit], from stacked
    masses of one design."""
    m = masses
    return value.decomposition(
        preset, m.positive, m.negative, m.act_positive, m.act_negative, harm_limit=_harm(preset)
    )


def net_per_event(preset: Preset, masses: Masses) -> Row:
    """Net money-equivalent value per event, summing the decomposition without building it."""
    m = masses
    return value.net_value(
        preset, m.positive, m.negative, m.act_positive, m.act_negative, harm_limit=_harm(preset)
    )


@dataclass(frozen=True)
class Evaluation:
    """What a design does on an average day. Amounts are per event unless named otherwise;
    'value' is money plus minutes at each stakeholder's hourly value."""

    preset: Preset
    thresholds: np.ndarray  # band thresholds, highest first
    tpr: np.ndarray  # operating points at those thresholds
    fpr: np.ndarray
    precision_at: np.ndarray  # precision of 'score >= threshold'
    auc: float
    masses: Masses
    band_share: np.ndarray  # share of events in each band
    band_precision: np.ndarray
    decomposition: np.ndarray  # [component, mode, stakeholder, unit] per event
    net_per_event: float
    baseline_per_event: float  # the same world with the feature off

    @property
    def events_per_day(self) -> float:
        return self.preset.scenario.events_per_user_per_day

    @property
    def population(self) -> int:
        return self.preset.scenario.users

    @property
    def net_per_user_day(self) -> float:
        return self.net_per_event * self.events_per_day

    @property
    def net_per_population_day(self) -> float:
        return self.net_per_user_day * self.population

    @property
    def added_per_event(self) -> float:
        return self.net_per_event - self.baseline_per_event

    @property
    def added_per_population_day(self) -> float:
        return self.added_per_event * self.events_per_day * self.population

    def value_by_stakeholder(self) -> np.ndarray:
        """Money-equivalent value per event for each stakeholder."""
        return (self.decomposition * money_per_unit(self.preset)).sum(axis=(0, 1, 3))

    def added_by_stakeholder(self) -> np.ndarray:
        """Money-equivalent value per event for each stakeholder, minus the feature off."""
        return self.value_by_stakeholder() - baseline_by_stakeholder(self.preset)

    def added_split(self) -> np.ndarray:
        """Value added per event as [part, mode, stakeholder], parts value.ADDED_PARTS: the
        value of correct actions, the cost of false alarms acted on, and attention."""
        m = self.masses
        return value.value_added_split(
            self.preset,
            m.positive,
            m.negative,
            m.act_positive,
            m.act_negative,
            harm_limit=_harm(self.preset),
        )

    def harms_avoided_per_user_year(self) -> float:
        """Positives acted on beyond what users would do with the feature off."""
        m = self.masses
        acted = float((m.positive * m.act_positive).sum())
        baseline = self.preset.scenario.base_rate * self.preset.response.unprompted.positive
        return (acted - baseline) * self.events_per_day * 365

    def false_alarms_per_user_day(self) -> float:
        m = self.masses
        return float(m.negative[:_SILENT].sum()) * self.events_per_day

    def interruptions_per_user_day(self) -> float:
        """The interactions that break the user's flow (modes that interrupt)."""
        return float(self.masses.interactions[_INTERRUPTING].sum())

    def user_minutes_per_day(self) -> float:
        """Minutes of the user's time the feature takes a day (attention only)."""
        attention, user = value.COMPONENT["attention"], value.STAKEHOLDER["user"]
        minutes = -self.decomposition[attention, :, user, value.UNIT["minutes"]]
        return float(minutes.sum()) * self.events_per_day


def evaluate(preset: Preset, scores: ScoreModel | None = None) -> Evaluation:
    """Expected value and cost of a preset's design under the score model ``scores``.

    The engine reads no files: a real model's scores are loaded by the caller; None stands
    only for a synthetic model, built from the preset (TypeError for a real one)."""
    scores = preset_scores(preset, scores)
    thresholds = np.array(preset.experience.thresholds())
    tpr, fpr = scores.rates_at(thresholds)
    pi = preset.scenario.base_rate
    masses = outcome_masses(preset, tpr, fpr).stacked()
    pos_band = np.diff(tpr, prepend=0.0) * pi
    band_mass = pos_band + np.diff(fpr, prepend=0.0) * (1 - pi)
    return Evaluation(
        preset=preset,
        thresholds=thresholds,
        tpr=tpr,
        fpr=fpr,
        precision_at=_divide(pi * tpr, pi * tpr + (1 - pi) * fpr, np.nan),
        auc=scores.roc_auc(),
        masses=masses,
        band_share=band_mass,
        band_precision=_divide(pos_band, band_mass, np.nan),
        decomposition=decomposition(preset, masses),
        net_per_event=float(net_per_event(preset, masses)),
        baseline_per_event=baseline_per_event(preset),
    )


def baseline_by_stakeholder(preset: Preset) -> np.ndarray:
    """Value per event for each stakeholder with the feature off: nothing shown, users act
    on their own (under the same harm limit: a rule outside the model stays when it is off)."""
    return value.baseline_by_stakeholder(preset, harm_limit=_harm(preset))


def baseline_per_event(preset: Preset) -> float:
    """Net value per event with the feature off."""
    return float(baseline_by_stakeholder(preset).sum())
