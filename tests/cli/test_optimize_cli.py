from __future__ import annotations

import json

import pytest

from .running import run


def test_the_best_design_pastes_into_evaluate(capsys):
    code, out, err = run(capsys, "optimize", "fall_detection", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["feasible"] and doc["exhaustive"]
    best = doc["best"]
    assert best["figures"]["value_added"] >= doc["current"]["figures"]["value_added"]
    sets = [a for line in best["set"] for a in ("--set", line)]
    code, out, err = run(capsys, "evaluate", "fall_detection", *sets, "--json")
    assert code == 0, err
    shown = json.loads(out)["value_added"]["per_population_day"]
    assert shown == pytest.approx(best["figures"]["value_added"], rel=1e-9)


def test_text_shows_values_to_set_constraints_and_fronts(capsys):
    code, out, err = run(
        capsys,
        "optimize",
        "fall_detection",
        "--constraint",
        "interruptions_per_user_year<=1",
        "--vary",
        "thresholds,modes,caps",
        "--top",
        "4",
    )
    assert code == 0, err
    assert "best design: " in out
    assert "experience.bands[0].threshold=" in out
    assert "interruptions_per_user_year<=1" in out and "binds" in out
    assert "Pareto front, value added against interruptions per user-year (4 of" in out
    assert "Pareto front, value added against harms avoided per user-year (4 of" in out


def test_no_feasible_design_is_said_plainly(capsys):
    code, out, err = run(capsys, "optimize", "fall_detection", "--constraint", "value_added>=1e15")
    assert code == 0, err
    assert "no design found meets the constraints; the closest:" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--constraint", "happiness>=3"], "--constraint: happiness: unknown figure"),
        (["--constraint", "precision[bogus]>=0.9"], "unknown or missing key for precision"),
        (["--objective", "profit"], "--objective: profit: unknown figure; expected one of"),
        (["--vary", "thresholds,colours"], "--vary: colours: expected some of thresholds"),
        (["--top", "0"], "--top: expected a whole number from 1"),
    ],
)
def test_bad_options_exit_2_with_one_line(capsys, args, message):
    code, out, err = run(capsys, "optimize", "fall_detection", *args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err
