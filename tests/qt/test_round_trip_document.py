"""A preset saved from the window keeps the person's text: one edit, one changed line."""

from __future__ import annotations

import difflib
import shutil

import pytest

from prototyper import assets
from prototyper.core.preset.preset_io import load_preset
from prototyper.qt.document import Document, read_preset


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """The bundled presets and models, copied so that relative model paths still work."""
    root = tmp_path_factory.mktemp("bundled")
    for name in ("presets", "models"):
        shutil.copytree(assets.asset_dir(name), root / name)
    return root / "presets"


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")]


@pytest.mark.parametrize("name", [p.name for p in assets.bundled_presets()])
@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("scenario.users", lambda v: v + 1),
        # a band: a flow mapping inside a list
        ("experience.bands[0].threshold", lambda v: round(v * 0.99, 9)),
    ],
)
def test_one_edit_saves_as_one_changed_line(qapp, copies, name, field, change):
    path = copies / name
    before = path.read_text("utf-8")
    preset, stamp = read_preset(path)
    doc = Document(preset, path, disk_stamp=stamp)
    value = change(doc.value(field))
    assert doc.set_value(field, value)
    doc.save()
    after = path.read_text("utf-8")
    path.write_text(before, "utf-8")  # for the next case
    (copies / "check.yaml").write_text(after, "utf-8")
    assert load_preset(copies / "check.yaml") == doc.preset
    lines = changed_lines(before, after)
    assert len(lines) == 2, lines
    assert lines[0].startswith("-") and lines[1].startswith("+")
    assert str(value) in lines[1]


def test_the_next_save_starts_from_the_saved_text(qapp, copies, tmp_path):
    path = tmp_path / "mine.yaml"
    shutil.copy(copies / "safe_browsing.yaml", path)
    before = path.read_text("utf-8")
    preset, stamp = read_preset(path)
    doc = Document(preset, path, disk_stamp=stamp)
    doc.set_value("scenario.users", 5)
    doc.save()
    doc.set_value("scenario.users", 6)
    doc.save()
    assert changed_lines(before, path.read_text("utf-8")) == [
        "-  users: 100000000",
        "+  users: 6",
    ]
    assert load_preset(path).scenario.users == 6
