"""The window on any screen: where it opens and what it restores, lecture mode and back,
goal cards that keep their units at the minimum size, plot labels that avoid each other,
the Help menu, and the icon and theme from ui/."""

from __future__ import annotations

import functools
import itertools
import re

import pytest
from PySide6.QtCore import QByteArray, QRect, QSettings, QSize
from PySide6.QtGui import QAction, QFontMetrics, QKeySequence
from PySide6.QtWidgets import QDialog, QMessageBox

from prototyper import __version__, assets
from prototyper.qt import theme
from prototyper.qt.goals import MUTED_COLOR, QtGoalsDashboard
from prototyper.qt.plots.common import label_rect, labels_in
from prototyper.qt.window_chrome import (
    DEFAULT_SIZE,
    MINIMUM_SIZE,
    SETTINGS_VERSION,
    GuideDialog,
    about_text,
    app_icon,
    available_geometry,
    shortcut_rows,
    theme_style_sheet,
)

Button = QMessageBox.StandardButton
PRESETS = assets.bundled_presets()

# What a card's big text must end with or contain: its unit, or a word that is one.
UNIT = re.compile(
    r"[$%]|\b(days?|months?|years?|a day|a year|min|s|h)$|^1 in [\d,.]+[kMB]?$"
    r"|^(—|none|never|n/a)$|^[01]\.\d+$"  # not modelled, nothing, an ROC AUC (no unit)
)


@pytest.fixture
def make_window(make_window):
    return functools.partial(make_window, answer=Button.Discard)


def settle(qapp, qtbot) -> None:
    """Let deferred layouts and label placements run."""
    for _ in range(3):
        qapp.processEvents()
        qtbot.wait(5)


def open_preset(window, path, qtbot) -> None:
    assert window.open_file(path)  # a real model loads in the background
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)


def plots(window):
    return {
        "score": window.score_plot,
        "value": window.value_plot,
        "outcome": window.outcome_plot.plot,
        "roc": window.roc_plot,
    }


# --- geometry -----------------------------------------------------------------------------


def test_opens_within_the_available_screen(make_window):
    window = make_window()
    room = available_geometry(window)
    assert room.contains(window.geometry())
    assert window.size() == DEFAULT_SIZE.boundedTo(room.size())
    assert window.minimumSize() == MINIMUM_SIZE.boundedTo(room.size())


def test_geometry_and_dock_state_come_back(make_window, qtbot, tmp_path):
    first = make_window()
    first.show()
    default = first.geometry()
    first.setGeometry(QRect(4, 70, 800, 700))  # inside the test screen (800 x 800)
    first.design_dock.hide()
    qtbot.wait(10)
    moved = first.geometry()
    assert moved != default
    first.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert settings.value("window/version") in (SETTINGS_VERSION, str(SETTINGS_VERSION))
    second = make_window()
    second.show()
    assert second.size() == moved.size() == QSize(800, 700)
    # as wide as the test screen: x is kept on it, give or take the frame
    assert abs(second.y() - moved.y()) <= 4 and abs(second.x() - moved.x()) <= 8
    assert not second.design_dock.isVisible()


@pytest.mark.parametrize(
    "version, geometry",
    [
        (SETTINGS_VERSION + 1, None),  # another version's state: its own layout
        (SETTINGS_VERSION, QByteArray(b"not a geometry at all")),
        (SETTINGS_VERSION, "a string, not bytes"),
        ("garbage", QByteArray(b"\x00\x01\x02")),
    ],
)
def test_another_version_or_garbage_is_ignored(make_window, tmp_path, version, geometry):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    if geometry is None:  # a real geometry, but saved by another version
        donor = make_window()
        donor.resize(650, 450)
        geometry = donor.saveGeometry()
    settings.setValue("window/version", version)
    settings.setValue("window/geometry", geometry)
    settings.setValue("window/state", QByteArray(b"garbage state"))
    settings.sync()
    window = make_window()
    room = available_geometry(window)
    assert window.size() == DEFAULT_SIZE.boundedTo(room.size())
    assert room.contains(window.geometry())
    assert window.design_dock.isVisibleTo(window)


def test_a_geometry_off_every_screen_is_not_restored(make_window, tmp_path):
    donor = make_window()
    donor.move(50_000, 50_000)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("window/version", SETTINGS_VERSION)
    settings.setValue("window/geometry", donor.saveGeometry())
    settings.sync()
    window = make_window()
    room, shown = available_geometry(window), window.geometry()
    overlap = room.intersected(shown)
    assert overlap.width() * overlap.height() >= 0.9 * shown.width() * shown.height()


# --- lecture mode -------------------------------------------------------------------------


def test_lecture_mode_scales_the_cards_and_the_plots(make_window, qapp, qtbot):
    window = make_window()
    window.show()
    card = window.goals.cards["system"]
    big, small = card.fonts().big.pointSizeF(), card.fonts().small.pointSizeF()
    title = window.value_plot.getPlotItem().titleLabel.opts["size"]
    width = window.value_plot.getAxis("left").width()
    window.toggle_lecture_mode()
    settle(qapp, qtbot)
    assert card.fonts().big.pointSizeF() > 1.25 * big
    assert card.fonts().small.pointSizeF() > 1.25 * small  # captions grow too
    assert card.fonts().small.pointSizeF() == pytest.approx(qapp.font().pointSizeF())
    assert window.value_plot.getPlotItem().titleLabel.opts["size"] != title
    assert window.value_plot.getAxis("left").width() > width  # room for larger ticks
    assert all(c.caption_color() == "#000000" for c in window.goals.cards.values())


def test_leaving_lecture_mode_restores_everything_also_after_f9(make_window, qapp, qtbot):
    window = make_window()
    window.show()
    settle(qapp, qtbot)
    font = qapp.font()
    card = window.goals.cards["user"]
    fonts = (card.fonts().big.pointSizeF(), card.fonts().small.pointSizeF())
    dock_width = window.design_dock.width()
    titles = {k: p.getPlotItem().titleLabel.opts["size"] for k, p in plots(window).items()}
    axes = {k: p.getAxis("left").width() for k, p in plots(window).items()}
    window.toggle_lecture_mode()
    window.toggle_design_panel()  # F9: the panel back, in the lecture's larger type
    settle(qapp, qtbot)
    assert window.design_dock.isVisible()
    window.toggle_lecture_mode()
    settle(qapp, qtbot)
    assert not window.lecture_mode and not window.isFullScreen()
    assert qapp.font() == font
    assert (card.fonts().big.pointSizeF(), card.fonts().small.pointSizeF()) == fonts
    assert not card.lecture and card.caption_color() == MUTED_COLOR
    assert window.design_dock.isVisible() and window.design_dock.width() == dock_width
    assert {k: p.getPlotItem().titleLabel.opts["size"] for k, p in plots(window).items()} == titles
    assert {k: p.getAxis("left").width() for k, p in plots(window).items()} == axes
    assert window.styleSheet() == ""


def test_a_hidden_panel_stays_hidden_after_lecture_mode(make_window, qapp, qtbot):
    window = make_window()
    window.show()
    window.toggle_design_panel()
    assert not window.design_dock.isVisible()
    window.toggle_lecture_mode()
    window.toggle_design_panel()
    window.toggle_lecture_mode()
    settle(qapp, qtbot)
    assert not window.design_dock.isVisible()


def test_cards_never_overlap_in_lecture_mode_at_1280x720(make_window, qapp, qtbot):
    window = make_window()
    window.show()
    window.toggle_lecture_mode()
    window.showNormal()  # full screen would take the test screen's size
    window.setMinimumSize(QSize(0, 0))
    window.resize(1280, 720)
    settle(qapp, qtbot)
    rects = [card.geometry() for card in window.goals.cards.values()]
    for a, b in itertools.combinations(rects, 2):
        assert not a.intersects(b)
    assert window.goals.overflowing() == {}
    window.toggle_lecture_mode()


# --- numbers keep their units --------------------------------------------------------------


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_at_the_minimum_size_every_number_fits_whole_with_its_unit(make_window, qapp, qtbot, path):
    window = make_window()
    window.show()
    open_preset(window, path, qtbot)
    window.resize(MINIMUM_SIZE)
    settle(qapp, qtbot)
    goals: QtGoalsDashboard = window.goals
    for key, card in goals.cards.items():
        figures = [f.text for f in goals.figures[key]]
        drawn = card.big_texts()
        assert [text for _, text, _ in drawn] == figures  # every number, whole
        for rect, text, font in drawn:
            fm = QFontMetrics(font)
            widest = max(fm.horizontalAdvance(word) for word in text.split())
            lines = 1 if fm.horizontalAdvance(text) <= rect.width() else 2
            assert widest <= rect.width(), (key, text)
            assert rect.height() >= lines * fm.height(), (key, text)
            assert UNIT.search(text), (key, text)
    assert goals.overflowing() == {}


def test_a_narrow_dashboard_flows_into_rows_and_a_wide_one_is_one_row(qtbot, document):
    view = QtGoalsDashboard(document)
    qtbot.addWidget(view)
    view.resize(1600, 200)
    view.show()
    assert len(view.arrangement) == 1
    view.resize(600, 200)
    assert len(view.arrangement) > 1
    assert [k for row in view.arrangement for k in row] == list(view.cards)  # in order
    view.resize(1600, 200)
    assert len(view.arrangement) == 1


# --- labels avoid each other ---------------------------------------------------------------


def assert_labels_apart(window) -> None:
    for name, widget in plots(window).items():
        view = widget.getPlotItem().getViewBox().sceneBoundingRect().adjusted(-1, -1, 1, 1)
        shown = [
            label
            for label in labels_in(widget)
            if label.isVisible() and label.textItem.toPlainText().strip()
        ]
        rects = [(label.textItem.toPlainText(), label_rect(label)) for label in shown]
        for text, rect in rects:
            assert view.contains(rect), f"{name}: {text!r} outside the plot"
        for (a, ra), (b, rb) in itertools.combinations(rects, 2):
            assert not ra.intersects(rb), f"{name}: {a!r} covers {b!r}"


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
@pytest.mark.parametrize("size", [QSize(1600, 1000), MINIMUM_SIZE], ids=["large", "minimum"])
def test_plot_labels_never_overlap_and_stay_inside(make_window, qapp, qtbot, path, size):
    window = make_window()
    window.show()
    open_preset(window, path, qtbot)
    window.resize(size)
    settle(qapp, qtbot)
    assert_labels_apart(window)


def test_a_drag_moves_labels_and_creates_none(make_window, qapp, qtbot):
    window = make_window(assets.preset_path("audit_risk"))
    window.show()
    window.resize(1600, 1000)
    settle(qapp, qtbot)
    counts = {name: len(labels_in(w)) for name, w in plots(window).items()}
    line = window.score_plot.threshold_lines[0]
    start = line.value()
    for step in range(1, 12):  # drag the top threshold down onto the one below
        line.setValue(start - 0.15 * step)
        qtbot.wait(20)
    line.sigPositionChangeFinished.emit(line)
    settle(qapp, qtbot)
    assert window.document.preset.experience.bands[0].threshold < 0.01
    assert {name: len(labels_in(w)) for name, w in plots(window).items()} == counts
    assert_labels_apart(window)


# --- the Help menu ------------------------------------------------------------------------


def test_help_menu_has_the_guide_the_shortcuts_and_about(make_window):
    window = make_window()
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert "Help" in menus
    entries = [a.text().replace("&", "") for a in menus["Help"].actions() if a.text()]
    assert entries == ["User Guide", "Keyboard Shortcuts", "About Prototyper"]


def test_help_windows_open_without_blocking(make_window, qtbot):
    window = make_window()
    window.show()
    help_menu = window.menuBar().actions()[-1].menu()
    for action in help_menu.actions():
        if action.text():
            action.trigger()  # would never return if it waited for the dialog
    shown = [w for w in window.findChildren(QDialog) if w.isVisible()]
    titles = sorted(w.windowTitle() for w in shown)
    assert titles == ["About Prototyper", "Keyboard Shortcuts", "Prototyper User Guide"]
    shortcuts = next(w for w in shown if w.windowTitle() == "Keyboard Shortcuts")
    rows = [shortcuts.table.item(r, 0).text() for r in range(shortcuts.table.rowCount())]
    assert rows == [what for what, _ in shortcut_rows(window)]
    for dialog in shown:
        dialog.close()


def test_shortcuts_are_read_from_the_actions(make_window):
    window = make_window()
    rows = dict(shortcut_rows(window))
    assert rows["Lecture Mode"] == QKeySequence("F11").toString(
        QKeySequence.SequenceFormat.NativeText
    )
    assert "Show Design Panel" in rows and "Simulate Over Time" in rows
    added = QAction("Frobnicate", window)
    added.setShortcut(QKeySequence("Ctrl+Shift+F"))
    window.addAction(added)
    assert "Frobnicate" in dict(shortcut_rows(window))  # a new action is listed at once


def test_about_names_the_version_the_licence_and_the_purpose():
    text = about_text()
    assert __version__ in text and "MIT" in text and "intelligent-experience" in text


def test_the_user_guide_shows_the_shipped_documents(qtbot):
    names = [p.name for p in assets.guide_files()]
    assert names == ["README.md", "DOMAIN.md", "MODEL.md"]
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "Readme",
        "Domain",
        "Model",
    ]
    assert "prototyper" in dialog.tabs.widget(0).toPlainText().lower()


# --- icon and theme -----------------------------------------------------------------------


def test_icon_and_theme_load_from_ui():
    assert (assets.asset_dir("ui") / "icon.svg").is_file()
    assert not app_icon().isNull()
    sheet = theme_style_sheet()
    assert "QMainWindow" in sheet
    # colour means a mode, value or cost, from theme.py alone: the sheet uses none of them
    meaning = {*theme.COLORS.values(), theme.VALUE_COLOR, theme.COST_COLOR}
    meaning |= {theme.POSITIVE_COLOR, theme.NEGATIVE_COLOR, theme.BEST_COLOR}
    used = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}", sheet)}
    assert not used & {c.lower() for c in meaning}
