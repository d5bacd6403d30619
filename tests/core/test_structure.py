"""Validation driven by the schema's field metadata: types, ranges, enums, cross-field rules and
the paths that name the problems. Exercised through loads_preset and with_values."""

from __future__ import annotations

import dataclasses

import pytest

from prototyper.core.preset.preset_io import (
    PresetError,
    loads_preset,
    parse_assignment,
    with_values,
)
from prototyper.core.preset.schema import Payoff, Preset

# The smallest valid preset: everything else has a default.
MINIMAL = """\
schema_version: 1
scenario: {name: m, users: 10, events_per_user_per_day: 2, base_rate: 0.1}
model: {source: synthetic, auc: 0.8}
experience:
  bands:
    - {threshold: 0.0, mode: prompt}
"""


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(PresetError) as info:
        loads_preset(text, "m.yaml")
    out = []
    for p in info.value.problems:
        assert str(p).splitlines() == [str(p)]
        out.append((p.line, p.path, p.message))
    return out


def edit(old: str, new: str, text: str = MINIMAL) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_minimal_preset_gets_the_defaults():
    p = loads_preset(MINIMAL, "m.yaml")
    assert p.scenario.horizon_days == 365
    assert p.scenario.event_unit == "event"
    assert p.experience.modes.automate.forcefulness == 1.0
    assert p.experience.modes.prompt.daily_cap is None
    assert p.experience.modes.prompt.over_cap == "none"
    assert p.response.trust_matching == 0.9
    assert p.payoffs.positive_acted == ()
    assert p.payoffs.currency == "USD"
    assert dict(p.sources) == {} and p.notes == ""


def test_numbers_get_the_schema_type():
    p = loads_preset(edit("users: 10", "users: 1e3", edit("auc: 0.8", "auc: 0.75e0")), "m.yaml")
    assert p.scenario.users == 1000 and type(p.scenario.users) is int
    assert type(p.model.auc) is float
    p = loads_preset(edit("users: 10", "users: 10.0"), "m.yaml")
    assert p.scenario.users == 10 and type(p.scenario.users) is int
    p = loads_preset(edit("threshold: 0.0", "threshold: 0"), "m.yaml")
    assert p.experience.bands[0].threshold == 0.0
    assert type(p.experience.bands[0].threshold) is float
    assert type(loads_preset(MINIMAL, "m.yaml").scenario.events_per_user_per_day) is float


# (old, new, field, message) on MINIMAL; line 2 holds the scenario, 3 the model, 6 the band.
RANGES = [
    ("base_rate: 0.1", "base_rate: 0", 2, "scenario.base_rate", "must be in (0, 1), got 0"),
    ("base_rate: 0.1", "base_rate: 1", 2, "scenario.base_rate", "must be in (0, 1), got 1"),
    (
        "base_rate: 0.1",
        "base_rate: -1e-9",
        2,
        "scenario.base_rate",
        "must be in (0, 1), got -1e-09",
    ),
    ("auc: 0.8", "auc: 0.5", 3, "model.auc", "must be in (0.5, 1), got 0.5"),
    ("auc: 0.8", "auc: 1", 3, "model.auc", "must be in (0.5, 1), got 1"),
    ("users: 10", "users: 0", 2, "scenario.users", "must be in [1, 1e+10], got 0"),
    ("users: 10", "users: -5", 2, "scenario.users", "must be in [1, 1e+10], got -5"),
    (
        "events_per_user_per_day: 2",
        "events_per_user_per_day: 0",
        2,
        "scenario.events_per_user_per_day",
        "must be in [1e-09, 1e+06], got 0",
    ),
    (
        "events_per_user_per_day: 2",
        "events_per_user_per_day: 1000001",
        2,
        "scenario.events_per_user_per_day",
        "must be in [1e-09, 1e+06], got 1e+06",
    ),
    (
        "threshold: 0.0",
        "threshold: -0.1",
        6,
        "experience.bands[0].threshold",
        "must be in [0, 1], got -0.1",
    ),
]


@pytest.mark.parametrize("old, new, line, field, message", RANGES)
def test_out_of_range(old, new, line, field, message):
    assert problems_of(edit(old, new)) == [(line, field, message)]


@pytest.mark.parametrize(
    "extra, field, message",
    [
        ("  horizon_days: 3651", "scenario.horizon_days", "must be in [1, 3650], got 3651"),
        ("  horizon_days: 0", "scenario.horizon_days", "must be in [1, 3650], got 0"),
    ],
)
def test_optional_fields_are_checked_too(extra, field, message):
    text = edit(
        "scenario: {name: m, users: 10, events_per_user_per_day: 2, base_rate: 0.1}",
        "scenario:\n  name: m\n  users: 10\n  events_per_user_per_day: 2\n"
        f"  base_rate: 0.1\n{extra}",
    )
    assert problems_of(text) == [(7, field, message)]


@pytest.mark.parametrize(
    "old, new",
    [
        ("base_rate: 0.1", "base_rate: 0.999999"),
        ("base_rate: 0.1", "base_rate: 1e-12"),
        ("auc: 0.8", "auc: 0.5000001"),
        ("users: 10", "users: 1"),
        ("events_per_user_per_day: 2", "events_per_user_per_day: 1000000"),
        ("events_per_user_per_day: 2", "events_per_user_per_day: 1e-9"),
    ],
)
def test_just_inside_the_range(old, new):
    loads_preset(edit(old, new), "m.yaml")


SECTIONS = (
    MINIMAL
    + """\
  modes:
    prompt: {forcefulness: 0.5, daily_cap: 3, over_cap: annotate}
response:
  modes:
    prompt:
      act_if_positive: {low: 0.2, high: 0.8}
      act_if_negative: {low: 0.1, high: 0.4}
      habituation: 0.3
payoffs:
  positive_acted:
    - {stakeholder: user, amount: 100, unit: money, label: saved}
  attention:
    prompt: {minutes_low: 0.1, minutes_high: 0.5, stakeholder: user}
"""
)


def test_the_sections_fixture_is_valid():
    p = loads_preset(SECTIONS, "m.yaml")
    assert p.response.modes.prompt.habituation == 0.3
    assert p.payoffs.positive_acted == (Payoff("user", 100.0, "money", "saved"),)


@pytest.mark.parametrize(
    "old, new, line, field, message",
    [
        (
            "habituation: 0.3",
            "habituation: 1",
            14,
            "response.modes.prompt.habituation",
            "must be in [0, 1), got 1",
        ),
        (
            "{low: 0.2, high: 0.8}",
            "{low: 0.2, high: 1.5}",
            12,
            "response.modes.prompt.act_if_positive.high",
            "must be in [0, 1], got 1.5",
        ),
        (
            "daily_cap: 3",
            "daily_cap: 10001",
            8,
            "experience.modes.prompt.daily_cap",
            "must be in [0, 10000], got 10001",
        ),
        (
            "daily_cap: 3",
            "daily_cap: 2.5",
            8,
            "experience.modes.prompt.daily_cap",
            "expected a whole number, got 2.5",
        ),
        (
            "forcefulness: 0.5",
            "forcefulness: high",
            8,
            "experience.modes.prompt.forcefulness",
            "expected a number, got 'high'",
        ),
        (
            "amount: 100",
            "amount: 2e12",
            17,
            "payoffs.positive_acted[0].amount",
            "must be in [-1e+12, 1e+12], got 2e+12",
        ),
        (
            "stakeholder: user, amount",
            "stakeholder: usr, amount",
            17,
            "payoffs.positive_acted[0].stakeholder",
            "must be one of user, operator, business, got 'usr' (did you mean 'user'?)",
        ),
        (
            "unit: money",
            "unit: minute",
            17,
            "payoffs.positive_acted[0].unit",
            "must be one of money, minutes, got 'minute' (did you mean 'minutes'?)",
        ),
        (
            "unit: money",
            "unit: euros",
            17,
            "payoffs.positive_acted[0].unit",
            "must be one of money, minutes, got 'euros'",
        ),
        (
            "label: saved",
            "label: 42",
            17,
            "payoffs.positive_acted[0].label",
            "expected text, got 42",
        ),
        (
            "minutes_high: 0.5",
            "minutes_high: 1e5",
            19,
            "payoffs.attention.prompt.minutes_high",
            "must be in [0, 10000], got 100000",
        ),
        (
            "minutes_high: 0.5,",
            "minutes_hihg: 0.5,",
            19,
            "payoffs.attention.prompt.minutes_hihg",
            "unknown key 'minutes_hihg'; did you mean 'minutes_high'?",
        ),
        (
            "habituation: 0.3",
            "habituaton: 0.3",
            14,
            "response.modes.prompt.habituaton",
            "unknown key 'habituaton'; did you mean 'habituation'?",
        ),
        (
            "  attention:",
            "  atention:",
            18,
            "payoffs.atention",
            "unknown key 'atention'; did you mean 'attention'?",
        ),
        (
            "over_cap: annotate",
            "over_cap: no",
            8,
            "experience.modes.prompt.over_cap",
            "expected text, got False",
        ),
    ],
)
def test_nested_problems_name_the_field_and_line(old, new, line, field, message):
    assert problems_of(edit(old, new, SECTIONS)) == [(line, field, message)]


def test_unknown_key_without_a_close_match_lists_the_choices():
    text = edit("auc: 0.8}", "auc: 0.8, colour: red}")
    assert problems_of(text) == [
        (3, "model.colour", "unknown key 'colour'; expected one of source, auc")
    ]


def test_non_text_keys_are_named():
    sections = ", ".join(f.name for f in dataclasses.fields(Preset))
    assert problems_of(MINIMAL + "notes: n\n1: one\n") == [
        (8, "1", f"unknown key '1'; expected one of {sections}"),
    ]


def test_a_bad_value_does_not_cascade_into_rule_errors():
    """A band whose threshold is unreadable is reported once, not also as 'out of order'."""
    text = edit(
        "    - {threshold: 0.0, mode: prompt}\n",
        "    - {threshold: 0.5, mode: automate}\n    - {threshold: x, mode: prompt}\n"
        "    - {threshold: 0.0, mode: none}\n",
    )
    assert problems_of(text) == [(7, "experience.bands[1].threshold", "expected a number, got 'x'")]


def test_all_independent_problems_are_reported_together():
    text = edit("mode: prompt", "mode: ask")
    text = edit("users: 10", "users: zero", edit("auc: 0.8", "auc: 2", text))
    assert [(line, field) for line, field, _ in problems_of(text)] == [
        (2, "scenario.users"),
        (3, "model.auc"),
        (6, "experience.bands[0].mode"),
    ]


@pytest.mark.parametrize(
    "bands, problems",
    [
        ("[]", [(5, "experience.bands", "needs at least one band")]),
        ("{threshold: 0}", [(5, "experience.bands", "expected a list, got a mapping")]),
        (
            "[0.5, 0]",
            [
                (5, "experience.bands[0]", "expected a mapping, got 0.5"),
                (5, "experience.bands[1]", "expected a mapping, got 0"),
            ],
        ),
        (
            "[{threshold: 0.5, mode: automate}, {threshold: 0.5, mode: none}]",
            [
                (
                    5,
                    "experience.bands[1].threshold",
                    "must be below bands[0].threshold (0.5), got 0.5",
                ),
                (5, "experience.bands[1].threshold", "the lowest band must start at 0, got 0.5"),
            ],
        ),
        (
            "[{threshold: 1, mode: automate}, {threshold: 0.2, mode: prompt}]",
            [(5, "experience.bands[1].threshold", "the lowest band must start at 0, got 0.2")],
        ),
        (
            "[{threshold: 0.3, mode: none}, {threshold: 0.6, mode: none}, {threshold: 0.1, "
            "mode: none}]",
            [
                (
                    5,
                    "experience.bands[1].threshold",
                    "must be below bands[0].threshold (0.3), got 0.6",
                ),
                (5, "experience.bands[2].threshold", "the lowest band must start at 0, got 0.1"),
            ],
        ),
    ],
)
def test_band_rules(bands, problems):
    text = edit("  bands:\n    - {threshold: 0.0, mode: prompt}\n", f"  bands: {bands}\n")
    assert problems_of(text) == problems


def test_bands_may_span_the_whole_range():
    text = edit(
        "    - {threshold: 0.0, mode: prompt}\n",
        "    - {threshold: 1, mode: automate}\n    - {threshold: 1e-9, mode: prompt}\n"
        "    - {threshold: 0, mode: none}\n",
    )
    assert loads_preset(text, "m.yaml").experience.thresholds() == (1.0, 1e-9, 0.0)


@pytest.mark.parametrize(
    "mode, over_cap, quieter",
    [
        ("automate", "automate", "prompt, organize, annotate, none"),
        ("prompt", "prompt", "organize, annotate, none"),
        ("organize", "automate", "annotate, none"),
        ("annotate", "annotate", "none"),
        ("annotate", "organize", "none"),
    ],
)
def test_over_cap_must_be_quieter(mode, over_cap, quieter):
    text = MINIMAL + f"  modes:\n    {mode}: {{over_cap: {over_cap}}}\n"
    assert problems_of(text) == [
        (
            8,
            f"experience.modes.{mode}.over_cap",
            f"must be a quieter mode ({quieter}), got {over_cap!r}",
        )
    ]


def test_every_quieter_over_cap_is_accepted():
    modes = ("automate", "prompt", "organize", "annotate", "none")
    for i, mode in enumerate(modes[:-1]):
        for target in modes[i + 1 :]:
            text = MINIMAL + f"  modes:\n    {mode}: {{over_cap: {target}}}\n"
            p = loads_preset(text, "m.yaml")
            assert getattr(p.experience.modes, mode).over_cap == target


def test_daily_cap_may_be_empty_or_zero():
    for cap, expected in (("null", None), ("~", None), ("", None), ("0", 0), ("10000", 10000)):
        text = MINIMAL + f"  modes:\n    prompt: {{daily_cap: {cap}}}\n"
        assert loads_preset(text, "m.yaml").experience.modes.prompt.daily_cap == expected


@pytest.mark.parametrize(
    "section, line",
    [
        ('sources:\n  scenario.users: "census"\n', None),
        ('sources:\n  scenario: "a survey"\n', None),
        ('sources:\n  experience.bands[0].threshold: "pilot"\n', None),
        ('assumptions:\n  experience.modes.prompt.daily_cap: "a guess"\n', None),
        ("sources: null\n", None),
        ('sources:\n  scenario.user: "census"\n', 8),
        ('assumptions:\n  experience.bands[1].threshold: "guess"\n', 8),
        ('sources:\n  experience.bands[0]: "pilot"\n', None),
        ('sources:\n  experience.band: "pilot"\n', 8),
        ('sources:\n  payoffs.positive_acted[0].amount: "x"\n', 8),
    ],
)
def test_citations_must_name_fields(section, line):
    text = MINIMAL + section
    if line is None:
        loads_preset(text, "m.yaml")
        return
    key = section.split("\n")[1].split(":")[0].strip()
    table = section.split(":")[0]
    assert problems_of(text) == [(line, f"{table}.{key}", "names no field of this preset")]


@pytest.mark.parametrize(
    "section, field, message",
    [
        ("sources: [a, b]", "sources", "expected a mapping of text, got a list"),
        ("sources: text", "sources", "expected a mapping of text, got 'text'"),
        (
            "assumptions: {scenario.users: [1]}",
            "assumptions.scenario.users",
            "expected text, got a list",
        ),
        ("notes: 12", "notes", "expected text, got 12"),
        ("notes: [a]", "notes", "expected text, got a list"),
        ("notes: {a: b}", "notes", "expected text, got a mapping"),
        ("response: 3", "response", "expected a mapping, got 3"),
        ("payoffs: {positive_acted: 3}", "payoffs.positive_acted", "expected a list, got 3"),
    ],
)
def test_wrong_shapes(section, field, message):
    assert problems_of(MINIMAL + section + "\n") == [(7, field, message)]


def test_long_values_are_cut_short_in_messages():
    text = edit("users: 10", "users: '" + "many " * 100 + "'")
    ((line, field, message),) = problems_of(text)
    assert (line, field) == (2, "scenario.users")
    assert message.startswith("expected a whole number, got 'many many")
    assert len(message) < 100


def test_with_values_checks_like_a_file():
    p = loads_preset(SECTIONS, "m.yaml")
    q = with_values(
        p,
        dict(
            map(
                parse_assignment,
                [
                    "experience.bands=[{threshold: 0.4, mode: automate},"
                    " {threshold: 0, mode: none}]",
                    "payoffs.positive_acted[0].amount=-1e3",
                    "response.modes.prompt.act_if_positive.high=1",
                ],
            )
        ),
    )
    assert q.experience.thresholds() == (0.4, 0.0)
    assert q.payoffs.positive_acted[0].amount == -1000.0
    assert q.response.modes.prompt.act_if_positive.high == 1.0
    assert p.experience.thresholds() == (0.0,)
    with pytest.raises(PresetError) as info:
        with_values(p, {"experience.bands": [{"threshold": 0.4, "mode": "automate"}]})
    assert [str(x) for x in info.value.problems] == [
        "--set: experience.bands[0].threshold: the lowest band must start at 0, got 0.4"
    ]
    with pytest.raises(PresetError) as info:
        with_values(p, {"scenario.users": 0, "model.auc": 0.2}, origin="sweep")
    assert [str(x) for x in info.value.problems] == [
        "sweep: scenario.users: must be in [1, 1e+10], got 0",
        "sweep: model.auc: must be in (0.5, 1), got 0.2",
    ]
