"""The Sensitivity tab: the command line's tornado, break-even, PSA and EVPPI numbers,
computed in the background with progress and Cancel, stale once the design changes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from prototyper import assets, cli
from prototyper.core.format import money
from prototyper.core.preset.preset_io import load_preset
from prototyper.qt.document import Document
from prototyper.qt.sensitivity_view import QtSensitivityView, SensitivityController

NAME = "safe_browsing"  # a preset with an uncertainty section
WAIT_MS = 120_000


def make_view(qtbot, name: str = NAME) -> QtSensitivityView:
    document = Document(load_preset(assets.preset_path(name)))
    controller = SensitivityController(document)
    view = QtSensitivityView(controller)
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    return view


def analysed(qtbot, view: QtSensitivityView) -> None:
    view.analyse_button.click()
    qtbot.waitUntil(lambda: not view.controller.running, timeout=WAIT_MS)
    assert view.controller.result is not None


def cli_document(capsys, *args: str) -> dict:
    assert cli.main(["sensitivity", NAME, "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def table_rows(table) -> list[list[str]]:
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_the_view_shows_the_command_lines_numbers(qtbot, capsys):
    view = make_view(qtbot)
    analysed(qtbot, view)
    doc = cli_document(capsys)
    report = view.controller.result
    assert report is not None and not view.controller.stale
    # The tornado: a row per input, the widest swing on top, each bar from the design's value
    # to the input's low or high end.
    inputs = doc["tornado"]["inputs"]
    assert len(inputs) > 1
    assert view.tornado.input_axis.labels == [i["label"] for i in inputs]
    base = doc["tornado"]["base"]
    assert view.tornado.base_line.value() == pytest.approx(base, rel=1e-12)
    for bars, key in (
        (view.tornado.low_bars, "value_at_low"),
        (view.tornado.high_bars, "value_at_high"),
    ):
        x0, x1 = np.asarray(bars.opts["x0"]), np.asarray(bars.opts["x1"])
        ends = np.where(np.isclose(x0, base, rtol=1e-12), x1, x0)
        assert ends == pytest.approx([i[key] for i in inputs], rel=1e-12)
    # The break-even of each input, in the tornado's order.
    rows = table_rows(view.break_even_table)
    assert [r[0] for r in rows] == [i["label"] for i in inputs]
    assert [r[3] for r in rows] == [e["message"] for e in doc["break_even"]]
    # The PSA: the same draws give the same mean, interval and chance of adding value.
    (design,) = doc["psa"]["designs"]
    psa = report.psa.designs[0]
    assert psa.mean == pytest.approx(design["mean"], rel=1e-12)
    assert [psa.low, psa.high] == pytest.approx(design["interval_90"], rel=1e-12)
    assert psa.p_adds_value == design["p_adds_value"]
    assert f"{design['p_adds_value'] * 100:.1f}%" in view.psa_label.text()
    assert view.histogram.interval.getRegion() == pytest.approx(design["interval_90"])
    assert int(view.histogram.curve.getData()[1].sum()) == doc["psa"]["draws"]
    # EVPPI: which assumption to study first.
    currency = doc["currency"]
    expected = [[i["label"], money(i["value"], currency)] for i in doc["evppi"]["inputs"]]
    assert table_rows(view.evppi_table) == expected
    assert money(doc["evppi"]["evpi"], currency) in view.evppi_label.text()


def test_changing_the_seed_changes_the_numbers_to_the_command_lines(qtbot, capsys):
    view = make_view(qtbot)
    analysed(qtbot, view)
    first = view.controller.result.psa.designs[0].mean
    view.seed_box.setValue(7)
    assert view.controller.stale and "again" in view.status.text()
    analysed(qtbot, view)
    doc = cli_document(capsys, "--seed", "7")
    mean = view.controller.result.psa.designs[0].mean
    assert mean == pytest.approx(doc["psa"]["designs"][0]["mean"], rel=1e-12)
    assert mean != first


def test_a_design_change_makes_the_result_stale(qtbot):
    view = make_view(qtbot)
    analysed(qtbot, view)
    before = view.controller.result
    view.controller._document.set_value("experience.bands[1].threshold", 0.2)
    assert view.controller.stale and view.controller.result is before
    assert "changed" in view.status.text()
    view.controller._document.undo_stack.undo()
    assert not view.controller.stale


def test_cancel_stops_the_run_and_shows_no_partial_result(qtbot):
    view = make_view(qtbot)
    view.draws_box.setValue(1_000_000)
    progress: list[float] = []
    view.controller.progressed.connect(progress.append)
    view.analyse_button.click()
    assert view.controller.running and view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: any(0 < p < 1 for p in progress), timeout=WAIT_MS)
    view.cancel_button.click()
    assert not view.controller.running and view.analyse_button.isEnabled()
    assert view.controller.result is None and "Cancelled" in view.status.text()
    assert view.controller.wait_idle(WAIT_MS)  # the run really stopped
    assert view.controller.result is None
    assert view.tornado.input_axis.labels == []
