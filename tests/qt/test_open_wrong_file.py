"""Opening something that is not a preset: a CSV is offered as scores, anything else gets
one plain line, and an error box fits on the screen however long the error."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from prototyper.core.preset.schema import ScoreFileModel

Button = QMessageBox.StandardButton
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def scores_csv(path, rows=228):
    rng = np.random.default_rng(5)
    labels = rng.random(rows) < 0.3
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.15), 0, 1)
    lines = ["label,score"] + [f"{int(y)},{s:.4f}" for y, s in zip(labels, scores, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_csv_is_offered_as_the_models_scores(qtbot, make_window, tmp_path):
    csv = scores_csv(tmp_path / "scores.csv")
    window = make_window(answer=Button.Yes)
    before = window.document.preset
    assert window.open_file(csv)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=20_000)
    assert len(window.asked) == 1 and "scores.csv is a CSV file, not a preset" in window.asked[0]
    assert len(window.asked[0].splitlines()) == 1
    model = window.document.preset.model
    assert isinstance(model, ScoreFileModel) and model.path.endswith("scores.csv")
    assert window.document.preset.experience == before.experience  # the design stays
    assert window.told == []


def test_a_csv_declined_changes_nothing(make_window, tmp_path):
    csv = scores_csv(tmp_path / "scores.csv")
    window = make_window(answer=Button.No)
    before = window.document.preset
    assert not window.open_file(csv)
    assert window.document.preset == before


@pytest.mark.parametrize(
    ("name", "content"),
    [("notes.txt", b"Meeting notes: ask about the base rate.\n"), ("plot.png", PNG)],
)
def test_anything_else_is_not_a_preset_in_one_line(make_window, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    window = make_window()
    before = window.document.preset
    assert not window.open_file(path)
    assert window.told == [
        f"{path}: {name} is not a preset (expected a YAML file with a scenario, a model and "
        "an experience)"
    ]
    assert window.document.preset == before


def test_a_long_error_box_shows_15_lines_and_the_rest_in_details(make_window):
    window = make_window()
    text = "\n".join(f"scores.csv:{i}: score: expected a number, got 'x'" for i in range(2, 230))
    box = window.message_box("Cannot load scores.csv", text)
    shown = box.text().splitlines()
    assert len(shown) == 16 and shown[-1] == "… and 213 more (Show Details…)"
    assert box.detailedText() == text
    screen = QGuiApplication.primaryScreen().availableGeometry()
    assert box.sizeHint().height() < screen.height()


def test_a_short_error_box_is_as_it_was(make_window):
    box = make_window().message_box("Cannot open preset", "a.yaml:3: scenario.users: bad")
    assert box.text() == "a.yaml:3: scenario.users: bad"
    assert box.detailedText() == ""
