"""The simulation over time in the window: the worker, the Over-time tab, the horizon figures
on the goals dashboard, stale results, cancel, and the same numbers as the core and the CLI."""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QMessageBox

from prototyper import assets, cli
from prototyper.core.format import money
from prototyper.core.simulation.results import Cancelled
from prototyper.core.simulation.simulate import simulate
from prototyper.core.simulation.summary import all_series, feedback_series, population_note
from prototyper.qt import simulation as simulation_module
from prototyper.qt.goals import STALE_COLOR
from prototyper.qt.plots.time_panels import BAND_ALPHA, FEEDBACK, ORDER, ORDER_WITH_FEEDBACK
from prototyper.qt.simulation import (
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    SimulationSettings,
)
from prototyper.qt.theme import CURRENT_COLOR

Button = QMessageBox.StandardButton
SMALL = SimulationSettings(seed=7, replications=5, users=200)
RUN_MS = 30_000


@pytest.fixture
def make_window(make_window):
    """The shared window on a short horizon with small simulation settings; questions are
    answered Discard."""

    def make(name="fall_detection", horizon=30, settings=SMALL):
        window = make_window(assets.preset_path(name), answer=Button.Discard)
        if horizon is not None:
            assert window.document.set_value("scenario.horizon_days", horizon)
        window.simulation.set_settings(settings)
        return window

    return make


@pytest.fixture
def gate(monkeypatch):
    """Park every run after its first progress report above 0 until ``gate.open()``; what
    became of each run is in ``gate.outcomes`` ("done" or "cancelled")."""

    real = simulation_module.simulate

    class Gate:
        def __init__(self):
            self.event = threading.Event()
            self.reports: list[float] = []
            self.outcomes: list[str] = []

        def open(self):
            self.event.set()

        @property
        def parked(self):
            return any(f > 0 for f in self.reports) and not self.event.is_set()

    g = Gate()

    def gated(preset, **kw):
        progress = kw.pop("progress")

        def report(fraction):
            progress(fraction)
            g.reports.append(fraction)
            if fraction > 0:
                g.event.wait(10)

        try:
            sim = real(preset, progress=report, **kw)
        except Cancelled:
            g.outcomes.append("cancelled")
            raise
        g.outcomes.append("done")
        return sim

    monkeypatch.setattr(simulation_module, "simulate", gated)
    yield g
    g.open()


def run(qtbot, window):
    with qtbot.waitSignal(window.simulation.finished, timeout=RUN_MS):
        window.simulate()
    return window.simulation.result


def same(a, b) -> bool:
    return np.array_equal(np.asarray(a, float), np.asarray(b, float), equal_nan=True)


def curve(item):
    return item.getData()  # (x, y) of a PlotDataItem or PlotCurveItem


def assert_panels_show(window, sim):
    panels = window.time_plots.panels
    for key, line_index, series_key in (
        ("value_added", 0, "value_added"),
        ("cumulative", 0, "cumulative_value_added"),
        ("active_users", 0, "active_users"),
        ("interactions", 0, "interactions"),
        ("response", 0, "acts_when_right"),
        ("response", 2, "habituation"),
        ("events", 0, "demotions"),
        ("events", 1, "guardrail_activations"),
        ("labels", 0, "cumulative_labels"),
        ("auc", 0, "auc"),
    ):
        band = panels[key].bands[line_index]
        series = sim.series[series_key]
        x, y = curve(band.mean)
        assert same(x, sim.days) and same(y, series.mean), key
        ok = np.isfinite(series.p5) & np.isfinite(series.p95)
        assert same(curve(band.low)[1], series.p5[ok]), key
        assert same(curve(band.high)[1], series.p95[ok]), key


# --- runs, results, same numbers everywhere ---------------------------------------------


def test_a_run_shows_the_core_series_and_the_horizon_figures(qtbot, make_window):
    window = make_window()
    assert window.time_plots.stack.currentIndex() == 0  # nothing simulated yet
    assert not window.goals.horizon.isVisibleTo(window.goals)
    sim = run(qtbot, window)

    assert window.tabs.currentWidget() is window.time_plots
    assert (sim.seed, sim.replications, sim.users, len(sim.days)) == (7, 5, 200, 30)
    direct = simulate(window.document.preset, seed=7, replications=5, users=200)
    for key, series in all_series(direct).items():
        for q in ("mean", "p5", "p95"):
            assert same(getattr(sim.series[key], q), getattr(series, q)), (key, q)
    assert_panels_show(window, sim)
    assert window.time_plots.stack.currentIndex() == 1
    assert not window.time_plots.stale_label.isVisibleTo(window.time_plots)
    info = window.time_plots.info_label.text()
    assert "seed 7" in info and "5 replications" in info and population_note(sim) in info

    text = window.goals.text()
    net = sim.summary["net_value"]
    assert "OVER 30 DAYS" in text
    assert money(net.mean)[:-1] in text  # the goals drop ".00"
    assert "seed 7, 5 replications, 200 users simulated" in text
    assert "still active on day 30" in text and "stale" not in text
    assert "Simulated in" in window.simulation_status.outcome_label.text()


def test_the_gui_gives_the_cli_numbers(qtbot, make_window, capsys):
    parsed = cli.build_parser().parse_args(["simulate", "fall_detection"])
    assert (parsed.seed, parsed.replications, parsed.users) == (
        DEFAULT_SEED,
        DEFAULT_REPLICATIONS,
        None,
    )
    assert SimulationSettings() == SimulationSettings(DEFAULT_SEED, DEFAULT_REPLICATIONS, None)

    window = make_window()
    sim = run(qtbot, window)
    code = cli.main(
        [
            "simulate",
            "fall_detection",
            "--seed=7",
            "--replications=5",
            "--users=200",
            "--set",
            "scenario.horizon_days=30",
            "--json",
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["days"] == 30 and doc["seed"] == 7
    for key, series in doc["series"].items():
        for q in ("mean", "p5", "p95"):
            cli_values = [math.nan if v is None else v for v in series[q]]
            assert same(getattr(sim.series[key], q), cli_values), (key, q)
    assert doc["summary"]["net_value"]["mean"] == sim.summary["net_value"].mean


def test_progress_rises_from_0_to_1_while_the_bar_shows(qtbot, make_window):
    window = make_window()
    seen, bar = [], []
    window.simulation.progressed.connect(seen.append)
    window.simulation.progressed.connect(
        lambda _: bar.append(window.simulation_status.progress_bar.isVisibleTo(window))
    )
    with qtbot.waitSignal(window.simulation.finished, timeout=RUN_MS):
        window.time_plots.empty_button.click()  # the button of the empty tab
    assert len(seen) >= 3
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(b >= a for a, b in zip(seen, seen[1:], strict=False))
    assert all(bar)
    assert not window.simulation_status.progress_bar.isVisibleTo(window)
    assert not window.simulation.running


# --- cancel, restart, edits during a run ------------------------------------------------


def test_cancel_keeps_the_last_complete_result_and_the_window_responds(qtbot, make_window, gate):
    window = make_window()
    gate.open()
    first = run(qtbot, window)
    gate.event.clear()
    gate.reports.clear()

    ticks = []
    timer = QTimer(interval=5)

    def tick():  # on the GUI thread, while the worker is parked mid-run
        ticks.append(window.simulation.running)
        if gate.parked:
            window.simulation_status.cancel_button.click()
            gate.open()

    timer.timeout.connect(tick)
    timer.start()
    window.simulation.set_settings(SimulationSettings(seed=8, replications=5, users=200))
    with qtbot.waitSignal(window.simulation.cancelled, timeout=RUN_MS):
        window.simulate()
        assert window.simulation.running
        assert window.simulation_status.progress_bar.isVisibleTo(window)
    timer.stop()
    assert window.simulation.wait_idle()
    qtbot.wait(20)  # anything the cancelled run still reports arrives, and is ignored

    assert any(ticks)  # the timer fired during the run
    assert gate.outcomes == ["done", "cancelled"]  # the worker really stopped
    assert window.simulation.result is first
    assert not window.simulation.running
    assert_panels_show(window, first)
    assert window.simulation.stale  # the seed changed since
    assert "Simulation cancelled" in window.simulation_status.outcome_label.text()
    assert not window.simulation_status.progress_bar.isVisibleTo(window)
    # Still usable: an edit, and a new run.
    assert window.document.set_value("experience.bands[0].threshold", 0.01)
    gate.open()
    second = run(qtbot, window)
    assert second is not first and second.seed == 8 and not window.simulation.stale


def test_simulating_again_cancels_the_run_in_progress(qtbot, make_window, gate):
    window = make_window()
    finished = []
    window.simulation.finished.connect(finished.append)
    window.simulate()
    qtbot.waitUntil(lambda: gate.parked, timeout=RUN_MS)
    window.simulation.set_settings(SimulationSettings(seed=9, replications=5, users=200))
    window.simulate()  # cancels the parked run, queues the new one behind it
    assert window.simulation.running
    gate.open()
    qtbot.waitUntil(lambda: bool(finished), timeout=RUN_MS)
    assert window.simulation.wait_idle()
    qtbot.wait(20)
    assert gate.outcomes == ["cancelled", "done"]
    assert [s.seed for s in finished] == [9]
    assert window.simulation.result is finished[0] and not window.simulation.stale


def test_an_edit_during_a_run_makes_its_result_stale_at_once(qtbot, make_window, gate):
    window = make_window()
    window.simulate()
    qtbot.waitUntil(lambda: gate.parked, timeout=RUN_MS)
    assert window.document.set_value("experience.modes.prompt.forcefulness", 0.9)  # editable
    with qtbot.waitSignal(window.simulation.finished, timeout=RUN_MS):
        gate.open()
    assert window.simulation.stale
    assert window.time_plots.stale_label.isVisibleTo(window.time_plots)
    assert "stale — press Simulate" in window.goals.text()


def test_closing_the_window_stops_the_run(qtbot, make_window, gate):
    window = make_window()
    assert window.simulate_action.shortcut().toString() == "Ctrl+R"
    window.simulate_action.trigger()
    qtbot.waitUntil(lambda: gate.parked, timeout=RUN_MS)
    threading.Timer(0.05, gate.open).start()  # while close() waits for the worker
    window.close()
    assert not window.isVisible()
    assert window.simulation.wait_idle(0)  # already stopped: close() waited
    assert gate.outcomes == ["cancelled"]
    assert not window.simulation.running and window.simulation.result is None


# --- stale results ------------------------------------------------------------------------


def test_a_change_marks_the_result_stale_and_a_new_run_clears_it(qtbot, make_window):
    window = make_window()
    plots, goals = window.time_plots, window.goals
    first = run(qtbot, window)
    assert not window.simulation.stale

    window.document.set_value("notes", "what we tried")  # not a parameter
    assert not window.simulation.stale

    window.document.set_value("experience.bands[0].threshold", 0.01)
    assert window.simulation.stale
    assert plots.stale_label.isVisibleTo(plots)
    assert "press Simulate" in plots.stale_label.text()
    assert all(plots.panels[k].plot_item.opacity() < 1 for k in ORDER)
    assert "stale — press Simulate (Ctrl+R)" in goals.text()
    assert {f.color for f in goals.horizon.figures} == {STALE_COLOR}
    assert_panels_show(window, first)  # still there, marked

    window.document.undo_stack.undo()  # back to the simulated design: fresh again
    assert not window.simulation.stale and not plots.stale_label.isVisibleTo(plots)
    window.document.undo_stack.redo()
    assert window.simulation.stale

    second = run(qtbot, window)
    assert second is not first and not window.simulation.stale
    assert not plots.stale_label.isVisibleTo(plots)
    assert all(plots.panels[k].plot_item.opacity() == 1 for k in ORDER)
    assert "stale" not in goals.text()
    assert STALE_COLOR not in {f.color for f in goals.horizon.figures}
    assert_panels_show(window, second)


def test_settings_follow_the_controller_and_back(qtbot, make_window):
    window = make_window()
    plots, controller = window.time_plots, window.simulation
    assert (plots.seed_box.value(), plots.replications_box.value()) == (7, 5)
    assert plots.users_box.value() == 200
    run(qtbot, window)

    plots.seed_box.setValue(11)  # view -> model
    assert controller.settings == SimulationSettings(seed=11, replications=5, users=200)
    assert controller.stale  # another seed gives other numbers
    plots.users_box.setValue(0)
    assert plots.users_box.text() == "auto"
    assert controller.settings.users is None

    controller.set_settings(SimulationSettings())  # model -> view
    assert plots.seed_box.value() == DEFAULT_SEED
    assert plots.replications_box.value() == DEFAULT_REPLICATIONS
    assert plots.users_box.value() == 0


def test_a_run_that_cannot_start_is_told(qtbot, make_window):
    window = make_window(settings=SimulationSettings(replications=100, users=1_000_000))
    assert not window.simulation.start()
    assert window.told and "user slots" in window.told[-1]
    assert not window.simulation.running and window.simulation.result is None


# --- the feedback loop ---------------------------------------------------------------------


def test_the_policing_preset_shows_the_share_of_patrols_per_region(qtbot, make_window):
    window = make_window("predictive_policing", horizon=60)
    plots = window.time_plots
    assert FEEDBACK not in plots._order
    sim = run(qtbot, window)
    assert plots._order == ORDER_WITH_FEEDBACK
    panel = plots.panels[FEEDBACK]
    assert panel.isVisibleTo(plots)
    shares = feedback_series(sim)
    for i, name in enumerate(sim.feedback.regions):
        x, y = curve(panel.region_bands[i].mean)
        assert same(y, shares[f"patrol_share[{name}]"].mean)
    assert panel.truth_lines[0].value() == pytest.approx(0.5)
    assert "without correction" in panel.title_html
    assert "of records in A on day 60 (true share 50.0%)" in window.goals.text()

    window.document.set_value("feedback.correction", True)
    assert run(qtbot, window).preset.feedback.correction
    assert "with correction" in panel.title_html

    window.open_file(assets.preset_path("fall_detection"))  # no feedback loop
    window.document.set_value("scenario.horizon_days", 30)
    run(qtbot, window)
    assert plots._order == ORDER and not panel.isVisibleTo(plots)


# --- what it looks like ---------------------------------------------------------------------


def _has_color_near(image, color: QColor, tolerance: int = 6) -> bool:
    target = (color.red(), color.green(), color.blue())
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            rgb = (c.red(), c.green(), c.blue())
            if all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True)):
                return True
    return False


@pytest.mark.parametrize("name", ["fall_detection", "predictive_policing"])
def test_the_over_time_tab_renders_readably(qtbot, make_window, tmp_path, name):
    window = make_window(name, horizon=None, settings=SimulationSettings(replications=5))
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    run(qtbot, window)
    qtbot.wait(50)
    image = window.time_plots.grab().toImage()
    assert image.save(str(tmp_path / f"{name}_over_time.png"))
    assert window.goals.overflowing() == {}

    for key in window.time_plots._order:
        panel = window.time_plots.panels[key]
        label = panel.title_label
        lines = label.heightForWidth(label.width()) / label.fontMetrics().lineSpacing()
        assert lines < 3.2, (key, label.text())  # two lines of title, no more
        assert panel.plot_widget.height() > 100, key

    # The value added band: the mean's colour blended at BAND_ALPHA over white.
    panel = window.time_plots.panels["value_added"].plot_widget.grab().toImage()
    ink, alpha = QColor(CURRENT_COLOR), BAND_ALPHA / 255
    band = QColor(*(round(c * alpha + 255 * (1 - alpha)) for c in ink.getRgb()[:3]))
    assert _has_color_near(panel, band)
    assert _has_color_near(panel, ink)
