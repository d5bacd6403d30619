"""The preset's ``uncertainty:`` section: a distribution per numeric field, and its checks.

A key is the dotted path of a number, as ``evaluate --set`` takes it
(``payoffs.positive_missed[0].amount``, ``scenario.base_rate``); its value is one of

- ``{low: L, high: H}``: uniform on [L, H];
- ``{triangular: [L, MODE, H]}``: triangular, most likely at MODE;
- ``{beta: [A, B]}``: beta on [0, 1], or on [L, H] with ``low`` and ``high`` beside it.

A mode's response range ``{low, high}`` (``act_if_positive``, ``act_if_negative``) counts as
the uncertainty of that response: the chance of acting at the design's forcefulness is taken
as uniform over the range unless an entry names the range (or one of its ends). Such an
input sets both ends to the drawn value, so it holds at any forcefulness.

This module reads the preset only through its fields (no import of the schema), so the
schema's own check can call it.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .structure import (
    _FLOAT_TEXT,
    Problems,
    describe,
    field_spec,
    get_path,
    parse_path,
    range_problem,
)

if TYPE_CHECKING:
    import numpy as np

KINDS = ("uniform", "triangular", "beta")
RESPONSE_RANGES = ("act_if_positive", "act_if_negative")
_RANGE_PATH = re.compile(r"^response\.modes\.([a-z_]+)\.(act_if_positive|act_if_negative)$")
EXPECTED = "expected {low: L, high: H}, {triangular: [L, MODE, H]} or {beta: [A, B]}"


@dataclass(frozen=True)
class Distribution:
    """One input's distribution on [low, high]; ``mode`` for a triangular one, ``a`` and
    ``b`` for a beta one."""

    kind: str
    low: float
    high: float
    mode: float = math.nan
    a: float = math.nan
    b: float = math.nan

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The value at each quantile ``u`` in [0, 1] (the inverse of the distribution
        function): draws of one uniform map to draws of any kind, so designs whose
        distributions differ still share their random numbers."""
        import numpy as np  # here: reading a preset needs no numpy

        u = np.asarray(u, dtype=float)
        lo, hi = self.low, self.high
        if self.kind == "uniform":
            return lo + (hi - lo) * u
        if self.kind == "triangular":
            c = (self.mode - lo) / (hi - lo)
            left = lo + np.sqrt(u * (hi - lo) * (self.mode - lo))
            right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - self.mode))
            return np.where(u < c, left, right)
        from scipy.special import betaincinv

        # never the ends themselves (an open bound such as a base rate's 0 may be one)
        inner = np.clip(betaincinv(self.a, self.b, u), np.finfo(float).tiny, 1 - 2**-53)
        return lo + (hi - lo) * inner

    def mean(self) -> float:
        if self.kind == "uniform":
            return (self.low + self.high) / 2
        if self.kind == "triangular":
            return (self.low + self.mode + self.high) / 3
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def describe(self) -> str:
        if self.kind == "uniform":
            return f"uniform {self.low:g} to {self.high:g}"
        if self.kind == "triangular":
            return f"triangular {self.low:g}, {self.mode:g}, {self.high:g}"
        return f"beta({self.a:g}, {self.b:g}) on {self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class UncertainInput:
    """An uncertain number of a preset: its path, its distribution and its point value
    (what ``evaluate`` uses). ``implicit`` for a response range not named in the section."""

    path: str
    distribution: Distribution
    point: float
    label: str
    implicit: bool = False


def _number(value: Any) -> float | None:
    if isinstance(value, str) and _FLOAT_TEXT.match(value.strip()):
        value = float(value)  # YAML 1.1 reads '1e-4' (no dot) as text
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def parse_distribution(spec: Any) -> Distribution:
    """A distribution from its plain data; Problems (with the sub-key at fault) if invalid."""
    if not isinstance(spec, Mapping):
        raise Problems([("", f"{EXPECTED}, got {describe(spec)}")])
    keys = set(spec)
    allowed = {"low", "high", "triangular", "beta"}
    unknown = sorted(str(k) for k in keys - allowed)
    if unknown:
        raise Problems([(unknown[0], f"unknown key {unknown[0]!r}; {EXPECTED}")])
    if "triangular" in keys:
        if keys != {"triangular"}:
            raise Problems([("", "a triangular distribution takes only [L, MODE, H]")])
        values = _numbers(spec["triangular"], 3, "triangular", "[L, MODE, H]")
        lo, mode, hi = values
        _ordered(lo, hi, "triangular")
        if not lo <= mode <= hi:
            raise Problems([("triangular", f"MODE must be from L to H, got {mode:g}")])
        return Distribution("triangular", lo, hi, mode=mode)
    if "beta" in keys:
        a, b = _numbers(spec["beta"], 2, "beta", "[A, B]")
        if not (a > 0 and b > 0):
            raise Problems([("beta", f"A and B must be above 0, got [{a:g}, {b:g}]")])
        if ("low" in keys) != ("high" in keys):
            raise Problems([("", "a scaled beta needs both low and high")])
        lo, hi = (_bound(spec, "low"), _bound(spec, "high")) if "low" in keys else (0.0, 1.0)
        _ordered(lo, hi, "")
        return Distribution("beta", lo, hi, a=a, b=b)
    if keys != {"low", "high"}:
        raise Problems([("", f"{EXPECTED}, got keys {', '.join(sorted(map(str, keys)))}")])
    lo, hi = _bound(spec, "low"), _bound(spec, "high")
    _ordered(lo, hi, "")
    return Distribution("uniform", lo, hi)


def _numbers(value: Any, n: int, key: str, shape: str) -> list[float]:
    numbers = [_number(v) for v in value] if isinstance(value, list) else []
    if len(numbers) != n or any(v is None for v in numbers):
        raise Problems([(key, f"expected {shape} (finite numbers), got {describe(value)}")])
    return [float(v) for v in numbers if v is not None]


def _bound(spec: Mapping, key: str) -> float:
    value = _number(spec[key])
    if value is None:
        raise Problems([(key, f"expected a finite number, got {describe(spec[key])}")])
    return value


def _ordered(lo: float, hi: float, key: str) -> None:
    if not lo < hi:
        raise Problems([(key, f"L must be below H, got {lo:g} and {hi:g}")])


def response_range(path: str) -> tuple[str, str] | None:
    """(mode, range name) if ``path`` names a mode's response range as a whole."""
    m = _RANGE_PATH.match(path)
    return (m.group(1), m.group(2)) if m else None


def uncertainty_problems(preset: Any) -> list[tuple[str, str]]:
    """Every problem of the preset's ``uncertainty`` section, as (dotted path, message)."""
    problems: list[tuple[str, str]] = []
    for key, spec in preset.uncertainty.items():
        where = f"uncertainty.{key}"
        try:
            if not isinstance(key, str):
                raise Problems([("", "expected the dotted path of a number as the key")])
            dist = parse_distribution(spec)
            _check_field(preset, key, dist)
        except Problems as exc:
            problems += [(f"{where}.{p}" if p else where, m) for p, m in exc.problems]
    return problems


def _check_field(preset: Any, path: str, dist: Distribution) -> None:
    try:
        parse_path(path)
        node = get_path(preset, path)
    except Problems:
        raise Problems([("", "names no field of this preset")]) from None
    if response_range(path) and dataclasses.is_dataclass(node):
        md: dict = {"minimum": 0.0, "maximum": 1.0}  # a chance of acting
    else:
        if isinstance(node, bool) or not isinstance(node, float):
            raise Problems([("", f"names no decimal number (it holds {describe(node)})")])
        md = field_spec(type(preset), path)[0]
    if dist.kind == "beta":  # a beta never draws its ends: an open bound may be an end
        md = {k: md[k] for k in ("minimum", "maximum") if k in md} | {
            k.replace("exclusive_", ""): md[k]
            for k in ("exclusive_minimum", "exclusive_maximum")
            if k in md
        }
    for end, value in (("low", dist.low), ("high", dist.high)):
        message = range_problem(value, md)
        if message:
            raise Problems([("", f"every draw must be valid for the field: {end} {message}")])
    band = re.fullmatch(r"experience\.bands\[(\d+)\]\.threshold", path)
    if band:
        _check_threshold(preset.experience.bands, int(band.group(1)), dist)


def _check_threshold(bands: tuple, i: int, dist: Distribution) -> None:
    """Draws of a threshold stay between its neighbours' (their point values)."""
    if i == len(bands) - 1:
        raise Problems([("", "the lowest band starts at 0 and cannot vary")])
    below = bands[i + 1].threshold
    above = bands[i - 1].threshold if i > 0 else math.inf
    if not below < dist.low or not dist.high < above:
        raise Problems(
            [("", f"draws must stay between the neighbouring thresholds ({below:g}, {above:g})")]
        )


def used_modes(preset: Any) -> list[str]:
    """The active modes the design can handle events in: its bands' and where caps send."""
    used: list[str] = []
    todo = [b.mode for b in preset.experience.bands]
    while todo:
        mode = todo.pop(0)
        design = getattr(preset.experience.modes, mode, None)
        if design is None or mode in used:
            continue
        used.append(mode)
        if design.daily_cap is not None:
            todo.append(design.over_cap)
    return used


def uncertain_inputs(preset: Any) -> tuple[UncertainInput, ...]:
    """The preset's uncertain numbers: its section's entries in order, then the response
    ranges of the modes it uses that no entry names (only ranges with low below high)."""
    out = [
        UncertainInput(key, parse_distribution(spec), point_value(preset, key), label(preset, key))
        for key, spec in preset.uncertainty.items()
    ]
    named = list(preset.uncertainty)
    for mode in used_modes(preset):
        for name in RESPONSE_RANGES:
            path = f"response.modes.{mode}.{name}"
            if any(k == path or k.startswith(path + ".") for k in named):
                continue
            rng = getattr(getattr(preset.response.modes, mode), name)
            if rng.low == rng.high:
                continue
            dist = Distribution("uniform", min(rng.low, rng.high), max(rng.low, rng.high))
            out.append(
                UncertainInput(path, dist, point_value(preset, path), label(preset, path), True)
            )
    return tuple(out)


def point_value(preset: Any, path: str) -> float:
    """The number ``evaluate`` uses for an input: the field, or for a response range the
    chance at the mode's forcefulness."""
    whole = response_range(path)
    if whole:
        mode, name = whole
        rng = getattr(getattr(preset.response.modes, mode), name)
        return float(rng.at(getattr(preset.experience.modes, mode).forcefulness))
    return float(get_path(preset, path))


def label(preset: Any, path: str) -> str:
    """A few words for an input: a payoff line's label, else the path itself."""
    m = re.fullmatch(r"(payoffs\.[a-z_]+\[\d+\])\.amount", path)
    if m:
        line = get_path(preset, m.group(1))
        if line.label:
            return str(line.label)
    whole = response_range(path)
    if whole:
        right = "right" if whole[1] == "act_if_positive" else "wrong"
        return f"the share of {right} {whole[0]} events acted on"
    try:
        title = str(field_spec(type(preset), path)[0].get("title", ""))
    except Problems:
        title = ""
    if not title:
        return path
    mode = re.search(r"\.modes\.([a-z_]+)\.", path)
    words = title[:1].lower() + title[1:] if title[1:2].islower() else title  # not 'rOC AUC'
    return f"{mode.group(1)} {words}" if mode else words
