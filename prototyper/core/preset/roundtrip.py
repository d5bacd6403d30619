"""Saving a hand-written preset without rewriting it: only the changed fields change.

A person's preset has comments, an order of keys, quotes and folded text of their own. To
save an edit, the file's own text is read with ruamel.yaml in round-trip mode, the fields
that differ between the preset as read and as saved are changed in that tree (nothing else:
no defaults added), and the tree is written out again. ruamel re-emits some untouched text
its own way (a long flow list wrapped elsewhere, ``null`` written as nothing), so its
output is not used whole: the lines it changed because of the edit are merged into the
original text, and every other line stays byte for byte as the person wrote it.

Only text that the safe loader has already read and validated comes here; ruamel only
re-emits it (its round-trip loader keeps unknown tags as data and runs no code).
"""

from __future__ import annotations

import difflib
import io
import json
import re
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

WIDTH = 100  # as new files are written

_STRING_STYLES = (
    LiteralScalarString,
    FoldedScalarString,
    SingleQuotedScalarString,
    DoubleQuotedScalarString,
)
_BLOCK_KEY = re.compile(r"^( *)[^\s#-][^#]*:\s*(#.*)?$")


def splice_scalars(text: str, old: Any, new: Any) -> str:
    """``text`` with every scalar that the file writes and that differs between ``old`` and
    ``new`` replaced in place (a number inside a wrapped flow mapping included): the
    smallest possible change. Structural changes (keys, list lengths) are left for
    :func:`reemit`."""
    root = pyyaml.compose(text, Loader=pyyaml.SafeLoader)
    spans: list[tuple[int, int, str]] = []
    _scalar_spans(root, old, new, False, spans)
    for start, end, value in sorted(spans, reverse=True):
        text = text[:start] + value + text[end:]
    return text


def _scalar_spans(node: Any, old: Any, new: Any, flow: bool, spans: list) -> None:
    if isinstance(node, pyyaml.MappingNode) and isinstance(old, dict) and isinstance(new, dict):
        flow = flow or bool(node.flow_style)
        for key, child in node.value:
            name = key.value if isinstance(key, pyyaml.ScalarNode) else None
            if name in old and name in new:
                _scalar_spans(child, old[name], new[name], flow, spans)
    elif isinstance(node, pyyaml.SequenceNode) and isinstance(old, list) and isinstance(new, list):
        flow = flow or bool(node.flow_style)
        for child, was, value in zip(node.value, old, new, strict=False):
            _scalar_spans(child, was, value, flow, spans)
    elif isinstance(node, pyyaml.ScalarNode) and old != new:
        if isinstance(new, (dict, list)) or node.style not in (None, "'", '"'):
            return  # a block of text, or a new structure: for reemit
        written = _scalar_text(new, node.style, flow)
        if written is not None:
            spans.append((node.start_mark.index, node.end_mark.index, written))


def _scalar_text(value: Any, style: str | None, flow: bool) -> str | None:
    """A scalar as YAML text in the quote style it replaces (None: not on one line)."""
    if isinstance(value, str):
        if style == "'" and "\n" not in value:
            return "'" + value.replace("'", "''") + "'"
        if style == '"':
            return json.dumps(value, ensure_ascii=False)
        plain = pyyaml.safe_dump(value, width=1 << 30, allow_unicode=True)
        plain = plain.removesuffix("\n...\n").removesuffix("\n")
        if "\n" in plain or (flow and any(c in plain for c in ",[]{}#")):
            return json.dumps(value, ensure_ascii=False)
        return plain
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return pyyaml.safe_dump(value).removesuffix("\n...\n").removesuffix("\n")
    return None


def reemit(text: str, old: Any, new: Any, top: dict[str, Any] | None = None) -> str:
    """``text``, which holds the plain data ``old`` (sparsely: missing keys are defaults),
    changed to hold ``new``: only the paths whose value differs are written. ``top`` sets
    top-level keys whatever ``old`` says (the schema version)."""
    before, tree = _load(text)
    _apply(tree, old, new)
    for key, value in (top or {}).items():
        if tree.get(key) != value:
            tree[key] = value
    after = _dump(tree, text)
    return merge_lines(text, _dump(before, text), after)


def _yaml(text: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = WIDTH
    yaml.preserve_quotes = True
    mapping, sequence, offset = _indents(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    # ``null`` as written in presets (ruamel writes nothing after the colon)
    yaml.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def _load(text: str) -> tuple[Any, Any]:
    """Two independent trees of the text: one to compare with, one to change."""
    yaml = _yaml(text)
    return yaml.load(text), yaml.load(text)


def _dump(tree: Any, text: str) -> str:
    out = io.StringIO()
    _yaml(text).dump(tree, out)
    return out.getvalue()


def _indents(text: str) -> tuple[int, int, int]:
    """The file's mapping indent and its block sequences' indent and dash offset."""
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    mapping, sequence, offset = 2, 2, 0
    found_mapping = found_sequence = False
    for above, line in zip(lines, lines[1:], strict=False):
        head = _BLOCK_KEY.match(above)
        if not head:
            continue
        depth = len(line) - len(line.lstrip(" "))
        step = depth - len(head.group(1))
        if step <= 0:
            continue
        if line.lstrip(" ").startswith("- "):
            if not found_sequence:
                offset, sequence, found_sequence = step, step + 2, True
        elif not found_mapping:
            mapping, found_mapping = step, True
        if found_mapping and found_sequence:
            break
    return mapping, max(sequence, offset + 2), offset


# --- changing the tree ---------------------------------------------------------------------


def _apply(node: Any, old: Any, new: Any) -> None:
    """Change the round-trip ``node`` (a mapping or a list) from ``old`` to ``new``."""
    if isinstance(node, dict):
        _apply_mapping(node, old if isinstance(old, dict) else {}, new)
    else:
        _apply_list(node, old if isinstance(old, list) else [], new)


def _apply_mapping(node: Any, old: dict, new: dict) -> None:
    for key in [k for k in node if k in old and k not in new]:
        del node[key]
    keys = list(new)
    for i, key in enumerate(keys):
        value, was = new[key], old.get(key, _MISSING)
        if key in node:
            here = node[key]
            if _same_kind(here, value) and _same_kind(was, value):
                _apply(here, was, value)
            elif was != value or here is None:
                node[key] = _styled(value, here)
            continue
        if was == value:
            continue  # a default the file leaves out, unchanged: still left out
        if isinstance(value, dict):
            fresh: Any = CommentedMap()
            _apply_mapping(fresh, was if isinstance(was, dict) else {}, value)
            if _is_flow_small(value) and len(fresh) == len(value):
                fresh.fa.set_flow_style()
        else:
            fresh = _fresh(value)
        before = [k for k in keys[:i] if k in node]
        node.insert(list(node).index(before[-1]) + 1 if before else 0, key, fresh)


def _apply_list(node: Any, old: list, new: list) -> None:
    for i in range(min(len(node), len(new))):
        was = old[i] if i < len(old) else _MISSING
        here, value = node[i], new[i]
        if _same_kind(here, value) and _same_kind(was, value):
            _apply(here, was, value)
        elif was != value:
            node[i] = _styled(value, here)
    like = node[-1] if len(node) else None
    for value in new[len(node) :]:
        node.append(_fresh(value, like))
    while len(node) > len(new):
        del node[len(node) - 1]


# A key or item the old text did not have: unlike None (YAML's null), it equals no value.
_MISSING = object()


def _same_kind(a: Any, b: Any) -> bool:
    return (isinstance(a, dict) and isinstance(b, dict)) or (
        isinstance(a, list) and isinstance(b, list)
    )


def _styled(value: Any, like: Any) -> Any:
    """A new value written the way the value it replaces was (quotes, block text)."""
    if isinstance(value, str):
        for style in _STRING_STYLES:
            if isinstance(like, style):
                return style(value)
    return _fresh(value, like)


def _fresh(value: Any, like: Any = None) -> Any:
    """Plain data as round-trip nodes: flow style where ``like`` (a neighbour) is, small
    all-scalar mappings on one line and multi-line text as a block, as new files are."""
    if isinstance(value, dict):
        out = CommentedMap((k, _fresh(v, _child(like, k))) for k, v in value.items())
        if _is_flow(like) if like is not None else _is_flow_small(value):
            out.fa.set_flow_style()
        return out
    if isinstance(value, list):
        first = like[0] if isinstance(like, list) and like else None
        seq = CommentedSeq(_fresh(v, first) for v in value)
        if _is_flow(like) or (not value and like is None):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


def _child(like: Any, key: str) -> Any:
    return like.get(key) if isinstance(like, dict) else None


def _is_flow(node: Any) -> bool:
    fa = getattr(node, "fa", None)
    return bool(fa is not None and fa.flow_style())


def _is_flow_small(value: dict) -> bool:
    return 0 < len(value) <= 3 and all(
        isinstance(v, (int, float, bool, type(None)))
        or (isinstance(v, str) and len(v) <= 20 and "\n" not in v)
        for v in value.values()
    )


# --- merging the lines ---------------------------------------------------------------------


def merge_lines(original: str, before: str, after: str) -> str:
    """Apply the line changes from ``before`` to ``after`` to ``original`` (which ``before``
    re-emits, maybe differently in places). A change inside a place written differently
    takes that whole place from ``after``; every other line of ``original`` is kept."""
    a, b, c = (t.splitlines(keepends=True) for t in (original, before, after))
    b_to_a = difflib.SequenceMatcher(None, b, a, autojunk=False).get_opcodes()
    b_to_c = difflib.SequenceMatcher(None, b, c, autojunk=False).get_opcodes()
    noisy = [(i1, i2) for tag, i1, i2, _, _ in b_to_a if tag != "equal"]
    regions = []
    for tag, i1, i2, _, _ in b_to_c:
        if tag == "equal":
            continue
        start, end = i1, i2
        grown = True
        while grown:
            grown = False
            for n1, n2 in noisy:
                inside = (n1 < end and start < n2) if start < end else n1 < start < n2
                if n1 == n2:  # lines only the original has: inside the change, or not
                    inside = start < n1 < end
                if inside and (n1 < start or n2 > end):
                    start, end, grown = min(start, n1), max(end, n2), True
        regions.append((start, end))
    regions.sort()
    merged: list[list[int]] = []
    for start, end in regions:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    at = 0  # in the original
    for start, end in merged:
        upto = _map(b_to_a, start, first=False)
        out += a[at:upto]
        out += c[_map(b_to_c, start, first=True) : _map(b_to_c, end, first=False)]
        at = max(upto, _map(b_to_a, end, first=True))
    out += a[at:]
    text = "".join(out)
    if after.endswith("\n") and not text.endswith("\n"):
        text += "\n"
    return text


def _map(opcodes: list, p: int, *, first: bool) -> int:
    """Where line boundary ``p`` of the first text falls in the second: before lines the
    second inserts there (``first``) or after them."""
    hits = []
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 <= p <= i2:
            if tag == "equal":
                hits.append(j1 + (p - i1))
            elif i1 < p < i2:  # inside a changed place: its end (callers never cut one)
                hits.append(j2)
            else:  # at its start or end (both, for lines inserted here)
                hits += [j for i, j in ((i1, j1), (i2, j2)) if i == p]
    return min(hits) if first else max(hits)
