"""Start-up: what the window's first paint needs, and the tabs made when first shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from prototyper.qt.compare_view import QtCompareView

REPO_ROOT = Path(__file__).resolve().parents[2]

# Records every module imported by the time the app quits (right after its first paint).
_CHILD = """
import atexit, json, sys
atexit.register(lambda: print("MODULES " + json.dumps(sorted(sys.modules)), flush=True))
from prototyper.cli import main
sys.exit(main([]))
"""

# What the first window on the default preset must not import: the ML stack (a described
# model needs none of it), the schema checker, and the modules of tabs and dialogs that are
# made when first used.
NOT_AT_START = (
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
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "PROTOTYPER_"))}
    env.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PROTOTYPER_CACHE_DIR=str(tmp_path / "cache"),
        PROTOTYPER_QUIT_AFTER_FIRST_PAINT="1",
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]),
    )
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
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
