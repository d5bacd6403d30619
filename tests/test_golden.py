"""The bundled presets' evaluate, sweep and simulate outputs, compared exactly to the stored
golden files (see tests/golden/README.md for when those may be regenerated)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prototyper import cli

from .golden import update


def first_difference(expected: Any, actual: Any, path: str = "$") -> str | None:
    """The JSON path of the first place where two documents differ, or None."""
    if type(expected) is not type(actual):
        return f"{path}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, dict):
        if list(expected) != list(actual):
            return f"{path}: expected keys {list(expected)}, got {list(actual)}"
        for key in expected:
            found = first_difference(expected[key], actual[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return f"{path}: expected {len(expected)} items, got {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found = first_difference(e, a, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if expected == actual else f"{path}: expected {expected!r}, got {actual!r}"


def test_first_difference_names_the_path():
    assert first_difference({"a": [1, {"b": 2.0}]}, {"a": [1, {"b": 2.0}]}) is None
    assert first_difference({"a": [1, {"b": 2.0}]}, {"a": [1, {"b": 2.5}]}) == (
        "$.a[1].b: expected 2.0, got 2.5"
    )
    assert first_difference([1], [1.0]) == "$[0]: expected 1, got 1.0"


@pytest.mark.parametrize("name", update.preset_names())
@pytest.mark.parametrize("kind,command", update.COMMANDS, ids=[k for k, _ in update.COMMANDS])
def test_output_matches_golden(capsys, name, kind, command):
    code = cli.main(update.argv(name, command))
    out, err = capsys.readouterr()
    assert code == 0, err
    actual = json.loads(out)
    stored = update.golden_path(name, kind).read_text("utf-8")
    difference = first_difference(json.loads(stored), actual)
    assert difference is None, f"{name}.{kind}: {difference}"
    # Byte for byte too: the stored form is the compact dump of the same document.
    assert update.compact(actual) == stored
