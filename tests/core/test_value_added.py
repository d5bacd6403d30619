"""Value added tells the story: it leads every report, it is the value of correct actions
minus the cost of wrong ones, a stakeholder without payoffs is "not modelled", and a real
model's evaluation set gives it a 95% interval."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from prototyper import cli
from prototyper.assets import bundled_presets
from prototyper.core.evaluation import value
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.report import summary, text_summary
from prototyper.core.evaluation.uncertainty import (
    effective_sizes,
    rate_interval,
    uncertainty,
    wilson_interval,
)
from prototyper.core.model.scores import EmpiricalScores
from prototyper.core.preset.preset_io import with_values
from prototyper.core.preset.schema import MODES, STAKEHOLDERS

NAMES = [p.stem for p in bundled_presets()]


def _evaluate_json(capsys, name: str) -> dict:
    assert cli.main(["evaluate", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _evaluate_text(capsys, name: str) -> str:
    assert cli.main(["evaluate", name]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_value_of_correct_minus_cost_of_wrong_is_value_added(capsys, name):
    doc = _evaluate_json(capsys, name)
    added = doc["value_added"]
    assert added["per_event"] == doc["value_added_vs_feature_off"]["per_event"]
    for scale in ("per_event", "per_user_day", "per_population_day"):
        correct = added["value_of_correct"][scale]
        wrong = added["cost_of_wrong"][scale]
        assert math.isclose(correct - wrong, added[scale], rel_tol=1e-9, abs_tol=1e-15)
    parts = added["cost_of_wrong_parts"]
    wrong = parts["false_alarms_acted_on"]["per_event"] + parts["attention"]["per_event"]
    assert math.isclose(wrong, added["cost_of_wrong"]["per_event"], rel_tol=1e-12)
    by_part = sum(item["value"]["per_event"] for item in added["by_part"])
    assert math.isclose(by_part, added["per_event"], rel_tol=1e-9, abs_tol=1e-15)
    # The total with the harm that happens anyway is there, named, and equal to net value.
    total = added["total_value_incl_harm_anyway"]
    assert total == doc["net_value"]
    assert (
        doc["layers"]["system"]["total_value_incl_harm_anyway_per_day"]
        == (doc["layers"]["system"]["net_value_per_day"])
    )


@pytest.mark.parametrize("name", NAMES)
def test_value_added_is_the_first_figure_never_the_total(capsys, name):
    doc = _evaluate_json(capsys, name)
    assert next(iter(doc)) == "value_added"
    assert next(iter(doc["layers"]["system"])) == "value_added_per_day"
    lines = _evaluate_text(capsys, name).splitlines()
    first = lines[3]  # the name, a blank line, the header, then the first figure
    assert first.startswith("value added vs. feature off")
    assert "harm that happens anyway" not in first
    system = next(line for line in lines if line.startswith("  system "))
    assert system.split()[1:3] == ["value", "added"]


@pytest.mark.parametrize("name", NAMES)
def test_a_stakeholder_without_payoffs_is_not_modelled_never_zero(capsys, name):
    doc = _evaluate_json(capsys, name)
    text = _evaluate_text(capsys, name)
    for who, figures in doc["value_added"]["by_stakeholder"].items():
        row = next(line for line in text.splitlines() if line.startswith(f"  to the {who} "))
        if figures["modelled"]:
            assert figures["per_population_day"] is not None
            assert "not modelled" not in row
        else:
            assert figures["per_population_day"] is None
            assert row.split()[-2:] == ["not", "modelled"]
            assert "$" not in row
    org = doc["layers"]["organization"]
    for who in ("business", "operator"):
        if not org[who]["modelled"]:
            assert org[who]["value_added_per_day"] is None
            assert f"{who} not modelled" in text


def test_which_stakeholders_are_modelled(small):
    assert value.modelled_stakeholders(small) == {
        "user": True,
        "operator": True,
        "business": True,
    }
    no_business = with_values(
        small, {"payoffs.positive_acted": [{"stakeholder": "user", "amount": 200}]}
    )
    assert value.modelled_stakeholders(no_business)["business"] is False
    doc = summary(evaluate(no_business))
    assert doc["value_added"]["by_stakeholder"]["business"] == {
        "modelled": False,
        "per_event": None,
        "per_user_day": None,
        "per_population_day": None,
    }
    assert doc["layers"]["organization"]["business"]["modelled"] is False
    assert doc["layers"]["organization"]["modelled"] is True  # the operator is
    # Attention minutes make their stakeholder modelled; zero minutes do not.
    for minutes, modelled in ((0.0, False), (0.5, True)):
        changed = with_values(
            no_business,
            {
                "payoffs.attention.prompt.stakeholder": "business",
                "payoffs.attention.prompt.minutes_low": minutes,
                "payoffs.attention.prompt.minutes_high": minutes,
            },
        )
        assert value.modelled_stakeholders(changed)["business"] is modelled


def test_the_split_by_hand_on_the_small_preset(small):
    # With payoffs the same in every mode, the positives' part is the extra positives acted
    # on, pos_m * (act+ - u+), times acting against missing (user 200 - (-300), business 20);
    # the negatives' part the extra false alarms, neg_m * (act- - u-), times their cost
    # (user -10, operator 15 minutes at 60 an hour); attention is all added.
    e = evaluate(small)
    m = e.masses
    split = e.added_split()
    user, operator, business = (STAKEHOLDERS.index(s) for s in ("user", "operator", "business"))
    correct, wrong, attention = (value.ADDED_PART[p] for p in value.ADDED_PARTS)
    for i, mode in enumerate(MODES):
        extra_tp = m.positive[i] * (m.act_positive[i] - 0.1)
        extra_fp = m.negative[i] * (m.act_negative[i] - 0.02)
        assert split[correct, i, user] == pytest.approx(extra_tp * 500, abs=1e-12)
        assert split[correct, i, business] == pytest.approx(extra_tp * 20, abs=1e-12)
        assert split[wrong, i, user] == pytest.approx(extra_fp * -10, abs=1e-12)
        assert split[wrong, i, operator] == pytest.approx(extra_fp * -15, abs=1e-12)
        shown = m.positive[i] + m.negative[i]
        minutes = {"automate": 1.5, "prompt": 0.1 + 0.4 * 0.25}.get(mode, 0.0)
        assert split[attention, i, user] == pytest.approx(-shown * minutes * 0.5, abs=1e-12)
    assert split[:, MODES.index("none")].sum() == 0  # silent events add nothing
    good, bad = value.correct_and_wrong(split)
    assert good > 0 and bad > 0
    assert good - bad == pytest.approx(e.added_per_event, rel=1e-12)
    assert split.sum(axis=(0, 1)) == pytest.approx(e.added_by_stakeholder(), rel=1e-12)


def test_wilson_interval_by_hand():
    # 5 of 20: p = 0.25, z = 1.96; centre (p + z²/2n) / (1 + z²/n) = 0.29028,
    # half-width z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n) = 0.17842.
    low, high = wilson_interval(5, 20)
    assert low == pytest.approx(0.11186, abs=1e-5)
    assert high == pytest.approx(0.46870, abs=1e-5)
    assert rate_interval(5, 20) == (low, high, "wilson")
    # None of 300 flagged: the rule of three, 3/300; all of them: the mirror image.
    assert rate_interval(0, 300) == (0.0, 0.01, "rule of three")
    assert rate_interval(300, 300) == pytest.approx((0.99, 1.0, "rule of three"))


def _scores(scale: int, weights: float | None = None) -> EmpiricalScores:
    """Positives and negatives at fixed scores, ``scale`` times over: 100 positives (20 at
    0.9, 50 at 0.3, 30 at 0.05) and 900 negatives (none at 0.9, 30 at 0.3, 870 at 0.05)."""
    labels = np.repeat([1, 1, 1, 0, 0], [20, 50, 30, 30, 870])
    scores = np.repeat([0.9, 0.3, 0.05, 0.3, 0.05], [20, 50, 30, 30, 870])
    labels, scores = np.tile(labels, scale), np.tile(scores, scale)
    w = None if weights is None else np.full(len(labels), weights)
    return EmpiricalScores(labels, scores, w)


def test_intervals_on_the_rates_of_an_evaluation_set(small):
    u = uncertainty(small, _scores(1))
    # The small preset's thresholds: 0.5 (20 of 100 positives, 0 of 900 negatives above)
    # and 0.2 (70 of 100, 30 of 900).
    assert [r.threshold for r in u.tpr] == [0.5, 0.2]
    assert (u.tpr[0].low, u.tpr[0].high) == pytest.approx(wilson_interval(20, 100))
    assert (u.tpr[1].low, u.tpr[1].high) == pytest.approx(wilson_interval(70, 100))
    assert (u.fpr[0].low, u.fpr[0].high, u.fpr[0].method) == (0.0, 3 / 900, "rule of three")
    assert (u.fpr[1].low, u.fpr[1].high) == pytest.approx(wilson_interval(30, 900))
    point = evaluate(small, _scores(1)).added_per_population_day
    assert u.added_low < point < u.added_high
    # Ten times the data, the same shares: a narrower interval around the same point.
    more = uncertainty(small, _scores(10))
    assert u.added_low < more.added_low < point < more.added_high < u.added_high
    assert uncertainty(small, None) is None  # a synthetic model has no evaluation set
    doc = summary(evaluate(small, _scores(1)), _scores(1))["value_added"]["interval_95"]
    assert doc["value_added_per_population_day"] == {
        "low": pytest.approx(u.added_low),
        "high": pytest.approx(u.added_high),
    }
    assert summary(evaluate(small))["value_added"]["interval_95"] is None
    text = text_summary(evaluate(small, _scores(1)), _scores(1))
    assert "95% interval" in text and "(rule of three)" in text


def test_weights_count_by_their_effective_size():
    assert effective_sizes(_scores(1)) == (100, 900)
    # Equal weights: as many effective rows as rows, whatever the weight.
    assert effective_sizes(_scores(1, weights=2.0)) == pytest.approx((100, 900))
    labels, scores = np.array([1, 1, 0, 0]), np.array([0.9, 0.1, 0.9, 0.1])
    uneven = EmpiricalScores(labels, scores, np.array([3.0, 1.0, 1.0, 1.0]))
    assert effective_sizes(uneven) == pytest.approx((16 / 10, 2.0))


def test_the_simulation_summary_leads_with_value_added(capsys):
    argv = ["simulate", "safe_browsing", "--replications", "2", "--users", "200"]
    assert cli.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("at the horizon"))) :]
    assert table[1].startswith("Value added over the horizon ")
    business = next(line for line in table if line.startswith("Value added over the horizon: b"))
    assert business.split()[-2:] == ["not", "modelled"]  # safe browsing pays the business nothing
    total = next(i for i, line in enumerate(table) if line.startswith("Total incl. harm anyway"))
    assert total > 1
    static = next(line for line in lines if line.startswith("Static engine:"))
    assert static.index("added per day") < static.index("total incl. harm anyway")
