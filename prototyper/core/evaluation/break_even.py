"""The break-even probability of each mode, its score, and why the best threshold sits where
it does.

An event handled in mode m instead of silently is worth, against the silent handling,

    gain_m(p) = p * G+(m) + (1 - p) * G-(m) + A(m)

for an event that is positive with probability p: G+ the value a positive gains from being
handled in m (acted on with the mode's chance after the user's response, against the
unprompted chance in silence), G- the same for a negative (a cost, usually), A the attention
one interaction takes (negative). Handling pays above p* = -(G- + A) / (G+ - G-); with no
attention cost that is cost of wrong / (cost of wrong + value of correct). Scores are
calibrated (P(positive | score) is the score at the scenario's base rate, for the binormal
model by construction and for a real model by its calibration), so the break-even score is
p* itself on the score axis; a real model's own raw score for it is reported too.

The response (the chance of acting on a positive and on a negative event in m) is the
engine's for the design evaluated: habituation, trust and caps included. They move with
the thresholds, which is why the best single threshold need not sit at its mode's break-even
score. Formulas in docs/MODEL.md, section "Break-even".
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..format import format_probability, percent
from ..model.scores import ScoreModel, preset_scores
from ..preset import modes
from ..preset.schema import MODES, SHOWN_MODES, Preset
from . import value
from .analysis import (
    Analysis,
    BestThreshold,
    best_single_threshold,
    single_threshold_design,
    single_threshold_mode,
)
from .engine import Evaluation, evaluate
from .sweep import Sweep

# How a mode's gain depends on p: it pays above p*, below it, at every p, or at none.
ABOVE, BELOW, ALWAYS, NEVER = "above", "below", "always", "never"
# Logit units within which the best threshold counts as at its break-even score (a real
# model's thresholds are its distinct scores; a synthetic sweep's grid is finer than this).
AT_BREAK_EVEN = 0.05


def _num(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


@dataclass(frozen=True)
class BreakEven:
    """Where handling an event in ``mode`` starts to pay, per event, all stakeholders."""

    mode: str
    pays: str  # ABOVE, BELOW, ALWAYS or NEVER
    probability: float  # p*: NaN unless pays is ABOVE or BELOW
    score: float  # the calibrated score where P(positive | score) reaches p* (NaN likewise)
    raw_score: float | None  # a real model's own score there (NaN: no row scores that high)
    gain_if_positive: float  # G+: a positive handled in the mode, against silence
    gain_if_negative: float  # G-: a negative handled in the mode, against silence
    attention: float  # A: one interaction's attention (negative: a cost)
    act_if_positive: float  # the response the gains are at
    act_if_negative: float
    has_events: bool  # False: the design sends the mode no events (full response assumed)

    def gain(self, p: float | np.ndarray) -> float | np.ndarray:
        """Value gained by handling an event that is positive with probability ``p`` in the
        mode instead of silently."""
        return p * self.gain_if_positive + (1 - p) * self.gain_if_negative + self.attention

    def phrase(self) -> str:
        """'pays above 0.0909 (score 0.0909)' and the like, for a line of text."""
        if self.pays == ALWAYS:
            return "always pays (even on a sure negative)"
        if self.pays == NEVER:
            return "never pays (not even on a sure positive)"
        p = format_probability(self.probability)
        side = "≥" if self.pays == ABOVE else "<"
        text = f"pays {self.pays} P(positive) {p}: score {side} {format_probability(self.score)}"
        if self.raw_score is not None:
            raw = "none scores that high" if math.isnan(self.raw_score) else f"{self.raw_score:.4g}"
            text += f" (the model's raw score {raw})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "pays": self.pays,
            "probability": _num(self.probability),
            "score": _num(self.score),
            "raw_score": _num(self.raw_score),
            "gain_if_positive": _num(self.gain_if_positive),
            "gain_if_negative": _num(self.gain_if_negative),
            "attention": _num(self.attention),
            "act_if_positive": _num(self.act_if_positive),
            "act_if_negative": _num(self.act_if_negative),
            "has_events": self.has_events,
        }


def break_even_probability(g_pos: float, g_neg: float, attention: float) -> tuple[str, float]:
    """(how it pays, p*) for a gain p * g_pos + (1 - p) * g_neg + attention over p in [0, 1]."""
    at_0, at_1 = g_neg + attention, g_pos + attention
    if at_0 > 0 and at_1 > 0:
        return ALWAYS, math.nan
    if at_0 <= 0 and at_1 <= 0:
        return NEVER, math.nan
    # The ends differ in sign, or one is 0 (no cost of wrong, say): one root in [0, 1].
    p = -at_0 / (g_pos - g_neg)
    return (ABOVE if at_1 > at_0 else BELOW), min(max(p, 0.0), 1.0)


def mode_gains(
    preset: Preset, mode: str, act_positive: float, act_negative: float
) -> tuple[float, float, float]:
    """(G+, G-, A) of ``mode`` at the given chances of acting, summed over stakeholders."""
    v, attention_by_mode = _value_tables(preset)
    o, m, off = value.OUTCOME, MODES.index(mode), value.OFF
    u = preset.response.unprompted

    def handled(acted: str, not_acted: str, chance: float, at: int) -> float:
        return float(chance * v[o[acted], at] + (1 - chance) * v[o[not_acted], at])

    g_pos = handled("positive_acted", "positive_missed", act_positive, m) - handled(
        "positive_acted", "positive_missed", u.positive, off
    )
    g_neg = handled("negative_acted", "negative_ignored", act_negative, m) - handled(
        "negative_acted", "negative_ignored", u.negative, off
    )
    return g_pos, g_neg, float(attention_by_mode[m])


_TABLES: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # a few, by what they depend on
_TABLES_KEPT = 8
_TABLES_LOCK = threading.Lock()  # the window evaluates in workers too


def _value_tables(preset: Preset) -> tuple[np.ndarray, np.ndarray]:
    """(value per event as [outcome, mode], attention value per interaction by mode), all
    stakeholders. Kept by the payoffs, harm limit and mode designs (the forcefulness sets
    the attention) they come from: a threshold's drag asks again with the same ones."""
    key = (preset.payoffs, preset.guardrails.harm_limit, preset.experience.modes)
    with _TABLES_LOCK:
        found = _TABLES.get(key)
    if found is None:
        v = value.outcome_values(preset, harm_limit=preset.guardrails.harm_limit.enabled)
        found = (v.sum(-1), value.attention_values(preset).sum(-1))
        with _TABLES_LOCK:
            while len(_TABLES) >= _TABLES_KEPT:
                _TABLES.pop(next(iter(_TABLES)))
            _TABLES[key] = found
    return found


def _full_response(preset: Preset, mode: str) -> tuple[float, float]:
    """The chances of acting in a mode the design sends nothing: its response at its
    forcefulness, neither habituated nor distrusted."""
    r = getattr(preset.response.modes, mode)
    f = getattr(preset.experience.modes, mode).forcefulness
    u = preset.response.unprompted
    return (
        float(value.act_probability(u.positive, r.act_if_positive.at(f), 1.0)),
        float(value.act_probability(u.negative, r.act_if_negative.at(f), 1.0)),
    )


def mode_break_even(
    evaluation: Evaluation, mode: str, scores: ScoreModel | None = None
) -> BreakEven:
    """The break-even of ``mode`` at the response of the design ``evaluation`` evaluated;
    ``scores``: the real model's, for its raw score (None for a synthetic model)."""
    preset, masses = evaluation.preset, evaluation.masses
    m = MODES.index(mode)
    has_events = float(masses.positive[m] + masses.negative[m]) > 0
    if has_events:
        act_pos, act_neg = float(masses.act_positive[m]), float(masses.act_negative[m])
    else:
        act_pos, act_neg = _full_response(preset, mode)
    g_pos, g_neg, attention = mode_gains(preset, mode, act_pos, act_neg)
    pays, p = break_even_probability(g_pos, g_neg, attention)
    raw: float | None = None
    # a real model's raw scores at the scenario's base rate, as its thresholds are
    shifted = preset_scores(preset, scores) if scores is not None else None
    raw_at = getattr(shifted, "raw_at", None)
    if raw_at is not None:
        raw = float(raw_at(np.array([p]))[0]) if math.isfinite(p) else math.nan
    return BreakEven(
        mode=mode,
        pays=pays,
        probability=p,
        score=p,  # the scores are calibrated: P(positive | score) is the score
        raw_score=raw,
        gain_if_positive=g_pos,
        gain_if_negative=g_neg,
        attention=attention,
        act_if_positive=act_pos,
        act_if_negative=act_neg,
        has_events=has_events,
    )


def design_modes(preset: Preset) -> tuple[str, ...]:
    """The modes that handle events in the design: its bands' modes but the silent one,
    and the modes their caps demote to, most forceful first."""
    used = {b.mode for b in preset.experience.bands}
    for mode in list(used):
        cap = getattr(preset.experience.modes, mode, None)
        while cap is not None and cap.daily_cap is not None:
            mode = cap.over_cap
            used.add(mode)
            cap = getattr(preset.experience.modes, mode, None)
    return tuple(m for m in MODES if m in used and not modes.get(m).silent)


def break_evens(evaluation: Evaluation, scores: ScoreModel | None = None) -> tuple[BreakEven, ...]:
    """The break-even of every mode the design handles events in, most forceful first."""
    return tuple(mode_break_even(evaluation, m, scores) for m in design_modes(evaluation.preset))


@dataclass(frozen=True)
class WhyBest:
    """The best single threshold against its mode's break-even score at that threshold."""

    best: BestThreshold
    break_even: BreakEven  # of the best's mode, at the response of the best design
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.best.mode,
            "threshold": _num(self.best.threshold),
            "break_even": self.break_even.to_dict(),
            "why": self.sentence,
        }


def _moving_parts(preset: Preset, mode: str) -> list[tuple[str, str]]:
    """What moves a mode's response as its threshold moves: (name, what more events do)."""
    parts = []
    r = getattr(preset.response.modes, mode)
    if mode in SHOWN_MODES and preset.response.trust_matching > 0:
        parts.append(("trust", "trust in them falls as they get less precise"))
    if mode in SHOWN_MODES and r.habituation > 0:
        parts.append(("habituation", "users habituate to them"))
    if getattr(preset.experience.modes, mode).daily_cap is not None:
        parts.append(("the daily cap", "the daily cap demotes more of them"))
    return parts


def _between(scores: ScoreModel, base_rate: float, a: float, b: float) -> float:
    """The share of positives among the events scoring in [min(a, b), max(a, b)) under the
    scores (NaN if none does)."""
    tpr, fpr = scores.rates_at(np.array([min(a, b), max(a, b)]))
    pos = base_rate * float(tpr[0] - tpr[1])
    neg = (1 - base_rate) * float(fpr[0] - fpr[1])
    return pos / (pos + neg) if pos + neg > 0 else math.nan


def _against(preset: Preset, scores: ScoreModel, best: BestThreshold, be: BreakEven) -> str:
    """The best threshold against a break-even score it pays above: where it sits, and why."""
    star, t = format_probability(be.probability), best.threshold
    gap = math.inf
    if 0 < be.probability < 1 and 0 < t < 1:
        gap = math.log(t / (1 - t)) - math.log(be.probability / (1 - be.probability))
    if abs(gap) <= AT_BREAK_EVEN:
        one = modes.get(best.mode).plural.split(" ")
        one[-1] = one[-1].removesuffix("s")
        article = "an" if one[0][0] in "aeiou" else "a"
        return (
            f"sits at its break-even score {star}: there an event is positive just often "
            f"enough for {article} {' '.join(one)} to pay, after users' response"
        )
    side = "above" if gap > 0 else "below"
    plural = modes.get(best.mode).plural
    q = _between(scores, preset.scenario.base_rate, t, be.probability)
    if math.isnan(q):
        return (
            f"sits {side} its break-even score {star}: no event scores between the two, so no "
            "threshold nearer changes anything"
        )
    # The scores are calibrated, so the events in between are positive about as often as
    # their scores say; where the evaluation data disagree, they are what the value counts.
    if (gap > 0 and q < be.probability) or (gap < 0 and q > be.probability):
        return (
            f"sits {side} its break-even score {star}: the evaluation events scoring between "
            f"the two are positive {percent(q)} of the time, "
            f"{'below' if gap > 0 else 'above'} the break-even, though calibrated to score there"
        )
    moving = _moving_parts(preset, best.mode)
    if not moving:
        return f"sits {side} its break-even score {star}"
    if gap > 0:
        return (
            f"sits above its break-even score {star}: each of the {plural} below it would pay on "
            "its own, but with more of them " + " and ".join(more for _, more in moving)
        )
    return (
        f"sits below its break-even score {star}: moving it changes how users respond to all "
        f"{plural} ({', '.join(name for name, _ in moving)}), which outweighs the last event's loss"
    )


def why_best(
    preset: Preset,
    scores: ScoreModel | None = None,
    single: Sweep | None = None,
    best: BestThreshold | None = None,
) -> WhyBest:
    """Why the best single threshold sits where it does, in one sentence: compared with the
    break-even score of its mode at the response of that one-threshold design (``single``:
    its sweep, ``best``: the best threshold, if already computed)."""
    scores = preset_scores(preset, scores)
    best = best if best is not None else best_single_threshold(preset, scores, single)
    one = single_threshold_design(preset)
    bands = one.experience.bands
    at_best = replace(
        one,
        experience=replace(
            one.experience, bands=(replace(bands[0], threshold=best.threshold), bands[1])
        ),
    )
    be = mode_break_even(evaluate(at_best, scores), best.mode, scores)
    plural = modes.get(best.mode).plural
    head = f"The best single threshold, {best.mode} above {format_probability(best.threshold)},"
    if be.pays == ALWAYS:
        sentence = (
            f"{head} sits at the bottom of the range: {plural} pay even on a sure negative, "
            "so every event should get one."
        )
    elif be.pays == NEVER:
        sentence = (
            f"{head} shows as little as it can: {plural} do not pay even on a sure positive, "
            "so the best is to show almost none."
        )
    elif be.pays == BELOW:
        sentence = (
            f"{head} is where the curve peaks, but {plural} here pay below "
            f"{format_probability(be.probability)} rather than above, as acting on a positive "
            "is worth less than acting on a negative."
        )
    else:
        sentence = f"{head} {_against(preset, scores, best, be)}."
    return WhyBest(best=best, break_even=be, sentence=sentence)


def best_of(analysis: Analysis) -> BestThreshold:
    """The best single threshold of an analysis, from the sweep and evaluation it holds
    (what :func:`best_single_threshold` computes afresh)."""
    single, i = analysis.single_threshold, analysis.single_threshold.best_index
    return BestThreshold(
        mode=single_threshold_mode(analysis.preset.experience.bands),
        threshold=float(single.values[i]),
        net_per_event=float(single.net_per_event[i]),
        net_per_population_day=float(single.net_per_population_day[i]),
        current_net_per_population_day=float(analysis.evaluation.net_per_population_day),
    )


def break_even_document(
    evaluation: Evaluation,
    scores: ScoreModel | None = None,
    single: Sweep | None = None,
    best: BestThreshold | None = None,
) -> dict[str, Any]:
    """The break-even of each mode of the design and why the best threshold sits where it
    does, JSON-ready: what ``evaluate --json`` prints under ``break_even``."""
    return {
        "modes": [b.to_dict() for b in break_evens(evaluation, scores)],
        "best_single_threshold": why_best(evaluation.preset, scores, single, best).to_dict(),
    }


def break_even_lines(
    evaluation: Evaluation,
    scores: ScoreModel | None = None,
    single: Sweep | None = None,
    best: BestThreshold | None = None,
) -> list[str]:
    """The same as lines of text: one per mode, then the sentence."""
    out = ["break-even (handling an event in the mode pays, after users' response):"]
    for b in break_evens(evaluation, scores):
        note = "" if b.has_events else " (no events in this design: full response assumed)"
        out.append(f"  {b.mode:9} {b.phrase()}{note}")
    out.append("  " + why_best(evaluation.preset, scores, single, best).sentence)
    return out
