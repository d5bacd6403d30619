"""The undo history holds presets, not analyses, and is bounded."""

from __future__ import annotations

import numpy as np

from prototyper import assets
from prototyper.core.model import model_sources
from prototyper.core.preset.preset_io import load_preset
from prototyper.qt.document import UNDO_LIMIT, Analysis, Document, PresetEdit, missing_files
from prototyper.qt.model_loading import replace_model, score_file_model

FIELD = "experience.bands[0].threshold"


def _edits(doc: Document, count: int) -> list:
    """Set the top threshold ``count`` times (each a step of its own); the presets, in order."""
    presets = [doc.preset]
    for i in range(count):
        assert doc.set_value(FIELD, 0.6 + 0.3 * (i % 97) / 97 + 1e-6 * i)
        presets.append(doc.preset)
    return presets


def _holds_an_analysis(command: PresetEdit) -> bool:
    def walk(value, depth=0) -> bool:
        if isinstance(value, Analysis):
            return True
        if depth > 2:
            return False
        if isinstance(value, dict):
            return any(walk(v, depth + 1) for v in value.values())
        if isinstance(value, (list, tuple, set, frozenset)):
            return any(walk(v, depth + 1) for v in value)
        return False

    return any(walk(v) for v in vars(command).values())


def test_commands_hold_presets_not_analyses(qapp):
    doc = Document(load_preset(assets.preset_path("safe_browsing")))
    _edits(doc, 20)
    stack = doc.undo_stack
    assert stack.count() == 20
    for i in range(stack.count()):
        command = stack.command(i)
        assert isinstance(command, PresetEdit)
        assert not _holds_an_analysis(command), vars(command)


def test_undo_and_redo_restore_the_exact_preset(qapp):
    doc = Document(load_preset(assets.preset_path("safe_browsing")))
    presets = _edits(doc, 12)
    shown = []
    doc.changed.connect(shown.append)
    for expected in reversed(presets[:-1]):
        doc.undo_stack.undo()
        assert doc.preset == expected
        assert doc.analysis.preset == expected
    assert not doc.dirty
    for expected in presets[1:]:
        doc.undo_stack.redo()
        assert doc.preset == expected
    assert [a.preset for a in shown] == list(reversed(presets[:-1])) + presets[1:]


def test_a_merged_drag_undoes_to_before_the_drag(qapp):
    doc = Document(load_preset(assets.preset_path("safe_browsing")))
    start = doc.preset
    for value in (0.7, 0.75, 0.8):
        assert doc.set_value(FIELD, value, merge=True)
    end = doc.preset
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.preset == start
    doc.undo_stack.redo()
    assert doc.preset == end


def test_the_history_is_bounded(qapp):
    doc = Document(load_preset(assets.preset_path("safe_browsing")))
    presets = _edits(doc, UNDO_LIMIT + 15)
    stack = doc.undo_stack
    assert stack.undoLimit() == UNDO_LIMIT
    assert stack.count() == UNDO_LIMIT
    while stack.canUndo():
        stack.undo()
    assert doc.preset == presets[15]  # the oldest steps are gone; the rest undo exactly


def test_undo_to_a_model_whose_file_is_gone_keeps_the_design(qapp, tmp_path, fresh_model_cache):
    rng = np.random.default_rng(11)
    labels = rng.random(400) < 0.3
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.15), 0.0, 1.0)
    csv = tmp_path / "scores.csv"
    rows = [f"{int(y)},{x:.6f}" for y, x in zip(labels, scores, strict=True)]
    csv.write_text("label,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    base = load_preset(assets.preset_path("safe_browsing"))
    doc = Document(base)
    assert doc.set_preset(replace_model(base, score_file_model(csv, None)), "Load scores")
    assert doc.set_value("experience.modes.prompt.forcefulness", 0.3)
    told: list[str] = []
    doc.error.connect(told.append)
    csv.unlink()
    model_sources.clear_cache()
    doc.undo_stack.undo()  # back to the score file's first step: its file is gone
    # The design opens with a stand-in model (the missing-files bar offers Locate…): the
    # step is taken, nothing is lost, and the missing file is named.
    assert told == []
    assert doc.preset.experience.modes.prompt.forcefulness != 0.3
    assert [p.path for p in missing_files(doc.preset, doc.base_dir)] == ["model.path"]
    doc.undo_stack.undo()  # back to the described model: needs no file
    assert doc.preset == base


def test_undo_names_read_as_the_design_panel_labels(document):
    assert document.set_value("experience.bands[1].threshold", 0.01)
    assert document.undo_stack.undoText() == "Change band 2 threshold"
    assert document.set_value("experience.modes.annotate.daily_cap", 7)
    assert document.undo_stack.undoText() == "Change Annotate: daily cap"
    assert document.set_value("experience.modes.prompt.forcefulness", 0.3)
    text = document.undo_stack.undoText()
    assert text == "Change Prompt: forcefulness"
    assert "." not in text and "_" not in text
