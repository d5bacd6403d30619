"""Every number in a bundled preset's notes is checked, so that the lecturer's script cannot
drift from what the app shows.

``QUOTES`` is the table: the preset, the words as they stand in the notes with ``{}`` where
the figure goes, how the engine computes that figure (formatted as the app formats it), and
the change a "what to try" makes, applied to a copy of the preset. Every other number in the
notes must be an input: a value of the preset itself or a number its ``sources`` or
``assumptions`` give, or the value a what-if sets.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import pytest
import yaml

from prototyper.assets import bundled_presets, preset_path
from prototyper.core import format as fmt
from prototyper.core.evaluation.engine import Evaluation, evaluate
from prototyper.core.evaluation.report import compliance
from prototyper.core.evaluation.value import MODE, STAKEHOLDER
from prototyper.core.model.model_sources import score_model
from prototyper.core.preset.preset_io import load_preset, with_values
from prototyper.core.preset.structure import get_path, leaf_paths
from prototyper.core.simulation.simulate import simulate

SIMULATE = "simulate"  # a settings key: the figure comes from a simulation, seed 1


@dataclasses.dataclass(frozen=True)
class Quote:
    preset: str
    text: str  # as in the notes, "{}" where the figure goes
    figure: Callable[[Any], str]  # from the Evaluation (or the Simulation) to the text
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)


# --- figures, formatted as the app shows them -------------------------------------------------


def signed(x: float) -> str:
    return ("+" if x > 0 else "") + fmt.money_short(x)


def added_day(e: Evaluation) -> str:
    return signed(e.added_per_population_day)


def added_year(e: Evaluation) -> str:
    """Value added per user-year."""
    return signed(e.added_per_event * e.events_per_day * 365)


def added_for(stakeholder: str, per: str = "day") -> Callable[[Evaluation], str]:
    """One stakeholder's value added, per day (all users), per event or per user-year."""

    def figure(e: Evaluation) -> str:
        x = e.added_by_stakeholder()[STAKEHOLDER[stakeholder]]
        scale = {
            "event": 1.0,
            "day": e.events_per_day * e.population,
            "year": e.events_per_day * 365,
        }[per]
        return signed(x * scale)

    return figure


def added_event(e: Evaluation) -> str:
    return signed(e.added_per_event)


def harms(e: Evaluation) -> str:
    return f"{e.harms_avoided_per_user_year():.2g}"


def interruptions(e: Evaluation) -> str:
    return fmt.rate_phrase(e.interruptions_per_user_day(), "interruption")


def false_alarms_day(e: Evaluation) -> str:
    return f"{e.false_alarms_per_user_day():.2g}"


def false_alarms_year(e: Evaluation) -> str:
    return f"{e.false_alarms_per_user_day() * 365:.2g}"


def mode_figure(name: str, mode: str) -> Callable[[Evaluation], str]:
    """A mode's leading indicator as the goals show it: precision, trust, acted."""

    def figure(e: Evaluation) -> str:
        m = MODE[mode]
        value = {
            "precision": e.masses.precision[m],
            "trust": e.masses.trust[m],
            "acted": compliance(e)[m],
            "habituation": e.masses.habituation[m],
        }[name]
        return fmt.percent(value) if name != "habituation" else f"{value:.2f}"

    return figure


def recall(band: int) -> Callable[[Evaluation], str]:
    return lambda e: fmt.percent(e.tpr[band])


def precision_at(band: int) -> Callable[[Evaluation], str]:
    def figure(e: Evaluation) -> str:
        pi = e.preset.scenario.base_rate
        tp, fp = pi * e.tpr[band], (1 - pi) * e.fpr[band]
        return fmt.percent(tp / (tp + fp))

    return figure


def fpr_at(band: int) -> Callable[[Evaluation], str]:
    return lambda e: f"{e.fpr[band]:.2g}"


def auc(e: Evaluation) -> str:
    return fmt.auc_text(e.auc)


def sim_added(sim: Any) -> str:
    return fmt.money_short(float(sim.summary["value_added"].mean))


def sim_active(sim: Any) -> str:
    return fmt.percent(float(sim.summary["active_users"].mean))


def static_year(e: Evaluation) -> str:
    return fmt.money_short(e.added_per_population_day * e.preset.scenario.horizon_days)


def response_at(mode: str) -> Callable[[Evaluation], str]:
    """The chance a fully trusted, fresh warning is acted on, at the design's forcefulness."""

    def figure(e: Evaluation) -> str:
        f = getattr(e.preset.experience.modes, mode).forcefulness
        return fmt.percent(getattr(e.preset.response.modes, mode).act_if_positive.at(f))

    return figure


SB = "safe_browsing"
SBM = "safe_browsing_model"
FD = "fall_detection"
FDM = "fall_detection_model"
AR = "audit_risk"
LC = "legal_chatbot"
ST = "smart_toaster"
PP = "predictive_policing"

NO_BLOCK = {
    "experience.bands": [{"threshold": 0.05, "mode": "prompt"}, {"threshold": 0.0, "mode": "none"}]
}

KANGAS = {"experience.bands[0].threshold": 0.000153}  # 80% caught, 0.049 false alarms an hour
FD_AUTOMATE = {"experience.bands[0].mode": "automate"}
FORCE_0 = {"experience.modes.prompt.forcefulness": 0.0}
FORCE_1 = {"experience.modes.prompt.forcefulness": 1.0}
FD_TWO_BANDS = {
    "experience.bands": [
        {"threshold": 0.1, "mode": "automate"},
        {"threshold": 0.005, "mode": "prompt"},
        {"threshold": 0.0, "mode": "none"},
    ]
}

QUOTES: list[Quote] = [
    # safe browsing
    Quote(SB, "ROC AUC {}", auc),
    Quote(SB, "adds {} a day against the feature off", added_day),
    Quote(SB, "({} per user-year)", added_year),
    Quote(SB, "{} malicious visits avoided per user-year", harms),
    Quote(SB, "{}: a block or a warning", interruptions),
    Quote(SB, "precision at 0.05 is {}", precision_at(1)),
    Quote(SB, "in the warning band {}", mode_figure("precision", "prompt")),
    Quote(SB, "trust in the warning is {}", mode_figure("trust", "prompt")),
    Quote(SB, "so {} of warned users act", mode_figure("acted", "prompt")),
    Quote(SB, "a fully trusted one would be heeded {} of the time", response_at("prompt")),
    Quote(SB, "At 0.005: {} a day", added_day, {"experience.bands[1].threshold": 0.005}),
    Quote(
        SB, "trust {},", mode_figure("trust", "prompt"), {"experience.bands[1].threshold": 0.005}
    ),
    Quote(SB, "and {} harms avoided", harms, {"experience.bands[1].threshold": 0.005}),
    Quote(SB, "At 0.00001: {} a day", added_day, {"experience.bands[1].threshold": 0.00001}),
    Quote(
        SB,
        "habituation {} for the",
        mode_figure("habituation", "prompt"),
        {"experience.bands[1].threshold": 0.00001},
    ),
    Quote(SB, "UP to 0.3: {} a day", added_day, {"experience.bands[1].threshold": 0.3}),
    Quote(SB, "and {} harms avoided,", harms, {"experience.bands[1].threshold": 0.3}),
    Quote(
        SB,
        "trusted more ({})",
        mode_figure("trust", "prompt"),
        {"experience.bands[1].threshold": 0.3},
    ),
    Quote(SB, "(annotate): {} a day", added_day, {"experience.bands[1].mode": "annotate"}),
    Quote(SB, "Delete the block band: {} a day", added_day, NO_BLOCK),
    Quote(SB, "block from 0.3: {} a day", added_day, {"experience.bands[0].threshold": 0.3}),
    Quote(SB, "beats a warning that {} act on", mode_figure("acted", "prompt")),
    Quote(
        SB,
        "its blocks are right {} of the time",
        mode_figure("precision", "automate"),
        {"experience.bands[0].threshold": 0.3},
    ),
    # fall detection
    Quote(FD, "The design adds {} a day against the feature off", added_day),
    Quote(FD, "({} per wearer-year):", added_year),
    Quote(FD, "wearers {},", added_for("user")),
    Quote(FD, "responders {},", added_for("operator")),
    Quote(FD, "and the service {} a day", added_for("business")),
    Quote(FD, "It catches {} of falls", recall(0)),
    Quote(FD, "raises {} false alarms a wearer-day", false_alarms_day),
    Quote(FD, "({} a year);", false_alarms_year),
    Quote(FD, "{} of alarms are real falls", mode_figure("precision", "prompt")),
    Quote(FD, "{} more falls answered per wearer-year", harms),
    Quote(FD, "{} of alarms go through", mode_figure("acted", "prompt")),
    Quote(FD, "operating point, 0.000153: {} false alarms a wearer-day", false_alarms_day, KANGAS),
    Quote(FD, "({} of falls caught)", recall(0), KANGAS),
    Quote(FD, "Value added: {} a day", added_day, KANGAS),
    Quote(FD, "(habituation factor {})", mode_figure("habituation", "prompt"), KANGAS),
    Quote(FD, "At 0.002: {} a day;", added_day, {"experience.bands[0].threshold": 0.002}),
    Quote(FD, "at 0.01: {} a day", added_day, {"experience.bands[0].threshold": 0.01}),
    Quote(FD, "every false alarm sends an ambulance: {} a day", added_day, FD_AUTOMATE),
    Quote(FD, "Forcefulness 0 (a 60 s countdown, easy to cancel): {} a day;", added_day, FORCE_0),
    Quote(FD, "1 (a 10 s countdown): {} a day", added_day, FORCE_1),
    Quote(FD, "above the prompt: {} a day", added_day, FD_TWO_BANDS),
    Quote(FD, "Bliss's 0.9: {} a day", added_day, {"response.trust_matching": 0.9}),
    Quote(FD, "false-alarm rate: {} a day", added_day, {"model.auc": 0.9023}),
    Quote(FD, "only about {} still wear it", sim_active, {SIMULATE: True}),
    Quote(FD, "the year adds about {} (seed 1)", sim_added, {SIMULATE: True}),
    Quote(FD, "instead of the static 365 days x {}", added_day),
    Quote(FD, "= {}:", static_year),
]


# --- the checks -----------------------------------------------------------------------------

NAMES = sorted(p.stem for p in bundled_presets())


@cache
def _preset(name: str):
    return load_preset(preset_path(name))


def _frozen(settings: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(settings), sort_keys=True)


@cache
def _result(name: str, frozen: str) -> Any:
    settings = yaml.safe_load(frozen)
    run_simulation = settings.pop(SIMULATE, False)
    preset = with_values(_preset(name), settings) if settings else _preset(name)
    scores = score_model(preset.model, preset.scenario.base_rate, preset_path(name).parent)
    if run_simulation:
        return simulate(preset, seed=1, scores=scores)
    return evaluate(preset, scores)


def rendered(quote: Quote) -> str:
    return quote.text.format(quote.figure(_result(quote.preset, _frozen(quote.settings))))


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    "quote", QUOTES, ids=[f"{q.preset}:{q.text}:{sorted(q.settings)}" for q in QUOTES]
)
def test_the_notes_quote_the_engine(quote):
    assert quote.text.count("{}") == 1
    assert rendered(quote) in _flat(_preset(quote.preset).notes)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers(text: str) -> set[str]:
    return {m.group().rstrip(".,") for m in _NUMBER.finditer(text)}


def _inputs(name: str) -> set[str]:
    """The numbers a preset's notes may quote without a computation."""
    preset = _preset(name)
    words = " ".join([*preset.sources.values(), *preset.assumptions.values()])
    found = _numbers(words)
    values = [get_path(preset, leaf) for leaf in leaf_paths(preset)]
    values += [v for q in QUOTES if q.preset == name for v in q.settings.values()]
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool):
            found |= _numbers(f"{value:g} {fmt.format_number(value)} {value * 100:g}")
            found |= _numbers(fmt.format_probability(value) if 0 <= value <= 1 else "")
    return found


@pytest.mark.parametrize("name", NAMES)
def test_every_number_in_the_notes_is_checked_or_an_input(name):
    notes = _flat(_preset(name).notes)
    for quote in QUOTES:
        if quote.preset == name:
            notes = notes.replace(rendered(quote), " ")
    unchecked = sorted(_numbers(notes) - _inputs(name))
    assert unchecked == [], f"{name}: numbers neither computed nor inputs: {unchecked}"


MONEY = (added_day, added_year, added_event, sim_added, static_year)


@pytest.mark.parametrize("name", NAMES)
def test_the_notes_lead_with_value_added(name):
    # The first amount of money the notes give is the design's value added per day against
    # the feature off, not the net total.
    notes = _flat(_preset(name).notes)
    lead = [q for q in QUOTES if q.preset == name and q.figure is added_day and not q.settings]
    assert lead, f"{name}: the notes do not quote the value added per day"
    first = min(notes.index(rendered(q)) for q in lead)
    for quote in QUOTES:
        if quote.preset == name and quote not in lead:
            money = quote.figure in MONEY or quote.figure.__qualname__.startswith("added_for")
            if money:
                assert notes.index(rendered(quote)) > first, rendered(quote)
    assert "net" not in notes[:first].lower().split(), "the net total comes before value added"


def test_the_table_covers_every_preset():
    assert {q.preset for q in QUOTES} == set(NAMES)
