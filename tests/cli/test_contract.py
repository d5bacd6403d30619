"""The command line's promise on hostile or absurd input: exit 2 with one line per problem,
nothing raw from a file on the terminal, no warnings, and only legitimate files packed."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import warnings
import zipfile

import numpy as np
import pytest

from prototyper import assets
from prototyper.core.preset.preset_io import Problem, printable

from ..core.small_preset import SMALL
from ..core.test_model_sources import SCORE_MODEL, preset_text, write_score_file
from .running import run

# Clears the screen, homes the cursor and prints a line that looks like success.
HOSTILE = "\x1b[2J\x1b[H\nsmall.yaml: ok\u2028\x9b31m\x7f"


@pytest.fixture(autouse=True)
def _warnings_are_errors(monkeypatch):
    """As under ``python -W error``: the CLI then leaves warnings alone, so one from the
    engine fails the command (exit 1) instead of being hidden by the CLI's last net."""
    monkeypatch.setattr(sys, "warnoptions", ["error"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def quoted(text: str) -> str:
    """A double-quoted YAML scalar holding ``text``, every control character escaped."""
    return json.dumps(text).replace("\x7f", "\\u007f")


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Warning" not in err
    return lines[0]


def assert_inert(text: str) -> None:
    """Nothing a terminal would act on: no control character but the line ends."""
    assert not any(
        (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in text
    ), repr(text)


# --- the escape function ----------------------------------------------------------------


def test_printable_escapes_every_control_character_visibly():
    assert printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert printable("x\ny\rz\t") == "x\\ny\\rz\\t"
    assert printable("\x7f\x85\x9b\u2028\u2029\u202e") == "\\x7f\\x85\\x9b\\u2028\\u2029\\u202e"
    assert printable("café, 東京, ≥ 0.5") == "café, 東京, ≥ 0.5"  # text stays text
    text = str(Problem("f\x1b.yaml", 3, "sources.a\nb", "unknown \x1b[31mkey"))
    assert text == "f\\x1b.yaml:3: sources.a\\nb: unknown \\x1b[31mkey"


# --- escapes: names, keys, paths, labels -------------------------------------------------


def test_a_hostile_key_cannot_clear_the_screen_or_fake_an_ok(capsys, tmp_path):
    path = tmp_path / "bad.yaml"
    key = quoted(HOSTILE)  # a YAML key holding the escape sequences
    path.write_text(SMALL.replace("  name: Small\n", f"  name: Small\n  {key}: 1\n"))
    code, out, err = run(capsys, "validate", path)
    assert code == 2 and out == ""
    line = one_line(err)
    assert_inert(err)
    assert line.startswith(f"{path}:4: scenario.\\x1b[2J\\x1b[H\\nsmall.yaml: ok\\u2028")


def test_a_hostile_name_is_shown_escaped_on_one_line(capsys, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL.replace("name: Small", f"name: {quoted(HOSTILE)}"))
    plain = tmp_path / "plain.yaml"
    plain.write_text(SMALL)
    _, expected, _ = run(capsys, "evaluate", plain)
    code, out, err = run(capsys, "evaluate", path)
    assert code == 0 and err == ""
    assert_inert(out)
    assert out.splitlines()[0].startswith("\\x1b[2J\\x1b[H\\nsmall.yaml: ok\\u2028\\x9b31m\\x7f: ")
    assert len(out.splitlines()) == len(expected.splitlines())
    code, out, _ = run(capsys, "simulate", path, "--users", 20, "--replications", 1)
    assert code == 0
    assert_inert(out)
    code, out, _ = run(capsys, "sweep", path, "--param", "model.auc", "--values", "0.7,0.9")
    assert code == 0
    assert_inert(out)


def test_a_hostile_file_name_and_currency_are_escaped(capsys, tmp_path):
    path = tmp_path / "a\x1b[2Jb.yaml"
    path.write_text(SMALL.replace("payoffs:\n", 'payoffs:\n  currency: "E\\e[2J\\nUR"\n'))
    code, out, err = run(capsys, "validate", path)
    assert code == 0 and err == ""
    assert out == f"{tmp_path}/a\\x1b[2Jb.yaml: ok\n"
    code, out, _ = run(capsys, "evaluate", path)
    assert code == 0
    assert_inert(out)
    assert " E\\x1b[2J\\nUR" in out
    code, out, _ = run(capsys, "sweep", path, "--param", "model.auc", "--values", "0.7,0.9")
    assert code == 0
    assert_inert(out)


def test_hostile_group_labels_of_a_score_file_are_escaped(capsys, tmp_path):
    write_score_file(tmp_path)
    data = (tmp_path / "scores.csv").read_text().replace(",north", ',"\x1b[2J\x1b]0;owned\x07"')
    (tmp_path / "scores.csv").write_text(data)
    path = tmp_path / "p.yaml"
    path.write_text(preset_text(SCORE_MODEL.replace("group_column: null", "group_column: region")))
    code, out, err = run(capsys, "evaluate", path)
    assert code == 0, err
    assert_inert(out + err)
    assert "\\x1b[2J\\x1b]0;owned\\x07" in out


def test_region_names_in_the_simulation_csv_header_are_escaped(capsys):
    code, out, err = run(
        capsys,
        "simulate",
        "predictive_policing",
        "--set",
        "feedback.regions[0].name=a\x1b[2Jb",
        "--users",
        10,
        "--replications",
        1,
        "--csv",
    )
    assert code == 0, err
    assert_inert(out)
    header = next(csv.reader(io.StringIO(out)))
    assert "patrol_share[a\\x1b[2Jb]_mean" in header
    code, out, _ = run(
        capsys,
        "simulate",
        "predictive_policing",
        "--set",
        "feedback.regions[0].name=a\x1b[2J\nb",
        "--users",
        10,
        "--replications",
        1,
    )
    assert code == 0
    assert_inert(out)
    (line,) = [x for x in out.splitlines() if x.startswith("Feedback loop")]
    assert "share of records: a\\x1b[2J\\nb " in line


# --- OSError on a user path: one line, exit 2 --------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{long}"],
        ["evaluate", "{long}"],
        ["sweep", "{long}", "--param", "model.auc"],
        ["simulate", "{long}"],
        ["pack", "{long}", "-o", "{tmp}/b.zip"],
        ["pack", "{long}.zip", "-o", "{tmp}/b.zip"],
        ["gui", "{long}"],
    ],
)
def test_a_path_too_long_for_the_system_is_one_line(capsys, tmp_path, argv):
    long = "x" * 6000
    argv = [a.format(long=long, tmp=tmp_path) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert one_line(err).startswith(long[:100])
    assert "File name too long" in err


def test_an_unwritable_output_path_is_one_line(capsys, tmp_path):
    for output in (tmp_path / ("y" * 6000 + ".zip"), tmp_path / "missing" / "b.zip", tmp_path):
        code, out, err = run(capsys, "pack", "safe_browsing", "-o", output)
        assert code == 2 and out == "", err
        assert "cannot write" in one_line(err)
    assert sorted(os.listdir(tmp_path)) == []


@pytest.mark.parametrize("where", ["file", "below a file", "too long"])
def test_models_build_out_that_is_not_a_folder_is_one_line(capsys, tmp_path, where):
    target = tmp_path / "a file"
    target.write_text("keep me")
    out_dir = {
        "file": target,
        "below a file": target / "models",
        "too long": tmp_path / ("z" * 6000),
    }[where]
    code, out, err = run(capsys, "models", "build", "--out", out_dir, "--only", "phishing_url")
    assert code == 2 and out == ""
    assert one_line(err).startswith("prototyper: --out: ")
    assert target.read_text() == "keep me"


# --- sweep values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [
        "--values=nan",
        "--values=1,inf",
        "--values=-inf",
        "--values=",
        "--values=,",
        "--values=1,,2",
        "--range=nan:1",
        "--range=0:inf",
        "--range=0:1:0",
        "--range=0:1:1",
        "--range=0:1:nan",
        "--range=0:1:5:7",
        "--range=-1e308:1e308",
        "--range=",
    ],
)
def test_sweep_refuses_values_that_are_not_finite_numbers(capsys, option):
    code, out, err = run(capsys, "sweep", "safe_browsing", "--param", "model.auc", option)
    assert code == 2 and out == ""
    assert one_line(err).startswith(f"prototyper: {option.split('=')[0]}: ")


@pytest.mark.parametrize("stem", ["safe_browsing", "fall_detection_model"])
def test_threshold_values_outside_0_1_are_invalid_points_not_errors(capsys, stem):
    code, out, err = run(
        capsys,
        "sweep",
        stem,
        "--param",
        "experience.bands[0].threshold",
        "--values=-1e308,-0.5,0.95,1.5,1e308",
        "--json",
    )
    assert code == 0, err
    points = json.loads(out)["points"]
    assert [p["net_per_event"] is None for p in points] == [True, True, False, True, True]


def test_a_sweep_with_no_valid_value_is_one_line(capsys):
    code, out, err = run(
        capsys, "sweep", "safe_browsing", "--param", "scenario.users", "--values=-1,0,1e300"
    )
    assert code == 2 and out == ""
    assert one_line(err) == "--param: scenario.users: no value swept gives a valid preset"


# --- a wrong number: the population sweep ------------------------------------------------


def test_population_sweep_scales_the_per_day_value_with_the_users(capsys, small_file):
    users = [1, 10, 1000, 123_456]
    code, out, err = run(
        capsys,
        "sweep",
        small_file,
        "--param",
        "scenario.users",
        "--values",
        ",".join(map(str, users)),
        "--json",
    )
    assert code == 0, err
    points = json.loads(out)["points"]
    per_event = {p["net_per_event"] for p in points}
    assert len(per_event) == 1  # the population does not change a single event
    per_day = np.array([p["net_per_population_day"] for p in points])
    per_user_day = np.array([p["net_per_user_day"] for p in points])
    np.testing.assert_allclose(per_day / np.array(users), per_user_day, rtol=1e-12)
    assert per_day[-1] != per_day[0]
    for u, p in zip(users, points, strict=True):
        _, one, _ = run(capsys, "evaluate", small_file, "--set", f"scenario.users={u}", "--json")
        expected = json.loads(one)["net_value"]["per_population_day"]
        assert p["net_per_population_day"] == pytest.approx(expected, rel=1e-12)


def test_events_sweep_scales_the_per_user_day_value(capsys, small_file):
    code, out, _ = run(
        capsys,
        "sweep",
        small_file,
        "--param",
        "scenario.events_per_user_per_day",
        "--values",
        "1,10,40",
        "--csv",
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    for row in rows:
        _, one, _ = run(
            capsys,
            "evaluate",
            small_file,
            "--set",
            f"scenario.events_per_user_per_day={row['value']}",
            "--json",
        )
        net = json.loads(one)["net_value"]
        assert float(row["net_per_user_day"]) == pytest.approx(net["per_user_day"], rel=1e-12)
        assert float(row["net_per_population_day"]) == pytest.approx(
            net["per_population_day"], rel=1e-12
        )


# --- bounds that keep the engine finite --------------------------------------------------


@pytest.mark.parametrize(
    "assignment, field",
    [
        ("scenario.users=1e308", "scenario.users"),
        ("scenario.users=10000000001", "scenario.users"),
        ("scenario.events_per_user_per_day=1e-308", "scenario.events_per_user_per_day"),
    ],
)
def test_values_that_would_overflow_the_engine_are_refused(capsys, small_file, assignment, field):
    for command in ("evaluate", "simulate"):
        code, out, err = run(capsys, command, small_file, "--set", assignment)
        assert code == 2 and out == ""
        assert one_line(err).startswith(f"--set: {field}: must be in ")


def test_a_vanishing_habituation_runs_without_warnings(capsys, small_file):
    for value in ("1e-308", "5e-324", "1e-9"):
        assignment = f"response.modes.prompt.habituation={value}"
        for argv in (
            ["evaluate", small_file],
            ["simulate", small_file, "--users", 30, "--replications", 2],
        ):
            code, out, err = run(capsys, *argv, "--set", assignment)
            assert code == 0 and err == "", err


# --- pack: only what the preset legitimately references -----------------------------------


@pytest.fixture
def received(tmp_path):
    """A preset received from someone, in its own folder, with its scores beside it; and a
    secret next to that folder."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_score_file(folder)
    (tmp_path / "secret.csv").write_bytes((folder / "scores.csv").read_bytes())
    path = folder / "p.yaml"
    path.write_text(preset_text(SCORE_MODEL))
    return path


def _point_at(preset, written: str) -> None:
    preset.write_text(preset.read_text().replace("path: scores.csv", f"path: {written}"))


@pytest.mark.parametrize("written", ["../secret.csv", "{tmp}/secret.csv", "sub/../../secret.csv"])
def test_pack_refuses_a_file_outside_the_preset_folder(capsys, tmp_path, received, written):
    _point_at(received, written.format(tmp=tmp_path))
    out_zip = tmp_path / "b.zip"
    code, out, err = run(capsys, "pack", received, "-o", out_zip)
    assert code == 2 and out == ""
    assert one_line(err).startswith(f"{received}:9: model.path: ")
    assert "outside the preset's folder" in err
    assert not out_zip.exists()


def test_pack_follows_links_before_deciding(capsys, tmp_path, received):
    (received.parent / "scores.csv").unlink()
    (received.parent / "scores.csv").symlink_to(tmp_path / "secret.csv")
    code, out, err = run(capsys, "pack", received, "-o", tmp_path / "b.zip")
    assert code == 2 and out == ""
    assert "model.path: 'scores.csv' is outside the preset's folder" in one_line(err)
    (received.parent / "scores.csv").unlink()
    os.symlink("..", received.parent / "up")  # a folder link out of the preset's folder
    _point_at(received, "up/secret.csv")
    code, _, err = run(capsys, "pack", received, "-o", tmp_path / "b.zip")
    assert code == 2 and "outside the preset's folder" in one_line(err)
    assert not (tmp_path / "b.zip").exists()


def test_pack_takes_a_file_outside_only_when_named_with_include(capsys, tmp_path, received):
    _point_at(received, "../secret.csv")
    out_zip = tmp_path / "b.zip"
    code, out, err = run(
        capsys, "pack", received, "-o", out_zip, "--include", tmp_path / "secret.csv"
    )
    assert code == 0, err
    with zipfile.ZipFile(out_zip) as zf:
        assert zf.namelist() == ["preset.yaml", "data/secret.csv"]
        assert zf.read("data/secret.csv") == (tmp_path / "secret.csv").read_bytes()
    code, _, err = run(capsys, "pack", received, "-o", out_zip, "--include", tmp_path / "nope")
    assert code == 2 and one_line(err).startswith("prototyper: --include: ")


def test_pack_validates_the_preset_first(capsys, tmp_path, received):
    (received.parent / "scores.csv").write_text("label,score\n1,2.5\n0,0.1\n")
    code, _, err = run(capsys, "validate", received)
    assert code == 2
    expected = err
    code, out, err = run(capsys, "pack", received, "-o", tmp_path / "b.zip")
    assert code == 2 and out == ""
    assert err == expected
    assert not (tmp_path / "b.zip").exists()


def test_pack_of_a_preset_in_its_folder_and_of_a_bundled_one(capsys, tmp_path, received):
    code, out, err = run(capsys, "pack", received, "-o", tmp_path / "mine.zip")
    assert code == 0, err
    assert out.strip().endswith("preset.yaml, data/scores.csv")
    copy = tmp_path / "copy"
    shutil.copytree(assets.asset_dir("models") / "phishing_url", copy / "models" / "phishing_url")
    (copy / "presets").mkdir()
    shutil.copy(assets.preset_path("safe_browsing_model"), copy / "presets" / "sb.yaml")
    code, _, err = run(capsys, "pack", copy / "presets" / "sb.yaml", "-o", tmp_path / "sb.zip")
    assert code == 2 and "model.model: " in err and len(err.splitlines()) == 2
    code, out, err = run(
        capsys,
        "pack",
        copy / "presets" / "sb.yaml",
        "-o",
        tmp_path / "sb.zip",
        "--include",
        copy / "models",
    )
    assert code == 0, err
    assert "model/MODEL_CARD.md" in out
