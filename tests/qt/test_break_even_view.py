"""The break-even of each mode on the score plot and why the best threshold sits where it does
on the value plot: the numbers of the command line, following every change both ways."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from prototyper import assets, cli
from prototyper.core.evaluation.break_even import break_evens, why_best
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.format import format_probability
from prototyper.core.preset.preset_io import load_preset
from prototyper.qt.document import Document
from prototyper.qt.plots.common import expit, logit
from prototyper.qt.plots.distributions import QtScoreDistributions
from prototyper.qt.plots.value_curve import QtValueCurve
from prototyper.qt.theme import mode_color

SYNTHETIC = ["safe_browsing", "fall_detection", "audit_risk", "legal_chatbot", "smart_toaster"]


def shown_views(qtbot, document: Document) -> tuple[QtScoreDistributions, QtValueCurve]:
    scores, value = QtScoreDistributions(document), QtValueCurve(document)
    for view in (scores, value):
        qtbot.addWidget(view)
        view.resize(800, 360)
        view.show()
    qtbot.waitExposed(scores)
    return scores, value


def line_of(scores: QtScoreDistributions, mode: str):
    """The break-even line of a mode."""
    lines = scores.break_even_lines
    assert len(lines) == len(scores.break_evens)
    (line,) = [li for li, b in zip(lines, scores.break_evens, strict=True) if b.mode == mode]
    return line


def cli_break_even(capsys, name: str) -> dict:
    assert cli.main(["evaluate", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["break_even"]


@pytest.mark.parametrize("name", SYNTHETIC)
def test_the_window_shows_the_command_lines_break_evens(qtbot, capsys, name):
    document = Document(load_preset(assets.preset_path(name)))
    scores, value = shown_views(qtbot, document)
    expected = cli_break_even(capsys, name)
    drawn = [m for m in expected["modes"] if m["pays"] in ("above", "below")]
    lines = scores.break_even_lines
    assert [b.mode for b in scores.break_evens] == [m["mode"] for m in drawn]
    assert len(lines) == len(drawn) > 0
    for line, mode in zip(lines, drawn, strict=True):
        assert expit(line.value()) == pytest.approx(mode["score"], rel=1e-12)
        pen = line.pen
        assert pen.color() == QColor(mode_color(mode["mode"]))
        assert pen.style() == Qt.PenStyle.DashLine and pen.widthF() <= 1
        text = line.label.toPlainText()
        assert mode["mode"] in text and format_probability(mode["probability"]) in text
    why = expected["best_single_threshold"]["why"]
    assert value.why is not None and value.why.sentence == why
    assert value.best_marker.toolTip() == why == value.best_label.toolTip()


def _rects(items) -> list:
    return [item.sceneBoundingRect() for item in items if item.isVisible()]


@pytest.mark.parametrize("name", SYNTHETIC)
def test_break_even_labels_cover_no_other_label(qtbot, name):
    document = Document(load_preset(assets.preset_path(name)))
    scores, _ = shown_views(qtbot, document)
    qtbot.wait(10)  # painted: the labels' transforms follow the view
    ours = _rects(line.label for line in scores.break_even_lines)
    theirs = _rects(scores._labels) + _rects(scores.band_labels.items)
    theirs += _rects([scores.positive_text, scores.negative_text])
    plot = scores.plot_item.getViewBox().sceneBoundingRect()
    for i, rect in enumerate(ours):
        assert plot.contains(rect), name
        assert not any(rect.intersects(other) for other in theirs + ours[:i]), name


def test_a_document_change_moves_the_lines(qtbot, document):
    scores, value = shown_views(qtbot, document)
    before = {b.mode: b.probability for b in scores.break_evens}
    # A dearer wrong block: automating pays only at a higher chance of a positive.
    document.set_value("payoffs.negative_acted[0].amount", -50.0)
    after = {b.mode: b.probability for b in scores.break_evens}
    assert after["automate"] > before["automate"]
    assert after["prompt"] == pytest.approx(before["prompt"])
    line = line_of(scores, "automate")
    assert expit(line.value()) == pytest.approx(after["automate"])
    assert format_probability(after["automate"]) in line.label.toPlainText()
    # A new mode in a band gets its own line in its colour; undo takes it away.
    document.set_value("experience.bands[1].mode", "annotate")
    assert [b.mode for b in scores.break_evens] == ["automate", "annotate"]
    assert scores.break_even_lines[1].pen.color() == QColor(mode_color("annotate"))
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert {b.mode: b.probability for b in scores.break_evens} == before
    assert value.why is not None
    assert value.why.sentence == why_best(document.preset).sentence


def test_dragging_a_threshold_moves_a_break_even_that_depends_on_trust(qtbot, document):
    """View -> model -> view: the prompt band's precision sets the trust in prompts, so
    dragging its threshold moves the prompt's break-even, to the engine's number."""
    scores, _ = shown_views(qtbot, document)
    before = {b.mode: b.probability for b in scores.break_evens}
    line = scores.threshold_lines[1]
    line.moving = True
    for step in range(6):
        line.setValue(line.value() + 0.2 * step)
    line.moving = False
    line.sigPositionChangeFinished.emit(line)
    moved = document.preset.experience.bands[1].threshold
    assert moved > 0.05
    expected = {b.mode: b.probability for b in break_evens(evaluate(document.preset))}
    assert {b.mode: b.probability for b in scores.break_evens} == expected
    assert expected["prompt"] != pytest.approx(before["prompt"])
    assert expected["automate"] == pytest.approx(before["automate"])  # automation: no trust
    assert line_of(scores, "prompt").value() == pytest.approx(float(logit(expected["prompt"])))
