from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from prototyper import assets, cli
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.preset.preset_io import loads_preset

from ..core.small_preset import SMALL
from .running import run


def test_presets_lists_every_bundled_preset(capsys):
    code, out, _ = run(capsys, "presets")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == len(assets.bundled_presets())
    assert any(line.startswith("safe_browsing") for line in lines)
    assert not any("invalid" in line for line in lines)


def test_validate_good_and_bad(capsys, small_file, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("auc: 0.8", "auc: 1.4").replace("users: 1000", "users: many"))
    code, out, err = run(capsys, "validate", small_file, bad)
    assert code == 2
    assert f"{small_file}: ok" in out
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert f"{bad}:4: scenario.users: expected a whole number, got 'many'" in lines
    assert f"{bad}:7: model.auc: must be in (0.5, 1), got 1.4" in lines
    assert "Traceback" not in err


def test_evaluate_json_is_stable_and_matches_the_engine(capsys, small_file):
    code, out, _ = run(capsys, "evaluate", small_file, "--json")
    assert code == 0
    doc = json.loads(out)
    e = evaluate(loads_preset(SMALL))
    assert doc["net_value"]["per_event"] == pytest.approx(e.net_per_event)
    assert doc["net_value"]["per_population_day"] == pytest.approx(e.net_per_population_day)
    assert list(doc) == [
        "value_added",
        "scenario",
        "net_value",
        "value_added_vs_feature_off",
        "by_stakeholder",
        "added_by_stakeholder",
        "decomposition",
        "operating_points",
        "bands",
        "interactions_per_user_day",
        "layers",
        "best_single_threshold",
        "break_even",
    ]
    assert list(doc["layers"]) == ["model", "user", "system", "organization", "leading_indicators"]
    assert [op["threshold"] for op in doc["operating_points"]] == [0.5, 0.2]
    decomposed = sum(item["value"]["per_event"] for item in doc["decomposition"])
    assert decomposed == pytest.approx(e.net_per_event)
    _, again, _ = run(capsys, "evaluate", small_file, "--json")
    assert again == out


def test_evaluate_text_and_set(capsys, small_file):
    code, out, _ = run(capsys, "evaluate", small_file)
    assert code == 0 and "goals:" in out
    assert out.split("\n")[3].startswith("value added vs. feature off")
    code, changed, _ = run(
        capsys, "evaluate", small_file, "--json", "--set", "experience.bands[0].threshold=0.9"
    )
    assert code == 0
    assert json.loads(changed)["operating_points"][0]["threshold"] == 0.9


def test_set_with_a_bad_value_exits_2(capsys, small_file):
    code, _, err = run(capsys, "evaluate", small_file, "--set", "experience.bands[0].mode=autmate")
    assert code == 2
    assert err.strip() == (
        "--set: experience.bands[0].mode: must be one of automate, prompt, organize, annotate, "
        "none, got 'autmate' (did you mean 'automate'?)"
    )


def test_sweep_csv_and_json(capsys, small_file):
    code, out, _ = run(
        capsys, "sweep", small_file, "--param", "experience.bands[1].threshold", "--csv"
    )
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "value",
        "net_per_event",
        "net_per_user_day",
        "net_per_population_day",
        "added_per_population_day",
    ]
    assert len(rows) > 100
    values = [float(r[0]) for r in rows[1:]]
    assert values == sorted(values) and 0 < values[0] and values[-1] < 0.5
    code, out, _ = run(
        capsys,
        "sweep",
        small_file,
        "--param",
        "experience.modes.prompt.forcefulness",
        "--range",
        "0:1:11",
        "--json",
    )
    doc = json.loads(out)
    assert code == 0 and len(doc["points"]) == 11 and doc["current"] == 0.25
    best = max(doc["points"], key=lambda p: p["net_per_event"])
    assert doc["best"]["value"] == best["value"]


def test_sweep_ranks_by_value_added_when_the_feature_off_moves_too(capsys, small_file):
    # More users acting on their own raise the net value with or without the feature, and
    # leave the design less to add: the best value is the one that adds most.
    argv = ["sweep", small_file, "--param", "response.unprompted.positive"]
    code, out, _ = run(capsys, *argv, "--values", "0.1,0.5", "--json")
    doc = json.loads(out)
    assert code == 0
    low, high = doc["points"]
    assert high["net_per_population_day"] > low["net_per_population_day"]
    assert high["added_per_population_day"] < low["added_per_population_day"]
    assert doc["best"]["value"] == 0.1
    e = evaluate(loads_preset(SMALL))
    assert low["added_per_population_day"] == pytest.approx(e.added_per_population_day)
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "-> value added " in out and "value added per day" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["sweep", "{f}", "--param", "scenario.users", "--range", "1:x"],
            "--range: expected LOW:HIGH",
        ),
        (["sweep", "{f}", "--param", "scenario.nothing"], "scenario.nothing: no such field"),
        (["evaluate", "no_such_preset"], "no_such_preset: no such file"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, small_file, argv, message):
    code, _, err = run(capsys, *[a.format(f=small_file) for a in argv])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err


def test_internal_error_is_one_line_with_a_pointer_to_debug(capsys, small_file, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    # the engine itself: the command imports it when it runs
    monkeypatch.setattr("prototyper.core.evaluation.engine.evaluate", broken)
    code, _, err = run(capsys, "evaluate", small_file)
    assert code == 1
    assert err.strip() == (
        "prototyper: internal error: ZeroDivisionError: boom (run with --debug for details)"
    )
    with pytest.raises(ZeroDivisionError):
        cli.main(["--debug", "evaluate", str(small_file)])


def test_console_entry_point_runs_headless(small_file):
    proc = subprocess.run(
        [sys.executable, "-m", "prototyper", "evaluate", str(small_file), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scenario"]["name"] == "Small"
