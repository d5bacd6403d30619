"""The sparse draws of a simulated day: which users meet an interaction, how many events
each, of which classes, and how many of them are acted on.

A mixin of the run (run.py): its methods read the run's day rates (``_Run._rates``) and
draw from its counting generator. Every draw is exact: the users by geometric skips, the
counts by inversion of the zero-truncated Poisson, the classes by a categorical draw per
event (sequential binomials for many events), the responses by a Bernoulli per event
(a binomial for many).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..evaluation import value as _value
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
    cum0: np.ndarray
    cond: np.ndarray
    cum_flat: np.ndarray
    p_one: np.ndarray
    big_rep: np.ndarray
    starts: np.ndarray
    class_per_rep: np.ndarray
    several: np.ndarray  # set each day by _split: positions of users with more than one event
    mixed: np.ndarray  # and of those with a class other than the first, or several events

    def _select(self) -> tuple[np.ndarray, np.ndarray]:
        """Flat slots of the users with at least one event of a class today (abandoned or
        not), sorted; and their replication. Each user has one with chance p = 1 - exp(-L),
        independently, so the gaps between them are geometric: about p * users draws."""
        R, U = self.R, self.U
        p = -np.expm1(-self.Lam)
        dead = p <= 0
        if dead.all():
            return np.empty(0, np.int64), np.empty(0, np.int64)
        with np.errstate(divide="ignore"):
            log_q = np.log1p(-np.where(dead, 0.5, p))[:, None]  # -inf where p is 1

        def gaps(m: int) -> np.ndarray:
            # geometric by inversion, in place: ceil(log(u) / log(1 - p)), u in (0, 1]
            g = self.rng.random((R, m))
            np.subtract(1.0, g, out=g)
            np.log(g, out=g)
            with np.errstate(over="ignore"):  # p so small that the gap overflows: no user
                g /= log_q
            np.ceil(g, out=g)
            # u = 1 (log 0) and p = 1 give gaps of 1; a gap past the last user is as good
            # as infinite
            np.clip(g, 1.0, U + 1, out=g)
            g[dead] = U + 1
            return g

        mean = p * U
        m = int(np.ceil((mean + 4 * np.sqrt(mean * (1 - p)) + 8).max()))
        pos = gaps(m)
        np.cumsum(pos, axis=1, out=pos)
        pos -= 1
        while True:
            short = pos[:, -1] < U - 1
            if not short.any():
                break
            extra = np.cumsum(gaps(max(16, m // 4)), axis=1) + pos[:, -1:]
            extra[~short] = U + 1
            pos = np.concatenate([pos, extra], axis=1)
        # Row-major, so sorted by replication and slot; flat slots without a 2-D gather.
        keep = pos < U
        pos += (np.arange(R) * U)[:, None]
        rep = np.repeat(np.arange(R, dtype=np.int64), np.count_nonzero(keep, axis=1))
        return pos.ravel()[keep.ravel()].astype(np.int64), rep

    def _counts(self, rep: np.ndarray) -> np.ndarray:
        """Each selected user's number of events today: Poisson(L) given at least one. By
        inversion (one uniform; the usual answer is 1), or by rejection where L > 8."""
        K = rep.size
        n = np.ones(K, dtype=np.int64)
        if not K:
            return n
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
            rep_small = rep[small]
        else:  # the usual case: every user's count by inversion
            small, rep_small = np.arange(K), rep
        u = self.rng.random(small.size)
        more = np.flatnonzero(u >= self.p_one[rep_small])
        if not more.size:
            return n
        lam = self.Lam[rep_small[more]]
        e = np.exp(-lam)
        target = e + u[more] * (1 - e)
        pmf = lam * e
        cdf = e + pmf
        todo = np.arange(more.size)
        k = 1
        while todo.size and k < 400:
            k += 1
            pmf[todo] *= lam[todo] / k
            cdf[todo] += pmf[todo]
            n[small[more[todo]]] = k
            todo = todo[cdf[todo] < target[todo]]
        return n

    def _split(self, n: np.ndarray, rep: np.ndarray) -> np.ndarray:
        """Split each user's count into the classes: (rows, users), rows being truth * 5 +
        mode for the classes that go to users, then one per escalation-eligible class."""
        C, K, R = len(self.classes), n.size, self.R
        rows = np.zeros((self.n_rows, K), dtype=np.int32)
        self.class_per_rep = np.zeros((R, C), dtype=np.int64)
        if C == 1:
            rows[self.row_of[0]] = n
            self.class_per_rep[:, 0] = _by_rep(rep, n.astype(float), R)
            self.several = np.flatnonzero(n > 1)
            self.mixed = np.arange(K)
            return rows
        is_one = n == 1
        one = np.flatnonzero(is_one)
        several = np.flatnonzero(~is_one)
        moved = several[:0]
        if one.size:
            # Classes are ordered by share, so most users are settled by the first compare.
            # Everyone goes to the first class, then the few who drew another move: two
            # writes and a count per replication instead of passes over everyone's class.
            r = rep[one]
            u = self.rng.random(one.size)
            rest = np.flatnonzero(u >= self.cum0[r])
            np.copyto(rows[self.row_of[0]], is_one)
            self.class_per_rep[:, 0] += np.diff(np.searchsorted(r, np.arange(R + 1)))
            if rest.size:
                rr = r[rest]
                c = np.searchsorted(self.cum_flat, rr + u[rest], side="right") - rr * (C - 1)
                np.clip(c, 0, C - 1, out=c)
                moved = one[rest]
                rows[self.row_of[0], moved] = 0
                rows[self.row_of[c], moved] = 1
                self.class_per_rep[:, 0] -= np.bincount(rr, minlength=R)
                self.class_per_rep += np.bincount(rr * C + c, minlength=R * C).reshape(R, C)
        # The only users with a class other than the first, or with more than one event
        self.mixed = np.sort(np.concatenate([moved, several]))
        self.several = several
        few = several[n[several] <= _FEW]
        if few.size:
            # A few events each: every event picks its class (one uniform), which is the
            # multinomial split for the cost of one draw per event.
            owner = np.repeat(few, n[few])
            r = rep[owner]
            u = self.rng.random(owner.size)
            cls = np.searchsorted(self.cum_flat, r + u, side="right") - r * (C - 1)
            np.clip(cls, 0, C - 1, out=cls)
            local = np.repeat(np.arange(few.size), n[few])
            split = np.bincount(local * C + cls, minlength=few.size * C).reshape(-1, C)
            # (class row, user) pairs are distinct: a plain gather-add-scatter is exact
            at = (self.row_of[:, None] * K + few).ravel()
            rows.ravel()[at] += split.T.ravel().astype(np.int32)
            self.class_per_rep += np.bincount(r * C + cls, minlength=R * C).reshape(R, C)
        more = several[n[several] > _FEW]
        if more.size:  # many: sequential binomials, a draw per class
            left = n[more]
            r = rep[more]
            for c in range(C):
                x = self.rng.binomial(left, self.cond[r, c]) if c < C - 1 else left
                rows[self.row_of[c], more] += x.astype(np.int32)
                self.class_per_rep[:, c] += _by_rep(r, x.astype(float), R).astype(np.int64)
                left = left - x
        return rows

    def _sum(self, x: np.ndarray) -> np.ndarray:
        """Per-replication sums of per-user values (..., users) -> (..., replications), for
        the day's users (sorted by replication; self.starts marks where each begins)."""
        return _segment_sums(np.asarray(x), self.starts, self.R)

    def _act(
        self, counts: np.ndarray, unprompted: float, act: float, moved: Any, r, starts, multi
    ) -> np.ndarray:
        """Per replication, how many of the counted events are acted on, each with the
        chance of :func:`value.act_probability` (moved per user, or None for 1): a Bernoulli
        draw (one uniform) where a user met one event, more where more (see _successes).
        Dense counts draw a uniform for every user; sparse ones (positives, usually) only
        where there is an event. ``multi``: the positions of the users who may have more
        than one (a superset of those who do)."""
        K = counts.size
        nnz = np.count_nonzero(counts)
        if not nnz:
            return np.zeros(self.R)
        if nnz * 2 < K:
            nz = np.flatnonzero(counts)
            n = counts[nz]
            p = _value.act_probability(unprompted, act, 1.0 if moved is None else moved[nz])
            acted = (self.rng.random(nz.size) < p).astype(float)
            self._successes(acted, n, p, np.flatnonzero(n > 1))
            return _by_rep(r[nz], acted, self.R)
        p = _value.act_probability(unprompted, act, 1.0 if moved is None else moved)
        # a Bernoulli for one event (0 events: 0); several are drawn on below
        acted = np.multiply(self.rng.random(K) < p, counts, dtype=np.float32)
        self._successes(acted, counts, p, multi[counts[multi] > 1])
        return _segment_sums(acted, starts, self.R)

    def _successes(self, acted: np.ndarray, n: np.ndarray, p: Any, more: np.ndarray) -> None:
        """Where n > 1 (at ``more``), replace acted (a Bernoulli draw with chance p, or n
        times it) by a binomial(n, p) draw: for a few events the first Bernoulli and n - 1
        more, one uniform each; for many, numpy's binomial."""
        if not more.size:
            return
        k = n[more]
        pk = p[more] if np.ndim(p) else p
        few = k <= _FEW
        first = acted[more] > 0  # the Bernoulli already drawn is the first event's
        if few.all():
            owner = np.repeat(np.arange(more.size), k - 1)
            u = self.rng.random(owner.size)
            hits = u < (pk[owner] if np.ndim(pk) else pk)
            acted[more] = first + np.bincount(owner, hits, minlength=more.size)
            return
        f, g = np.flatnonzero(few), np.flatnonzero(~few)
        owner = np.repeat(f, k[f] - 1)
        u = self.rng.random(owner.size)
        hits = u < (pk[owner] if np.ndim(pk) else pk)
        acted[more[f]] = first[f] + np.bincount(owner, hits, minlength=more.size)[f]
        acted[more[g]] = self.rng.binomial(k[g], pk[g] if np.ndim(pk) else pk)
