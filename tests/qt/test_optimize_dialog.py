"""The Optimize… dialog: its options, the run in a worker, the same best design as the CLI,
the Pareto plot, Apply as one undoable step, and a result gone stale when the design moves."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QRectF

from prototyper import assets, cli
from prototyper.core.preset.preset_io import load_preset
from prototyper.qt.document import Document
from prototyper.qt.optimize_dialog import STALE_TEXT, QtOptimizeDialog

RUN_MS = 60_000


class Told:
    """The Dialogs the dialog talks through: records what it told."""

    def __init__(self):
        self.told: list[str] = []

    def tell(self, title, text):
        self.told.append(text)


@pytest.fixture
def fall_document(qapp):
    return Document(load_preset(assets.preset_path("fall_detection")))


@pytest.fixture
def dialog(qtbot, fall_document):
    told = Told()
    widget = QtOptimizeDialog(fall_document, told)
    widget.told = told.told
    qtbot.addWidget(widget)
    widget.resize(1200, 760)
    widget.show()
    yield widget
    widget.shutdown()


def _run(qtbot, dialog):
    assert dialog.run()
    qtbot.waitUntil(lambda: dialog.result is not None and not dialog.running, timeout=RUN_MS)


def test_the_dialogs_best_is_the_clis(qtbot, dialog, capsys):
    dialog.constraints.setPlainText("interruptions_per_user_year<=2\n")
    dialog.vary["caps"].setChecked(True)
    _run(qtbot, dialog)
    code = cli.main(
        [
            "optimize",
            "fall_detection",
            "--json",
            "--constraint",
            "interruptions_per_user_year<=2",
            "--vary",
            "thresholds,modes,caps",
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    best = dialog.result.best
    assert best.design.label(dialog.result.preset) == doc["best"]["label"]
    assert best.figures == pytest.approx(doc["best"]["figures"], rel=1e-12)
    assert dialog.result.vary == ("thresholds", "modes", "caps")
    # the table shows the best's figures against the current design's
    assert dialog.table.item(0, 0).text() == "value added a day (everyone)"
    assert dialog.table.horizontalHeaderItem(2).text() == "best"
    assert "interruptions_per_user_year<=2: binds" in dialog.summary.text()


def test_the_objective_combo_sets_what_is_maximised(qtbot, dialog):
    index = dialog.objective.findData("harms_avoided_per_user_year")
    dialog.objective.setCurrentIndex(index)
    assert dialog.options()[0] == "harms_avoided_per_user_year"
    _run(qtbot, dialog)
    assert dialog.result.objective == "harms_avoided_per_user_year"
    found = dialog.result.best.figures["harms_avoided_per_user_year"]
    assert found >= dialog.result.current.figures["harms_avoided_per_user_year"]


def test_apply_is_one_undoable_step_and_a_moved_design_makes_the_result_stale(
    qtbot, dialog, fall_document
):
    before = fall_document.preset
    _run(qtbot, dialog)
    steps = fall_document.undo_stack.count()
    assert dialog.apply_best.isEnabled()
    dialog.apply_best.click()
    assert fall_document.preset == dialog.result.applied()
    assert fall_document.undo_stack.count() == steps + 1
    assert fall_document.undo_stack.undoText() == "Apply optimized design"
    # the document moved away from the result's design: stale, nothing to apply
    assert dialog.stale.isVisible() and dialog.stale.text() == STALE_TEXT
    assert not dialog.apply_best.isEnabled()
    fall_document.undo_stack.undo()
    assert fall_document.preset == before
    assert not dialog.stale.isVisible() and dialog.apply_best.isEnabled()


def test_a_point_chosen_on_the_front_applies_that_design(qtbot, dialog, fall_document):
    _run(qtbot, dialog)
    assert not dialog.apply_chosen.isEnabled()
    points = dialog.result.fronts["interruptions_per_user_year"]
    dialog.plot.select(1)
    assert dialog.apply_chosen.isEnabled()
    assert points[1].design.label(dialog.result.preset) in dialog.chosen.text()
    dialog.apply_chosen.click()
    assert fall_document.preset == dialog.result.applied(points[1])
    assert fall_document.undo_stack.undoText() == "Apply design from Pareto front"


def test_the_other_front_and_its_labels_do_not_collide(qtbot, dialog):
    _run(qtbot, dialog)
    dialog.front_axis.setCurrentIndex(dialog.front_axis.findData("harms_avoided_per_user_year"))
    qtbot.wait(50)
    plot = dialog.plot
    assert "harms avoided per user-year" in plot.getPlotItem().titleLabel.text
    assert plot.labelled, "some points are labelled"
    shown = [item for item in plot._labels.items if item.isVisible()]
    rects = [QRectF(item.sceneBoundingRect()) for item in shown]
    for i, a in enumerate(rects):
        assert not any(a.intersects(b) for b in rects[i + 1 :])
    frame = plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert all(frame.contains(r) for r in rects)


def test_a_bad_constraint_is_told_in_one_line_and_nothing_runs(dialog):
    dialog.constraints.setPlainText("happiness>=3")
    assert not dialog.run()
    assert not dialog.running
    assert dialog.told == [
        "Constraints: happiness: unknown figure; expected one of "
        + dialog.told[0].split("of ", 1)[1]
    ]
    assert "value_added[user|operator|business]" in dialog.told[0]


def test_nothing_to_vary_is_told(dialog):
    for box in dialog.vary.values():
        box.setChecked(False)
    assert not dialog.run()
    assert dialog.told and "Vary: tick at least one of thresholds" in dialog.told[0]


def test_cancel_stops_the_run_and_keeps_no_result(qtbot, qapp):
    document = Document(load_preset(assets.preset_path("safe_browsing")))
    widget = QtOptimizeDialog(document, Told())
    qtbot.addWidget(widget)
    widget.vary["forcefulness"].setChecked(True)
    assert widget.run()
    assert widget.cancel_button.isEnabled() and not widget.run_button.isEnabled()
    widget.cancel()
    assert not widget.running and widget.result is None
    assert widget.run_button.isEnabled() and not widget.cancel_button.isEnabled()
    assert widget.summary.text() == "Cancelled."
    widget.shutdown()
    qapp.processEvents()
    assert widget.result is None


def test_the_window_menu_opens_the_dialog(make_window):
    window = make_window()
    view = window.show_optimize()
    assert view.isVisible()
    assert window.show_optimize() is view
    names = [a.text() for a in window.findChildren(type(window.simulate_action))]
    assert "&Optimize Design…" in names
    view.close()
