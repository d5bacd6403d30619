"""Start-up: what the window's first paint needs, and the tabs made when first shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from prototyper import assets
from prototyper.qt.app import AfterFirstPaint
from prototyper.qt.compare_view import QtCompareView
from prototyper.qt.main_window import MainWindow

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_app(tmp_path: Path, code: str, **extra: str) -> subprocess.CompletedProcess:
    """``code`` run in a new process, offscreen, its settings and caches under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "PROTOTYPER_"))}
    env.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PROTOTYPER_CACHE_DIR=str(tmp_path / "cache"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]),
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# Records every module imported by the time the app quits (right after its first paint).
_CHILD = """
import atexit, json, sys
atexit.register(lambda: print("MODULES " + json.dumps(sorted(sys.modules)), flush=True))
from prototyper.cli import main
sys.exit(main([]))
"""

# What the first window on the default preset must not import: the ML stack (a described
# model needs none of it; its normal CDF is computed without scipy), the schema checker, and
# the modules of tabs and dialogs that are made when first used.
NOT_AT_START = (
    "scipy",
    "sklearn",
    "skops",
    "joblib",
    "jsonschema",
    "prototyper.qt.compare_view",
    "prototyper.qt.optimize_dialog",
    "prototyper.qt.report_export",
    "prototyper.core.evaluation.compare",
    "prototyper.core.evaluation.html_report",
)


def test_the_first_window_imports_only_what_it_shows(tmp_path):
    proc = run_app(tmp_path, _CHILD, PROTOTYPER_QUIT_AFTER_FIRST_PAINT="1")
    assert proc.returncode == 0, proc.stderr
    assert "first-paint" in proc.stdout  # the window was shown and painted
    line = next(x for x in proc.stdout.splitlines() if x.startswith("MODULES "))
    modules = json.loads(line.removeprefix("MODULES "))
    assert "prototyper.qt.main_window" in modules  # the check would notice a window
    loaded = [m for m in modules if m.split(".")[0] in NOT_AT_START or m in NOT_AT_START]
    assert loaded == []


def test_the_compare_tab_is_made_when_first_shown_in_its_place(make_window):
    window = make_window()
    tabs = window.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    index = titles.index("Compare")
    assert not isinstance(tabs.widget(index), QtCompareView)  # not made yet
    shown: list[int] = []
    tabs.currentChanged.connect(shown.append)
    tabs.setCurrentIndex(index)
    view = tabs.widget(index)
    assert isinstance(view, QtCompareView)
    assert tabs.currentWidget() is view and tabs.currentIndex() == index
    assert window.compare_view is view  # the same view, made once
    assert [tabs.tabText(i) for i in range(tabs.count())] == titles
    assert shown == [index]  # one change of tab, as for any tab


def test_the_compare_view_used_before_its_tab_is_shown_is_made_in_its_place(make_window):
    window = make_window()
    tabs = window.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    current = tabs.currentWidget()
    view = window.compare_view
    assert isinstance(view, QtCompareView)
    assert tabs.widget(titles.index("Compare")) is view
    assert tabs.currentWidget() is current  # the tab on screen stays
    assert [tabs.tabText(i) for i in range(tabs.count())] == titles


def test_the_tabs_keep_their_minimum_size_before_the_compare_view_is_made(make_window):
    # The tabs' minimum (the largest of their pages') keeps the plots from being squeezed
    # by the goal cards in a small window: a stand-in must not lower it.
    window = make_window()
    before = window.tabs.minimumSizeHint()
    window.compare_view  # noqa: B018 - made on first use
    assert window.tabs.minimumSizeHint() == before


@pytest.fixture
def open_window(qtbot, tmp_path):
    """``open_window(preset, plots_after_paint)``: a window with its settings and recovery
    files under ``tmp_path`` that answers Yes to every question (a real model's types)."""
    made: list[MainWindow] = []

    def make(preset: Path, plots_after_paint: bool) -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(
            preset,
            settings=settings,
            recovery_dir=tmp_path / "recovery",
            plots_after_paint=plots_after_paint,
        )
        window.ask = lambda title, text, buttons, default: QMessageBox.StandardButton.Yes
        window.tell = lambda title, text: None
        qtbot.addWidget(window)
        window.resize(1400, 900)
        made.append(window)
        return window

    yield make
    for window in made:
        window.model_loader.wait()
        window.document.undo_stack.setClean()
        window.simulation.shutdown()


def _drawn(window: MainWindow) -> list[list[bytes]]:
    """The data of every curve in the four plots of the Today tab, bit for bit."""
    plots = (window.score_plot, window.value_plot, window.outcome_plot.plot, window.roc_plot)
    drawn = []
    for plot in plots:
        items = plot.getPlotItem().listDataItems()
        drawn.append(
            [np.asarray(a, dtype=float).tobytes() for item in items for a in item.getData()]
        )
    return drawn


@pytest.mark.parametrize("preset", assets.bundled_presets(), ids=lambda p: p.stem)
def test_the_window_is_painted_first_and_its_plots_drawn_right_after(open_window, qtbot, preset):
    eager = open_window(preset, plots_after_paint=False)
    window = open_window(preset, plots_after_paint=True)
    assert eager.document.ready
    assert not window.document.ready  # the plots wait for the first paint...
    assert _drawn(window) != _drawn(eager)
    # ...the goals do not: their figures are there at the first paint (no jump after it)
    assert window.goals.text() == eager.goals.text()
    assert window.goals.sizeHint() == eager.goals.sizeHint()
    AfterFirstPaint(window.document.wait_ready, parent=window)  # as the app does
    with qtbot.waitSignal(window.document.changed):
        window.show()
    assert window.document.ready
    assert _drawn(window) == _drawn(eager)


def test_wait_ready_draws_the_plots_at_once_and_only_once(open_window):
    window = open_window(assets.preset_path("safe_browsing"), plots_after_paint=True)
    announced = []
    window.document.changed.connect(announced.append)
    window.document.wait_ready()
    window.document.wait_ready()
    assert announced == [window.document.analysis]
    eager = open_window(assets.preset_path("safe_browsing"), plots_after_paint=False)
    assert _drawn(window) == _drawn(eager)


def test_a_change_before_the_first_paint_draws_the_plots(open_window):
    window = open_window(assets.preset_path("safe_browsing"), plots_after_paint=True)
    assert window.document.set_value("experience.modes.prompt.forcefulness", 0.5)
    assert window.document.ready
    eager = open_window(assets.preset_path("safe_browsing"), plots_after_paint=False)
    eager.document.set_value("experience.modes.prompt.forcefulness", 0.5)
    assert _drawn(window) == _drawn(eager)


# The app closed by its user (a timer closes the window once the event loop runs).
_CLOSED = """
import atexit, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from prototyper.qt import app
from prototyper.qt.main_window import MainWindow
atexit.register(lambda: print("exit handlers ran", flush=True))
qapp = QApplication(sys.argv[:1])
def close():
    for window in qapp.topLevelWidgets():
        if isinstance(window, MainWindow):
            window.resize(700, 600)
            print("closed at", bytes(window.saveGeometry().toHex()).decode(), flush=True)
            window.close()
QTimer.singleShot(0, close)
code = app.run()
print("back from run", code, flush=True)
"""


def test_the_app_leaves_at_once_with_its_settings_written_and_exit_handlers_run(tmp_path):
    proc = run_app(tmp_path, _CLOSED)
    assert proc.returncode == 0, proc.stderr
    assert "exit handlers ran" in proc.stdout.splitlines()
    assert "back from run" not in proc.stdout  # left without tearing everything down...
    settings = QSettings(
        str(tmp_path / "config" / "prototyper" / "prototyper.conf"), QSettings.Format.IniFormat
    )
    settings.beginGroup("window")
    geometry = settings.value("geometry")
    assert geometry is not None  # ...with the window's layout stored for the next start
    closed_at = next(x for x in proc.stdout.splitlines() if x.startswith("closed at "))
    assert bytes(geometry.toHex()).decode() == closed_at.removeprefix("closed at ")
