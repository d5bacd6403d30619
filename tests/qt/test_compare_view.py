"""The Compare view: pins are snapshots; the table shows what `prototyper compare` prints."""

from __future__ import annotations

import json

import pytest

from prototyper import assets, cli
from prototyper.core.format import money, percent
from prototyper.core.preset.preset_io import save_preset
from tests.core.small_preset import SMALL

THRESHOLD = "experience.bands[1].threshold"


def compare_json(capsys, *files):
    code = cli.main(["compare", *map(str, files), "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    return json.loads(out)


def pinned(window, name):
    return window.compare_view.pin_design(name)


@pytest.fixture
def two_pins(make_window, preset_copy):
    window = make_window(preset_copy)
    pinned(window, "as shipped")
    window.document.set_value(THRESHOLD, 0.2)
    pinned(window, "prompt from 0.2")
    return window


def test_the_window_shows_the_numbers_of_prototyper_compare(two_pins, tmp_path, capsys):
    view = two_pins.compare_view
    files = []
    for pin in view.pins:  # the two pinned designs, saved as files
        path = tmp_path / f"{pin.name}.yaml"
        save_preset(pin.analysis.preset, path)
        files.append(path)
    expected = compare_json(capsys, *files)
    shown = view.comparison.to_dict()
    assert [r["key"] for r in shown["rows"]] == [r["key"] for r in expected["rows"]]
    assert shown["rows"] == expected["rows"]  # the same figures, to the last bit
    cells = view.cell_texts()
    added = next(r for r in expected["rows"] if r["key"] == "system.value_added")
    assert cells["value added vs. feature off"][:2] == [money(v) for v in added["values"]]
    assert cells["value added vs. feature off"][2].startswith("+$")  # 0.2 adds more
    # the PSA block: the same rows, P(adds more) as the command line's share of draws
    assert [r["key"] for r in shown["rows"] if r["layer"] == "psa"] == [
        "psa.mean",
        "psa.low",
        "psa.high",
        "psa.p_adds_value",
        "psa.p_beats_reference",
    ]
    beats = next(r for r in expected["rows"] if r["key"] == "psa.p_beats_reference")
    assert cells["P(adds more than the reference)"][:2] == [percent(v) for v in beats["values"]]
    assert shown["notes"] == expected["notes"]
    assert "PSA: 2,000 draws" in view.status.text()


def test_a_pin_without_uncertain_inputs_shows_no_psa(make_window):
    window = make_window(assets.preset_path("predictive_policing"))
    view = window.compare_view
    pinned(window, "policing")
    assert "P(adds more than the reference)" not in view.cell_texts()
    assert "No uncertain inputs: no PSA" in view.status.text()
    window.document.set_value("uncertainty", {"scenario.base_rate": {"low": 0.05, "high": 0.2}})
    pinned(window, "uncertain base rate")
    # the base rate's draws move the second design only (the first holds it certain)
    p = view.comparison.row("psa.p_beats_reference").values[1]
    assert p is not None and 0.0 < p < 1.0
    assert view.cell_texts()["P(adds more than the reference)"][:2] == ["0.0%", percent(p)]
    assert "No uncertain inputs" not in view.status.text()


def test_a_pin_is_a_snapshot(two_pins):
    view = two_pins.compare_view
    before = view.comparison.row("system.value_added").values
    two_pins.document.set_value(THRESHOLD, 0.5)  # the window's design moves on...
    assert view.comparison.row("system.value_added").values == before  # ...the pins do not
    assert "snapshot" in view.pin_list.item(0).toolTip()
    # the document's new state is what the next pin shows
    pin = pinned(two_pins, "prompt from 0.5")
    now = two_pins.document.analysis.evaluation.added_per_population_day
    assert view.comparison.row("system.value_added").values[2] == pytest.approx(now)
    assert view.table.horizontalHeaderItem(5).text() == pin.name == "prompt from 0.5"


def test_the_reference_combo_changes_the_differences(two_pins):
    view = two_pins.compare_view
    row = view.comparison.row("system.value_added")
    assert row.differences[0] is None and row.differences[1] > 0
    view.reference.setCurrentIndex(1)  # the widget...
    flipped = view.comparison.row("system.value_added")  # ...changes the numbers
    assert view.comparison.reference == 1
    assert flipped.differences[0] == pytest.approx(-row.differences[1])
    assert view.table.horizontalHeaderItem(4).text() == "prompt from 0.2\n(reference)"
    assert view.table.horizontalHeaderItem(3).text() == "as shipped\nminus prompt from 0.2"
    assert view.cell_texts()["value added vs. feature off"][1].startswith("-$")


def test_renaming_and_removing_pins(two_pins):
    view = two_pins.compare_view
    view.pin_list.item(1).setText("lower warning")  # as a double-click edit does
    assert [p.name for p in view.pins] == ["as shipped", "lower warning"]
    assert view.comparison.names == ("as shipped", "lower warning")
    assert view.reference.itemText(1) == "lower warning"
    view.pin_list.item(1).setText("as shipped")  # a name taken: the old one stays
    assert view.pins[1].name == "lower warning"
    view.pin_list.setCurrentRow(0)
    view.remove_button.click()
    assert [p.name for p in view.pins] == ["lower warning"]
    assert view.comparison.names == ("lower warning",) and view.reference.count() == 1


def test_pin_a_bundled_preset_and_a_file_in_the_background(make_window, tmp_path, qtbot):
    window = make_window()
    other = tmp_path / "small.yaml"
    other.write_text(SMALL, encoding="utf-8")
    window.pin_file(assets.preset_path("fall_detection"))
    qtbot.waitUntil(lambda: len(window.compare_view.pins) == 1, timeout=30_000)
    window.chosen.append(other)  # the file dialog's answer
    window.pin_file()
    qtbot.waitUntil(lambda: len(window.compare_view.pins) == 2, timeout=30_000)
    view = window.compare_view
    assert [p.name for p in view.pins] == ["fall_detection.yaml", "small.yaml"]
    assert window.tabs.currentWidget() is view
    assert [c.name() for c in view.curves.curves] == ["fall_detection.yaml", "small.yaml"]
    assert view.status.text().startswith("Scenarios differ: ")  # two scenarios


def test_a_bad_file_is_one_line_and_pins_nothing(make_window, tmp_path, qtbot):
    window = make_window()
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("auc: 0.8", "auc: 1.4"), encoding="utf-8")
    window.pin_file(bad)
    qtbot.waitUntil(lambda: bool(window.told), timeout=30_000)
    assert window.told == [f"{bad}:7: model.auc: must be in (0.5, 1), got 1.4"]
    assert window.compare_view.pins == []


def test_at_most_four_pins(make_window):
    window = make_window()
    view = window.compare_view
    for k in range(4):
        window.document.set_value(THRESHOLD, 0.1 + 0.1 * k)
        window.pin_design()
    assert [p.name for p in view.pins] == [
        "Safe browsing",
        "Safe browsing (2)",
        "Safe browsing (3)",
        "Safe browsing (4)",
    ]
    assert view.pin_design() is None
    assert window.told == ["At most 4 designs are compared: remove a pin first."]
    assert len(view.pins) == 4 and len(view.curves.curves) == 4
    header = [view.table.horizontalHeaderItem(c).text() for c in range(view.table.columnCount())]
    assert len(header) == 2 + 4 + 3  # figure, unit, four values, three differences


def test_a_real_model_and_a_bundle_pin_with_the_numbers_of_the_command_line(
    make_window, tmp_path, qtbot, capsys
):
    bundle = tmp_path / "shared.zip"
    assert cli.main(["pack", "fall_detection", "-o", str(bundle)]) == 0
    capsys.readouterr()
    window = make_window()
    pins = window.compare_view.pins
    for n, path in enumerate((assets.preset_path("safe_browsing_model"), bundle)):
        window.pin_file(path)
        qtbot.waitUntil(lambda n=n: len(pins) == n + 1 or bool(window.told), timeout=30_000)
    assert window.told == []
    assert [p.name for p in pins] == ["safe_browsing_model.yaml", "shared.zip"]
    expected = compare_json(capsys, "safe_browsing_model", bundle)
    assert window.compare_view.comparison.to_dict()["rows"] == expected["rows"]


def test_reading_a_file_to_pin_can_be_cancelled(make_window, qtbot):
    window = make_window()
    view = window.compare_view
    window.pin_file(assets.preset_path("fall_detection"))
    assert view.busy and view.cancel_button.isVisibleTo(view)
    assert view.loading.text() == "Reading fall_detection.yaml…"
    view.cancel_button.click()
    assert not view.busy and not view.cancel_button.isVisibleTo(view)
    view.wait()
    qtbot.wait(50)  # the cancelled run's result, had it come, would be dropped by now
    assert view.pins == [] and window.told == []
