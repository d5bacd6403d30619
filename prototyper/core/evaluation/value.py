"""The value model: what each outcome of each mode is worth to each stakeholder.

The static engine (engine.py) and the simulation (simulation/run.py) both turn outcomes into value
here, and only here: the payoff table, the attention cost, the money value of minutes, the
user's response to a shown mode, the feature-off baseline and the harm limit.
Outcomes, modes, stakeholders and units are named (``OUTCOME["positive_acted"]``,
``STAKEHOLDER["user"]``); arrays are indexed through these maps, never by bare positions.

The payoff table has a mode axis, ``[outcome, mode, stakeholder, unit]``, filled in
:func:`payoff_table` from the preset's payoff lines: a line with ``modes`` counts only in those
modes, a line without in every mode (schema version 2; version 1 had no ``modes``, so its
table is equal across modes). Everything downstream reads the amount of the outcome *in the
mode the event was handled in*: the engine's decomposition and net value multiply per mode,
the simulation values its counts per mode (:func:`value_of_counts`; events of users who
abandoned the feature, and events a person reviewed, count in the silent mode), and the
baseline is the silent mode's row. Where the table is equal across modes,
:func:`value_of_counts` sums the counts over modes first, which gives the same numbers to the
last bit as before the mode axis existed.

The response formula, the chance that a user acts on an event shown in a mode, is
:func:`act_probability`: the unprompted chance ``u`` plus the mode's response at its
forcefulness ``a``, moved by habituation and trust: ``u + (1 - u) * a * moved`` with
``moved = habituation * trust`` and trust from :func:`trust_multiplier`.

Two response rates are reported, under two names, each defined once here (the single word
"compliance" meant one on one view and the other on the next):

- *acts when shown* (:func:`acts_when_shown`): the share of a mode's events the user acts
  on, right or wrong, P(act | shown). A fall detector's prompts: a few percent, as most are
  false alarms the wearer cancels.
- *acts when right* (:func:`acts_when_right`): the chance the user acts on a mode's event
  that is positive, P(act | positive, shown): the response to a correct alarm, about 90%
  for the same prompts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..preset import modes
from ..preset.schema import ACTIVE_MODES, MODES, OUTCOMES, STAKEHOLDERS, UNITS, Preset

COMPONENTS = (*OUTCOMES, "attention")
OUTCOME = {name: i for i, name in enumerate(OUTCOMES)}
STAKEHOLDER = {name: i for i, name in enumerate(STAKEHOLDERS)}
UNIT = {name: i for i, name in enumerate(UNITS)}
MODE = {name: i for i, name in enumerate(MODES)}
COMPONENT = {name: i for i, name in enumerate(COMPONENTS)}
# The outcomes of positive events: the harm limit bounds what one of them can cost.
POSITIVE_OUTCOMES = ("positive_acted", "positive_missed")
# With the feature off every event is handled as in the silent mode.
OFF = MODE[modes.silent()]

Row = Any  # a float or an ndarray


# --- tables ---------------------------------------------------------------------------------


def payoff_table(preset: Preset, *, harm_limit: bool = False) -> np.ndarray:
    """Amount per event of each outcome, as [outcome, mode, stakeholder, unit]. With
    ``harm_limit``, the costs the preset's harm limit cuts are cut (see :func:`harm_limit`)."""
    table = np.zeros((len(OUTCOMES), len(MODES), len(STAKEHOLDERS), len(UNITS)))
    for outcome in OUTCOMES:
        for p in getattr(preset.payoffs, outcome):
            for mode in MODES:
                if p.applies_to(mode):
                    table[
                        OUTCOME[outcome], MODE[mode], STAKEHOLDER[p.stakeholder], UNIT[p.unit]
                    ] += p.amount
    if harm_limit:
        table = table * harm_limit_factors(preset)[..., None]
    return table


def attention_table(preset: Preset) -> np.ndarray:
    """Minutes per interaction, as [mode, stakeholder] (attention is a cost: negative)."""
    table = np.zeros((len(MODES), len(STAKEHOLDERS)))
    for mode in ACTIVE_MODES:
        a = getattr(preset.payoffs.attention, mode)
        f = getattr(preset.experience.modes, mode).forcefulness
        table[MODE[mode], STAKEHOLDER[a.stakeholder]] -= a.minutes_at(f)
    return table


def money_per_unit(preset: Preset) -> np.ndarray:
    """Money each unit is worth, as [stakeholder, unit]: minutes at each one's hourly value."""
    vot = preset.payoffs.value_of_time_per_hour
    table = np.zeros((len(STAKEHOLDERS), len(UNITS)))
    table[:, UNIT["money"]] = 1.0
    table[:, UNIT["minutes"]] = np.array([getattr(vot, s) for s in STAKEHOLDERS]) / 60.0
    return table


def outcome_values(preset: Preset, *, harm_limit: bool = False) -> np.ndarray:
    """Money-equivalent value per event of each outcome, as [outcome, mode, stakeholder]."""
    table = (payoff_table(preset) * money_per_unit(preset)).sum(axis=-1)
    if harm_limit:
        table = table * harm_limit_factors(preset)
    return table


def attention_values(preset: Preset) -> np.ndarray:
    """Money-equivalent value per interaction, as [mode, stakeholder]."""
    return attention_table(preset) * money_per_unit(preset)[:, UNIT["minutes"]]


# --- the harm limit ---------------------------------------------------------------------------


def harm_limit_factors(preset: Preset) -> np.ndarray:
    """What remains of each cost under the preset's harm limit, as [outcome, mode,
    stakeholder]: 1 where the limit is off or does not bind. A positive outcome may lose at
    most ``guardrails.harm_limit.max_loss_per_positive`` in all; where it would lose more,
    every stakeholder's cost is cut in the same proportion."""
    return _harm_limit(preset)[0]


def harm_limit_binds(preset: Preset) -> np.ndarray:
    """Where the harm limit cuts a cost, as [outcome, mode] booleans."""
    return _harm_limit(preset)[1]


def _harm_limit(preset: Preset) -> tuple[np.ndarray, np.ndarray]:
    values = (payoff_table(preset) * money_per_unit(preset)).sum(axis=-1)
    factors = np.ones_like(values)
    binds = np.zeros(values.shape[:2], dtype=bool)
    limit = preset.guardrails.harm_limit
    if not limit.enabled:
        return factors, binds
    max_loss = limit.max_loss_per_positive
    for outcome in POSITIVE_OUTCOMES:
        o = OUTCOME[outcome]
        for m in range(len(MODES)):
            row = values[o, m]
            if row.sum() >= -max_loss:
                continue
            gains, costs = row[row > 0].sum(), row[row < 0].sum()
            factor = (-max_loss - gains) / costs  # in [0, 1): the costs that remain
            factors[o, m] = np.where(row < 0, max(factor, 0.0), 1.0)
            binds[o, m] = True
    return factors, binds


# --- the user's response ----------------------------------------------------------------------


def trust_multiplier(matching: float, precision: Row, measured: float = 1.0) -> Row:
    """Response multiplier from probability matching: users heed a mode in proportion to
    how often it is right (``precision``), with weight ``matching``, relative to the
    precision at which the mode's response rates were ``measured``. At that precision it is
    1 (the cited rates hold, their users' distrust already in them), below it heeding falls,
    and it never exceeds 1. ``measured`` 1 means rates for a warning that is always right."""
    trust = (1 - matching) + matching * precision
    if np.ndim(measured) == 0 and measured == 1.0:  # nothing to divide (bit for bit as before)
        return trust
    reference = (1 - matching) + matching * measured
    return np.minimum(trust / reference, 1.0)


def response_gain(unprompted: Row, act: Row) -> Row:
    """What the feature adds to the chance of acting at full effect: users already acting
    on their own (``unprompted``) cannot be moved, the rest act with the mode's ``act``."""
    return (1 - unprompted) * act


def act_probability(unprompted: Row, act: Row, moved: Row) -> Row:
    """The chance a user acts on an event shown in a mode: 1 - (1 - act*moved)(1 - u), i.e.
    u + (1 - u)*act*moved, ``moved`` being habituation times trust (1 for neither)."""
    return unprompted + response_gain(unprompted, act) * moved


def acts_when_right(unprompted_positive: Row, act_positive: Row, moved: Row) -> Row:
    """P(act | positive, shown): the chance a user acts on a correct alarm of a mode whose
    response to a positive is ``act_positive``, moved by ``moved``."""
    return act_probability(unprompted_positive, act_positive, moved)


def acts_when_shown(
    positive: np.ndarray,
    negative: np.ndarray,
    acted_positive: np.ndarray,
    acted_negative: np.ndarray,
) -> np.ndarray:
    """P(act | shown): the share of a mode's events acted on, right or wrong, from the
    positive and negative events (shares or counts) and those of them acted on; NaN where
    there are none."""
    total = np.asarray(positive + negative, dtype=float)
    acted = np.asarray(acted_positive + acted_negative, dtype=float)
    return np.divide(acted, total, out=np.full(total.shape, np.nan), where=total > 0)


def acted_sum(unprompted: Row, act: Row, interactions: Row, moved_sum: Row) -> Row:
    """:func:`act_probability` summed over ``interactions`` events whose ``moved`` add up
    to ``moved_sum``."""
    return unprompted * interactions + response_gain(unprompted, act) * moved_sum


def habituation_factor(exposures: Row, rate: float) -> Row:
    """Mean of (1-rate)^k over a day's exposures, k the number of earlier ones that day,
    with exposures ~ Poisson: (1 - exp(-lam*rate)) / (lam*rate)."""
    x = np.asarray(exposures, dtype=float) * rate
    # Only x > 0 is used; a sweep's invalid points can give x < 0, where expm1 would overflow.
    return np.divide(-np.expm1(-np.maximum(x, 0.0)), x, out=np.ones_like(x), where=x > 0)


def capped_habituation_factor(offered: Row, cap: int, rate: float) -> Row:
    """:func:`habituation_factor` for a mode with a daily cap: the mode's events arrive
    ~ Poisson(``offered``) a day and at most ``cap`` of them reach the user, so the exposures
    are X = min(N, cap) and the mean multiplier per exposure is (1 - E[q^X]) / (rate E[X]),
    q = 1 - rate. With a cap of 1 there is never an earlier exposure the same day: 1."""
    from scipy.special import gammaln, xlogy  # here: 0.4 s of import only when capped

    lam = np.maximum(np.asarray(offered, dtype=float), 0.0)
    if cap <= 1:  # exactly, not to rounding: no exposure ever follows another
        return np.ones_like(lam) if lam.ndim else 1.0
    q = 1.0 - rate
    below = np.zeros_like(lam)  # P(N < j)
    gen = np.zeros_like(lam)  # E[q^N; N < j]
    mean = np.zeros_like(lam)  # E[min(N, j)]
    # Where nothing is left to reach the cap, further terms are exactly 0, so each rate ends
    # where it alone would: every element's result is that of evaluating it by itself.
    done = np.zeros(lam.shape, dtype=bool)
    for j in range(cap):
        pmf = np.where(done, 0.0, np.exp(xlogy(j, lam) - lam - gammaln(j + 1.0)))
        gen = gen + pmf * q**j
        below = below + pmf
        mean = mean + np.maximum(1.0 - below, 0.0)  # P(N > j)
        done = (1.0 - below) < 1e-17
        if done.all():  # nothing reaches the cap anywhere: exact as is
            break
    gen = gen + np.maximum(1.0 - below, 0.0) * q**cap
    x = mean * rate
    out = np.divide(1.0 - gen, x, out=np.ones_like(x), where=x > 0)
    return out if out.ndim else float(out)


def excess_generating(offered: Row, cap: int, rate: float) -> Row:
    """E[q^E], q = 1 - rate, for the events a cap demotes: E = max(N - cap, 0) with
    N ~ Poisson(``offered``). Summing q^j over the tail is Poisson(offered*q)'s tail:
    P(N <= cap) + q^-cap * exp(-offered*rate) * P(Poisson(offered*q) > cap)."""
    from scipy.special import pdtr, pdtrc  # here: 0.4 s of import only when capped

    lam = np.maximum(np.asarray(offered, dtype=float), 0.0)
    q = 1.0 - rate
    with np.errstate(divide="ignore", over="ignore"):  # a tail of 0 is log 0: a term of 0
        log_q = math.log(q) if np.ndim(q) == 0 else np.log(q)  # a rate per draw: an array
        tail = np.exp(-cap * log_q - lam * rate + np.log(pdtrc(cap, lam * q)))
    out = pdtr(cap, lam) + np.where(np.isfinite(tail), tail, 0.0)
    return out if out.ndim else float(out)


def habituation_of_count(
    exposures: np.ndarray, rate: float, carried: np.ndarray | None = None
) -> np.ndarray:
    """Mean of (1-rate)^(k + carried) over a user's ``exposures`` of one day (float32), k the
    number of earlier ones that day and ``carried`` the habituation from earlier days."""
    f32 = np.float32
    log_q = f32(math.log(1.0 - rate))
    moved = np.ones(exposures.size, dtype=f32)
    more = np.flatnonzero(exposures > 1)
    if more.size:
        moved[more] = -np.expm1(exposures[more] * log_q) / (exposures[more] * f32(rate))
    if carried is not None:
        moved *= np.exp(carried * log_q)
    return moved


# --- outcomes to value ------------------------------------------------------------------------


def outcome_shares(positive: Row, negative: Row, act_positive: Row, act_negative: Row) -> dict:
    """Share of events in each outcome, by outcome name, from the positive and negative
    shares and the chances of acting on each."""
    return {
        "positive_acted": positive * act_positive,
        "positive_missed": positive * (1 - act_positive),
        "negative_acted": negative * act_negative,
        "negative_ignored": negative * (1 - act_negative),
    }


def decomposition(
    preset: Preset,
    positive: np.ndarray,
    negative: np.ndarray,
    act_positive: np.ndarray,
    act_negative: np.ndarray,
    *,
    harm_limit: bool = False,
) -> np.ndarray:
    """Expected amount per event, as [component, mode, stakeholder, unit], from per-mode
    arrays (mode axis first) of one design: the outcomes, then attention."""
    shares = outcome_shares(positive, negative, act_positive, act_negative)
    mass = np.stack([shares[o] for o in OUTCOMES])  # [outcome, mode]
    out = mass[:, :, None, None] * payoff_table(preset, harm_limit=harm_limit)
    shown = positive + negative  # interactions per event, by mode
    attention = np.zeros(shown.shape + (len(STAKEHOLDERS), len(UNITS)))
    attention[..., UNIT["minutes"]] = shown[:, None] * attention_table(preset)
    return np.concatenate([out, attention[None]], axis=0)


def net_value(
    preset: Preset,
    positive: list,
    negative: list,
    act_positive: list,
    act_negative: list,
    *,
    harm_limit: bool = False,
) -> Row:
    """Net money-equivalent value per event, summing the decomposition without building it.
    The arguments are per-mode lists of rows (floats or arrays that broadcast together)."""
    money = money_per_unit(preset)
    per_outcome = (payoff_table(preset, harm_limit=harm_limit) * money).sum(axis=(-1, -2))
    pa_, pm_, na_, ni_ = (per_outcome[OUTCOME[o]] for o in OUTCOMES)  # each by mode
    per_attention = (attention_table(preset) * money[:, UNIT["minutes"]]).sum(axis=-1)
    net: Row = 0.0
    for m in range(len(MODES)):
        pos, neg = positive[m], negative[m]
        if np.isscalar(pos) and pos == 0.0 and np.isscalar(neg) and neg == 0.0:
            continue
        act_p, act_n = act_positive[m], act_negative[m]
        net = net + pos * (pm_[m] + act_p * (pa_[m] - pm_[m]))
        net = net + neg * (ni_[m] + act_n * (na_[m] - ni_[m]))
        net = net + (pos + neg) * per_attention[m]
    return net


def value_of_counts(values: np.ndarray, counts: Mapping[str, np.ndarray]) -> np.ndarray:
    """Value of counted outcomes: ``values`` as [outcome, mode, stakeholder] (from
    :func:`outcome_values`) and ``counts[outcome]`` as [..., mode]; returns [..., stakeholder].
    While the values do not depend on the mode, the counts are summed over modes first."""
    uniform = bool((values == values[:, :1]).all())
    total: Any = 0.0
    for outcome in OUTCOMES:
        o = OUTCOME[outcome]
        if uniform:
            term = counts[outcome].sum(-1)[..., None] * values[o, OFF]
        else:
            term = counts[outcome] @ values[o]
        total = term if outcome == OUTCOMES[0] else total + term
    return total


def count_harm_limited(binds: np.ndarray, counts: Mapping[str, np.ndarray]) -> np.ndarray:
    """Positive events whose cost the harm limit cut: ``binds`` as [outcome, mode] (from
    :func:`harm_limit_binds`), ``counts[outcome]`` as [..., mode]."""
    total: Any = 0.0
    for outcome in POSITIVE_OUTCOMES:
        total = total + (counts[outcome] * binds[OUTCOME[outcome]]).sum(-1)
    return total


# --- the feature off --------------------------------------------------------------------------


def baseline_shares(preset: Preset) -> np.ndarray:
    """Share of events in each outcome with the feature off (users act on their own), in
    OUTCOMES order."""
    pi, u = preset.scenario.base_rate, preset.response.unprompted
    shares = outcome_shares(pi, 1 - pi, u.positive, u.negative)
    return np.array([shares[o] for o in OUTCOMES])


def baseline_by_stakeholder(preset: Preset, *, harm_limit: bool = False) -> np.ndarray:
    """Value per event for each stakeholder with the feature off: nothing shown, users act
    on their own, every event as in the silent mode."""
    return baseline_shares(preset) @ outcome_values(preset, harm_limit=harm_limit)[:, OFF]


# --- value added: the value of correct against the cost of wrong ---------------------------

# What value added is made of: positive events acted on (harm avoided by correct actions),
# negative events acted on (false alarms), and the attention every interaction takes.
ADDED_PARTS = ("correct", "wrong", "attention")
ADDED_PART = {name: i for i, name in enumerate(ADDED_PARTS)}


def value_added_split(
    preset: Preset,
    positive: np.ndarray,
    negative: np.ndarray,
    act_positive: np.ndarray,
    act_negative: np.ndarray,
    *,
    harm_limit: bool = False,
) -> np.ndarray:
    """Value added per event against the feature off, as [part, mode, stakeholder] with the
    parts of :data:`ADDED_PARTS`, from per-mode arrays (mode axis first) of one design.

    The events a design sends to mode m would, with the feature off, be silent and acted on
    only unprompted. So the positives in m add pos_m * (V+(m) - V+(off)), V+(x) being the
    value of a positive event handled in x (acted on with its chance, missed otherwise);
    likewise the negatives; attention is all added (there is none with the feature off).
    While payoffs do not depend on the mode, the positives' part is the extra true positives
    acted on, pos_m * (act+(m) - u+), times what acting on one is worth against missing it:
    the value of correct; the negatives' part the extra false alarms acted on times their
    cost. The sum over everything is the value added, net value minus the feature off."""
    v = outcome_values(preset, harm_limit=harm_limit)  # [outcome, mode, stakeholder]
    u = preset.response.unprompted
    o = OUTCOME

    def handled(acted: str, not_acted: str, chance: np.ndarray) -> np.ndarray:
        return chance[:, None] * v[o[acted]] + (1 - chance[:, None]) * v[o[not_acted]]

    def off(acted: str, not_acted: str, chance: float) -> np.ndarray:
        return chance * v[o[acted], OFF] + (1 - chance) * v[o[not_acted], OFF]

    pos_handled = handled("positive_acted", "positive_missed", np.asarray(act_positive))
    neg_handled = handled("negative_acted", "negative_ignored", np.asarray(act_negative))
    pos_off = off("positive_acted", "positive_missed", u.positive)
    neg_off = off("negative_acted", "negative_ignored", u.negative)
    out = np.empty((len(ADDED_PARTS), len(MODES), len(STAKEHOLDERS)))
    out[ADDED_PART["correct"]] = positive[:, None] * (pos_handled - pos_off)
    out[ADDED_PART["wrong"]] = negative[:, None] * (neg_handled - neg_off)
    out[ADDED_PART["attention"]] = (positive + negative)[:, None] * attention_values(preset)
    return out


def correct_and_wrong(split: np.ndarray) -> tuple[float, float]:
    """(value of correct, cost of wrong) per event from :func:`value_added_split`: the value
    added on positive events, and the value lost to false alarms acted on and to attention,
    as a positive cost. Value of correct minus cost of wrong is the value added."""
    correct = float(split[ADDED_PART["correct"]].sum())
    wrong = -float(split[ADDED_PART["wrong"]].sum() + split[ADDED_PART["attention"]].sum())
    return correct, wrong


def modelled_stakeholders(preset: Preset) -> dict[str, bool]:
    """Whether the preset gives each stakeholder any payoff at all: an entry under an
    outcome, or attention minutes in some mode. A stakeholder without one is not modelled:
    its value is unknown, not zero."""
    named = {p.stakeholder for o in OUTCOMES for p in getattr(preset.payoffs, o)}
    for mode in ACTIVE_MODES:
        a = getattr(preset.payoffs.attention, mode)
        if a.minutes_low or a.minutes_high:
            named.add(a.stakeholder)
    return {s: s in named for s in STAKEHOLDERS}
