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
from scipy.special import pdtr

from . import modes
from .schema import (
    ACTIVE_MODES,
    MODES,
    OUTCOMES,
    SHOWN_MODES,
    STAKEHOLDERS,
    UNITS,
    Preset,
)
from .scores import ScoreModel, preset_scores

COMPONENTS = (*OUTCOMES, "attention")
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
    habituation: Any  # compliance multiplier from same-day exposures (1 = none)
    trust: Any  # compliance multiplier from probability matching (1 = full trust)
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
    within = 0.0
    for j in range(cap):  # E[min(N, cap)] = sum_{j<cap} P(N > j)
        within = within + (1.0 - pdtr(j, lam))
    return np.maximum(lam - within, 0.0)


def habituation_factor(exposures: Row, rate: float) -> Row:
    """Mean of (1-rate)^k over a day's exposures, k the number of earlier ones that day,
    with exposures ~ Poisson: (1 - exp(-lam*rate)) / (lam*rate)."""
    x = np.asarray(exposures, dtype=float) * rate
    # Only x > 0 is used; a sweep's invalid points can give x < 0, where expm1 would overflow.
    return np.divide(-np.expm1(-np.maximum(x, 0.0)), x, out=np.ones_like(x), where=x > 0)


def _divide(num: Row, den: Row, empty: float) -> Row:
    """num / den, with ``empty`` where den is 0."""
    if np.ndim(num) == 0 and np.ndim(den) == 0:
        return float(num) / float(den) if den > 0 else empty
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast_shapes(num.shape, den.shape), empty)
    return np.divide(num, den, out=out, where=den > 0)


def _used(row: Row) -> bool:
    return not (np.isscalar(row) and row == 0.0)


def outcome_masses(preset: Preset, tpr: Sequence[Row], fpr: Sequence[Row]) -> Masses:
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
    for mode in ACTIVE_MODES:  # most forceful first, so demoted events meet the next cap
        design = getattr(exp.modes, mode)
        m = MODES.index(mode)
        if design.daily_cap is None or not (_used(pos[m]) or _used(neg[m])):
            continue
        target = MODES.index(design.over_cap)
        lam = per_day * (pos[m] + neg[m])
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
            if r.habituation > 0:
                habit[m] = habituation_factor(per_day * total[m], r.habituation)
            trust[m] = (1 - w) + w * np.where(np.isnan(precision[m]), 1.0, precision[m])
        moved = habit[m] * trust[m]
        # Users may still act on their own when the feature did not move them:
        # 1 - (1 - a*moved)(1 - u) = u + (1 - u)*a*moved.
        u_pos, u_neg = resp.unprompted.positive, resp.unprompted.negative
        act_pos[m] = u_pos + ((1 - u_pos) * r.act_if_positive.at(f)) * moved
        act_neg[m] = u_neg + ((1 - u_neg) * r.act_if_negative.at(f)) * moved
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


def payoff_table(preset: Preset) -> np.ndarray:
    """Amount per event of each outcome, as [outcome, stakeholder, unit]."""
    table = np.zeros((len(OUTCOMES), len(STAKEHOLDERS), len(UNITS)))
    for o, outcome in enumerate(OUTCOMES):
        for p in getattr(preset.payoffs, outcome):
            table[o, STAKEHOLDERS.index(p.stakeholder), UNITS.index(p.unit)] += p.amount
    return table


def attention_table(preset: Preset) -> np.ndarray:
    """Minutes per interaction, as [mode, stakeholder] (attention is a cost: negative)."""
    table = np.zeros((len(MODES), len(STAKEHOLDERS)))
    for mode in ACTIVE_MODES:
        a = getattr(preset.payoffs.attention, mode)
        f = getattr(preset.experience.modes, mode).forcefulness
        table[MODES.index(mode), STAKEHOLDERS.index(a.stakeholder)] -= a.minutes_at(f)
    return table


def money_per_unit(preset: Preset) -> np.ndarray:
    """Money each unit is worth, as [stakeholder, unit]: minutes at each one's hourly value."""
    vot = preset.payoffs.value_of_time_per_hour
    per_minute = np.array([getattr(vot, s) for s in STAKEHOLDERS]) / 60.0
    return np.stack([np.ones(len(STAKEHOLDERS)), per_minute], axis=-1)


def decomposition(preset: Preset, masses: Masses) -> np.ndarray:
    """Expected amount per event, as [component, mode, stakeholder, unit], from stacked
    masses of one design."""
    outcome_mass = np.stack(
        [
            masses.positive * masses.act_positive,
            masses.positive * (1 - masses.act_positive),
            masses.negative * masses.act_negative,
            masses.negative * (1 - masses.act_negative),
        ]
    )  # [outcome, mode]
    out = outcome_mass[:, :, None, None] * payoff_table(preset)[:, None, :, :]
    shown = masses.positive + masses.negative  # interactions per event, by mode
    attention = np.zeros(shown.shape + (len(STAKEHOLDERS), len(UNITS)))
    attention[..., UNITS.index("minutes")] = shown[:, None] * attention_table(preset)
    return np.concatenate([out, attention[None]], axis=0)


def net_per_event(preset: Preset, masses: Masses) -> Row:
    """Net money-equivalent value per event, summing the decomposition without building it."""
    value = money_per_unit(preset)
    pa_, pm_, na_, ni_ = (payoff_table(preset) * value).sum(axis=(-1, -2))  # per outcome
    per_attention = (attention_table(preset) * value[:, 1]).sum(axis=-1)  # per mode
    net: Row = 0.0
    for m in range(len(MODES)):
        pos, neg = masses.positive[m], masses.negative[m]
        if not (_used(pos) or _used(neg)):
            continue
        act_p, act_n = masses.act_positive[m], masses.act_negative[m]
        net = net + pos * (pm_ + act_p * (pa_ - pm_)) + neg * (ni_ + act_n * (na_ - ni_))
        net = net + (pos + neg) * per_attention[m]
    return net


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
        u = STAKEHOLDERS.index("user")
        minutes = -self.decomposition[COMPONENTS.index("attention"), :, u, UNITS.index("minutes")]
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
    on their own."""
    pi, u = preset.scenario.base_rate, preset.response.unprompted
    shares = np.array(
        [pi * u.positive, pi * (1 - u.positive), (1 - pi) * u.negative, (1 - pi) * (1 - u.negative)]
    )
    value = (payoff_table(preset) * money_per_unit(preset)).sum(axis=-1)  # [outcome, stakeholder]
    return shares @ value


def baseline_per_event(preset: Preset) -> float:
    """Net value per event with the feature off."""
    return float(baseline_by_stakeholder(preset).sum())
