"""prototyper compare: the same table as text, JSON and CSV; bad input as one line and exit 2."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ..core.small_preset import SMALL
from .running import run


@pytest.fixture
def two_files(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(SMALL, encoding="utf-8")
    b.write_text(SMALL.replace("amount: 200}", "amount: 300}"), encoding="utf-8")
    return a, b


def evaluate_json(capsys, name):
    code, out, err = run(capsys, "evaluate", name, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def test_text_names_the_designs_and_writes_signs(capsys, two_files):
    a, b = two_files
    code, out, err = run(capsys, "compare", b, a)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "A: b.yaml — Small (reference)"
    assert lines[1] == "B: a.yaml — Small"
    notes = [line for line in lines if line.startswith("note:")]
    assert [n[:10] for n in notes] == ["note: PSA:"]  # the scenario is shared
    value_added = next(line for line in lines if "value added vs. feature off" in line)
    assert "USD per day" in value_added and " -$" in value_added


def test_json_has_evaluates_figures_and_their_differences(capsys, two_files):
    a, b = two_files
    code, out, err = run(capsys, "compare", a, b, "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert [v["name"] for v in doc["variants"]] == ["a.yaml", "b.yaml"]
    assert doc["reference"] == 0 and doc["shared_scenario"]
    assert [n[:4] for n in doc["notes"]] == ["PSA:"]  # no scenario note
    rows = {r["key"]: r for r in doc["rows"]}
    first, second = (evaluate_json(capsys, f)["layers"] for f in (a, b))
    added = [x["system"]["value_added_per_day"] for x in (first, second)]
    assert rows["system.value_added"]["values"] == added
    assert rows["system.value_added"]["differences"] == [None, added[1] - added[0]]
    assert rows["model.auc"]["values"] == [first["model"]["auc"]] * 2
    assert run(capsys, "compare", a, b, "--json")[1] == out  # stable


def test_a_real_model_loads_as_for_evaluate(capsys):
    code, out, err = run(capsys, "compare", "safe_browsing", "safe_browsing_model", "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    rows = {r["key"]: r for r in doc["rows"]}
    real = evaluate_json(capsys, "safe_browsing_model")
    assert (
        rows["system.value_added"]["values"][1] == real["layers"]["system"]["value_added_per_day"]
    )
    assert rows["model.auc"]["values"][1] == real["layers"]["model"]["auc"]
    low = real["value_added"]["interval_95"]["value_added_per_population_day"]["low"]
    assert rows["system.value_added_95_low"]["values"] == [None, low]
    assert not doc["shared_scenario"]
    assert doc["notes"][0].startswith("scenarios differ: ")


def test_csv_is_one_row_per_figure_and_the_reference_is_chosen(capsys, two_files):
    a, b = two_files
    code, out, err = run(capsys, "compare", a, b, "--csv", "--reference", "2")
    assert (code, err) == (0, "")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["key", "layer", "figure", "unit", "a.yaml", "b.yaml", "a.yaml - b.yaml"]
    keys = [r[0] for r in rows[1:]]
    assert len(keys) == len(set(keys)) and "system.value_added" in keys
    row = rows[1 + keys.index("system.value_added")]
    assert float(row[6]) == pytest.approx(float(row[4]) - float(row[5]))
    assert float(row[6]) < 0


def test_the_same_file_twice_is_told_apart(capsys, two_files):
    a, _ = two_files
    code, out, _ = run(capsys, "compare", a, a, "--csv")
    assert code == 0
    assert out.splitlines()[0].endswith("a.yaml,a.yaml (2),a.yaml (2) - a.yaml")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["safe_browsing"] * 5, "prototyper: compare takes at most 4 designs, got 5\n"),
        (
            ["safe_browsing", "--reference", "2"],
            "prototyper: --reference: expected 1 to 1, got 2\n",
        ),
        (
            ["safe_browsing", "--reference", "0"],
            "prototyper: --reference: expected 1 to 1, got 0\n",
        ),
        (["no_such_design"], "no_such_design: no such file, and no bundled preset of that name\n"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, extra, message):
    code, out, err = run(capsys, "compare", *extra)
    assert (code, out, err) == (2, "", message)


def test_a_bad_preset_is_one_line_naming_its_field(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("auc: 0.8", "auc: 1.4"), encoding="utf-8")
    code, out, err = run(capsys, "compare", "safe_browsing", bad)
    assert (code, out) == (2, "")
    assert err == f"{bad}:7: model.auc: must be in (0.5, 1), got 1.4\n"


def test_report_compare_uses_the_same_rows(capsys, two_files, tmp_path):
    a, b = two_files
    out = tmp_path / "r.html"
    assert run(capsys, "report", a, "--compare", b, "-o", out)[0] == 0
    html = out.read_text(encoding="utf-8")
    code, text, _ = run(capsys, "compare", a, b, "--json")
    for row in json.loads(text)["rows"]:
        assert row["label"] in html, row["label"]
    code, _, err = run(capsys, "report", a, "--compare", b, b, b, b, "-o", out)
    assert (code, err) == (2, "prototyper: --compare: at most 3 more designs\n")


def test_a_bundle_is_named_after_its_archive(capsys, tmp_path):
    bundle = tmp_path / "shared.zip"
    assert run(capsys, "pack", "fall_detection", "-o", bundle)[0] == 0
    code, out, err = run(capsys, "compare", "fall_detection", bundle, "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert [v["name"] for v in doc["variants"]] == ["fall_detection.yaml", "shared.zip"]
    value_added = next(r for r in doc["rows"] if r["key"] == "system.value_added")
    assert value_added["differences"] == [None, 0.0]  # the same design, packed


def test_the_psa_block_in_text_json_and_csv(capsys, two_files):
    a, b = two_files
    code, out, err = run(capsys, "compare", a, b, "--json")
    assert (code, err) == (0, "")
    rows = {r["key"]: r for r in json.loads(out)["rows"]}
    beats = rows["psa.p_beats_reference"]
    assert beats["label"] == "P(adds more than the reference)"
    assert beats["values"] == [0.0, 1.0]  # b gains more on every draw; a tie is not more
    mean = rows["psa.mean"]["values"]
    assert rows["psa.low"]["values"][0] < mean[0] < rows["psa.high"]["values"][0]
    code, out, err = run(capsys, "compare", a, b, "--csv")
    line = next(r for r in csv.reader(io.StringIO(out)) if r[0] == "psa.p_beats_reference")
    assert line[1:] == ["psa", "P(adds more than the reference)", "%", "0.0", "1.0", "1.0"]
    code, out, err = run(capsys, "compare", a, b)
    lines = out.splitlines()
    title = lines.index("PSA: 2,000 common draws of the uncertain inputs, seed 1")
    assert lines[title + 5].split()[-4:] == ["0.0%", "100.0%", "+100.0", "pp"]


def test_designs_without_uncertain_inputs_say_so(capsys):
    code, out, err = run(capsys, "compare", "predictive_policing", "predictive_policing")
    assert (code, err) == (0, "")
    assert "note: no uncertain inputs: no PSA" in out.splitlines()
    assert "PSA:" not in out
