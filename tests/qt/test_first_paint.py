"""The window paints before its first analysis, then fills in its views right after."""

from __future__ import annotations

import pytest

from prototyper import assets
from prototyper.core.preset.preset_io import PresetError, load_preset
from prototyper.qt.document import Document
from prototyper.qt.goals import COMPUTING


def _show_and_paint(window, qtbot) -> None:
    """Shown and laid out; the first paint happens, no timer has run yet."""
    window.show()
    qtbot.waitExposed(window)


@pytest.mark.parametrize("path", assets.bundled_presets(), ids=lambda p: p.stem)
def test_every_preset_opens_computing_then_shows_its_figures(make_window, qtbot, path):
    window = make_window(path, ready=False)
    doc = window.document
    assert not doc.ready
    assert COMPUTING in window.goals.text()
    assert window.score_plot.threshold_lines == []  # empty, not a stale or default plot
    window.show()
    qtbot.waitUntil(lambda: doc.ready)  # the first paint starts it; nothing else needed
    for _ in range(3):
        qtbot.wait(1)  # whatever else the events bring must not fail on the new figures
    assert COMPUTING not in window.goals.text()
    assert window.score_plot.threshold_lines
    assert window.windowTitle().startswith(doc.preset.scenario.name)


def test_the_figures_arrive_without_moving_the_plots(make_window, qtbot):
    window = make_window(assets.preset_path("safe_browsing"), ready=False)
    with qtbot.waitSignal(window.document.changed, timeout=10_000):
        _show_and_paint(window, qtbot)
        tabs_top, goals_height = window.tabs.geometry().top(), window.goals.height()
        assert not window.document.ready  # measured on the "computing…" cards
    for _ in range(3):
        qtbot.wait(1)  # the cards' new size hints reach the layout
    assert COMPUTING not in window.goals.text()
    assert (window.tabs.geometry().top(), window.goals.height()) == (tabs_top, goals_height)


def test_a_card_grows_when_its_figures_need_more_room(make_window, qtbot):
    # fall detection's captions are a line taller than the placeholders: the cards give it.
    window = make_window(assets.preset_path("fall_detection"), ready=False)
    _show_and_paint(window, qtbot)
    cards = window.goals.cards.values()
    placeholders = max(card.sizeHint().height() for card in cards)
    qtbot.waitUntil(lambda: window.document.ready)
    needed = max(card.sizeHint().height() for card in cards)
    assert needed > placeholders
    qtbot.waitUntil(lambda: all(card.height() >= needed for card in cards))


def test_wait_ready_fills_the_views_at_once(make_window):
    window = make_window(assets.preset_path("smart_toaster"), ready=False)
    window.wait_ready()
    assert window.document.ready
    assert COMPUTING not in window.goals.text()
    assert window.score_plot.threshold_lines


def test_an_edit_before_the_first_analysis_builds_on_the_preset(qapp):
    preset = load_preset(assets.preset_path("safe_browsing"))
    doc = Document(preset, deferred=True)
    shown = []
    doc.changed.connect(shown.append)
    assert not doc.ready and doc.preset == preset
    assert doc.set_value("experience.bands[0].threshold", 0.9)
    assert doc.ready
    assert [a.preset.experience.bands[0].threshold for a in shown] == [
        preset.experience.bands[0].threshold,  # the first analysis, then the edit
        0.9,
    ]
    doc.undo_stack.undo()
    assert doc.analysis.preset == preset


def test_reading_the_analysis_computes_it_once(qapp):
    doc = Document(load_preset(assets.preset_path("legal_chatbot")), deferred=True)
    shown = []
    doc.changed.connect(shown.append)
    first = doc.analysis
    assert doc.analysis is first and shown == [first]
    doc.wait_ready()
    assert shown == [first]


def test_a_model_that_cannot_load_still_fails_when_the_document_is_made(qapp, tmp_path):
    source = assets.preset_path("safe_browsing_model")
    path = tmp_path / source.name
    path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")  # no model files
    with pytest.raises(PresetError):
        Document(load_preset(path), path, deferred=True)
