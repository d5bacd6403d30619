"""A sixth mode is one row in the table: with a test-only "nudge" mode registered (in another
process, see tests/nudge_mode.py) the CLI evaluates and simulates a preset that uses it, and the
window builds, switches tabs and renders every plot and the goal cards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prototyper.core.preset.preset_io import PresetError, load_preset
from prototyper.core.preset.schema import MODES

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "nudge_mode.py"


@pytest.fixture
def nudge(tmp_path):
    """Run tests/nudge_mode.py with its own HOME, config folders and offscreen Qt."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "PROTOTYPER_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        HOME=str(home),
        PROTOTYPER_CONFIG_DIR=str(tmp_path / "config"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_RUNTIME_DIR=str(home / "runtime"),
        QT_QPA_PLATFORM="offscreen",
    )
    (home / "runtime").mkdir(mode=0o700)

    def run(*args):
        return subprocess.run(
            [sys.executable, str(SCRIPT), *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )

    preset = tmp_path / "nudged.yaml"
    made = run("preset", preset)
    assert made.returncode == 0, made.stderr
    run.preset = preset
    return run


def test_this_process_knows_no_nudge_mode(nudge):
    assert "nudge" not in MODES
    with pytest.raises(PresetError, match="nudge"):
        load_preset(nudge.preset)


def test_evaluate_routes_events_through_the_new_mode(nudge):
    proc = nudge("cli", "evaluate", nudge.preset, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    per_day = doc["interactions_per_user_day"]
    assert list(per_day) == ["automate", "prompt", "nudge", "organize", "annotate"]
    assert per_day["nudge"]["after_cap"] > 0
    assert per_day["nudge"]["demoted_share"] > 0  # its cap of 1 a day demotes to annotate
    assert per_day["annotate"]["after_cap"] > 0
    # shown, so trust applies; its cap of 1 leaves no second nudge in a day to habituate to;
    # it does not interrupt
    lead = doc["layers"]["leading_indicators"]
    assert lead["trust"]["nudge"] < 1
    assert lead["habituation"]["nudge"] == 1
    user = doc["layers"]["user"]
    assert user["interruptions_per_user_day"] == pytest.approx(per_day["prompt"]["after_cap"])
    assert any(item["mode"] == "nudge" for item in doc["decomposition"])


def test_simulate_runs_with_the_new_mode(nudge):
    proc = nudge(
        "cli", "simulate", nudge.preset, "--users", 40, "--replications", 2, "--seed", 3, "--json"
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["days"] == 5 and doc["replications"] == 2
    interactions = doc["series"]["interactions"]["mean"]
    interruptions = doc["series"]["interruptions"]["mean"]
    assert all(i > 0 for i in interactions)
    # the nudges (most of the interactions) are not interruptions
    assert sum(interruptions) < 0.2 * sum(interactions)


def test_the_window_renders_the_new_mode(nudge):
    proc = nudge("gui", nudge.preset)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["errors"] == [] and out["told"] == []
    assert out["started"] and out["simulated"]
    assert set(out["images"]) == {
        "tab Today",
        "tab Over time",
        "tab Compare",
        "tab Sensitivity",
        "goals",
        "score_plot",
        "value_plot",
        "outcome_plot",
        "roc_plot",
        "time_plots",
        "design_panel",
    }
    assert all(w > 0 and h > 0 for w, h in out["images"].values())
    assert "of nudges heeded" in out["captions"]
    assert out["nudge_color"] == out["fallback_color"]  # its colour key is unknown
    # the design panel offers it as a band's mode, and only quieter modes over its cap
    order = ["automate", "prompt", "nudge", "organize", "annotate", "none"]
    assert out["band_modes"] == [[m, True] for m in order]
    assert out["prompt_over_cap"] == [[m, i > 1] for i, m in enumerate(order)]
    assert out["nudge_over_cap"] == [[m, i > 2] for i, m in enumerate(order)]
