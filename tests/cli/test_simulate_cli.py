"""prototyper simulate: readable by default, JSON and CSV on request, the same numbers as the
core for the same seed, one line per problem."""

from __future__ import annotations

import csv
import io
import json

import pytest

from prototyper.core.preset.preset_io import loads_preset, with_values
from prototyper.core.simulation.results import SERIES, SUMMARY
from prototyper.core.simulation.simulate import simulate

from ..core.small_preset import SMALL
from .running import run

FAST = ["--users", "100", "--replications", "3", "--set", "scenario.horizon_days=10"]


def test_text_summary_by_default(capsys, small_file):
    code, out, err = run(capsys, "simulate", small_file, *FAST)
    assert code == 0, err
    assert err == ""  # no progress line when stderr is not a terminal
    assert "Small: 10 days, 3 replications, seed 0; 100 of 1,000 users simulated" in out
    assert "every dynamic off" in out
    assert "Value added over the horizon" in out and "Static engine:" in out


def test_json_has_every_series_and_matches_the_core(capsys, small_file):
    code, out, _ = run(capsys, "simulate", small_file, *FAST, "--seed", "4", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["seed"] == 4 and doc["users_simulated"] == 100 and doc["population"] == 1000
    assert doc["scale"] == 10 and doc["days"] == 10
    assert set(doc["series"]) == set(SERIES) and list(doc["summary"]) == list(SUMMARY)
    assert all(len(s["mean"]) == 10 for s in doc["series"].values())
    # The same preset and seed give the same numbers as the core (and the GUI).
    preset = with_values(loads_preset(SMALL), {"scenario.horizon_days": 10})
    sim = simulate(preset, seed=4, replications=3, users=100)
    assert doc["summary"]["net_value"]["mean"] == sim.summary["net_value"].mean
    assert doc["series"]["net_value"]["p95"] == sim.series["net_value"].p95.tolist()


def test_json_is_reproducible_and_the_seed_matters(capsys, small_file):
    outs = [run(capsys, "simulate", small_file, *FAST, "--seed", s, "--json")[1] for s in (1, 1, 2)]
    assert outs[0] == outs[1] != outs[2]


def test_csv_one_row_per_day(capsys, small_file):
    code, out, _ = run(capsys, "simulate", small_file, *FAST, "--csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["day", "net_value_mean", "net_value_p5", "net_value_p95"]
    assert len(header) == 1 + 3 * len(SERIES)
    assert [int(r[0]) for r in body] == list(range(1, 11))
    for r in body:
        mean, p5, p95 = map(float, r[1:4])
        assert p5 <= mean <= p95


def test_the_policing_preset_reports_its_feedback_loop(capsys):
    code, out, _ = run(capsys, "simulate", "predictive_policing", "--replications", "5")
    assert code == 0
    assert "Feedback loop (without correction), share of records: A" in out
    code, out, _ = run(
        capsys, "simulate", "predictive_policing", "--replications", "5", "--json",
        "--set", "feedback.correction=true",
    )  # fmt: skip
    regions = json.loads(out)["feedback"]["regions"]
    assert abs(regions[0]["final_share"]["mean"] - 0.5) < 0.03


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--replications", "0"], "prototyper: --replications: expected 1 to 10000, got 0"),
        (["--users", "0"], "prototyper: --users: expected at least 1, got 0"),
        (["--seed", "-1"], "prototyper: --seed: expected a whole number from 0, got -1"),
        (
            ["--users", "1000000", "--replications", "100"],
            "prototyper: --users x --replications is 100,000,000",
        ),
    ],
)
def test_bad_options_exit_2_with_one_line(capsys, small_file, args, message):
    code, out, err = run(capsys, "simulate", small_file, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith(message)


def test_a_preset_the_simulation_cannot_run_names_file_and_field(capsys, small_file):
    code, _, err = run(
        capsys, "simulate", small_file, "--set", "telemetry.enabled=true",
        "--set", "telemetry.auc_max=0.7",
    )  # fmt: skip
    assert code == 2
    assert err.strip() == (
        f"{small_file}: telemetry.auc_max: must be above model.auc (0.8), got 0.7"
    )


def test_a_bad_file_exits_2(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("auc: 0.8", "auc: 1.4"))
    code, _, err = run(capsys, "simulate", bad)
    assert code == 2 and "model.auc: must be in (0.5, 1), got 1.4" in err
    assert "Traceback" not in err
