"""Reading and writing preset files: bad files, round trips, atomic saves, migrations, lines."""

from __future__ import annotations

import dataclasses
import math
import os
import stat
import time
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prototyper.core.preset.preset_io import (
    TEMP_NAME,
    NotAFile,
    PresetError,
    dumps_preset,
    load_preset,
    loads_preset,
    migrate,
    parse_assignment,
    save_preset,
    with_values,
    write_atomic,
)
from prototyper.core.preset.schema import (
    MODES,
    OUTCOMES,
    SCHEMA_VERSION,
    STAKEHOLDERS,
    UNITS,
    Attention,
    Attentions,
    Band,
    Experience,
    ModeDesign,
    ModeDesigns,
    ModeResponse,
    ModeResponses,
    Payoff,
    Payoffs,
    Preset,
    Range,
    Response,
    Scenario,
    StakeholderRates,
    SyntheticModel,
    TruthRates,
)

BAD = Path(__file__).parent / "bad_presets"

VALID = """\
schema_version: 2
scenario:
  name: test
  users: 1000
  events_per_user_per_day: 10
  base_rate: 0.01
model:
  source: synthetic
  auc: 0.9
experience:
  bands:
    - {threshold: 0.5, mode: automate}
    - {threshold: 0.1, mode: prompt}
    - {threshold: 0.0, mode: none}
  modes:
    prompt: {forcefulness: 0.5, daily_cap: 1, over_cap: annotate}
payoffs:
  positive_acted: [{stakeholder: user, amount: 100}]
  positive_missed: [{stakeholder: user, amount: -100}]
  negative_acted: [{stakeholder: user, amount: -5}]
  attention:
    prompt: {minutes_low: 0.1, minutes_high: 0.5}
  value_of_time_per_hour: {user: 30}
"""


@pytest.fixture
def valid() -> Preset:
    return loads_preset(VALID, "valid.yaml")


# --- the corpus of bad files --------------------------------------------------------------


class E(NamedTuple):
    """One expected problem: its line (None: no line applies), dotted field ('' for none) and
    pieces of text that say what was expected."""

    line: int | None
    field: str
    text: tuple[str, ...]


def e(line: int | None, field: str, *text: str) -> E:
    return E(line, field, text)


TAG = "invalid YAML: unsupported tag 'tag:yaml.org,2002:python/"
VERSION = f"expected a whole number at the top (this app writes {SCHEMA_VERSION})"

# Stored files start with a comment line, so line N of VALID is line N + 1 there.
CASES: dict[str, list[E]] = {
    "text_for_number.yaml": [e(5, "scenario.users", "expected a whole number, got 'many'")],
    "threshold_above_one.yaml": [
        e(13, "experience.bands[0].threshold", "must be in [0, 1], got 1.4")
    ],
    "unknown_key_typo.yaml": [
        e(14, "experience.bands[1].treshold", "unknown key 'treshold'; did you mean 'threshold'?"),
        e(14, "experience.bands[1].threshold", "is required but missing"),
    ],
    "unknown_mode.yaml": [
        e(
            13,
            "experience.bands[0].mode",
            "must be one of automate, prompt, organize, annotate, none, got 'automat'",
            "did you mean 'automate'?",
        )
    ],
    "unknown_mode_key.yaml": [
        e(17, "experience.modes.promt", "unknown key 'promt'; did you mean 'prompt'?")
    ],
    "unknown_top_key.yaml": [
        e(25, "zzz", "unknown key 'zzz'; expected one of scenario, model, experience")
    ],
    "unknown_source.yaml": [
        e(
            9,
            "model.source",
            "must be one of synthetic, sklearn, score_file, got 'synthtic'",
            "did you mean",
        )
    ],
    "missing_required.yaml": [e(3, "scenario.base_rate", "is required but missing")],
    "missing_section.yaml": [e(2, "experience", "is required but missing")],
    "bands_not_decreasing.yaml": [
        e(14, "experience.bands[1].threshold", "must be below bands[0].threshold (0.5), got 0.7")
    ],
    "lowest_band_not_zero.yaml": [
        e(15, "experience.bands[2].threshold", "the lowest band must start at 0, got 0.05")
    ],
    "over_cap_not_quieter.yaml": [
        e(
            17,
            "experience.modes.prompt.over_cap",
            "must be a quieter mode (organize, annotate, none), got 'automate'",
        )
    ],
    "negative_cap.yaml": [
        e(17, "experience.modes.prompt.daily_cap", "must be in [0, 10000], got -1")
    ],
    "python_object_apply.yaml": [
        e(4, "", TAG + "object/apply:os.system'", "only plain YAML data is allowed")
    ],
    "python_name.yaml": [e(4, "", TAG + "name:os.system'", "only plain YAML data is allowed")],
    "python_object_new.yaml": [e(4, "", TAG + "object/new:subprocess.Popen'")],
    "custom_tag.yaml": [e(10, "", "invalid YAML: unsupported tag '!score'")],
    "billion_laughs.yaml": [e(None, "", "too many nodes after expanding aliases")],
    "empty.yaml": [e(None, "", "the file is empty; expected a preset mapping")],
    "only_comments.yaml": [e(None, "", "the file is empty; expected a preset mapping")],
    "top_level_list.yaml": [e(2, "", "expected a preset mapping at the top, got a list")],
    "top_level_scalar.yaml": [
        e(2, "", "expected a preset mapping at the top, got 'just some words'")
    ],
    "top_level_null.yaml": [e(2, "", "expected a preset mapping at the top, got None")],
    "nan.yaml": [e(10, "model.auc", "must be a finite number, got nan")],
    "inf.yaml": [e(6, "scenario.events_per_user_per_day", "must be a finite number, got inf")],
    "minus_inf.yaml": [
        e(21, "payoffs.negative_acted[0].amount", "must be a finite number, got -inf")
    ],
    "bool_for_number.yaml": [e(7, "scenario.base_rate", "expected a number, got True")],
    "float_for_int.yaml": [e(5, "scenario.users", "expected a whole number, got 10.5")],
    "int_far_too_large.yaml": [e(5, "scenario.users", "must be a finite number, got 1000")],
    "int_too_many_digits.yaml": [
        e(5, "", "invalid YAML: cannot read '1000", "as int (quote it to keep it as text)")
    ],
    "bad_date.yaml": [
        e(25, "", "cannot read '2024-13-45' as timestamp (quote it to keep it as text)")
    ],
    "schema_version_missing.yaml": [e(2, "schema_version", VERSION, "got None")],
    "schema_version_newer.yaml": [
        e(2, "schema_version", f"version 99 is newer than this app supports ({SCHEMA_VERSION})")
    ],
    "schema_version_text.yaml": [e(2, "schema_version", VERSION, "got 'one'")],
    # PyYAML notices the missing ']' at the next token, the start of line 21.
    "unclosed_bracket.yaml": [
        e(21, "", "invalid YAML: while parsing a flow sequence, expected ',' or ']'")
    ],
    "bad_indentation.yaml": [e(10, "", "invalid YAML: ")],
    "tab_indentation.yaml": [e(7, "", "found character '\\t' that cannot start any token")],
    "two_documents.yaml": [e(25, "", "invalid YAML: expected a single document")],
    "undefined_alias.yaml": [e(10, "", "invalid YAML: found undefined alias 'score'")],
    "recursive_alias_list.yaml": [e(25, "notes", "expected text, got a list")],
    "recursive_alias_in_payoffs.yaml": [
        e(19, "payoffs.positive_acted[0]", "expected a mapping, got a list")
    ],
    "recursive_alias_mapping.yaml": [
        e(25, "sources.scenario.users", "expected text, got a mapping")
    ],
    "sources_unknown_field.yaml": [
        e(27, "sources.experience.bands[7].threshold", "names no field of this preset")
    ],
    "sources_not_text.yaml": [e(26, "sources.scenario.users", "expected text, got 2020")],
    "list_for_mapping.yaml": [e(8, "model", "expected a mapping, got a list")],
    "mapping_for_list.yaml": [e(21, "payoffs.negative_acted", "expected a list, got a mapping")],
    "newline_in_key.yaml": [e(25, "a\nb", "unknown key 'a\\nb'; expected one of scenario")],
    "several_problems.yaml": [
        e(5, "scenario.users", "must be in [1, 1e+10], got 0"),
        e(10, "model.auc", "must be in (0.5, 1), got 0.4"),
        e(19, "payoffs.positive_acted[0].amount", "expected a number, got 'lots'"),
    ],
}


def check_problems(exc: PresetError, filename: str, expected: list[E]) -> None:
    """Every problem is one line naming the file, and the problems are exactly the expected."""
    assert exc.problems, "a PresetError must carry at least one problem"
    for problem in exc.problems:
        text = str(problem)
        assert text.splitlines() == [text], f"not one line: {text!r}"
        assert text.startswith(f"{filename}:"), text
        assert "Traceback" not in text
    assert len(exc.problems) == len(expected), [str(p) for p in exc.problems]
    for problem, want in zip(exc.problems, expected, strict=True):
        text = str(problem)
        assert problem.file == filename
        assert problem.line == want.line, text
        assert problem.path == want.field, text
        where = f"{filename}:{want.line}: " if want.line else f"{filename}: "
        assert text.startswith(where), text
        if want.field:
            shown = want.field.replace("\n", "\\n")
            assert text.startswith(f"{where}{shown}: "), text
        for piece in want.text:
            assert piece in text, text
    # The exception text is the problems, one per line.
    assert str(exc).splitlines() == [str(p) for p in exc.problems]


def test_every_stored_bad_preset_has_expectations():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_preset_is_rejected_with_one_clear_line_per_problem(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a command that ran would leave a file here ('touch pwned')
    path = BAD / name
    with pytest.raises(PresetError) as info:
        load_preset(path)
    check_problems(info.value, str(path), CASES[name])
    assert list(tmp_path.iterdir()) == []


def test_python_tags_run_nothing(tmp_path):
    marker = tmp_path / "ran"
    texts = [
        f'notes: !!python/object/apply:os.system ["touch {marker}"]\n',
        f"notes: !!python/object/apply:subprocess.call [[touch, {marker}]]\n",
        f"notes: !!python/object/new:subprocess.Popen [[touch, {marker}]]\n",
        "notes: !!python/name:os.system\n",
        "notes: !!python/module:os\n",
    ]
    for text in texts:
        with pytest.raises(PresetError) as info:
            loads_preset(VALID + text, "evil.yaml")
        (problem,) = info.value.problems
        assert problem.line == 24
        assert "unsupported tag 'tag:yaml.org,2002:python/" in str(problem)
    time.sleep(0.05)  # a spawned process would have had time to touch the marker
    assert not marker.exists()


def generated_cases() -> dict[str, tuple[bytes, list[E]]]:
    latin1 = VALID.replace("name: test", "name: café").encode("latin-1")
    control = VALID.replace("name: test", "name: te\x07st").encode()
    deep = ("notes: " + "[" * 50_000 + "]" * 50_000 + "\n").encode()
    deep_map = ("notes: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n").encode()
    deep_block = ("notes:\n  " + "- " * 20_000 + "x\n").encode()
    bom = b"\xef\xbb\xbf" + VALID.replace("users: 1000", "users: -3").encode()
    return {
        "latin1.yaml": (latin1, [e(3, "", "not UTF-8 text (byte ", "save the file as UTF-8")]),
        "control.yaml": (control, [e(3, "", "control character #x0007 is not allowed")]),
        "deep.yaml": (deep, [e(1, "", "invalid YAML: nested more than 100 levels deep")]),
        "deep_map.yaml": (deep_map, [e(1, "", "invalid YAML: nested more than 100 levels")]),
        "deep_block.yaml": (deep_block, [e(None, "", "invalid YAML: nested too deeply")]),
        # A UTF-8 byte-order mark is fine; the lines still count from 1.
        "bom.yaml": (bom, [e(4, "scenario.users", "must be in [1, 1e+10], got -3")]),
    }


@pytest.mark.parametrize("name", sorted(generated_cases()))
def test_generated_bad_preset(name, tmp_path):
    payload, expected = generated_cases()[name]
    path = tmp_path / name
    path.write_bytes(payload)
    with pytest.raises(PresetError) as info:
        load_preset(path)
    check_problems(info.value, str(path), expected)


def test_latin1_byte_offset_is_that_of_the_bad_byte(tmp_path):
    payload = VALID.replace("name: test", "name: café").encode("latin-1")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(payload)
    with pytest.raises(PresetError) as info:
        load_preset(path)
    offset = payload.index("é".encode("latin-1"))
    assert f"(byte {offset})" in str(info.value.problems[0])


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    # Valid YAML that would take long to parse: an endless list of notes.
    path.write_text(VALID + "notes: |\n" + "  lorem ipsum dolor sit amet\n" * 40_000)
    assert path.stat().st_size > 1_000_000
    with pytest.raises(PresetError) as info:
        load_preset(path)
    check_problems(info.value, str(path), [e(None, "", "file is over 1000 kB; not a preset")])


def test_oversized_text_is_refused(valid):
    with pytest.raises(PresetError) as info:
        loads_preset(VALID + "notes: '" + "x" * 1_000_001 + "'\n", "big.yaml")
    check_problems(info.value, "big.yaml", [e(None, "", "file is over 1000 kB")])


def test_a_file_just_under_the_limit_loads(tmp_path, valid):
    notes = "x" * (1_000_000 - len(VALID) - 20)
    path = tmp_path / "big.yaml"
    path.write_text(VALID + f"notes: '{notes}'\n")
    assert path.stat().st_size <= 1_000_000
    assert load_preset(path).notes == notes


def test_missing_file_and_directory(tmp_path):
    for path in (tmp_path / "nope.yaml", tmp_path):
        with pytest.raises(PresetError) as info:
            load_preset(path)
        (problem,) = info.value.problems
        assert str(problem).startswith(f"{path}: cannot read: "), str(problem)


def test_alias_bomb_inside_a_valid_preset_fails_fast():
    bomb = ["x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    bomb += [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]" for i in range(1, 9)]
    text = VALID + "notes: &n\n" + "".join(f"  {line}\n" for line in bomb)
    with pytest.raises(PresetError) as info:
        loads_preset(text, "bomb.yaml")
    check_problems(info.value, "bomb.yaml", [e(None, "", "too many nodes after expanding")])


def test_modest_aliases_are_fine():
    text = VALID.replace("[{stakeholder: user, amount: -5}]", "&costs [{stakeholder: user}]")
    text = text.replace("{stakeholder: user}", "{stakeholder: user, amount: -5}")
    text += "  negative_ignored: *costs\n"
    p = loads_preset(text, "alias.yaml")
    assert p.payoffs.negative_ignored == p.payoffs.negative_acted == (Payoff("user", -5.0),)


def test_duplicate_key_is_an_error():
    text = VALID.replace("  users: 1000\n", "  users: 1000\n  users: 10\n")
    with pytest.raises(PresetError) as info:
        loads_preset(text, "d.yaml")
    line = text.splitlines().index("  users: 10") + 1
    assert str(info.value) == (
        f"d.yaml:{line}: scenario.users: key 'users' is given twice (first on line {line - 1})"
    )


# --- the command line ---------------------------------------------------------------------


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    cli = pytest.importorskip("prototyper.cli")
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse, or a main that exits itself
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_validate_prints_one_line_per_problem(name, capsys):
    path = BAD / name
    with pytest.raises(PresetError) as info:
        load_preset(path)
    code, out, err = run_cli(["validate", str(path)], capsys)
    assert code == 2
    assert "Traceback" not in err
    assert err.splitlines() == [str(p) for p in info.value.problems]


def test_cli_validate_good_and_bad_together(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    bad = BAD / "threshold_above_one.yaml"
    code, out, err = run_cli(["validate", str(good), str(bad)], capsys)
    assert code == 2
    assert f"{good}: ok" in out
    assert err.splitlines() == [
        f"{bad}:13: experience.bands[0].threshold: must be in [0, 1], got 1.4"
    ]
    code, out, err = run_cli(["validate", str(good)], capsys)
    assert (code, err) == (0, "")


def test_cli_validate_generated_bad_files(tmp_path, capsys):
    paths = []
    for name, (payload, _) in generated_cases().items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(payload)
    code, out, err = run_cli(["validate", *map(str, paths)], capsys)
    assert code == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == len(paths)
    assert [line.split(":")[0] for line in lines] == [str(p) for p in paths]


# --- round trip ---------------------------------------------------------------------------

TRICKY_TEXT = [
    "",
    " ",
    "yes",
    "no",
    "null",
    "~",
    "true",
    "1e-4",
    "0x1F",
    "1:30",
    "2024-01-01",
    ".nan",
    "- item",
    "? key",
    "key: value",
    "# not a comment",
    "a #hash",
    "'single'",
    '"double"',
    "  leading spaces",
    "trailing spaces  ",
    "line\nbreak",
    "\nleading newline",
    "trailing newline\n",
    "two trailing\n\n",
    "  indented\nfirst line",
    "tab\there",
    "crlf\r\nline",
    "bare \r return",
    "\x85 \u2028 \u2029 unicode breaks",
    "\x85",  # NEL: PyYAML writes it raw in plain and block styles and reads back a space
    "next\x85line",
    "block\n\x85with NEL",
    "line\u2028separator",
    "emoji 🙂👩‍🔬 and CJK 漢字",
    "&anchor *alias !tag %directive @at `tick` |pipe >fold",
    "{flow: mapping}",
    "[flow, list]",
    "\x00 \x07 \x1b control",
    "\ufeff bom inside",
]
text = st.one_of(
    st.sampled_from(TRICKY_TEXT),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
)
unit = st.floats(min_value=0.0, max_value=1.0)
open_unit = st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True)
money = st.one_of(
    st.sampled_from([1e-7, -1e-7, 5e-324, 1e12, -1e12, 0.1, 123456789.123456789, -0.0]),
    st.floats(min_value=-1e12, max_value=1e12),
)
minutes = st.floats(min_value=0.0, max_value=1e4)
cap = st.none() | st.integers(min_value=0, max_value=10_000)
CITABLE = [
    "scenario",
    "scenario.users",
    "scenario.base_rate",
    "model.auc",
    "experience.bands",
    "experience.bands[0].threshold",
    "experience.modes.prompt.daily_cap",
    "response.trust_matching",
    "payoffs.value_of_time_per_hour.user",
    "notes",
]
citations = st.dictionaries(st.sampled_from(CITABLE), text, max_size=4).map(MappingProxyType)


@st.composite
def bands(draw) -> tuple[Band, ...]:
    upper = draw(
        st.lists(st.floats(min_value=0.0, max_value=1.0, exclude_min=True), unique=True, max_size=4)
    )
    thresholds = [*sorted(upper, reverse=True), 0.0]
    return tuple(Band(t, draw(st.sampled_from(MODES))) for t in thresholds)


def mode_design(mode: str) -> st.SearchStrategy[ModeDesign]:
    quieter = MODES[MODES.index(mode) + 1 :]
    return st.builds(
        ModeDesign, forcefulness=unit, daily_cap=cap, over_cap=st.sampled_from(quieter)
    )


mode_response = st.builds(
    ModeResponse,
    act_if_positive=st.builds(Range, unit, unit),
    act_if_negative=st.builds(Range, unit, unit),
    habituation=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
payoff_list = st.lists(
    st.builds(
        Payoff,
        stakeholder=st.sampled_from(STAKEHOLDERS),
        amount=money,
        unit=st.sampled_from(UNITS),
        label=text,
    ),
    max_size=3,
).map(tuple)
attention = st.builds(
    Attention,
    minutes_low=minutes,
    minutes_high=minutes,
    stakeholder=st.sampled_from(STAKEHOLDERS),
)

presets = st.builds(
    Preset,
    scenario=st.builds(
        Scenario,
        name=text,
        users=st.integers(min_value=1, max_value=10**10),
        events_per_user_per_day=st.floats(min_value=1e-9, max_value=1e6),
        base_rate=open_unit,
        description=text,
        event_unit=text,
        horizon_days=st.integers(min_value=1, max_value=3650),
    ),
    model=st.builds(
        SyntheticModel,
        auc=st.floats(min_value=0.5, max_value=1.0, exclude_min=True, exclude_max=True),
    ),
    experience=st.builds(
        Experience,
        bands=bands(),
        modes=st.builds(ModeDesigns, **{m: mode_design(m) for m in MODES[:-1]}),
    ),
    response=st.builds(
        Response,
        modes=st.builds(ModeResponses, **{m: mode_response for m in MODES[:-1]}),
        unprompted=st.builds(TruthRates, unit, unit),
        trust_matching=unit,
    ),
    payoffs=st.builds(
        Payoffs,
        currency=text,
        value_of_time_per_hour=st.builds(
            StakeholderRates, *[st.floats(min_value=0.0, max_value=1e6)] * 3
        ),
        **{o: payoff_list for o in OUTCOMES},
        attention=st.builds(Attentions, **{m: attention for m in MODES[:-1]}),
    ),
    notes=text,
    sources=citations,
    assumptions=citations,
)


def assert_plain_yaml(dump: str) -> None:
    """Block YAML with the version first, and no tags, anchors or aliases."""
    assert dump.startswith(f"schema_version: {SCHEMA_VERSION}\n")
    for event in yaml.parse(dump):
        assert not isinstance(event, yaml.AliasEvent), event
        assert getattr(event, "anchor", None) is None, event
        assert getattr(event, "tag", None) is None, event


def test_the_dump_of_a_plain_preset_has_no_tags_or_anchors(valid):
    dump = dumps_preset(valid)
    assert_plain_yaml(dump)
    assert "!!" not in dump and "&" not in dump and "*" not in dump
    assert loads_preset(dump, "again.yaml") == valid


@settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(preset=presets)
def test_round_trip(preset, tmp_path):
    dump = dumps_preset(preset)
    assert_plain_yaml(dump)
    assert loads_preset(dump, "dump.yaml") == preset
    path = tmp_path / "saved.yaml"
    save_preset(preset, path)
    assert path.read_bytes() == dump.encode("utf-8")
    assert load_preset(path) == preset
    assert [p.name for p in tmp_path.iterdir()] == ["saved.yaml"]


def test_round_trip_keeps_edge_values(valid):
    tiny = dataclasses.replace(
        valid,
        scenario=dataclasses.replace(valid.scenario, base_rate=5e-324, name="no"),
        notes="line one\n  indented: yes # not a comment\n",
        payoffs=dataclasses.replace(
            valid.payoffs, positive_acted=(Payoff("business", 1e12, "minutes", "null"),)
        ),
    )
    again = loads_preset(dumps_preset(tiny), "tiny.yaml")
    assert again == tiny
    assert again.scenario.base_rate == 5e-324 and again.scenario.name == "no"
    assert math.copysign(1, again.payoffs.positive_acted[0].amount) == 1


@pytest.mark.parametrize("tricky", TRICKY_TEXT)
def test_round_trip_of_tricky_text_everywhere(valid, tricky):
    p = dataclasses.replace(
        valid,
        scenario=dataclasses.replace(
            valid.scenario, name=tricky, description=tricky, event_unit=tricky
        ),
        payoffs=dataclasses.replace(
            valid.payoffs,
            currency=tricky,
            positive_acted=(Payoff("user", 1.0, "money", tricky),),
        ),
        notes=tricky,
        sources=MappingProxyType({"scenario.users": tricky}),
        assumptions=MappingProxyType({"model.auc": tricky}),
    )
    dump = dumps_preset(p)
    assert_plain_yaml(dump)
    assert loads_preset(dump, "tricky.yaml") == p


# --- atomic save --------------------------------------------------------------------------


def _boom(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_save_keeps_the_original_and_leaves_no_temporary(
    failing, valid, tmp_path, monkeypatch
):
    path = tmp_path / "mine.yaml"
    path.write_text("original: content\n")
    changed = dataclasses.replace(valid, notes="new")
    monkeypatch.setattr(os, failing, _boom)
    with pytest.raises(OSError, match="No space left"):
        save_preset(changed, path)
    monkeypatch.undo()
    assert path.read_text() == "original: content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.yaml"]


def test_failed_write_keeps_the_original(valid, tmp_path, monkeypatch):
    path = tmp_path / "mine.yaml"
    path.write_text("original: content\n")
    real_fdopen = os.fdopen

    class Torn:
        """A file that writes half the payload, then fails."""

        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])
            raise OSError(5, "Input/output error")

        def __getattr__(self, name):
            return getattr(self.f, name)

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: Torn(real_fdopen(*a, **k)))
    with pytest.raises(OSError, match="Input/output"):
        save_preset(valid, path)
    monkeypatch.undo()
    assert path.read_text() == "original: content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.yaml"]


def test_save_replaces_an_existing_file(valid, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("original: content\n")
    save_preset(valid, path)
    assert load_preset(path) == valid
    assert [p.name for p in tmp_path.iterdir()] == ["mine.yaml"]


def test_save_into_a_missing_folder_fails_cleanly(valid, tmp_path):
    with pytest.raises(OSError):
        save_preset(valid, tmp_path / "no" / "such" / "dir.yaml")
    assert list(tmp_path.iterdir()) == []


# --- with_values and parse_assignment -----------------------------------------------------


def test_assignment_makes_a_new_preset(valid):
    path, value = parse_assignment("experience.bands[0].threshold=0.8")
    assert (path, value) == ("experience.bands[0].threshold", 0.8)
    changed = with_values(valid, {path: value})
    assert changed.experience.thresholds() == (0.8, 0.1, 0.0)
    assert valid.experience.thresholds() == (0.5, 0.1, 0.0)
    assert changed.scenario == valid.scenario and changed.payoffs == valid.payoffs


def test_assignment_of_several_values(valid):
    changed = with_values(
        valid,
        dict(
            map(
                parse_assignment,
                [
                    " experience.modes.prompt.daily_cap = null",
                    "experience.bands[1].mode=annotate",
                    "scenario.name='yes'",
                    "notes='a: b'",
                ],
            )
        ),
    )
    assert changed.experience.modes.prompt.daily_cap is None
    assert changed.experience.bands[1].mode == "annotate"
    assert changed.scenario.name == "yes"
    assert changed.notes == "a: b"


@pytest.mark.parametrize("text", ["1e-4", "1E-4", "0.0001", "+1e-4", "1.0e-4"])
def test_exponent_text_is_a_number(valid, text):
    changed = with_values(valid, dict([parse_assignment(f"scenario.base_rate={text}")]))
    assert changed.scenario.base_rate == 1e-4
    loaded = loads_preset(VALID.replace("base_rate: 0.01", f"base_rate: {text}"), "f.yaml")
    assert loaded.scenario.base_rate == 1e-4


@pytest.mark.parametrize(
    "assignment, field, message",
    [
        ("experience.bands[0].threshold=1.4", "experience.bands[0].threshold", "[0, 1], got 1.4"),
        ("experience.bands[0].threshold=high", "experience.bands[0].threshold", "a number"),
        ("scenario.users=10.5", "scenario.users", "expected a whole number, got 10.5"),
        ("experience.bands[0].mode=automat", "experience.bands[0].mode", "'automate'?"),
        ("experience.bands[0].threshold=0.05", "experience.bands[1].threshold", "below"),
        ("model.auc=.nan", "model.auc", "must be a finite number"),
    ],
)
def test_invalid_assignment_names_the_field(valid, assignment, field, message):
    with pytest.raises(PresetError) as info:
        with_values(valid, dict([parse_assignment(assignment)]), origin="--set")
    (problem,) = info.value.problems
    assert problem.path == field
    assert str(problem).startswith(f"--set: {field}: ")
    assert message in str(problem)


@pytest.mark.parametrize(
    "path",
    [
        "experience.bands[7].threshold",
        "scenario.userz",
        "scenario.users.count",
        "experience.bands.threshold",
        "scenario.name[0]",
        "nothing",
    ],
)
def test_assignment_to_a_missing_field_names_it(valid, path):
    with pytest.raises(PresetError) as info:
        with_values(valid, {path: 1})
    (problem,) = info.value.problems
    assert problem.path == path
    assert str(problem) == f"--set: {path}: no such field"


@pytest.mark.parametrize("path", ["experience..bands", "bands[x]", "a b", ""])
def test_assignment_to_a_malformed_path(valid, path):
    with pytest.raises(PresetError) as info:
        with_values(valid, {path: 1})
    assert "dotted field path" in str(info.value)


@pytest.mark.parametrize("text", ["no equals sign", "=0.5", "  =x"])
def test_malformed_assignment(text):
    with pytest.raises(PresetError) as info:
        parse_assignment(text)
    assert "expected PATH=VALUE" in str(info.value.problems[0])


def test_assignment_values_are_plain_data(tmp_path):
    marker = tmp_path / "ran"
    for raw in (
        f'!!python/object/apply:os.system ["touch {marker}"]',
        "2024-13-45",
        "[unclosed",
        "1" * 5000,
    ):
        path, value = parse_assignment(f"notes={raw}")
        assert (path, value) == ("notes", raw)
    assert not marker.exists()


# --- migrations ---------------------------------------------------------------------------


def test_current_version_passes_unchanged():
    doc = yaml.safe_load(VALID)
    before = yaml.safe_load(VALID)
    assert migrate(doc, "f.yaml") == before
    assert migrate(doc, "f.yaml", {0: _boom}) == before
    assert doc == before


def test_old_version_is_upgraded_step_by_step():
    applied = []

    def step(version):
        def upgrade(doc):
            applied.append(version)
            doc = dict(doc)
            doc["trail"] = [*doc.get("trail", []), version]
            return doc

        return upgrade

    table = {v: step(v) for v in range(SCHEMA_VERSION)}
    doc = {"schema_version": 0, "scenario": {"name": "old"}}
    out = migrate(doc, "old.yaml", table)
    assert applied == list(range(SCHEMA_VERSION))
    assert out["trail"] == list(range(SCHEMA_VERSION))
    assert out["schema_version"] == SCHEMA_VERSION
    assert out["scenario"] == {"name": "old"}
    assert doc == {"schema_version": 0, "scenario": {"name": "old"}}


def test_a_real_migration_through_loads(monkeypatch):
    from prototyper.core.preset import preset_io

    def rename(doc):  # version 0 called the threshold 'cutoff'
        doc = dict(doc)
        exp = dict(doc["experience"])
        exp["bands"] = [{"threshold": b["cutoff"], "mode": b["mode"]} for b in exp["bands"]]
        doc["experience"] = exp
        return doc

    monkeypatch.setitem(preset_io.MIGRATIONS, SCHEMA_VERSION - 1, rename)
    for v in range(SCHEMA_VERSION - 1):
        monkeypatch.setitem(preset_io.MIGRATIONS, v, dict)
    old = VALID.replace(f"schema_version: {SCHEMA_VERSION}", "schema_version: 0")
    old = old.replace("{threshold:", "{cutoff:")
    assert loads_preset(old, "old.yaml") == loads_preset(VALID, "new.yaml")


@pytest.mark.parametrize(
    "version, message",
    [
        (99, f"version 99 is newer than this app supports ({SCHEMA_VERSION})"),
        (SCHEMA_VERSION + 1, "is newer than this app supports"),
        (-1, "no migration from version -1"),
        (None, "expected a whole number at the top"),
        ("1", "expected a whole number at the top"),
        (True, "expected a whole number at the top"),
        (1.5, "expected a whole number at the top"),
    ],
)
def test_unusable_versions(version, message):
    with pytest.raises(PresetError) as info:
        migrate({"schema_version": version}, "f.yaml", {})
    (problem,) = info.value.problems
    assert problem.path == "schema_version"
    assert message in str(problem)
    assert str(problem).startswith("f.yaml")


def test_missing_migration_is_reported_with_its_line():
    text = "# old\n\n" + VALID.replace(f"schema_version: {SCHEMA_VERSION}", "schema_version: 0")
    with pytest.raises(PresetError) as info:
        loads_preset(text, "old.yaml")
    assert [str(p) for p in info.value.problems] == [
        "old.yaml:3: schema_version: no migration from version 0"
    ]


# --- lines --------------------------------------------------------------------------------

DEEP = """\
# A preset with comments, blank lines and a multi-line note before the error.
schema_version: 1

scenario:
  name: deep
  description: |
    First line of a long description.
    Second line: still the description.
  users: 1000
  events_per_user_per_day: 10
  base_rate: 0.01
model: {source: synthetic, auc: 0.9}
experience:
  bands:
    - threshold: 0.5
      mode: automate
    - threshold: 0.1
      mode: prompt
    - {threshold: 0.0, mode: none}
payoffs:
  positive_acted:
    - stakeholder: user
      amount: 100
      label: saved
"""


def test_the_deep_file_is_valid():
    assert loads_preset(DEEP, "deep.yaml").experience.thresholds() == (0.5, 0.1, 0.0)


@pytest.mark.parametrize(
    "old, new, line, field, message",
    [
        (
            "    - threshold: 0.1\n",
            "    - threshold: 1.1\n",
            17,
            "experience.bands[1].threshold",
            "must be in [0, 1], got 1.1",
        ),
        (
            "    - threshold: 0.1\n      mode: prompt\n",
            "    - threshold: 0.1\n      mood: prompt\n",
            18,
            "experience.bands[1].mood",
            "unknown key 'mood'; did you mean 'mode'?",
        ),
        (
            "    - threshold: 0.1\n      mode: prompt\n",
            "    - threshold: 0.1\n      mode: promt\n",
            18,
            "experience.bands[1].mode",
            "(did you mean 'prompt'?)",
        ),
        (
            "      amount: 100\n",
            "      amount: lots\n",
            23,
            "payoffs.positive_acted[0].amount",
            "expected a number, got 'lots'",
        ),
        (
            "      label: saved\n",
            "      label: saved\n      labl: x\n",
            25,
            "payoffs.positive_acted[0].labl",
            "did you mean 'label'?",
        ),
        ("  users: 1000\n", "  users: 0\n", 9, "scenario.users", "must be in [1, 1e+10], got 0"),
        ("auc: 0.9}", "auc: 1.9}", 12, "model.auc", "must be in (0.5, 1), got 1.9"),
        ("  name: deep\n", "  name: deep\n  nmae: x\n", 6, "scenario.nmae", "'name'?"),
    ],
)
def test_error_line_is_exact(old, new, line, field, message):
    assert DEEP.count(old) == 1
    text = DEEP.replace(old, new)
    assert field.rsplit(".", 1)[-1] + ":" in text.splitlines()[line - 1]  # the test is right
    problems = [p for p in _problems(text) if p.path == field]
    assert len(problems) == 1, [str(p) for p in _problems(text)]
    assert problems[0].line == line
    assert str(problems[0]).startswith(f"deep.yaml:{line}: {field}: ")
    assert message in str(problems[0])


def _problems(text: str):
    with pytest.raises(PresetError) as info:
        loads_preset(text, "deep.yaml")
    return info.value.problems


# --- writing through links, keeping modes, refusing what is not a file ---------------------


def test_save_through_a_symlink_changes_the_shared_file_and_keeps_the_link(valid, tmp_path):
    shared = tmp_path / "shared" / "team.yaml"
    shared.parent.mkdir()
    shared.write_text("original: content\n")
    link = tmp_path / "mine.yaml"
    link.symlink_to(shared)
    save_preset(valid, link)
    assert link.is_symlink() and os.readlink(link) == str(shared)
    assert load_preset(shared) == valid
    assert sorted(p.name for p in shared.parent.iterdir()) == ["team.yaml"]  # no temporary


def test_save_through_a_chain_of_links_to_a_new_file(valid, tmp_path):
    (tmp_path / "b.yaml").symlink_to(tmp_path / "target.yaml")  # dangling: a new file
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    written = write_atomic(tmp_path / "a.yaml", b"x: 1\n")
    assert written == (tmp_path / "target.yaml").resolve()
    assert (tmp_path / "target.yaml").read_bytes() == b"x: 1\n"
    assert (tmp_path / "a.yaml").is_symlink() and (tmp_path / "b.yaml").is_symlink()


@pytest.mark.parametrize("mode", [0o644, 0o664, 0o600, 0o640])
def test_save_keeps_the_permission_bits(valid, tmp_path, mode):
    path = tmp_path / "mine.yaml"
    path.write_text("original: content\n")
    path.chmod(mode)
    save_preset(valid, path)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert load_preset(path) == valid


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_a_new_file_follows_the_umask(valid, tmp_path, umask):
    old = os.umask(umask)
    try:
        save_preset(valid, tmp_path / "new.yaml")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o666 & ~umask


def test_a_fifo_is_refused_and_left_a_fifo(valid, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(NotAFile, match="FIFO"):  # and no hang opening it
        save_preset(valid, fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe.yaml"]


def test_a_folder_and_a_link_to_a_fifo_are_refused(valid, tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(NotAFile, match="a folder"):
        save_preset(valid, tmp_path / "folder")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "pipe")
    with pytest.raises(NotAFile, match="FIFO"):
        save_preset(valid, tmp_path / "link.yaml")
    assert (tmp_path / "link.yaml").is_symlink()


@pytest.mark.skipif(not Path("/dev/null").is_char_device(), reason="no /dev/null here")
def test_a_device_is_refused_and_left_a_device(valid):
    with pytest.raises(NotAFile, match="a device"):
        save_preset(valid, "/dev/null")
    assert Path("/dev/null").is_char_device()


def test_the_temporary_file_names_its_writer(valid, tmp_path, monkeypatch):
    """A save killed midway leaves '.<name>.<pid>-<random>.tmp', which the app can tell apart."""
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    save_preset(valid, tmp_path / "mine.yaml")
    (name,) = seen
    match = TEMP_NAME.match(name)
    assert match and match["name"] == "mine.yaml" and int(match["pid"]) == os.getpid()
