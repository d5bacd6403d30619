"""Small hostile files stay small: sizes are checked before reading, only regular files are
read, a CSV costs memory in proportion to its data, and zip members are capped while they
stream. The bombs run the CLI in a subprocess under an address-space cap a little above the
interpreter's own size, so a regression fails fast instead of eating the machine."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from prototyper import cli
from prototyper.assets import asset_dir
from prototyper.core.bundle import load_bundle
from prototyper.core.model import csv_table
from prototyper.core.model.csv_table import FEATURE, read_csv
from prototyper.core.model.model_sources import clear_cache, load_scores
from prototyper.core.preset.preset_io import PresetError, load_preset
from prototyper.core.preset.schema import ScoreFileModel

from ..zip_bombs import deflate_bomb, raw_zip
from .test_model_sources import (
    SCORE_MODEL,
    preset_text,
    sklearn_model_yaml,
    write_eval,
    write_score_file,
)

REPO = Path(__file__).resolve().parents[2]
LINUX = sys.platform == "linux" and os.path.exists("/proc/self/status")
HEADROOM = 300 << 20  # address space the child may add to what its imports take

# Imports what the CLI needs, then caps the address space at its current size plus HEADROOM.
CHILD = r"""
import resource, sys
import numpy
import prototyper.cli as cli

def vm_size():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

cap = vm_size() + int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
sys.exit(cli.main(sys.argv[2:]))
"""


def run_capped(tmp_path: Path, *argv: object, timeout: float = 60) -> tuple[int, str]:
    """The CLI in a child process under the memory cap; (exit code, stderr). A hang fails
    the test by its timeout instead of blocking the suite."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"),
        "QT_QPA_PLATFORM": "offscreen",
        "OPENBLAS_NUM_THREADS": "1",
        "TMPDIR": str(home / "tmp"),
    }
    (home / "tmp").mkdir(exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(HEADROOM), *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp_path,
        env=env,
    )
    return proc.returncode, proc.stderr


def one_line(code: int, err: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def score_preset(folder: Path, extra: str = "") -> Path:
    path = folder / "p.yaml"
    model = SCORE_MODEL + extra
    path.write_text(preset_text(model), encoding="utf-8")
    return path


# --- zip archives built by hand: bombs and odd members --------------------------------------


def deflated(data: bytes) -> tuple[str, int, bytes, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return ("", zipfile.ZIP_DEFLATED, c.compress(data) + c.flush(), zlib.crc32(data), len(data))


@pytest.fixture(scope="module")
def bomb() -> tuple[bytes, int, int]:
    """About 1.9 MB of deflate that unpacks to about 1.9 GB of a YAML comment."""
    return deflate_bomb(1900)


def test_the_bomb_is_what_it_claims(bomb):
    data, crc, size = bomb
    assert len(data) < 2_000_000 and size > 1_900_000_000
    d = zlib.decompressobj(-15)
    head = d.decompress(data[:20_000], 1 << 21)
    assert head.startswith(b"#    ") and len(head) == 1 << 21


# --- CSV files ------------------------------------------------------------------------------


@pytest.mark.skipif(not LINUX, reason="address-space caps are measured from /proc")
@pytest.mark.parametrize("size", [140_000, 210_000])
def test_a_csv_with_one_long_cell_is_refused_in_little_memory(tmp_path, size):
    cell = "0." + "1" * (size - 20)
    (tmp_path / "scores.csv").write_text(f"label,score\n1,0.5\n0,{cell}\n1,0.7\n")
    code, err = run_capped(tmp_path, "evaluate", score_preset(tmp_path))
    line = one_line(code, err)
    assert line == (
        f"{tmp_path / 'scores.csv'}:3: a cell is over 1,000 characters; expected numbers, "
        "labels or short names"
    )


@pytest.mark.skipif(not LINUX, reason="address-space caps are measured from /proc")
def test_a_2_gb_sparse_csv_is_refused_by_its_size_before_reading(tmp_path):
    with open(tmp_path / "scores.csv", "wb") as f:
        f.truncate(2 << 30)  # sparse: no disk used
    code, err = run_capped(tmp_path, "evaluate", score_preset(tmp_path))
    assert one_line(code, err) == f"{tmp_path / 'scores.csv'}: is over 1024 MB; not read"


@pytest.mark.skipif(not LINUX, reason="address-space caps are measured from /proc")
@pytest.mark.parametrize(
    ("name", "message"),
    [("p.yaml", "file is over 1000 kB; not a preset"), ("b.zip", "is over 2048 MB")],
)
def test_huge_sparse_presets_and_bundles_are_refused_by_size(tmp_path, name, message):
    with open(tmp_path / name, "wb") as f:
        f.truncate(3 << 30)
    code, err = run_capped(tmp_path, "evaluate", tmp_path / name)
    assert one_line(code, err) == f"{tmp_path / name}: {message}"


def test_a_normal_csv_reads_the_same_numbers_as_the_csv_module():
    """The shipped models' evaluation CSVs, every column, against a plain csv.reader."""
    for name in ("fall_detection", "phishing_url"):
        path = asset_dir("models") / name / "eval.csv"
        table = read_csv(path, lambda header: {h: (FEATURE,) for h in header})
        with path.open(newline="", encoding="utf-8") as f:
            header, *rows = list(csv.reader(f))
        assert table.header == tuple(header) and table.n == len(rows)
        for j, column in enumerate(header):
            cells = [r[j] for r in rows]
            got = table.feature(column)
            if table.is_text(column):
                assert got.dtype == object and list(got) == cells
            else:
                np.testing.assert_array_equal(got, np.array([float(c) for c in cells]))


def test_bom_crlf_quotes_and_blank_lines_read_like_the_plain_file(tmp_path):
    plain = write_score_file(tmp_path).read_text(encoding="utf-8")
    lines = plain.splitlines()
    quoted = [lines[0]] + [
        ",".join(f'"{c}"' for c in line.split(",")) if i % 7 == 0 else line
        for i, line in enumerate(lines[1:])
    ]
    variants = {
        "bom_crlf.csv": "\ufeff" + "\r\n".join(lines) + "\r\n",
        "blank_lines.csv": "\n\n" + "\n\n".join(lines) + "\n\n\n",
        "quoted.csv": "\n".join(quoted),  # no final newline either
        "cr.csv": "\r".join(lines) + "\r",
    }
    model = ScoreFileModel(path="scores.csv", weight_column="weight", group_column="region")
    base = load_scores(model, tmp_path)
    for name, text in variants.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
        got = load_scores(ScoreFileModel(**{**model.__dict__, "path": name}), tmp_path)
        np.testing.assert_array_equal(got.scores.scores, base.scores.scores, err_msg=name)
        np.testing.assert_array_equal(got.scores.labels, base.scores.labels, err_msg=name)
        np.testing.assert_array_equal(got.scores.weights, base.scores.weights, err_msg=name)
        assert list(got.groups) == list(base.groups), name


def test_reading_a_csv_costs_memory_in_proportion_to_its_data(tmp_path):
    """tracemalloc's peak for reading the columns of a score file stays under 3x its size,
    whatever its longest cell (the old reader sized every cell by the longest)."""
    import tracemalloc

    rng = np.random.default_rng(5)
    n = 100_000
    rows = [
        f"{int(y)},{s:.5f},1,north" for y, s in zip(rng.random(n) < 0.3, rng.random(n), strict=True)
    ]
    long_group = "g" * 200  # the longest cell a group may have
    path = tmp_path / "s.csv"
    path.write_text("label,score,weight,region\n" + "\n".join(rows) + f"\n0,0.5,1,{long_group}\n")
    wanted = {"label": ("label",), "score": ("number",), "weight": ("number",)}
    wanted["region"] = ("group",)
    tracemalloc.start()
    try:
        table = read_csv(path, lambda header: wanted)
        table.groups("region", "model.group_column")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.n == n + 1
    assert peak < 3 * path.stat().st_size, (peak, path.stat().st_size)


def _score_csv(tmp_path: Path, text: str) -> str:
    (tmp_path / "scores.csv").write_text(text, encoding="utf-8")
    model = ScoreFileModel(path="scores.csv", weight_column="w", group_column="g")
    clear_cache()
    with pytest.raises(PresetError) as info:
        load_scores(model, tmp_path)
    (problem,) = info.value.problems
    return str(problem).replace(str(tmp_path / "scores.csv"), "scores.csv")


CSV_CAPS = {
    "too many columns": (
        ",".join(f"c{i}" for i in range(1001)) + "\n",
        "scores.csv:1: 1,001 columns; expected at most 1,000",
    ),
    "long quoted cell": (
        'label,score,w,g\n1,0.5,1,a\n0,"' + "1" * 5000 + '",1,a\n',
        "scores.csv:3: a cell is over 1,000 characters",
    ),
    "cell longer than the csv module's own limit": (
        'label,score,w,g\n1,0.5,1,a\n0,0.5,1,"' + "a\n" * 70_000 + '"\n',
        "a cell is over 1,000 characters",
    ),
    "long group name": (
        "label,score,w,g\n1,0.5,1,a\n0,0.5,1," + "g" * 201 + "\n",
        "scores.csv:3: g: expected a group name of at most 200 characters, got 201",
    ),
    "weight 1e308": (
        "label,score,w,g\n1,0.5,1e308,a\n0,0.5,1e308,a\n",
        "scores.csv:2: w: weights must be at most 1e+12, got 1e+308",
    ),
    "infinite weight": (
        "label,score,w,g\n1,0.5,1,a\n0,0.5,inf,a\n",
        "scores.csv:3: w: weights must be finite and 0 or more, got inf",
    ),
    "NUL byte": ("label,score,w,g\n1,0.5,1,a\n0,0.5,\x00,a\n", "scores.csv:3: holds a NUL"),
}


@pytest.mark.parametrize("case", CSV_CAPS, ids=list(CSV_CAPS))
def test_csv_caps_say_one_line_with_file_and_line(tmp_path, case):
    text, expected = CSV_CAPS[case]
    assert expected in _score_csv(tmp_path, text)


def test_row_line_and_distinct_value_caps(tmp_path, monkeypatch):
    rows = "".join(f"{i % 2},0.5,1,g{i}\n" for i in range(10))
    text = "label,score,w,g\n" + rows
    monkeypatch.setattr(csv_table, "MAX_ROWS", 5)
    assert _score_csv(tmp_path, text) == ("scores.csv:7: more than 5 rows; expected at most that")
    monkeypatch.setattr(csv_table, "MAX_ROWS", 20_000_000)
    monkeypatch.setattr(csv_table, "MAX_DISTINCT", 3)
    assert _score_csv(tmp_path, text).startswith("scores.csv:5: g: more than 3 distinct values")
    monkeypatch.setattr(csv_table, "_MAX_LINE_CHARS", 20)
    monkeypatch.setattr(csv_table, "_BLOCK_CHARS", 16)
    long_line = "label,score,w,g\n1,0.5,1,a\n0,0.5,1," + "b" * 40 + "\n"
    assert _score_csv(tmp_path, long_line) == (
        "scores.csv:3: a line is over 20 characters; not read"
    )


def test_weights_of_1e308_exit_2_on_the_cli(tmp_path, capsys):
    (tmp_path / "scores.csv").write_text("label,score,w\n1,0.5,1e308\n0,0.2,1e308\n")
    preset = score_preset(tmp_path)
    preset.write_text(preset.read_text().replace("weight_column: null", "weight_column: w"))
    code = cli.main(["evaluate", str(preset)])
    err = capsys.readouterr().err
    assert one_line(code, err).endswith("w: weights must be at most 1e+12, got 1e+308")


# --- regular files only: FIFOs never hang ----------------------------------------------------


fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


@fifo
@pytest.mark.parametrize("command", ["evaluate", "gui", "validate"])
@pytest.mark.parametrize("name", ["p.yaml", "b.zip"])
def test_a_fifo_as_the_preset_exits_2_at_once(tmp_path, command, name):
    os.mkfifo(tmp_path / name)
    code, err = run_capped(tmp_path, command, tmp_path / name, timeout=60)
    assert one_line(code, err) == (
        f"{tmp_path / name}: cannot read: it is a FIFO (named pipe), not a regular file"
    )


@fifo
def test_a_fifo_as_the_csv_or_the_model_exits_2_at_once(tmp_path):
    os.mkfifo(tmp_path / "scores.csv")
    code, err = run_capped(tmp_path, "evaluate", score_preset(tmp_path), timeout=60)
    assert one_line(code, err).endswith(
        f"model.path: is a FIFO (named pipe), not a regular file: {tmp_path / 'scores.csv'}"
    )
    write_eval(tmp_path)
    os.mkfifo(tmp_path / "model.skops")
    preset = tmp_path / "m.yaml"
    preset.write_text(preset_text(sklearn_model_yaml()), encoding="utf-8")
    code, err = run_capped(tmp_path, "evaluate", preset, timeout=60)
    assert "model.model: is a FIFO (named pipe), not a regular file" in one_line(code, err)


@fifo
def test_readers_refuse_a_fifo_themselves(tmp_path):
    """Even past the path checks (a file swapped for a FIFO), opening never blocks."""
    os.mkfifo(tmp_path / "x.csv")
    with pytest.raises(PresetError, match="FIFO"):
        read_csv(tmp_path / "x.csv", lambda header: {})
    with pytest.raises(PresetError, match="FIFO"):
        load_preset(tmp_path / "x.csv")
    with pytest.raises(PresetError, match="FIFO"):
        load_bundle(tmp_path / "x.csv")


# --- bundles ---------------------------------------------------------------------------------


@pytest.mark.skipif(not LINUX, reason="address-space caps are measured from /proc")
def test_a_bundle_whose_preset_unpacks_to_gigabytes_is_refused_in_little_memory(tmp_path, bomb):
    data, crc, size = bomb
    archive = raw_zip(tmp_path / "b.zip", [("preset.yaml", zipfile.ZIP_DEFLATED, data, crc, size)])
    assert archive.stat().st_size < 2_000_000
    code, err = run_capped(tmp_path, "evaluate", archive)
    assert one_line(code, err).startswith(
        f"{archive}: the member 'preset.yaml' unpacks to 1,900 MB"
    ) and err.strip().endswith("over the 1,000 kB allowed; not a preset")
    # A header that understates the size does not help: reading stops at the cap or the
    # stream fails its check, still in one line.
    lying = raw_zip(tmp_path / "l.zip", [("preset.yaml", zipfile.ZIP_DEFLATED, data, crc, 900_000)])
    code, err = run_capped(tmp_path, "evaluate", lying)
    assert one_line(code, err).startswith(f"{lying}: cannot extract 'preset.yaml'")
    assert list((tmp_path / "home" / "tmp").iterdir()) == []  # nothing left behind


ODD_MEMBERS = {
    "file and folder clash": (
        [("preset.yaml", b"x"), ("a", b"1"), ("a/b", b"2")],
        "the member 'a' is both a file and a folder",
    ),
    "very deep path": (
        [("preset.yaml", b"x"), ("d/" * 40 + "f", b"1")],
        "its path is over 16 levels or 255 characters",
    ),
    "very long path": (
        [("preset.yaml", b"x"), ("n" * 300, b"1")],
        "its path is over 16 levels or 255 characters",
    ),
    "unknown compression": ([("preset.yaml", b"x", 99)], "compression method 99 is not supported"),
}


@pytest.mark.parametrize("case", ODD_MEMBERS, ids=list(ODD_MEMBERS))
def test_odd_bundle_members_exit_2_with_one_line(tmp_path, capsys, monkeypatch, case):
    members, message = ODD_MEMBERS[case]
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    entries = []
    for name, data, *method in members:
        entry = deflated(data)
        entries.append((name, method[0] if method else entry[1], *entry[2:]))
    archive = raw_zip(tmp_path / "b.zip", entries)
    code = cli.main(["evaluate", str(archive)])
    line = one_line(code, capsys.readouterr().err)
    assert line.startswith(f"{archive}: ") and message in line, line
    assert list(temp.iterdir()) == []


def test_a_bundle_member_over_the_total_is_refused_from_its_header(tmp_path):
    data = deflated(b"label,score\n")
    archive = raw_zip(
        tmp_path / "b.zip",
        [
            ("preset.yaml", *deflated(b"x")[1:]),
            ("data/eval.csv", data[1], data[2], data[3], 3 << 30),
        ],
    )
    with pytest.raises(PresetError) as info:
        load_bundle(archive)
    assert str(info.value) == f"{archive}: unpacks to more than 2048 MB"


# --- skops files ---------------------------------------------------------------------------


@pytest.mark.skipif(not LINUX, reason="address-space caps are measured from /proc")
def test_a_skops_file_with_a_bomb_schema_is_refused_before_any_consent_question(tmp_path, bomb):
    data, crc, size = bomb
    write_eval(tmp_path)
    raw_zip(tmp_path / "model.skops", [("schema.json", zipfile.ZIP_DEFLATED, data, crc, size)])
    preset = tmp_path / "m.yaml"
    preset.write_text(preset_text(sklearn_model_yaml()), encoding="utf-8")
    code, err = run_capped(tmp_path, "evaluate", preset)
    line = one_line(code, err)
    assert line.startswith(f"{tmp_path / 'model.skops'}: model.model: its schema.json unpacks")
    assert "trust" not in line


def test_a_schema_over_its_cap_is_measured_while_streaming(tmp_path, monkeypatch):
    """Under a cap below the real size, refused whatever the header says it is."""
    from prototyper.core.model import trust_check
    from prototyper.core.preset.schema import SklearnModel

    write_eval(tmp_path)
    schema = b'{"x": "' + b" " * 100_000 + b'"}'
    raw_zip(tmp_path / "model.skops", [("schema.json", *deflated(schema)[1:])])
    monkeypatch.setattr(trust_check, "MAX_SCHEMA_BYTES", 50_000)
    with pytest.raises(PresetError) as info:
        load_scores(SklearnModel(model="model.skops", data="eval.csv"), tmp_path)
    assert "its schema.json unpacks to 100 kB, over the 50 kB allowed" in str(info.value)


@pytest.mark.parametrize("block", [3, 7, 16, 1 << 16])
def test_blocks_of_any_size_read_the_same_rows_and_lines(tmp_path, monkeypatch, block):
    """Plain rows are split a block at a time and quoted ones row by row: wherever a block
    ends (inside a CRLF, a row or a quoted cell), the values and the lines are the same."""
    rows = [f"{i % 2},0.{i:03d},{1 + i % 3},g{i % 4}" for i in range(40)]
    rows[30] = '1,"0.5",2,"g, quoted"'  # quotes only after the first blocks
    variants = {
        "lf": "\n".join(rows) + "\n",
        "crlf": "\r\n".join(rows) + "\r\n",
        "cr": "\r".join(rows),
        "blank": "\n\n".join(rows) + "\n",
    }
    wanted = {"label": ("label",), "score": ("number",), "w": ("number",), "g": ("group",)}
    expected_scores = [float(r.split(",")[1].strip('"')) for r in rows]
    monkeypatch.setattr(csv_table, "_BLOCK_CHARS", block)
    for name, body in variants.items():
        path = tmp_path / f"{name}.csv"
        path.write_text("label,score,w,g\n" + body, encoding="utf-8", newline="")
        table = read_csv(path, lambda header: wanted)
        assert table.n == 40, name
        assert list(table.numbers("score", "s")) == expected_scores, name
        assert list(table.labels("label", "l")) == [i % 2 == 1 for i in range(30)] + [True] + [
            i % 2 == 1 for i in range(31, 40)
        ]
        groups = list(table.groups("g", "g"))
        assert groups[30] == "g, quoted" and groups[:3] == ["g0", "g1", "g2"], name
        step = 2 if name == "blank" else 1
        assert [table.line(i) for i in (0, 29, 39)] == [2, 2 + 29 * step, 2 + 39 * step], name
        bad = path.read_text(encoding="utf-8").replace("0.035", "x35")
        path.write_text(bad, encoding="utf-8", newline="")
        with pytest.raises(PresetError) as info:
            read_csv(path, lambda header: wanted).numbers("score", "s")
        assert str(info.value) == f"{path}:{2 + 35 * step}: score: expected a number, got 'x35'"


def test_a_bad_byte_past_the_first_megabyte_is_found_exactly(tmp_path):
    """The decoder is run again in chunks to name the byte: a character split between two
    chunks is not an error, the bad byte after it is."""
    head, row = b"label,score\n", b"1,0.5\n"
    prefix = head + row * (((1 << 20) - 64 - len(head)) // len(row))
    zeros = b"0" * ((1 << 20) - 1 - len(prefix) - len(b"1,0.5"))
    data = prefix + b"1,0.5" + zeros + "\u00e9".encode() + b"\n0,0.2\xff\n"
    assert data[(1 << 20) - 1 : (1 << 20) + 1] == "\u00e9".encode()  # split by the chunks
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    with pytest.raises(PresetError) as info:
        read_csv(path, lambda header: {})
    bad = data.index(b"\xff")
    line = data.count(b"\n", 0, bad) + 1
    assert str(info.value) == (
        f"{path}:{line}: not UTF-8 text (byte {bad}); save the file as UTF-8 CSV"
    )
