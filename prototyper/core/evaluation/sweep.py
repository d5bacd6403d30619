"""Net value and value added as a function of one parameter over its full range.

A band threshold is swept in one vectorized pass: the score model gives the rates at every
candidate threshold (for empirical scores: every distinct score, from one sort and cumulative
sums) and the engine evaluates them in blocks of :data:`BLOCK` candidates, which gives
each the bits one call on all of them would. Any other numeric field is swept by
evaluating the preset at a grid of values.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..model.scores import ScoreModel, preset_scores
from ..preset.preset_io import PresetError, Problem, with_values
from ..preset.schema import Preset
from ..preset.structure import Problems, field_spec, get_path
from .engine import baseline_per_event, evaluate, net_per_event, outcome_masses

_THRESHOLD = re.compile(r"^experience\.bands\[(\d+)\]\.threshold$")
# Candidate thresholds per pass of the engine: its temporaries (a few dozen arrays this
# long) then stay in the processor's cache instead of being fresh memory for each formula.
BLOCK = 1 << 15


@dataclass(frozen=True)
class Sweep:
    param: str
    values: np.ndarray
    net_per_event: np.ndarray  # NaN where the value makes the preset invalid
    current: float
    # Per value: sweeping the population or the events per user-day changes these too.
    events_per_user_day: np.ndarray
    users: np.ndarray
    # Net value per event with the feature off, per value (it moves with, say, the base rate).
    baseline_per_event: np.ndarray

    @property
    def net_per_user_day(self) -> np.ndarray:
        return self.net_per_event * self.events_per_user_day

    @property
    def net_per_population_day(self) -> np.ndarray:
        return self.net_per_user_day * self.users

    @property
    def added_per_population_day(self) -> np.ndarray:
        """Value added against the feature off, per day for everyone: the net value with
        the feature off as zero."""
        added = self.net_per_event - self.baseline_per_event
        return added * self.events_per_user_day * self.users

    @cached_property  # asked for by each view on every change: a pass over every value
    def best_index(self) -> int:
        """The value with the most value added a day for everyone (the net value's ranking
        unless the sweep moves the feature-off world too, as the base rate does)."""
        return int(np.nanargmax(self.added_per_population_day))

    @property
    def best_value(self) -> float:
        return float(self.values[self.best_index])


def sweep(
    preset: Preset,
    param: str,
    values: np.ndarray | None = None,
    scores: ScoreModel | None = None,
) -> Sweep:
    """Net value of the preset with ``param`` set to each value (a full-range grid if None).

    ``scores`` stands in for the preset's model (a real model's scores, loaded by the
    caller); None is allowed only for a synthetic model, which is then built from each
    changed preset (so ``model.auc`` and ``scenario.base_rate`` can be swept).
    """
    try:
        current = get_path(preset, param)
        md, tp = field_spec(Preset, param)
    except Problems as exc:
        raise PresetError([Problem("--param", None, p, m) for p, m in exc.problems]) from None
    if isinstance(current, bool) or not isinstance(current, (int, float, type(None))):
        raise PresetError([Problem("--param", None, param, "is not a numeric field")])
    match = _THRESHOLD.match(param)
    if match:
        values, net = _threshold_sweep(preset, int(match.group(1)), values, scores)
        # one number (a read-only view, as events and users below): no fresh million floats
        off = np.broadcast_to(baseline_per_event(preset), np.shape(values))
    else:
        if values is None:
            values = default_grid(current, md, whole=int in _types(tp))
        whole = int in _types(tp)
        pairs = [_net_or_nan(preset, param, v, whole, scores) for v in values]
        net = np.array([p[0] for p in pairs], dtype=float).reshape(np.shape(values))
        off = np.array([p[1] for p in pairs], dtype=float).reshape(np.shape(values))
    sc = preset.scenario
    values = np.asarray(values, dtype=float)
    # the same at every value (read-only views): a threshold sweep can have a million
    events = np.broadcast_to(float(sc.events_per_user_per_day), values.shape)
    users = np.broadcast_to(float(sc.users), values.shape)
    if param == "scenario.events_per_user_per_day":
        events = values.copy()
    elif param == "scenario.users":
        users = np.round(values)  # evaluated as whole numbers, as _net_or_nan does
    return Sweep(
        param=param,
        values=values,
        net_per_event=net,
        current=np.nan if current is None else float(current),
        events_per_user_day=events,
        users=users,
        baseline_per_event=off,
    )


def threshold_range(preset: Preset, band: int) -> tuple[float, float]:
    """Open interval a band's threshold can move in without crossing its neighbours."""
    bands = preset.experience.bands
    if band >= len(bands) - 1:
        raise PresetError(
            [
                Problem(
                    "--param",
                    None,
                    f"experience.bands[{band}].threshold",
                    "the lowest band always starts at 0; sweep a higher band's threshold",
                )
            ]
        )
    low = bands[band + 1].threshold
    high = bands[band - 1].threshold if band > 0 else 1.0
    return low, high


def _threshold_sweep(
    preset: Preset, band: int, values: np.ndarray | None, scores: ScoreModel | None
) -> tuple[np.ndarray, np.ndarray]:
    scores = preset_scores(preset, scores)
    low, high = threshold_range(preset, band)
    if values is None:
        values, tpr_i, fpr_i = scores.sweep_points(low, high)
        inside = True  # the score model's candidates lie strictly between the neighbours
    else:
        inside = False
        values = np.asarray(values, dtype=float)
        # Scores are probabilities; a value outside [0, 1] is invalid (NaN below) and is
        # not handed to the score model, whose log-odds it would make NaN.
        tpr_i, fpr_i = scores.rates_at(np.clip(values, 0.0, 1.0))
    tpr, fpr = scores.rates_at(np.array(preset.experience.thresholds()))
    tpr_rows: list = [float(t) for t in tpr]
    fpr_rows: list = [float(f) for f in fpr]
    net = _net_in_blocks(preset, band, tpr_rows, fpr_rows, tpr_i, fpr_i)
    if inside:
        return values, net
    valid = (values > low) & (values < high)
    return values, np.where(valid, net, np.nan)


def _net_in_blocks(
    preset: Preset,
    band: int,
    tpr_rows: list,
    fpr_rows: list,
    tpr_i: np.ndarray,
    fpr_i: np.ndarray,
    block: int = BLOCK,
) -> np.ndarray:
    """Net value per event with band ``band``'s rates at each of (``tpr_i``, ``fpr_i``),
    the other bands' at their rows. The engine is elementwise over the candidates, so a
    block of them gives each the bits the whole array would."""
    tpr_flat, fpr_flat = np.ravel(tpr_i), np.ravel(fpr_i)
    net = np.empty(tpr_flat.shape)
    for a in range(0, len(net), block):
        tpr_rows[band], fpr_rows[band] = tpr_flat[a : a + block], fpr_flat[a : a + block]
        net[a : a + block] = net_per_event(preset, outcome_masses(preset, tpr_rows, fpr_rows))
    return net.reshape(np.shape(tpr_i))


def _types(tp: object) -> tuple:
    return typing.get_args(tp) or (tp,)


def default_grid(current: float | None, md: dict, whole: bool = False, n: int = 101) -> np.ndarray:
    """The field's whole range from its metadata; around the current value if unbounded."""
    lo = md.get("minimum", md.get("exclusive_minimum"))
    hi = md.get("maximum", md.get("exclusive_maximum"))
    here = 0.0 if current is None else float(current)
    if lo is None or lo < -1e6:
        lo = 0.0 if here >= 0 else 2 * here
    if hi is None or hi > 1e6:
        hi = max(2 * abs(here), lo + 1.0)
    grid = np.linspace(lo, hi, n)
    if "exclusive_minimum" in md:
        grid = grid[grid > md["exclusive_minimum"]]
    if "exclusive_maximum" in md:
        grid = grid[grid < md["exclusive_maximum"]]
    if whole:
        grid = np.unique(np.round(grid))
    return grid


def _net_or_nan(
    preset: Preset, param: str, value: float, whole: bool, scores: ScoreModel | None
) -> tuple[float, float]:
    """(net value, the same with the feature off) per event, NaN for an invalid value."""
    if not np.isfinite(value):
        return float("nan"), float("nan")
    try:
        changed = with_values(preset, {param: round(float(value)) if whole else float(value)})
    except PresetError:
        return float("nan"), float("nan")
    e = evaluate(changed, scores)
    return e.net_per_event, e.baseline_per_event
