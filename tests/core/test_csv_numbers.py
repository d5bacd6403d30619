"""Number cells of an evaluation CSV read as Python's float() reads them, bit for bit,
whether a block of plain decimals is parsed at once or cell by cell; what float() refuses
is refused with the same one-line message and line."""

from __future__ import annotations

import math
from array import array
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prototyper.core.model.csv_table import FEATURE, LABEL, NUMBER, read_csv
from prototyper.core.preset.preset_io import PresetError


def write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["a,b,label", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wanted(header: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {"a": (NUMBER,), "b": (FEATURE,), "label": (LABEL,)}


def floats(cells: list[str]) -> bytes:
    return array("d", map(float, cells)).tobytes()


decimal = st.builds(
    lambda sign, digits, point: sign + (digits[:point] + "." + digits[point:] if point else digits),
    st.sampled_from(["", "-"]),
    st.text("0123456789", min_size=1, max_size=18),
    st.integers(0, 17),
).filter(lambda s: not s.endswith(".") and not s.lstrip("-").startswith("."))


@given(st.lists(st.tuples(decimal, decimal), min_size=1, max_size=300))
def test_plain_decimals_are_the_floats_python_reads(tmp_path_factory, cells):
    path = write(tmp_path_factory.mktemp("csv") / "eval.csv", [(a, b, "1") for a, b in cells])
    table = read_csv(path, wanted)
    assert table.numbers("a", "a").tobytes() == floats([a for a, _ in cells])
    assert table.feature("b").tobytes() == floats([b for _, b in cells])


def test_many_rows_of_long_decimals_are_bit_identical(tmp_path):
    rng = np.random.default_rng(3)
    values = rng.normal(0, 1e4, 30_000)
    cells = ["-0", "-0.0", "007", "123456789012345", "-1234567890123.45"]
    cells += [f"{v:.{k}f}" for v, k in zip(values, rng.integers(0, 9, len(values)), strict=True)]
    cells.append("0.000000000000001")  # 16 digits: its block is read cell by cell
    path = write(tmp_path / "eval.csv", [(c, c, "0") for c in cells])
    numbers = read_csv(path, wanted).numbers("a", "a")
    assert numbers.tobytes() == floats(cells)
    assert math.copysign(1.0, numbers[0]) == math.copysign(1.0, numbers[1]) == -1.0


# Cells float() reads that are not plain decimals, among plain rows: read the same way.
ODD = ["1e5", " 3 ", "nan", "inf", "-inf", "+1", "1_0", ".5", "5.", "1E-3", "١٢", "\u00a07"]


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("row", [0, 1, 2_500, 4_999])
def test_cells_float_reads_read_as_float_reads_them(tmp_path, odd, row):
    cells = [str(i % 97) + ".25" for i in range(5_000)]
    cells[row] = odd
    path = write(tmp_path / "eval.csv", [(c, c, "1") for c in cells])
    table = read_csv(path, wanted)
    assert table.numbers("a", "a").tobytes() == floats(cells)
    assert table.feature("b").tobytes() == floats(cells)


# Cells float() refuses: the same error, naming the line (the header is line 1).
BAD = ["0x1p3", "1.2.3", "--1", "1-2", "-", ".", "1..2", "abc", "1e", "0.-1", "1 2"]


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("row", [0, 3_000])
def test_cells_float_refuses_are_refused_with_their_line(tmp_path, bad, row):
    cells = [str(i % 97) for i in range(5_000)]
    cells[row] = bad
    path = write(tmp_path / "eval.csv", [(c, "1", "1") for c in cells])
    table = read_csv(path, wanted)
    with pytest.raises(PresetError) as info:
        table.numbers("a", "a")
    assert str(info.value) == f"{path}:{row + 2}: a: expected a number, got {bad!r}"


def test_an_empty_cell_is_an_error_for_a_number_and_nan_for_a_feature(tmp_path):
    cells = [str(i) for i in range(4_000)]
    cells[1_234] = ""
    path = write(tmp_path / "eval.csv", [(c, c, "0") for c in cells])
    table = read_csv(path, wanted)
    with pytest.raises(PresetError) as info:
        table.numbers("a", "a")
    assert str(info.value) == f"{path}:1236: a: expected a number, got an empty cell"
    feature = table.feature("b")
    assert math.isnan(feature[1_234]) and np.isnan(feature).sum() == 1
