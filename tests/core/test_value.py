"""The value model on the small preset, against numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from prototyper.core.evaluation import value
from prototyper.core.evaluation.value import MODE, OFF, OUTCOME, STAKEHOLDER, UNIT
from prototyper.core.preset.preset_io import with_values
from prototyper.core.preset.schema import MODES, OUTCOMES, STAKEHOLDERS

# The small preset: base rate 0.1, unprompted 0.1 (positive) and 0.02 (negative); an hour of
# the user's time is worth 30, the operator's 60. Payoffs per event (money unless minutes):
# positive acted: user +200, business +20; positive missed: user -300;
# negative acted: user -10, operator -15 minutes.


@pytest.fixture
def limited(small):
    """The small preset with a harm limit: no positive event may lose more than 100."""
    return with_values(
        small,
        {"guardrails.harm_limit.enabled": True, "guardrails.harm_limit.max_loss_per_positive": 100},
    )


def test_the_payoff_table_has_a_mode_axis_equal_across_modes(small):
    table = value.payoff_table(small)
    assert table.shape == (len(OUTCOMES), len(MODES), len(STAKEHOLDERS), 2)
    for mode in MODES:
        by_mode = table[:, MODE[mode]]
        assert by_mode[OUTCOME["positive_acted"], STAKEHOLDER["user"], UNIT["money"]] == 200
        assert by_mode[OUTCOME["positive_acted"], STAKEHOLDER["business"], UNIT["money"]] == 20
        assert by_mode[OUTCOME["positive_missed"], STAKEHOLDER["user"], UNIT["money"]] == -300
        assert by_mode[OUTCOME["negative_acted"], STAKEHOLDER["operator"], UNIT["minutes"]] == -15
        assert by_mode[OUTCOME["negative_ignored"]].sum() == 0


def test_minutes_are_valued_at_each_stakeholders_hourly_rate(small):
    money = value.money_per_unit(small)
    assert money[STAKEHOLDER["user"], UNIT["minutes"]] == pytest.approx(0.5)
    assert money[STAKEHOLDER["operator"], UNIT["minutes"]] == pytest.approx(1.0)
    assert money[STAKEHOLDER["business"], UNIT["minutes"]] == 0
    assert (money[:, UNIT["money"]] == 1).all()
    values = value.outcome_values(small)[:, MODE["prompt"]]
    assert values[OUTCOME["negative_acted"]] == pytest.approx([-10, -15, 0])
    assert values[OUTCOME["positive_acted"]] == pytest.approx([200, 0, 20])


def test_attention_costs_the_users_minutes_at_the_modes_forcefulness(small):
    attention = value.attention_values(small)
    # automate at forcefulness 1: 1.5 minutes; prompt at 0.25: 0.1 + 0.4 * 0.25 = 0.2 minutes
    assert attention[MODE["automate"], STAKEHOLDER["user"]] == pytest.approx(-0.75)
    assert attention[MODE["prompt"], STAKEHOLDER["user"]] == pytest.approx(-0.1)
    assert attention[MODE["none"]].sum() == 0


def test_compliance_formula():
    # 1 - (1 - 0.5 * 0.8)(1 - 0.1) = 0.46
    assert value.act_probability(0.1, 0.5, 0.8) == pytest.approx(0.46)
    assert value.act_probability(0.1, 0.5, 0.0) == pytest.approx(0.1)  # unmoved: on their own
    assert value.trust_multiplier(0.9, 0.25) == pytest.approx(0.325)
    assert value.trust_multiplier(0.0, 0.25) == 1.0
    # three events, moved 0.8 each: 3 * 0.46
    assert value.acted_sum(0.1, 0.5, 3.0, 2.4) == pytest.approx(1.38)


def test_habituation_of_a_days_count():
    counts = np.array([1, 2, 3], dtype=np.float32)
    # mean of 0.7^k over k = 0 .. n-1
    expected = [1.0, (1 + 0.7) / 2, (1 + 0.7 + 0.49) / 3]
    assert value.habituation_of_count(counts, 0.3) == pytest.approx(expected, rel=1e-6)
    carried = np.ones(3, dtype=np.float32)  # one exposure carried from earlier days
    moved = value.habituation_of_count(counts, 0.3, carried)
    assert moved == pytest.approx([0.7 * e for e in expected], rel=1e-6)
    assert moved.dtype == np.float32


def test_the_feature_off_baseline(small):
    # outcome shares: 0.1*0.1, 0.1*0.9, 0.9*0.02, 0.9*0.98
    assert value.baseline_shares(small) == pytest.approx([0.01, 0.09, 0.018, 0.882])
    # user: 0.01*200 - 0.09*300 - 0.018*10; operator: 0.018 * -15 minutes * 1; business 0.01*20
    off = value.baseline_by_stakeholder(small)
    assert off == pytest.approx([-25.18, -0.27, 0.2])


def test_everything_in_the_silent_mode_is_worth_the_baseline(small, limited):
    n = len(MODES)
    pos, neg = [0.0] * n, [0.0] * n
    pos[OFF], neg[OFF] = 0.1, 0.9
    acts = [0.0] * n
    act_pos, act_neg = list(acts), list(acts)
    act_pos[OFF], act_neg[OFF] = 0.1, 0.02
    for preset, flag in ((small, False), (limited, True)):
        net = value.net_value(preset, pos, neg, act_pos, act_neg, harm_limit=flag)
        off = value.baseline_by_stakeholder(preset, harm_limit=flag)
        assert net == pytest.approx(off.sum())
        arrays = [np.array(x) for x in (pos, neg, act_pos, act_neg)]
        parts = value.decomposition(preset, *arrays, harm_limit=flag)
        assert (parts * value.money_per_unit(preset)).sum() == pytest.approx(off.sum())


def test_the_harm_limit_cuts_the_costs_of_positive_outcomes(small, limited):
    # A missed positive loses 300 > 100: the user's cost is cut to a third.
    values = value.outcome_values(limited, harm_limit=True)
    missed = OUTCOME["positive_missed"]
    assert values[missed, :, STAKEHOLDER["user"]] == pytest.approx([-100] * len(MODES))
    assert value.payoff_table(limited, harm_limit=True)[
        missed, MODE["prompt"], STAKEHOLDER["user"], UNIT["money"]
    ] == pytest.approx(-100)
    binds = value.harm_limit_binds(limited)
    assert binds[missed].all() and not binds[OUTCOME["positive_acted"]].any()
    assert not binds[OUTCOME["negative_acted"]].any()
    # off unless asked for, and without the guardrail nothing binds even when asked
    assert value.outcome_values(limited)[missed, 0, STAKEHOLDER["user"]] == -300
    assert not value.harm_limit_binds(small).any()
    assert (value.outcome_values(small, harm_limit=True) == value.outcome_values(small)).all()
    # user baseline: 2 - 0.09 * 100 - 0.18
    assert value.baseline_by_stakeholder(limited, harm_limit=True)[0] == pytest.approx(-7.18)


def _counts(rng, shape):
    return {o: rng.integers(0, 5, size=shape).astype(float) for o in OUTCOMES}


def test_counted_outcomes_are_valued_in_their_mode(small):
    rng = np.random.default_rng(1)
    counts = _counts(rng, (3, len(MODES)))
    values = value.outcome_values(small)
    by_hand = sum(counts[o].sum(-1)[:, None] * values[OUTCOME[o], 0] for o in OUTCOMES)
    assert value.value_of_counts(values, counts) == pytest.approx(by_hand)
    # A payoff that depends on the mode: prompts' outcomes worth twice as much.
    values[:, MODE["prompt"]] *= 2
    prompt = {o: c * (np.arange(len(MODES)) == MODE["prompt"]) for o, c in counts.items()}
    rest = {o: counts[o] - prompt[o] for o in OUTCOMES}
    plain = value.outcome_values(small)
    want = 2 * value.value_of_counts(plain, prompt) + value.value_of_counts(plain, rest)
    assert value.value_of_counts(values, counts) == pytest.approx(want)


def test_harm_limited_events_are_counted(limited):
    counts = {o: np.zeros((2, len(MODES))) for o in OUTCOMES}
    counts["positive_missed"][0, MODE["prompt"]] = 3
    counts["positive_missed"][1, OFF] = 2
    counts["positive_acted"][:, MODE["automate"]] = 7  # not limited: worth +220
    counts["negative_acted"][:, MODE["automate"]] = 5
    binds = value.harm_limit_binds(limited)
    assert value.count_harm_limited(binds, counts) == pytest.approx([3, 2])
