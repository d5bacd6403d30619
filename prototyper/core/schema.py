"""The preset schema: frozen dataclasses whose field metadata drives validation, forms and docs.

Metadata keys follow JSON Schema where one exists: ``title``, ``description``, ``minimum``,
``maximum``, ``exclusive_minimum``, ``exclusive_maximum``, ``enum``; plus ``unit`` and
``widget`` for the forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

SCHEMA_VERSION = 1

# Ordered from most to least forceful; demotion only ever moves right.
MODES = ("automate", "prompt", "organize", "annotate", "none")
ACTIVE_MODES = MODES[:-1]
# Modes that show something the user responds to; automation acts without asking.
SHOWN_MODES = ("prompt", "organize", "annotate")
STAKEHOLDERS = ("user", "operator", "business")
UNITS = ("money", "minutes")
OUTCOMES = ("positive_acted", "positive_missed", "negative_acted", "negative_ignored")


def meta(
    title: str,
    description: str = "",
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: float | None = None,
    exclusive_maximum: float | None = None,
    enum: tuple[str, ...] | None = None,
    unit: str = "",
    widget: str = "",
) -> dict[str, Any]:
    """Field metadata, with unset keys left out."""
    values = dict(
        title=title,
        description=description,
        minimum=minimum,
        maximum=maximum,
        exclusive_minimum=exclusive_minimum,
        exclusive_maximum=exclusive_maximum,
        enum=enum,
        unit=unit,
        widget=widget,
    )
    return {k: v for k, v in values.items() if v not in (None, "")}


def probability(title: str, description: str = "", **kw: Any) -> dict[str, Any]:
    return meta(title, description, minimum=0.0, maximum=1.0, widget="slider", **kw)


# --- scenario -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str = field(metadata=meta("Name", "Short name of the scenario."))
    users: int = field(
        metadata=meta("Users", "People who use the feature (the population).", minimum=1)
    )
    events_per_user_per_day: float = field(
        metadata=meta(
            "Events per user-day",
            "How many times a day the model makes a prediction for one user.",
            exclusive_minimum=0.0,
            maximum=1e6,
        )
    )
    base_rate: float = field(
        metadata=meta(
            "Base rate",
            "Share of events that are positive (acting would help). Often tiny, and that "
            "dominates everything.",
            exclusive_minimum=0.0,
            exclusive_maximum=1.0,
            widget="log",
        )
    )
    description: str = field(default="", metadata=meta("Description", widget="text"))
    event_unit: str = field(
        default="event",
        metadata=meta("Event", "One moment where the model predicts, e.g. 'page visit'."),
    )
    horizon_days: int = field(
        default=365,
        metadata=meta(
            "Horizon",
            "Days over which results are reported.",
            minimum=1,
            maximum=3650,
            unit="days",
        ),
    )


# --- model sources ------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticModel:
    """A binormal model described by its ROC AUC; exact, no sampling."""

    SOURCE = "synthetic"
    source: str = field(
        default="synthetic",
        metadata=meta("Source", "Where scores come from.", enum=("synthetic",)),
    )
    auc: float = field(
        default=0.9,
        metadata=meta(
            "ROC AUC",
            "Chance that a random positive scores above a random negative: 0.5 is a coin "
            "flip, 1 is perfect.",
            exclusive_minimum=0.5,
            exclusive_maximum=1.0,
            widget="slider",
        ),
    )


MODEL_SOURCES: dict[str, type] = {SyntheticModel.SOURCE: SyntheticModel}
ModelSource = SyntheticModel


# --- experience ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    threshold: float = field(
        metadata=meta(
            "Threshold",
            "Lowest score (calibrated probability) of this band; the band runs up to the next "
            "band's threshold. The lowest band starts at 0.",
            minimum=0.0,
            maximum=1.0,
            widget="log",  # at low base rates the thresholds that matter are tiny
        )
    )
    mode: str = field(
        metadata=meta(
            "Mode",
            "What the system does with predictions in this band.",
            enum=MODES,
        )
    )


@dataclass(frozen=True)
class ModeDesign:
    forcefulness: float = field(
        default=0.5,
        metadata=probability(
            "Forcefulness",
            "How strongly the experience pushes the action, from a dismissible hint (0) to "
            "a blocking interstitial (1). Raises compliance and the attention cost.",
        ),
    )
    daily_cap: int | None = field(
        default=None,
        metadata=meta(
            "Daily cap",
            "At most this many interactions of this mode per user per day; empty for no cap.",
            minimum=0,
            maximum=10_000,
            unit="per user-day",
        ),
    )
    over_cap: str = field(
        default="none",
        metadata=meta(
            "Over the cap",
            "The quieter mode that events over the cap fall back to.",
            enum=MODES,
        ),
    )


@dataclass(frozen=True)
class ModeDesigns:
    automate: ModeDesign = field(default=ModeDesign(forcefulness=1.0), metadata=meta("Automate"))
    prompt: ModeDesign = field(default=ModeDesign(), metadata=meta("Prompt"))
    organize: ModeDesign = field(default=ModeDesign(), metadata=meta("Organize"))
    annotate: ModeDesign = field(default=ModeDesign(), metadata=meta("Annotate"))


@dataclass(frozen=True)
class Experience:
    bands: tuple[Band, ...] = field(
        metadata=meta(
            "Presentation bands",
            "Score bands from the highest threshold down; each maps to a mode. The last band "
            "starts at 0.",
        )
    )
    modes: ModeDesigns = field(
        default=ModeDesigns(), metadata=meta("Forcefulness and frequency per mode")
    )

    def check(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not self.bands:
            return [("bands", "needs at least one band")]
        for i in range(1, len(self.bands)):
            above, here = self.bands[i - 1].threshold, self.bands[i].threshold
            if not here < above:
                problems.append(
                    (
                        f"bands[{i}].threshold",
                        f"must be below bands[{i - 1}].threshold ({above:g}), got {here:g}",
                    )
                )
        last = len(self.bands) - 1
        if self.bands[last].threshold != 0.0:
            problems.append(
                (
                    f"bands[{last}].threshold",
                    f"the lowest band must start at 0, got {self.bands[last].threshold:g}",
                )
            )
        for mode in ACTIVE_MODES:
            target = getattr(self.modes, mode).over_cap
            if MODES.index(target) <= MODES.index(mode):
                quieter = ", ".join(MODES[MODES.index(mode) + 1 :])
                problems.append(
                    (
                        f"modes.{mode}.over_cap",
                        f"must be a quieter mode ({quieter}), got {target!r}",
                    )
                )
        return problems

    def thresholds(self) -> tuple[float, ...]:
        return tuple(b.threshold for b in self.bands)


# --- user response ------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    low: float = field(metadata=probability("At forcefulness 0"))
    high: float = field(metadata=probability("At forcefulness 1"))

    def at(self, forcefulness: float) -> float:
        return self.low + (self.high - self.low) * forcefulness


@dataclass(frozen=True)
class ModeResponse:
    act_if_positive: Range = field(
        metadata=meta(
            "Acts when positive",
            "Chance the user takes the recommended action on a positive event, for a warning "
            "they fully trust; for automation, the chance the action is not undone.",
        )
    )
    act_if_negative: Range = field(
        metadata=meta(
            "Acts when negative",
            "The same on a negative event (a false alarm). Lower than for positives where "
            "users can tell, e.g. 'I'm fine' cancels a fall alarm.",
        )
    )
    habituation: float = field(
        default=0.0,
        metadata=meta(
            "Habituation",
            "Share of the effect lost with each earlier exposure the same day; 0.3 matches "
            "'acceptance falls about 30% per extra reminder'. Varied (polymorphic) designs "
            "habituate less.",
            minimum=0.0,
            exclusive_maximum=1.0,
            widget="slider",
        ),
    )


def _response(pos: float, neg: float) -> ModeResponse:
    return ModeResponse(Range(pos, pos), Range(neg, neg))


@dataclass(frozen=True)
class ModeResponses:
    automate: ModeResponse = field(default=_response(1.0, 1.0), metadata=meta("Automate"))
    prompt: ModeResponse = field(default=_response(0.5, 0.5), metadata=meta("Prompt"))
    organize: ModeResponse = field(default=_response(0.2, 0.2), metadata=meta("Organize"))
    annotate: ModeResponse = field(default=_response(0.05, 0.05), metadata=meta("Annotate"))


@dataclass(frozen=True)
class TruthRates:
    positive: float = field(default=0.0, metadata=probability("When positive"))
    negative: float = field(default=0.0, metadata=probability("When negative"))


@dataclass(frozen=True)
class Response:
    modes: ModeResponses = field(default=ModeResponses(), metadata=meta("Response per mode"))
    unprompted: TruthRates = field(
        default=TruthRates(),
        metadata=meta(
            "Acts unprompted",
            "Chance the user acts on their own with no interaction, e.g. presses the alarm "
            "button after a fall.",
        ),
    )
    trust_matching: float = field(
        default=0.9,
        metadata=probability(
            "Probability matching",
            "Share of users who heed a warning at the rate it proves true (trust). The rest "
            "ignore its track record.",
        ),
    )


# --- payoffs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payoff:
    stakeholder: str = field(metadata=meta("Stakeholder", "Who gains or pays.", enum=STAKEHOLDERS))
    amount: float = field(
        metadata=meta(
            "Amount",
            "Positive for value gained, negative for a cost.",
            minimum=-1e12,
            maximum=1e12,
        )
    )
    unit: str = field(default="money", metadata=meta("Unit", enum=UNITS))
    label: str = field(default="", metadata=meta("Label", "What this is, in a few words."))


@dataclass(frozen=True)
class Attention:
    minutes_low: float = field(
        default=0.0,
        metadata=meta(
            "Minutes at forcefulness 0",
            "Time one interaction takes from the stakeholder.",
            minimum=0.0,
            maximum=1e4,
            unit="min",
        ),
    )
    minutes_high: float = field(
        default=0.0,
        metadata=meta("Minutes at forcefulness 1", minimum=0.0, maximum=1e4, unit="min"),
    )
    stakeholder: str = field(default="user", metadata=meta("Stakeholder", enum=STAKEHOLDERS))

    def minutes_at(self, forcefulness: float) -> float:
        return self.minutes_low + (self.minutes_high - self.minutes_low) * forcefulness


@dataclass(frozen=True)
class Attentions:
    automate: Attention = field(default=Attention(), metadata=meta("Automate"))
    prompt: Attention = field(default=Attention(), metadata=meta("Prompt"))
    organize: Attention = field(default=Attention(), metadata=meta("Organize"))
    annotate: Attention = field(default=Attention(), metadata=meta("Annotate"))


@dataclass(frozen=True)
class StakeholderRates:
    user: float = field(default=0.0, metadata=meta("User", minimum=0.0, maximum=1e6))
    operator: float = field(default=0.0, metadata=meta("Operator", minimum=0.0, maximum=1e6))
    business: float = field(default=0.0, metadata=meta("Business", minimum=0.0, maximum=1e6))


def _payoffs(title: str, description: str) -> Any:
    return field(default=(), metadata=meta(title, description))


@dataclass(frozen=True)
class Payoffs:
    currency: str = field(default="USD", metadata=meta("Currency"))
    value_of_time_per_hour: StakeholderRates = field(
        default=StakeholderRates(),
        metadata=meta(
            "Value of an hour",
            "Money an hour of each stakeholder's time is worth; turns minutes into money in "
            "the net value.",
        ),
    )
    positive_acted: tuple[Payoff, ...] = _payoffs(
        "Positive, acted on", "A correct action: the harm it avoids, per event."
    )
    positive_missed: tuple[Payoff, ...] = _payoffs(
        "Positive, not acted on", "Harm not prevented (a false negative or an ignored warning)."
    )
    negative_acted: tuple[Payoff, ...] = _payoffs(
        "Negative, acted on", "A false positive acted on: e.g. a legitimate page blocked."
    )
    negative_ignored: tuple[Payoff, ...] = _payoffs(
        "Negative, not acted on", "Usually nothing: no harm, no action."
    )
    attention: Attentions = field(
        default=Attentions(),
        metadata=meta(
            "Attention cost per mode",
            "Time each interaction costs, right or wrong; grows with forcefulness.",
        ),
    )


# --- the preset ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    scenario: Scenario = field(metadata=meta("Scenario"))
    model: ModelSource = field(metadata=meta("Model"))
    experience: Experience = field(metadata=meta("Experience"))
    response: Response = field(default=Response(), metadata=meta("User response"))
    payoffs: Payoffs = field(default=Payoffs(), metadata=meta("Payoffs"))
    notes: str = field(default="", metadata=meta("Notes", widget="text"))
    sources: MappingProxyType = field(
        default_factory=lambda: MappingProxyType({}),
        metadata=meta("Sources", "Where a number comes from, keyed by its dotted field path."),
    )
    assumptions: MappingProxyType = field(
        default_factory=lambda: MappingProxyType({}),
        metadata=meta(
            "Assumptions", "Numbers that are not sourced, keyed by path, with the reasoning."
        ),
    )

    def citation(self, path: str) -> str:
        """The source and/or assumption for a dotted field path, from the most specific key
        that covers it (``response.modes.prompt`` covers ``response.modes.prompt.habituation``),
        or ''."""
        lines = []
        for label, table in (("Source", self.sources), ("Assumption", self.assumptions)):
            covering = [k for k in table if path == k or path.startswith((k + ".", k + "["))]
            if covering:
                lines.append(f"{label}: {table[max(covering, key=len)]}")
        return "\n".join(lines)
