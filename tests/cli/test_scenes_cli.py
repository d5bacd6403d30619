"""`prototyper scenes`: each step's title, what it sets and the figures after it."""

from __future__ import annotations

import json

import pytest

from prototyper.core.evaluation.engine import evaluate
from prototyper.core.preset.preset_io import load_preset
from prototyper.core.preset.scenes import scene_states

from ..core.small_preset import SMALL
from .running import run

SCENES = """\
scenes:
  - title: Prompt from 0.1
    narration: More prompts.
    set:
      experience.bands[1].threshold: 0.1
  - title: Automate from 0.3
    set:
      experience.bands[0].threshold: 0.3
"""


@pytest.fixture
def scenes_file(tmp_path):
    path = tmp_path / "scenes.yaml"
    path.write_text(SMALL + SCENES, encoding="utf-8")
    return path


def test_scenes_json_gives_every_step_with_the_engine_figures(capsys, scenes_file):
    code, out, err = run(capsys, "scenes", scenes_file, "--json")
    assert code == 0, err
    doc = json.loads(out)
    steps = doc["steps"]
    assert [s["title"] for s in steps] == ["As written", "Prompt from 0.1", "Automate from 0.3"]
    assert steps[1]["set"] == {"experience.bands[1].threshold": 0.1}
    assert steps[1]["narration"] == "More prompts."
    for step, state in zip(steps, scene_states(load_preset(scenes_file)), strict=True):
        e = evaluate(state)
        assert step["value_added_per_population_day"] == pytest.approx(e.added_per_population_day)
        assert step["harms_avoided_per_user_year"] == pytest.approx(e.harms_avoided_per_user_year())


def test_scenes_table_names_each_step_and_what_it_sets(capsys, scenes_file):
    code, out, _ = run(capsys, "scenes", scenes_file)
    assert code == 0
    assert "Small: 2 scenes" in out
    lines = out.splitlines()
    row = next(line for line in lines if "Automate from 0.3" in line)
    assert row.split()[0] == "2"
    assert "sets experience.bands[0].threshold = 0.3" in out


def test_scenes_of_a_bundled_preset(capsys):
    code, out, _ = run(capsys, "scenes", "safe_browsing")
    assert code == 0
    assert "Warn more, from 0.005" in out
    assert "$10.5M" in out  # the figure the first scene's narration quotes


def test_a_bad_scene_is_exit_2_with_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL + SCENES.replace("0.3", "1.5"), encoding="utf-8")
    code, out, err = run(capsys, "scenes", bad)
    assert code == 2
    assert out == ""
    line = (SMALL + SCENES).splitlines().index("      experience.bands[0].threshold: 0.3") + 1
    assert err.strip() == (
        f"{bad}:{line}: scenes[1].set.experience.bands[0].threshold: must be in [0, 1], got 1.5"
    )


def test_validate_checks_the_bundled_course_and_every_preset_it_lists(capsys):
    from prototyper import assets

    code, out, err = run(capsys, "validate", assets.bundled_course())
    assert code == 0 and err == ""
    assert out.strip().endswith(f"ok (a course of {len(assets.bundled_presets())} presets)")


def test_validate_names_a_course_entry_that_is_not_there(capsys, tmp_path):
    course = tmp_path / "course.yaml"
    course.write_text("title: x\npresets:\n  - safe_browsing\n  - nope\n", encoding="utf-8")
    code, out, err = run(capsys, "validate", course)
    assert code == 2 and out == ""
    assert err.strip() == f"{course}:4: presets[1]: no bundled preset named 'nope'"


def test_validate_names_a_broken_preset_a_course_lists(capsys, tmp_path):
    (tmp_path / "mine.yaml").write_text("scenario: 1\n", encoding="utf-8")
    course = tmp_path / "course.yaml"
    course.write_text("title: x\npresets: [mine.yaml]\n", encoding="utf-8")
    code, out, err = run(capsys, "validate", course)
    assert code == 2 and out == ""
    assert "mine.yaml" in err and len(err.strip().splitlines()) >= 1
