"""The ``prototyper-gui`` entry point (a GUI script: no console window on Windows)."""

from __future__ import annotations

import tomllib
from importlib import import_module
from pathlib import Path

import pytest

from prototyper import assets
from prototyper.qt import app

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def boxes(monkeypatch, qapp):
    """The message boxes main() shows, instead of showing them; and no window opens."""
    shown: list[str] = []
    opened: list[str | None] = []
    monkeypatch.setattr(app.QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(app, "run", lambda path=None, started=None: opened.append(path) or 0)
    return shown, opened


def _main(monkeypatch, *args: str) -> int:
    monkeypatch.setattr("sys.argv", ["prototyper-gui", *args])
    return app.main()


def test_gui_script_is_declared():
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["gui-scripts"]
    module, _, name = scripts["prototyper-gui"].partition(":")
    assert getattr(import_module(module), name) is app.main


def test_a_bundled_name_opens_that_preset(monkeypatch, boxes):
    shown, opened = boxes
    assert _main(monkeypatch, "fall_detection") == 0
    assert opened == [str(assets.preset_path("fall_detection"))]
    assert shown == []


def test_no_argument_opens_the_default_preset(monkeypatch, boxes):
    shown, opened = boxes
    assert _main(monkeypatch) == 0
    assert opened == [str(assets.preset_path("safe_browsing"))]


def test_a_broken_preset_is_shown_in_a_box_and_opens_nothing(monkeypatch, boxes, tmp_path, capsys):
    shown, opened = boxes
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nscenario: [unclosed\n")
    assert _main(monkeypatch, str(bad)) == 2
    assert opened == []
    assert len(shown) == 1
    assert shown[0].startswith(f"{bad}:")
    assert capsys.readouterr().err.strip() == shown[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no_such_preset"], "no_such_preset: no such file, and no bundled preset of that name"),
        (["a.yaml", "b.yaml"], "prototyper-gui: usage: prototyper-gui [FILE]"),
    ],
)
def test_bad_arguments_are_shown_in_a_box(monkeypatch, boxes, args, message):
    shown, opened = boxes
    assert _main(monkeypatch, *args) == 2
    assert shown == [message]
    assert opened == []
