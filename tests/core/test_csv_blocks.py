"""A block of plain rows taken apart as bytes (every kept column at once) reads what the
csv module's rules read, bit for bit, and where a cell is not plain the block is read the
other way, with the same one-line message and line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prototyper.core.model import csv_table
from prototyper.core.model.csv_table import FEATURE, GROUP, LABEL, NUMBER, read_csv
from prototyper.core.preset.preset_io import PresetError

HEADER = ("x", "y", "t", "g", "label", "w")
WANTED = {
    "x": (FEATURE,),
    "y": (FEATURE,),
    "t": (FEATURE,),
    "g": (GROUP, FEATURE),
    "label": (LABEL,),
    "w": (NUMBER,),
}
NUMBERS = ["0", "1", "-0", "-0.0", "007", "3.307", "-12.5", "123456789012345", "0.20", "10.00"]
ODD_NUMBERS = ["1e3", " 2", "nan", "", "1.", ".5", "-", "1.2.3", "--1", "1-2", "0.0000000000000001"]
LABELS = ["0", "1"]
ODD_LABELS = ["true", " 1", "1.0", "x", "", "2", "/"]
TEXT = ["com", "org", "net", " a ", "a"]
ODD_TEXT = ["é", "x" * 70, "x" * 1_001, ""]


def wanted(header: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {name: kinds for name, kinds in WANTED.items() if name in header}


def read(path: Path, as_bytes: bool, block: int):
    """What reading the file gives, as plain values (or the errors' text)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(csv_table, "_BLOCK_CHARS", block)
        if not as_bytes:  # the reference: the csv module's cells, float() on each number
            mp.setattr(csv_table._Columns, "bytes_block", lambda self, text: False)
            mp.setattr(csv_table, "_decimals", lambda cells: None)
        try:
            table = read_csv(path, wanted)
        except PresetError as exc:
            return str(exc)
        columns = {
            **{name: lambda name=name: table.feature(name) for name in ("x", "y", "t", "g")},
            "group": lambda: table.groups("g", "g"),
            "label": lambda: table.labels("label", "label"),
            "w": lambda: table.numbers("w", "w"),
        }
        out: dict[str, object] = {"n": table.n}
        for name, column in columns.items():  # each on its own: one's error hides no other
            try:
                values = column()
                out[name] = values.tobytes() if values.dtype != object else values.tolist()
            except PresetError as exc:
                out[name] = str(exc)
        return out


PLAIN = {"num": NUMBERS, "label": LABELS, "text": TEXT}
ODD = {"num": ODD_NUMBERS, "label": ODD_LABELS, "text": ODD_TEXT}
KINDS = ("num", "num", "text", "text", "label", "num")
# mostly plain cells, so that most blocks are read as bytes, and now and then one that is not
row = st.tuples(
    *(
        st.integers(0, 29).flatmap(lambda i, k=k: st.sampled_from(ODD[k] if i == 0 else PLAIN[k]))
        for k in KINDS
    )
)


def write(path: Path, rows: list[tuple[str, ...]], extra: list[str]) -> Path:
    lines = [",".join(HEADER), *(",".join(r) for r in rows)]
    for k, text in enumerate(extra):  # a blank line, a short or a long line, somewhere
        lines.insert(1 + (7 * k + 3) % len(lines), text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@settings(max_examples=200, deadline=None)
@given(
    st.lists(row, min_size=1, max_size=60),
    st.lists(st.sampled_from(["", "1,2", "1,2,3,4,5,6,7"]), max_size=2),
    st.sampled_from([16, 64, 1 << 16]),
)
def test_bytes_blocks_read_what_the_rows_read(tmp_path_factory, rows, extra, block):
    path = write(tmp_path_factory.mktemp("csv") / "eval.csv", rows, extra)
    assert read(path, True, block) == read(path, False, block)


def test_a_large_plain_file_is_read_as_bytes_bit_for_bit(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    n = 20_000
    x = [f"{v:.{k}f}" for v, k in zip(rng.normal(0, 1e3, n), rng.integers(0, 7, n), strict=True)]
    y = [str(v) for v in rng.integers(-50, 50_000, n)]
    t = rng.choice(["com", "org", "net", "io"], n).tolist()
    g = rng.choice(["north ", " south", "east"], n).tolist()
    label = rng.choice(["0", "1"], n).tolist()
    w = [f"{v:.2f}" for v in rng.uniform(0, 10, n)]
    rows = list(zip(x, y, t, g, label, w, strict=True))
    path = write(tmp_path / "eval.csv", rows, [])
    calls = []
    real = csv_table._Columns.bytes_block

    def counted(self, text):
        calls.append(real(self, text))
        return calls[-1]

    monkeypatch.setattr(csv_table._Columns, "bytes_block", counted)
    fast = read(path, True, 1 << 16)
    assert calls and all(calls)  # every block was read as bytes
    assert fast == read(path, False, 1 << 16)
    assert fast["x"] == np.array([float(v) for v in x]).tobytes()
    assert sorted(set(fast["group"])) == ["east", "north", "south"]  # stripped


ODD_CELLS = [(j, c) for j, k in enumerate(KINDS) for c in ODD[k]]


@pytest.mark.parametrize(("column", "odd"), ODD_CELLS, ids=[f"{j}-{c[:8]!r}" for j, c in ODD_CELLS])
def test_one_odd_cell_among_plain_rows_reads_as_the_rows_read(tmp_path, column, odd):
    rng = np.random.default_rng(column)
    rows = [tuple(rng.choice(PLAIN[k]) for k in KINDS) for _ in range(300)]
    rows[150] = tuple(odd if j == column else c for j, c in enumerate(rows[150]))
    path = write(tmp_path / "eval.csv", rows, [])
    assert read(path, True, 256) == read(path, False, 256)
