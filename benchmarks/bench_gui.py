"""Speed of the window, as medians and ratios to baselines measured in the same run.

    .venv/bin/python benchmarks/bench_gui.py [--quick] [--json] [--drag | --startup | --profile]

1. Time from a slider's value change to the finished repaint of every plot and card (the real
   widgets, offscreen), next to the frame budget (16 ms) and to a repaint with no change: on
   the safe-browsing preset, and on its real-model twin with a 100,000-row evaluation set
   (generated as in bench_models.py). Also a threshold dragged on the score plot. A drag's
   steps are drafts (see Document.drafting): the release row is the exact frame after it.
2. Time from process start to the first painted window, next to the floor: an empty window
   with one pyqtgraph plot, started the same way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from results import json_output, record, section

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FLOOR_APP = """
import time
started = time.perf_counter()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph as pg
app = QApplication([])
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            app.removeEventFilter(self)
            QTimer.singleShot(0, self.report)
        return False
    def report(self):
        print(f"first-paint {time.perf_counter() - started:.4f}", flush=True)
        app.quit()
first_paint = FirstPaint()
app.installEventFilter(first_paint)
window.show()
app.exec()
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def row(name: str, times: list[float], baseline: float, note: str = "") -> str:
    med = statistics.median(times)
    record(name, seconds=med, p95=percentile(times, 0.95), floor=baseline, n=len(times))
    return (
        f"| {name:46} | {med * 1e3:8.2f} ms | {percentile(times, 0.95) * 1e3:8.2f} ms "
        f"| {len(times):3} | {med / baseline:6.2f}x | {note}"
    )


def header(title: str) -> None:
    section(title)
    print(f"\n{title}")
    print(f"| {'what':46} | {'median':>11} | {'p95':>11} | {'n':>3} | {'ratio':>7} | note")
    print(f"|{'-' * 48}|{'-' * 13}|{'-' * 13}|{'-' * 5}|{'-' * 9}|------")


def model_preset(folder: Path, rows: int = 100_000) -> Path:
    """safe_browsing_model with ``rows`` fresh evaluation rows (a copy of the shipped model)."""
    import dataclasses

    from prototyper import assets
    from prototyper.core.model import model_build
    from prototyper.core.preset.preset_io import dumps_preset, load_preset

    spec = dataclasses.replace(model_build.SPECS["phishing_url"], eval_rows=rows, seed=7_000_000)
    lines, _, _ = model_build.dataset(spec, 1)
    (folder / "eval.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(assets.asset_dir("models") / "phishing_url" / "model.skops", folder)
    preset = load_preset(assets.preset_path("safe_browsing_model"))
    model = dataclasses.replace(preset.model, model="model.skops", data="eval.csv")
    path = folder / "model_preset.yaml"
    path.write_text(dumps_preset(dataclasses.replace(preset, model=model)), encoding="utf-8")
    return path


def open_window(preset: Path):
    """The main window on ``preset``, shown at 1600x1000, with scratch settings."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from prototyper.core.model import normal
    from prototyper.qt.app import install_gc_guard
    from prototyper.qt.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    install_gc_guard()  # as in the app: garbage is collected in this thread only
    normal.load_compiled()  # as the app does after its first paint, before any drag
    scratch = Path(tempfile.mkdtemp())
    settings = QSettings(str(scratch / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(preset, settings=settings, recovery_dir=scratch / "r")
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    return window


def repainter(views: list) -> Callable[[], None]:
    """Pending events handled, then ``views`` repainted at once: one finished frame."""
    from PySide6.QtWidgets import QApplication

    def repaint_all() -> None:
        QApplication.processEvents()
        for view in views:
            view.repaint()

    return repaint_all


def idle_repaints(repaint_all: Callable[[], None], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        repaint_all()
        times.append(time.perf_counter() - start)
    return times


def drag_steps(window, slider, repaint_all, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU times of ``runs`` steps of ``slider`` dragged (its handle held)."""
    drag_throttle = window.design_panel._commit_drag
    wall, cpu_times = [], []
    slider.setSliderDown(True)
    for i in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        slider.setValue(0.2 + 0.6 * (i % 50) / 50)
        drag_throttle.flush()  # the throttle would hold the step until the next frame
        repaint_all()
        wall.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu)
    return wall, cpu_times


def bench_slider(preset: Path | None = None, title: str = "safe browsing", runs: int = 120) -> None:
    from prototyper import assets

    window = open_window(preset or assets.preset_path("safe_browsing"))
    repaint_all = repainter(
        [window.score_plot, window.value_plot, window.outcome_plot, window.roc_plot, window.goals]
    )
    slider = window.design_panel.control("experience.modes.prompt.forcefulness")
    idle = idle_repaints(repaint_all, runs)
    changed, changed_cpu = [], []
    for i in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        slider.setValue(0.2 + 0.6 * (i % 50) / 50)  # what a drag does, step by step
        repaint_all()
        changed.append(time.perf_counter() - start)
        changed_cpu.append(time.process_time() - cpu)
    # The same slider dragged (the mouse holds its handle): each step is a move of the mouse.
    slid, slid_cpu = drag_steps(window, slider, repaint_all, runs)
    start = time.perf_counter()
    slider.setSliderDown(False)  # released: the exact figures
    repaint_all()
    release = [time.perf_counter() - start]
    # A threshold line dragged on the score plot: each step is a move of the mouse.
    line = window.score_plot.threshold_lines[1]
    x0 = line.value()
    dragged, dragged_cpu = [], []
    line.moving = True  # as pyqtgraph marks a line under the mouse
    for i in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        line.setValue(x0 - 0.5 + (i % 50) / 50)
        window.score_plot._push.flush()  # the throttle would hold the step until the next frame
        repaint_all()
        dragged.append(time.perf_counter() - start)
        dragged_cpu.append(time.process_time() - cpu)
    line.moving = False
    start = time.perf_counter()
    line.sigPositionChangeFinished.emit(line)
    repaint_all()
    line_release = [time.perf_counter() - start]
    window.document.undo_stack.setClean()
    base = statistics.median(idle)
    header(f"Change to finished repaint of every plot and card ({title})")
    print(row("repaint with no change (baseline)", idle, base))
    print(row("slider step: recompute + update + repaint", changed, base))
    print(row("  the same, against the 16 ms frame", changed, 0.016, "ratio to one frame"))
    # CPU time too: on a shared machine the wall clock also counts other processes' turns.
    print(row("  the same, CPU time", changed_cpu, 0.016, "ratio to one frame"))
    print(row("slider drag step (mouse down)", slid, base))
    print(row("  the same, against the 16 ms frame", slid, 0.016, "ratio to one frame"))
    print(row("  the same, CPU time", slid_cpu, 0.016, "ratio to one frame"))
    print(row("  release: exact sweeps + repaint", release, 0.016, "ratio to one frame"))
    print(row("threshold drag step on the score plot", dragged, base))
    print(row("  the same, against the 16 ms frame", dragged, 0.016, "ratio to one frame"))
    print(row("  the same, CPU time", dragged_cpu, 0.016, "ratio to one frame"))
    print(row("  release: exact figures + repaint", line_release, 0.016, "ratio to one frame"))
    window.close()


def profile_drag(runs: int = 120, top: int = 30) -> None:
    """The slider drag of bench_slider under cProfile (safe browsing): where a step's time
    goes, the project's functions by cumulative time, per step."""
    import cProfile
    import pstats

    from prototyper import assets

    window = open_window(assets.preset_path("safe_browsing"))
    repaint_all = repainter(
        [window.score_plot, window.value_plot, window.outcome_plot, window.roc_plot, window.goals]
    )
    slider = window.design_panel.control("experience.modes.prompt.forcefulness")
    drag_steps(window, slider, repaint_all, 10)  # warm: caches and pools filled
    profiler = cProfile.Profile()
    profiler.enable()
    drag_steps(window, slider, repaint_all, runs)
    profiler.disable()
    slider.setSliderDown(False)
    window.document.undo_stack.setClean()
    window.close()
    stats = pstats.Stats(profiler, stream=sys.stderr)
    print(f"\nslider drag, {runs} steps under cProfile (divide the times by {runs}):")
    stats.sort_stats("cumulative").print_stats(r"prototyper|GraphicsView.py.*paintEvent", top)


def bench_pins(runs: int = 120) -> None:
    """Slider steps with four designs pinned and the Compare tab in front."""
    from PySide6.QtWidgets import QApplication

    from prototyper import assets

    window = open_window(assets.preset_path("safe_browsing"))
    slider = window.design_panel.control("experience.modes.prompt.forcefulness")
    for value in (0.3, 0.5, 0.7, 0.9):  # four designs, pinned as snapshots
        slider.setValue(value)
        window.pin_design()
    window.tabs.setCurrentWidget(window.compare_view)
    QApplication.processEvents()
    repaint_all = repainter([window.compare_view, window.goals])
    idle = idle_repaints(repaint_all, runs)
    slid, slid_cpu = drag_steps(window, slider, repaint_all, runs)
    slider.setSliderDown(False)
    window.document.undo_stack.setClean()
    base = statistics.median(idle)
    header("Change to finished repaint, four designs pinned, the Compare tab in front")
    print(row("repaint with no change (baseline)", idle, base))
    print(row("slider drag step (mouse down)", slid, base))
    print(row("  the same, against the 16 ms frame", slid, 0.016, "ratio to one frame"))
    print(row("  the same, CPU time", slid_cpu, 0.016, "ratio to one frame"))
    window.close()


def first_paint(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60).stdout
    wall = time.perf_counter() - start
    if "first-paint" not in out:
        raise RuntimeError(f"no first paint reported by {args}: {out!r}")
    return wall


def bench_startup(runs: int = 7) -> None:
    scratch = tempfile.mkdtemp()
    # Bytecode cached as in any install: compiling the sources is not what is measured.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {
        **env,
        "PROTOTYPER_QUIT_AFTER_FIRST_PAINT": "1",
        "XDG_CONFIG_HOME": scratch,
        "XDG_DATA_HOME": scratch,
        "XDG_CACHE_HOME": scratch,
        "PROTOTYPER_CACHE_DIR": scratch,
    }
    first_paint([sys.executable, "-m", "prototyper"], env)  # warm-up: bytecode written
    floor, app = [], []
    for _ in range(runs):  # interleaved: a busy spell on the machine slows both alike
        floor.append(first_paint([sys.executable, "-c", FLOOR_APP], env))
        app.append(first_paint([sys.executable, "-m", "prototyper"], env))
    header("Process start to first painted window (wall clock, offscreen)")
    base = statistics.median(floor)
    print(row("empty window with one plot (the floor)", floor, base))
    print(row("prototyper on the safe-browsing preset", app, base))


if __name__ == "__main__":
    from prototyper import assets

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 slider steps, 3 starts")
    parser.add_argument("--json", action="store_true", help="tables on stderr, JSON on stdout")
    parser.add_argument("--drag", action="store_true", help="the drag benchmarks alone")
    parser.add_argument("--startup", action="store_true", help="the start-up benchmark alone")
    parser.add_argument("--profile", action="store_true", help="a slider drag under cProfile")
    args = parser.parse_args()
    runs = 30 if args.quick else 120
    if args.profile:
        profile_drag(runs)
        sys.exit(0)
    with json_output(args.json):
        if not args.startup:
            bench_slider(assets.preset_path("safe_browsing"), "safe browsing", runs)
            bench_slider(model_preset(Path(tempfile.mkdtemp())), "real model, 100,000 rows", runs)
            bench_pins(runs)
        if not args.drag:
            bench_startup(3 if args.quick else 7)
