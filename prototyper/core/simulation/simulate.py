"""The simulation over time, its entry points: check a preset for a simulation, and run it.

The static engine (evaluation/engine.py) answers "what is this design worth on an average
day?". The simulation answers "and over the horizon?": users habituate across days, learn
how often alarms are right, abandon the feature after false alarms; caps, cooldowns and
guardrails act per user and day; labels retrain the model while the world drifts; and, for
predictive policing, the data feeds back into where patrols go (feedback.py). The model is
written up in docs/MODEL.md, "Over time: the simulation"; how it is computed is in run.py
(the day loop), draws.py (its per-user draws), guards.py (its caps, cooldowns, guardrails
and abandonment), respond.py (the users' responses and state), plan.py, results.py and
summary.py.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model.scores import BinormalScores, ScoreModel, preset_scores
from ..preset.preset_io import PresetError, Problem
from ..preset.schema import Preset
from .limits import MAX_REPLICATIONS, default_users
from .results import DayTrace, Simulation
from .run import _Run


def simulation_problems(preset: Preset, scores: ScoreModel | None = None) -> list[tuple[str, str]]:
    """Problems that only the simulation has, as (dotted path, message)."""
    tel = preset.telemetry
    if preset.feedback.enabled and not isinstance(preset_scores(preset, scores), BinormalScores):
        return [
            (
                "feedback.enabled",
                "the value of where the loop sends patrols needs a synthetic model "
                "(source: synthetic), whose ranking within each region is known",
            )
        ]
    if not tel.enabled:
        return []
    scores = preset_scores(preset, scores)
    if not isinstance(scores, BinormalScores):
        return [
            (
                "telemetry.enabled",
                "retraining and drift need a synthetic model (source: synthetic), whose AUC "
                "can change",
            )
        ]
    if tel.auc_max <= scores.auc:
        return [
            ("telemetry.auc_max", f"must be above model.auc ({scores.auc:g}), got {tel.auc_max:g}")
        ]
    return []


def simulate(
    preset: Preset,
    seed: int = 0,
    replications: int = 20,
    users: int | None = None,
    *,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    scores: ScoreModel | None = None,
    on_day: Callable[[DayTrace], None] | None = None,
) -> Simulation:
    """Simulate ``users`` users (default: the scenario's, at most 10,000) over the scenario's
    horizon in ``replications`` replications.

    ``progress(fraction)`` is called with fractions rising from 0 to 1; ``cancel()`` is polled
    every day and, when it returns True, :class:`Cancelled` is raised. Both are called on the
    caller's thread. ``scores`` stands in for the preset's model (a real model's scores).
    Raises PresetError for a preset the simulation cannot run (see simulation_problems) and
    ValueError for bad arguments."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise ValueError(f"replications must be 1 to {MAX_REPLICATIONS}, got {replications}")
    n_users = default_users(preset) if users is None else int(users)
    if n_users < 1:
        raise ValueError(f"users must be at least 1, got {n_users}")
    scores = preset_scores(preset, scores)
    problems = simulation_problems(preset, scores)
    if problems:
        raise PresetError([Problem("<preset>", None, p, m) for p, m in problems])
    return _Run(preset, seed, replications, n_users, scores).execute(progress, cancel, on_day)
