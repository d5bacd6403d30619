from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prototyper.core.evaluation.engine import (
    COMPONENTS,
    evaluate,
    expected_excess,
    habituation_factor,
)
from prototyper.core.preset.preset_io import loads_preset, with_values
from prototyper.core.preset.schema import MODES, STAKEHOLDERS

from .small_preset import SMALL

PHI = NormalDist()


def rates(t: float, auc: float, pi: float) -> tuple[float, float]:
    """TPR and FPR of the binormal model at a posterior threshold, by hand."""
    d = math.sqrt(2) * PHI.inv_cdf(auc)
    x = (math.log(t / (1 - t)) - math.log(pi / (1 - pi)) + d * d / 2) / d
    return PHI.cdf(d - x), PHI.cdf(-x)


def hand_net_per_event(pi=0.1, auc=0.8, per_day=10.0) -> float:
    tp5, fp5 = rates(0.5, auc, pi)
    tp2, fp2 = rates(0.2, auc, pi)
    pos = {"automate": tp5, "prompt": tp2 - tp5, "none": 1 - tp2}
    neg = {"automate": fp5, "prompt": fp2 - fp5, "none": 1 - fp2}
    prompt_mass = pi * pos["prompt"] + (1 - pi) * neg["prompt"]
    exposures = per_day * prompt_mass  # habituation counts the mode's own exposures
    h = (1 - math.exp(-exposures * 0.3)) / (exposures * 0.3)
    trust = 0.1 + 0.9 * (pi * pos["prompt"] / prompt_mass)
    act_pos = {
        "automate": 1 - (1 - 0.95) * 0.9,
        "prompt": 1 - (1 - 0.5 * h * trust) * 0.9,
        "none": 0.1,
    }
    act_neg = {
        "automate": 1 - (1 - 0.7) * 0.98,
        "prompt": 1 - (1 - 0.3 * h * trust) * 0.98,
        "none": 0.02,
    }
    net = 0.0
    for m in ("automate", "prompt", "none"):
        net += pi * pos[m] * (act_pos[m] * 220 + (1 - act_pos[m]) * -300)
        net += (1 - pi) * neg[m] * act_neg[m] * (-10 - 15 * 60 / 60)
    automate_mass = pi * pos["automate"] + (1 - pi) * neg["automate"]
    net -= automate_mass * 1.5 * 30 / 60 + prompt_mass * 0.2 * 30 / 60
    return net


def test_net_value_matches_hand_computation(small):
    e = evaluate(small)
    assert e.net_per_event == pytest.approx(hand_net_per_event(), abs=1e-9)
    assert e.net_per_user_day == pytest.approx(10 * hand_net_per_event(), abs=1e-9)
    assert e.net_per_population_day == pytest.approx(10_000 * hand_net_per_event(), abs=1e-6)


def test_baseline_is_the_feature_switched_off(small):
    e = evaluate(small)
    pi = 0.1
    hand = pi * (0.1 * 220 + 0.9 * -300) + (1 - pi) * 0.02 * -25
    assert e.baseline_per_event == pytest.approx(hand, abs=1e-12)
    off = evaluate(
        with_values(small, {"experience.bands[0].mode": "none", "experience.bands[1].mode": "none"})
    )
    assert off.net_per_event == pytest.approx(hand, abs=1e-12)
    assert off.added_per_event == pytest.approx(0.0, abs=1e-12)


def test_operating_points_are_exact(small):
    e = evaluate(small)
    for t, tpr, fpr in zip(e.thresholds[:2], e.tpr[:2], e.fpr[:2], strict=True):
        hand_tpr, hand_fpr = rates(t, 0.8, 0.1)
        assert tpr == pytest.approx(hand_tpr, abs=1e-12)
        assert fpr == pytest.approx(hand_fpr, abs=1e-12)
    assert e.tpr[-1] == 1.0 and e.fpr[-1] == 1.0


def test_decomposition_sums_to_net_and_books_stakeholders(small):
    e = evaluate(small)
    by_stakeholder = e.value_by_stakeholder()
    assert by_stakeholder.sum() == pytest.approx(e.net_per_event, abs=1e-12)
    business = by_stakeholder[STAKEHOLDERS.index("business")]
    acted_positives = (e.masses.positive * e.masses.act_positive).sum()
    assert business == pytest.approx(20 * acted_positives, abs=1e-12)
    # operator minutes only from false positives acted on
    operator = e.decomposition[:, :, STAKEHOLDERS.index("operator"), :]
    assert np.count_nonzero(operator[COMPONENTS.index("negative_acted")]) > 0
    assert np.all(operator[COMPONENTS.index("positive_acted")] == 0)


def test_expected_excess_matches_direct_poisson_sum():
    for lam in (0.01, 0.7, 3.0, 12.0):
        for cap in (0, 1, 3, 10):
            direct = sum(
                (n - cap) * math.exp(-lam) * lam**n / math.factorial(n) for n in range(cap + 1, 120)
            )
            assert expected_excess(np.array(lam), cap) == pytest.approx(direct, abs=1e-9)


def test_cap_demotes_to_the_quieter_mode_and_holds_the_cap(small):
    loud = with_values(small, {"scenario.events_per_user_per_day": 200})
    capped = with_values(
        loud,
        {"experience.modes.prompt.daily_cap": 2, "experience.modes.prompt.over_cap": "annotate"},
    )
    before, after = evaluate(loud), evaluate(capped)
    p, a = MODES.index("prompt"), MODES.index("annotate")
    lam = before.masses.interactions[p]
    assert after.masses.interactions[p] == pytest.approx(lam - expected_excess(np.array(lam), 2))
    assert after.masses.interactions[p] <= 2.0
    assert after.masses.interactions[a] == pytest.approx(lam - after.masses.interactions[p])
    # fewer prompts mean less habituation for those left
    assert after.masses.habituation[p] > before.masses.habituation[p]


@given(
    exposures=st.floats(0, 1e4),
    more=st.floats(1e-3, 1e3),
    rate=st.floats(1e-6, 0.99),
)
def test_habituation_grows_with_exposures(exposures, more, rate):
    h1 = habituation_factor(np.array(exposures), rate)
    h2 = habituation_factor(np.array(exposures + more), rate)
    assert 0 < h2 <= h1 <= 1


@settings(max_examples=60, deadline=None)
@given(
    auc=st.floats(0.55, 0.999),
    base_rate=st.floats(1e-5, 0.5),
    threshold=st.floats(0.01, 0.99),
)
def test_more_forcefulness_raises_compliance_and_attention(auc, base_rate, threshold):
    p = with_values(
        loads_preset(SMALL),
        {
            "model.auc": auc,
            "scenario.base_rate": base_rate,
            "experience.bands[0].threshold": max(threshold, 0.21),
        },
    )
    soft = evaluate(with_values(p, {"experience.modes.prompt.forcefulness": 0.0}))
    hard = evaluate(with_values(p, {"experience.modes.prompt.forcefulness": 1.0}))
    m = MODES.index("prompt")
    assert hard.masses.act_positive[m] >= soft.masses.act_positive[m]
    assert hard.user_minutes_per_day() >= soft.user_minutes_per_day()


def test_trust_follows_precision(small):
    """Probability matching: the same prompt is heeded less when its alarms are less often true."""
    good = evaluate(with_values(small, {"model.auc": 0.95}))
    poor = evaluate(with_values(small, {"model.auc": 0.6}))
    m = MODES.index("prompt")
    assert good.masses.precision[m] > poor.masses.precision[m]
    assert good.masses.trust[m] > poor.masses.trust[m]
    w = 0.9
    assert poor.masses.trust[m] == pytest.approx((1 - w) + w * poor.masses.precision[m])


def test_layers_report_plain_units(small):
    e = evaluate(small)
    m = e.masses
    assert e.interruptions_per_user_day() == pytest.approx(
        m.interactions[MODES.index("automate")] + m.interactions[MODES.index("prompt")]
    )
    assert e.false_alarms_per_user_day() == pytest.approx(
        10 * m.negative[: MODES.index("none")].sum()
    )
    acted = (m.positive * m.act_positive).sum()
    assert e.harms_avoided_per_user_year() == pytest.approx((acted - 0.1 * 0.1) * 10 * 365)


def test_added_value_by_stakeholder_is_against_the_feature_off(small):
    e = evaluate(small)
    off = evaluate(
        with_values(small, {"experience.bands[0].mode": "none", "experience.bands[1].mode": "none"})
    )
    np.testing.assert_allclose(
        e.added_by_stakeholder(), e.value_by_stakeholder() - off.value_by_stakeholder(), atol=1e-12
    )
    assert e.added_by_stakeholder().sum() == pytest.approx(e.added_per_event)
