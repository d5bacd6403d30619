from __future__ import annotations

from prototyper import cli
from prototyper.core.preset.preset_io import loads_preset, with_values
from prototyper.core.simulation.limits import (
    DEFAULT_USERS,
    MAX_REPLICATIONS,
    MAX_USER_SLOTS,
    default_users,
    size_problems,
    slots_problem,
)

from .small_preset import SMALL


def test_the_default_users_are_the_scenarios_up_to_a_cap():
    small = loads_preset(SMALL)
    assert default_users(small) == small.scenario.users < DEFAULT_USERS
    big = with_values(small, {"scenario.users": 10 * DEFAULT_USERS})
    assert default_users(big) == DEFAULT_USERS


def test_sizes_are_checked_in_the_front_ends_own_words():
    assert size_problems(1, None) == [] and size_problems(MAX_REPLICATIONS, 1) == []
    assert size_problems(0, 0) == [
        f"replications: expected 1 to {MAX_REPLICATIONS}, got 0",
        "users: expected at least 1, got 0",
    ]
    assert size_problems(MAX_REPLICATIONS + 1, None, lambda n: f"--{n}") == [
        f"--replications: expected 1 to {MAX_REPLICATIONS}, got {MAX_REPLICATIONS + 1}"
    ]
    assert slots_problem(10, MAX_USER_SLOTS // 10) == ""
    assert slots_problem(10, MAX_USER_SLOTS // 10 + 1) == (
        "users x replications is 50,000,010; at most 50,000,000 user slots fit in memory"
    )


def test_the_command_line_refuses_what_the_window_refuses(tmp_path, capsys):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    for argv, line in [
        (["--replications", "0"], size_problems(0, None, lambda n: f"--{n}")[0]),
        (["--users", "0"], size_problems(1, 0, lambda n: f"--{n}")[0]),
        (
            ["--users", "5000001", "--replications", "10"],
            slots_problem(10, 5_000_001, lambda n: f"--{n}"),
        ),
    ]:
        assert cli.main(["simulate", str(path), *argv]) == 2
        assert line in capsys.readouterr().err
