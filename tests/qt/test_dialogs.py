"""Controllers talk to the person through the Dialogs interface: a fake answers in tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QMessageBox

from prototyper.core.preset.schema import ScoreFileModel
from prototyper.qt.dialogs import Dialogs
from prototyper.qt.model_loading import QtModelLoader

Button = QMessageBox.StandardButton


class FakeDialogs:
    """Answers from lists and records what the controller said."""

    def __init__(self, files: list[Path | None], answer: Button = Button.Yes):
        self.files, self.answer = list(files), answer
        self.asked: list[str] = []
        self.told: list[str] = []
        self.status: list[str] = []
        self.chosen_titles: list[str] = []

    def ask(self, title, text, buttons, default):
        self.asked.append(title)
        return self.answer

    def tell(self, title, text):
        self.told.append(text)

    def choose_open(self, title, start, filters):
        self.chosen_titles.append(title)
        return self.files.pop(0) if self.files else None

    def choose_save(self, title, start, filters):
        return self.files.pop(0) if self.files else None

    def show_status(self, text, msecs=0):
        self.status.append(text)

    def maybe_save(self):
        return True


def write_scores(path: Path, rows: int = 400, seed: int = 5) -> Path:
    rng = np.random.default_rng(seed)
    labels = rng.random(rows) < 0.3
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.15), 0.0, 1.0)
    lines = ["label,score"] + [f"{int(y)},{s:.6f}" for y, s in zip(labels, scores, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_window_implements_the_interface(make_window):
    assert isinstance(make_window(), Dialogs)
    assert isinstance(FakeDialogs([]), Dialogs)


def test_a_score_file_chosen_through_the_fake_loads(document, qtbot, tmp_path):
    dialogs = FakeDialogs([write_scores(tmp_path / "scores.csv")])
    loader = QtModelLoader(document, dialogs)
    with qtbot.waitSignal(loader.finished, timeout=30_000) as done:
        assert loader.load_scores_dialog()
    assert done.args == [True]
    assert isinstance(document.preset.model, ScoreFileModel)
    assert dialogs.status == ["Loaded scores.csv"]
    assert dialogs.told == []
    loader.shutdown()


def test_a_cancelled_choice_changes_nothing(document):
    dialogs = FakeDialogs([None])
    loader = QtModelLoader(document, dialogs)
    before = document.preset
    assert not loader.load_scores_dialog()
    assert document.preset == before
    assert len(dialogs.chosen_titles) == 1


def test_a_bad_score_file_is_told_through_the_fake(document, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,score\n1,high\n0,low\n", encoding="utf-8")
    dialogs = FakeDialogs([bad])
    loader = QtModelLoader(document, dialogs)
    before = document.preset
    with qtbot.waitSignal(loader.finished, timeout=30_000):
        loader.load_scores_dialog()
    assert document.preset == before
    assert len(dialogs.told) == 1 and "bad.csv" in dialogs.told[0], dialogs.told
    loader.shutdown()


def test_describing_a_described_model_only_says_where(document):
    dialogs = FakeDialogs([])
    loader = QtModelLoader(document, dialogs)
    assert loader.describe_model()
    assert dialogs.status and "ROC AUC" in dialogs.status[0]
