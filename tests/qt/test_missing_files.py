"""A design whose model file is missing opens anyway: Locate… or a described model."""

from __future__ import annotations

import numpy as np
import pytest

from prototyper.core.preset.preset_io import load_preset
from prototyper.core.preset.schema import ScoreFileModel, SyntheticModel
from tests.core.small_preset import SMALL

MISSING = SMALL.replace(
    "model: {source: synthetic, auc: 0.8}",
    "model:\n  source: score_file\n  path: ../../x/scores.csv\n  measured_auc: 0.85",
)


@pytest.fixture
def received(tmp_path):
    """A preset two folders down whose score file did not travel with it."""
    path = tmp_path / "inbox" / "mail" / "design.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(MISSING)
    return path


def write_scores(path):
    rng = np.random.default_rng(1)
    labels = rng.random(400) < 0.3
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.15), 0, 1)
    lines = ["label,score"] + [f"{int(y)},{s:.4f}" for y, s in zip(labels, scores, strict=True)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_design_opens_with_a_stand_in_and_stays_editable(make_window, received):
    window = make_window(received)
    doc = window.document
    assert doc.path == received
    assert doc.preset.model.path == "../../x/scores.csv"  # the section is kept as written
    assert doc.analysis.scores.roc_auc() == pytest.approx(0.85)
    bar = window.missing_files_bar
    assert bar.isVisibleTo(window)
    assert "scores.csv" in bar.label.text() and "0.85" in bar.label.text()
    assert doc.set_value("payoffs.positive_acted[0].amount", 250.0)
    assert doc.value("payoffs.positive_acted[0].amount") == 250.0
    assert window.told == []


def test_the_file_menu_opens_it_too(make_window, received):
    window = make_window()
    assert window.open_file(received)
    assert window.document.path == received
    assert window.missing_files_bar.isVisibleTo(window)
    assert window.told == []


def test_locate_names_the_file_from_the_preset_as_one_undo_step(
    qtbot, make_window, received, tmp_path
):
    scores = write_scores(tmp_path / "shared" / "scores.csv")
    window = make_window(received)
    doc, bar = window.document, window.missing_files_bar
    window.chosen = [scores]
    steps = doc.undo_stack.count()
    assert bar.locate()
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=20_000)
    assert doc.preset.model.path == "../../shared/scores.csv"
    assert doc.undo_stack.count() == steps + 1
    assert not bar.isVisibleTo(window)
    assert doc.analysis.scores.roc_auc() != pytest.approx(0.85)  # the real scores now
    doc.undo_stack.undo()
    assert doc.preset.model.path == "../../x/scores.csv"
    assert bar.isVisibleTo(window)


def test_locate_cancelled_changes_nothing(make_window, received):
    window = make_window(received)
    window.chosen = []
    assert not window.missing_files_bar.locate()
    assert window.document.preset.model.path == "../../x/scores.csv"


def test_a_described_model_with_the_recorded_auc(make_window, received):
    window = make_window(received)
    doc, bar = window.document, window.missing_files_bar
    steps = doc.undo_stack.count()
    assert bar.use_described()
    assert doc.preset.model == SyntheticModel(auc=0.85)
    assert doc.preset.scenario.base_rate == 0.1
    assert doc.undo_stack.count() == steps + 1
    assert not bar.isVisibleTo(window)
    doc.undo_stack.undo()
    assert isinstance(doc.preset.model, ScoreFileModel)


def test_without_a_recorded_auc_it_is_asked(make_window, received, monkeypatch):
    received.write_text(MISSING.replace("  measured_auc: 0.85\n", ""))
    window = make_window(received)
    bar = window.missing_files_bar
    asked = []
    monkeypatch.setattr(bar, "ask_auc", lambda default: asked.append(default) or 0.77)
    assert bar.use_described()
    assert asked == [SyntheticModel().auc]
    assert window.document.preset.model == SyntheticModel(auc=0.77)


def test_saving_a_real_model_records_its_auc(qtbot, make_window, tmp_path):
    write_scores(tmp_path / "scores.csv")
    path = tmp_path / "design.yaml"
    path.write_text(
        MISSING.replace("../../x/scores.csv", "scores.csv").replace("  measured_auc: 0.85\n", "")
    )
    window = make_window()
    assert window.open_file(path)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=20_000)
    auc = window.document.analysis.scores.roc_auc()
    window.document.set_value("scenario.users", 1001)
    window.document.save()
    assert load_preset(path).model.measured_auc == round(auc, 4)
