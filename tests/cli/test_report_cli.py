"""prototyper report: one HTML file, bad input as one line and exit 2."""

from __future__ import annotations

import os

from prototyper import assets
from prototyper.core.evaluation.analysis import analyse
from prototyper.core.evaluation.html_report import Design, build_report
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
    assert "Side by side" in html and html.count("<section") == 3
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
