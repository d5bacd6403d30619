"""What a simulation gives back: per-day series and horizon figures (mean and 5% / 95%
quantiles over replications), their titles and units, one day's trace, and cancellation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..preset import modes as _modes
from ..preset.schema import ACTIVE_MODES, Preset
from .feedback import FeedbackResult


def _sentence(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


class Cancelled(Exception):
    """Raised by :func:`simulate` when its ``cancel`` callable returns True. Nothing is
    returned, so a caller's last complete result stays in place."""


@dataclass(frozen=True)
class Series:
    """One quantity per day: the mean and the 5% and 95% quantiles over replications."""

    mean: np.ndarray
    p5: np.ndarray
    p95: np.ndarray


@dataclass(frozen=True)
class Stat:
    """One figure at the horizon: mean and 5% / 95% quantiles over replications."""

    mean: float
    p5: float
    p95: float


# name: (title, unit, description). Money is money-equivalent value (money plus time at each
# stakeholder's hourly value), for the whole population (scenario.users).
SERIES: dict[str, tuple[str, str, str]] = {
    "net_value": ("Net value per day", "money", "All stakeholders, whole population."),
    "value_added": (
        "Value added per day",
        "money",
        "Net value minus the same day with the feature off (expected), whole population.",
    ),
    "cumulative_net_value": ("Net value so far", "money", "Cumulative net value."),
    "cumulative_value_added": ("Value added so far", "money", "Cumulative value added."),
    "value_added_user": ("Value added per day: user", "money", "The users' share."),
    "value_added_operator": ("Value added per day: operator", "money", "The operator's share."),
    "value_added_business": ("Value added per day: business", "money", "The business's share."),
    "active_users": (
        "Active users",
        "share",
        "Share of users who have not abandoned the feature, at the start of the day.",
    ),
    "interactions": (
        "Interactions per user-day",
        "per user-day",
        _sentence(_modes.plural_list(ACTIVE_MODES)) + " per active user.",
    ),
    "interruptions": (
        "Interruptions per user-day",
        "per user-day",
        _sentence(_modes.plural_list(_modes.where("interrupts"))) + " per active user.",
    ),
    "false_alarms": (
        "False alarms per user-day",
        "per user-day",
        "Interactions on negative events per active user.",
    ),
    "acts_when_shown": (
        "Acts when shown",
        "share",
        "Share of the day's interactions acted on, right or wrong: P(act | shown).",
    ),
    "acts_when_right": (
        "Acts when right",
        "share",
        "Chance an interaction of the day would be acted on were it a true alarm, averaged "
        "over the day's interactions: P(act | positive, shown).",
    ),
    "trust": (
        "Trust",
        "multiplier",
        "Probability-matching multiplier (1 - w) + w * precision, averaged over the day's "
        "interactions it applies to (shown modes; automation too when trust is learned).",
    ),
    "habituation": (
        "Habituation",
        "multiplier",
        "Compliance multiplier from earlier exposures (the same day and carried over), "
        "averaged over the day's shown interactions; 1 is a fresh warning.",
    ),
    "demotions": (
        "Demotions per day",
        "events",
        "Events moved to a quieter mode by the daily caps and cooldowns, whole population.",
    ),
    "guardrail_activations": (
        "Guardrail activations per day",
        "events",
        "All four guardrails together, whole population.",
    ),
    "automation_cap": (
        "Automation cap",
        "events",
        "Automated actions stopped by the cap per user-day, whole population.",
    ),
    "confidence_floor": (
        "Confidence floor",
        "events",
        "Events not automated because they scored below the floor, whole population.",
    ),
    "escalations": ("Escalations", "events", "Events decided by a human operator."),
    "escalations_over_capacity": (
        "Escalations over capacity",
        "events",
        "Events that would have been escalated but found no free operator.",
    ),
    "harm_limited": (
        "Harm limited",
        "events",
        "Positive events whose loss the harm limit cut, whole population.",
    ),
    "labels": ("Labels per day", "labels", "Labels collected, whole population."),
    "cumulative_labels": ("Labels so far", "labels", "Cumulative labels collected."),
    "wrong_labels": ("Wrong labels per day", "labels", "Labels that say the wrong truth."),
    "auc": ("Model ROC AUC", "AUC", "The model's quality that day."),
}


SUMMARY: dict[str, tuple[str, str]] = {
    "net_value": ("Net value over the horizon", "money"),
    "value_added": ("Value added over the horizon", "money"),
    "value_added_user": ("Value added over the horizon: user", "money"),
    "value_added_operator": ("Value added over the horizon: operator", "money"),
    "value_added_business": ("Value added over the horizon: business", "money"),
    "net_value_per_user_day": ("Net value per user-day", "money"),
    "active_users": ("Active users on the last day", "share"),
    "interactions": ("Interactions per user-day", "per user-day"),
    "false_alarms": ("False alarms per user-day", "per user-day"),
    "acts_when_shown": ("Acts when shown, last 30 days", "share"),
    "acts_when_right": ("Acts when right, last 30 days", "share"),
    "trust": ("Trust, last 30 days", "multiplier"),
    "habituation": ("Habituation, last 30 days", "multiplier"),
    "demotions": ("Demotions", "events"),
    "guardrail_activations": ("Guardrail activations", "events"),
    "escalations": ("Escalations", "events"),
    "labels": ("Labels collected", "labels"),
    "auc": ("Model ROC AUC on the last day", "AUC"),
}


@dataclass(frozen=True)
class Simulation:
    """What the design does over the horizon. Every series has one value per day."""

    preset: Preset
    seed: int
    replications: int
    users: int  # users simulated; totals are scaled to scenario.users
    days: np.ndarray  # 1..horizon
    series: Mapping[str, Series]
    summary: Mapping[str, Stat]
    samples: Mapping[str, np.ndarray]  # the summary's figures per replication
    static_net_per_day: float  # the static engine's expected net value, whole population
    static_value_added_per_day: float
    variates: int  # random variates drawn (for the benchmark's floor)
    feedback: FeedbackResult | None

    @property
    def population(self) -> int:
        return self.preset.scenario.users

    @property
    def scale(self) -> float:
        """Users in the scenario per simulated user."""
        return self.population / self.users


@dataclass(frozen=True)
class DayTrace:
    """One day's interactions per simulated user, after caps, cooldowns and guardrails;
    passed to ``simulate(on_day=...)`` (for tests and inspection)."""

    day: int
    slots: np.ndarray  # flat user slot: replication * users + user
    counts: np.ndarray  # (truth [positive, negative], mode, slot)


def _quantiles(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 5% / 95% quantiles (linear interpolation, as np.quantile) along the last
    axis, ignoring NaN; NaN where every value is NaN. Vectorized: np.nanquantile loops over
    rows in Python."""
    x = np.asarray(x, dtype=float)
    ok = ~np.isnan(x)
    n = ok.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, x, 0.0).sum(axis=-1) / n
    xs = np.sort(x, axis=-1)  # NaN sort last
    out = []
    for q in (0.05, 0.95):
        pos = q * np.maximum(n - 1, 0)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        a = np.take_along_axis(xs, lo[..., None], axis=-1)[..., 0]
        b = np.take_along_axis(xs, hi[..., None], axis=-1)[..., 0]
        out.append(np.where(n > 0, a + (b - a) * (pos - lo), np.nan))
    return mean, out[0], out[1]


def _series(x: np.ndarray) -> Series:
    """(days, replications) -> mean and 5% / 95% quantiles per day, ignoring NaN."""
    return Series(*_quantiles(x))


def _stat(x: np.ndarray) -> Stat:
    return Stat(*(float(v) for v in _quantiles(x)))
