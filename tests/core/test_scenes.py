"""Lecture scenes: validation with lines, cumulative steps, the changes between two steps, the
table of figures, and course files."""

from __future__ import annotations

from pathlib import Path

import pytest

from prototyper.assets import bundled_course, bundled_presets, preset_path
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.scenes import scene_steps, steps_text, steps_to_dict
from prototyper.core.preset.course import load_course
from prototyper.core.preset.preset_io import (
    PresetError,
    dumps_preset,
    load_preset,
    loads_preset,
    with_values,
)
from prototyper.core.preset.scenes import (
    applicable_scenes,
    scene_problems,
    scene_states,
    step_changes,
)

from .small_preset import SMALL

SCENES = """\
scenes:
  - title: Prompt from 0.1
    narration: Drag the prompt threshold down.
    set:
      experience.bands[1].threshold: 0.1
  - title: Automate from 0.3
    set:
      experience.bands[0].threshold: 0.3
      response.trust_matching: 0.5
  - title: One band
    narration: Only a prompt.
    set:
      experience.bands:
        - {threshold: 0.2, mode: prompt}
        - {threshold: 0.0, mode: none}
"""


def with_scenes(text: str = SCENES) -> str:
    return SMALL + text


def test_scenes_load_and_apply_cumulatively():
    preset = loads_preset(with_scenes())
    assert [s.title for s in preset.scenes] == ["Prompt from 0.1", "Automate from 0.3", "One band"]
    states = scene_states(preset)
    assert len(states) == 4
    assert states[0] == preset
    assert states[1].experience.bands[1].threshold == 0.1
    # step 2 keeps step 1's change: steps are cumulative
    assert states[2].experience.bands[1].threshold == 0.1
    assert states[2].experience.bands[0].threshold == 0.3
    assert states[2].response.trust_matching == 0.5
    assert [b.mode for b in states[3].experience.bands] == ["prompt", "none"]
    assert states[3].response.trust_matching == 0.5
    # the same presets as setting the fields by hand
    assert states[2] == with_values(
        preset,
        {
            "experience.bands[1].threshold": 0.1,
            "experience.bands[0].threshold": 0.3,
            "response.trust_matching": 0.5,
        },
    )


def test_scenes_round_trip_through_a_saved_file(tmp_path):
    preset = loads_preset(with_scenes())
    text = dumps_preset(preset)
    again = loads_preset(text)
    assert again == preset
    assert again.scenes[2].set["experience.bands"][0] == {"threshold": 0.2, "mode": "prompt"}
    assert dumps_preset(again) == text


@pytest.mark.parametrize(
    ("scene", "expected"),
    [
        (
            "  - title: Bad threshold\n    set:\n      experience.bands[1].threshold: 2\n",
            "scenes[0].set.experience.bands[1].threshold: must be in [0, 1], got 2",
        ),
        (
            "  - title: Bad mode\n    set:\n      experience.bands[0].mode: automat\n",
            "scenes[0].set.experience.bands[0].mode: must be one of",
        ),
        (
            "  - title: Nowhere\n    set:\n      experience.colour: red\n",
            "scenes[0].set.experience.colour: no such field",
        ),
        (
            "  - title: Not a path\n    set:\n      'experience..x': 1\n",
            "scenes[0].set.experience..x: is not a dotted field path",
        ),
        ("  - narration: no title\n", "scenes[0].title: is required but missing"),
        ("  - title: '  '\n", "scenes[0].title: must name the step"),
        ("  - title: A list\n    set: [1, 2]\n", "scenes[0].set: expected a mapping"),
    ],
)
def test_a_bad_scene_is_one_line_naming_file_line_and_field(scene, expected):
    text = with_scenes("scenes:\n" + scene)
    with pytest.raises(PresetError) as info:
        loads_preset(text, "my.yaml")
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 1
    line = text.splitlines().index("scenes:") + 2
    assert problems[0].startswith("my.yaml:")
    assert expected in problems[0]
    assert int(problems[0].split(":")[1]) >= line


def test_a_step_must_be_valid_with_the_earlier_steps_applied():
    # Each value is fine on its own; together with step 1 the bands are out of order.
    text = with_scenes(
        "scenes:\n"
        "  - title: Automate from 0.3\n    set:\n      experience.bands[0].threshold: 0.3\n"
        "  - title: Prompt from 0.4\n    set:\n      experience.bands[1].threshold: 0.4\n"
    )
    with pytest.raises(PresetError) as info:
        loads_preset(text, "my.yaml")
    (problem,) = info.value.problems
    assert problem.path == "scenes[1].set.experience.bands[1].threshold"
    assert "must be below bands[0].threshold (0.3)" in problem.message
    assert problem.line == text.splitlines().index("      experience.bands[1].threshold: 0.4") + 1
    # on its own, the second step is fine
    loads_preset(
        with_scenes(
            "scenes:\n"
            "  - title: Prompt from 0.4\n    set:\n      experience.bands[1].threshold: 0.4\n"
        )
    )


def test_step_changes_go_forward_and_back_and_keep_other_fields():
    preset = loads_preset(with_scenes())
    states = scene_states(preset)
    assert step_changes(states, 0, 1) == {"experience.bands[1].threshold": 0.1}
    assert step_changes(states, 1, 0) == {"experience.bands[1].threshold": 0.2}
    back = step_changes(states, 2, 1)
    assert back == {"experience.bands[0].threshold": 0.5, "response.trust_matching": 0.9}
    # a whole list set by a step covers the paths under it
    assert list(step_changes(states, 0, 3)) == ["response.trust_matching", "experience.bands"]
    # applied to a tweaked preset, only the scenes' fields move
    tweaked = with_values(states[1], {"scenario.users": 5000})
    after = with_values(tweaked, step_changes(states, 1, 2))
    assert after.scenario.users == 5000
    assert after.experience == states[2].experience
    for start in range(4):
        for end in range(4):
            moved = with_values(states[start], step_changes(states, start, end))
            assert moved == states[end], (start, end)


def test_scene_steps_evaluate_every_step():
    preset = loads_preset(with_scenes())
    steps = scene_steps(preset)
    assert [s.index for s in steps] == [0, 1, 2, 3]
    assert steps[0].title == "As written"
    for step, state in zip(steps, scene_states(preset), strict=True):
        expected = evaluate(state).added_per_population_day
        assert step.figures()["value_added_per_population_day"] == pytest.approx(expected)
    doc = steps_to_dict(steps)
    assert doc["steps"][2]["set"] == {
        "experience.bands[0].threshold": 0.3,
        "response.trust_matching": 0.5,
    }
    text = steps_text(steps)
    assert "Automate from 0.3" in text
    assert "sets experience.bands[0].threshold = 0.3, response.trust_matching = 0.5" in text


@pytest.mark.parametrize("path", bundled_presets(), ids=lambda p: p.stem)
def test_every_bundled_preset_has_scenes_that_apply(path):
    preset = load_preset(path)
    assert len(preset.scenes) >= 4
    assert all(s.narration.strip() for s in preset.scenes)
    assert len(scene_states(preset)) == len(preset.scenes) + 1


# --- course files ---------------------------------------------------------------------------


def _bundled(name: str) -> Path | None:
    try:
        return preset_path(name)
    except FileNotFoundError:
        return None


def test_the_bundled_course_lists_every_bundled_preset_once():
    course = load_course(bundled_course(), _bundled)
    assert course.title
    assert sorted(course.presets) == sorted(p.resolve() for p in bundled_presets())
    assert course.presets[0] == preset_path("safe_browsing").resolve()


def test_a_course_names_bundled_presets_and_relative_paths(tmp_path):
    (tmp_path / "designs").mkdir()
    mine = tmp_path / "designs" / "mine.yaml"
    mine.write_text(SMALL)
    course = tmp_path / "course.yaml"
    course.write_text("title: Mine\npresets:\n  - designs/mine.yaml\n  - fall_detection\n")
    loaded = load_course(course, _bundled)
    assert loaded.title == "Mine"
    assert loaded.presets == (mine.resolve(), preset_path("fall_detection").resolve())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("presets: []\n", "c.yaml:1: presets: expected a list"),
        ("title: T\n", "c.yaml:1: presets: expected a list"),
        ("presets:\n  - no_such_preset\n", "c.yaml:2: presets[0]: no bundled preset named"),
        ("presets:\n  - ../missing.yaml\n", "c.yaml:2: presets[0]: no preset file '../missing"),
        ("presets:\n  - 3\n", "c.yaml:2: presets[0]: expected a bundled preset's name"),
        (
            "presets:\n  - safe_browsing\n  - safe_browsing\n",
            "c.yaml:3: presets[1]: 'safe_browsing' is listed twice",
        ),
        ("presets: [safe_browsing]\ncolour: red\n", "c.yaml:2: colour: unknown key"),
        ("- safe_browsing\n", "c.yaml:1: expected a course mapping"),
        ("presets: [a\n", "invalid YAML"),
    ],
)
def test_a_bad_course_is_one_line_per_problem(tmp_path, text, expected):
    course = tmp_path / "c.yaml"
    course.write_text(text)
    with pytest.raises(PresetError) as info:
        load_course(course, _bundled)
    assert len(info.value.problems) == 1
    assert expected.replace("c.yaml", str(course)) in str(info.value.problems[0])


def test_a_course_that_is_not_a_regular_file_is_refused(tmp_path):
    with pytest.raises(PresetError, match="folder"):
        load_course(tmp_path, _bundled)
    with pytest.raises(PresetError) as info:
        load_course(tmp_path / "missing.yaml", _bundled)
    assert len(info.value.problems) == 1


def test_an_edit_may_leave_scenes_behind_and_saving_keeps_those_that_apply():
    preset = loads_preset(with_scenes())
    last = scene_states(preset)[3]  # one band left: step 1 (bands[1] of three) no longer fits
    assert scene_problems(last)  # checked when a file is read...
    edited = with_values(last, {})  # ...but an edit of the window's design is not refused
    kept, problem = applicable_scenes(edited)
    assert kept.scenes == ()
    assert problem is not None and problem[0] == "scenes[0].set.experience.bands[1].threshold"
    assert loads_preset(dumps_preset(kept)) == kept
    # a file written from it reads back: it holds only the scenes that apply
    assert loads_preset(dumps_preset(edited)) == kept
    # a design where the first two steps still apply keeps them
    moved = with_values(preset, {"experience.bands[2].threshold": 0.0, "scenario.users": 7})
    assert applicable_scenes(moved) == (moved, None)
    # a design with a band more: step 1 (prompt from 0.1) goes below the new band
    more = with_values(
        preset,
        {
            "experience.bands": [
                {"threshold": 0.5, "mode": "automate"},
                {"threshold": 0.2, "mode": "prompt"},
                {"threshold": 0.15, "mode": "annotate"},
                {"threshold": 0.0, "mode": "none"},
            ]
        },
    )
    kept, problem = applicable_scenes(more)
    assert kept.scenes == ()
    assert "must be" in problem[1]
