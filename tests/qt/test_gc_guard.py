"""Every entry point that builds widgets installs the main-thread garbage-collection guard:
automatic collection off, pyqtgraph's collector running on a timer in the GUI thread."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Each script reaches its entry point's setup, then prints whether the guard is in force.
_REPORT = "print('guard', __import__('prototyper.qt.app').qt.app.gc_guard_active(), flush=True)"

ENTRY_POINTS = {
    "app": f"""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from prototyper.qt import app
        qapp = QApplication([])
        def report():
            {_REPORT}
            for window in qapp.topLevelWidgets():
                window.close()
            qapp.quit()
        QTimer.singleShot(0, report)  # runs inside the app's event loop
        raise SystemExit(app.run())
    """,
    "screenshots": f"""
        import sys
        from prototyper import assets
        from prototyper.qt import screenshots
        first = assets.bundled_presets()[0]
        assets.bundled_presets = lambda: [first]  # one window is enough
        screenshots.render_all(__import__("pathlib").Path(sys.argv[1]))
        {_REPORT}
    """,
    "bench_gui": f"""
        import sys
        sys.path.insert(0, "benchmarks")
        import bench_gui
        bench_gui.bench_slider(runs=1)
        {_REPORT}
    """,
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_entry_point_installs_the_gc_guard(entry, tmp_path):
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "TMPDIR": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    script = textwrap.dedent(ENTRY_POINTS[entry])
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "shots")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "guard True" in done.stdout.splitlines(), (done.stdout, done.stderr[-2000:])


def test_the_guard_turns_automatic_collection_off(qapp):
    import gc

    from prototyper.qt.app import gc_guard_active, install_gc_guard

    gc.enable()  # the suite's fixture turned it off; the guard must do it itself
    guard = install_gc_guard()
    assert not gc.isenabled()
    assert guard.timer.isActive()
    assert gc_guard_active()
    assert install_gc_guard() is guard  # once per process
