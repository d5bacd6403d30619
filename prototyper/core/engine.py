"""The static value/cost engine: expected outcomes of a design on an average day.

Pure, vectorized numpy. The heart, :func:`outcome_masses`, works on any leading shape, so one
call evaluates a whole threshold sweep. The formulas are written up in docs/MODEL.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import pdtr

from .schema import (
    ACTIVE_MODES,
    MODES,
    OUTCOMES,
    SHOWN_MODES,
    STAKEHOLDERS,
    UNITS,
    Preset,
)
from .scores import ScoreModel, score_model

COMPONENTS = (*OUTCOMES, "attention")
_AUTOMATE, _NONE = MODES.index("automate"), MODES.index("none")
_SHOWN = [MODES.index(m) for m in SHOWN_MODES]


@dataclass(frozen=True)
class Masses:
    """Per-event probabilities by mode (last axis, in MODES order), after the caps."""

    positive: np.ndarray  # P(positive and handled in this mode)
    negative: np.ndarray
    act_positive: np.ndarray  # P(acted | positive, mode)
    act_negative: np.ndarray
    interactions_before_cap: np.ndarray  # per user-day
    interactions: np.ndarray  # per user-day, after the caps
    demoted_share: np.ndarray  # share of the mode's events pushed to a quieter mode
    habituation: np.ndarray  # compliance multiplier from same-day exposures (1 = none)
    trust: np.ndarray  # compliance multiplier from probability matching (1 = full trust)
    precision: np.ndarray  # share of the mode's events that are positive


def expected_excess(lam: np.ndarray, cap: int) -> np.ndarray:
    """E[max(N - cap, 0)] for N ~ Poisson(lam)."""
    lam = np.asarray(lam, dtype=float)
    within = np.zeros_like(lam)
    for j in range(cap):  # E[min(N, cap)] = sum_{j<cap} P(N > j)
        within += 1.0 - pdtr(j, lam)
    return np.maximum(lam - within, 0.0)


def habituation_factor(exposures: np.ndarray, rate: float) -> np.ndarray:
    """Mean of (1-rate)^k over a day's exposures, k the number of earlier ones that day,
    with exposures ~ Poisson: (1 - exp(-lam*rate)) / (lam*rate)."""
    x = np.asarray(exposures, dtype=float) * rate
    small = x < 1e-9
    return np.where(small, 1.0 - x / 2, -np.expm1(-x) / np.where(small, 1.0, x))


def band_shares(tpr: np.ndarray, fpr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share of positives and of negatives in each band, from the rates at band thresholds
    (highest threshold first; the last threshold is 0, so its rates are 1)."""
    zero = np.zeros(tpr.shape[:-1] + (1,))
    return np.diff(np.concatenate([zero, tpr], axis=-1), axis=-1), np.diff(
        np.concatenate([zero, fpr], axis=-1), axis=-1
    )


def _divide(num: np.ndarray, den: np.ndarray, empty: float) -> np.ndarray:
    """num / den, with ``empty`` where den is 0."""
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, empty), where=den > 0)


def mode_constants(preset: Preset) -> dict[str, np.ndarray]:
    """Per-mode vectors (MODES order) of the design and response numbers the engine uses."""
    exp, resp = preset.experience, preset.response
    act_pos, act_neg, habituation = np.zeros((3, len(MODES)))
    for mode in ACTIVE_MODES:
        m, f = MODES.index(mode), getattr(exp.modes, mode).forcefulness
        r = getattr(resp.modes, mode)
        act_pos[m], act_neg[m] = r.act_if_positive.at(f), r.act_if_negative.at(f)
        if mode in SHOWN_MODES:
            habituation[m] = r.habituation
    routing = np.zeros((len(exp.bands), len(MODES)))
    routing[np.arange(len(exp.bands)), [MODES.index(b.mode) for b in exp.bands]] = 1.0
    return dict(act_pos=act_pos, act_neg=act_neg, habituation=habituation, routing=routing)


def outcome_masses(preset: Preset, tpr: np.ndarray, fpr: np.ndarray) -> Masses:
    """Route each band's events through caps and user response; any leading shape."""
    sc, exp, resp = preset.scenario, preset.experience, preset.response
    pi, per_day = sc.base_rate, sc.events_per_user_per_day
    k = mode_constants(preset)
    pos_band, neg_band = band_shares(np.asarray(tpr, float), np.asarray(fpr, float))
    pos = (pi * pos_band) @ k["routing"]
    neg = ((1 - pi) * neg_band) @ k["routing"]

    before = per_day * (pos + neg)
    demoted = np.zeros_like(pos)
    for mode in ACTIVE_MODES:  # most forceful first, so demoted events meet the next cap
        design = getattr(exp.modes, mode)
        if design.daily_cap is None:
            continue
        m, target = MODES.index(mode), MODES.index(design.over_cap)
        lam = per_day * (pos[..., m] + neg[..., m])
        share = _divide(expected_excess(lam, design.daily_cap), lam, 0.0)
        demoted[..., m] = share
        for arr in (pos, neg):
            moved = arr[..., m] * share
            arr[..., m] -= moved
            arr[..., target] += moved

    total = pos + neg
    precision = _divide(pos, total, np.nan)
    shown = np.zeros(len(MODES), dtype=bool)
    shown[_SHOWN] = True
    habit = habituation_factor(per_day * total, k["habituation"])
    w = resp.trust_matching
    trust = np.where(shown, (1 - w) + w * np.where(np.isnan(precision), 1.0, precision), 1.0)
    # Users may still act on their own when the feature did not move them.
    act_pos = 1 - (1 - k["act_pos"] * habit * trust) * (1 - resp.unprompted.positive)
    act_neg = 1 - (1 - k["act_neg"] * habit * trust) * (1 - resp.unprompted.negative)
    return Masses(
        positive=pos,
        negative=neg,
        act_positive=act_pos,
        act_negative=act_neg,
        interactions_before_cap=before,
        interactions=per_day * total,
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
    """Expected amount per event, as [..., component, mode, stakeholder, unit]."""
    outcome_mass = np.stack(
        [
            masses.positive * masses.act_positive,
            masses.positive * (1 - masses.act_positive),
            masses.negative * masses.act_negative,
            masses.negative * (1 - masses.act_negative),
        ],
        axis=-2,
    )  # [..., outcome, mode]
    table = payoff_table(preset)
    out = outcome_mass[..., :, :, None, None] * table[:, None, :, :]
    shown = masses.positive + masses.negative  # interactions per event, by mode
    attention = np.zeros(shown.shape + (len(STAKEHOLDERS), len(UNITS)))
    attention[..., UNITS.index("minutes")] = shown[..., :, None] * attention_table(preset)
    return np.concatenate([out, attention[..., None, :, :, :]], axis=-4)


def net_per_event(preset: Preset, masses: Masses) -> np.ndarray:
    """Net money-equivalent value per event, summing the decomposition without building it."""
    value = money_per_unit(preset)
    per_outcome = (payoff_table(preset) * value).sum(axis=(-1, -2))  # [outcome]
    per_attention = (attention_table(preset) * value[:, 1]).sum(axis=-1)  # [mode]
    pa = masses.positive * masses.act_positive
    na = masses.negative * masses.act_negative
    pm = masses.positive - pa
    ni = masses.negative - na
    net = (
        pa * per_outcome[0]
        + pm * per_outcome[1]
        + na * per_outcome[2]
        + ni * per_outcome[3]
        + (masses.positive + masses.negative) * per_attention
    )
    return net.sum(axis=-1)


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

    def harms_avoided_per_user_year(self) -> float:
        """Positives acted on beyond what users would do with the feature off."""
        m = self.masses
        acted = float((m.positive * m.act_positive).sum())
        baseline = self.preset.scenario.base_rate * self.preset.response.unprompted.positive
        return (acted - baseline) * self.events_per_day * 365

    def false_alarms_per_user_day(self) -> float:
        m = self.masses
        return float(m.negative[:_NONE].sum()) * self.events_per_day

    def interruptions_per_user_day(self) -> float:
        """Automated actions and prompts: the interactions that break the user's flow."""
        return float(self.masses.interactions[[_AUTOMATE, MODES.index("prompt")]].sum())

    def user_minutes_per_day(self) -> float:
        """Minutes of the user's time the feature takes a day (attention only)."""
        u = STAKEHOLDERS.index("user")
        minutes = -self.decomposition[COMPONENTS.index("attention"), :, u, UNITS.index("minutes")]
        return float(minutes.sum()) * self.events_per_day


def evaluate(preset: Preset, scores: ScoreModel | None = None) -> Evaluation:
    """Expected value and cost of a preset's design."""
    scores = scores or score_model(preset.model, preset.scenario.base_rate)
    thresholds = np.array(preset.experience.thresholds())
    tpr, fpr = scores.rates_at(thresholds)
    pi = preset.scenario.base_rate
    with np.errstate(invalid="ignore", divide="ignore"):
        precision_at = pi * tpr / (pi * tpr + (1 - pi) * fpr)
    masses = outcome_masses(preset, tpr, fpr)
    pos_band, neg_band = band_shares(tpr, fpr)
    band_mass = pi * pos_band + (1 - pi) * neg_band
    with np.errstate(invalid="ignore", divide="ignore"):
        band_precision = pi * pos_band / band_mass
    return Evaluation(
        preset=preset,
        thresholds=thresholds,
        tpr=tpr,
        fpr=fpr,
        precision_at=precision_at,
        auc=scores.roc_auc(),
        masses=masses,
        band_share=band_mass,
        band_precision=band_precision,
        decomposition=decomposition(preset, masses),
        net_per_event=float(net_per_event(preset, masses)),
        baseline_per_event=baseline_per_event(preset),
    )


def baseline_per_event(preset: Preset) -> float:
    """Net value per event with the feature off: nothing shown, users act on their own."""
    per_outcome = (payoff_table(preset) * money_per_unit(preset)).sum(axis=(-1, -2))
    pi, u = preset.scenario.base_rate, preset.response.unprompted
    shares = [pi * u.positive, pi * (1 - u.positive), (1 - pi) * u.negative, (1 - pi) * (1 - u.negative)]
    return float(np.dot(shares, per_outcome))
