"""Designs side by side: the figures are evaluate's, the differences are from the reference."""

from __future__ import annotations

import dataclasses

import pytest

from prototyper import assets
from prototyper.core.evaluation.compare import (
    MAX_VARIANTS,
    Variant,
    compare,
    csv_rows,
    text_table,
    unique_names,
)
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.report import summary
from prototyper.core.preset.preset_io import load_preset, loads_preset

from .small_preset import SMALL


def small(user_gain: int = 200) -> Variant:
    text = SMALL.replace(
        "{stakeholder: user, amount: 200}", f"{{stakeholder: user, amount: {user_gain}}}"
    )
    return Variant(f"gain {user_gain}", loads_preset(text))


def test_one_payoff_apart_the_difference_is_evaluates():
    a, b = small(200), small(300)
    c = compare([a, b])
    day = [evaluate(v.preset).added_per_population_day for v in (a, b)]
    row = c.row("system.value_added")
    assert row.values == pytest.approx(tuple(day))
    assert row.differences[0] is None  # the reference
    assert row.differences[1] == pytest.approx(day[1] - day[0])
    assert row.differences[1] > 0


def test_the_difference_is_linear_in_the_payoff():
    # value added is linear in a payoff: 100 more per positive acted on adds d, 200 more 2d
    c = compare([small(200), small(300), small(400)])
    d = c.row("system.value_of_correct").differences
    assert d[2] == pytest.approx(2 * d[1])
    # the user's share moves by exactly as much: the payoff is the user's
    assert c.row("organization.added_to_user").differences[1] == pytest.approx(d[1])
    # the design is the same: the user, model and leading-indicator figures do not move
    for row in c.rows:
        if row.layer in ("user", "model", "leading_indicators") and row.key != "user.harms_avoided":
            assert row.differences[1:] == (0.0, 0.0), row.key
    assert c.row("organization.added_to_operator").differences[1:] == (0.0, 0.0)


def test_every_figure_is_the_one_evaluate_reports():
    preset = load_preset(assets.preset_path("fall_detection"))
    c = compare([Variant("fall", preset)])
    doc = summary(evaluate(preset), None)
    layers = doc["layers"]
    assert c.row("system.cost_of_wrong").values[0] == layers["system"]["cost_of_wrong_per_day"]
    assert (
        c.row("system.total_incl_harm_anyway").values[0]
        == (layers["system"]["total_value_incl_harm_anyway_per_day"])
    )
    assert c.row("user.interruptions").values[0] == pytest.approx(
        layers["user"]["interruptions_per_user_day"] * 365
    )
    assert c.row("user.attention_minutes").values[0] == layers["user"]["minutes_lost_per_user_day"]
    assert c.row("model.auc").values[0] == layers["model"]["auc"]
    for i, band in enumerate(doc["bands"]):
        assert c.row(f"model.precision_band_{i + 1}").values[0] == band["precision"]


def test_a_stakeholder_without_payoffs_is_not_modelled_not_zero():
    no_business = loads_preset(SMALL.replace("    - {stakeholder: business, amount: 20}\n", ""))
    c = compare([small(), Variant("no business", no_business)])
    row = c.row("organization.added_to_business")
    assert row.values[0] is not None and row.values[1] is None
    assert row.differences[1] is None
    assert c.value_text(row, 1) == "not modelled"
    assert c.difference_text(row, 1) == "n/a"


def test_the_reference_can_be_any_variant():
    a, b = small(200), small(300)
    first, second = compare([a, b]), compare([a, b], reference=1)
    key = "system.value_added"
    assert second.row(key).differences[0] == pytest.approx(-first.row(key).differences[1])
    assert second.row(key).differences[1] is None
    assert "(reference)" in text_table(second).splitlines()[1]


def test_the_same_scenario_has_no_note_and_a_different_one_says_what_differs():
    a = small()
    assert compare([a, small(300)]).shared_scenario
    assert compare([a, small(300)]).notes == ()
    sc = a.preset.scenario
    other = dataclasses.replace(a.preset, scenario=dataclasses.replace(sc, base_rate=0.2))
    renamed = dataclasses.replace(a.preset, scenario=dataclasses.replace(sc, name="Copy"))
    c = compare([a, Variant("rarer", other), Variant("renamed", renamed)])
    assert not c.shared_scenario
    assert c.notes[0].startswith("scenarios differ: base rate 0.1 vs 0.2 vs 0.1")
    assert compare([a, Variant("renamed", renamed)]).shared_scenario  # a name is no scenario


def test_different_currencies_give_no_money_differences():
    euros = loads_preset(SMALL.replace("payoffs:\n", "payoffs:\n  currency: EUR\n"))
    c = compare([small(), Variant("euros", euros)])
    assert c.row("system.value_added").differences[1] is None
    assert c.row("model.auc").differences[1] == 0.0
    assert any("currencies differ" in n for n in c.notes)


def test_signs_are_written_and_units_named():
    c = compare([small(300), small(200)])
    row = c.row("system.value_added")
    assert c.difference_text(row, 1).startswith("-$")
    up = compare([small(200), small(300)])
    assert up.difference_text(up.row("system.value_added"), 1).startswith("+$")
    text = text_table(c)
    assert "USD per day" in text and "per user-year" in text and "-$" in text
    header = next(line for line in text.splitlines() if line.startswith("figure"))
    assert header.split() == ["figure", "unit", "A", "B", "B", "-", "A"]


def test_csv_has_one_row_per_figure():
    c = compare([small(200), small(300)])
    rows = csv_rows(c)
    assert rows[0] == [
        "key",
        "layer",
        "figure",
        "unit",
        "gain 200",
        "gain 300",
        "gain 300 - gain 200",
    ]
    assert [r[0] for r in rows[1:]] == [r.key for r in c.rows]
    value_added = rows[1 + [r.key for r in c.rows].index("system.value_added")]
    assert float(value_added[6]) == c.row("system.value_added").differences[1]


def test_one_to_four_variants():
    with pytest.raises(ValueError, match="1 to 4"):
        compare([small()] * (MAX_VARIANTS + 1))
    with pytest.raises(ValueError, match="1 to 4"):
        compare([])
    with pytest.raises(ValueError, match="reference"):
        compare([small()], reference=1)


def test_repeated_names_are_told_apart():
    assert unique_names(["a", "a", "b", "a"]) == ["a", "a (2)", "b", "a (3)"]
