"""Saving over a hand-written preset rewrites only what changed: comments, key order, quotes
and folded text stay as the person wrote them, and defaults are never added."""

from __future__ import annotations

import dataclasses
import difflib
import os
import stat

import pytest

from prototyper.core.preset.preset_io import (
    Original,
    dumps_preset,
    load_preset,
    loads_preset,
    save_preset,
    with_values,
)
from prototyper.core.preset.schema import Band, ScoreFileModel

HAND_WRITTEN = """\
schema_version: 2
# A design for the workshop; the numbers are ours.
scenario:
  name: 'Small, quoted'   # quoted on purpose
  users: 1000
  events_per_user_per_day: 10
  base_rate: 0.1
  description: >-
    Folded text that the
    author wrapped by hand.
model: {source: synthetic, auc: 0.8}
experience:
  bands:
    - {threshold: 0.5, mode: automate}  # the loud band
    - {threshold: 0.2, mode: prompt}
    - {threshold: 0.0, mode: none}
payoffs:
  positive_acted:
    - {stakeholder: user, amount: 200, label: harm avoided,
      modes: [automate, prompt]}
  negative_acted:
    - {stakeholder: user, amount: -10}
# the end
"""


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")]


@pytest.fixture
def original() -> Original:
    return Original(HAND_WRITTEN, loads_preset(HAND_WRITTEN))


def saved(original: Original, preset) -> str:
    text = dumps_preset(preset, original)
    assert loads_preset(text) == preset
    return text


def test_unchanged_is_byte_for_byte(original):
    assert dumps_preset(original.preset, original) == HAND_WRITTEN


@pytest.mark.parametrize(
    ("path", "value", "old_line", "new_line"),
    [
        ("scenario.users", 2500, "  users: 1000", "  users: 2500"),
        (
            "experience.bands[1].threshold",
            0.25,
            "    - {threshold: 0.2, mode: prompt}",
            "    - {threshold: 0.25, mode: prompt}",
        ),
        (  # inside a flow mapping the author wrapped: that line only
            "payoffs.positive_acted[0].amount",
            150.0,
            "    - {stakeholder: user, amount: 200, label: harm avoided,",
            "    - {stakeholder: user, amount: 150.0, label: harm avoided,",
        ),
        (
            "scenario.name",
            "Small, edited",
            "  name: 'Small, quoted'   # quoted on purpose",
            "  name: 'Small, edited'   # quoted on purpose",
        ),
    ],
)
def test_one_edit_changes_one_line(original, path, value, old_line, new_line):
    text = saved(original, with_values(original.preset, {path: value}))
    assert changed_lines(HAND_WRITTEN, text) == [f"-{old_line}", f"+{new_line}"]


def test_folded_text_stays_folded(original):
    preset = with_values(original.preset, {"scenario.description": "Shorter now."})
    text = saved(original, preset)
    assert "  description: >-\n" in text
    assert "# A design for the workshop; the numbers are ours." in text


def test_a_section_that_appears_adds_only_the_field_set(original):
    preset = with_values(original.preset, {"guardrails.harm_limit.enabled": True})
    text = saved(original, preset)
    added = changed_lines(HAND_WRITTEN, text)
    assert all(line.startswith("+") for line in added)
    assert [line[1:].strip() for line in added] == ["guardrails:", "harm_limit:", "enabled: true"]


def test_a_longer_band_list(original):
    bands = original.preset.experience.bands
    longer = (*bands[:2], Band(0.1, "annotate"), bands[2])
    preset = dataclasses.replace(
        original.preset,
        experience=dataclasses.replace(original.preset.experience, bands=longer),
    )
    text = saved(original, preset)
    assert "    - {threshold: 0.5, mode: automate}  # the loud band\n" in text
    assert "    - {threshold: 0.1, mode: annotate}\n" in text
    assert text.endswith("# the end\n")


def test_a_shorter_band_list(original):
    bands = original.preset.experience.bands
    preset = dataclasses.replace(
        original.preset,
        experience=dataclasses.replace(original.preset.experience, bands=(bands[0], bands[2])),
    )
    text = saved(original, preset)
    assert "mode: prompt" not in text
    assert "# the loud band" in text and "# the end" in text


def test_a_payoff_list_that_empties_and_a_key_that_goes(original):
    payoffs = original.preset.payoffs
    line = dataclasses.replace(payoffs.positive_acted[0], modes=())
    preset = dataclasses.replace(
        original.preset,
        payoffs=dataclasses.replace(payoffs, positive_acted=(line,), negative_acted=()),
    )
    text = saved(original, preset)
    assert "modes:" not in text  # a line for every mode is written without it
    assert "amount: -10" not in text
    assert "# A design for the workshop" in text


def test_a_model_section_that_changes_kind(original):
    preset = dataclasses.replace(original.preset, model=ScoreFileModel(path="scores.csv"))
    text = saved(original, preset)
    assert "auc" not in text
    assert "scores.csv" in text
    assert "# the loud band" in text


def test_an_older_version_is_saved_as_the_current_one():
    old = HAND_WRITTEN.replace("schema_version: 2", "schema_version: 1").replace(
        "      modes: [automate, prompt]}", "      }"
    )
    original = Original(old, loads_preset(old))
    text = saved(original, with_values(original.preset, {"scenario.users": 7}))
    assert changed_lines(old, text) == [
        "-schema_version: 1",
        "+schema_version: 2",
        "-  users: 1000",
        "+  users: 7",
    ]


def test_a_new_file_is_written_as_before(original, tmp_path):
    path = tmp_path / "new.yaml"
    save_preset(original.preset, path)
    assert path.read_text("utf-8") == dumps_preset(original.preset)
    assert "#" not in path.read_text("utf-8")


def test_saving_over_keeps_the_permission_bits(original, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(HAND_WRITTEN)
    path.chmod(0o644)
    preset = with_values(original.preset, {"scenario.users": 2})
    save_preset(preset, path, original)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert load_preset(path) == preset
    assert "# the end" in path.read_text("utf-8")
