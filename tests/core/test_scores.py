from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr, ndtri
from sklearn.metrics import roc_auc_score, roc_curve

from prototyper.core.model.scores import (
    LOGIT_CEILING,
    LOGIT_FLOOR,
    BinormalScores,
    EmpiricalScores,
    ScoreModel,
    auc_of,
    binormal_rates,
    separation,
)


@settings(max_examples=40, deadline=None)
@given(auc=st.floats(0.55, 0.995), base_rate=st.floats(1e-4, 0.5))
def test_binormal_roc_has_the_requested_area(auc, base_rate):
    model = BinormalScores(auc=auc, base_rate=base_rate)
    x = np.linspace(-10, model.d_prime + 10, 20001)
    t = model.score_of_latent(x)
    tpr, fpr = model.rates_at(t)
    area = np.trapezoid(tpr[::-1], fpr[::-1])
    assert area == pytest.approx(auc, abs=1e-4)


@settings(max_examples=40, deadline=None)
@given(auc=st.floats(0.6, 0.99), base_rate=st.floats(1e-3, 0.5), s=st.floats(0.05, 0.95))
def test_binormal_scores_are_calibrated(auc, base_rate, s):
    """Among events scoring in a thin band around s, a share s is positive."""
    model = BinormalScores(auc=auc, base_rate=base_rate)
    lo, hi = s * (1 - 1e-4), s * (1 + 1e-4)
    tpr, fpr = model.rates_at(np.array([lo, hi]))
    pos = base_rate * (tpr[0] - tpr[1])
    neg = (1 - base_rate) * (fpr[0] - fpr[1])
    # Rates near 1 are differenced: below a band mass of 1e-9 rounding (1e-16 / mass) would
    # exceed the tolerance, whatever the model does.
    if pos + neg > 1e-9:
        assert pos / (pos + neg) == pytest.approx(s, rel=1e-3)


def test_binormal_thresholds_at_the_ends():
    model = BinormalScores(auc=0.9, base_rate=0.01)
    tpr, fpr = model.rates_at(np.array([0.0, 1.0]))
    assert tpr.tolist() == [1.0, 0.0] and fpr.tolist() == [1.0, 0.0]


def make_scores(n=5000, seed=1, ties=False):
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < 0.2
    scores = np.clip(rng.normal(labels * 1.2, 1.0) / 6 + 0.5, 0, 1)
    if ties:
        scores = np.round(scores, 2)
    return labels, scores


@pytest.mark.parametrize("ties", [False, True])
def test_empirical_operating_points_match_sklearn(ties):
    labels, scores = make_scores(ties=ties)
    emp = EmpiricalScores(labels, scores)
    fpr_ref, tpr_ref, thr_ref = roc_curve(labels, scores, drop_intermediate=False)
    thr, tpr, fpr = emp.curve()
    keep = np.isfinite(thr_ref)
    np.testing.assert_allclose(thr, thr_ref[keep])
    np.testing.assert_allclose(tpr, tpr_ref[keep], atol=1e-12)
    np.testing.assert_allclose(fpr, fpr_ref[keep], atol=1e-12)
    assert emp.roc_auc() == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    tpr_at, fpr_at = emp.rates_at(thr)
    np.testing.assert_allclose(tpr_at, tpr)
    np.testing.assert_allclose(fpr_at, fpr)


def test_empirical_weights_count_like_repeats():
    labels, scores = make_scores(n=300)
    weights = np.random.default_rng(2).integers(1, 4, size=300)
    weighted = EmpiricalScores(labels, scores, weights.astype(float))
    repeated = EmpiricalScores(np.repeat(labels, weights), np.repeat(scores, weights))
    t = np.linspace(0, 1, 57)
    for a, b in zip(weighted.rates_at(t), repeated.rates_at(t), strict=True):
        np.testing.assert_allclose(a, b)
    assert weighted.base_rate == pytest.approx(repeated.base_rate)


def test_empirical_sweep_points_are_the_distinct_scores_in_range():
    labels, scores = make_scores(ties=True)
    emp = EmpiricalScores(labels, scores)
    thr, tpr, fpr = emp.sweep_points(0.3, 0.7)
    expected = np.unique(scores)
    np.testing.assert_array_equal(thr, expected[(expected > 0.3) & (expected < 0.7)])
    ref_tpr, ref_fpr = emp.rates_at(thr)
    np.testing.assert_allclose(tpr, ref_tpr)
    np.testing.assert_allclose(fpr, ref_fpr)


# Scores from a small pool so that ties are common; the out-of-range ones (negative, -0.0,
# 2 and above) take the general path, the others the packed one.
_POOL = [0.0, 5e-324, 1e-300, 0.1, 0.25, 0.5, 0.9999999999999999, 1.0, 1.5, 1.9999999999999998]
_WILD = [-0.0, -0.5, 2.0, 7.0]


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.booleans(), st.sampled_from(_POOL) | st.floats(0, 1)),
        min_size=2,
        max_size=60,
    ),
    wild=st.lists(st.tuples(st.booleans(), st.sampled_from(_WILD)), max_size=2),
    as_int=st.booleans(),
)
def test_empirical_rates_are_the_counts_at_or_above_each_distinct_score(rows, wild, as_int):
    rows = rows + wild
    labels = np.array([r[0] for r in rows])
    scores = np.array([r[1] for r in rows])
    if labels.all() or not labels.any():
        labels[0] = not labels[0]  # both classes
    emp = EmpiricalScores(labels.astype(int) if as_int else labels, scores)
    positives, negatives = labels.sum(), (~labels).sum()
    thr, tpr, fpr = emp.curve()
    distinct = np.unique(scores)[::-1]
    np.testing.assert_array_equal(thr, distinct)
    at_or_above = scores[None, :] >= distinct[:, None]
    np.testing.assert_array_equal(tpr, (at_or_above & labels).sum(axis=1) / positives)
    np.testing.assert_array_equal(fpr, (at_or_above & ~labels).sum(axis=1) / negatives)
    probe = np.concatenate([distinct, np.nextafter(distinct, np.inf), [-1.0, 0.0, 1.0, 9.0]])
    above = scores[None, :] >= probe[:, None]
    tpr_at, fpr_at = emp.rates_at(probe)
    np.testing.assert_array_equal(tpr_at, (above & labels).sum(axis=1) / positives)
    np.testing.assert_array_equal(fpr_at, (above & ~labels).sum(axis=1) / negatives)
    assert (emp.positive_weight, emp.negative_weight, emp.n) == (positives, negatives, len(rows))


@pytest.mark.parametrize("path", ["packed", "general", "weighted"])
@pytest.mark.parametrize("distinct", [1, 7, 300, None])
def test_empirical_counts_carry_across_many_rows_of_ties(path, distinct):
    # Enough rows that the sorted scores are taken in many steps, and runs of one score
    # that cross from one step to the next (one score for all rows; every score distinct).
    rng = np.random.default_rng(3)
    n = 50_021
    labels = rng.random(n) < 0.3
    labels[:2] = True, False  # both classes
    if distinct is None:
        scores = rng.permutation(n) / n
    else:
        scores = rng.integers(0, distinct, n) / 512
    weights = None
    if path == "general":
        scores = scores - 0.25  # negative scores do not fit the packed key
    elif path == "weighted":
        weights = rng.integers(0, 5, n).astype(float)  # whole numbers: sums exact in any order
        weights[:2] = 1.0
    emp = EmpiricalScores(labels, scores, weights)
    w = np.ones(n) if weights is None else weights
    values = np.unique(scores)
    at = np.searchsorted(values, scores)
    pos = np.bincount(at, w * labels, len(values))[::-1].cumsum()  # highest score first
    neg = np.bincount(at, w * ~labels, len(values))[::-1].cumsum()
    thr, tpr, fpr = emp.curve()
    np.testing.assert_array_equal(thr, values[::-1])
    np.testing.assert_array_equal(tpr, pos / pos[-1])
    np.testing.assert_array_equal(fpr, neg / neg[-1])
    assert (emp.positive_weight, emp.negative_weight, emp.n) == (pos[-1], neg[-1], n)
    tpr_at, fpr_at = emp.rates_at(np.nextafter(values, np.inf))  # just above each score
    np.testing.assert_array_equal(tpr_at, np.r_[pos[-2::-1], 0.0] / pos[-1])
    np.testing.assert_array_equal(fpr_at, np.r_[neg[-2::-1], 0.0] / neg[-1])


def test_empirical_curves_cannot_be_changed_through_what_they_hand_out():
    labels, scores = make_scores(n=200)
    emp = EmpiricalScores(labels, scores)
    thr, tpr, _ = emp.sweep_points(0.2, 0.8)
    with pytest.raises(ValueError):
        tpr[0] = 2.0
    with pytest.raises(ValueError):
        emp.curve()[0][0] = 2.0
    assert emp.rates_at(thr[:1])[0][0] <= 1.0


# --- the score-model protocol the views use ---------------------------------------------


def _sampled_binormal(auc: float, pi: float, n: int = 200_000) -> EmpiricalScores:
    """A large labelled sample of the binormal model, scored by its calibrated posterior."""
    model = BinormalScores(auc=auc, base_rate=pi)
    rng = np.random.default_rng(5)
    labels = rng.random(n) < pi
    latent = rng.standard_normal(n) + model.d_prime * labels
    return EmpiricalScores(labels, model.score_of_latent(latent))


@pytest.mark.parametrize("model", [BinormalScores(0.9, 0.05), _sampled_binormal(0.9, 0.05)])
def test_both_score_models_follow_the_protocol(model):
    assert isinstance(model, ScoreModel)
    lo, hi = model.extent()
    assert LOGIT_FLOOR <= lo < hi <= LOGIT_CEILING
    x, positive, negative, stepped = model.density(0.05, lo, hi)
    width = np.diff(x) if stepped else np.gradient(x)
    # Nearly all of each class lies in the extent, in proportion to the base rate.
    assert np.sum(positive * width) == pytest.approx(0.05, rel=0.02)
    assert np.sum(negative * width) == pytest.approx(0.95, rel=0.02)
    log_fpr, tpr = model.roc_curve(-4.0)
    order = np.lexsort((tpr, log_fpr))  # by FPR; the binormal curve runs from FPR 1 down
    log_fpr, tpr = log_fpr[order], tpr[order]
    assert log_fpr[0] >= -5.0 and log_fpr[-1] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.diff(tpr) >= -1e-12) and tpr[-1] == pytest.approx(1.0)
    assert 0.0 < model.fpr_at_recall(0.5) < 1.0


def test_the_sampled_binormal_model_agrees_with_the_exact_one():
    exact, sampled = BinormalScores(0.9, 0.05), _sampled_binormal(0.9, 0.05)
    assert sampled.roc_auc() == pytest.approx(exact.roc_auc(), abs=0.005)
    # ~10,000 positives: where the ROC curve is steep, a TPR off by 0.005 moves the FPR ~10%.
    for recall in (0.3, 0.5, 0.8):
        assert sampled.fpr_at_recall(recall) == pytest.approx(exact.fpr_at_recall(recall), rel=0.2)
    t = np.array([0.02, 0.1, 0.5])
    classes = (sampled.positive_weight, sampled.negative_weight)
    for a, b, n in zip(exact.rates_at(t), sampled.rates_at(t), classes, strict=True):
        assert np.all(np.abs(b - a) <= 4 * np.sqrt(a * (1 - a) / n))  # 4 standard errors
    # The exact FPR at a recall is where the exact TPR reaches that recall.
    fpr = exact.fpr_at_recall(0.8)
    x = -float(ndtri(fpr))  # the latent threshold with that FPR
    assert float(ndtr(exact.d_prime - x)) == pytest.approx(0.8, rel=1e-9)


def test_separation_and_auc_are_inverse_and_the_simulations_rates_are_the_models():
    for auc in (0.55, 0.9, 0.999):
        assert auc_of(separation(auc)) == pytest.approx(auc, rel=1e-12)
    aucs, t = np.array([0.7, 0.95]), np.array([0.9, 0.3, 0.01])
    tpr, fpr = binormal_rates(aucs, 0.02, t)
    for i, auc in enumerate(aucs):
        one = BinormalScores(auc=float(auc), base_rate=0.02).rates_at(t)
        np.testing.assert_allclose(tpr[i], one[0], rtol=1e-12)
        np.testing.assert_allclose(fpr[i], one[1], rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_relabelled_scores_are_the_scores_built_from_the_mapped_rows(weighted):
    """A monotone map of the distinct scores (with new ties, as a calibration makes) gives
    the rates, sweep points, curve and AUC of scores built afresh from each row's new score,
    with no new sort."""
    rng = np.random.default_rng(5)
    n = 3000
    raw = np.round(rng.random(n), 3)  # many tied rows
    labels = rng.random(n) < 0.3 + 0.4 * raw
    weights = rng.integers(1, 4, n).astype(float) if weighted else None
    source = EmpiricalScores(labels, raw, weights)
    values = source.distinct
    mapped = np.floor(values * 40) / 40 * 0.9 + 0.05  # non-decreasing, ties of several values
    ours = source.relabelled(mapped)
    fresh = EmpiricalScores(labels, mapped[np.searchsorted(values, raw)], weights)
    np.testing.assert_array_equal(ours.scores, fresh.scores)
    t = np.r_[0.0, mapped, mapped + 1e-9, 1.0]
    for a, b in zip(ours.rates_at(t), fresh.rates_at(t), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(ours.sweep_points(0.2, 0.8), fresh.sweep_points(0.2, 0.8), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(ours.curve(), fresh.curve(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert ours.roc_auc() == pytest.approx(fresh.roc_auc(), rel=1e-12)
    assert ours.fpr_at_recall(0.5) == pytest.approx(fresh.fpr_at_recall(0.5), rel=1e-12)
    assert len(ours.curve()[0]) < len(source.curve()[0])  # the map's ties are merged
