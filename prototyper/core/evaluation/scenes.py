"""A preset's lecture scenes with the figures after each step: the table the command line's
``scenes`` prints and the window's Scenes list shows."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import format as fmt
from ..model.scores import ScoreModel
from ..preset.scenes import scene_states
from ..preset.schema import Preset
from .engine import Evaluation, evaluate

ScoresFor = Callable[[Preset], ScoreModel | None]


@dataclass(frozen=True)
class SceneStep:
    """The preset at one step (0: as written) and its evaluation."""

    index: int
    title: str
    narration: str
    sets: Mapping[str, Any]  # what this step sets, as written
    evaluation: Evaluation

    def figures(self) -> dict[str, float]:
        """The key figures after this step, as numbers."""
        e = self.evaluation
        return {
            "value_added_per_population_day": e.added_per_population_day,
            "value_added_per_user_year": e.added_per_event * e.events_per_day * 365,
            "harms_avoided_per_user_year": e.harms_avoided_per_user_year(),
            "interruptions_per_user_day": e.interruptions_per_user_day(),
            "false_alarms_per_user_day": e.false_alarms_per_user_day(),
        }


def scene_steps(preset: Preset, scores_for: ScoresFor | None = None) -> list[SceneStep]:
    """Every step of ``preset``'s scenes, step 0 (the preset as written) first, each
    evaluated with the score model ``scores_for`` gives for it (None: a synthetic model)."""
    states = scene_states(preset)
    steps = []
    for i, state in enumerate(states):
        scene = preset.scenes[i - 1] if i else None
        scores = scores_for(state) if scores_for is not None else None
        steps.append(
            SceneStep(
                index=i,
                title=scene.title if scene else "As written",
                narration=scene.narration if scene else "",
                sets=dict(scene.set) if scene else {},
                evaluation=evaluate(state, scores),
            )
        )
    return steps


def value_text(value: Any) -> str:
    """A value a step sets, as one short line (a list of bands as compact JSON)."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(", ", ": "), default=str)


def sets_text(sets: Mapping[str, Any]) -> str:
    return ", ".join(f"{path} = {value_text(v)}" for path, v in sets.items())


def steps_to_dict(steps: list[SceneStep]) -> dict[str, Any]:
    """The steps as a JSON-ready document (non-finite figures as null)."""

    def number(x: float) -> float | None:
        return float(x) if np.isfinite(x) else None

    preset = steps[0].evaluation.preset
    return {
        "scenario": preset.scenario.name,
        "currency": preset.payoffs.currency,
        "steps": [
            {
                "step": s.index,
                "title": s.title,
                "narration": s.narration,
                "set": dict(s.sets),
                **{k: number(v) for k, v in s.figures().items()},
            }
            for s in steps
        ],
    }


def steps_text(steps: list[SceneStep]) -> str:
    """The steps as a table for the terminal: step, title, value added a day and the other
    key figures after it, then what it sets."""
    preset = steps[0].evaluation.preset
    cur = preset.payoffs.currency
    out = [
        f"{preset.scenario.name}: {len(steps) - 1} scenes",
        "",
        f"{'step':>4}  {'title':40}{'added/day':>12}{'per user-yr':>13}{'harms avoided':>15}"
        "  interruptions",
    ]
    for s in steps:
        f = s.figures()
        title = s.title if len(s.title) <= 38 else s.title[:37] + "…"
        out.append(
            f"{s.index:>4}  {title:40}"
            f"{fmt.money_short(f['value_added_per_population_day'], cur):>12}"
            f"{fmt.money_short(f['value_added_per_user_year'], cur):>13}"
            f"{f['harms_avoided_per_user_year']:>15.2g}"
            f"  {fmt.rate_phrase(f['interruptions_per_user_day'], 'interruption')}"
        )
        if s.sets:
            out.append(f"{'':6}sets {sets_text(s.sets)}")
    return "\n".join(out)
