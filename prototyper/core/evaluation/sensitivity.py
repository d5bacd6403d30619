"""Which assumptions matter: tornado, break-even per input, PSA and EVPPI.

Every function reads the preset's uncertain inputs (core/preset/uncertainty.py: the
``uncertainty:`` section and the response ranges) and evaluates many values of them at once
through draws.py. Amounts are value added against the feature off, per day for all users.
The formulas and the estimators' limits are written up in docs/MODEL.md, "Uncertainty".
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..format import money
from ..model.scores import ScoreModel
from ..preset.schema import Preset
from ..preset.structure import field_spec, get_path
from ..preset.uncertainty import (
    Distribution,
    UncertainInput,
    label,
    point_value,
    response_range,
    uncertain_inputs,
)
from .draws import value_added_per_day

__all__ = [
    "BreakEven",
    "DesignPSA",
    "EVPPI",
    "EVPPIRow",
    "FEATURE_OFF",
    "PSAResult",
    "Tornado",
    "TornadoBar",
    "break_even",
    "evppi",
    "psa",
    "psa_quantiles",
    "psa_summary",
    "tornado",
]

FEATURE_OFF = "feature off"
# The tornado's ends of a beta: its support is often far wider than what is plausible.
BETA_TAILS = (0.05, 0.95)
INTERVAL = (0.05, 0.95)  # the PSA's 90% interval

Progress = Callable[[float], None]


# --- tornado ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TornadoBar:
    """One input moved to its low and its high end, the others at their point values."""

    input: UncertainInput
    low: float
    high: float
    value_at_low: float  # value added per day
    value_at_high: float

    @property
    def path(self) -> str:
        return self.input.path

    @property
    def label(self) -> str:
        return self.input.label

    @property
    def swing(self) -> float:
        return abs(self.value_at_high - self.value_at_low)


@dataclass(frozen=True)
class Tornado:
    base: float  # value added per day at every input's point value
    bars: tuple[TornadoBar, ...]  # largest swing first


def ends(dist: Distribution) -> tuple[float, float]:
    """The low and high end the tornado moves an input to: the distribution's range, or a
    beta's 5th and 95th percentiles."""
    if dist.kind == "beta":
        lo, hi = dist.ppf(np.array(BETA_TAILS))
        return float(lo), float(hi)
    return dist.low, dist.high


def tornado(preset: Preset, scores: ScoreModel | None = None) -> Tornado:
    """Value added at each uncertain input's low and high end, the others at their point
    values, sorted by swing (largest first; ties in the preset's order)."""
    inputs = uncertain_inputs(preset)
    base = float(value_added_per_day(preset, scores, {})[0])
    bars = []
    for item in inputs:
        lo, hi = ends(item.distribution)
        at = value_added_per_day(preset, scores, {item.path: np.array([lo, hi])})
        bars.append(TornadoBar(item, lo, hi, float(at[0]), float(at[1])))
    order = sorted(range(len(bars)), key=lambda i: -bars[i].swing)
    return Tornado(base, tuple(bars[i] for i in order))


# --- break-even per input ----------------------------------------------------------------------


@dataclass(frozen=True)
class BreakEven:
    """Where value added crosses 0 as one input moves over its field's valid range.

    ``value`` is the crossing nearest the input's point value, None when there is none:
    ``status`` is then "always" (adds value over the whole range) or "never"."""

    path: str
    label: str
    point: float
    value: float | None
    status: str  # "crosses", "always" or "never"
    searched: tuple[float, float]
    message: str


def valid_range(preset: Preset, path: str) -> tuple[float, float]:
    """The values a field may take (its schema bounds; a response range or a threshold
    within its neighbours), closed: an exclusive bound moved in by a hair."""
    if response_range(path):
        return 0.0, 1.0
    if path.startswith("experience.bands[") and path.endswith("].threshold"):
        i = int(path[len("experience.bands[") : -len("].threshold")])
        bands = preset.experience.bands
        above = bands[i - 1].threshold if i > 0 else 1.0
        lo, hi = bands[i + 1].threshold, above
        return _inside(lo, hi)
    md = field_spec(type(preset), path)[0]
    lo = md.get("minimum", md.get("exclusive_minimum", -1e12))
    hi = md.get("maximum", md.get("exclusive_maximum", 1e12))
    if "exclusive_minimum" in md or "exclusive_maximum" in md:
        return _inside(lo, hi, "exclusive_minimum" in md, "exclusive_maximum" in md)
    return float(lo), float(hi)


def _inside(lo: float, hi: float, left: bool = True, right: bool = True) -> tuple[float, float]:
    pad = (hi - lo) * 1e-9
    if left and lo == 0.0 and hi <= 1.0:
        pad_lo = min(pad, 1e-12)  # a base rate can be tiny: stay close to 0
    else:
        pad_lo = pad
    return lo + (pad_lo if left else 0.0), hi - (pad if right else 0.0)


def _grid(lo: float, hi: float, item: UncertainInput) -> np.ndarray:
    parts = [np.linspace(lo, hi, 257), np.array([item.point])]
    parts.append(np.linspace(item.distribution.low, item.distribution.high, 65))
    if lo > 0 and hi / lo > 100:
        parts.append(np.geomspace(lo, hi, 257))
    if lo < 0 < hi:  # both signs spread over many decades: geometric each side
        small = max(min(hi, -lo) * 1e-12, 1e-12)
        parts += [np.geomspace(small, hi, 257), -np.geomspace(small, -lo, 257)]
    grid = np.unique(np.concatenate(parts))
    return grid[(grid >= lo) & (grid <= hi)]


def break_even(preset: Preset, scores: ScoreModel | None, path: str) -> BreakEven:
    """The value of the input at ``path`` where the design's value added crosses 0 (a root
    found by Brent's method on the engine), searched over the field's valid range, not only
    its distribution; the crossing nearest the point value when there are several."""
    from scipy.optimize import brentq

    item = next((i for i in uncertain_inputs(preset) if i.path == path), None)
    if item is None:
        point = point_value(preset, path)
        item = UncertainInput(
            path, Distribution("uniform", point, point), point, label(preset, path)
        )
    lo, hi = valid_range(preset, path)
    grid = _grid(lo, hi, item)
    values = value_added_per_day(preset, scores, {path: grid})
    currency, unit = preset.payoffs.currency, get_path_unit(preset, path)
    sign = np.sign(values)
    changes = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    zeros = np.flatnonzero(sign == 0)
    if not changes.size and not zeros.size:
        status = "always" if values.min() > 0 else "never"
        words = "adds value" if status == "always" else "never adds value"
        span = f"{_show(lo, currency, unit)} to {_show(hi, currency, unit)}"
        message = f"the design {words} over the whole range of {item.label} ({span})"
        return BreakEven(path, item.label, item.point, None, status, (lo, hi), message)

    def f(x: float) -> float:
        return float(value_added_per_day(preset, scores, {path: np.array([x])})[0])

    roots = [float(grid[i]) for i in zeros]
    for i in changes:
        roots.append(float(brentq(f, grid[i], grid[i + 1], xtol=1e-12, rtol=1e-12)))
    root = min(roots, key=lambda r: abs(r - item.point))
    step = max(abs(root), 1.0) * 1e-6
    rising = f(min(root + step, hi)) > f(max(root - step, lo))
    adding = f(item.point) > 0  # at the design's own value: does it add value now?
    message = _crossing_message(item.label, root, rising, adding, currency, unit)
    return BreakEven(path, item.label, item.point, root, "crosses", (lo, hi), message)


def get_path_unit(preset: Preset, path: str) -> str:
    """The unit of a payoff line's amount ('money' or 'minutes'), 'money' for the value of
    time, else ''."""
    if path.startswith("payoffs.") and path.endswith("].amount"):
        return str(get_path(preset, path[: -len(".amount")]).unit)
    if path.startswith("payoffs.value_of_time_per_hour."):
        return "money"
    return ""


def _show(x: float, currency: str, unit: str) -> str:
    if unit == "money":
        return money(x, currency)
    if unit == "minutes":
        return f"{x:.3g} minutes"
    return f"{x:.4g}"


def _crossing_message(
    label: str, root: float, rising: bool, adding: bool, currency: str, unit: str
) -> str:
    """'the design stops (or starts) adding value when LABEL exceeds (falls below) ROOT':
    the way across the root from the design's own value."""
    start = f"the design {'stops' if adding else 'starts'} adding value when"
    upward = rising != adding  # crossing means the input rising past the root
    if unit in ("money", "minutes") and root < 0:  # a cost: speak of its size
        more = "costs less than" if upward else "costs more than"
        return f"{start} {label} {more} {_show(-root, currency, unit)}"
    shown = _show(root, currency, unit)
    return f"{start} {label} {'exceeds' if upward else 'falls below'} {shown}"


# --- probabilistic sensitivity analysis --------------------------------------------------------


@dataclass(frozen=True)
class DesignPSA:
    name: str
    values: np.ndarray  # value added per day, one per draw
    mean: float
    low: float  # the 90% interval: 5th and 95th percentiles
    high: float
    p_adds_value: float  # share of draws where value added > 0


@dataclass(frozen=True)
class PSAResult:
    """Draws of every design under the same random numbers (common random numbers: each
    input's draws come from its own stream, seeded by the seed and its path)."""

    designs: tuple[DesignPSA, ...]
    paths: tuple[str, ...]  # every design's uncertain inputs, first seen first
    labels: tuple[str, ...]
    quantiles: np.ndarray  # [input, draw]: the uniform draws behind every design's values
    draws: int
    seed: int

    @property
    def options(self) -> tuple[str, ...]:
        """The decision's options: the designs, then the feature off."""
        return (*(d.name for d in self.designs), FEATURE_OFF)

    def net_benefit(self) -> np.ndarray:
        """Value added per day as [option, draw], the feature off being 0."""
        rows = [d.values for d in self.designs] + [np.zeros(self.draws)]
        return np.stack(rows)

    def p_beats(self) -> np.ndarray:
        """P(option a adds more than option b), as [a, b] over :attr:`options`."""
        nb = self.net_benefit()
        return (nb[:, None, :] > nb[None, :, :]).mean(axis=-1)


def psa_quantiles(paths: Sequence[str], draws: int, seed: int) -> np.ndarray:
    """The uniform draws of each input, [input, draw]: one stream per path, so an input has
    the same draws whichever designs and other inputs are in the run."""
    out = np.empty((len(paths), draws))
    for i, path in enumerate(paths):
        out[i] = np.random.default_rng([seed, zlib.crc32(path.encode())]).random(draws)
    return out


def design_values(
    preset: Preset, scores: ScoreModel | None, paths: Sequence[str], quantiles: np.ndarray
) -> np.ndarray:
    """Value added per day of one design at the given uniform draws ([input, draw]) of the
    inputs ``paths``; inputs the design does not declare stay at its point values."""
    own = {i.path: i for i in uncertain_inputs(preset)}
    values = {p: own[p].distribution.ppf(quantiles[k]) for k, p in enumerate(paths) if p in own}
    n = quantiles.shape[1]
    if not values:
        return np.full(n, float(value_added_per_day(preset, scores, {})[0]))
    return value_added_per_day(preset, scores, values)


PSA_BLOCK = 1_000  # draws of a design evaluated between two calls of psa's between_blocks


def psa(
    variants: Sequence[Preset],
    scores: ScoreModel | None | Sequence[ScoreModel | None] = None,
    draws: int = 10_000,
    seed: int = 1,
    *,
    names: Sequence[str] | None = None,
    evaluate_chunks: Callable[..., np.ndarray] | None = None,
    between_blocks: Callable[[str, int], None] | None = None,
    block: int = PSA_BLOCK,
) -> PSAResult:
    """Probabilistic sensitivity analysis of one or more designs: ``draws`` joint draws of
    every uncertain input, the same for every design, each design's value added per draw,
    its mean and 90% interval. ``scores`` is one score model for all, or one per design
    (None for a synthetic model). ``evaluate_chunks(preset, scores, paths, quantiles)`` may
    replace the in-process evaluation (parallel.py runs chunks on several cores).
    ``between_blocks(name, start)``, if given, is called before each ``block`` draws of a
    design (from draw ``start``); it may raise to stop the analysis there (a window's
    Cancel). Each draw's value is the same, evaluated in blocks or all at once."""
    if draws < 1:
        raise ValueError("draws must be at least 1")
    per_design: list[ScoreModel | None] = (
        list(scores) if isinstance(scores, (list, tuple)) else [scores] * len(variants)  # type: ignore[list-item]
    )
    names = list(names) if names is not None else [v.scenario.name for v in variants]
    inputs: dict[str, str] = {}
    for v in variants:
        for item in uncertain_inputs(v):
            inputs.setdefault(item.path, item.label)
    paths = tuple(inputs)
    quantiles = psa_quantiles(paths, draws, seed)
    run = evaluate_chunks or design_values
    designs = []
    for name, preset, sc in zip(names, variants, per_design, strict=True):
        if between_blocks is None:
            values = run(preset, sc, paths, quantiles)
        else:
            parts = []
            for start in range(0, draws, max(block, 1)):
                between_blocks(name, start)
                parts.append(run(preset, sc, paths, quantiles[:, start : start + block]))
            values = np.concatenate(parts)
        lo, hi = np.quantile(values, INTERVAL)
        designs.append(
            DesignPSA(
                name, values, float(values.mean()), float(lo), float(hi), float((values > 0).mean())
            )
        )
    return PSAResult(tuple(designs), paths, tuple(inputs.values()), quantiles, draws, seed)


# --- expected value of (partial) perfect information ------------------------------------------


@dataclass(frozen=True)
class EVPPIRow:
    path: str
    label: str
    value: float  # money per day


@dataclass(frozen=True)
class EVPPI:
    evpi: float  # perfect information on every input at once, money per day
    rows: tuple[EVPPIRow, ...]  # per input, largest first: which assumption to study first
    bins: int  # draws are grouped into this many bins of one input to estimate E(NB | it)
    best_now: str  # the option with the highest mean value added


def evppi_bins(draws: int) -> int:
    """About sqrt(draws) bins (100 of 100 draws for 10,000), at least 1, at most 200."""
    return max(1, min(200, round(math.sqrt(draws))))


def evppi(result: PSAResult, bins: int | None = None) -> EVPPI:
    """Expected value of partial perfect information per input, for the choice among the
    designs and the feature off: E_x[max_d E(NB_d | x)] - max_d E(NB_d), where E(NB_d | x)
    is estimated by sorting the draws on the input and averaging within ``bins`` bins of
    equal count. EVPI (every input known) is E[max_d NB_d] - max_d E(NB_d) over the draws."""
    nb = result.net_benefit()
    means = nb.mean(axis=1)
    best = float(means.max())
    k = bins or evppi_bins(result.draws)
    # Rounding in sums of draws leaves ~1e-16 of their scale where the value is exactly 0.
    noise = 1e-12 * float(np.abs(nb).max(initial=0.0))

    def clean(x: float) -> float:
        return x if x > noise else 0.0

    evpi = clean(float(nb.max(axis=0).mean()) - best)
    rows = []
    for i, path in enumerate(result.paths):
        order = np.argsort(result.quantiles[i], kind="stable")
        total = 0.0
        for chunk in np.array_split(order, k):
            if chunk.size:
                total += float(nb[:, chunk].mean(axis=1).max()) * chunk.size
        value = clean(total / result.draws - best)
        rows.append(EVPPIRow(path, result.labels[i], value))
    rows.sort(key=lambda r: -r.value)
    return EVPPI(evpi, tuple(rows), k, result.options[int(means.argmax())])


def psa_summary(result: PSAResult) -> dict[str, Any]:
    """The PSA as plain data (means, intervals, P(a beats b)), for JSON."""
    beats = result.p_beats()
    opts = result.options
    return {
        "draws": result.draws,
        "seed": result.seed,
        "inputs": list(result.paths),
        "designs": [
            {
                "name": d.name,
                "mean": d.mean,
                "interval_90": [d.low, d.high],
                "p_adds_value": d.p_adds_value,
            }
            for d in result.designs
        ],
        "p_beats": [
            {"a": opts[a], "b": opts[b], "p": float(beats[a, b])}
            for a in range(len(opts))
            for b in range(len(opts))
            if a != b
        ],
    }
