"""Where a preset's real model files are, and where messages about them point.

Paths in a model section are relative to the preset file's folder (``base_dir``); a preset
built in memory resolves them against the current folder, or else the bundled presets'
folder. Every bad input raises :class:`~prototyper.core.preset.preset_io.PresetError` with one
line per problem, ``file:line: field: message``; :class:`Origin` finds the line of a field in
the preset file that a message cites.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import limits
from ..preset.preset_io import MAX_BYTES, PresetError, Problem, line_of, parse_yaml
from ..preset.schema import ModelSource, Preset

# --- errors and where they point -----------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """Where a preset's model section was read from, for error messages: the name to show
    and the YAML file whose lines the messages cite (read only when a message needs one)."""

    file: str = "<preset>"
    path: str | None = None

    def line(self, field_path: str) -> int | None:
        return line_of(field_path, _preset_lines(self.path)) if self.path else None

    def problem(self, field_path: str, message: str) -> Problem:
        return Problem(self.file, self.line(field_path), field_path, message)


def origin_of(preset_file: str | os.PathLike | None, shown: str | None = None) -> Origin:
    """The origin of a preset read from ``preset_file`` (shown as ``shown`` if given)."""
    if preset_file is None:
        return Origin(shown or "<preset>")
    return Origin(shown or str(preset_file), str(preset_file))


_LINES: dict[str, tuple[int, dict[str, int]]] = {}


def _preset_lines(path: str | None) -> dict[str, int]:
    if not path:
        return {}
    try:
        stamp = os.stat(path).st_mtime_ns
        cached = _LINES.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
        _, lines = parse_yaml(limits.read_regular(path, MAX_BYTES), path)
    except (OSError, PresetError, limits.Refused):
        return {}
    _LINES[path] = (stamp, lines)
    return lines


def fail(*problems: Problem) -> PresetError:
    return PresetError(list(problems))


def first_line(text: object) -> str:
    lines = str(text).strip().splitlines()
    line = lines[0] if lines else ""
    return line if len(line) <= 200 else line[:197] + "..."


# --- paths ---------------------------------------------------------------------------------


def model_files(model: ModelSource) -> dict[str, str]:
    """The file fields of a model section and their paths as written: {'model': ..., 'data':
    ...} for scikit-learn, {'path': ...} for a score file, {} for a synthetic model."""
    return {name: getattr(model, name) for name in getattr(model, "FILE_FIELDS", ())}


def resolve_path(text: str, base_dir: str | os.PathLike | None) -> Path:
    """An absolute path for a path written in a preset: relative to ``base_dir`` (the preset
    file's folder). Without one (a preset built in memory), relative to the current folder,
    or else to the bundled presets' folder, so the shipped presets evaluate from anywhere."""
    path = Path(os.path.expanduser(text))
    if path.is_absolute():
        return Path(os.path.normpath(path))
    if base_dir is not None:
        return Path(os.path.normpath(Path(base_dir).absolute() / path))
    here = Path(os.path.normpath(Path.cwd() / path))
    if limits.exists(here):
        return here
    from ... import assets

    try:
        shipped = Path(os.path.normpath(assets.asset_dir("presets") / path))
    except FileNotFoundError:
        return here
    return shipped if limits.exists(shipped) else here


def existing_files(model: ModelSource, base_dir: Any, origin: Origin) -> dict[str, Path]:
    paths, problems = {}, []
    for name, text in model_files(model).items():
        path = resolve_path(text, base_dir)
        if not limits.is_regular(path):  # a FIFO or device could hang a reader
            what = limits.describe(path)
            problems.append(origin.problem(f"model.{name}", f"{what}: {path}"))
        paths[name] = path
    if problems:
        raise fail(*problems)
    return paths


def rebase_paths(
    preset: Preset, old_dir: str | os.PathLike | None, new_dir: str | os.PathLike
) -> Preset:
    """The preset with its model's relative paths rewritten so that, saved in ``new_dir``,
    they name the same files they named from ``old_dir``. Absolute paths stay as written,
    but for files in ``new_dir`` or below it, which become relative (shareable)."""
    changes = {}
    new_dir = Path(new_dir).absolute()
    for name, written in model_files(preset.model).items():
        if not written:
            continue
        target = resolve_path(written, old_dir)
        absolute = Path(os.path.expanduser(written)).is_absolute()
        if not absolute or target.is_relative_to(new_dir):
            changes[name] = Path(os.path.relpath(target, new_dir)).as_posix()
    if not changes:
        return preset
    # mypy types replace() on a union by the fields all members share (none here); the keys
    # are this model's own FILE_FIELDS.
    model = dataclasses.replace(preset.model, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(preset, model=model)
