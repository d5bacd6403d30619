"""The runaway feedback loop of predictive policing (Ensign et al., FAT* 2018), simulated.

Each day a number of patrols is sent out; each patrol goes to region i with probability

    p_i = n_i / sum_j n_j

where n_i are the incidents on record for region i (the historical data, then every
discovery recorded since). A patrol in region i discovers an incident with probability r_i,
the region's true rate, and incidents are discovered only where patrols go. This is a Polya
urn: with equal true rates the share of patrols is a martingale that keeps whatever bias the
records started with (it converges to a random limit, not to the truth), and with unequal
rates it runs away towards the region with the higher rate.

Ensign et al.'s correction records a discovery in region i only with probability

    min_j p_j / p_i

so the expected records a day grow as patrols * r_i * min_j p_j: in proportion to the true
rates, whatever the patrols' split. For two regions this is their (1 - p_i) / max_j (1 - p_j).
The split then converges to r_i / sum_j r_j. A region that is never patrolled (p_i = 0) can
never be corrected. Vectorized over replications; the days are a loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..evaluation import value as _value
from ..evaluation.engine import outcome_masses
from ..model.scores import binormal_latent, separation
from ..preset.schema import OUTCOMES, Feedback, Preset


@dataclass(frozen=True)
class FeedbackResult:
    """Per day and replication; region is the last axis."""

    regions: tuple[str, ...]
    truth_share: np.ndarray  # (regions,): r_i / sum r_j, where a fair split converges
    patrol_share: np.ndarray  # (days, replications, regions): p_i on each day
    discovered: np.ndarray  # (days, replications, regions): incidents discovered that day
    recorded: np.ndarray  # (days, replications, regions): records at the end of the day

    @property
    def final_share(self) -> np.ndarray:
        """(replications, regions): the share of records at the horizon, i.e. the patrol
        split the next day would use."""
        last = self.recorded[-1]
        return last / last.sum(axis=-1, keepdims=True)


def simulate_feedback(
    feedback: Feedback,
    days: int,
    replications: int,
    rng: np.random.Generator,
    check: Callable[[], None] | None = None,
) -> FeedbackResult:
    """Run the urn for ``days`` days in ``replications`` replications at once. ``check`` is
    called every 64 days and may raise to stop (the simulation's cancel)."""
    rates = np.array([r.incident_rate for r in feedback.regions], dtype=float)
    records = np.tile(
        np.array([r.initial_discoveries for r in feedback.regions], dtype=float),
        (replications, 1),
    )
    k = len(rates)
    share = np.empty((days, replications, k))
    found = np.empty((days, replications, k))
    recorded = np.empty((days, replications, k))
    for d in range(days):
        if check is not None and d % 64 == 0:
            check()
        p = records / records.sum(axis=1, keepdims=True)
        share[d] = p
        patrols = rng.multinomial(feedback.patrols_per_day, p)
        discovered = rng.binomial(patrols, rates)
        found[d] = discovered
        if feedback.correction:
            lowest = p.min(axis=1, keepdims=True)
            accept = np.divide(lowest, p, out=np.zeros_like(p), where=p > 0)
            discovered = rng.binomial(discovered, accept)
        records = records + discovered
        recorded[d] = records
    total = rates.sum()
    truth = rates / total if total > 0 else np.full(k, 1.0 / k)
    return FeedbackResult(
        regions=tuple(r.name for r in feedback.regions),
        truth_share=truth,
        patrol_share=share,
        discovered=found,
        recorded=recorded,
    )


# --- where patrols go, in money -------------------------------------------------------------


def _latent_for_share(share: np.ndarray, d: np.ndarray, pi: float) -> np.ndarray:
    """The latent cut x above which a share ``share`` of events lies, at base rate ``pi``:
    pi * Phi(d - x) + (1 - pi) * Phi(-x) = share (bisection; +inf for 0, -inf for 1)."""
    from scipy.special import ndtr  # here: its import is no part of the window's first paint

    lo = np.full(np.shape(share), -40.0)
    hi = np.full(np.shape(share), 40.0)
    for _ in range(80):  # the bracket halves each time: far below float resolution at the end
        mid = (lo + hi) / 2
        above = pi * ndtr(d - mid) + (1 - pi) * ndtr(-mid) > share
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    x = (lo + hi) / 2
    return np.where(share >= 1.0, -np.inf, np.where(share <= 0.0, np.inf, x))


def _value_per_event(preset: Preset, cuts: list[np.ndarray], d: np.ndarray) -> np.ndarray:
    """Value per event and stakeholder, (..., stakeholder), of the preset's bands at the
    latent ``cuts`` (one per band, highest first) of a binormal model of separation d."""
    from scipy.special import ndtr

    tpr = [ndtr(d - c) for c in cuts]
    fpr = [ndtr(-c) for c in cuts]
    m = outcome_masses(preset, tpr, fpr).stacked()  # mode axis first
    harm = preset.guardrails.harm_limit.enabled
    shape = np.broadcast_shapes(*(np.shape(c) for c in cuts))

    def last(a: np.ndarray) -> np.ndarray:  # (mode, ...) -> (..., mode), full shape
        a = np.asarray(a, dtype=float)
        a = a.reshape(a.shape + (1,) * (1 + len(shape) - a.ndim))
        modes = len(a)
        return np.moveaxis(np.broadcast_to(a, (modes, *shape)), 0, -1)

    shares = _value.outcome_shares(
        last(m.positive), last(m.negative), last(m.act_positive), last(m.act_negative)
    )
    counts = {o: shares[o] for o in OUTCOMES}
    out = _value.value_of_counts(_value.outcome_values(preset, harm_limit=harm), counts)
    return out + last(m.positive + m.negative) @ _value.attention_values(preset)


def allocation_value(preset: Preset, patrol_share: np.ndarray, auc: np.ndarray) -> np.ndarray:
    """What the loop's split of the design's top band changes in its value a day, whole
    population, as (days, replications, stakeholder).

    The scenario's units (beats) are split evenly between the regions, region i's with base
    rate pi * r_i / mean(r) (the regions' incident rates r; the mean is the scenario's); the
    model ranks each region's units as it ranks all (the day's ``auc``). Without the loop each
    region's top band holds its units above the design's threshold. With it, the same number
    of top-band events a day is split between the regions in the day's patrol shares, and
    each region gives its share to its highest-scored units; lower bands keep their cuts
    (those now inside the top band's share are its). The difference of the two values,
    by the engine's formulas, is added to the simulated value: sending more than a fair share
    where the records point spends it on ever lower-scored units, and the region left short
    loses its best ones (docs/MODEL.md, 9.9)."""
    from scipy.special import ndtr

    sc = preset.scenario
    rates = np.array([r.incident_rate for r in preset.feedback.regions], dtype=float)
    k = rates.size
    mean = rates.mean()
    pis = sc.base_rate * rates / mean if mean > 0 else np.full(k, sc.base_rate)
    pis = np.clip(pis, 0.0, 1.0 - 1e-9)
    d = np.asarray(separation(np.asarray(auc, dtype=float)))  # (days, replications)
    thresholds = np.array(preset.experience.thresholds(), dtype=float)
    design = binormal_latent(d[..., None], sc.base_rate, thresholds)
    cuts = [design[..., b] for b in range(design.shape[-1])]
    top = cuts[0]
    shown = [pi * ndtr(d - top) + (1 - pi) * ndtr(-top) for pi in pis]  # each region's share
    total = sum(shown) / k  # of all units: the regions are equal in size
    units_per_day = sc.users * sc.events_per_user_per_day / k
    out = np.zeros(d.shape + (len(_value.STAKEHOLDER),))
    for i, pi in enumerate(pis):
        region = replace(preset, scenario=replace(sc, base_rate=float(pi)))
        share = np.minimum(1.0, total * k * patrol_share[..., i])
        cut = _latent_for_share(share, d, float(pi))
        moved = [cut] + [np.minimum(c, cut) for c in cuts[1:]]
        out += units_per_day * (
            _value_per_event(region, moved, d) - _value_per_event(region, cuts, d)
        )
    return out
