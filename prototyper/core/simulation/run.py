"""The day loop of the simulation: a seeded Monte Carlo of a population of users, day by day.

The static engine (engine.py) answers "what is this design worth on an average day?". This
module answers "and over the horizon?": users habituate across days, learn how often alarms
are right, abandon the feature after false alarms; caps, cooldowns and guardrails act per
user and day; labels retrain the model while the world drifts; and, for predictive policing,
the data feeds back into where patrols go (feedback.py). The model is written up in
docs/MODEL.md, "Over time: the simulation".

How it is computed, so that cost does not grow with the number of events:

- Replications and users are one flat axis of ``replications * users`` user slots; days are
  a loop.
- Events are Poisson per user-day, split into classes (mode x truth x escalated or not) by
  the band shares of the model's current AUC. Silent events (mode ``none``) and the events of
  users who abandoned the feature change no user's state, so they are drawn as one Poisson
  count per replication-day and class.
- The events that reach users are drawn per user, sparsely: each user has at least one with
  chance 1 - exp(-L) (L the user's rate of such events), so the users who do are found by
  geometric skips; each of them gets a zero-truncated Poisson count, split into classes
  (a categorical draw per event for a few events, sequential binomials for many). All exact.
  The usual user-day, one event, takes one uniform for its count, its class and whether it
  is acted on (inversion, what is left of the uniform carried to the next draw). These
  draws are in draws.py.
- The day's counts per replication (silent events, the abandoned users' events, the acts
  among them and among escalated events, labels) are one Poisson and one binomial call.
- Per-user state (habituation, experienced precision, cooldowns, false alarms left before
  abandoning) is touched only on the days the user meets an interaction; decays between
  those days are applied lazily.

The same preset, seed, replications and users give identical results everywhere.

One class, :class:`_Run`, holds the state of the run (per-user arrays, the model's AUC, the
day's counts) and steps it one day at a time; its steps share that state. Three mixins hold
steps by job: the per-user draws (draws.py), the day's limits, i.e. cooldowns, caps,
guardrails, escalation and abandonment after false alarms (guards.py), and the users'
responses with their state moving on (respond.py).
"""

from __future__ import annotations

import math
from dataclasses import replace
from types import MappingProxyType

import numpy as np

from ..evaluation import value as _value
from ..evaluation.engine import evaluate, outcome_masses
from ..evaluation.value import STAKEHOLDER, UNIT
from ..model.scores import BinormalScores, ScoreModel, binormal_rates
from ..preset.schema import MODES, Band, Preset
from .draws import _Draws
from .feedback import FeedbackResult, allocation_value, simulate_feedback
from .guards import _Guards
from .plan import (
    _BIG,
    _INTERRUPTING,
    _NEG,
    _NM,
    _NONE,
    _POS,
    _SHOWN,
    _USER_ROWS,
    _CountingRng,
    _segments,
)
from .respond import _Respond
from .results import SERIES, SUMMARY, Cancelled, DayTrace, Simulation, _series, _stat

AUC_FLOOR = 0.501  # drift stops here: a binormal model needs AUC > 0.5


SUMMARY_WINDOW = 30  # days at the end over which state-like summary figures are averaged


def learning_curve(n: np.ndarray | float, auc0: float, auc_max: float, n0: float, k: float):
    """AUC after n (effective) labels: auc_max - (auc_max - auc0) * (n0 / (n0 + n))^k."""
    return auc_max - (auc_max - auc0) * (n0 / (n0 + np.asarray(n, dtype=float))) ** k


class _Run(_Guards, _Draws, _Respond):
    def __init__(self, preset: Preset, seed: int, reps: int, users: int, scores: ScoreModel):
        self.p = preset
        sc, dyn, g, tel = preset.scenario, preset.dynamics, preset.guardrails, preset.telemetry
        self.seed, self.R, self.U, self.D = seed, reps, users, sc.horizon_days
        self.RU = reps * users
        self.bounds = np.arange(reps + 1)  # where each replication's users begin, searched
        self.scale = sc.users / users
        self.pi, self.per_day = sc.base_rate, sc.events_per_user_per_day
        self.rng = _CountingRng(seed)
        self.scores = scores
        self.habit_on = dyn.habituation.enabled
        self.trust_on = dyn.trust.enabled
        self.aband_on = dyn.abandonment.enabled
        self.tele_on = tel.enabled
        self.esc = g.escalation if g.escalation.enabled else None

        # Segments and classes. A class is (mode, truth, escalated); silent, non-escalated
        # events are drawn in aggregate.
        self.segs = _segments(preset)
        self.cuts = np.array([s.low for s in self.segs])
        classes: list[tuple[int, int, bool]] = []
        for s in self.segs:
            for t in (_POS, _NEG):
                key = (s.mode, t, s.escalated)
                if (s.mode != _NONE or s.escalated) and key not in classes:
                    classes.append(key)
        # Largest class first (at the starting AUC): the split settles most users with one
        # comparison.
        t0, f0 = scores.rates_at(self.cuts)
        share_pos = self.pi * np.diff(t0, prepend=0.0)
        share_neg = (1 - self.pi) * np.diff(f0, prepend=0.0)
        weight = dict.fromkeys(classes, 0.0)
        for s, sp, sn in zip(self.segs, share_pos, share_neg, strict=True):
            for t, share in ((_POS, sp), (_NEG, sn)):
                if (s.mode, t, s.escalated) in weight:
                    weight[(s.mode, t, s.escalated)] += share
        classes.sort(key=lambda k: -weight[k])
        self.classes = classes
        n_seg, n_cls = len(self.segs), len(classes)
        # seg -> class incidence for positives and negatives, and for the floored part
        self.a_pos = np.zeros((n_seg, n_cls))
        self.a_neg = np.zeros((n_seg, n_cls))
        self.none_pos = np.zeros(n_seg)
        self.none_neg = np.zeros(n_seg)
        self.floored = np.array([s.floored for s in self.segs], dtype=float)
        self.any_floored = bool(self.floored.any())
        self.rep_col = np.arange(reps)[:, None]
        for i, s in enumerate(self.segs):
            if s.mode == _NONE and not s.escalated:
                self.none_pos[i] = self.none_neg[i] = 1.0
                continue
            self.a_pos[i, classes.index((s.mode, _POS, s.escalated))] = 1.0
            self.a_neg[i, classes.index((s.mode, _NEG, s.escalated))] = 1.0
        # (positive, negative) segment shares -> [class rates, silent rates by truth], per
        # user-day, then the same for the part below the confidence floor: one product a day
        zero = np.zeros((n_seg, 1))
        by_seg = self.per_day * np.block(
            [
                [self.pi * self.a_pos, self.pi * self.none_pos[:, None], zero],
                [(1 - self.pi) * self.a_neg, zero, (1 - self.pi) * self.none_neg[:, None]],
            ]
        )
        floored = np.concatenate([self.floored, self.floored])[:, None]
        self.rate_matrix = np.hstack([by_seg, by_seg * floored]) if self.any_floored else by_seg
        self.esc_cols = [c for c, k in enumerate(classes) if k[2]]
        self.esc_truth = np.array([classes[c][1] for c in self.esc_cols], dtype=np.int64)
        self.esc_mode = np.array([classes[c][0] for c in self.esc_cols], dtype=np.int64)
        # Row of each class in the day's count matrix: truth * modes + mode for the classes
        # that go to users, then one row per escalation-eligible class.
        self.row_of = np.array(
            [
                _USER_ROWS + self.esc_cols.index(c) if e else t * _NM + m
                for c, (m, t, e) in enumerate(classes)
            ],
            dtype=np.int64,
        )
        self.n_rows = _USER_ROWS + len(self.esc_cols)

        # Modes the users can meet: those of the classes and what their caps demote to.
        modes = {m for m, _, _ in classes if m != _NONE}
        design = preset.experience.modes
        frontier = list(modes)
        while frontier:
            m = frontier.pop()
            target = MODES.index(getattr(design, MODES[m]).over_cap)
            if target != _NONE and target not in modes:
                modes.add(target)
                frontier.append(target)
        self.modes = sorted(modes)
        self.target = {m: MODES.index(getattr(design, MODES[m]).over_cap) for m in self.modes}
        self.cap = {m: getattr(design, MODES[m]).daily_cap for m in self.modes}
        self.cooldown = {m: getattr(dyn.cooldown_days, MODES[m]) for m in self.modes}
        self.cd_modes = [m for m in self.modes if self.cooldown[m] > 0]

        resp = preset.response
        self.u = np.array([resp.unprompted.positive, resp.unprompted.negative])
        # chances of the day's binomial splits, per replication and truth (see _aggregates)
        self.u_rows = np.broadcast_to(self.u, (reps, 2))
        esc = g.escalation
        self.esc_rows = np.broadcast_to([esc.act_if_positive, esc.act_if_negative], (reps, 2))
        self.label_rows = np.full((reps, 2), tel.label_share)
        self.wrong_rows = np.broadcast_to([tel.wrong_if_positive, tel.wrong_if_negative], (reps, 2))
        self.act = {}
        self.habit_rate = {}
        for m in self.modes:
            r, f = getattr(resp.modes, MODES[m]), getattr(design, MODES[m]).forcefulness
            self.act[m] = (r.act_if_positive.at(f), r.act_if_negative.at(f))
            rate = r.habituation if m in _SHOWN else 0.0
            # Per-user state is float32: a rate too small to change log(1 - rate) there
            # (below about 6e-8) habituates no one, and is treated as none rather than 0/0.
            self.habit_rate[m] = rate if np.float32(math.log1p(-rate)) < 0 else 0.0
        self.w = resp.trust_matching

        # Money-equivalent value per outcome, mode and stakeholder (the harm limit applied),
        # and per interaction.
        self.harm_on = g.harm_limit.enabled
        self.value = _value.outcome_values(preset, harm_limit=self.harm_on)
        self.harm_binds = _value.harm_limit_binds(preset)  # [outcome, mode]
        self.attention = _value.attention_values(preset)  # [mode, stakeholder]
        money = _value.money_per_unit(preset)
        self.operator_minute = money[STAKEHOLDER["operator"], UNIT["minutes"]]

        # The model's quality.
        self.auc0 = float(scores.roc_auc())
        self.auc = np.full(reps, self.auc0)
        self.trained = np.full(reps, self.auc0)
        self.last_retrain = 0
        self.labels_eff = np.zeros(reps)
        self.rates_auc: np.ndarray | None = None
        self.tails: tuple[np.ndarray, np.ndarray] | None = None  # today's, when known ahead
        self.drift_block: tuple[int, int, np.ndarray, tuple | None] | None = None

    # --- rates -----------------------------------------------------------------------------

    def _rates(self) -> None:
        """Per replication: rates of each class per user-day, and what the static engine
        would say each shown mode's trust is (for trust that is not learned)."""
        R = self.R
        if self.tails is not None:
            tpr, fpr = self.tails
        elif isinstance(self.scores, BinormalScores):
            tpr, fpr = binormal_rates(self.auc, self.pi, self.cuts)
        else:
            t, f = self.scores.rates_at(self.cuts)
            tpr, fpr = np.tile(t, (R, 1)), np.tile(f, (R, 1))
        # segment shares by truth: differences of the tail rates at the cuts
        tails = np.stack([tpr, fpr], axis=1)  # (R, truth, segment)
        seg = np.empty_like(tails)
        seg[..., 0] = tails[..., 0]
        np.subtract(tails[..., 1:], tails[..., :-1], out=seg[..., 1:])
        rates = seg.reshape(R, -1) @ self.rate_matrix
        C = len(self.classes)
        self.lam, self.lam_none = rates[:, :C], rates[:, C : C + 2]
        # One block for the day's rates: this runs every day while the AUC drifts.
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.any_floored:
                lam = rates[:, : C + 2]
                share = np.where(lam > 0, rates[:, C + 2 :] / lam, 0.0)
                self.floor_share, self.floor_share_none = share[:, :C], share[:, C:]
            else:  # nothing below the confidence floor
                self.floor_share = np.zeros_like(self.lam)
                self.floor_share_none = np.zeros_like(self.lam_none)
            self.Lam = self.lam.sum(axis=1)
            # Categorical split of one event by inversion, the last class ending at 1
            total = np.where(self.Lam > 0, self.Lam, 1.0)[:, None]
            self.cum_hi = np.cumsum(self.lam / total, axis=1)
            self.cum_hi[:, -1] = 1.0
            # r + cumulative shares, one sorted array: one searchsorted picks every user's
            # class
            self.cum_flat = (self.rep_col + self.cum_hi[:, :-1]).ravel()
            # expm1 overflows past ~709 events a day; L / inf = 0 is the right limit there
            self.p_one = np.where(self.Lam > 0, self.Lam / np.expm1(self.Lam), 1.0)
        self.big_rep = self.Lam > 8.0
        # one event, of the first (largest) class; none where L > 8 (drawn by rejection)
        self.p_first = np.where(self.big_rep, 0.0, self.p_one * self.cum_hi[:, 0])
        self.static_trust = {}
        if not self.trust_on and self.w > 0:
            bands = tuple(Band(s.low, MODES[s.mode]) for s in self.segs)
            eff = replace(self.p, experience=replace(self.p.experience, bands=bands))
            masses = outcome_masses(eff, list(tpr.T), list(fpr.T))
            for m in self.modes:
                if m in _SHOWN:
                    self.static_trust[m] = np.broadcast_to(
                        np.asarray(masses.trust[m], dtype=float), (R,)
                    )
        self.rates_auc = self.auc.copy()

    # --- the day ---------------------------------------------------------------------------

    def _init_state(self) -> None:
        R, U, D, RU = self.R, self.U, self.D, self.RU
        ab = self.p.dynamics.abandonment
        self.abandon_day = np.full(RU, D, dtype=np.int32)
        self.fa_left = None
        if self.aband_on:
            if ab.per_day > 0:
                g = self.rng.geometric(ab.per_day, RU)
                self.abandon_day = np.minimum(g, D).astype(np.int32)
            if ab.per_false_alarm > 0:
                g = self.rng.geometric(ab.per_false_alarm, RU)
                self.fa_left = np.minimum(g, _BIG).astype(np.int32)
        rep = np.repeat(np.arange(R, dtype=np.int64), U)
        flat = rep * (D + 1) + self.abandon_day
        self.hist = np.bincount(flat, minlength=R * (D + 1)).reshape(R, D + 1)
        self.n_abandoned = np.zeros(R, dtype=np.int64)
        # Per mode, one flat array per state variable (1-D gathers are much faster than
        # gathers of rows), each decayed lazily from the day it was last touched.
        # Per mode, the user's state packed as four float32 (the day it was last brought up
        # to date, habituation carried H, alarms seen true S and false F) in one complex128:
        # one gather per user and day instead of four. Decays are applied lazily.
        lazy = self.habit_on or self.trust_on
        self.state = {m: np.zeros(RU, np.complex128) for m in self.modes} if lazy else {}
        self.last_cd = {m: np.full(RU, -(10**6), np.int32) for m in self.cd_modes}
        dyn = self.p.dynamics
        steps = np.arange(D + 1, dtype=np.float32)
        self.rho_pow = np.float32(1.0 - dyn.habituation.recovery_per_day) ** steps
        self.keep_pow = np.float32(dyn.trust.memory_per_day) ** steps
        z = lambda *shape: np.zeros((D, R, *shape))  # noqa: E731
        self.rec_n = z(2, _NM)  # counts by truth and mode (users' and silent events)
        self.rec_acted = z(2, _NM)
        self.rec_ab_n, self.rec_ab_acted = z(2), z(2)
        self.rec_esc_n, self.rec_esc_acted = z(2), z(2)
        self.rec = {
            k: z()
            for k in (
                "active",
                "demotions",
                "automation_cap",
                "confidence_floor",
                "escalations_over_capacity",
                "comp_num",
                "comp_den",
                "trust_num",
                "trust_den",
                "habit_num",
                "habit_den",
                "labels",
                "wrong_labels",
                "auc",
            )
        }

    def execute(self, progress, cancel, on_day) -> Simulation:
        def check() -> None:
            if cancel is not None and cancel():
                raise Cancelled

        if progress is not None:
            progress(0.0)
        check()
        fb = self.p.feedback
        feedback = None
        if fb.enabled:
            fb_rng = np.random.default_rng([self.seed, 1])
            feedback = simulate_feedback(fb, self.D, self.R, fb_rng, check)
        self._init_state()
        every = max(1, self.D // 100)
        for d in range(self.D):
            check()
            self._day(d, on_day)
            if progress is not None and ((d + 1) % every == 0 or d + 1 == self.D):
                progress((d + 1) / self.D)
        return self._result(feedback)

    def _day(self, d: int, on_day) -> None:
        U = self.U
        rec = self.rec
        self.n_abandoned += self.hist[:, d]
        active = U - self.n_abandoned
        rec["active"][d] = active
        if self.tele_on:
            self._drift(d)
        if self.rates_auc is None or not np.array_equal(self.auc, self.rates_auc):
            self._rates()
        rec["auc"][d] = self.auc

        slots = self._select()
        if self.aband_on and slots.size:
            slots = slots[self.abandon_day.take(slots) > d]
        # Sorted by replication: where each one's users begin, and each user's
        self.starts = np.searchsorted(slots, self.bounds * U)
        rep = np.repeat(self.bounds[:-1], np.diff(self.starts))
        self.n, rows = self._events(rep)
        M = rows[:_USER_ROWS].reshape(2, _NM, -1)  # [truth, mode, user], a view
        if self.esc_cols and self.esc is not None:  # classes are escalated only when enabled
            self._escalate(d, rows[_USER_ROWS:], rep, M, self.esc)

        self._limit(d, slots, rep, M)
        if on_day is not None:
            on_day(DayTrace(d, slots.copy(), M.copy()))

        self._respond(d, slots, rep, M)
        self._aggregates(d, active, M)

    def _drift(self, d: int) -> None:
        """Today's AUC, drifting down since the last retraining. Until the next one it
        depends on nothing drawn, so those days are computed at once, and for a binormal
        model their tail rates too (one call for the block instead of one a day)."""
        since = d - self.last_retrain
        block = self.drift_block
        if block is None or block[0] != self.last_retrain or since - block[1] >= len(block[2]):
            every = self.p.telemetry.retrain_every_days
            end = self.D - self.last_retrain if every is None else min(every, self.D)
            sinces = np.arange(since, max(end, since + 1))[:, None]
            drift = self.p.telemetry.drift_per_day
            aucs = np.maximum(AUC_FLOOR, self.trained - drift * sinces)  # as one day's
            tails = None
            if isinstance(self.scores, BinormalScores):
                shape = aucs.shape + self.cuts.shape
                t, f = binormal_rates(aucs.ravel(), self.pi, self.cuts)
                tails = (t.reshape(shape), f.reshape(shape))
            block = self.drift_block = (self.last_retrain, since, aucs, tails)
        row = since - block[1]
        self.auc = block[2][row]
        self.tails = None if block[3] is None else (block[3][0][row], block[3][1][row])

    def _aggregates(self, d: int, active: np.ndarray, M: np.ndarray) -> None:
        """The day's counts drawn per replication, not per user: events no user's state
        depends on (silent events of active users, the design's mode none and events
        demoted to it, and all events of users who abandoned the feature), how many of them
        and of the escalated ones are acted on, the events below the confidence floor, and
        the labels. Conditionally independent given the counts, so the Poisson counts are
        one draw and the binomial splits another (a call each costs more than its draws)."""
        rec = self.rec
        gone = (self.U - active)[:, None] * self.per_day * np.array([self.pi, 1 - self.pi])
        counts = self.rng.poisson(np.stack([active[:, None] * self.lam_none, gone]))
        silent, ab = counts  # (R, truth) each
        # binomial splits, side by side: (trials, chance) per block of columns
        blocks = [(silent, self.floor_share_none), (ab, self.u_rows)]
        if M.shape[-1]:
            silent = silent + self._sum(M[:, _NONE]).T.astype(np.int64)
        blocks.append((silent, self.u_rows))
        floor = self.any_floored
        if floor:
            blocks.append((self.class_per_rep, self.floor_share))
        if self.esc is not None:
            blocks.append((self.rec_esc_n[d].astype(np.int64), self.esc_rows))
        if self.tele_on:  # the events of the modes that interact: all but the silent one
            interactions = self.rec_n[d, :, :, :_NONE].sum(axis=2).astype(np.int64)
            blocks.append((interactions, self.label_rows))
        x = self.rng.binomial(*(np.concatenate(b, axis=1) for b in zip(*blocks, strict=True)))
        self.rec_n[d, :, :, _NONE] = silent
        self.rec_ab_n[d] = ab
        self.rec_ab_acted[d] = x[:, 2:4]
        self.rec_acted[d, :, :, _NONE] = x[:, 4:6]
        at = 6
        if floor:
            c = self.class_per_rep.shape[1]
            rec["confidence_floor"][d] = x[:, :2].sum(axis=1) + x[:, at : at + c].sum(axis=1)
            at += c
        if self.esc is not None:
            self.rec_esc_acted[d] = x[:, at : at + 2]
            at += 2
        if self.tele_on:
            labels = x[:, at : at + 2]
            wrong = self.rng.binomial(labels, self.wrong_rows)
            self._telemetry(d, labels, wrong)

    def _telemetry(self, d: int, labels: np.ndarray, wrong: np.ndarray) -> None:
        """The day's labels (and the wrong ones among them), by replication and truth,
        counted; the model retrained when it is time."""
        tel = self.p.telemetry
        self.rec["labels"][d] = labels.sum(axis=1)
        self.rec["wrong_labels"][d] = wrong.sum(axis=1)
        signal = (1.0 - tel.wrong_if_positive - tel.wrong_if_negative) ** 2
        self.labels_eff += labels.sum(axis=1) * signal * self.scale
        every = tel.retrain_every_days
        if every is not None and (d + 1) % every == 0:
            self.trained = learning_curve(
                self.labels_eff, self.auc0, tel.auc_max, tel.learning_labels, tel.learning_exponent
            )
            self.last_retrain = d + 1

    # --- the result ------------------------------------------------------------------------

    def _outcome_counts(self) -> dict[str, np.ndarray]:
        """Events by outcome, as (day, replication, mode). Events of users who abandoned the
        feature and events a person reviewed were not handled by the feature: they count in
        the silent mode, as with the feature off."""
        n, acted = self.rec_n, self.rec_acted

        def by_mode(x: np.ndarray, abandoned: np.ndarray, reviewed: np.ndarray) -> np.ndarray:
            out = x.copy()
            out[..., _NONE] += abandoned + reviewed
            return out

        ab_n, ab_acted, esc_n, esc_acted = (
            self.rec_ab_n,
            self.rec_ab_acted,
            self.rec_esc_n,
            self.rec_esc_acted,
        )
        pos_acted = by_mode(acted[:, :, _POS], ab_acted[..., _POS], esc_acted[..., _POS])
        pos_all = by_mode(n[:, :, _POS], ab_n[..., _POS], esc_n[..., _POS])
        neg_acted = by_mode(acted[:, :, _NEG], ab_acted[..., _NEG], esc_acted[..., _NEG])
        neg_all = by_mode(n[:, :, _NEG], ab_n[..., _NEG], esc_n[..., _NEG])
        return {
            "positive_acted": pos_acted,
            "positive_missed": pos_all - pos_acted,
            "negative_acted": neg_acted,
            "negative_ignored": neg_all - neg_acted,
        }

    def _result(self, feedback: FeedbackResult | None) -> Simulation:
        p, R, D, U = self.p, self.R, self.D, self.U
        s = self.scale
        rec = self.rec
        n = self.rec_n  # (D, R, truth, mode)
        counts = self._outcome_counts()
        value = _value.value_of_counts(self.value, counts)  # (D, R, stakeholder)
        value = value + n.sum(axis=2) @ self.attention  # (D, R, mode) @ (mode, stakeholder)
        if feedback is not None:  # the money follows where the loop sends the patrols
            value = value + allocation_value(p, feedback.patrol_share, rec["auc"]) / s
        if self.esc is not None:
            reviews = self.rec_esc_n.sum(axis=-1)
            op = STAKEHOLDER["operator"]
            value[..., op] -= reviews * self.esc.minutes_per_review * self.operator_minute
        harm = _value.count_harm_limited(self.harm_binds, counts)

        # The feature off, in expectation, with the same harm limit (a rule outside the model).
        off = _value.baseline_by_stakeholder(p, harm_limit=self.harm_on)
        baseline = U * self.per_day * off  # (stakeholder,)
        added = value - baseline
        net = value.sum(-1)

        active = rec["active"]

        def ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            """a / b, NaN where b is 0."""
            return np.divide(a, b, out=np.full(np.shape(a), np.nan), where=b > 0)

        def per_active(x: np.ndarray) -> np.ndarray:
            return ratio(x, active)

        acted = self.rec_acted  # (D, R, truth, mode), the users' events as n

        def shown_rate(n_: np.ndarray, acted_: np.ndarray) -> np.ndarray:
            """Acts when shown over the interactions (every mode but the silent one)."""
            pos, neg = n_[..., _POS, :_NONE].sum(-1), n_[..., _NEG, :_NONE].sum(-1)
            a_pos, a_neg = acted_[..., _POS, :_NONE].sum(-1), acted_[..., _NEG, :_NONE].sum(-1)
            return _value.acts_when_shown(pos, neg, a_pos, a_neg)

        interactions = n[:, :, :, :_NONE].sum(axis=(2, 3))
        interruptions = n[:, :, :, _INTERRUPTING].sum(axis=(2, 3))
        false_alarms = n[:, :, _NEG, :_NONE].sum(axis=2)
        escalations = self.rec_esc_n.sum(axis=-1)
        guard = rec["automation_cap"] + rec["confidence_floor"] + escalations + harm
        raw = {
            "net_value": net * s,
            "value_added": added.sum(-1) * s,
            "cumulative_net_value": np.cumsum(net, axis=0) * s,
            "cumulative_value_added": np.cumsum(added.sum(-1), axis=0) * s,
            "value_added_user": added[..., STAKEHOLDER["user"]] * s,
            "value_added_operator": added[..., STAKEHOLDER["operator"]] * s,
            "value_added_business": added[..., STAKEHOLDER["business"]] * s,
            "active_users": active / U,
            "interactions": per_active(interactions),
            "interruptions": per_active(interruptions),
            "false_alarms": per_active(false_alarms),
            "acts_when_shown": shown_rate(n, acted),
            "acts_when_right": ratio(rec["comp_num"], rec["comp_den"]),
            "trust": ratio(rec["trust_num"], rec["trust_den"]),
            "habituation": ratio(rec["habit_num"], rec["habit_den"]),
            "demotions": rec["demotions"] * s,
            "guardrail_activations": guard * s,
            "automation_cap": rec["automation_cap"] * s,
            "confidence_floor": rec["confidence_floor"] * s,
            "escalations": escalations * s,
            "escalations_over_capacity": rec["escalations_over_capacity"] * s,
            "harm_limited": harm * s,
            "labels": rec["labels"] * s,
            "cumulative_labels": np.cumsum(rec["labels"], axis=0) * s,
            "wrong_labels": rec["wrong_labels"] * s,
            "auc": rec["auc"],
        }
        series = {k: _series(raw[k]) for k in SERIES}

        w = min(SUMMARY_WINDOW, D)
        days_users = active.sum(axis=0)  # user-days per replication
        with np.errstate(invalid="ignore", divide="ignore"):
            tail = lambda a, b: a[-w:].sum(0) / b[-w:].sum(0)  # noqa: E731
            horizon = {
                "net_value": net.sum(0) * s,
                "value_added": added.sum(axis=(0, 2)) * s,
                "value_added_user": added[..., STAKEHOLDER["user"]].sum(0) * s,
                "value_added_operator": added[..., STAKEHOLDER["operator"]].sum(0) * s,
                "value_added_business": added[..., STAKEHOLDER["business"]].sum(0) * s,
                "net_value_per_user_day": net.sum(0) / (U * D),
                "active_users": active[-1] / U,
                "interactions": interactions.sum(0) / days_users,
                "false_alarms": false_alarms.sum(0) / days_users,
                "acts_when_shown": shown_rate(n[-w:].sum(0), acted[-w:].sum(0)),
                "acts_when_right": tail(rec["comp_num"], rec["comp_den"]),
                "trust": tail(rec["trust_num"], rec["trust_den"]),
                "habituation": tail(rec["habit_num"], rec["habit_den"]),
                "demotions": rec["demotions"].sum(0) * s,
                "guardrail_activations": guard.sum(0) * s,
                "escalations": escalations.sum(0) * s,
                "labels": rec["labels"].sum(0) * s,
                "auc": rec["auc"][-1],
            }
        summary = {k: _stat(horizon[k]) for k in SUMMARY}
        static = evaluate(p, self.scores)
        return Simulation(
            preset=p,
            seed=self.seed,
            replications=R,
            users=U,
            days=np.arange(1, D + 1),
            series=MappingProxyType(series),
            summary=MappingProxyType(summary),
            samples=MappingProxyType({k: np.asarray(horizon[k], dtype=float) for k in SUMMARY}),
            static_net_per_day=static.net_per_population_day,
            static_value_added_per_day=static.added_per_population_day,
            variates=self.rng.count,
            feedback=feedback,
        )
