"""The day's limits on what reaches users: cooldowns, design caps, the automation
guardrail, escalation to a person, and abandonment after false alarms.

A mixin of the run (run.py), like draws.py: its methods change the day's count matrix M
(truth x mode x user) in place and read and write the run's per-user state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..preset.schema import Escalation
from .plan import _AUTOMATING, _by_rep


class _Guards:
    """The run's limits; see the module docstring. Attributes are the run's."""

    rng: Any
    R: int
    U: int
    D: int
    scale: float
    p: Any
    rec: dict[str, np.ndarray]
    rec_esc_n: np.ndarray
    rec_esc_acted: np.ndarray
    modes: list[int]
    target: dict[int, int]
    cap: dict[int, int | None]
    cooldown: dict[int, int]
    last_cd: dict[int, np.ndarray]
    esc_cols: list[int]
    mixed: np.ndarray
    esc_truth: np.ndarray
    esc_mode: np.ndarray
    abandon_day: np.ndarray
    hist: np.ndarray
    met: dict[int, np.ndarray]  # set each day by _limit
    n: np.ndarray  # the day's events per user, set by the run

    def _limit(self, d: int, slots: np.ndarray, rep: np.ndarray, M: np.ndarray) -> None:
        """Cooldowns, design caps and the automation guardrail, most forceful mode first:
        events over them move to the mode's over-cap mode (M changes in place)."""
        R, rec = self.R, self.rec
        gcap = self.p.guardrails.max_automations_per_day
        self.met = {}  # per mode, the day's users who meet it (see _met)
        for m in self.modes:
            target = self.target[m]
            if m in self.last_cd and slots.size:
                met = self._met(M, m)
                hit = met[d - self.last_cd[m][slots[met]] <= self.cooldown[m]]
                if hit.size:
                    moved = M[:, m, hit]
                    M[:, target, hit] += moved
                    M[:, m, hit] = 0
                    rec["demotions"][d] += _by_rep(rep[hit], moved.sum(axis=0), R)
                    self.met[m] = np.setdiff1d(met, hit, assume_unique=True)
                    self.met.pop(target, None)
            if self.cap[m] is not None:
                self._cap(M, m, self.cap[m], target, rep, rec["demotions"][d])
            if m in _AUTOMATING and gcap is not None:
                self._cap(M, m, gcap, target, rep, rec["automation_cap"][d])

    def _met(self, M: np.ndarray, m: int) -> np.ndarray:
        """The day's users (positions in M) with events of mode m, found once a day and
        kept up to date as caps and cooldowns move events between modes."""
        met = self.met.get(m)
        if met is None:  # counts are never negative: either is nonzero
            # (nonzero of a boolean array is about twice as fast as of int32)
            met = self.met[m] = np.flatnonzero((M[0, m] | M[1, m]) != 0)
        return met

    def _cap(self, M, m, cap, target, rep, counter) -> None:
        """At most ``cap`` events of mode m per user-day; those over it are a uniformly
        random subset of the day's (the later ones), whatever their truth."""
        met = self._met(M, m)
        # Only users with more than the cap of all their events today (n) can be over it.
        look = np.flatnonzero(self.n > cap) if 4 * met.size > M.shape[-1] else met
        over = look[M[0, m].take(look) + M[1, m].take(look) > cap]
        if not over.size:
            return
        self.met.pop(target, None)
        if cap == 0:
            self.met[m] = np.setdiff1d(met, over, assume_unique=True)
        pos, neg = M[0, m, over].astype(np.int64), M[1, m, over].astype(np.int64)
        if cap == 0:
            keep_pos = np.zeros_like(pos)
        else:
            keep_pos = self.rng.hypergeometric(pos, neg, np.full(over.size, cap))
        keep_neg = cap - keep_pos
        M[0, m, over], M[1, m, over] = keep_pos, keep_neg
        M[0, target, over] += (pos - keep_pos).astype(M.dtype)
        M[1, target, over] += (neg - keep_neg).astype(M.dtype)
        counter += _by_rep(rep[over], (pos + neg - cap).astype(float), self.R)

    def _escalate(
        self, d: int, E: np.ndarray, rep: np.ndarray, M: np.ndarray, esc: Escalation
    ) -> None:
        """Escalation-eligible events (E: eligible class x user) go to a human, up to the
        capacity (a uniformly random subset of the day's when over it); the rest go on in
        their band's mode."""
        R = self.R
        # Users with nothing but the first class cannot have an eligible event unless the
        # first class is eligible.
        look = self.mixed if 0 not in self.esc_cols else np.arange(E.shape[1])
        items = look[E.take(look, axis=1).any(axis=0)]
        E = E.take(items, axis=1).astype(np.int64)
        r = rep.take(items)
        ce, K = E.shape
        fall = np.zeros_like(E)
        if esc.capacity_per_day is not None and K:
            total = _by_rep(r, E.sum(axis=0).astype(float), R)
            capacity = np.floor(esc.capacity_per_day / self.scale + self.rng.random(R))
            if (total > capacity).any():
                flat = E.T.ravel()  # user-major: entry = user * ce + class
                idx = np.repeat(np.arange(flat.size), flat)
                ev_rep = r[idx // ce]
                order = np.lexsort((self.rng.random(idx.size), ev_rep))
                ev_rep = ev_rep[order]
                rank = np.arange(idx.size) - np.searchsorted(ev_rep, ev_rep, side="left")
                over = rank >= capacity[ev_rep]
                fall = np.bincount(idx[order][over], minlength=flat.size).reshape(K, ce).T
                self.rec["escalations_over_capacity"][d] = _by_rep(
                    r, fall.sum(axis=0).astype(float), R
                )
        # The events over capacity go back to their (truth, mode) cells, all eligible classes
        # at once: those pairs are distinct, so each cell is touched once.
        t_of, m_of = self.esc_truth[:, None], self.esc_mode[:, None]
        back = np.flatnonzero(fall != 0)
        if back.size:
            c, u = np.divmod(back, K)
            cells = np.reshape(M, -1, copy=False)  # a view: M changes in place
            at = (t_of[c, 0] * M.shape[1] + m_of[c, 0]) * M.shape[2] + items.take(u)
            cells[at] += fall.reshape(-1).take(back).astype(M.dtype)
        at = (r * 2 + t_of).ravel()  # replication x truth
        kept = (E - fall).ravel().astype(float)
        handled = np.bincount(at, weights=kept, minlength=2 * R).reshape(R, 2).astype(np.int64)
        self.rec_esc_n[d] = handled  # how many of them are acted on: the run's _aggregates

    def _false_alarms(self, d: int, s: np.ndarray, neg: np.ndarray, tolerance: np.ndarray) -> None:
        """Count false interruptions against each user's tolerance (what is left of it, per
        user, updated in place); those who run out abandon the feature from the next day."""
        hit = neg != 0
        n_hit = np.count_nonzero(hit)
        if not n_hit:
            return
        if 4 * n_hit > 3 * neg.size:  # nearly everyone: no index, users at 0 change nothing
            users = s
            left = tolerance.take(users) - neg
        else:
            hit = np.flatnonzero(hit)
            users = s[hit]
            left = tolerance[users] - neg[hit]
        tolerance[users] = left
        # Those already at 0 or below abandoned on an earlier day, or today in another mode.
        quit_ = users[left <= 0]
        quit_ = quit_[self.abandon_day[quit_] > d + 1]
        if quit_.size:
            r = quit_ // self.U
            flat = self.hist.reshape(-1)  # 1-D indices take np.add.at's fast path
            np.add.at(flat, r * (self.D + 1) + self.abandon_day[quit_], -1)
            np.add.at(flat, r * (self.D + 1) + (d + 1), 1)
            self.abandon_day[quit_] = d + 1
