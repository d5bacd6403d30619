"""The design panel: built from the schema, model->view and view->model for each kind of field."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QFocusEvent, QTextCursor, QWheelEvent
from PySide6.QtWidgets import QApplication

from prototyper.assets import bundled_presets, preset_path
from prototyper.core.preset.preset_io import load_preset
from prototyper.core.preset.schema import Band, Preset, ScoreFileModel, SyntheticModel
from prototyper.core.preset.structure import field_spec, get_path, leaf_paths
from prototyper.qt.design_panel import QtDesignPanel, reindex_citations, split_lowest_band
from prototyper.qt.document import Document
from prototyper.qt.forms.editors import (
    QtCheck,
    QtChoiceBox,
    QtFileField,
    QtMappingView,
    QtTextArea,
    QtTextLine,
)
from prototyper.qt.forms.metadata import log_odds, separation
from prototyper.qt.forms.numbers import (
    QtCountBox,
    QtNumberBox,
    QtOptionalCount,
    QtScaleSlider,
    QtSlider,
)
from prototyper.qt.theme import mode_color

FORCE = "experience.modes.prompt.forcefulness"
BASE_RATE = "scenario.base_rate"
HORIZON = "scenario.horizon_days"
CAP = "experience.modes.prompt.daily_cap"
NAME = "scenario.name"
NOTES = "notes"
THRESHOLD = "experience.bands[1].threshold"  # 0.05 in safe browsing, below 0.95
MODE = "experience.bands[1].mode"
AMOUNT = "payoffs.positive_missed[0].amount"


def shown(editor) -> object:
    """What an editor shows, as a model value."""
    if isinstance(
        editor,
        (
            QtSlider,
            QtScaleSlider,
            QtNumberBox,
            QtCountBox,
            QtOptionalCount,
            QtCheck,
            QtTextLine,
            QtFileField,
        ),
    ):
        value = editor.value()
        return tuple(value) if isinstance(value, list) else value
    if isinstance(editor, QtChoiceBox):
        return editor.currentText()
    if isinstance(editor, QtTextLine):
        return editor.text()
    if isinstance(editor, QtTextArea):
        return editor.toPlainText()
    raise TypeError(type(editor))


def type_into(qtbot, widget, text: str) -> None:
    """Select everything, type, press Enter: what a user does in a box."""
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def plain(html: str) -> str:
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setHtml(html)
    return " ".join(doc.toPlainText().split())


# --- built from the schema ------------------------------------------------------------------


@pytest.mark.parametrize("path", bundled_presets(), ids=lambda p: p.stem)
def test_every_leaf_has_a_control_showing_its_value(qtbot, path):
    document = Document(load_preset(path))
    panel = QtDesignPanel(document)
    qtbot.addWidget(panel)
    preset = document.preset
    numeric = 0
    for leaf in leaf_paths(preset):
        if leaf.startswith("scenes["):  # listed by the lecture's Scenes section (test_lecture)
            continue
        md, tp = field_spec(Preset, leaf)
        if md.get("widget") == "recorded":  # written by the app (a measured AUC): no control
            assert leaf not in panel.paths(), leaf
            continue
        if re.search(r"\[\d+\]$", leaf):  # an item of a list of texts: one box for the list
            assert isinstance(panel.control(leaf[: leaf.rindex("[")]), QtTextLine)
            continue
        editor = panel.control(leaf)
        if isinstance(editor, QtMappingView):
            continue
        value = get_path(preset, leaf)
        if isinstance(value, float):
            numeric += 1
            assert shown(editor) == pytest.approx(value, rel=1e-9, abs=1e-12), leaf
        else:
            numeric += isinstance(value, int) or "int" in str(tp)
            assert shown(editor) == value, leaf
    assert numeric > 40


def test_widget_kinds_follow_the_metadata(panel):
    assert isinstance(panel.control(FORCE), QtSlider)  # probability, widget=slider
    assert isinstance(panel.control(BASE_RATE), QtScaleSlider)  # widget=log
    assert isinstance(panel.control(HORIZON), QtCountBox)
    assert panel.control(HORIZON).suffix() == " days"
    assert isinstance(panel.control(CAP), QtOptionalCount)  # int | None
    assert isinstance(panel.control(MODE), QtChoiceBox)
    assert isinstance(panel.control(NAME), QtTextLine)
    assert isinstance(panel.control(NOTES), QtTextArea)  # widget=text
    assert isinstance(panel.control(AMOUNT), QtNumberBox)
    assert isinstance(panel.control("scenario.events_per_user_per_day"), QtNumberBox)
    assert isinstance(panel.control("sources"), QtMappingView)


def test_base_rate_slider_spans_one_in_a_million_to_one_half(panel):
    slider = panel.control(BASE_RATE).slider
    assert slider.minimum() == pytest.approx(log_odds(1e-6))
    assert slider.maximum() == pytest.approx(0.0)  # 0.5


def test_auc_slider_spreads_typical_and_near_perfect_models(panel, document):
    control = panel.control("model.auc")
    assert isinstance(control, QtScaleSlider)
    slider = control.slider

    def position(auc: float) -> float:
        return (separation(auc) - slider.minimum()) / (slider.maximum() - slider.minimum())

    assert slider.value() == pytest.approx(separation(0.99979))
    assert 0.15 < position(0.75) < position(0.9) - 0.1 < position(0.99) - 0.2
    assert position(0.9998) < 0.97  # safe browsing's model is not pinned at the end
    slider.setValue(separation(0.9))
    assert document.preset.model.auc == 0.9


def test_sections_follow_the_brief(panel):
    brief = [
        "Scenario and population",
        "Model",
        "Presentation bands",
        "Forcefulness and frequency",
        "Payoffs",
        "User response",
        "Notes",
    ]
    titles = list(panel.sections)
    assert [t for t in titles if t in brief] == brief
    assert titles[-1] == "Notes"
    # the expanded ones fit a 720 px screen: the bands are on the first screen
    expanded = [t for t in titles if panel.sections[t].isExpanded()]
    assert expanded == ["Model", "Presentation bands", "Forcefulness and frequency"]
    model = panel.sections["Model"]
    assert model.isAncestorOf(panel.control(BASE_RATE))  # shown once, beside the AUC
    assert not panel.sections["Scenario and population"].isAncestorOf(panel.control(BASE_RATE))


def test_folded_sections_are_built_when_first_opened(panel, document):
    section = panel.sections["User response"]
    assert not section.isExpanded()
    assert "response.trust_matching" not in panel._editors  # not built at start
    document.set_value("response.trust_matching", 0.5)
    section.setExpanded(True)
    control = panel._editors["response.trust_matching"]
    assert section.isAncestorOf(control)
    assert control.value() == 0.5
    assert "Bliss" in control.toolTip()
    control.setValue(0.6)
    assert document.preset.response.trust_matching == 0.6


def test_fields_no_section_names_get_sections_of_their_own(qtbot, monkeypatch, document):
    from prototyper.qt import design_panel

    sections = [
        s for s in design_panel.SECTIONS if s.title not in ("Notes", "Forcefulness and frequency")
    ]
    monkeypatch.setattr(design_panel, "SECTIONS", tuple(sections))
    panel = QtDesignPanel(document)
    qtbot.addWidget(panel)
    titles = list(panel.sections)
    # top-level fields: a section each, titled by their metadata
    assert panel.sections["Notes"].isAncestorOf(panel.control(NOTES))
    assert isinstance(panel.control("sources"), QtMappingView)
    assert {"Sources", "Assumptions"} <= set(titles)
    # a nested field: "More"
    assert titles[-1] == "More"
    assert panel.sections["More"].isAncestorOf(panel.control(FORCE))


def test_a_new_schema_section_appears_with_its_controls(panel, document):
    """Fields added to the schema after the panel was written show up on their own."""
    for f in dataclasses.fields(Preset):
        md, tp = field_spec(Preset, f.name)
        if dataclasses.is_dataclass(tp) and f.name not in (
            "scenario",
            "experience",
            "response",
            "payoffs",
        ):
            if f.name == "model":
                continue
            assert md["title"] in panel.sections, f.name
    for leaf in leaf_paths(document.preset):
        _, tp = field_spec(Preset, leaf)
        if tp is bool:
            control = panel.control(leaf)
            assert isinstance(control, QtCheck)
            assert control.isChecked() == get_path(document.preset, leaf)


def test_bool_model_to_view_and_view_to_model(panel, document):
    path = next(p for p in leaf_paths(document.preset) if field_spec(Preset, p)[1] is bool)
    control = panel.control(path)
    before = get_path(document.preset, path)
    document.set_value(path, not before)
    assert control.isChecked() == (not before)
    document.undo_stack.undo()
    assert control.isChecked() == before
    control.setChecked(not before)
    assert get_path(document.preset, path) == (not before)


def test_mode_choices_carry_the_mode_colours(panel):
    combo = panel.control(MODE)
    for i in range(combo.count()):
        image = combo.itemIcon(i).pixmap(12, 12).toImage()
        assert image.pixelColor(6, 6) == QColor(mode_color(combo.itemText(i)))


def test_over_cap_offers_only_quieter_modes(panel):
    combo = panel.control("experience.modes.prompt.over_cap")
    enabled = [combo.itemText(i) for i in range(combo.count()) if combo.model().item(i).isEnabled()]
    assert enabled == ["organize", "annotate", "none"]


# --- model -> view and view -> model, one kind of field at a time ----------------------------


def test_slider_model_to_view(panel, document):
    document.set_value(FORCE, 0.35)
    assert panel.control(FORCE).value() == pytest.approx(0.35)


def test_slider_view_to_model_and_undo(panel, document):
    panel.control(FORCE).setValue(0.3)
    assert document.preset.experience.modes.prompt.forcefulness == pytest.approx(0.3)
    document.undo_stack.undo()
    assert document.preset.experience.modes.prompt.forcefulness == 0.8
    assert panel.control(FORCE).value() == pytest.approx(0.8)


def test_base_rate_model_to_view(panel, document):
    document.set_value(BASE_RATE, 2.5e-6)
    control = panel.control(BASE_RATE)
    assert control.value() == 2.5e-6
    assert control.box.text() == "2.5e-06"
    assert control.slider.value() == pytest.approx(log_odds(2.5e-6))


def test_base_rate_view_to_model_by_typing_and_by_slider(qtbot, panel, document):
    control = panel.control(BASE_RATE)
    type_into(qtbot, control.box, "3e-5")
    assert document.preset.scenario.base_rate == 3e-5
    control.slider.setValue(log_odds(0.01))
    assert document.preset.scenario.base_rate == pytest.approx(0.01)
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.preset.scenario.base_rate == 1e-4
    assert control.value() == 1e-4


def test_int_model_to_view(panel, document):
    document.set_value(HORIZON, 30)
    assert panel.control(HORIZON).value() == 30


def test_int_view_to_model_and_undo(qtbot, panel, document):
    type_into(qtbot, panel.control(HORIZON), "90")
    assert document.preset.scenario.horizon_days == 90
    document.undo_stack.undo()
    assert panel.control(HORIZON).value() == 365


def test_users_show_thousands_separators(panel):
    assert panel.control("scenario.users").text() == "100,000,000"


def test_enum_model_to_view(panel, document):
    document.set_value(MODE, "annotate")
    assert panel.control(MODE).currentText() == "annotate"


def test_enum_view_to_model_recolours_the_band_and_undoes(panel, document):
    panel.control(MODE).setCurrentText("annotate")
    assert document.preset.experience.bands[1].mode == "annotate"
    assert panel.bands.rows[1]._color == mode_color("annotate")
    document.undo_stack.undo()
    assert panel.control(MODE).currentText() == "prompt"
    assert panel.bands.rows[1]._color == mode_color("prompt")


def test_daily_cap_model_to_view(panel, document):
    control = panel.control(CAP)
    assert control.value() is None and not control.check.isChecked()
    document.set_value(CAP, 7)
    assert control.check.isChecked() and control.spin.value() == 7
    document.set_value(CAP, None)
    assert control.value() is None and control.off.isVisibleTo(control)


def test_daily_cap_view_to_model_and_undo(panel, document):
    control = panel.control(CAP)
    control.check.setChecked(True)
    assert document.preset.experience.modes.prompt.daily_cap == 3
    control.spin.setValue(5)
    assert document.preset.experience.modes.prompt.daily_cap == 5
    control.check.setChecked(False)
    assert document.preset.experience.modes.prompt.daily_cap is None
    document.undo_stack.undo()
    assert control.value() == 5
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert control.value() is None


def test_text_line_model_to_view(panel, document):
    document.set_value(NAME, "Phishing")
    assert panel.control(NAME).text() == "Phishing"


def test_text_line_view_to_model_on_enter(qtbot, panel, document):
    line = panel.control(NAME)
    line.selectAll()
    qtbot.keyClicks(line, "Phishing")
    assert document.preset.scenario.name == "Safe browsing"  # not per keystroke
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert document.preset.scenario.name == "Phishing"
    document.undo_stack.undo()
    assert line.text() == "Safe browsing"


def test_notes_commit_on_focus_out_not_per_keystroke(qtbot, panel, document):
    area = panel.control(NOTES)
    area.setPlainText("Talk about trust first.")
    area.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(area, "!")
    assert document.preset.notes != "Talk about trust first.!"
    QApplication.sendEvent(area, QFocusEvent(QEvent.Type.FocusOut))
    assert document.preset.notes == "Talk about trust first.!"
    document.undo_stack.undo()
    assert area.toPlainText().startswith("WHAT IT IS")


def test_notes_model_to_view(panel, document):
    document.set_value(NOTES, "New script")
    assert panel.control(NOTES).toPlainText() == "New script"


def test_band_threshold_model_to_view(panel, document):
    document.set_value(THRESHOLD, 0.00037)
    control = panel.control(THRESHOLD)
    assert control.value() == 0.00037
    assert control.box.text() == "0.00037"


def test_band_threshold_view_to_model_and_undo(qtbot, panel, document):
    control = panel.control(THRESHOLD)
    type_into(qtbot, control.box, "0.2")
    assert document.preset.experience.bands[1].threshold == 0.2
    document.undo_stack.undo()
    assert control.value() == 0.05


def test_payoff_amount_model_to_view(panel, document):
    document.set_value(AMOUNT, -1234.5)
    assert panel.control(AMOUNT).text() == "-1,234.5"


def test_payoff_amount_view_to_model_and_undo(qtbot, panel, document):
    type_into(qtbot, panel.control(AMOUNT), "-75")
    assert document.preset.payoffs.positive_missed[0].amount == -75
    document.undo_stack.undo()
    assert panel.control(AMOUNT).value() == -50


def test_focusing_and_leaving_a_box_changes_nothing(qtbot, panel, document):
    document.set_value(AMOUNT, -50.123456789012)
    box = panel.control(AMOUNT)
    count = document.undo_stack.count()
    box.interpretText()  # what leaving the box does
    assert document.undo_stack.count() == count
    assert document.preset.payoffs.positive_missed[0].amount == -50.123456789012


# --- drags ---------------------------------------------------------------------------------


def test_slider_drag_is_one_undo_step_and_rate_limited(qtbot, panel, document):
    slider = panel.control(FORCE)
    changes = []
    document.changed.connect(changes.append)
    count = document.undo_stack.count()
    slider.setSliderDown(True)
    for i in range(60):
        slider.setValue(0.2 + 0.01 * i)
    assert len(changes) <= 2  # throttled: not one recompute per step
    slider.setSliderDown(False)
    assert document.undo_stack.count() == count + 1
    assert document.preset.experience.modes.prompt.forcefulness == pytest.approx(0.79)
    document.undo_stack.undo()
    assert document.preset.experience.modes.prompt.forcefulness == 0.8
    assert slider.value() == pytest.approx(0.8)


def test_drag_keeps_up_at_60_hz(qtbot, panel, document):
    slider = panel.control(FORCE)
    slider.setSliderDown(True)
    for i in range(30):
        slider.setValue(0.2 + 0.01 * i)
        qtbot.wait(17)
    # every frame's value reached the model shortly after it was shown
    assert document.preset.experience.modes.prompt.forcefulness == pytest.approx(0.49)
    slider.setSliderDown(False)


def test_mouse_drag_of_a_threshold_is_one_undo_step(qtbot, panel, document):
    panel.show()
    qtbot.waitExposed(panel)
    slider = panel.control("experience.bands[0].threshold").slider
    count = document.undo_stack.count()
    y = slider.height() // 2
    handle_x = (
        round(
            (slider.value() - slider.minimum())
            / (slider.maximum() - slider.minimum())
            * (slider.width() - 16)
        )
        + 8
    )
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=QPoint(handle_x, y))
    for dx in range(1, 40, 3):
        qtbot.mouseMove(slider, QPoint(handle_x - dx, y))
        qtbot.wait(5)
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=QPoint(handle_x - 40, y))
    after = document.preset.experience.bands[0].threshold
    assert 0.05 < after < 0.95
    assert document.undo_stack.count() == count + 1
    document.undo_stack.undo()
    assert document.preset.experience.bands[0].threshold == 0.95


def test_odds_slider_drag_is_one_undo_step(panel, document):
    control = panel.control(BASE_RATE)
    count = document.undo_stack.count()
    control.slider.setSliderDown(True)
    for x in range(41):
        control.slider.setValue(-4 + 0.05 * x)  # log10 odds -4 .. -2
    control.slider.setSliderDown(False)
    assert document.undo_stack.count() == count + 1
    assert document.preset.scenario.base_rate == 0.0099  # 1 / 101, 3 significant digits
    assert control.box.text() == "0.0099"


# --- refused edits -------------------------------------------------------------------------


def test_threshold_above_the_band_above_is_refused_and_snaps_back(qtbot, panel, document):
    control = panel.control(THRESHOLD)
    with qtbot.waitSignal(document.error, timeout=1000) as error:
        control.setValue(0.97)  # the band above starts at 0.95
    assert "bands[1].threshold" in error.args[0]
    assert document.preset.experience.bands[1].threshold == 0.05
    assert control.value() == 0.05
    assert control.slider.value() == pytest.approx(log_odds(0.05))


def test_refused_drag_snaps_back(panel, document):
    control = panel.control(THRESHOLD)
    control.slider.setSliderDown(True)
    control.slider.setValue(log_odds(0.99))
    control.slider.setSliderDown(False)
    assert document.preset.experience.bands[1].threshold == 0.05
    assert control.value() == 0.05


# --- bands and lists ------------------------------------------------------------------------


def test_split_lowest_band():
    bands = (Band(0.95, "automate"), Band(0.05, "prompt"), Band(0.0, "none"))
    new, index = split_lowest_band(bands)
    assert index == 2
    assert [b.threshold for b in new] == [0.95, 0.05, 0.025, 0.0]
    # the most forceful shown mode that neither neighbour (prompt above, none below) uses
    assert new[2].mode == "organize"
    only, index = split_lowest_band((Band(0.0, "none"),))
    assert [b.threshold for b in only] == [0.5, 0.0] and index == 0
    assert only[0].mode == "prompt"


def test_a_new_band_never_copies_a_neighbours_mode():
    for above in ("automate", "prompt", "organize", "annotate"):
        for lowest in ("none", "annotate", "prompt"):
            if above == lowest:
                continue
            new, index = split_lowest_band((Band(0.5, above), Band(0.0, lowest)))
            assert new[index].mode not in (above, lowest)
            assert new[index].mode != "automate"  # shown modes first


def test_add_band(qtbot, panel, document):
    kept = list(panel.bands.rows)
    qtbot.mouseClick(panel.bands.add, Qt.MouseButton.LeftButton)
    assert panel.bands.rows[:3] == kept  # the rows that stay keep their widgets
    bands = document.preset.experience.bands
    assert [b.threshold for b in bands] == [0.95, 0.05, 0.025, 0.0]
    assert bands[2].mode == "organize"
    assert bands[2].mode not in (bands[1].mode, bands[3].mode)
    assert document.undo_stack.undoText() == "Add band"
    assert panel.bands.count() == 4
    assert panel.control("experience.bands[2].threshold").value() == 0.025
    assert panel.control("experience.bands[3].mode").currentText() == "none"
    assert not panel.bands.rows[3].remove.isEnabled()
    assert panel.bands.rows[2].remove.isEnabled()
    document.undo_stack.undo()
    assert panel.bands.count() == 3
    with pytest.raises(KeyError):
        panel.control("experience.bands[3].mode")


def test_remove_band(qtbot, panel, document):
    qtbot.mouseClick(panel.bands.rows[0].remove, Qt.MouseButton.LeftButton)
    bands = document.preset.experience.bands
    assert [(b.threshold, b.mode) for b in bands] == [(0.05, "prompt"), (0.0, "none")]
    assert panel.control("experience.bands[0].mode").currentText() == "prompt"
    assert panel.bands.rows[0]._color == mode_color("prompt")
    document.undo_stack.undo()
    assert panel.control("experience.bands[0].mode").currentText() == "automate"


def test_the_lowest_band_cannot_be_removed(qtbot, panel, document):
    last = panel.bands.rows[-1]
    assert not last.remove.isEnabled()
    assert not last.threshold.isEnabled()
    with qtbot.waitSignal(document.error, timeout=1000):
        panel.bands.removeRequested.emit("experience.bands", 2)
    assert len(document.preset.experience.bands) == 3


def test_rows_are_rebuilt_only_when_the_count_changes(panel, document):
    rows = list(panel.bands.rows)
    editor = panel.control(THRESHOLD)
    document.set_value(THRESHOLD, 0.1)
    document.set_value(MODE, "annotate")
    assert panel.bands.rows == rows
    assert panel.control(THRESHOLD) is editor


def test_add_and_remove_a_payoff(qtbot, panel, document):
    panel.build_all()
    payoffs = panel._lists["payoffs.positive_acted"]
    qtbot.mouseClick(payoffs.add, Qt.MouseButton.LeftButton)
    item = document.preset.payoffs.positive_acted[0]
    assert (item.stakeholder, item.amount, item.unit) == ("user", 0.0, "money")
    assert payoffs.count() == 1
    type_into(qtbot, panel.control("payoffs.positive_acted[0].amount"), "12")
    assert document.preset.payoffs.positive_acted[0].amount == 12
    qtbot.mouseClick(payoffs.rows[0].remove, Qt.MouseButton.LeftButton)
    assert document.preset.payoffs.positive_acted == ()
    assert payoffs.count() == 0


def test_removing_a_payoff_keeps_citations_on_their_items(qtbot, panel, document):
    lines = len(document.preset.payoffs.negative_acted)
    before = document.preset.assumptions["payoffs.negative_acted[1].amount"]
    panel.build_all()
    lst = panel._lists["payoffs.negative_acted"]
    qtbot.mouseClick(lst.rows[0].remove, Qt.MouseButton.LeftButton)
    after = document.preset
    assert len(after.payoffs.negative_acted) == lines - 1
    assert after.assumptions["payoffs.negative_acted[0].amount"] == before
    assert f"payoffs.negative_acted[{lines - 1}].amount" not in after.assumptions
    assert before in panel.control("payoffs.negative_acted[0].amount").toolTip()
    document.undo_stack.undo()
    assert len(document.preset.payoffs.negative_acted) == lines


def test_reindex_citations():
    cites = {"a.b[0].x": "zero", "a.b[1].x": "one", "a.b[2]": "two", "c": "other"}
    assert reindex_citations(cites, "a.b", removed=1) == {
        "a.b[0].x": "zero",
        "a.b[1]": "two",
        "c": "other",
    }
    assert reindex_citations(cites, "a.b", inserted=1) == {
        "a.b[0].x": "zero",
        "a.b[2].x": "one",
        "a.b[3]": "two",
        "c": "other",
    }


def test_band_selected_when_a_band_row_takes_focus(qtbot, panel):
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.bandSelected, timeout=1000) as signal:
        QApplication.sendEvent(panel.control(MODE), QFocusEvent(QEvent.Type.FocusIn))
    assert signal.args == [1]
    assert panel.bands.rows[1]._selected and not panel.bands.rows[0]._selected


# --- tooltips ------------------------------------------------------------------------------


def test_tooltips_carry_description_and_citation(panel):
    md, _ = field_spec(Preset, "response.trust_matching")
    tip = panel.control("response.trust_matching").toolTip()
    assert md["description"] in tip
    assert "Source: Bliss, Gilson & Deaton" in tip  # kept as typed, and shown as typed:
    assert "Source: Bliss, Gilson & Deaton" in plain(tip)
    # a citation on a group reaches its fields
    tip = plain(panel.control("response.modes.automate.act_if_positive.low").toolTip())
    assert "Assumption: A block with the override" in tip
    # every control has one
    for path in panel.paths():
        assert path in panel.control(path).toolTip(), path


def test_tooltips_refresh_when_another_preset_is_opened(panel, document):
    old = plain(panel.control("response.trust_matching").toolTip())
    document.open(preset_path("fall_detection"))
    new = plain(panel.control("response.trust_matching").toolTip())
    assert new != old
    assert document.preset.citation("response.trust_matching") in new
    assert panel.bands.count() == 2
    assert panel.control("experience.bands[0].threshold").value() == (
        document.preset.experience.bands[0].threshold
    )
    assert document.preset.experience.bands[0].threshold != 0.95  # safe browsing's top band


def test_tooltips_refresh_when_only_the_citations_change(panel, document):
    preset = document.preset
    sources = dict(preset.sources, **{"scenario.horizon_days": "A made-up source."})
    document.set_preset(replace(preset, sources=type(preset.sources)(sources)), "Cite")
    assert "Source: A made-up source." in panel.control(HORIZON).toolTip()


# --- behaviour of the panel as a whole -----------------------------------------------------


def test_wheel_over_an_unfocused_slider_scrolls_instead_of_changing_it(panel, document):
    slider = panel.control(FORCE)._slider
    event = QWheelEvent(
        QPointF(5, 5),
        QPointF(5, 5),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(slider, event)
    assert document.preset.experience.modes.prompt.forcefulness == 0.8


def test_commit_pending_commits_the_text_being_typed(qtbot, panel, document):
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    panel.sections["Scenario and population"].setExpanded(True)
    line = panel.control(NAME)
    line.setFocus()
    qtbot.waitUntil(line.hasFocus, timeout=1000)
    line.setText("Typed, not entered")
    panel.commit_pending()
    assert document.preset.scenario.name == "Typed, not entered"


def test_model_to_view_updates_follow_each_other(panel, document):
    """A drag step changes a field or two; the whole panel follows every step."""
    panel.build_all()
    a = document.preset
    b = replace(
        a,
        scenario=replace(a.scenario, base_rate=2e-4, users=5, horizon_days=30),
        response=replace(a.response, trust_matching=0.5),
        notes="other",
    )
    for i in range(50):
        panel.set_preset(b if i % 2 else a)
    assert panel.control(HORIZON).value() == 30  # the last one shown was b
    # How fast it follows is measured in benchmarks/bench_gui.py, never asserted here.


def test_panel_survives_garbage_collection():
    """A Python reference cycle through the scroll area crashed PySide at gc; run apart."""
    code = textwrap.dedent(
        """
        import gc
        from PySide6.QtWidgets import QApplication
        from prototyper.assets import preset_path
        from prototyper.core.preset.preset_io import load_preset
        from prototyper.qt.document import Document
        from prototyper.qt.design_panel import QtDesignPanel
        app = QApplication([])
        document = Document(load_preset(preset_path("safe_browsing")))
        for _ in range(3):
            panel = QtDesignPanel(document)
            panel.bands.add.click()
            del panel
            gc.collect()
        print("ok")
        """
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("path", bundled_presets(), ids=lambda p: p.stem)
def test_screenshot_380_wide(qtbot, path, tmp_path):
    document = Document(load_preset(path))
    panel = QtDesignPanel(document)
    qtbot.addWidget(panel)
    panel.resize(380, 900)
    panel.show()
    qtbot.waitExposed(panel)
    image = panel.grab().toImage()
    assert image.save(str(tmp_path / f"design_panel_{path.stem}.png"))  # to look at by hand
    # nothing needs a horizontal scroll bar at dock width
    body = panel.scroll.widget()
    assert body.minimumSizeHint().width() <= panel.scroll.viewport().width()
    # each band row shows its mode's colour on its left edge
    for row, band in zip(panel.bands.rows, document.preset.experience.bands, strict=True):
        point = row.mapTo(panel, QPoint(2, row.height() // 2))
        if point.y() < image.height():
            assert image.pixelColor(point) == QColor(mode_color(band.mode)), band


# --- a field of several kinds: the model source --------------------------------------------


@pytest.fixture
def score_file_document(tmp_path) -> Document:
    lines = ["label,score"] + [f"{i % 3 == 0:d},{(i * 37 % 100) / 100:.2f}" for i in range(300)]
    csv = tmp_path / "scores.csv"
    csv.write_text("\n".join(lines) + "\n")
    preset = load_preset(preset_path("safe_browsing"))
    sources = {k: v for k, v in preset.sources.items() if not k.startswith("model.")}
    return Document(
        replace(
            preset,
            model=ScoreFileModel(path=str(csv)),
            sources=type(preset.sources)(sources),
        )
    )


def test_model_section_shows_the_current_kind_of_model(qtbot, panel, document):
    source = panel.control("model.source")
    assert [source.itemText(i) for i in range(source.count())][0] == "synthetic"
    assert "score_file" in [source.itemText(i) for i in range(source.count())]
    assert {p for p in panel.paths() if p.startswith("model.")} == {"model.source", "model.auc"}
    # a score file needs a file: not offered from defaults
    index = source.findText("score_file")
    assert not source.model().item(index).isEnabled()


def test_switching_the_model_kind_rebuilds_its_fields(qtbot, score_file_document):
    document = score_file_document
    panel = QtDesignPanel(document)
    qtbot.addWidget(panel)
    assert isinstance(panel.control("model.path"), QtFileField)
    assert panel.control("model.weight_column").value() is None  # str | None: empty
    with pytest.raises(KeyError):
        panel.control("model.auc")
    panel.control("model.source").setCurrentText("synthetic")
    assert document.preset.model == SyntheticModel()
    assert panel.control("model.auc").value() == 0.9
    with pytest.raises(KeyError):
        panel.control("model.path")
    document.undo_stack.undo()
    assert isinstance(document.preset.model, ScoreFileModel)
    assert panel.control("model.source").currentText() == "score_file"
    assert panel.control("model.path").value().endswith("scores.csv")


def test_optional_text_empty_means_none(qtbot, score_file_document):
    document = score_file_document
    panel = QtDesignPanel(document)
    qtbot.addWidget(panel)
    line = panel.control("model.group_column")
    line.setText("label")
    line.commit()  # refused: the label column cannot be the group column too
    assert document.preset.model.group_column is None
    assert line.text() == ""


def test_removing_a_payoff_takes_its_distribution_with_it(qtbot, panel, document):
    key = "payoffs.positive_missed[0].amount"
    assert key in document.preset.uncertainty  # the default preset declares one
    panel.build_all()
    lst = panel._lists["payoffs.positive_missed"]
    qtbot.mouseClick(lst.rows[0].remove, Qt.MouseButton.LeftButton)
    # the line that moves up to [0] (recovery minutes) does not inherit the money range
    assert key not in document.preset.uncertainty
    qtbot.mouseClick(lst.add, Qt.MouseButton.LeftButton)
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert key in document.preset.uncertainty
