"""Everything the views show for one preset, and the best single threshold.

A design has bands: several thresholds, each band handled in its own mode. The yardstick it
is compared with is the simplest design: one threshold, the top band's mode above it and
nothing below. :func:`best_single_threshold` finds that threshold's best place; the window
marks it on the value plot and the command line reports it.

Pure: the score model is passed in (see ``model_sources.score_model`` for loading one).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..model.scores import BinormalScores, ScoreModel, preset_scores
from ..preset import modes
from ..preset.schema import Band, Preset
from .engine import Evaluation, evaluate
from .sweep import Sweep, sweep, threshold_range

SINGLE_PARAM = "experience.bands[0].threshold"


def _num(x: float) -> float | None:
    """JSON has no NaN or infinity: None stands for them, as in the evaluation's summary."""
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Analysis:
    """Everything the views show for one preset."""

    preset: Preset
    scores: ScoreModel  # the model's score distribution (binormal, or a real model's scores)
    evaluation: Evaluation
    threshold_sweeps: tuple[Sweep, ...]  # one per movable band threshold, top band first
    single_threshold: Sweep  # the top band's mode above one threshold, nothing below
    seconds: float  # how long the recompute took
    # Sweeps at a subset of the candidate thresholds (while dragging; see analyse).
    coarse: bool = False
    # single_threshold is an earlier design's, lent as it was (a drag's frame; see analyse).
    single_stale: bool = False


def single_threshold_mode(bands: tuple[Band, ...]) -> str:
    """The mode of the one-threshold design the value plot compares with: the top band's,
    or the most forceful shown mode when the top band is silent."""
    top = bands[0].mode
    return modes.where("shown")[0] if modes.get(top).silent else top


def single_threshold_design(preset: Preset) -> Preset:
    """The preset with one threshold: the single-threshold mode above it, silence below."""
    quiet = Band(0.0, modes.silent())
    one = Band(0.5, single_threshold_mode(preset.experience.bands))
    return replace(preset, experience=replace(preset.experience, bands=(one, quiet)))


def single_threshold_sweep(preset: Preset, scores: ScoreModel | None = None) -> Sweep:
    """Net value of the single-threshold design at every candidate threshold."""
    scores = preset_scores(preset, scores)
    return sweep(single_threshold_design(preset), SINGLE_PARAM, scores=scores)


@dataclass(frozen=True)
class BestThreshold:
    """Where one threshold does best, and what it is worth."""

    mode: str  # the mode above the threshold
    threshold: float
    net_per_event: float
    net_per_population_day: float
    current_net_per_population_day: float  # the preset's own design, for comparison

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "threshold": _num(self.threshold),
            "net_per_event": _num(self.net_per_event),
            "net_per_population_day": _num(self.net_per_population_day),
            "design_minus_best_per_population_day": _num(
                self.current_net_per_population_day - self.net_per_population_day
            ),
        }


def best_single_threshold(
    preset: Preset, scores: ScoreModel | None = None, single: Sweep | None = None
) -> BestThreshold:
    """The best single threshold of ``preset`` under ``scores`` (``single``: its sweep, if
    already computed). The best is the one with the most net value a day for everyone."""
    scores = preset_scores(preset, scores)
    single = single if single is not None else single_threshold_sweep(preset, scores)
    i = single.best_index
    current = evaluate(preset, scores).net_per_population_day
    return BestThreshold(
        mode=single_threshold_mode(preset.experience.bands),
        threshold=float(single.values[i]),
        net_per_event=float(single.net_per_event[i]),
        net_per_population_day=float(single.net_per_population_day[i]),
        current_net_per_population_day=float(current),
    )


def _same_scores(a: ScoreModel, b: ScoreModel) -> bool:
    """The same score model: the same loaded scores, or an equal synthetic one (compared
    by value; a real model's arrays only by identity)."""
    return a is b or (isinstance(a, BinormalScores) and a == b)


def _without_threshold(preset: Preset, band: int) -> Preset:
    """The preset with band ``band``'s threshold blanked out: what sweeping that threshold
    depends on (the sweep tries every value of it, so its current one does not matter)."""
    bands = list(preset.experience.bands)
    bands[band] = replace(bands[band], threshold=-1.0)
    return replace(preset, experience=replace(preset.experience, bands=tuple(bands)))


def _band_sweep(
    preset: Preset, band: int, scores: ScoreModel, points: int | None
) -> tuple[Sweep, bool]:
    """The sweep of a band's threshold: at every candidate threshold, or at ``points`` of
    them spread evenly over the candidates (each still exact); True if thinned."""
    param = f"experience.bands[{band}].threshold"
    # A described model has a few hundred candidates, never thinned: not listed twice.
    if points is not None and not isinstance(scores, BinormalScores):
        values = scores.sweep_points(*threshold_range(preset, band))[0]
        if len(values) > points:
            keep = np.unique(np.linspace(0, len(values) - 1, points).round().astype(int))
            return sweep(preset, param, values=values[keep], scores=scores), True
    return sweep(preset, param, scores=scores), False


def analyse(
    preset: Preset,
    scores: ScoreModel | None = None,
    previous: Analysis | None = None,
    coarse_points: int | None = None,
    draft: bool = False,
) -> Analysis:
    """Evaluate a preset and its threshold sweeps under ``scores``.

    ``previous`` (the analysis of an earlier state, under the same score model) lends its
    sweeps where they cannot have changed: while a threshold is dragged, its own sweep and
    the single-threshold sweep stay the same. The result equals a fresh analysis.

    ``coarse_points`` sweeps a real model's thresholds at that many of its distinct scores
    only (a drag's frames: the curves' shape, at a fraction of the cost); the evaluation is
    exact all the same, and the analysis says it is ``coarse``.

    ``draft`` (a drag's frame, which does not draw the best single threshold) keeps the
    single-threshold sweep of ``previous`` even where the design changed; the analysis then
    says ``single_stale``, and such a sweep is never lent to another analysis."""
    start = time.perf_counter()
    scores = preset_scores(preset, scores)
    evaluation = evaluate(preset, scores)
    same = previous is not None and _same_scores(previous.scores, scores)
    prev = previous if same else None
    # A coarse sweep is never lent to an exact analysis.
    if prev is not None and coarse_points is None and prev.coarse:
        prev = None
    thinned = False
    old_bands = len(prev.preset.experience.bands) if prev is not None else 0
    sweeps = []
    for i in range(len(preset.experience.bands) - 1):
        kept = prev.threshold_sweeps[i] if prev is not None and i < old_bands - 1 else None
        if (
            prev is not None
            and kept is not None
            and _without_threshold(prev.preset, i) == _without_threshold(preset, i)
        ):
            sweeps.append(replace(kept, current=float(preset.experience.bands[i].threshold)))
            thinned = thinned or prev.coarse
        else:
            band_sweep, thin = _band_sweep(preset, i, scores, coarse_points)
            sweeps.append(band_sweep)
            thinned = thinned or thin
    one = single_threshold_design(preset)
    fresh = (
        prev is not None and not prev.single_stale and single_threshold_design(prev.preset) == one
    )
    if prev is not None and (fresh or draft):
        single, stale = prev.single_threshold, not fresh
        thinned = thinned or prev.coarse
    else:
        single, thin = _band_sweep(one, 0, scores, coarse_points)
        stale = False
        thinned = thinned or thin
    seconds = time.perf_counter() - start
    return Analysis(preset, scores, evaluation, tuple(sweeps), single, seconds, thinned, stale)
