"""The plan of a simulation run: score segments (the bands, split at the confidence floor
and the escalation threshold), mode positions by trait, a random generator that counts its
variates, and sums per replication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..preset import modes as _modes
from ..preset.schema import MODES, SHOWN_MODES, Preset

_NM = len(MODES)


_USER_ROWS = 2 * _NM  # rows of the day's count matrix that go to users: truth x mode


# Mode positions by trait; the silent mode is the last, so [:_NONE] are the ones that act.
_NONE = MODES.index(_modes.silent())


_SHOWN = tuple(MODES.index(m) for m in SHOWN_MODES)


_AUTOMATING = tuple(MODES.index(m) for m in _modes.where("automates"))


_INTERRUPTING = [MODES.index(m) for m in _modes.where("interrupts")]


_ABANDONING = tuple(MODES.index(m) for m in _modes.where("abandons"))


_POS, _NEG = 0, 1  # truth rows of the day's count matrix


_BIG = np.iinfo(np.int32).max


@dataclass(frozen=True)
class _Segment:
    low: float  # lowest score; the segment runs up to the next segment's low (or 1)
    mode: int
    escalated: bool  # escalation-eligible
    floored: bool  # an automate band's part below the confidence floor (demoted)


def _segments(preset: Preset) -> list[_Segment]:
    """Score segments from the highest down: the bands, split at the confidence floor and
    at the escalation threshold."""
    exp, g = preset.experience, preset.guardrails
    cuts = set(exp.thresholds())
    floor = g.min_confidence_to_automate
    if floor > 0:
        cuts.add(floor)
    esc = g.escalation
    if esc.enabled and esc.min_score > 0:
        cuts.add(esc.min_score)
    out = []
    for low in sorted(cuts, reverse=True):
        band = next(b for b in exp.bands if b.threshold <= low)
        mode = MODES.index(band.mode)
        floored = mode in _AUTOMATING and low < floor
        # below the floor an automating band's events go to its mode's over-cap mode
        fallback = MODES.index(getattr(exp.modes, band.mode).over_cap) if floored else mode
        out.append(_Segment(low, fallback, esc.enabled and low >= esc.min_score, floored))
    return out


class _CountingRng:
    """A Generator that counts the variates it draws."""

    def __init__(self, seed: int):
        self.gen = np.random.default_rng(seed)
        self.count = 0

    def _n(self, out: Any) -> Any:
        self.count += np.size(out)
        return out

    def random(self, size: Any) -> np.ndarray:
        return self._n(self.gen.random(size))

    def standard_exponential(self, size: Any) -> np.ndarray:
        return self._n(self.gen.standard_exponential(size))

    def poisson(self, lam: Any) -> np.ndarray:
        return self._n(self.gen.poisson(lam))

    def binomial(self, n: Any, p: Any) -> np.ndarray:
        return self._n(self.gen.binomial(n, p))

    def hypergeometric(self, good: Any, bad: Any, sample: Any) -> np.ndarray:
        return self._n(self.gen.hypergeometric(good, bad, sample))

    def geometric(self, p: Any, size: Any) -> np.ndarray:
        return self._n(self.gen.geometric(p, size))


def _by_rep(rep: np.ndarray, values: np.ndarray, reps: int) -> np.ndarray:
    return np.bincount(rep, weights=values, minlength=reps)


def _segment_sums(x: np.ndarray, starts: np.ndarray, reps: int) -> np.ndarray:
    """Sums of x (..., n) over the runs [starts[r], starts[r + 1]) -> (..., reps), as float.
    np.add.reduceat is far cheaper than a bincount, but gives x[i] for an empty run."""
    n = x.shape[-1]
    if n == 0:
        return np.zeros(x.shape[:-1] + (reps,))
    out = np.add.reduceat(x, np.minimum(starts[:-1], n - 1), axis=-1).astype(float)
    out[..., starts[:-1] == starts[1:]] = 0.0
    return out
