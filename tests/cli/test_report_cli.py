"""prototyper report: one HTML file, bad input as one line and exit 2."""

from __future__ import annotations

import json
import os
import re
from html import escape

from prototyper import assets
from prototyper.core.evaluation.analysis import analyse
from prototyper.core.evaluation.html_report import Design, build_report
from prototyper.core.format import money
from prototyper.core.preset.preset_io import load_preset

from ..core.small_preset import SMALL
from .running import run


def test_report_writes_the_core_report(capsys, tmp_path):
    out = tmp_path / "report.html"
    code, text, err = run(capsys, "report", "safe_browsing", "-o", out)
    assert (code, err) == (0, "")
    assert text == f"wrote {out}\n"
    path = assets.preset_path("safe_browsing")
    expected = build_report([Design(analyse(load_preset(path)), "safe_browsing.yaml")])
    assert out.read_text(encoding="utf-8") == expected


def test_report_with_set_and_compare(capsys, tmp_path, small_file):
    out = tmp_path / "report.html"
    code, _, err = run(
        capsys,
        "report",
        small_file,
        "--set",
        "experience.bands[1].threshold=0.3",
        "--compare",
        "fall_detection",
        small_file,
        "-o",
        out,
    )
    assert (code, err) == (0, "")
    html = out.read_text(encoding="utf-8")
    assert "Side by side" in html and html.count("<section class=") == 3
    assert "0.3 to 0.5" in html  # the --set applies to the first design
    assert "0.2 to 0.5" in html  # and not to the compared copy of the same file


def test_a_bad_preset_is_one_line_and_exit_2(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("auc: 0.8", "auc: 1.4"))
    out = tmp_path / "report.html"
    code, _, err = run(capsys, "report", "safe_browsing", "--compare", bad, "-o", out)
    assert code == 2
    assert err == f"{bad}:7: model.auc: must be in (0.5, 1), got 1.4\n"
    assert not out.exists()


def test_an_unwritable_output_is_one_line_and_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "report", "safe_browsing", "-o", tmp_path)
    assert code == 2
    assert (
        err.startswith(f"prototyper: {tmp_path}: cannot write: a folder") and err.count("\n") == 1
    )
    missing = tmp_path / "no" / "such" / "report.html"
    code, _, err = run(capsys, "report", "safe_browsing", "-o", missing)
    assert code == 2
    assert err.startswith(f"prototyper: {missing}: cannot write") and err.count("\n") == 1


def test_the_output_is_written_through_a_link_and_keeps_its_mode(capsys, tmp_path):
    target = tmp_path / "shared.html"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "report.html"
    link.symlink_to(target)
    code, _, _ = run(capsys, "report", "safe_browsing", "-o", link)
    assert code == 0
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert os.stat(target).st_mode & 0o777 == 0o640


def test_the_reports_sensitivity_is_the_sensitivity_commands(capsys, tmp_path):
    code, text, _ = run(capsys, "sensitivity", "fall_detection", "--json")
    assert code == 0
    data = json.loads(text)
    out = tmp_path / "report.html"
    assert run(capsys, "report", "fall_detection", "-o", out)[0] == 0
    html = out.read_text(encoding="utf-8")
    section = html[html.index('<section id="sensitivity">') :]
    section = re.sub(r"<svg.*?</svg>", "", section, flags=re.S)  # the tables only
    cells = re.findall(r"<td[^>]*>(.*?)</td>", section)
    cur = data["currency"]

    def signed(x):
        return ("+" if x > 0 else "") + money(x, cur)

    rows = [cells[i : i + 6] for i in range(0, 6 * len(data["tornado"]["inputs"]), 6)]
    for row, bar in zip(rows, data["tornado"]["inputs"], strict=True):
        assert row[0].startswith(escape(bar["label"])) and escape(bar["path"]) in row[0]
        assert row[3:] == [
            signed(bar["value_at_low"]),
            signed(bar["value_at_high"]),
            money(bar["swing"], cur),
        ]
    for even in data["break_even"]:
        assert (
            f"<td><code>{escape(even['path'])}</code></td><td>{escape(even['message'])}</td>"
            in section
        )
    (design,) = data["psa"]["designs"]
    low, high = design["interval_90"]
    assert [
        design["name"],
        signed(design["mean"]),
        f"{signed(low)} to {signed(high)}",
        f"{design['p_adds_value']:.1%}",
    ] == cells[cells.index(design["name"]) :][:4]
    beats = next(b for b in data["psa"]["p_beats"] if b["a"] == "fall_detection")
    assert (
        f"<td>fall_detection</td><td>{beats['b']}</td><td class=num>{beats['p']:.1%}</td>"
        in section
    )
    assert f"{data['psa']['draws']:,} draws, seed {data['psa']['seed']}" in section
    assert f"perfect knowledge of all: {money(data['evppi']['evpi'], cur)}/day" in section
    for row in data["evppi"]["inputs"]:
        assert (
            f"<td>{escape(row['label'])}</td><td class=num>{money(row['value'], cur)}</td>"
            in section
        )


def test_compared_designs_share_the_sensitivitys_draws(capsys, tmp_path):
    code, text, _ = run(
        capsys, "sensitivity", "fall_detection", "--compare", "smart_toaster", "--json"
    )
    assert code == 0
    data = json.loads(text)
    out = tmp_path / "report.html"
    assert run(capsys, "report", "fall_detection", "--compare", "smart_toaster", "-o", out)[0] == 0
    section = out.read_text(encoding="utf-8")
    section = section[section.index('<section id="sensitivity">') :]
    cur = data["currency"]
    for design in data["psa"]["designs"]:
        mean = ("+" if design["mean"] > 0 else "") + money(design["mean"], cur)
        assert f'<td>{design["name"]}</td><td class="num gain">{mean}</td>' in section or (
            f'<td>{design["name"]}</td><td class="num cost">{mean}</td>' in section
        )
    pair = next(
        b for b in data["psa"]["p_beats"] if (b["a"], b["b"]) == ("fall_detection", "smart_toaster")
    )
    assert (
        f"<td>fall_detection</td><td>smart_toaster</td><td class=num>{pair['p']:.1%}</td>"
        in section
    )


def scenes_rows(html: str) -> list[list[str]]:
    """The cells of the report's Scenes table, tags dropped and entities decoded."""
    from html import unescape

    table = html.split('<div class="scenes">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        rows.append([unescape(re.sub(r"<[^>]+>", " ", c)).strip() for c in cells])
    return rows


def test_the_report_lists_the_scenes_with_the_figures_of_scenes_json(capsys, tmp_path):
    """Each step's title, narration and value added a day, as `prototyper scenes --json`
    gives them (a real model, whose scene changes the base rate, recalibrated the same)."""
    for name in ("safe_browsing", "fall_detection_model"):
        out = tmp_path / f"{name}.html"
        code, _, err = run(capsys, "report", name, "-o", out)
        assert (code, err) == (0, "")
        code, text, err = run(capsys, "scenes", name, "--json")
        assert (code, err) == (0, "")
        doc = json.loads(text)
        rows = scenes_rows(out.read_text(encoding="utf-8"))
        assert len(rows) == len(doc["steps"]) > 2
        before = 0.0
        for row, step in zip(rows, doc["steps"], strict=True):
            added = step["value_added_per_population_day"]
            assert row[0] == str(step["step"])
            assert row[1].startswith(step["title"])
            assert " ".join(step["narration"].split()) in row[1]
            assert row[2] == money(added, doc["currency"])
            if step["step"]:
                sign = "+" if added - before > 0 else ""
                assert row[3] == sign + money(added - before, doc["currency"])
            before = added


def test_a_preset_without_scenes_has_no_scenes_section(capsys, tmp_path, small_file):
    out = tmp_path / "report.html"
    assert run(capsys, "report", small_file, "-o", out)[0] == 0
    assert "<h3>Scenes</h3>" not in out.read_text(encoding="utf-8")
