"""The command line on a file that is not a preset: one plain line, exit 2."""

from __future__ import annotations

import pytest

from .running import run


@pytest.mark.parametrize(
    ("name", "content", "extra"),
    [
        ("notes.txt", b"Meeting notes: ask about the base rate.\n", ""),
        ("plot.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ""),
        ("scores.csv", b"label,score\n1,0.9\n0,0.2\n", "; to use it as a model's scores"),
    ],
)
def test_not_a_preset(capsys, tmp_path, name, content, extra):
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run(capsys, "evaluate", path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(
        f"{path}: {name} is not a preset (expected a YAML file with a scenario, a model and an "
        f"experience){extra}"
    )


def test_a_preset_with_a_typo_keeps_its_precise_message(capsys, tmp_path):
    path = tmp_path / "design.yaml"
    path.write_text("schema_version: 2\nscenario: [unclosed\n")
    code, _, err = run(capsys, "evaluate", path)
    assert code == 2 and "invalid YAML" in err and "not a preset" not in err
