"""Machine-readable results of a benchmark: each ``--json`` run prints its tables on stderr
and one JSON document on stdout, ``{"rows": [{"what", "seconds" or "value", ...}]}``, which
benchmarks/table.py reads."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator

ROWS: list[dict] = []
_section = [""]


def section(title: str) -> None:
    """The table the next rows belong to (its title)."""
    _section[0] = title


def record(what: str, **values: float | int | str | None) -> None:
    """Keep one row's numbers (a median in seconds, its floor, a ratio...) under its name."""
    ROWS.append({"section": _section[0], "what": what.strip(), **values})


@contextlib.contextmanager
def json_output(enabled: bool) -> Iterator[None]:
    """With ``enabled``, the human tables go to stderr and the rows, as JSON, to stdout."""
    if not enabled:
        yield
        return
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        yield
    out.write(json.dumps({"rows": ROWS}) + "\n")
    out.flush()
