"""The preset schema: frozen dataclasses whose field metadata drives validation, forms and docs.

Metadata keys follow JSON Schema where one exists: ``title``, ``description``, ``minimum``,
``maximum``, ``exclusive_minimum``, ``exclusive_maximum``, ``enum``; plus ``unit``,
``widget`` and ``empty`` (what an empty list means) for the forms.

One module for one job, though long: it is the schema's dataclasses and their metadata,
section by section, read top to bottom like the preset file it describes. Splitting it
would scatter one preset's sections over several files without separating any concern.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, make_dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import modes as _modes

if TYPE_CHECKING:
    T = TypeVar("T")

    class _PerMode(Generic[T]):
        """What a type checker knows of the classes ``_per_mode`` makes at run time from the
        table of modes: a field per active mode, each a T, read by the mode's name."""

        def __init__(self, **modes: T) -> None: ...
        def __getattr__(self, mode: str) -> T: ...


SCHEMA_VERSION = 2

# From the table of modes (core/preset/modes.py), fixed when this module is first imported.
# Ordered from most to least forceful; demotion only ever moves right.
MODES = _modes.keys()
ACTIVE_MODES = _modes.active()
# Modes that show something the user responds to; automation acts without asking.
SHOWN_MODES = _modes.where("shown")
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
    empty: str = "",
) -> dict[str, Any]:
    """Field metadata, with unset keys left out. ``empty`` says what an empty list means."""
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
        empty=empty,
    )
    return {k: v for k, v in values.items() if v not in (None, "")}


def probability(title: str, description: str = "", **kw: Any) -> dict[str, Any]:
    return meta(title, description, minimum=0.0, maximum=1.0, widget="slider", **kw)


# --- scenario -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str = field(metadata=meta("Name", "Short name of the scenario."))
    # Bounds well past any real scenario, so that per-day totals (value per event x events
    # x users) stay far from float overflow and rates far from underflow.
    users: int = field(
        metadata=meta(
            "Users",
            "People who use the feature (the population).",
            minimum=1,
            maximum=10_000_000_000,
        )
    )
    events_per_user_per_day: float = field(
        metadata=meta(
            "Events per user-day",
            "How many times a day the model makes a prediction for one user.",
            minimum=1e-9,
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


# Model files the loader accepts: skops files are checked type by type before loading;
# pickles can run any code when loaded and need explicit consent every time.
SKOPS_SUFFIXES = (".skops",)
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
_TYPE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


def _column(title: str, description: str, default: str | None) -> Any:
    return field(default=default, metadata=meta(title, description))


def _measured_auc() -> Any:
    """A real model's last measured ROC AUC, recorded by the app (no control for it)."""
    return field(
        default=None,
        metadata=meta(
            "Measured ROC AUC",
            "The ROC AUC last measured for this model (written when the app saves it): if its "
            "files go missing, a described model with this AUC stands in for it.",
            minimum=0.0,
            maximum=1.0,
            widget="recorded",
        ),
    )


def _column_problems(
    named: dict[str, str | None], features: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """Columns must be named, and each plays one role."""
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for name, column in named.items():
        if column is None:
            continue
        if not column.strip():
            problems.append((name, "must name a column (null for none)"))
        elif column in seen:
            problems.append((name, f"is the same column as {seen[column]} ({column!r})"))
        else:
            seen[column] = name
    for i, column in enumerate(features):
        where = f"feature_columns[{i}]"
        if not column.strip():
            problems.append((where, "must name a column"))
        elif seen.get(column, "").startswith("feature_columns"):
            problems.append((where, f"lists {column!r} again (also {seen[column]})"))
        elif column in seen:
            problems.append((where, f"is the {seen[column]} ({column!r}), not a feature"))
        else:
            seen[column] = where
    return problems


@dataclass(frozen=True, kw_only=True)
class SklearnModel:
    """A fitted scikit-learn estimator or Pipeline, scored on a labelled evaluation CSV.

    Paths are relative to the preset file's folder, so a preset and its files can be zipped
    and shared (``prototyper pack``)."""

    SOURCE = "sklearn"
    FILE_FIELDS = ("model", "data")
    source: str = field(
        default="sklearn",
        metadata=meta("Source", "Where scores come from.", enum=("sklearn",)),
    )
    model: str = field(
        metadata=meta(
            "Model file",
            "A fitted estimator or Pipeline saved with skops.io.dump (.skops). A pickle "
            "(.pkl, .pickle, .joblib) loads only with explicit consent: it can run any code. "
            "Relative to the preset file's folder.",
            widget="file",
        )
    )
    data: str = field(
        metadata=meta(
            "Evaluation data",
            "A labelled CSV (UTF-8, header line) with the estimator's feature columns; "
            "scores come from predict_proba on its rows. Relative to the preset file's folder.",
            widget="file",
        )
    )
    label_column: str = _column(
        "Label column",
        "Column of the true outcome: 1 (or true) for a positive event, else 0.",
        "label",
    )
    feature_columns: tuple[str, ...] = field(
        default=(),
        metadata=meta(
            "Feature columns",
            "Columns passed to the estimator, in its order; empty for every column except "
            "the label, weight and group columns.",
            empty="every other column",
        ),
    )
    weight_column: str | None = _column(
        "Weight column",
        "Optional weight of each row (e.g. sampling weights); null for none.",
        None,
    )
    group_column: str | None = _column(
        "Group column", "Optional group of each row; metrics are also shown per group.", None
    )
    trusted_types: tuple[str, ...] = field(
        default=(),
        metadata=meta(
            "Trusted types",
            "Types in the skops file beyond the ones skops trusts by default that the preset "
            "asks to trust. Only scikit-learn estimators and numpy and scipy data types are "
            "trusted from a preset; anything else needs the consent of whoever opens it "
            "(--trust or the app's dialog), remembered on their computer.",
        ),
    )
    allow_pickle: bool = field(
        default=False,
        metadata=meta(
            "Pickle accepted by the author",
            "The author accepted that the model file is a pickle, which can run any code "
            "when loaded. Whoever opens the preset must accept it too (the app asks; the "
            "CLI needs --trust-pickle): a shared file cannot grant that.",
        ),
    )
    measured_auc: float | None = _measured_auc()

    def check(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        suffix = self.model[self.model.rfind(".") :].lower() if "." in self.model else ""
        if not self.model.strip():
            problems.append(("model", "must name the model file"))
        elif suffix not in SKOPS_SUFFIXES + PICKLE_SUFFIXES:
            problems.append(
                (
                    "model",
                    f"must be a .skops file (or a .pkl or .joblib pickle), got {self.model!r}",
                )
            )
        if not self.data.strip():
            problems.append(("data", "must name the evaluation CSV"))
        problems += _column_problems(
            {
                "label_column": self.label_column,
                "weight_column": self.weight_column,
                "group_column": self.group_column,
            },
            self.feature_columns,
        )
        for i, name in enumerate(self.trusted_types):
            if not _TYPE_NAME.match(name):
                problems.append(
                    (
                        f"trusted_types[{i}]",
                        f"expected a dotted type name like sklearn.tree._tree.Tree, got {name!r}",
                    )
                )
        return problems


@dataclass(frozen=True, kw_only=True)
class ScoreFileModel:
    """A CSV of label,score pairs exported from any framework (PyTorch, a spreadsheet...)."""

    SOURCE = "score_file"
    FILE_FIELDS = ("path",)
    source: str = field(
        default="score_file",
        metadata=meta("Source", "Where scores come from.", enum=("score_file",)),
    )
    path: str = field(
        metadata=meta(
            "Score file",
            "A CSV (UTF-8, header line) with a label and a score (a probability in [0, 1]) "
            "per event. Relative to the preset file's folder.",
            widget="file",
        )
    )
    label_column: str = _column(
        "Label column",
        "Column of the true outcome: 1 (or true) for a positive event, else 0.",
        "label",
    )
    score_column: str = _column(
        "Score column", "Column of the model's score, a probability between 0 and 1.", "score"
    )
    weight_column: str | None = _column(
        "Weight column",
        "Optional weight of each row (e.g. sampling weights); null for none.",
        None,
    )
    group_column: str | None = _column(
        "Group column", "Optional group of each row; metrics are also shown per group.", None
    )
    measured_auc: float | None = _measured_auc()

    def check(self) -> list[tuple[str, str]]:
        problems = [("path", "must name the score file")] if not self.path.strip() else []
        return problems + _column_problems(
            {
                "label_column": self.label_column,
                "score_column": self.score_column,
                "weight_column": self.weight_column,
                "group_column": self.group_column,
            }
        )


MODEL_SOURCES: dict[str, type] = {
    cls.SOURCE: cls for cls in (SyntheticModel, SklearnModel, ScoreFileModel)
}
# The preset's model section: a union told apart by its first field, ``source``.
ModelSource = SyntheticModel | SklearnModel | ScoreFileModel


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
            "a blocking interstitial (1). Raises the response and the attention cost.",
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
        default=_modes.silent(),
        metadata=meta(
            "Over the cap",
            "The quieter mode that events over the cap fall back to.",
            enum=MODES,
        ),
    )


def _per_mode(name: str, tp: type, make: Any) -> type:
    """A frozen dataclass with one field per active mode, in the table's order; ``make(mode)``
    gives a field (its default and metadata) from the mode's row."""
    cls = make_dataclass(
        name, [(key, tp, make(_modes.get(key))) for key in ACTIVE_MODES], frozen=True
    )
    cls.__module__ = __name__
    return cls


if TYPE_CHECKING:
    ModeDesigns = _PerMode[ModeDesign]
else:
    ModeDesigns = _per_mode(
        "ModeDesigns",
        ModeDesign,
        lambda m: field(default=ModeDesign(forcefulness=m.forcefulness), metadata=meta(m.name)),
    )


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
            "as right as 'measured at precision' (1: one they fully trust); for automation, "
            "the chance the action is not undone.",
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
    measured_at_precision: float = field(
        default=1.0,
        metadata=meta(
            "Measured at precision",
            "Share of the warnings that were right where the rates above were measured (from "
            "their source). Users who match an alarm's track record heed this mode relative "
            "to it: at this precision the rates hold, below it heeding falls. 1: rates for a "
            "warning that is always right.",
            exclusive_minimum=0.0,
            maximum=1.0,
            widget="slider",
        ),
    )


def _response(pos: float, neg: float) -> ModeResponse:
    return ModeResponse(Range(pos, pos), Range(neg, neg))


if TYPE_CHECKING:
    ModeResponses = _PerMode[ModeResponse]
else:
    ModeResponses = _per_mode(
        "ModeResponses",
        ModeResponse,
        lambda m: field(
            default=_response(m.act_if_positive, m.act_if_negative), metadata=meta(m.name)
        ),
    )


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
    # Since schema version 2: a wrong automatic block and a false warning the user chose to
    # heed are the same outcome, not the same cost.
    modes: tuple[str, ...] = field(
        default=(),
        metadata=meta(
            "Modes",
            "The modes this amount applies to, e.g. automate; empty for every mode. An event "
            "is valued in the mode that handled it (the feature off is mode none).",
            empty="every mode",
        ),
    )

    def check(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        for i, mode in enumerate(self.modes):
            if not isinstance(mode, str) or mode not in MODES:
                close = difflib.get_close_matches(str(mode), MODES, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(
                    (f"modes[{i}]", f"must be one of {', '.join(MODES)}, got {mode!r}{hint}")
                )
            elif mode in self.modes[:i]:
                problems.append((f"modes[{i}]", f"{mode!r} is given twice"))
        return problems

    def applies_to(self, mode: str) -> bool:
        return not self.modes or mode in self.modes


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


if TYPE_CHECKING:
    Attentions = _PerMode[Attention]
else:
    Attentions = _per_mode(
        "Attentions", Attention, lambda m: field(default=Attention(), metadata=meta(m.name))
    )


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


# --- over time: the simulation (every dynamic is off by default) -------------------------
# Read only by the simulation (core/simulation/); the static engine ignores these sections,
# so a preset without them evaluates exactly as before. See docs/MODEL.md, "Over time: the
# simulation".


@dataclass(frozen=True)
class HabituationOverTime:
    enabled: bool = field(
        default=False,
        metadata=meta(
            "Carry-over between days",
            "On: habituation from earlier days lowers the response until it wears off. Off: "
            "users recover fully overnight, as in the static engine.",
        ),
    )
    recovery_per_day: float = field(
        default=0.5,
        metadata=probability(
            "Recovery per day",
            "Share of the habituation carried over that wears off each night; 1 is full recovery.",
        ),
    )
    polymorphic: float = field(
        default=0.0,
        metadata=probability(
            "Polymorphic design",
            "Share of each exposure's lasting habituation that a varied (polymorphic) design "
            "avoids; 0 for a warning that always looks the same.",
        ),
    )


@dataclass(frozen=True)
class TrustOverTime:
    enabled: bool = field(
        default=False,
        metadata=meta(
            "Learn from experience",
            "On: each user matches the precision of the alarms they have seen, starting from "
            "an expectation; automation is relied on the same way. Off: users match each "
            "mode's true precision from the first day, as in the static engine.",
        ),
    )
    initial_precision: float = field(
        default=0.9,
        metadata=probability(
            "Expected precision at the start",
            "The share of alarms users expect to be right before they have seen any.",
        ),
    )
    prior_weight: float = field(
        default=5.0,
        metadata=meta(
            "Weight of that expectation",
            "How many alarms' worth of experience the starting expectation counts for.",
            minimum=0.0,
            maximum=1e4,
            unit="alarms",
        ),
    )
    memory_per_day: float = field(
        default=1.0,
        metadata=meta(
            "Memory per day",
            "Share of past experience still weighed the next day; 1 never forgets.",
            exclusive_minimum=0.0,
            maximum=1.0,
            widget="slider",
        ),
    )


@dataclass(frozen=True)
class AbandonmentOverTime:
    enabled: bool = field(
        default=False,
        metadata=meta(
            "Users abandon the feature",
            "On: users switch the feature off (or stop wearing the device) for good and get "
            "no value from it after that.",
        ),
    )
    per_false_alarm: float = field(
        default=0.01,
        metadata=probability(
            "Chance per false alarm",
            "Chance that one false alarm (on a negative event) of the modes that can drive "
            f"users away, {_modes.plural_list(_modes.where('abandons'))}, makes the user switch "
            "the feature off.",
        ),
    )
    per_day: float = field(
        default=0.0,
        metadata=probability(
            "Chance per day",
            "Chance each day that a user stops for reasons unrelated to alarms (the watch "
            "left in a drawer).",
        ),
    )


def _cooldown(title: str) -> Any:
    return field(
        default=0,
        metadata=meta(
            title,
            "After a day with an interaction of this mode, the mode stays quiet for this many "
            "days: its events fall back to its over-cap mode. 0 for no cooldown.",
            minimum=0,
            maximum=365,
            unit="days",
        ),
    )


if TYPE_CHECKING:
    Cooldowns = _PerMode[int]
else:
    Cooldowns = _per_mode("Cooldowns", int, lambda m: _cooldown(m.name))


@dataclass(frozen=True)
class Dynamics:
    habituation: HabituationOverTime = field(
        default=HabituationOverTime(), metadata=meta("Habituation over days")
    )
    trust: TrustOverTime = field(default=TrustOverTime(), metadata=meta("Trust from experience"))
    abandonment: AbandonmentOverTime = field(
        default=AbandonmentOverTime(), metadata=meta("Abandonment")
    )
    cooldown_days: Cooldowns = field(
        default=Cooldowns(), metadata=meta("Cooldown per mode", unit="days")
    )


@dataclass(frozen=True)
class Escalation:
    enabled: bool = field(
        default=False,
        metadata=meta(
            "Escalate to a human",
            "On: events scoring at or above the threshold go to a human operator, who decides "
            "instead of the design, up to the operators' capacity.",
        ),
    )
    min_score: float = field(
        default=0.9,
        metadata=meta(
            "From score",
            "Events scoring at or above this are escalated.",
            minimum=0.0,
            maximum=1.0,
            widget="log",
        ),
    )
    minutes_per_review: float = field(
        default=5.0,
        metadata=meta(
            "Minutes per review",
            "Operator time one escalation takes.",
            minimum=0.0,
            maximum=1e4,
            unit="min",
        ),
    )
    capacity_per_day: int | None = field(
        default=None,
        metadata=meta(
            "Capacity per day",
            "Reviews the operators can do a day, for the whole population; empty for no "
            "limit. Escalations over it go through the design as usual.",
            minimum=0,
            maximum=1_000_000_000,
            unit="per day",
        ),
    )
    act_if_positive: float = field(
        default=0.9,
        metadata=probability(
            "Human acts when positive", "Chance the operator takes the action on a positive."
        ),
    )
    act_if_negative: float = field(
        default=0.05,
        metadata=probability(
            "Human acts when negative", "Chance the operator takes the action on a negative."
        ),
    )


@dataclass(frozen=True)
class HarmLimit:
    enabled: bool = field(
        default=False,
        metadata=meta(
            "Bound the harm",
            "On: a rule outside the model (a time cap, a thermal fuse) caps what a positive "
            "event can cost, whatever the model does.",
        ),
    )
    max_loss_per_positive: float = field(
        default=100.0,
        metadata=meta(
            "Largest loss per positive event",
            "Money plus time at its value, all stakeholders together; the costs above it are "
            "cut in proportion.",
            minimum=0.0,
            maximum=1e12,
        ),
    )


@dataclass(frozen=True)
class Guardrails:
    max_automations_per_day: int | None = field(
        default=None,
        metadata=meta(
            "Most automated actions a day",
            "Per user; the rest fall back to the automate mode's over-cap mode. Empty for no "
            "limit.",
            minimum=0,
            maximum=10_000,
            unit="per user-day",
        ),
    )
    min_confidence_to_automate: float = field(
        default=0.0,
        metadata=meta(
            "Never automate below",
            "Events in an automate band scoring below this fall back to the automate mode's "
            "over-cap mode; 0 for no limit.",
            minimum=0.0,
            maximum=1.0,
            widget="log",
        ),
    )
    escalation: Escalation = field(default=Escalation(), metadata=meta("Escalation"))
    harm_limit: HarmLimit = field(default=HarmLimit(), metadata=meta("Harm limit"))


@dataclass(frozen=True)
class Telemetry:
    enabled: bool = field(
        default=False,
        metadata=meta(
            "Labels and retraining",
            "On: interactions yield labels, retraining turns them into model quality, and the "
            "model drifts between retrainings. Needs a synthetic model.",
        ),
    )
    label_share: float = field(
        default=0.1,
        metadata=probability(
            "Labelled share",
            "Share of interactions that yield a label: an explicit 'report an incorrect "
            "warning' or an implicit signal.",
        ),
    )
    wrong_if_positive: float = field(
        default=0.0,
        metadata=probability(
            "Wrong labels on positives",
            "Share of labels on positive events that say negative ('I'm fine' after a fall).",
        ),
    )
    wrong_if_negative: float = field(
        default=0.0,
        metadata=probability(
            "Wrong labels on negatives",
            "Share of labels on negative events that say positive.",
        ),
    )
    retrain_every_days: int | None = field(
        default=30,
        metadata=meta(
            "Retrain every",
            "Days between retrainings; empty for never.",
            minimum=1,
            maximum=3650,
            unit="days",
        ),
    )
    auc_max: float = field(
        default=0.99,
        metadata=meta(
            "Best reachable AUC",
            "The ROC AUC with unlimited correct labels (the learning curve's ceiling).",
            exclusive_minimum=0.5,
            exclusive_maximum=1.0,
            widget="slider",
        ),
    )
    learning_labels: float = field(
        default=10_000.0,
        metadata=meta(
            "Learning-curve scale",
            "n0 in AUC(n) = max - (max - start)(n0 / (n0 + n))^k: about the size of the data "
            "the first model was trained on, in correct labels.",
            exclusive_minimum=0.0,
            maximum=1e12,
            unit="labels",
        ),
    )
    learning_exponent: float = field(
        default=0.5,
        metadata=meta(
            "Learning-curve exponent",
            "k in the learning curve: how fast more labels close the gap.",
            exclusive_minimum=0.0,
            maximum=5.0,
        ),
    )
    drift_per_day: float = field(
        default=0.0,
        metadata=meta(
            "Drift per day",
            "ROC AUC lost each day since the last retraining, as the world moves on.",
            minimum=0.0,
            maximum=0.05,
        ),
    )

    def check(self) -> list[tuple[str, str]]:
        if self.wrong_if_positive + self.wrong_if_negative >= 1.0:
            return [
                (
                    "wrong_if_negative",
                    "wrong_if_positive + wrong_if_negative must be below 1 (labels wrong that "
                    f"often carry no information), got {self.wrong_if_positive:g} + "
                    f"{self.wrong_if_negative:g}",
                )
            ]
        return []


@dataclass(frozen=True)
class Region:
    name: str = field(metadata=meta("Name"))
    incident_rate: float = field(
        metadata=probability(
            "Incident rate",
            "Chance a patrol in this region discovers an incident (the true rate).",
        )
    )
    initial_discoveries: int = field(
        metadata=meta(
            "Discoveries on record",
            "Incidents in the historical data at the start.",
            minimum=0,
            maximum=1_000_000_000,
        )
    )


@dataclass(frozen=True)
class Feedback:
    enabled: bool = field(
        default=False,
        metadata=meta(
            "Simulate the feedback loop",
            "On: patrols go to a region with probability proportional to its discoveries on "
            "record, and incidents are discovered only where patrols go (Ensign et al. 2018).",
        ),
    )
    regions: tuple[Region, ...] = field(default=(), metadata=meta("Regions"))
    patrols_per_day: int = field(
        default=10, metadata=meta("Patrols per day", minimum=1, maximum=1_000_000)
    )
    correction: bool = field(
        default=False,
        metadata=meta(
            "Correct for the loop",
            "Ensign et al.'s fix: record a discovery in region i only with probability "
            "min_j p_j / p_i, p the chance of patrolling each region.",
        ),
    )

    def check(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if self.enabled and len(self.regions) < 2:
            problems.append(("regions", "needs at least two regions"))
        if self.enabled and self.regions and not sum(r.initial_discoveries for r in self.regions):
            problems.append(
                ("regions", "needs discoveries on record in at least one region to start from")
            )
        names = [r.name for r in self.regions]
        for i, name in enumerate(names):
            if name in names[:i]:
                problems.append((f"regions[{i}].name", f"{name!r} is given twice"))
        return problems


@dataclass(frozen=True)
class Scene:
    """One step of a lecture: what the lecturer says and the fields it sets. Steps are
    cumulative: step k is the preset with steps 1 to k applied (see core/preset/scenes.py)."""

    title: str = field(metadata=meta("Title", "A few words, shown as the step's name."))
    narration: str = field(
        default="",
        metadata=meta("Narration", "What the lecturer says at this step.", widget="text"),
    )
    set: MappingProxyType = field(
        default_factory=lambda: MappingProxyType({}),
        metadata=meta(
            "Sets",
            "Dotted field paths (as in evaluate --set) and the values this step gives them.",
            widget="assignments",
        ),
    )

    def check(self) -> list[tuple[str, str]]:
        return [] if self.title.strip() else [("title", "must name the step")]


# --- the preset ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    scenario: Scenario = field(metadata=meta("Scenario"))
    model: ModelSource = field(metadata=meta("Model"))
    experience: Experience = field(metadata=meta("Experience"))
    response: Response = field(default=Response(), metadata=meta("User response"))
    payoffs: Payoffs = field(default=Payoffs(), metadata=meta("Payoffs"))
    dynamics: Dynamics = field(
        default=Dynamics(),
        metadata=meta(
            "Over time: users",
            "Habituation across days, trust learned from experience, abandonment, cooldowns. "
            "Used by the simulation only.",
        ),
    )
    guardrails: Guardrails = field(
        default=Guardrails(),
        metadata=meta(
            "Guardrails",
            "Rules outside the model: caps, a confidence floor for automation, escalation to "
            "a human, a hard limit on harm. Used by the simulation; the static engine "
            "applies the harm limit too.",
        ),
    )
    telemetry: Telemetry = field(
        default=Telemetry(),
        metadata=meta(
            "Telemetry and retraining",
            "Labels from interactions, a learning curve, drift. Used by the simulation only.",
        ),
    )
    feedback: Feedback = field(
        default=Feedback(),
        metadata=meta(
            "Feedback loop",
            "Predictions that feed the data they learn from (predictive policing). Used by "
            "the simulation only.",
        ),
    )
    notes: str = field(default="", metadata=meta("Notes", widget="text"))
    scenes: tuple[Scene, ...] = field(
        default=(),
        metadata=meta(
            "Scenes",
            "Steps of a lecture, each setting some fields; cumulative, from the preset as "
            "written (step 0).",
            empty="no scenes",
        ),
    )
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
    # Optional: read by the sensitivity analysis only, so evaluate's numbers never change.
    uncertainty: MappingProxyType = field(
        default_factory=lambda: MappingProxyType({}),
        metadata=meta(
            "Uncertainty",
            "A distribution per numeric field, keyed by its dotted path: {low, high} "
            "(uniform), {triangular: [low, mode, high]} or {beta: [a, b]} (optionally with "
            "low and high). Used by the sensitivity analysis.",
            widget="distributions",
        ),
    )

    def check(self) -> list[tuple[str, str]]:
        if not self.uncertainty:
            return []
        from .uncertainty import uncertainty_problems  # only presets that declare one

        return uncertainty_problems(self)

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
