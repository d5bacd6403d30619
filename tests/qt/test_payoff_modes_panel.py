"""The design panel edits the modes a payoff line applies to (schema version 2)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from prototyper.core.preset.preset_io import load_preset, save_preset

# Safe browsing: a wrong block (automate) costs the user more than a heeded false warning.
BLOCKED = "payoffs.negative_acted[0]"
SITE_OWNER = "payoffs.negative_acted[2]"


def type_into(qtbot, line, text: str) -> None:
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_the_panel_shows_a_lines_modes(panel, document):
    assert document.preset.payoffs.negative_acted[0].modes == ("automate",)
    assert panel.control(f"{BLOCKED}.modes").text() == "automate"
    every = panel.control(f"{SITE_OWNER}.modes")
    assert every.text() == ""
    # Empty means every mode, not the mode called none.
    assert every.placeholderText() == "every mode (comma-separated)"


def test_typing_modes_changes_the_line_and_undo_restores_it(qtbot, panel, document):
    type_into(qtbot, panel.control(f"{BLOCKED}.modes"), "automate, prompt")
    assert document.preset.payoffs.negative_acted[0].modes == ("automate", "prompt")
    type_into(qtbot, panel.control(f"{SITE_OWNER}.modes"), "annotate")
    assert document.preset.payoffs.negative_acted[2].modes == ("annotate",)
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.preset.payoffs.negative_acted[0].modes == ("automate",)
    assert document.preset.payoffs.negative_acted[2].modes == ()
    assert panel.control(f"{BLOCKED}.modes").text() == "automate"


def test_an_unknown_mode_changes_nothing(qtbot, panel, document):
    before = document.preset
    type_into(qtbot, panel.control(f"{BLOCKED}.modes"), "automat")
    assert document.preset == before


def test_modes_edited_in_the_panel_survive_a_save(qtbot, tmp_path, panel, document):
    type_into(qtbot, panel.control(f"{SITE_OWNER}.modes"), "automate, prompt")
    target = tmp_path / "edited.yaml"
    save_preset(document.preset, target)
    again = load_preset(target)
    assert again.payoffs.negative_acted[2].modes == ("automate", "prompt")
    assert again == document.preset
