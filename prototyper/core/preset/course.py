"""A course file: the presets of a lecture, in order.

    title: Intelligent experiences
    presets:
      - safe_browsing            # a bundled preset, by name
      - ../my/own_design.yaml    # a file, relative to the course file's folder

Validated like a preset: every problem one line, ``file:line: presets[2]: ...``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..limits import Refused, read_regular
from .preset_io import PresetError, Problem, line_of, parse_yaml

MAX_BYTES = 100_000  # a list of names; a course file far larger is not one
MAX_PRESETS = 200
KEYS = ("title", "presets")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-]*$")  # a bundled preset's name, not a path


@dataclass(frozen=True)
class Course:
    title: str
    presets: tuple[Path, ...]  # absolute, in lecture order
    file: Path | None = None


def load_course(path: str | os.PathLike, bundled: Callable[[str], Path | None]) -> Course:
    """Read and check a course file. ``bundled(name)`` gives a bundled preset's file, or
    None when there is none of that name."""
    path = Path(path)
    try:
        raw = read_regular(path, MAX_BYTES, f"file is over {MAX_BYTES // 1000} kB; not a course")
    except Refused as exc:
        raise PresetError([Problem(str(path), None, "", str(exc))]) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PresetError([Problem(str(path), None, "", f"cannot read: {reason}")]) from None
    return loads_course(raw, path, bundled)


def is_course(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds a course rather than a preset: a mapping with a ``presets``
    list, a key no preset has."""
    try:
        raw = read_regular(Path(path), MAX_BYTES, "")
        data, _ = parse_yaml(raw, str(path))
    except (Refused, OSError, PresetError):
        return False
    return isinstance(data, dict) and "presets" in data and "schema_version" not in data


def loads_course(text: str | bytes, path: Path, bundled: Callable[[str], Path | None]) -> Course:
    filename = str(path)
    data, lines = parse_yaml(text, filename)
    problems: list[tuple[str, str]] = []

    def problem(where: str, message: str) -> None:
        problems.append((where, message))

    if not isinstance(data, dict):
        raise PresetError([Problem(filename, lines.get(""), "", "expected a course mapping")])
    for key in data:
        if key not in KEYS:
            problem(str(key), f"unknown key {str(key)!r}; expected one of {', '.join(KEYS)}")
    title = data.get("title", "")
    if not isinstance(title, str):
        problem("title", f"expected text, got {type(title).__name__}")
        title = ""
    entries = data.get("presets")
    found: list[Path] = []
    if not isinstance(entries, list) or not entries:
        problem("presets", "expected a list of bundled preset names or relative paths")
        entries = []
    if len(entries) > MAX_PRESETS:
        problem("presets", f"lists {len(entries)} presets; at most {MAX_PRESETS}")
        entries = []
    for i, entry in enumerate(entries):
        where = f"presets[{i}]"
        if not isinstance(entry, str) or not entry.strip():
            problem(where, "expected a bundled preset's name or a path relative to this file")
            continue
        file = _locate(entry, path, bundled)
        if file is None:
            if _NAME.match(entry):
                problem(where, f"no bundled preset named {entry!r}")
            else:
                problem(where, f"no preset file {entry!r} (paths are relative to the course file)")
            continue
        if file in found:
            problem(where, f"{entry!r} is listed twice")
            continue
        found.append(file)
    if problems:
        raise PresetError([Problem(filename, line_of(p, lines), p, m) for p, m in problems])
    return Course(title.strip() or path.stem, tuple(found), path)


def _locate(entry: str, course: Path, bundled: Callable[[str], Path | None]) -> Path | None:
    """A bundled preset's file for a plain name, else a file relative to the course's folder
    (None if there is none)."""
    try:
        if _NAME.match(entry):
            named = bundled(entry)
            return named.resolve() if named is not None else None
        file = (course.parent / entry).resolve()
        return file if file.is_file() else None
    except (OSError, ValueError):  # a NUL byte, a name too long...
        return None
