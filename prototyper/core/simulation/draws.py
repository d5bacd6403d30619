"""The sparse draws of a simulated day: which users meet an interaction, how many events
each, of which classes, and how many of them are acted on.

A mixin of the run (run.py): its methods read the run's day rates (``_Run._rates``) and
draw from its counting generator. Every draw is exact: the users by geometric skips (an
exponential each), the counts by inversion of the zero-truncated Poisson, the classes by a
categorical draw per event (sequential binomials for many events), the responses by a
Bernoulli per event (a binomial for many). A user-day with one event, the usual one, takes
a single uniform for all three, by inversion (see _events).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .plan import _by_rep, _segment_sums

# Up to this many events of a user-day are split and acted on one uniform per event; more
# take a binomial per class (a uniform each is cheaper than numpy's binomial set-up).
_FEW = 16


class _Draws:
    """The run's per-user draws; see the module docstring. Attributes are the run's."""

    rng: Any
    R: int
    U: int
    # Set by the run each day (``_Run._rates``) or once (``_Run.__init__``).
    classes: list[tuple[int, int, bool]]
    row_of: np.ndarray
    n_rows: int
    Lam: np.ndarray
    cum_hi: np.ndarray
    lam: np.ndarray
    cum_flat: np.ndarray
    p_one: np.ndarray
    p_first: np.ndarray
    big_rep: np.ndarray
    starts: np.ndarray
    # Set each day by _events: the users' class counts by replication, the positions of
    # the users whose events are drawn one by one (all with more than one), of those and
    # the users with a class other than the first, and what is left of each single event's
    # uniform (see _events)
    class_per_rep: np.ndarray
    several: np.ndarray
    mixed: np.ndarray
    u_left: np.ndarray

    def _select(self) -> np.ndarray:
        """Flat slots of the users with at least one event of a class today (abandoned or
        not), sorted. Each user has one with chance p = 1 - exp(-L),
        independently, so the gaps between them are geometric: about p * users draws."""
        R, U = self.R, self.U
        Lam = self.Lam
        # Below 1e-300 a replication's chance of any user is below 1e-290: none, which
        # keeps 1 / L finite
        dead = ~(Lam > 1e-300)
        if dead.all():
            return np.empty(0, np.int64)
        scale = 1.0 / np.where(dead, 1.0, Lam)[:, None]

        def gaps(m: int) -> np.ndarray:
            # geometric with P(gap > k) = exp(-L k) = (1 - p)^k: 1 + floor(E / L), E
            # exponential; a gap past the last user is as good as infinite, inf included
            g = self.rng.standard_exponential((R, m))
            with np.errstate(over="ignore"):
                g *= scale
            np.floor(g, out=g)
            g += 1.0
            if dead.any():
                g[dead] = U + 1
            return g

        p = -np.expm1(-Lam)
        mean = p * U
        m = int(np.ceil((mean + 4 * np.sqrt(mean * (1 - p)) + 8).max()))
        # Flat slots straight away: each row starts one before its replication's first
        # slot, and ends at the next replication's first
        pos = gaps(m)
        pos[:, 0] += np.arange(R) * U - 1.0
        np.cumsum(pos, axis=1, out=pos)
        end = (np.arange(1, R + 1) * U)[:, None]
        while True:
            short = pos[:, -1] < end[:, 0] - 1
            if not short.any():
                break
            extra = np.cumsum(gaps(max(16, m // 4)), axis=1) + pos[:, -1:]
            extra[~short] = np.inf
            pos = np.concatenate([pos, extra], axis=1)
        # Row-major, so sorted by replication and slot
        return pos[pos < end].astype(np.int64)

    def _events(self, rep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each selected user's events today, (count per user, (rows, users) split into
        the classes: rows being truth * 5 + mode for the classes that go to users, then one
        per escalation-eligible class).

        One uniform u per user settles the usual user-day, one event: it is one event of
        the first class when u < P(one event) * P(first class) (per replication), of class
        c when u < P(one event) by inversion of the class shares, and otherwise two or more
        events, by inversion of the Poisson given at least two. What is left of u once
        count and class are known is again uniform and independent of both: it is kept
        (``self.u_left``) for the act draw of that one event. Users with several events (and
        those of replications with more than 8 events a day, drawn by Poisson rejection)
        get a uniform per event for its class (sequential binomials for many)."""
        C, K, R = len(self.classes), rep.size, self.R
        n = np.ones(K, dtype=np.int64)
        rows = np.zeros((self.n_rows, K), dtype=np.int32)
        self.class_per_rep = np.zeros((R, C), dtype=np.int64)
        u = self.rng.random(K)
        a = np.repeat(self.p_first, np.diff(self.starts))  # p_first[rep], written in runs
        first = u < a
        with np.errstate(divide="ignore", invalid="ignore"):  # a is 0 where L > 8
            self.u_left = u / a  # what is left of u for the first class's single events
        row0 = rows[self.row_of[0]]
        row0[:] = first
        self.class_per_rep[:, 0] = _segment_sums(row0, self.starts, R).astype(np.int64)
        rest = np.flatnonzero(~first)
        rr = rep.take(rest)
        ur = u.take(rest)
        p1 = self.p_one.take(rr)
        single = ur < p1
        if self.big_rep.any():
            single &= ~self.big_rep[rr]
        moved = rest[single]
        if moved.size:  # one event of a class other than the first: inversion of the shares
            rm = rr[single]
            v = ur[single] / p1[single]  # uniform on [share of the first, 1)
            hi = self.cum_hi[rm]  # (users, C) cumulative class shares, the last 1
            c = np.count_nonzero(hi[:, :-1] <= v[:, None], axis=1)
            lo = hi[np.arange(c.size), c - 1]
            self.u_left[moved] = (v - lo) / (hi[np.arange(c.size), c] - lo)
            rows[self.row_of[c], moved] = 1
            self.class_per_rep += np.bincount(rm * C + c, minlength=R * C).reshape(R, C)
        several = rest[~single]
        if several.size:
            n[several] = self._many(rep[several], ur[~single])
        # The only users with a class other than the first, or with more than one event:
        # those not settled by the first comparison (moved and several split them)
        self.mixed = rest
        self.several = several
        few = several[n[several] <= _FEW]
        if few.size:
            # A few events each: every event picks its class (one uniform), which is the
            # multinomial split for the cost of one draw per event.
            owner = np.repeat(few, n[few])
            r = rep[owner]
            cu = self.rng.random(owner.size)
            cls = np.searchsorted(self.cum_flat, r + cu, side="right") - r * (C - 1)
            np.clip(cls, 0, C - 1, out=cls)
            local = np.repeat(np.arange(few.size), n[few])
            split = np.bincount(local * C + cls, minlength=few.size * C).reshape(-1, C)
            # (class row, user) pairs are distinct: a plain gather-add-scatter is exact
            at = (self.row_of[:, None] * K + few).ravel()
            rows.ravel()[at] += split.T.ravel().astype(np.int32)
            self.class_per_rep += np.bincount(r * C + cls, minlength=R * C).reshape(R, C)
        more = several[n[several] > _FEW]
        if more.size:  # many: sequential binomials, a draw per class
            tail = np.cumsum(self.lam[:, ::-1], axis=1)[:, ::-1]
            cond = np.divide(self.lam, tail, out=np.zeros_like(self.lam), where=tail > 0)
            left = n[more]
            r = rep[more]
            for c in range(C):
                x = self.rng.binomial(left, cond[r, c]) if c < C - 1 else left
                rows[self.row_of[c], more] += x.astype(np.int32)
                self.class_per_rep[:, c] += _by_rep(r, x.astype(float), R).astype(np.int64)
                left = left - x
        return n, rows

    def _many(self, rep: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The number of events of users who have more than one: Poisson(L) given at least
        two, by inversion of u (uniform on [P(one | at least one), 1)); for replications
        with L > 8, Poisson(L) given at least one, by rejection (u unused)."""
        n = np.ones(rep.size, dtype=np.int64)
        small = np.arange(rep.size)
        if self.big_rep.any():
            big = self.big_rep[rep]
            idx = np.flatnonzero(big)
            while idx.size:
                draw = self.rng.poisson(self.Lam[rep[idx]])
                n[idx] = draw
                idx = idx[draw == 0]
            small = np.flatnonzero(~big)
            if not small.size:
                return n
        lam = self.Lam[rep[small]]
        e = np.exp(-lam)
        target = e + u[small] * (1 - e)
        pmf = lam * e
        cdf = e + pmf
        todo = np.arange(small.size)
        k = 1
        while todo.size and k < 400:
            k += 1
            pmf[todo] *= lam[todo] / k
            cdf[todo] += pmf[todo]
            n[small[todo]] = k
            todo = todo[cdf[todo] < target[todo]]
        return n

    def _sum(self, x: np.ndarray) -> np.ndarray:
        """Per-replication sums of per-user values (..., users) -> (..., replications), for
        the day's users (sorted by replication; self.starts marks where each begins)."""
        return _segment_sums(np.asarray(x), self.starts, self.R)

    def _binomials(self, k: np.ndarray, p: np.ndarray) -> np.ndarray:
        """A binomial(k, p) draw per entry: a uniform per trial where k is a few (cheaper
        than numpy's binomial set-up), numpy's binomial where many."""
        few = k <= _FEW
        f = np.flatnonzero(few)
        owner = np.repeat(f, k[f])
        hits = self.rng.random(owner.size) < p[owner]
        out = np.bincount(owner, hits, minlength=k.size)
        if f.size < k.size:
            g = np.flatnonzero(~few)
            out[g] = self.rng.binomial(k[g], p[g])
        return out
