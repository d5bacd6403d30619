"""Every number in a bundled preset's notes is checked, so that the lecturer's script cannot
drift from what the app shows.

``QUOTES`` is the table: the preset, the words as they stand in the notes with ``{}`` where
the figure goes, how the engine computes that figure (formatted as the app formats it), and
the change a "what to try" makes, applied to a copy of the preset. Every other number in the
notes must be an input: a value of the preset itself or a number its ``sources`` or
``assumptions`` give, or the value a what-if sets.

``SCENE_QUOTES`` does the same for the scenes' narrations (the steps a lecture goes
through): each figure is computed at its scene's step, the preset with the scenes up to it
applied, so a narration says what the window shows when the lecturer gets there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import numpy as np
import pytest
import yaml

from prototyper.assets import bundled_presets, preset_path
from prototyper.core import format as fmt
from prototyper.core.evaluation import value
from prototyper.core.evaluation.engine import Evaluation, evaluate
from prototyper.core.evaluation.report import acts_when_shown
from prototyper.core.evaluation.value import MODE, STAKEHOLDER
from prototyper.core.model.model_sources import score_model
from prototyper.core.preset.preset_io import load_preset, with_values
from prototyper.core.preset.scenes import scene_states
from prototyper.core.preset.structure import get_path, leaf_paths
from prototyper.core.simulation.feedback import allocation_value
from prototyper.core.simulation.simulate import simulate

SIMULATE = "simulate"  # a settings key: the figure comes from a simulation, seed 1


@dataclasses.dataclass(frozen=True)
class Quote:
    preset: str
    text: str  # as in the notes, "{}" where the figure goes
    figure: Callable[[Any], str]  # from the Evaluation (or the Simulation) to the text
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    # 0: the words are in the notes; k: in scene k's narration, the figure taken at step k
    # (the preset with scenes 1 to k applied) unless ``at`` names another step
    scene: int = 0
    at: int | None = None

    @property
    def step(self) -> int:
        return self.scene if self.at is None else self.at


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
            "acted": acts_when_shown(e)[m],
            "habituation": e.masses.habituation[m],
        }[name]
        return fmt.percent(value) if name != "habituation" else f"{value:.2f}"

    return figure


def share_above(e: Evaluation, band: int) -> float:
    """Share of all events scoring at or above a band's threshold."""
    pi = e.preset.scenario.base_rate
    return float(pi * e.tpr[band] + (1 - pi) * e.fpr[band])


def _user_values(e: Evaluation, mode: str) -> dict[str, float]:
    table = value.outcome_values(e.preset)[:, MODE[mode], STAKEHOLDER["user"]]
    return {o: float(table[value.OUTCOME[o]]) for o in value.OUTCOMES}


def saved_if_positive(mode: str) -> Callable[[Evaluation], str]:
    """What acting on a positive saves the user, before the price paid for acting."""

    def figure(e: Evaluation) -> str:
        v = _user_values(e, mode)
        price = v["negative_ignored"] - v["negative_acted"]
        return fmt.money_short(v["positive_acted"] - v["positive_missed"] + price)

    return figure


def break_even(mode: str) -> Callable[[Evaluation], str]:
    """The chance of a positive above which acting pays for the user."""

    def figure(e: Evaluation) -> str:
        v = _user_values(e, mode)
        gain = v["positive_acted"] - v["positive_missed"]
        loss = v["negative_ignored"] - v["negative_acted"]
        return fmt.percent(loss / (gain + loss))

    return figure


def acted_share(e: Evaluation) -> float:
    """Share of events acted on, in every mode."""
    m = e.masses
    return float((m.positive * m.act_positive + m.negative * m.act_negative).sum())


def acted_on_negatives(e: Evaluation) -> str:
    """Of the events acted on, the share that were negative."""
    m = e.masses
    return fmt.percent(float((m.negative * m.act_negative).sum()) / acted_share(e))


def missed(e: Evaluation) -> float:
    """Share of events that are positive and not acted on."""
    m = e.masses
    return float((m.positive * (1 - m.act_positive)).sum())


def missed_share(e: Evaluation) -> str:
    return fmt.percent(missed(e) / e.preset.scenario.base_rate)


def fire_line(e: Evaluation) -> float:
    """The toaster's expected fire damage per burnt toast (payoffs.positive_missed[2])."""
    line = e.preset.payoffs.positive_missed[2]
    assert line.label == "expected kitchen-fire damage"
    return -line.amount


FIRE_COST = 20_000.0  # a kitchen fire, as its assumption says: $0.20 = 1 in 100,000 x $20,000


def fires_per_year(e: Evaluation) -> str:
    events = e.population * e.events_per_day * 365
    return f"{missed(e) * events * fire_line(e) / FIRE_COST:.2g}"


def fire_cost_day(e: Evaluation) -> str:
    return fmt.money_short(missed(e) * e.population * e.events_per_day * fire_line(e))


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


def patrols_to_a(sim: Any) -> str:
    """Region A's share of the patrols on the last day, mean over replications."""
    return fmt.percent(float(sim.feedback.patrol_share[-1, :, 0].mean()))


def about(x: float) -> str:
    """Money to two significant digits, for "about" figures: "$60k", "$160"."""
    return fmt.money_short(float(f"{x:.2g}"))


def _split_value(sim: Any) -> np.ndarray:
    """Value the patrols' split adds per day against a fair split, as [day, replication]."""
    share = sim.feedback.patrol_share
    auc = np.full(share.shape[:2], sim.preset.model.auc)  # no retraining in this preset
    return allocation_value(sim.preset, share, auc).sum(-1)


def split_loss_year(sim: Any) -> str:
    return about(-float(_split_value(sim).sum(0).mean()))


def split_loss_last_day(sim: Any) -> str:
    return about(-float(_split_value(sim)[-1].mean()))


def truth_a(sim: Any) -> str:
    return fmt.percent(float(sim.feedback.truth_share[0]))


def static_year(e: Evaluation) -> str:
    return fmt.money_short(e.added_per_population_day * e.preset.scenario.horizon_days)


def response_at(mode: str) -> Callable[[Evaluation], str]:
    """The chance a fresh warning is acted on at the design's forcefulness, at the precision
    its response rates were measured at."""

    def figure(e: Evaluation) -> str:
        f = getattr(e.preset.experience.modes, mode).forcefulness
        return fmt.percent(getattr(e.preset.response.modes, mode).act_if_positive.at(f))

    return figure


@cache
def _loaded(name: str) -> Any:
    preset = _preset(name)
    return score_model(preset.model, preset.scenario.base_rate, preset_path(name).parent)


def raw_score(name: str, band: int) -> Callable[[Evaluation], str]:
    """The real model's own score that a band's calibrated threshold stands for."""

    def figure(e: Evaluation) -> str:
        threshold = e.preset.experience.bands[band].threshold
        return f"{float(_loaded(name).raw_at(np.array([threshold]))[0]):.3g}"

    return figure


def nothing_selected(word: str, band: int = 0) -> Callable[[Evaluation], str]:
    """``word`` ("nothing", "no URL") when no event scores at or above a band's threshold."""
    return lambda e: word if e.tpr[band] == 0 and e.fpr[band] == 0 else "some events"


def costs_most(stakeholder: str) -> Callable[[Evaluation], str]:
    """Empty when a stakeholder's loss is most of the value added's loss, else a marker
    that the notes' claim no longer holds."""

    def figure(e: Evaluation) -> str:
        added = e.added_by_stakeholder()
        losses = added[added < 0]
        ok = added[STAKEHOLDER[stakeholder]] < 0 and -added[STAKEHOLDER[stakeholder]] > (
            -losses.sum() / 2
        )
        return "" if ok else " (NOT the largest loss)"

    return figure


SB = "safe_browsing"
SBM = "safe_browsing_model"
FD = "fall_detection"
FDM = "fall_detection_model"
AR = "audit_risk"
LC = "legal_chatbot"
ST = "smart_toaster"
PP = "predictive_policing"

SBM_AS_SB = {
    "model": {"source": "synthetic", "auc": 0.99979},
    "experience.bands": [
        {"threshold": 0.95, "mode": "automate"},
        {"threshold": 0.05, "mode": "prompt"},
        {"threshold": 0.0, "mode": "none"},
    ],
}
SBM_09 = {"experience.bands[0].threshold": 0.9}

ST_OFF = {"experience.bands": [{"threshold": 0.0, "mode": "none"}]}

FDM_50 = {"experience.bands[0].threshold": 0.5}

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
    Quote(SB, "measured (0.9) would be heeded {} of the time", response_at("prompt")),
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
    Quote(FD, "only about {} still wear it", sim_active, {SIMULATE: True}),
    Quote(FD, "the year adds about {} (seed 1)", sim_added, {SIMULATE: True}),
    Quote(FD, "instead of the static 365 days x {}", added_day),
    Quote(FD, "= {}:", static_year),
    # fall detection with the bundled model
    Quote(FDM, "the model's raw score {}),", raw_score(FDM, 0)),
    Quote(FDM, "ROC AUC {} on the evaluation set", auc),
    Quote(FDM, "The design adds {} a day against the feature off", added_day),
    Quote(FDM, "wearers {},", added_for("user")),
    Quote(FDM, "the service {} a day", added_for("business")),
    Quote(FDM, "It catches only {} of falls", recall(0)),
    Quote(FDM, "at {} false alarms an hour", fpr_at(0)),
    Quote(FDM, "({} a wearer-day)", false_alarms_day),
    Quote(FDM, "{} more falls answered per wearer-year", harms),
    Quote(FDM, "In the scenario {} of prompts are real falls", mode_figure("precision", "prompt")),
    Quote(FDM, "threshold of 0.5 selects {}.", nothing_selected("nothing"), FDM_50),
    # safe browsing with the bundled model
    Quote(SBM, "(the model's raw score {});", raw_score(SBM, 0)),
    Quote(SBM, "from 0.02 (raw {});", raw_score(SBM, 1)),
    Quote(SBM, "The design adds {} a day against the feature off", added_day),
    Quote(
        SBM, "(the synthetic Whittaker-class model of safe_browsing adds {})", added_day, SBM_AS_SB
    ),
    Quote(SBM, "{} malicious visits avoided per user-year", harms),
    Quote(SBM, "{}: a block or a warning", interruptions),
    Quote(SBM, "ROC AUC {} looks excellent", auc),
    Quote(SBM, "the warning band is right {} of the time", mode_figure("precision", "prompt")),
    Quote(SBM, "(trust {})", mode_figure("trust", "prompt")),
    Quote(SBM, "a calibrated 0.9 is a score {} reaches", nothing_selected("no URL"), SBM_09),
    Quote(SBM, "The block band catches {} of phishing", recall(0)),
    # audit-risk meter
    Quote(AR, "The design adds {} a day against the feature off", added_day),
    Quote(AR, "customer-year the user {}", added_for("user", "year")),
    Quote(AR, "and the business {} per customer-year", added_for("business", "year")),
    Quote(AR, "{} a day from 10 M customers to the business", added_for("business")),
    Quote(
        AR, "Even the HIGH band is audited only {} of the time", mode_figure("precision", "prompt")
    ),
    Quote(AR, "(the top {} of returns)", lambda e: fmt.percent(share_above(e, 0))),
    Quote(AR, "(the next {})", lambda e: fmt.percent(share_above(e, 1) - share_above(e, 0))),
    Quote(AR, "pays only above a {} audit chance", break_even("prompt")),
    Quote(AR, "($49 against {} saved if audited)", saved_if_positive("prompt")),
    # legal chatbot
    Quote(LC, "The design adds {} a day against no hand-offs", added_day),
    Quote(LC, "({} per conversation)", added_event),
    Quote(LC, "business {},", added_for("business", "event")),
    Quote(LC, "user {},", added_for("user", "event")),
    Quote(LC, "lawyer {} per conversation", added_for("operator", "event")),
    Quote(LC, "{} of conversations end with a lawyer", lambda e: fmt.percent(acted_share(e))),
    Quote(LC, "{} of them did not need one", acted_on_negatives),
    # smart toaster
    Quote(ST, "The design adds {} a day against the feature off", added_day),
    Quote(ST, "({} per toaster-year)", added_year),
    Quote(ST, "{} burns avoided per toaster-year", harms),
    Quote(
        ST,
        "{} (stops on toast",
        lambda e: fmt.rate_phrase(e.false_alarms_per_user_day(), "wrong stop"),
    ),
    Quote(ST, "it still lets {} of burns through", missed_share),
    Quote(ST, "about {} kitchen fires a year", fires_per_year),
    Quote(ST, "({} without the feature;", fires_per_year, ST_OFF),
    Quote(ST, "the fire cost the model leaves behind, {} a day", fire_cost_day),
    # predictive policing
    Quote(PP, "The rule adds {} a day over no forecast", added_day),
    Quote(PP, "dispatched to {} of the beats a day", lambda e: fmt.percent(share_above(e, 0))),
    Quote(PP, "{} of dispatches find something", mode_figure("precision", "automate")),
    Quote(
        PP, "stays near the biased start a year later ({}, seed 1;", patrols_to_a, {SIMULATE: True}
    ),
    Quote(PP, "value added is about {} lower than", split_loss_year, {SIMULATE: True}),
    Quote(PP, "(about {} a day by the end,", split_loss_last_day, {SIMULATE: True}),
    Quote(PP, "against the static engine's {} a day)", added_day),
]


def at_scene(k: int, *quotes: tuple, **options: Any) -> list[Quote]:
    """Quotes from scene k's narration: (preset, text, figure[, settings])."""
    return [Quote(q[0], q[1], q[2], q[3] if len(q) > 3 else {}, scene=k, **options) for q in quotes]


SIM = {SIMULATE: True}


def rarely_shown(e: Evaluation) -> str:
    """Empty when fewer than 1 event in 1,000 reaches the top band, else a marker that the
    narration's "almost never" no longer holds."""
    return "" if share_above(e, 0) < 1e-3 else " (NOT rarely)"


# The "what to try" steps: each scene's figures at that scene's step.
SCENE_QUOTES: list[Quote] = [
    # safe browsing
    *at_scene(
        1,
        (SB, "DOWN to 0.005: {} a day", added_day),
        (SB, "trust {},", mode_figure("trust", "prompt")),
        (SB, "and {} harms avoided", harms),
    ),
    *at_scene(
        2,
        (SB, "At 0.00001: {} a day", added_day),
        (SB, "habituation {} for the", mode_figure("habituation", "prompt")),
    ),
    *at_scene(
        3,
        (SB, "UP to 0.3: {} a day", added_day),
        (SB, "and {} harms avoided,", harms),
        (SB, "trusted more ({})", mode_figure("trust", "prompt")),
    ),
    *at_scene(4, (SB, "(annotate): {} a day", added_day)),
    *at_scene(5, (SB, "Delete the block band: {} a day", added_day)),
    *at_scene(
        6,
        (SB, "block from 0.3: {} a day", added_day),
        (SB, "its blocks are right {} of the time", mode_figure("precision", "automate")),
    ),
    *at_scene(6, (SB, "warning, which {} act on", mode_figure("acted", "prompt")), at=0),
    # fall detection
    *at_scene(
        1,
        (FD, "operating point, 0.000153: {} false alarms a wearer-day", false_alarms_day),
        (FD, "({} of falls caught)", recall(0)),
        (FD, "Value added: {} a day", added_day),
        (FD, "(habituation factor {})", mode_figure("habituation", "prompt")),
    ),
    *at_scene(2, (FD, "At 0.002: {} a day", added_day)),
    *at_scene(3, (FD, "At 0.01: {} a day", added_day)),
    *at_scene(4, (FD, "every false alarm sends an ambulance: {} a day", added_day)),
    *at_scene(5, (FD, "easy to cancel): {} a day", added_day)),
    *at_scene(6, (FD, "(a 10 s countdown): {} a day", added_day)),
    *at_scene(7, (FD, "above the prompt: {} a day", added_day)),
    *at_scene(8, (FD, "Bliss's 0.9: {} a day", added_day)),
    *at_scene(9, (FD, "false-alarm rate: {} a day", added_day)),
    # fall detection with the bundled model
    *at_scene(1, (FDM, "here its {} means a 1% chance", raw_score(FDM, 0))),
    *at_scene(
        2,
        (FDM, "DOWN to 0.003: {} of falls caught", recall(0)),
        (FDM, "at {} false alarms an hour, and", fpr_at(0)),
        (FDM, "value added {} a day, most of it", added_day),
        (FDM, "the service's lost subscriptions{}", costs_most("business")),
    ),
    *at_scene(3, (FDM, "about the published operating point: {} a day", added_day)),
    *at_scene(4, (FDM, "direct dispatch: {} a day", added_day)),
    # safe browsing with the bundled model
    *at_scene(
        1,
        (SBM, "DOWN to 0.001: recall {}", recall(1)),
        (SBM, "but precision {},", precision_at(1)),
        (SBM, "trust {}:", mode_figure("trust", "prompt")),
        (SBM, "{} a day.", added_day),
    ),
    *at_scene(
        2,
        (SBM, "an even chance: it catches {} of", recall(0)),
        (SBM, "the value falls to {} a day", added_day),
    ),
    *at_scene(
        3,
        (SBM, "{} harms avoided per user-year", harms),
        (SBM, "and {} a day, but", added_day),
        (SBM, "only {} of blocked pages are phishing", mode_figure("precision", "automate")),
    ),
    *at_scene(5, (SBM, "(annotate): {} a day", added_day)),
    # audit-risk meter
    *at_scene(
        1,
        (AR, "business {},", added_for("business", "year")),
        (AR, "users {} per customer-year.", added_for("user", "year")),
    ),
    *at_scene(
        2,
        (AR, "cart): business {},", added_for("business", "year")),
        (AR, "users {}.", added_for("user", "year")),
    ),
    *at_scene(
        3,
        (AR, "automate from 0): business {},", added_for("business", "year")),
        (AR, "users {} per customer-year,", added_for("user", "year")),
        (AR, "and the value added rises to {} a day", added_day),
    ),
    *at_scene(4, (AR, "almost never shows{}", rarely_shown)),
    *at_scene(5, (AR, "take-up falls from the default's {}", mode_figure("acted", "prompt")), at=0),
    *at_scene(
        5,
        (AR, "to {} and", mode_figure("acted", "prompt")),
        (AR, "the business gains {} per customer-year", added_for("business", "year")),
    ),
    # legal chatbot
    *at_scene(
        1,
        (LC, "offer from 0.3: {} a day", added_day),
        (LC, "({} per conversation);", added_event),
        (LC, "user {},", added_for("user", "event")),
        (LC, "lawyer {},", added_for("operator", "event")),
        (LC, "business {}.", added_for("business", "event")),
    ),
    *at_scene(
        2,
        (LC, "the business gains a little more ({})", added_for("business", "event")),
        (LC, "while users lose more ({})", added_for("user", "event")),
    ),
    *at_scene(
        3,
        (LC, "the value added turns negative ({} per conversation)", added_event),
        (LC, "although the business still gains {}", added_for("business", "event")),
    ),
    *at_scene(
        4,
        (LC, "are right {} of the time", mode_figure("precision", "prompt")),
        (LC, "cuts their take-up to {}", mode_figure("acted", "prompt")),
    ),
    # smart toaster
    *at_scene(1, (ST, "DOWN to 0.05: {} a day", added_day)),
    *at_scene(2, (ST, "UP to 0.5: {} a day", added_day)),
    *at_scene(
        3,
        (ST, "(mode prompt): {} a day", added_day),
        (ST, "a beep that is right {} of the time", mode_figure("precision", "prompt")),
        (ST, "is heeded less (trust {})", mode_figure("trust", "prompt")),
    ),
    *at_scene(4, (ST, "a beep band from 0.1 below the stop: {} a day", added_day)),
    *at_scene(5, (ST, "(AUC 0.97): {} a day", added_day)),
    *at_scene(6, (ST, "value added {} a day. The model", added_day)),
    # predictive policing (seed 1)
    *at_scene(1, (PP, "The split now converges to the truth ({} to A)", patrols_to_a, SIM)),
    *at_scene(
        2,
        (PP, "its true share is then {})", truth_a, SIM),
        (PP, "A ends with about {} of the patrols", patrols_to_a, SIM),
    ),
    *at_scene(3, (PP, "with it, about {}", patrols_to_a, SIM)),
    *at_scene(4, (PP, "the urn still wanders, but around {}", patrols_to_a, SIM)),
]


# --- the checks -----------------------------------------------------------------------------

NAMES = sorted(p.stem for p in bundled_presets())


@cache
def _preset(name: str):
    return load_preset(preset_path(name))


def _frozen(settings: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(settings), sort_keys=True)


@cache
def _states(name: str) -> tuple:
    return tuple(scene_states(_preset(name)))


@cache
def _result(name: str, frozen: str, step: int = 0) -> Any:
    settings = yaml.safe_load(frozen)
    run_simulation = settings.pop(SIMULATE, False)
    preset = _states(name)[step]
    preset = with_values(preset, settings) if settings else preset
    scores = score_model(preset.model, preset.scenario.base_rate, preset_path(name).parent)
    if run_simulation:
        return simulate(preset, seed=1, scores=scores)
    return evaluate(preset, scores)


def rendered(quote: Quote) -> str:
    result = _result(quote.preset, _frozen(quote.settings), quote.step)
    return quote.text.format(quote.figure(result))


def _where(quote: Quote) -> str:
    """The text the quote is in: the notes, or its scene's narration."""
    preset = _preset(quote.preset)
    return _flat(preset.scenes[quote.scene - 1].narration if quote.scene else preset.notes)


def _flat(text: str) -> str:
    return " ".join(text.split())


ALL_QUOTES = QUOTES + SCENE_QUOTES


@pytest.mark.parametrize(
    "quote",
    ALL_QUOTES,
    ids=[f"{q.preset}:{q.scene}:{q.text}:{sorted(q.settings)}" for q in ALL_QUOTES],
)
def test_the_notes_quote_the_engine(quote):
    assert quote.text.count("{}") == 1
    assert rendered(quote) in _where(quote)


def test_scene_quotes_name_real_scenes():
    for quote in SCENE_QUOTES:
        assert 1 <= quote.scene <= len(_preset(quote.preset).scenes), quote
        assert not set(quote.settings) - {SIMULATE}, "a scene's figure comes from its step"


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers(text: str) -> set[str]:
    return {m.group().rstrip(".,") for m in _NUMBER.finditer(text)}


def _scalars(data: Any) -> list[Any]:
    if isinstance(data, Mapping):
        return [v for item in data.values() for v in _scalars(item)]
    if isinstance(data, list | tuple):
        return [v for item in data for v in _scalars(item)]
    return [data]


def _inputs(name: str) -> set[str]:
    """The numbers a preset's notes may quote without a computation."""
    preset = _preset(name)
    words = " ".join([*preset.sources.values(), *preset.assumptions.values()])
    found = _numbers(words)
    values = [get_path(preset, leaf) for leaf in leaf_paths(preset)]
    values += [v for q in QUOTES if q.preset == name for v in _scalars(q.settings)]
    values += [v for scene in preset.scenes for v in _scalars(dict(scene.set))]
    for x in values:
        if isinstance(x, int | float) and not isinstance(x, bool):
            found |= _numbers(f"{x:g} {fmt.format_number(x)} {x * 100:g}")
            found |= _numbers(fmt.format_probability(x) if 0 <= x <= 1 else "")
    return found


@pytest.mark.parametrize("name", NAMES)
def test_every_number_in_the_notes_is_checked_or_an_input(name):
    notes = _flat(_preset(name).notes)
    for quote in QUOTES:
        if quote.preset == name:
            notes = notes.replace(rendered(quote), " ")
    unchecked = sorted(_numbers(notes) - _inputs(name))
    assert unchecked == [], f"{name}: numbers neither computed nor inputs: {unchecked}"


@pytest.mark.parametrize("name", NAMES)
def test_every_number_in_a_scene_is_checked_or_an_input(name):
    scenes = _preset(name).scenes
    assert scenes, f"{name}: no scenes"
    for k, scene in enumerate(scenes, start=1):
        narration = _flat(scene.narration)
        for quote in SCENE_QUOTES:
            if quote.preset == name and quote.scene == k:
                narration = narration.replace(rendered(quote), " ")
        unchecked = sorted(_numbers(narration) - _inputs(name))
        assert unchecked == [], (
            f"{name} scene {k}: numbers neither computed nor inputs: {unchecked}"
        )


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
