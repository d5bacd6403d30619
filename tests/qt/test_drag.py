"""Dragging in the window: the figures at rest are the engine's own, and a change whose model
files must be read again waits for the background, greyed, instead of blocking the window."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from prototyper import assets
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.report import summary
from prototyper.core.model.model_sources import ModelCache, load_scores
from prototyper.qt.goals import layer_figures

pytestmark = pytest.mark.usefixtures("fresh_model_cache")
LOAD_TIMEOUT_MS = 30_000


def engine_figures(preset, scores=None) -> dict:
    """What the cards must say for ``preset``, from the core alone."""
    return layer_figures(summary(evaluate(preset, scores), scores))


def write_scores(path: Path, seed: int, n: int = 3000) -> Path:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.25
    s = np.round(1 / (1 + np.exp(-(rng.normal(0, 1.2, n) + (1.0 + seed % 3) * y - 1.0))), 4)
    lines = ["label,score", *(f"{int(a)},{b}" for a, b in zip(y, s, strict=True))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rewrite_scores(path: Path, seed: int) -> None:
    """New scores in the same file, with a modification time surely different."""
    before = path.stat().st_mtime_ns
    write_scores(path, seed)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


@pytest.fixture
def scored_window(qtbot, make_window, tmp_path):
    """A window on the fall-detection design with a score file for its model."""
    folder = tmp_path / "design"
    folder.mkdir()
    path = folder / "fall.yaml"
    shutil.copy(assets.preset_path("fall_detection"), path)
    window = make_window(path)
    csv = write_scores(folder / "scores.csv", seed=1)
    assert window.model_loader.load_score_file(csv)
    wait_loaded(qtbot, window)
    assert window.document.preset.model.source == "score_file"
    window.csv = csv
    return window


def wait_loaded(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=LOAD_TIMEOUT_MS)


def expected_after_reload(window, preset) -> dict:
    scores = load_scores(preset.model, window.document.base_dir, cache=ModelCache())
    return engine_figures(preset, scores)


# --- at rest, exact -----------------------------------------------------------------------


def test_after_a_threshold_drag_every_card_is_the_engines(make_window):
    window = make_window(assets.preset_path("safe_browsing"))
    plot, doc = window.score_plot, window.document
    line = plot.threshold_lines[1]
    start, before = line.value(), doc.preset.experience.bands[1].threshold
    line.moving = True  # as while the mouse holds it
    for step in range(12):
        line.setValue(start - 0.1 * step)
    line.moving = False
    line.sigPositionChangeFinished.emit(line)  # the mouse is released
    assert doc.preset.experience.bands[1].threshold < before
    assert window.goals.figures == engine_figures(doc.preset)
    added = evaluate(doc.preset).added_per_population_day
    assert window.value_plot.current_marker.data["y"][0] == pytest.approx(added, rel=1e-12)
    assert doc.undo_stack.count() == 1  # the whole drag is one step


def test_after_a_slider_drag_every_card_and_sweep_is_the_engines(make_window):
    from prototyper.core.evaluation.analysis import analyse

    window = make_window(assets.preset_path("safe_browsing"))
    doc = window.document
    slider = window.design_panel.control("experience.modes.prompt.forcefulness")
    for step in range(10):
        slider.setValue(0.2 + 0.05 * step)
    assert doc.preset.experience.modes.prompt.forcefulness == pytest.approx(0.65, abs=0.01)
    assert window.goals.figures == engine_figures(doc.preset)
    fresh = analyse(doc.preset)
    for shown, exact in zip(doc.analysis.threshold_sweeps, fresh.threshold_sweeps, strict=True):
        assert np.array_equal(shown.net_per_event, exact.net_per_event, equal_nan=True)
    assert np.array_equal(
        doc.analysis.single_threshold.net_per_event,
        fresh.single_threshold.net_per_event,
        equal_nan=True,
    )


# --- the window never blocks on a model's files ---------------------------------------------


def test_an_edit_whose_model_changed_on_disk_waits_for_the_background(qtbot, scored_window):
    window, doc = scored_window, scored_window.document
    before = doc.analysis
    rewrite_scores(window.csv, seed=2)
    assert doc.set_value("scenario.base_rate", 0.02)
    # Nothing was read here: the old figures stay, greyed and marked as recomputing.
    assert window.model_loader.busy
    assert doc.analysis is before
    assert window.goals.recomputing and "recomputing" in window.goals.text()
    assert window.roc_plot.getPlotItem().opacity() < 1
    wait_loaded(qtbot, window)
    assert not window.goals.recomputing and window.roc_plot.getPlotItem().opacity() == 1
    assert doc.preset.scenario.base_rate == 0.02
    assert window.goals.figures == expected_after_reload(window, doc.preset)
    assert window.goals.figures != engine_figures(doc.preset, before.scores)  # the new file
    doc.undo_stack.undo()  # one step, back to the first base rate
    assert doc.preset.scenario.base_rate == before.preset.scenario.base_rate


def test_a_slider_dragged_while_the_model_is_read_ends_on_the_last_value(qtbot, scored_window):
    window, doc = scored_window, scored_window.document
    rewrite_scores(window.csv, seed=3)
    slider = window.design_panel.control("experience.modes.prompt.forcefulness")
    old = doc.preset.experience.modes.prompt.forcefulness
    for step in range(6):
        slider.setValue(0.3 + 0.1 * step)
        assert doc.analysis.preset.experience.modes.prompt.forcefulness == old  # not blocked
    assert window.goals.recomputing
    wait_loaded(qtbot, window)
    assert doc.preset.experience.modes.prompt.forcefulness == pytest.approx(0.8, abs=0.01)
    assert window.goals.figures == expected_after_reload(window, doc.preset)
    assert not window.goals.recomputing
    assert not window.told


def test_undo_to_a_model_whose_file_changed_reads_it_in_the_background(qtbot, scored_window):
    window, doc = scored_window, scored_window.document
    assert doc.set_value("scenario.base_rate", 0.03)
    rewrite_scores(window.csv, seed=4)
    doc.undo_stack.undo()
    assert window.model_loader.busy and window.goals.recomputing
    wait_loaded(qtbot, window)
    assert doc.preset.scenario.base_rate != 0.03
    assert window.goals.figures == expected_after_reload(window, doc.preset)


def test_edits_of_two_fields_while_the_model_is_read_both_stay(qtbot, scored_window):
    window, doc = scored_window, scored_window.document
    rewrite_scores(window.csv, seed=5)
    assert doc.set_value("scenario.base_rate", 0.04)
    assert doc.set_value("experience.modes.prompt.forcefulness", 0.55)
    wait_loaded(qtbot, window)
    assert doc.preset.scenario.base_rate == 0.04
    assert doc.preset.experience.modes.prompt.forcefulness == 0.55
    assert window.goals.figures == expected_after_reload(window, doc.preset)


def test_a_drag_sweeps_coarsely_and_is_exact_once_released(qtbot, scored_window, monkeypatch):
    from prototyper.core.evaluation.analysis import analyse
    from prototyper.qt import document

    monkeypatch.setattr(document, "DRAG_SWEEP_POINTS", 30)  # the score file has more
    window, doc = scored_window, scored_window.document
    slider = window.design_panel.control("experience.modes.prompt.forcefulness")
    slider.setSliderDown(True)  # the mouse holds the handle
    for step in range(5):
        slider.setValue(0.3 + 0.1 * step)
    qtbot.waitUntil(lambda: doc.analysis.coarse)  # a drag step, coarse
    assert all(len(s.values) <= 30 for s in doc.analysis.threshold_sweeps)
    assert doc.analysis.single_stale  # not drawn in a drag's frames: not swept either
    slider.setSliderDown(False)  # released
    assert not doc.analysis.coarse
    assert doc.preset.experience.modes.prompt.forcefulness == pytest.approx(0.7)
    fresh = analyse(doc.preset, doc.analysis.scores)
    for shown, exact in zip(
        (*doc.analysis.threshold_sweeps, doc.analysis.single_threshold),
        (*fresh.threshold_sweeps, fresh.single_threshold),
        strict=True,
    ):
        assert np.array_equal(shown.values, exact.values)
        assert np.array_equal(shown.net_per_event, exact.net_per_event, equal_nan=True)
    assert window.goals.figures == engine_figures(doc.preset, doc.analysis.scores)
    assert doc.undo_stack.count() == 2  # the model's load, then the whole drag


def test_an_undo_while_a_change_waits_for_the_model_undoes_that_change(qtbot, scored_window):
    """The waiting change is the latest step: undo takes it back (not the step before it,
    nor both), and redo brings it again."""
    window, doc = scored_window, scored_window.document
    assert doc.set_value("scenario.base_rate", 0.03)  # shown at once: the model is cached
    rewrite_scores(window.csv, seed=6)
    assert doc.set_value("scenario.base_rate", 0.05)  # waits for the file
    assert window.model_loader.busy
    doc.undo_stack.undo()
    wait_loaded(qtbot, window)
    assert doc.preset.scenario.base_rate == 0.03
    assert window.goals.figures == expected_after_reload(window, doc.preset)
    doc.undo_stack.redo()
    wait_loaded(qtbot, window)
    assert doc.preset.scenario.base_rate == 0.05
    assert window.goals.figures == expected_after_reload(window, doc.preset)


def test_a_band_added_while_a_change_waits_for_the_model_keeps_that_change(qtbot, scored_window):
    """'+ Add band' builds on the latest change, even one not shown yet; each is its own
    undo step."""
    window, doc = scored_window, scored_window.document
    bands = len(doc.preset.experience.bands)
    rewrite_scores(window.csv, seed=7)
    assert doc.set_value("scenario.base_rate", 0.04)  # waits for the file
    qtbot.mouseClick(window.design_panel.bands.add, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, window)
    assert doc.preset.scenario.base_rate == 0.04
    assert len(doc.preset.experience.bands) == bands + 1
    assert window.goals.figures == expected_after_reload(window, doc.preset)
    doc.undo_stack.undo()  # the band goes, the base rate stays
    assert len(doc.preset.experience.bands) == bands
    assert doc.preset.scenario.base_rate == 0.04


def test_a_cancelled_load_takes_back_the_changes_that_waited_for_it(qtbot, scored_window):
    """Cancel changes nothing: the figures and the fields shown are the last analysed, and
    the changes that waited can be redone."""
    window, doc = scored_window, scored_window.document
    before = doc.analysis
    rewrite_scores(window.csv, seed=8)
    assert doc.set_value("scenario.base_rate", 0.04)
    assert doc.preset.scenario.base_rate == 0.04  # the latest change, not yet analysed
    window.model_loader.cancel()
    assert doc.analysis is before and doc.preset is before.preset
    assert doc.undo_stack.canRedo() and not window.goals.recomputing
    window.model_loader.wait()
