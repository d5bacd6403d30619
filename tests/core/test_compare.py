"""Designs side by side: the figures are evaluate's, the differences are from the reference."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest

from prototyper import assets
from prototyper.core.evaluation.compare import (
    MAX_VARIANTS,
    NO_PSA,
    PSA_DRAWS,
    PSA_SEED,
    Variant,
    compare,
    csv_rows,
    text_table,
    unique_names,
)
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.report import summary
from prototyper.core.evaluation.sensitivity import psa
from prototyper.core.model.model_sources import load_scores
from prototyper.core.preset.preset_io import load_preset, loads_preset

from .small_preset import HAND, SMALL


def small(user_gain: int = 200) -> Variant:
    text = SMALL.replace(
        "{stakeholder: user, amount: 200}", f"{{stakeholder: user, amount: {user_gain}}}"
    )
    return Variant(f"gain {user_gain}", loads_preset(text))


def scenario_notes(c) -> list[str]:
    """The notes other than the PSA's (what was drawn, or why there is no PSA)."""
    return [n for n in c.notes if not n.startswith(("PSA: ", "no PSA", NO_PSA))]


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
    assert scenario_notes(compare([a, small(300)])) == []
    sc = a.preset.scenario
    other = dataclasses.replace(a.preset, scenario=dataclasses.replace(sc, base_rate=0.2))
    renamed = dataclasses.replace(a.preset, scenario=dataclasses.replace(sc, name="Copy"))
    c = compare([a, Variant("rarer", other), Variant("renamed", renamed)])
    assert not c.shared_scenario
    assert c.notes[0].startswith("scenarios differ: base rate 0.1 vs 0.2 vs 0.1")
    assert compare([a, Variant("renamed", renamed)]).shared_scenario  # a name is no scenario


def test_a_lecture_s_scenes_and_uncertainty_ranges_are_no_scenario():
    shipped = load_preset(assets.preset_path("safe_browsing"))
    assert shipped.scenes  # the shipped preset has a lecture's steps
    c = compare(
        [Variant("shipped", shipped), Variant("no scenes", dataclasses.replace(shipped, scenes=()))]
    )
    assert c.shared_scenario and scenario_notes(c) == []
    assert shipped.uncertainty  # and holds some inputs uncertain
    certain = dataclasses.replace(shipped, uncertainty=MappingProxyType({}))
    assert compare([Variant("shipped", shipped), Variant("certain", certain)]).shared_scenario


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


# --- the PSA block ----------------------------------------------------------------------------

PSA_KEYS = ["psa.mean", "psa.low", "psa.high", "psa.p_adds_value", "psa.p_beats_reference"]


def hand(harm_high: int = 40, gain: int = 20) -> Variant:
    text = HAND.replace("{low: 0, high: 40}", f"{{low: 0, high: {harm_high}}}")
    text = text.replace("amount: 20, label", f"amount: {gain}, label")
    return Variant(f"high {harm_high} gain {gain}", loads_preset(text, "hand.yaml"))


def test_the_psa_rows_are_psas_on_the_same_draws():
    variants = [small(200), hand(), small(300)]
    c = compare(variants, reference=1)
    assert [r.key for r in c.rows if r.layer == "psa"] == PSA_KEYS
    r = psa(
        [v.preset for v in variants],
        [None] * 3,
        draws=PSA_DRAWS,
        seed=PSA_SEED,
        names=[v.name for v in variants],
    )
    beats = r.p_beats()
    assert c.row("psa.p_beats_reference").values == tuple(float(beats[i, 1]) for i in range(3))
    assert c.row("psa.mean").values == tuple(d.mean for d in r.designs)
    assert c.row("psa.low").values == tuple(d.low for d in r.designs)
    assert c.row("psa.high").values == tuple(d.high for d in r.designs)
    assert c.row("psa.p_adds_value").values == tuple(d.p_adds_value for d in r.designs)
    assert c.row("psa.mean").differences[0] == pytest.approx(r.designs[0].mean - r.designs[1].mean)
    assert c.notes[-1].startswith(f"PSA: {PSA_DRAWS:,} draws (seed {PSA_SEED})")


def test_a_design_never_beats_itself_a_tie_is_not_adding_more():
    a = small(200)
    c = compare([a, Variant("copy", a.preset)])
    assert c.row("psa.p_beats_reference").values == (0.0, 0.0)
    assert c.row("psa.mean").differences[1] == 0.0
    # 100 more per positive acted on adds value on every draw: it always adds more
    up = compare([a, small(300)]).row("psa.p_beats_reference").values
    assert up == (0.0, 1.0)
    down = compare([a, small(300)], reference=1).row("psa.p_beats_reference").values
    assert down == (0.0, 0.0)


def test_a_design_that_holds_an_input_certain_keeps_its_point_value():
    # HAND's harm avoided is uniform on 0..40 around 20; without the section it stays at
    # 20 while both designs share the false-block draws: each adds more on about half
    uncertain = hand()
    certain = Variant("certain", loads_preset(HAND.split("uncertainty:")[0], "hand.yaml"))
    ab = compare([uncertain, certain]).row("psa.p_beats_reference").values[1]
    ba = compare([uncertain, certain], reference=1).row("psa.p_beats_reference").values[0]
    assert ab is not None and ba is not None
    assert 0.45 < ab < 0.55
    assert ab + ba == pytest.approx(1.0)  # ties have probability 0 here
    assert ab * PSA_DRAWS == pytest.approx(round(ab * PSA_DRAWS))  # a share of the draws


def test_different_distributions_of_one_input_are_named_in_the_note():
    c = compare([hand(), hand(harm_high=60)])
    assert "designs give harm avoided different distributions: each design draws" in c.notes[-1]
    assert "different distributions" not in compare([hand(), hand(gain=30)]).notes[-1]


def test_no_uncertain_inputs_no_psa_block():
    policing = load_preset(assets.preset_path("predictive_policing"))
    c = compare([Variant("a", policing), Variant("b", policing)])
    assert not [r for r in c.rows if r.layer == "psa"]
    assert NO_PSA in c.notes
    assert NO_PSA not in text_table(c).split("note: ", 1)[0]
    assert f"note: {NO_PSA}" in text_table(c)


def test_a_real_models_uncertain_base_rate_gives_no_psa_with_a_note():
    path = assets.preset_path("safe_browsing_model")
    preset = load_preset(path)
    scores = load_scores(preset.model, path.parent)
    real = Variant("real", preset, scores, path.parent)
    # the response ranges only: one evaluation of the real model serves every draw
    c = compare([real, Variant("described", load_preset(assets.preset_path("safe_browsing")))])
    assert c.row("psa.p_beats_reference").values[0] == 0.0
    uncertain = dataclasses.replace(
        preset, uncertainty={"scenario.base_rate": {"low": 0.05, "high": 0.2}}
    )
    c = compare([Variant("real", uncertain, scores, path.parent)])
    assert not [r for r in c.rows if r.layer == "psa"]
    assert c.notes[-1].startswith("no PSA: base rate is uncertain with a real model (real)")
