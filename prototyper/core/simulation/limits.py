"""How big a simulation may be, and its defaults: one place for the command line and the
window, so that the same preset, seed, replications and users give the same run in both.

Light on purpose (no numpy): the command line builds its options from it at start-up.
"""

from __future__ import annotations

from collections.abc import Callable

from ..preset.schema import Preset

DEFAULT_SEED = 0
DEFAULT_REPLICATIONS = 20
DEFAULT_USERS = 10_000  # users simulated unless asked otherwise; results are scaled up
MAX_REPLICATIONS = 10_000
MAX_USER_SLOTS = 50_000_000  # users x replications: what fits in memory


def default_users(preset: Preset) -> int:
    """The scenario's users, at most DEFAULT_USERS."""
    return min(preset.scenario.users, DEFAULT_USERS)


def _plain(name: str) -> str:
    return name


def size_problems(
    replications: int, users: int | None, name: Callable[[str], str] = _plain
) -> list[str]:
    """What is wrong with the replications and the users asked for (None: the default),
    one line each; ``name`` spells a setting as the front end shows it (``--users``)."""
    problems = []
    if not 1 <= replications <= MAX_REPLICATIONS:
        problems.append(
            f"{name('replications')}: expected 1 to {MAX_REPLICATIONS}, got {replications}"
        )
    if users is not None and users < 1:
        problems.append(f"{name('users')}: expected at least 1, got {users}")
    return problems


def slots_problem(replications: int, users: int, name: Callable[[str], str] = _plain) -> str:
    """Why ``users`` x ``replications`` does not fit in memory, or "" when it does."""
    if users * replications <= MAX_USER_SLOTS:
        return ""
    return (
        f"{name('users')} x {name('replications')} is {users * replications:,}; at most "
        f"{MAX_USER_SLOTS:,} user slots fit in memory"
    )
