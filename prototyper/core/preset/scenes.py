"""Lecture scenes: a preset's steps, applied cumulatively.

Step 0 is the preset as written; step k is the preset with the ``set`` of steps 1 to k
applied in order. A scene is valid when each of its paths names a field, each value fits
that field, and the preset with all steps up to it applied is a valid preset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .schema import Preset
from .structure import Problems, get_path, parse_path, replace_path, to_data

# A check of a whole preset beyond its fields (e.g. sources naming real fields).
Check = Callable[[Preset], list[tuple[str, str]]]


def _apply(preset: Preset, index: int, check: Check | None) -> Preset:
    """The preset with scene ``index``'s fields set; Problems at ``scenes[i].set.PATH``."""
    scene = preset.scenes[index]
    where = f"scenes[{index}].set"
    problems: list[tuple[str, str]] = []
    for path, value in scene.set.items():
        try:
            preset = replace_path(preset, path, value)
        except Problems as exc:
            for p, m in exc.problems:
                problems.append((f"{where}.{path}", m if p == path else f"{p}: {m}"))
    if not problems and check is not None:
        problems = [
            (where, f"with steps 1 to {index + 1} applied, {p}: {m}") for p, m in check(preset)
        ]
    if problems:
        raise Problems(problems)
    return preset


def scene_states(preset: Preset, check: Check | None = None) -> list[Preset]:
    """The preset at every step: [as written, after step 1, ..., after step n]. Problems
    (the first failing step's) if a step does not apply."""
    states = [preset]
    for i in range(len(preset.scenes)):
        states.append(_apply(states[-1], i, check))
    return states


def scene_problems(preset: Preset, check: Check | None = None) -> list[tuple[str, str]]:
    try:
        scene_states(preset, check)
    except Problems as exc:
        return exc.problems
    return []


def applicable_scenes(
    preset: Preset, check: Check | None = None
) -> tuple[Preset, tuple[str, str] | None]:
    """The preset with only its first scenes that still apply (an edited design may have
    left the later ones behind), and the first problem of the ones dropped (None: all kept)."""
    states = [preset]
    for i in range(len(preset.scenes)):
        try:
            states.append(_apply(states[-1], i, check))
        except Problems as exc:
            return replace(preset, scenes=preset.scenes[:i]), exc.problems[0]
    return preset, None


def _covered(path: str, others: set[str]) -> bool:
    """Whether an ancestor of ``path`` is in ``others`` (setting it sets ``path`` too)."""
    keys = parse_path(path)
    for other in others:
        if other != path:
            mine = parse_path(other)
            if len(mine) < len(keys) and keys[: len(mine)] == mine:
                return True
    return False


def step_changes(states: list[Preset], start: int, end: int) -> dict[str, Any]:
    """The assignments that take a preset at step ``start`` to step ``end`` (either way):
    every path a step between them sets, with its value at ``end``, as plain data. A path
    under another one set too is left out (the larger value holds it), and the fields no
    step between them sets keep whatever they hold (a lecturer's tweak survives)."""
    low, high = sorted((start, end))
    preset = states[0]
    paths: list[str] = []
    for scene in preset.scenes[low:high]:
        paths += [p for p in scene.set if p not in paths]
    kept = set(paths)
    paths = [p for p in paths if not _covered(p, kept)]
    paths.sort(key=lambda p: len(parse_path(p)))
    return {p: to_data(get_path(states[end], p)) for p in paths}
