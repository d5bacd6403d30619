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

numpy is imported only by the methods that hand out arrays: checking a file's label and
weight columns (:meth:`Table.plain`) needs none.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import sys
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..limits import Refused, open_regular
from ..preset.preset_io import PresetError, Problem

if TYPE_CHECKING:
    import numpy as np

MAX_CSV_BYTES = 1 << 30  # 1 GiB, checked before reading: tens of millions of rows
MAX_ROWS = 20_000_000
MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 1_000  # a number never needs more; nor does a category
MAX_GROUP_CHARS = 200  # a group's name, as shown in the model panel and the report
MAX_DISTINCT = 1_000_000  # distinct values of one text column (groups, categories)
MAX_WEIGHT = 1e12  # per row; 20 million rows of it still sum to a finite total
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
        value = 1 if cell == "1" else 0 if cell == "0" else _label(cell)
        if value is None:
            if self.bad is None:
                self.bad = (row, cell)
            value = 0
        self.values.append(value)

    def extend(self, cells: list[str], row0: int, line_at: Callable[[int], int]) -> None:
        found = {c: 1 if c == "1" else 0 if c == "0" else _label(c) for c in set(cells)}
        bad = {c for c, v in found.items() if v is None}
        if bad and self.bad is None:
            i = next(k for k, c in enumerate(cells) if c in bad)
            self.bad = (row0 + i, cells[i])
        values = {c: 0 if v is None else v for c, v in found.items()}
        self.values.extend(map(values.__getitem__, cells))


def _label(cell: str) -> int | None:
    text = cell.strip().lower()
    return 1 if text in _POSITIVE else 0 if text in _NEGATIVE else None


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

    def extend(self, cells: list[str], row0: int, line_at: Callable[[int], int]) -> None:
        plain = _decimals(cells)
        if plain is not None:
            self.values.frombytes(plain)
            return
        start = len(self.values)
        try:  # float() over the whole block at C speed; a bad cell sends it cell by cell
            self.values.extend(map(float, cells))
        except ValueError:
            del self.values[start:]
            for i, cell in enumerate(cells):
                self.add(cell, row0 + i)


_PLAIN = b"0123456789.-,"
_MAX_DIGITS = 15  # below 2**53: the digits are an exact float, as is 10**15
_POWERS = [float(10**k) for k in range(_MAX_DIGITS + 1)]  # exact


def _decimals(cells: list[str]) -> bytes | None:
    """The cells as float64 bytes, if every cell is a plain decimal ('-' at most first,
    digits with at most one '.' between two of them, at most 15 digits in all); else None
    (then float() reads them one by one, and says which is not a number).

    Such a cell is its digits as a whole number, exact in a float, divided by a power of
    ten that is exact too: one correctly rounded division, so the value is the correctly
    rounded one, as float() gives it, bit for bit. Only when numpy is already imported: a
    check of the columns alone (:meth:`Table.plain`) does not import it for this."""
    np = sys.modules.get("numpy")
    if np is None or not cells:
        return None
    text = ",".join(cells) + ","
    if not text.isascii():
        return None
    raw = text.encode("ascii")
    if raw.translate(None, _PLAIN):
        return None  # another character: an exponent, a space, 'nan', '_', text...
    b = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero(b == 44).astype(np.int32)  # each cell's comma; a block is small
    if len(ends) != len(cells):
        return None  # a comma inside a cell cannot happen in a block, but never guess
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    values = _cell_values(b, starts, ends - starts)
    return None if values is None else values.tobytes()


def _cell_values(b: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray | None:
    """The cells of ``b`` (bytes) at ``starts``, ``lengths`` long, as float64, if every one
    is a plain decimal in the sense of :func:`_decimals`; else None.

    The cells are read right-aligned, a byte place at a time over all of them at once, the
    places before a cell read as '0' (a leading zero changes no value). Their digits make
    one exact whole number (at most 15 digits; a '.' or '-' counted as a 0, taken out after),
    divided once, correctly rounded, by an exact power of ten."""
    import numpy as np

    n = len(starts)
    if n == 0:
        return np.empty(0)
    width = int(lengths.max())
    if lengths.min() < 1 or width > _MAX_DIGITS + 2:
        return None  # an empty cell, or more digits than are exact
    padded = np.concatenate((np.full(width, 48, dtype=np.uint8), b))
    at = starts + lengths  # in ``padded``: the first place of each cell's window
    first = (width - lengths).astype(np.int8)  # the place of each cell's first byte
    whole = np.zeros(n, dtype=np.int64)
    place = np.zeros(n, dtype=np.int8)  # digits after the '.'
    bad = np.zeros(n, dtype=bool)
    dotted = np.zeros(n, dtype=bool)
    signs = np.zeros(n, dtype=bool)
    special = np.zeros(n, dtype=bool)  # the byte before was '-' or '.': a digit must follow
    for k in range(width):
        byte = padded[at + k]
        byte[first > k] = 48
        digit = byte - 48
        is_digit = digit <= 9
        dot = digit == 254  # ('.' and '-' wrap around)
        minus = digit == 253
        here = first == k
        bad |= ~(is_digit | dot | minus)  # an exponent, a space, 'nan', '_', text...
        bad |= special & ~is_digit
        # '-' only first; '.' not first (a digit before it), at most once
        bad |= minus & ~here
        bad |= dot & (here | dotted)
        place += dotted & is_digit
        dotted |= dot
        signs |= minus
        special = dot | minus
        digit[~is_digit] = 0
        whole *= 10
        whole += digit
    if (bad | special).any():
        return None  # (a cell may not end in '-' or '.')
    if (lengths - dotted - signs).max() > _MAX_DIGITS:
        return None
    if dotted.any():
        right = whole % (10 ** place.astype(np.int64))  # (1 without a '.': none)
        right[~dotted] = 0
        whole -= right
        whole[dotted] //= 10  # the '.' counted as a 0, taken out
        whole += right
    values = whole.astype(np.float64)
    if dotted.any():
        values[dotted] /= np.array(_POWERS)[place[dotted]]
    values[signs] *= -1.0  # '-0' is -0.0, as float() makes it
    return values


class _Codes:
    """Text: one code per row, each distinct value once."""

    def __init__(self, strip: bool, max_chars: int, path: Path, column: str, what: str) -> None:
        self.codes = array("i")
        self.index: dict[str, int] = {}
        self.names: list[str] = []
        self.strip = strip
        self.max_chars = max_chars
        self.where = (path, column, what)
        self.pending: list[str] = []  # new values of a block not yet kept (fast_codes)

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
                    f"expected {what} of at most {self.max_chars:,} characters, got {len(key):,}",
                )
            if len(self.names) >= MAX_DISTINCT:
                raise _fail(
                    path,
                    line,
                    column,
                    f"more than {MAX_DISTINCT:,} distinct values; expected values that repeat "
                    "(groups or categories)",
                )
            code = self.index[key] = len(self.names)
            self.names.append(key)
        self.codes.append(code)

    def extend(self, cells: list[str], row0: int, line_at: Callable[[int], int]) -> None:
        keys = list(map(str.strip, cells)) if self.strip else cells
        index = self.index
        new = set(keys).difference(index)
        if new:
            if max(map(len, new)) > self.max_chars or len(index) + len(new) > MAX_DISTINCT:
                for i in range(len(cells)):  # the first offending row, by the rules of add
                    self.add(cells[i], row0 + i, line_at(i))
                return
            for key in new:  # codes are private: their order does not matter
                index[key] = len(self.names)
                self.names.append(key)
        self.codes.extend(map(index.__getitem__, keys))

    def fast_codes(self, b: np.ndarray, starts: np.ndarray, lengths: np.ndarray):
        """Each cell's code (int32), for cells of ASCII bytes in ``b``, or None if a cell
        is long (over 64 bytes: its fixed-width copy would be large) or a new value breaks
        a cap (:meth:`add` says which row). New values are kept only by :meth:`commit`."""
        import numpy as np

        self.pending = []
        width = int(lengths.max()) if len(lengths) else 0
        if width > 64:
            return None
        # Each cell padded with NULs to a fixed width (a NUL is never in a cell: refused
        # on reading) and compared as bytes: each distinct value decoded once.
        at = starts[:, None] + np.arange(max(width, 1), dtype=np.int32)
        inside = at < (starts + lengths)[:, None]
        np.minimum(at, len(b) - 1, out=at)
        fixed = b[at]
        fixed[~inside] = 0
        distinct, inverse = np.unique(fixed.view(f"S{max(width, 1)}").ravel(), return_inverse=True)
        keys = [v.decode("ascii") for v in distinct.tolist()]
        if self.strip:
            keys = [k.strip() for k in keys]
        index = self.index
        new = sorted(set(keys).difference(index))
        if new and (max(map(len, new)) > self.max_chars or len(index) + len(new) > MAX_DISTINCT):
            return None
        self.pending = new
        ahead = {k: len(self.names) + i for i, k in enumerate(new)}
        codes = np.array([index.get(k, ahead.get(k, -1)) for k in keys], dtype=np.int32)
        return codes[inverse.ravel()]

    def commit(self) -> None:
        """Keep the new values of the last :meth:`fast_codes`."""
        for key in self.pending:
            self.index[key] = len(self.names)
            self.names.append(key)
        self.pending = []

    def objects(self) -> np.ndarray:
        """Each row's value, as Python strings shared between equal rows."""
        import numpy as np

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
                text = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
                rows = _rows(_Feed(text, self.path), self.path)
                next(_data_rows(rows, self.path), None)  # the header
                data = ((line, cells) for line, cells in rows if cells)  # blank lines skipped
                for i, (line, cells) in enumerate(data):
                    if i == row:
                        return line, cells
        except (Refused, PresetError, OSError, UnicodeDecodeError, csv.Error):
            pass  # the file changed since it was read: the message goes without a line
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
    def plain(self, column: str, kind: str, field_path: str) -> array:
        """A label or number column as read, without numpy: labels as 0 or 1 (signed
        bytes), numbers as doubles; a cell that is not one is an error naming its line."""
        acc = self._kept(column, kind, field_path)
        if isinstance(acc, _Labels):
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
            return acc.values
        assert isinstance(acc, _Numbers)
        _raise_bad(self, column, acc.bad)
        return acc.values

    def labels(self, column: str, field_path: str) -> np.ndarray:
        import numpy as np

        values = self.plain(column, LABEL, field_path)
        return np.frombuffer(values, dtype=np.int8).view(bool)  # 0 or 1 only: no copy

    def numbers(self, column: str, field_path: str) -> np.ndarray:
        """A column of numbers; a blank or text cell is an error naming its line."""
        import numpy as np

        return np.frombuffer(self.plain(column, NUMBER, field_path), dtype=np.float64)

    def groups(self, column: str, field_path: str) -> np.ndarray:
        """Each row's group name (stripped), as an object array."""
        acc = self._kept(column, GROUP, field_path)
        assert isinstance(acc, _Codes)
        return acc.objects()

    def group_codes(self, column: str, field_path: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """Each row's group as a code (int32, sharing the table's memory) into the names."""
        import numpy as np

        acc = self._kept(column, GROUP, field_path)
        assert isinstance(acc, _Codes)
        return np.frombuffer(acc.codes, dtype=np.int32), tuple(acc.names)

    def feature(self, column: str) -> np.ndarray:
        """A feature column: floats (blank cells are NaN) if its first cell is a number or
        blank, else its text, every cell, as an object array."""
        import numpy as np

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
        # The text layer owns the file: closing it, even on an error, closes both.
        with io.TextIOWrapper(f, encoding="utf-8-sig", newline="") as text:
            return _read(path, text, wanted)
    except UnicodeDecodeError:
        byte, line = _utf8_error(path)  # read again: the decoder does not say where
        where = "" if byte is None else f" (byte {byte})"
        raise _fail(path, line, "", f"not UTF-8 text{where}; save the file as UTF-8 CSV") from None
    except OSError as exc:
        raise _fail(path, None, "", f"cannot read: {exc.strerror}") from None


def _read(path: Path, text: io.TextIOWrapper, wanted: Wanted) -> Table:
    feed = _Feed(text, path)
    rows = _rows(feed, path)
    first = next(_data_rows(rows, path), None)
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
    columns = _Columns(path, header, wanted(header))
    while True:
        start = feed.line
        block = feed.rest()
        if not block:
            break
        if '"' in block:  # quoted cells: the csv module's rules, row by row, to the end
            feed.unread(block, start)
            for line, row in rows:
                if row:
                    columns.row(row, line)
            break
        if not columns.bytes_block(block):
            columns.block(block, start)
    if columns.n == 0:
        raise _fail(path, None, "", "no rows after the header")
    return Table(path, header, header_line, columns.n, columns.kept)


class _Columns:
    """The kept columns, filled a row or a block of plain rows at a time."""

    def __init__(self, path: Path, header: tuple[str, ...], wanted: dict) -> None:
        self.path = path
        self.width = len(header)
        self.n = 0
        self.kept: dict[str, dict[str, object]] = {}
        self.slots: list[tuple[int, object]] = []  # (column index, accumulator)
        self.features: list[tuple[int, str]] = []  # decided by their first cell
        for name, kinds in wanted.items():
            if name not in header:
                continue  # Table.require reports it, after the rows are checked
            j = header.index(name)
            for kind in dict.fromkeys(kinds):
                if kind == FEATURE:
                    self.features.append((j, name))
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
                self.kept.setdefault(name, {})[kind] = acc
                self.slots.append((j, acc))

    def _first(self, row: list[str]) -> None:
        """A feature column is text if its first cell is not a number (nor blank)."""
        for j, name in self.features:
            acc = _feature(row[j], self.path, name)
            self.kept.setdefault(name, {})[FEATURE] = acc
            self.slots.append((j, acc))
        self.features = []

    def _count(self, rows: int, line_at: Callable[[int], int]) -> None:
        if self.n + rows > MAX_ROWS:  # name the first row over the cap
            line = line_at(MAX_ROWS - self.n)
            raise _fail(self.path, line, "", f"more than {MAX_ROWS:,} rows; expected at most that")

    def row(self, row: list[str], line: int) -> None:
        if len(row) != self.width:
            raise _fail(
                self.path, line, "", f"expected {self.width} fields like the header, got {len(row)}"
            )
        self._count(1, lambda i: line)
        if self.features:
            self._first(row)
        for j, acc in self.slots:
            if isinstance(acc, _Codes):
                acc.add(row[j], self.n, line)
            else:
                acc.add(row[j], self.n)  # type: ignore[attr-defined]
        self.n += 1

    def bytes_block(self, block: str) -> bool:
        """Lines each ending in a newline, without quotes, taken apart as bytes by numpy
        with no Python string per cell: every kept column read at once, if the block is
        ASCII with no blank line, every line has the header's fields, and every kept cell is
        read the fast way (labels 0 or 1, plain decimals, short text). Else False, having
        kept nothing of it: :meth:`block` then reads it and says what is wrong."""
        np = sys.modules.get("numpy")
        if np is None or not block.isascii():
            return False
        b = np.frombuffer(block.encode("ascii"), dtype=np.uint8)
        n, width = block.count("\n"), self.width
        sep = b == 44
        sep |= b == 10
        ends = np.flatnonzero(sep).astype(np.int32)  # each cell's comma or newline
        del sep
        if len(ends) != n * width or self.n + n > MAX_ROWS:
            return False
        ends = ends.reshape(n, width)
        if not (b[ends[:, -1]] == 10).all():  # n newlines, each after width - 1 commas
            return False
        starts = np.empty_like(ends)
        flat = starts.reshape(-1)  # (views: .flat would copy one element at a time)
        flat[0] = 0
        np.add(ends.reshape(-1)[:-1], 1, out=flat[1:])
        lengths = ends - starts
        if lengths.max() > MAX_CELL_CHARS or (width == 1 and lengths.min() == 0):
            return False  # a long cell, or a blank line: as block() says or skips
        if self.features:
            self._first(block[: ends[0, -1]].split(","))
        commits: list[tuple[array, Any]] = []  # kept only once all are read
        numbers = [(j, acc) for j, acc in self.slots if isinstance(acc, _Numbers)]
        if numbers:
            columns = [j for j, _ in numbers]
            values = _cell_values(
                b, starts[:, columns].ravel(order="F"), lengths[:, columns].ravel(order="F")
            )
            if values is None:  # an exponent, a blank, 'nan', text...: float() says
                return False
            for k, (_, number) in enumerate(numbers):
                commits.append((number.values, values[k * n : (k + 1) * n]))
        for j, kept in self.slots:
            if isinstance(kept, _Labels):
                if not (lengths[:, j] == 1).all():
                    return False
                digits = b[starts[:, j]] - 48
                if digits.max() > 1:
                    return False  # (a byte below '0' wraps above 1)
                commits.append((kept.values, digits.view(np.int8)))
            elif isinstance(kept, _Codes):
                codes = kept.fast_codes(b, starts[:, j], lengths[:, j])
                if codes is None:
                    return False
                commits.append((kept.codes, codes))
        for column, part in commits:
            column.frombytes(part.tobytes())
        for _, kept in self.slots:
            if isinstance(kept, _Codes):
                kept.commit()
        self.n += n
        return True

    def block(self, block: str, start: int) -> None:
        """Lines ``start + 1`` on, each ending in a newline, without quotes: split at once."""
        lines = block.split("\n")
        lines.pop()
        if "" in lines:  # blank lines are skipped
            where = [k for k, text in enumerate(lines) if text]
            lines = [lines[k] for k in where]

            def line_at(i: int) -> int:
                return start + 1 + where[i]

        else:

            def line_at(i: int) -> int:
                return start + 1 + i

        if not lines:
            return
        commas = self.width - 1
        counts = list(map(str.count, lines, repeat(",")))
        if min(counts) != commas or max(counts) != commas:
            i = next(k for k, c in enumerate(counts) if c != commas)
            raise _fail(
                self.path,
                line_at(i),
                "",
                f"expected {self.width} fields like the header, got {counts[i] + 1}",
            )
        fields = ",".join(lines).split(",")
        # a cell is never longer than its line: the cells are measured only after a long line
        if max(map(len, lines)) > MAX_CELL_CHARS and max(map(len, fields)) > MAX_CELL_CHARS:
            i = next(k for k, c in enumerate(fields) if len(c) > MAX_CELL_CHARS) // self.width
            raise _too_long(self.path, line_at(i))
        self._count(len(lines), line_at)
        if self.features:
            self._first(fields[: self.width])
        slots = self.slots
        numbers = [(j, acc) for j, acc in slots if isinstance(acc, _Numbers)]
        if len(numbers) > 1:  # the number columns parsed as one, if all are plain decimals
            cells = [cell for j, _ in numbers for cell in fields[j :: self.width]]
            parsed = _decimals(cells)
            if parsed is not None:
                size = 8 * len(lines)
                for k, (_, column) in enumerate(numbers):
                    column.values.frombytes(parsed[k * size : (k + 1) * size])
                slots = [(j, acc) for j, acc in slots if not isinstance(acc, _Numbers)]
        for j, acc in slots:
            acc.extend(fields[j :: self.width], self.n, line_at)  # type: ignore[attr-defined]
        self.n += len(lines)


_BLOCK_CHARS = 1 << 16  # a block's lists of lines and cells are temporary: keep them small


class _Feed:
    """The file's text as blocks of whole lines, newlines made '\\n', bounded as it is read:
    a line over _MAX_LINE_CHARS or a NUL byte is refused with its line. ``line`` counts
    the lines handed out so far."""

    def __init__(self, text: io.TextIOWrapper, path: Path) -> None:
        self.text = text
        self.path = path
        self.carry = ""
        self.block = ""
        self.pos = 0
        self.line = 0
        self.eof = False

    def _next_block(self) -> str:
        while not self.eof:
            chunk = self.text.read(_BLOCK_CHARS)
            self.eof = not chunk
            data, held = self.carry + chunk, ""
            if "\r" in data:
                if data.endswith("\r") and not self.eof:  # maybe half of a CRLF: wait
                    data, held = data[:-1], "\r"
                data = data.replace("\r\n", "\n").replace("\r", "\n")
            cut = data.rfind("\n") + 1
            if self.eof and data and cut < len(data):
                data += "\n"
                cut = len(data)
            block, self.carry = data[:cut], data[cut:] + held
            if len(self.carry) > _MAX_LINE_CHARS:
                raise _fail(
                    self.path,
                    self.line + block.count("\n") + 1,
                    "",
                    f"a line is over {_MAX_LINE_CHARS:,} characters; not read",
                )
            if "\x00" in block:
                line = self.line + block.count("\n", 0, block.index("\x00")) + 1
                raise _fail(self.path, line, "", "holds a NUL byte; not a text CSV file")
            if block:
                return block
        return ""

    def rest(self) -> str:
        """The rest of the current block, or the next one ('' at the end)."""
        if self.pos < len(self.block):
            out = self.block[self.pos :]
        else:
            out = self._next_block()
        self.block, self.pos = "", 0
        self.line += out.count("\n")
        return out

    def unread(self, block: str, line: int) -> None:
        self.block, self.pos, self.line = block, 0, line

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.block):
            self.block, self.pos = self._next_block(), 0
            if not self.block:
                raise StopIteration
        end = self.block.index("\n", self.pos) + 1
        out = self.block[self.pos : end]
        self.pos = end
        self.line += 1
        return out


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


def _rows(feed: _Feed, path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line the row ends on, its cells) for every row by the csv module's rules; blank
    lines give empty rows. Cells are bounded as they are read."""
    reader = csv.reader(feed)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _too_long(path, feed.line) from None
            raise _fail(path, feed.line, "", f"not a readable CSV file: {exc}") from None
        if row and max(map(len, row)) > MAX_CELL_CHARS:
            raise _too_long(path, feed.line)
        yield feed.line, row


def _too_long(path: Path, line: int) -> PresetError:
    return _fail(
        path,
        line,
        "",
        f"a cell is over {MAX_CELL_CHARS:,} characters; expected numbers, labels or short names",
    )


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
