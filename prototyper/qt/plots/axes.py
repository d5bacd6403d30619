"""The plots' axes: logit(score) ticked as probabilities, decades of a rate, money and
percentages."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication

from ...core.format import format_probability
from .common import _money_tick, expit, logit


def _probability_ticks() -> tuple[np.ndarray, np.ndarray]:
    """Candidate ticks and the order to keep them in when not all fit: decades first (the
    nearer 0.5 the sooner), then 5s, then 2s; the same mirrored above 0.5."""
    low = {1: [10.0**-k for k in range(1, 13)], 2: [5 * 10.0**-k for k in range(2, 13)]}
    low[3] = [2 * 10.0**-k for k in range(1, 13)]
    ticks, rank = [0.5], [0.0]
    for level, values in low.items():
        for p in values:
            for q in (p, 1 - p) if p > 1e-8 else (p,):
                ticks.append(q)
                rank.append(level * 100 + abs(float(logit(q))))
    ticks_arr = np.array(ticks)
    return ticks_arr, np.argsort(rank, kind="stable")


_PROBABILITY_TICKS, _TICK_PRIORITY = _probability_ticks()


def _label_pixels(sample: str) -> float:
    """Width of a tick label in the current application font (lecture mode enlarges it)."""
    return QFontMetricsF(QApplication.font()).horizontalAdvance(sample) + 10


class ProbabilityAxis(pg.AxisItem):
    """An axis in logit(score) units, ticked and labelled as probabilities."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802
        lo, hi = sorted((minVal, maxVal))
        if not (hi > lo and size > 0):
            return []
        per_unit = size / (hi - lo)
        positions = logit(_PROBABILITY_TICKS)
        edge = 18 / per_unit  # a label centred nearer the end than this would be cut off
        min_pixels = _label_pixels("0.0001")
        kept: list[float] = []
        for i in _TICK_PRIORITY:
            x = float(positions[i])
            inside = lo + edge <= x <= hi - edge
            if inside and all(abs(x - k) * per_unit >= min_pixels for k in kept):
                kept.append(x)
        return [(1.0, sorted(kept))]

    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        return [format_probability(float(expit(v))) for v in values]


class DecadeAxis(pg.AxisItem):
    """An axis in log10 units with a tick at every decade that fits."""

    def __init__(
        self, orientation: str, label: Callable[[float], str], subdecades: bool = False, **kw
    ) -> None:
        super().__init__(orientation, **kw)
        self._label = label
        self._subdecades = subdecades

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802
        lo, hi = sorted((minVal, maxVal))
        if not (hi > lo and size > 0):
            return []
        first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        pixels = size / (hi - lo)  # per decade
        horizontal = self.orientation in ("top", "bottom")
        minimum = _label_pixels("1 in 10M") if horizontal else 18
        step = max(1, math.ceil(minimum / pixels))
        values = [float(v) for v in range(last, first - 1, -step)]
        if self._subdecades and pixels * math.log10(2) >= 1.1 * minimum:  # 1 in 2, 5, 20...
            for v in range(first - 1, last + 1):
                values += [v + math.log10(m) for m in (2, 5) if lo <= v + math.log10(m) <= hi]
        return [(float(step), sorted(values))]

    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        return [self._label(v) for v in values]


def _apart(levels: list, minVal: float, maxVal: float, size: float) -> list:  # noqa: N803
    """Tick levels thinned so that no two labels on a vertical axis overlap: a plot a few
    text lines tall keeps every second or third tick (zero among them when shown)."""
    line = QFontMetricsF(QApplication.font()).height() + 2
    if size <= 0 or maxVal <= minVal:
        return levels
    out = []
    for spacing, values in levels:
        values = list(values)
        step = max(1, math.ceil(line / (spacing / (maxVal - minVal) * size)))
        if step > 1 and values:
            zero = min(range(len(values)), key=lambda i: abs(values[i]))
            values = [v for i, v in enumerate(values) if (i - zero) % step == 0]
            spacing *= step
        out.append((spacing, values))
    return out


class MoneyAxis(pg.AxisItem):
    """Amounts of money as $1.5M, -$200k."""

    currency = "USD"

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802, N803
        levels = super().tickValues(minVal, maxVal, size)
        return _apart(levels, minVal, maxVal, size) if self.orientation == "left" else levels

    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        return [_money_tick(v, self.currency) for v in values]


class PercentAxis(pg.AxisItem):
    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802, N803
        levels = super().tickValues(minVal, maxVal, size)
        return _apart(levels, minVal, maxVal, size) if self.orientation == "left" else levels

    def tickStrings(self, values: list, scale: float, spacing: float) -> list:  # noqa: N802
        return [f"{v * 100:.0f}%" for v in values]
