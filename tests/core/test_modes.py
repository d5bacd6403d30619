"""The table of modes: what derives from it, and how (and when) a row can be added."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.report import summary
from prototyper.core.preset import modes, schema
from prototyper.core.preset.preset_io import loads_preset
from prototyper.core.preset.schema import (
    ACTIVE_MODES,
    MODES,
    SHOWN_MODES,
    Attentions,
    Cooldowns,
    ModeDesigns,
    ModeResponses,
)

from .small_preset import SMALL

ROOT = Path(__file__).resolve().parents[2]


def test_the_schema_modes_are_the_table_most_forceful_first():
    rows = modes.table()
    assert MODES == tuple(m.key for m in rows) == modes.keys()
    assert [m.rank for m in rows] == sorted(m.rank for m in rows)
    assert [m.key for m in rows if m.silent] == [MODES[-1]]  # one silent mode, the quietest
    assert ACTIVE_MODES == MODES[:-1] == modes.active()
    assert SHOWN_MODES == tuple(m.key for m in rows if m.shown)


@pytest.mark.parametrize("section", [ModeDesigns, ModeResponses, Attentions, Cooldowns])
def test_every_per_mode_section_has_one_field_per_active_mode(section):
    fields = dataclasses.fields(section)
    assert tuple(f.name for f in fields) == ACTIVE_MODES
    assert [f.metadata["title"] for f in fields] == [modes.get(k).name for k in ACTIVE_MODES]


def test_defaults_come_from_the_rows():
    designs, responses = ModeDesigns(), ModeResponses()
    for key in ACTIVE_MODES:
        row = modes.get(key)
        assert getattr(designs, key).forcefulness == row.forcefulness
        assert getattr(designs, key).over_cap == modes.silent()
        assert getattr(responses, key).act_if_positive.at(0.3) == row.act_if_positive
        assert getattr(responses, key).act_if_negative.at(0.7) == row.act_if_negative


def test_band_and_over_cap_choices_are_the_table():
    band_mode = {f.name: f for f in dataclasses.fields(schema.Band)}["mode"]
    over_cap = {f.name: f for f in dataclasses.fields(schema.ModeDesign)}["over_cap"]
    assert band_mode.metadata["enum"] == over_cap.metadata["enum"] == MODES


def test_registering_after_the_schema_is_built_is_refused():
    before = modes.table()
    late = modes.Mode("late", 35, "Late", "late ones")
    with pytest.raises(modes.RegistrationError, match="schema is already built"):
        modes.register(late)
    assert modes.table() == before
    with pytest.raises(KeyError):
        modes.get("late")


def test_interruptions_and_false_alarms_follow_the_traits():
    e = evaluate(loads_preset(SMALL, "small.yaml"))
    doc = summary(e)
    per_day = doc["interactions_per_user_day"]
    interrupting = modes.where("interrupts")
    assert interrupting  # the built-in table has modes that interrupt
    expected = sum(per_day[m]["after_cap"] for m in interrupting)
    assert doc["layers"]["user"]["interruptions_per_user_day"] == pytest.approx(expected)
    assert expected > 0
    acting = [MODES.index(m) for m in ACTIVE_MODES]
    false_alarms = float(e.masses.negative[acting].sum()) * e.events_per_day
    assert e.false_alarms_per_user_day() == pytest.approx(false_alarms)


def test_plural_list_reads_as_a_phrase():
    assert modes.plural_list(()) == ""
    assert modes.plural_list(("prompt",)) == "prompts"
    assert modes.plural_list(("automate", "prompt", "annotate")) == (
        "automated actions, prompts and annotations"
    )


_BAD_ROWS = """
from prototyper.core.preset import modes
Mode = modes.Mode
for row in (
    Mode("prompt", 15, "Again", "agains"),
    Mode("clash", 20, "Clash", "clashes"),
    Mode("Bad Key", 26, "Bad", "bads"),
    Mode("quiet", 27, "Quiet", "quiets", silent=True),
    Mode("beyond", 5000, "Beyond", "beyonds"),
):
    try:
        modes.register(row)
    except modes.RegistrationError as e:
        print(e)
    else:
        print("accepted", row.key)
modes.register(Mode("fine", 26, "Fine", "fines"))
from prototyper.core.preset import schema
print(schema.MODES)
"""


def test_bad_rows_are_refused_before_the_schema_is_built(tmp_path):
    # In its own process: this one's schema is already built.
    env = {"PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", _BAD_ROWS],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "mode 'prompt' is already in the table"
    assert lines[1] == "mode 'clash': rank 20 is taken"
    assert lines[2].startswith("mode key must be lowercase")
    assert lines[3] == "mode 'quiet' must do something and rank below 'none' (1000)"
    assert lines[4] == "mode 'beyond' must do something and rank below 'none' (1000)"
    assert lines[5] == "('automate', 'prompt', 'fine', 'organize', 'annotate', 'none')"
