"""Presets are parsed by libyaml when PyYAML has it, and must read exactly as with PyYAML's
pure-Python loader: the same data, the same line of every field, the same one-line error
with its line for a bad file; a deep or alias-bombed file is refused as before, and never
reaches libyaml's recursive composer deeper than a thread's stack can hold."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from prototyper.core.preset import preset_io
from prototyper.core.preset.preset_io import MAX_DEPTH, PresetError, parse_yaml

REPO = Path(__file__).resolve().parents[2]
FILES = sorted(
    [*REPO.glob("presets/*.yaml"), *(REPO / "tests").rglob("*.yaml")],
    key=lambda p: str(p),
)

pytestmark = pytest.mark.skipif(
    not hasattr(yaml, "CSafeLoader"), reason="PyYAML without libyaml: one loader only"
)


def outcome(text: str) -> object:
    """What parse_yaml gives: (data, lines), or the problems' lines."""
    try:
        return parse_yaml(text, "f.yaml")
    except PresetError as exc:
        return [str(p) for p in exc.problems]


def pure(text: str, monkeypatch) -> object:
    with monkeypatch.context() as m:
        m.setattr(preset_io, "_CLoader", None)  # as with a PyYAML built without libyaml
        return outcome(text)


def same(a: object, b: object) -> bool:
    return repr(a) == repr(b)  # repr: a recursive alias makes data that == cannot compare


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_every_preset_and_bad_preset_reads_as_with_the_pure_loader(path, newline, monkeypatch):
    try:
        text = path.read_text(encoding="utf-8").replace("\n", newline)
    except UnicodeDecodeError:
        pytest.skip("not UTF-8: refused before either loader")
    assert same(outcome(text), pure(text, monkeypatch))


def nested(depth: int, flow: bool) -> str:
    if flow:
        return "a: " + "[" * (depth - 1) + "x" + "]" * (depth - 1) + "\n"
    return "".join(" " * i + "-\n" for i in range(depth - 1)) + " " * depth + "x\n"


@pytest.mark.parametrize("flow", [True, False], ids=["flow", "block"])
@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 3 * MAX_DEPTH, 5000])
def test_deep_documents_read_as_with_the_pure_loader(depth, flow, monkeypatch):
    text = nested(depth, flow)
    assert same(outcome(text), pure(text, monkeypatch))


def test_a_document_at_the_depth_limit_parses_on_a_small_thread_stack():
    """libyaml's composer recurses once per level; the depth allowed to reach it fits a
    thread with a 256 kB stack (a window's worker, where threads get small stacks)."""
    got: list[object] = []
    old = threading.stack_size(256 << 10)
    try:
        worker = threading.Thread(target=lambda: got.append(outcome(nested(MAX_DEPTH, True))))
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old)
    ((data, _),) = got
    inner = data["a"]
    for _ in range(MAX_DEPTH - 2):
        (inner,) = inner
    assert inner == ["x"]


def laughs(levels: int) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [4, 5, 6, 9])
def test_alias_bombs_are_refused_as_with_the_pure_loader(levels, monkeypatch):
    text = laughs(levels)
    got = outcome(text)
    assert same(got, pure(text, monkeypatch))
    if levels >= 6:  # 10**6 nodes and more once expanded
        assert got == ["f.yaml: too many nodes after expanding aliases (a YAML alias bomb?)"]
    else:
        assert isinstance(got, tuple)


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [*a]\n",  # an alias inside its own anchor
        "a: *b\n",  # an alias to nothing
        "a:\tb\n",  # tabs libyaml accepts and the pure loader refuses
        "a: [b,\tc]\n",
        "a: {b: c ?}\n",  # '?' in a flow collection: a key to the pure loader
        "a: [b ?]\n",
        "a: {b: 'c ?'}\n",
        "a: [b, ?]\n",
        "a: 1\r  b: 2\n",  # a lone carriage return
        "a: 1\x85b: 2\n",  # NEL, a line break to YAML 1.1
        "a: 1\n---\nb: 2\n",
        "a: 1\na: 2\n",
        "a: 2024-13-45\n",
        "a: !!python/name:os.system ''\n",
        "a: [1, 2\n",
        "",
        "# nothing\n",
    ],
)
def test_odd_documents_read_as_with_the_pure_loader(text, monkeypatch):
    assert same(outcome(text), pure(text, monkeypatch))


SAMPLE = (REPO / "presets" / "fall_detection_model.yaml").read_text(encoding="utf-8")
PIECES = list(" \n\t:-[]{},#&*!|>'\"?%@`ab09.e") + [
    "  ",
    "\n  ",
    ": ",
    "- ",
    "&x ",
    "*x",
    "!!str ",
    "? ",
    "---\n",
    "\\",
    "é",
    "\r\n",
]


@given(
    st.lists(
        st.tuples(st.integers(0, len(SAMPLE) - 1), st.sampled_from(PIECES), st.integers(0, 6)),
        min_size=1,
        max_size=4,
    )
)
def test_edited_presets_read_as_with_the_pure_loader(edits):
    text = SAMPLE
    for at, piece, cut in edits:
        at = min(at, len(text))
        text = text[:at] + piece + text[at + cut :]
    with pytest.MonkeyPatch.context() as m:
        assert same(outcome(text), pure(text, m))
