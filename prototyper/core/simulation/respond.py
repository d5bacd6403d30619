"""How the day's users respond to what they are shown, and how their state moves on.

A mixin of the run (run.py), like draws.py and guards.py. Mode by mode, for the users who
meet that mode today: habituation and trust from their state, the chance of acting, the
draws of who acts, sums per replication, and the state brought up to date.

Per-user arithmetic is float32. The user's state of a mode is packed as four float32 (the
day it was last brought up to date, habituation carried H, alarms seen true S and false F)
in one complex128: one gather and one write per user and day.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..evaluation import value as _value
from ..preset.schema import MODES
from .plan import _ABANDONING, _NEG, _POS, _SHOWN, _segment_sums


def _habituation(
    total: np.ndarray, rate: float, carried: np.ndarray | None, multi: np.ndarray
) -> np.ndarray:
    """:func:`value.habituation_of_count` with one array fewer: the carried part first, then
    the users with more than one exposure today (among ``multi``) multiplied by their
    within-day mean (the same float32 products, so the same numbers)."""
    f32 = np.float32
    log_q = f32(math.log(1.0 - rate))
    if carried is None:
        return _value.habituation_of_count(total, rate)
    moved = np.multiply(carried, log_q)
    np.exp(moved, out=moved)
    more = multi[total[multi] > 1]
    if more.size:
        x = total[more]
        moved[more] *= -np.expm1(x * log_q) / (x * f32(rate))
    return moved


class _Respond:
    """The run's responses; see the module docstring. Attributes are the run's."""

    rng: Any
    R: int
    p: Any
    u: np.ndarray
    w: float
    modes: list[int]
    act: dict[int, tuple[float, float]]
    habit_rate: dict[int, float]
    habit_on: bool
    trust_on: bool
    state: dict[int, np.ndarray]
    fa_left: np.ndarray | None
    static_trust: dict[int, np.ndarray]
    last_cd: dict[int, np.ndarray]
    rho_pow: np.ndarray
    keep_pow: np.ndarray
    rec: dict[str, np.ndarray]
    rec_n: np.ndarray
    rec_acted: np.ndarray
    starts: np.ndarray
    several: np.ndarray
    # provided by the other mixins
    u_left: np.ndarray
    # provided by the other mixins
    _met: Any
    _binomials: Any
    _false_alarms: Any

    def _respond(self, d: int, slots: np.ndarray, rep: np.ndarray, M: np.ndarray) -> None:
        """Users respond to what they are shown, and their state moves on; mode by mode, for
        the users who met that mode today."""
        R = self.R
        sums = np.zeros((6, R))  # trust, its interactions, habituation, its, compliance, its
        for m in self.modes:
            idx = self._met(M, m)
            if idx.size:
                s = slots.take(idx)
                # 1-D takes from the mode's rows (a 3-D fancy index is twice the cost)
                pos, neg = M[0, m].take(idx), M[1, m].take(idx)
                self._respond_mode(d, m, idx, s, rep, pos, neg, sums)
                if self.fa_left is not None and m in _ABANDONING:
                    self._false_alarms(d, s, neg, self.fa_left)
        rec = self.rec
        rec["trust_num"][d], rec["trust_den"][d] = sums[0], sums[1]
        rec["habit_num"][d], rec["habit_den"][d] = sums[2], sums[3]
        rec["comp_num"][d], rec["comp_den"][d] = sums[4], sums[5]

    def _respond_mode(self, d, m, idx, s, rep, pos, neg, sums) -> None:
        """One mode: the users at ``idx`` (positions in the day's arrays; ``s`` their slots,
        ``pos`` and ``neg`` their events of the mode by truth) respond, their sums per
        replication are added to ``sums``, their state moves on."""
        R = self.R
        dyn = self.p.dynamics
        u_pos, u_neg = self.u
        f32 = np.float32
        # where each replication's users begin among idx (the day's starts, counted in idx)
        starts = np.searchsorted(idx, self.starts)
        # Positions of the users with more than one event today: only their counts in a
        # mode can exceed 1.
        several = self.several
        multi = np.searchsorted(idx, several)
        multi = multi[idx[np.minimum(multi, idx.size - 1)] == several]
        # Per-user values summed per replication, all in one reduction at the end: row 0 the
        # interactions, row 1 the positives, rows 2 and 3 the events acted on, all and
        # positive (whole numbers, exact in float32 at these sizes), then the interactions
        # weighted by habituation, trust and both.
        parts = np.empty((7, idx.size), f32)
        total = np.add(pos, neg, out=parts[0])
        np.copyto(parts[1], pos)
        n_parts = 4
        if m in self.state:
            packed = self.state[m]
            # One 16-byte gather per user: (day last seen, H, S, F), as float32. Columns are
            # read once into contiguous arrays (strided arithmetic is several times slower)
            # and written once.
            st = packed.take(s).view(f32).reshape(-1, 4)
            delta = np.subtract(d, st[:, 0], out=np.empty(idx.size, np.int32), casting="unsafe")
            new = st  # a copy already: each column is read before it is written
            new[:, 0] = d
        moved: Any = None  # the compliance multiplier; None for 1
        habit_row = trust_row = moved_row = 0  # rows of parts; 0: the interactions
        if m in _SHOWN:
            rate = self.habit_rate[m]
            if rate > 0:
                carried = st[:, 1] * self.rho_pow.take(delta) if self.habit_on else None
                moved = _habituation(total, rate, carried, multi)
                if carried is not None:
                    carried += f32(1.0 - dyn.habituation.polymorphic) * total
                    new[:, 1] = carried
                habit_row = moved_row = n_parts
                np.multiply(moved, total, out=parts[n_parts])
                n_parts += 1
        trust: Any = None
        if self.trust_on:
            tr = dyn.trust
            keep = self.keep_pow.take(delta)
            S = st[:, 2] * keep
            F = st[:, 3] * keep
            trust = f32(tr.prior_weight * tr.initial_precision) + S
            denom = S + F
            denom += f32(tr.prior_weight)
            if tr.prior_weight > 0:
                trust /= denom
            else:  # no prior: the expectation only until the first alarm
                np.divide(trust, denom, out=trust, where=denom > 0)
                trust[denom <= 0] = tr.initial_precision
            # a Python float keeps the per-user arithmetic in float32
            measured = getattr(self.p.response.modes, MODES[m]).measured_at_precision
            trust = _value.trust_multiplier(float(self.w), trust, measured)
            # counts as float32 first: exact, and the float32 sum equals the float64 one rounded
            np.add(S, pos, out=S, dtype=f32)
            np.add(F, neg, out=F, dtype=f32)
            new[:, 2] = S
            new[:, 3] = F
        elif m in self.static_trust:
            trust = self.static_trust[m][rep.take(idx)].astype(f32)
        if trust is not None:
            trust_row = moved_row = n_parts
            np.multiply(trust, total, out=parts[n_parts])
            n_parts += 1
            if moved is None:
                moved = trust
            else:
                moved *= trust
                moved_row = n_parts
                np.multiply(moved, total, out=parts[n_parts])
                n_parts += 1
        self._acts(parts[2], parts[3], idx, pos, neg, m, moved, multi)
        summed = _segment_sums(parts[:n_parts], starts, R)
        n_sum = summed[0]
        if m in _SHOWN:
            sums[2] += summed[habit_row]
            sums[3] += n_sum
        if trust is not None:
            sums[0] += summed[trust_row]
            sums[1] += n_sum
        a_pos, a_neg = self.act[m]
        # compliance: P(act | positive) averaged over the interactions
        sums[4] += _value.acted_sum(u_pos, a_pos, n_sum, summed[moved_row])
        sums[5] += n_sum
        pos_sum = summed[1]
        self.rec_n[d, :, _POS, m] = pos_sum
        self.rec_n[d, :, _NEG, m] = n_sum - pos_sum
        self.rec_acted[d, :, _POS, m] = summed[3]
        self.rec_acted[d, :, _NEG, m] = summed[2] - summed[3]
        if m in self.state:
            packed[s] = new.view(np.complex128).ravel()
        if m in self.last_cd:
            self.last_cd[m][s] = d

    def _acts(self, acted, acted_pos, idx, pos, neg, m, moved, multi) -> None:
        """Which events of mode m are acted on, each with the chance of
        :func:`value.act_probability` (``moved`` per user, or None for 1): into ``acted``
        (all) and ``acted_pos`` (positives), per user at ``idx``. A user's one event of the
        day is acted on when what is left of its uniform (``self.u_left``) is below that chance;
        users with several (at ``multi``, a superset) draw a uniform per event."""
        u_pos, u_neg = self.u
        a_pos, a_neg = self.act[m]
        one = 1.0 if moved is None else moved
        chance = np.asarray(_value.act_probability(u_neg, a_neg, one))
        if chance.ndim == 0:
            chance = np.full(idx.size, chance)
        on_pos = np.flatnonzero(pos != 0)
        if on_pos.size:
            chance[on_pos] = _value.act_probability(
                u_pos, a_pos, one if moved is None else moved[on_pos]
            )
        np.less(self.u_left.take(idx), chance, out=acted, casting="unsafe")
        np.multiply(acted, pos, out=acted_pos, casting="unsafe")
        if multi.size:  # (positives, negatives) x users, one binomial draw for all
            one = 1.0 if moved is None else moved.take(multi)
            chances = _value.act_probability(self.u[:, None], np.array(self.act[m])[:, None], one)
            k = np.stack([pos.take(multi), neg.take(multi)])
            x = self._binomials(k.ravel(), np.broadcast_to(chances, k.shape).ravel())
            x = x.reshape(k.shape)
            acted_pos[multi] = x[0]
            acted[multi] = x[0] + x[1]
