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
from dataclasses import dataclass

import numpy as np

from ..preset.schema import Feedback


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
