"""The modes of interaction as data: one row per mode with its traits.

The schema (its per-mode sections and enums), the engine, the simulation, the report and every
view read the modes from this table, never from names, index lists or counts. To add a mode:

1. A ``Mode(...)`` row in ``_BUILT_IN`` (or ``register(Mode(...))`` before the schema's import).
2. Its ``rank`` between its neighbours' (lower is more forceful; ``none`` stays the last).
3. Its traits: ``shown``, ``interrupts``, ``abandons``, ``automates``.
4. Its words and colour: ``name``, ``plural``, ``caption``, ``color`` (a key in qt/theme.COLORS).
5. Its defaults (``forcefulness``, ``act_if_positive``, ``act_if_negative``), and a preset test.

Nothing else names a mode: a formula that must treat it unlike its traits needs a new trait.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Mode:
    """One mode of interaction and its traits."""

    key: str  # the name in presets and reports, e.g. "prompt"
    rank: int  # order of forcefulness: a lower rank is more forceful; demotion raises it
    name: str  # display name, e.g. "Prompt"
    plural: str  # what its interactions are called, e.g. "prompts"
    caption: str = ""  # under its acts-when-shown figure, e.g. "of prompts heeded"
    color: str = "grey"  # a colour key the views map to a colour
    shown: bool = True  # shows something the user responds to (habituation, trust)
    interrupts: bool = False  # breaks the user's flow (counted as an interruption)
    abandons: bool = False  # a false alarm in it can make a user abandon the feature
    automates: bool = False  # acts without the user: the automation guardrails apply to it
    silent: bool = False  # does nothing; the one silent mode is the least forceful
    forcefulness: float = 0.5  # default design forcefulness
    act_if_positive: float = 0.5  # default response (the same at any forcefulness)
    act_if_negative: float = 0.5


_BUILT_IN = (
    Mode(
        "automate",
        10,
        "Automate",
        "automated actions",
        "of automations not undone",
        color="violet",
        shown=False,
        interrupts=True,
        abandons=True,
        automates=True,
        forcefulness=1.0,
        act_if_positive=1.0,
        act_if_negative=1.0,
    ),
    Mode(
        "prompt",
        20,
        "Prompt",
        "prompts",
        "of prompts heeded",
        color="orange",
        interrupts=True,
        abandons=True,
    ),
    Mode(
        "organize",
        30,
        "Organize",
        "reorderings",
        "of organized items used",
        color="green",
        act_if_positive=0.2,
        act_if_negative=0.2,
    ),
    Mode(
        "annotate",
        40,
        "Annotate",
        "annotations",
        "of annotations heeded",
        color="blue",
        act_if_positive=0.05,
        act_if_negative=0.05,
    ),
    Mode("none", 1000, "None", "silent events", color="grey", shown=False, silent=True),
)

_rows: list[Mode] = list(_BUILT_IN)
_sealed: tuple[Mode, ...] | None = None


class RegistrationError(RuntimeError):
    """A mode that cannot be added, or added too late."""


def register(mode: Mode) -> None:
    """Add a mode. Only before the schema is built (the first import of
    ``prototyper.core.preset.schema``): the schema's per-mode sections are made from the table
    then."""
    if _sealed is not None:
        raise RegistrationError(
            f"cannot register mode {mode.key!r}: the schema is already built; register modes "
            "before prototyper.core.preset.schema is first imported"
        )
    if not _KEY.match(mode.key):
        raise RegistrationError(f"mode key must be lowercase letters, digits, _: {mode.key!r}")
    if any(m.key == mode.key for m in _rows):
        raise RegistrationError(f"mode {mode.key!r} is already in the table")
    if any(m.rank == mode.rank for m in _rows):
        raise RegistrationError(f"mode {mode.key!r}: rank {mode.rank} is taken")
    quiet = next(m for m in _rows if m.silent)
    if mode.silent or mode.rank >= quiet.rank:
        raise RegistrationError(
            f"mode {mode.key!r} must do something and rank below {quiet.key!r} ({quiet.rank})"
        )
    _rows.append(mode)


def table() -> tuple[Mode, ...]:
    """Every mode, most forceful first. The first call fixes the table."""
    global _sealed
    if _sealed is None:
        _sealed = tuple(sorted(_rows, key=lambda m: m.rank))
    return _sealed


def keys() -> tuple[str, ...]:
    return tuple(m.key for m in table())


def get(key: str) -> Mode:
    for m in table():
        if m.key == key:
            return m
    raise KeyError(key)


def where(trait: str) -> tuple[str, ...]:
    """Keys of the modes with a trait set, e.g. ``where("interrupts")``, most forceful first."""
    return tuple(m.key for m in table() if getattr(m, trait))


def active() -> tuple[str, ...]:
    """The modes that do something: every mode but the silent one."""
    return tuple(m.key for m in table() if not m.silent)


def silent() -> str:
    return next(m.key for m in table() if m.silent)


def plural_list(keys: tuple[str, ...]) -> str:
    """The modes' plural nouns as a phrase: 'prompts and annotations' ('' for none)."""
    nouns = [get(k).plural for k in keys]
    if len(nouns) < 2:
        return "".join(nouns)
    return ", ".join(nouns[:-1]) + " and " + nouns[-1]
