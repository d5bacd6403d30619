"""prototyper sensitivity: the tables, the JSON (the core's numbers), bad input."""

from __future__ import annotations

import json

import pytest

from prototyper.core.evaluation.sensitivity_report import sensitivity_report
from prototyper.core.preset.preset_io import load_preset, loads_preset

from ..core.small_preset import HAND
from .running import run


@pytest.fixture
def hand_file(tmp_path):
    path = tmp_path / "hand.yaml"
    path.write_text(HAND, encoding="utf-8")
    return path


def test_json_is_the_core_report(capsys, hand_file):
    code, out, err = run(capsys, "sensitivity", hand_file, "--draws", "2000", "--json")
    assert code == 0, err
    doc = json.loads(out)
    core = sensitivity_report(
        [load_preset(hand_file)], None, names=["hand"], draws=2000, seed=1
    ).to_data()
    assert doc == json.loads(json.dumps(core))
    bars = doc["tornado"]["inputs"]
    assert [b["path"] for b in bars] == [
        "payoffs.positive_acted[0].amount",
        "response.modes.automate.act_if_negative",
    ]
    assert bars[0]["swing"] == pytest.approx(3600.0)
    assert doc["break_even"][0]["value"] == pytest.approx(10.0)
    assert doc["psa"]["designs"][0]["name"] == "hand"
    assert doc["evppi"]["inputs"][0]["path"] == "payoffs.positive_acted[0].amount"


def test_text_shows_every_table_with_signs(capsys, hand_file):
    code, out, _ = run(capsys, "sensitivity", hand_file, "--draws", "1000")
    assert code == 0
    for heading in ("tornado:", "break-even:", "PSA: 1,000 draws", "P(A beats B)", "EVPPI:"):
        assert heading in out
    assert "-$900.00" in out and "+$2.7k" in out  # A at 0 and at 40: signs visible
    assert "when harm avoided falls below $10.00" in out
    assert "hand beats feature off" in out


def test_compare_puts_every_design_in_the_psa(capsys, hand_file, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(HAND.replace("amount: -10,", "amount: -12,"), encoding="utf-8")
    code, out, _ = run(
        capsys, "sensitivity", hand_file, "--compare", other, "--draws", "500", "--json"
    )
    assert code == 0
    doc = json.loads(out)
    assert [d["name"] for d in doc["psa"]["designs"]] == ["hand", "other"]
    # the same draws: the cheaper false block wins in every draw
    pair = next(p for p in doc["psa"]["p_beats"] if p["a"] == "hand" and p["b"] == "other")
    assert pair["p"] == 1.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--draws", "0"], "--draws: expected 1 to 1,000,000, got 0"),
        (["--seed", "-1"], "--seed: expected a whole number from 0"),
        (["--jobs", "0"], "--jobs: expected a number of processes"),
        (["--scheduler", "nowhere"], "--scheduler: expected an address like tcp://host:8786"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(capsys, hand_file, argv, message):
    code, out, err = run(capsys, "sensitivity", hand_file, *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_bad_uncertainty_entry_names_file_line_and_path(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(HAND.replace("{low: 0, high: 40}", "{low: 40, high: 0}"), encoding="utf-8")
    code, _, err = run(capsys, "sensitivity", bad)
    assert code == 2
    line = HAND.splitlines().index("uncertainty:") + 2
    assert err.strip() == (
        f"{bad}:{line}: uncertainty.payoffs.positive_acted[0].amount: "
        "L must be below H, got 40 and 0"
    )


def test_a_preset_without_uncertain_inputs_still_reports(capsys, tmp_path):
    plain = tmp_path / "plain.yaml"
    text = HAND.split("uncertainty:")[0].replace("{low: 0.05, high: 0.15}", "{low: 0.1, high: 0.1}")
    plain.write_text(text, encoding="utf-8")
    assert loads_preset(text, "plain.yaml")
    code, out, _ = run(capsys, "sensitivity", plain, "--draws", "10")
    assert code == 0
    assert "(no uncertain inputs)" in out


def test_over_time_simulates_each_draw(capsys, hand_file):
    code, out, err = run(capsys, "sensitivity", hand_file, "--over-time", "--draws", "3", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["over_time"] is True and doc["psa"]["draws"] == 3
    # no dynamics in this preset: the simulated mean is near the static one ($900 a day
    # at A's mean; three draws of A spread it)
    assert -900 < doc["psa"]["designs"][0]["mean"] < 2700
    code, text, _ = run(capsys, "sensitivity", hand_file, "--over-time", "--draws", "3")
    assert "each a short simulation over time" in text
    code, _, err = run(capsys, "sensitivity", hand_file, "--over-time", "--draws", "20000")
    assert code == 2 and "--draws: expected 1 to 10,000" in err
