"""Payoffs that depend on the mode (schema version 2) and the migration from version 1.

``presets_v1/`` holds the eight bundled presets as they were in schema version 1, before
their payoffs depended on the mode, with their ``evaluate --json`` output: each must still
open, migrate and evaluate to exactly those figures, and save as version 2. The figures were
recorded when the files were frozen and re-recorded once since, when the static engine itself
changed (the harm limit and capped habituation applied, the response rates renamed), and
the two real-model ones once more when a real model's thresholds came to mean calibrated
probabilities at the scenario's base rate: their old raw-score thresholds (0.99 and 0.9, 0.85)
are now chances no evaluation row reaches at 1 in 10,000 or 5.5e-5, so those designs select
nothing and add 0. Re-record them only for such an engine change, never to make a migration
pass, by running ``prototyper evaluate presets/NAME.yaml --json`` on a copy of the folder
beside ``models/``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from prototyper import cli
from prototyper.assets import bundled_presets
from prototyper.core.evaluation import value
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.value import MODE, OUTCOME, STAKEHOLDER, UNIT
from prototyper.core.preset.preset_io import (
    PresetError,
    dumps_preset,
    load_preset,
    loads_preset,
    save_preset,
    with_values,
)
from prototyper.core.preset.schema import MODES, SCHEMA_VERSION

from .small_preset import SMALL

V1 = Path(__file__).parent / "presets_v1"
ROOT = Path(__file__).resolve().parents[2]
V1_NAMES = sorted(p.stem for p in V1.glob("*.yaml"))


def test_the_fixture_holds_every_bundled_preset_in_version_1():
    assert V1_NAMES == sorted(p.stem for p in bundled_presets())
    for name in V1_NAMES:
        assert yaml.safe_load((V1 / f"{name}.yaml").read_text("utf-8"))["schema_version"] == 1


@pytest.fixture
def v1_folder(tmp_path):
    """The version-1 presets beside the bundled models, as they were laid out."""
    presets = tmp_path / "presets"
    presets.mkdir()
    for name in V1_NAMES:
        shutil.copy(V1 / f"{name}.yaml", presets)
    (tmp_path / "models").symlink_to(ROOT / "models", target_is_directory=True)
    return presets


@pytest.mark.parametrize("name", V1_NAMES)
def test_a_version_1_preset_evaluates_to_its_version_1_figures(capsys, v1_folder, name):
    code = cli.main(["evaluate", str(v1_folder / f"{name}.yaml"), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    stored = json.loads((V1 / f"{name}.evaluate.json").read_text("utf-8"))
    got = json.loads(out)
    # Every figure recorded then, exactly; fields evaluate gained since (break_even) are
    # held by the golden outputs of the version-2 presets.
    assert {key: got[key] for key in stored} == stored
    assert set(got) - set(stored) <= {"break_even"}


@pytest.mark.parametrize("name", V1_NAMES)
def test_a_version_1_preset_saves_as_version_2_and_reads_back(tmp_path, v1_folder, name):
    old = load_preset(v1_folder / f"{name}.yaml")
    for outcome in ("positive_acted", "positive_missed", "negative_acted", "negative_ignored"):
        assert all(line.modes == () for line in getattr(old.payoffs, outcome))
    target = v1_folder / f"{name}.v2.yaml"
    save_preset(old, target)
    text = target.read_text("utf-8")
    assert text.startswith(f"schema_version: {SCHEMA_VERSION}\n")
    assert (
        "modes: [" not in text and "modes:\n" not in text.split("payoffs:")[1].split("attention")[0]
    )
    assert load_preset(target) == old


def _small(negative_acted: str) -> str:
    start = SMALL.index("  negative_acted:")
    end = SMALL.index("  negative_ignored:")
    return SMALL.replace("schema_version: 1", "schema_version: 2").replace(
        SMALL[start:end], negative_acted
    )


# A false automatic action costs 10; a false prompt the user chose to heed costs 2.
BY_MODE = _small(
    """\
  negative_acted:
    - {stakeholder: user, amount: -10, modes: [automate]}
    - {stakeholder: user, amount: -2, modes: [prompt, organize, annotate, none]}
    - {stakeholder: operator, amount: -15, unit: minutes}
"""
)


def test_a_payoff_line_counts_only_in_its_modes():
    preset = loads_preset(BY_MODE, "by_mode.yaml")
    table = value.payoff_table(preset)
    user = table[OUTCOME["negative_acted"], :, STAKEHOLDER["user"], UNIT["money"]]
    assert user[MODE["automate"]] == -10
    for mode in MODES[1:]:
        assert user[MODE[mode]] == -2
    operator = table[OUTCOME["negative_acted"], :, STAKEHOLDER["operator"], UNIT["minutes"]]
    assert (operator == -15).all()  # no modes: every mode


def test_the_engine_values_each_event_in_the_mode_that_handled_it(small):
    by_mode = loads_preset(BY_MODE, "by_mode.yaml")
    same, cheap = evaluate(small), evaluate(by_mode)
    m = same.masses.stacked()
    false_prompts = m.negative[MODE["prompt"]] * m.act_negative[MODE["prompt"]]
    false_none = m.negative[MODE["none"]] * m.act_negative[MODE["none"]]
    # Only the user's cost of a false action outside automate changed, from -10 to -2.
    assert cheap.net_per_event - same.net_per_event == pytest.approx(
        8 * (false_prompts + false_none)
    )
    # The baseline is the silent mode's row: with the feature off a false action costs 2.
    base = value.baseline_shares(small)[OUTCOME["negative_acted"]]
    assert cheap.baseline_per_event - same.baseline_per_event == pytest.approx(8 * base)
    decomposition = cheap.decomposition[OUTCOME["negative_acted"], :, STAKEHOLDER["user"]]
    assert decomposition[MODE["automate"], UNIT["money"]] == pytest.approx(
        -10 * m.negative[MODE["automate"]] * m.act_negative[MODE["automate"]]
    )
    assert decomposition[MODE["prompt"], UNIT["money"]] == pytest.approx(-2 * false_prompts)


def test_switching_a_band_to_automate_now_costs_the_automatic_price(small):
    by_mode = loads_preset(BY_MODE, "by_mode.yaml")
    automate = {"experience.bands[1].mode": "automate"}
    gap_same = evaluate(small).net_per_event - evaluate(with_values(small, automate)).net_per_event
    gap_by_mode = (
        evaluate(by_mode).net_per_event - evaluate(with_values(by_mode, automate)).net_per_event
    )
    assert gap_by_mode > gap_same  # the mode-blind table favoured automation


def test_the_simulation_values_counts_in_their_mode():
    preset = loads_preset(BY_MODE, "by_mode.yaml")
    values = value.outcome_values(preset)
    counts = {o: np.zeros((1, len(MODES))) for o in value.OUTCOMES}
    counts["negative_acted"][0, MODE["automate"]] = 3
    counts["negative_acted"][0, MODE["prompt"]] = 5
    worth = value.value_of_counts(values, counts)[0]
    operator = -15 * 60 / 60  # 15 minutes at 60 an hour
    assert worth[STAKEHOLDER["user"]] == pytest.approx(3 * -10 + 5 * -2)
    assert worth[STAKEHOLDER["operator"]] == pytest.approx(8 * operator)


def test_modes_round_trip_through_a_file(tmp_path):
    preset = loads_preset(BY_MODE, "by_mode.yaml")
    text = dumps_preset(preset)
    assert "modes:\n" in text or "modes: [" in text
    assert loads_preset(text, "again.yaml") == preset


def _problem_lines(text: str, name: str = "bad.yaml") -> list[str]:
    with pytest.raises(PresetError) as info:
        loads_preset(text, name)
    return [str(p) for p in info.value.problems]


def test_an_unknown_mode_is_one_clear_line():
    bad = BY_MODE.replace("modes: [automate]}", "modes: [automat]}")
    line = BY_MODE.splitlines().index(
        next(ln for ln in BY_MODE.splitlines() if "modes: [automate]" in ln)
    )
    (problem,) = _problem_lines(bad)
    assert problem == (
        f"bad.yaml:{line + 1}: payoffs.negative_acted[0].modes[0]: must be one of "
        f"{', '.join(MODES)}, got 'automat' (did you mean 'automate'?)"
    )


def test_a_mode_named_twice_and_a_mode_that_is_not_text_are_refused():
    twice = BY_MODE.replace("modes: [automate]}", "modes: [automate, automate]}")
    (problem,) = _problem_lines(twice)
    assert "payoffs.negative_acted[0].modes[1]: 'automate' is given twice" in problem
    number = BY_MODE.replace("modes: [automate]}", "modes: [3]}")
    (problem,) = _problem_lines(number)
    assert "payoffs.negative_acted[0].modes[0]: expected text, got 3" in problem


def test_a_version_1_file_cannot_have_modes():
    old = BY_MODE.replace("schema_version: 2", "schema_version: 1")
    problems = _problem_lines(old, "old.yaml")
    assert len(problems) == 2
    assert problems[0].startswith("old.yaml:")
    assert (
        "payoffs.negative_acted[0].modes: payoffs per mode need schema_version: 2" in (problems[0])
    )
