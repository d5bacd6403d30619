"""Reading evaluation CSV files in memory proportional to the data they hold.

The file is streamed row by row (the ``csv`` module's rules: quoted cells, blank lines
skipped, a UTF-8 BOM dropped, CRLF or LF) and only the columns a caller asks for are kept,
each in the smallest form that serves it: labels as bytes, numbers as float64, group names
and text features as one code per row plus each distinct value once. Nothing is sized by
the longest cell, so a hostile cell cannot blow memory up; and the caps below are checked
before (file size) or while (everything else) reading, each refused with one line naming
the file, the line and what was expected.

Errors that quote a cell the reader did not keep (a score of 'nan') re-read the file up to
that row: rare, and cheaper than keeping every cell's text.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .limits import Refused, open_regular
from .preset_io import PresetError, Problem

MAX_CSV_BYTES = 1 << 30  # 1 GiB, checked before reading: tens of millions of rows
MAX_ROWS = 20_000_000
MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 1_000  # a number never needs more; nor does a category
MAX_GROUP_CHARS = 200  # a group's name, as shown in the model panel and the report
MAX_DISTINCT = 1_000_000  # distinct values of one text column (groups, categories)
# One physical line at most: every column at its widest, quoted, with its comma.
_MAX_LINE_CHARS = MAX_COLUMNS * (MAX_CELL_CHARS + 3)

LABEL, NUMBER, GROUP, FEATURE = "label", "number", "group", "feature"
_POSITIVE = ("1", "1.0", "true")
_NEGATIVE = ("0", "0.0", "false")

# Which columns to keep and how, given the header: {column: (kind, ...)}.
Wanted = Callable[[tuple[str, ...]], dict[str, tuple[str, ...]]]


def _fail(path: Path, line: int | None, column: str, message: str) -> PresetError:
    return PresetError([Problem(str(path), line, column, message)])


# --- one column's cells, kept compactly ------------------------------------------------------


class _Labels:
    """Binary labels as bytes; the first cell that is not one is remembered."""

    def __init__(self) -> None:
        self.values = array("b")
        self.bad: tuple[int, str] | None = None  # (row, cell)

    def add(self, cell: str, row: int) -> None:
        if cell == "1" or cell == "0":
            self.values.append(cell == "1")
            return
        text = cell.strip().lower()
        if text in _POSITIVE:
            self.values.append(1)
        else:
            if text not in _NEGATIVE and self.bad is None:
                self.bad = (row, cell)
            self.values.append(0)


class _Numbers:
    """Floats; a cell that is not a number is remembered (a blank one is NaN if allowed)."""

    def __init__(self, blank_is_nan: bool) -> None:
        self.values = array("d")
        self.blank_is_nan = blank_is_nan
        self.bad: tuple[int, str] | None = None

    def add(self, cell: str, row: int) -> None:
        try:
            self.values.append(float(cell))
        except ValueError:
            if self.bad is None and not (self.blank_is_nan and not cell.strip()):
                self.bad = (row, cell)
            self.values.append(math.nan)


class _Codes:
    """Text: one code per row, each distinct value once."""

    def __init__(self, strip: bool, max_chars: int, path: Path, column: str, what: str) -> None:
        self.codes = array("i")
        self.index: dict[str, int] = {}
        self.names: list[str] = []
        self.strip = strip
        self.max_chars = max_chars
        self.where = (path, column, what)

    def add(self, cell: str, row: int, line: int) -> None:
        key = cell.strip() if self.strip else cell
        code = self.index.get(key)
        if code is None:
            path, column, what = self.where
            if len(key) > self.max_chars:
                raise _fail(
                    path,
                    line,
                    column,
                    f"expected {what} of at most {self.max_chars:,} characters, got "
                    f"{len(key):,}",
                )
            if len(self.names) >= MAX_DISTINCT:
                raise _fail(
                    path,
                    line,
                    column,
                    f"more than {MAX_DISTINCT:,} distinct values; expected {what}s that repeat",
                )
            code = self.index[key] = len(self.names)
            self.names.append(key)
        self.codes.append(code)

    def objects(self) -> np.ndarray:
        """Each row's value, as Python strings shared between equal rows."""
        names = np.empty(len(self.names), dtype=object)
        names[:] = self.names
        return names[np.frombuffer(self.codes, dtype=np.int32)]


# --- the table --------------------------------------------------------------------------------


@dataclass(eq=False)
class Table:
    """The kept columns of a CSV file with a header line; ``n`` data rows."""

    path: Path
    header: tuple[str, ...]
    header_line: int
    n: int
    kept: dict[str, dict[str, object]] = field(default_factory=dict, repr=False)

    # where things are
    def line(self, row: int) -> int | None:
        """The file line a data row ends on (the file is read again: for messages only)."""
        found = self._locate(row)
        return found[0] if found else None

    def cell(self, row: int, column: str) -> str:
        found = self._locate(row)
        if not found:
            return ""
        return found[1][self.header.index(column)]

    def _locate(self, row: int) -> tuple[int, list[str]] | None:
        try:
            with open_regular(self.path, MAX_CSV_BYTES) as f:
                rows = _rows(f, self.path)
                next(_data_rows(rows, self.path), None)  # the header
                data = ((line, cells) for line, cells in rows if cells)  # blank lines skipped
                for i, (line, cells) in enumerate(data):
                    if i == row:
                        return line, cells
        except (Refused, PresetError, OSError, UnicodeDecodeError, csv.Error):
            pass
        return None

    def problem(self, row: int | None, column: str, message: str) -> Problem:
        line = self.header_line if row is None else self.line(row)
        return Problem(str(self.path), line, column, message)

    def require(self, column: str, field_path: str) -> None:
        if column not in self.header:
            hint = ""
            if len(self.header) == 1 and ";" in self.header[0]:
                hint = " (is it separated by ';'? Only commas are read)"
            raise PresetError(
                [
                    self.problem(
                        None,
                        field_path,
                        f"no column {column!r}; the columns are {', '.join(self.header)}{hint}",
                    )
                ]
            )

    def _kept(self, column: str, kind: str, field_path: str) -> object:
        self.require(column, field_path)
        return self.kept[column][kind]

    # the columns, as the model needs them
    def labels(self, column: str, field_path: str) -> np.ndarray:
        acc = self._kept(column, LABEL, field_path)
        assert isinstance(acc, _Labels)
        if acc.bad is not None:
            row, cell = acc.bad
            raise PresetError(
                [
                    self.problem(
                        row,
                        column,
                        f"expected a binary label, 1 or 0 (or true or false), got {cell!r}",
                    )
                ]
            )
        return np.frombuffer(acc.values, dtype=np.int8).astype(bool)

    def numbers(self, column: str, field_path: str) -> np.ndarray:
        """A column of numbers; a blank or text cell is an error naming its line."""
        acc = self._kept(column, NUMBER, field_path)
        assert isinstance(acc, _Numbers)
        _raise_bad(self, column, acc.bad)
        return np.frombuffer(acc.values, dtype=np.float64)

    def groups(self, column: str, field_path: str) -> np.ndarray:
        """Each row's group name (stripped), as an object array."""
        acc = self._kept(column, GROUP, field_path)
        assert isinstance(acc, _Codes)
        return acc.objects()

    def feature(self, column: str) -> np.ndarray:
        """A feature column: floats (blank cells are NaN) if its first cell is a number or
        blank, else its text, every cell, as an object array."""
        acc = self.kept[column][FEATURE]
        if isinstance(acc, _Codes):
            return acc.objects()
        assert isinstance(acc, _Numbers)
        _raise_bad(self, column, acc.bad)
        return np.frombuffer(acc.values, dtype=np.float64)

    def is_text(self, column: str) -> bool:
        return isinstance(self.kept[column][FEATURE], _Codes)


def _raise_bad(table: Table, column: str, bad: tuple[int, str] | None) -> None:
    if bad is not None:
        row, cell = bad
        shown = "an empty cell" if not cell.strip() else repr(cell)
        raise PresetError([table.problem(row, column, f"expected a number, got {shown}")])


# --- reading --------------------------------------------------------------------------------


def read_csv(path: Path, wanted: Wanted) -> Table:
    """Read a UTF-8 CSV with a header line, keeping the columns ``wanted(header)`` names
    (those missing from the header are left for :meth:`Table.require` to report)."""
    try:
        f = open_regular(path, MAX_CSV_BYTES, f"is over {MAX_CSV_BYTES >> 20} MB; not read")
    except Refused as exc:
        raise _fail(path, None, "", str(exc)) from None
    try:
        with f:
            return _read(path, f, wanted)
    except UnicodeDecodeError:
        byte, line = _utf8_error(path)
        raise _fail(
            path, line, "", f"not UTF-8 text (byte {byte}); save the file as UTF-8 CSV"
        ) from None
    except OSError as exc:
        raise _fail(path, None, "", f"cannot read: {exc.strerror}") from None


def _read(path: Path, f: io.BufferedIOBase, wanted: Wanted) -> Table:
    rows = _rows(f, path)
    data = _data_rows(rows, path)
    first = next(data, None)
    if first is None:
        raise _fail(path, None, "", "the file is empty; expected a header line")
    header_line, cells = first
    header = tuple(h.strip() for h in cells)
    if len(header) > MAX_COLUMNS:
        raise _fail(
            path, header_line, "", f"{len(header):,} columns; expected at most {MAX_COLUMNS:,}"
        )
    seen: set[str] = set()
    for name in header:
        if not name:
            raise _fail(path, header_line, "", "a column has no name")
        if name in seen:
            raise _fail(path, header_line, name, "the column name appears twice")
        seen.add(name)
    slots: list[tuple[int, object]] = []  # (column index, accumulator)
    kept: dict[str, dict[str, object]] = {}
    features: list[tuple[int, str]] = []  # decided by their first cell
    for name, kinds in wanted(header).items():
        if name not in header:
            continue
        j = header.index(name)
        for kind in dict.fromkeys(kinds):
            if kind == FEATURE:
                features.append((j, name))
                continue
            acc: object
            if kind == LABEL:
                acc = _Labels()
            elif kind == NUMBER:
                acc = _Numbers(blank_is_nan=False)
            elif kind == GROUP:
                acc = _Codes(True, MAX_GROUP_CHARS, path, name, "a group name")
            else:  # pragma: no cover - a kind without a reader
                raise ValueError(kind)
            kept.setdefault(name, {})[kind] = acc
            slots.append((j, acc))
    plain = [(j, acc.add) for j, acc in slots if not isinstance(acc, _Codes)]
    coded = [(j, acc.add) for j, acc in slots if isinstance(acc, _Codes)]
    width = len(header)
    n = 0
    for line, row in rows:
        if not row:
            continue
        if len(row) != width:
            raise _fail(path, line, "", f"expected {width} fields like the header, got {len(row)}")
        if n == 0 and features:  # a feature column is text if its first cell is not a number
            for j, name in features:
                acc = _feature(row[j], path, name)
                kept.setdefault(name, {})[FEATURE] = acc
                (coded if isinstance(acc, _Codes) else plain).append((j, acc.add))
        if n >= MAX_ROWS:
            raise _fail(path, line, "", f"more than {MAX_ROWS:,} rows; expected at most that")
        for j, add in plain:
            add(row[j], n)
        for j, add in coded:
            add(row[j], n, line)
        n += 1
    if n == 0:
        raise _fail(path, None, "", "no rows after the header")
    return Table(path, header, header_line, n, kept)


def _feature(first: str, path: Path, name: str) -> object:
    try:
        float(first)
    except ValueError:
        if first.strip():
            return _Codes(False, MAX_CELL_CHARS, path, name, "a value")
    return _Numbers(blank_is_nan=True)


def _data_rows(
    rows: Iterator[tuple[int, list[str]]], path: Path
) -> Iterator[tuple[int, list[str]]]:
    """The header row: the first that is not blank. A file of nothing but spaces is empty."""
    blank_line = None
    for line, row in rows:
        if not row:
            continue
        if len(row) == 1 and not row[0].strip():
            blank_line = blank_line or line
            continue
        if blank_line is not None:  # a blank header before real rows: a nameless column
            raise _fail(path, blank_line, "", "a column has no name")
        yield line, row
        return


def _rows(f: io.BufferedIOBase, path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line the row ends on, its cells) for every row; blank lines give empty rows. Cells
    and lines are bounded as they are read."""
    text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
    lines = _lines(text, path)
    reader = csv.reader(lines)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _too_long(path, reader.line_num) from None
            raise _fail(path, reader.line_num, "", f"not a readable CSV file: {exc}") from None
        if row and max(map(len, row)) > MAX_CELL_CHARS:
            raise _too_long(path, reader.line_num)
        yield reader.line_num, row


def _too_long(path: Path, line: int) -> PresetError:
    return _fail(
        path,
        line,
        "",
        f"a cell is over {MAX_CELL_CHARS:,} characters; expected numbers, labels or short names",
    )


def _lines(text: io.TextIOWrapper, path: Path) -> Iterator[str]:
    number = 0
    while line := text.readline(_MAX_LINE_CHARS):
        number += 1
        if len(line) >= _MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise _fail(
                path, number, "", f"a line is over {_MAX_LINE_CHARS:,} characters; not read"
            )
        if "\x00" in line:
            raise _fail(path, number, "", "holds a NUL byte; not a text CSV file")
        yield line


def _utf8_error(path: Path) -> tuple[int | None, int | None]:
    """(byte offset, line) of the first byte that is not UTF-8, read again in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = newlines = 0
    try:
        with open_regular(path, MAX_CSV_BYTES) as f:
            while True:
                chunk = f.read(1 << 20)
                pending = decoder.getstate()[0]
                try:
                    decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    data = pending + chunk
                    byte = offset - len(pending) + exc.start
                    return byte, newlines + data.count(b"\n", 0, exc.start) + 1
                if not chunk:
                    return None, None
                offset += len(chunk)
                newlines += chunk.count(b"\n")
    except (Refused, OSError):
        return None, None
