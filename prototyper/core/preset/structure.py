"""Plain data (from YAML) to schema dataclasses and back, validated against field metadata.

Every problem is reported with its dotted path (``experience.bands[1].threshold``) so that the
caller can add the file and line.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

_FLOAT_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class Problems(Exception):
    """One or more ``(dotted path, message)`` problems."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in problems))
        self.problems = problems


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


@cache
def hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def from_data(cls: type, data: Any, path: str = "") -> Any:
    """Build ``cls`` from plain data; raise Problems listing every problem found."""
    problems: list[tuple[str, str]] = []
    result = _convert(cls, data, path, problems)
    if problems:
        raise Problems(problems)
    return result


def _convert(tp: Any, value: Any, path: str, problems: list[tuple[str, str]], md=None) -> Any:
    md = md or {}
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None and len(options) < len(typing.get_args(tp)):
            return None
        if len(options) > 1 and all(map(dataclasses.is_dataclass, options)):
            return _tagged(options, value, path, problems)
        return _convert(options[0], value, path, problems, md)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass(tp, value, path, problems)
    if origin is tuple:
        if not isinstance(value, list):
            problems.append((path, f"expected a list, got {describe(value)}"))
            return ()
        item = typing.get_args(tp)[0]
        return tuple(_convert(item, v, join(path, i), problems) for i, v in enumerate(value))
    if tp is types.MappingProxyType:
        if md.get("widget") == "distributions":  # checked whole by the owner's check()
            return _plain_mapping(value, path, problems)
        if md.get("widget") == "assignments":
            return _assignments(value, path, problems)
        return _text_mapping(value, path, problems)
    if tp is bool:
        if not isinstance(value, bool):
            problems.append((path, f"expected true or false, got {describe(value)}"))
        return value
    if tp is str:
        return _string(value, path, problems, md)
    if tp in (int, float):
        return _number(tp, value, path, problems, md)
    raise TypeError(f"unsupported schema type {tp!r} at {path}")


def _tagged(options: list, value: Any, path: str, problems: list[tuple[str, str]]) -> Any:
    """A union of dataclasses told apart by their first field (the tag, e.g. ``source``),
    whose default names each one; a mapping without the tag is the first option."""
    if not isinstance(value, dict):
        problems.append((path, f"expected a mapping, got {describe(value)}"))
        return None
    key = dataclasses.fields(options[0])[0].name
    by_tag: dict[str, type] = {str(dataclasses.fields(o)[0].default): o for o in options}
    tag = value.get(key, next(iter(by_tag)))
    if not isinstance(tag, str):
        problems.append((join(path, key), f"expected text, got {describe(tag)}"))
        return None
    if tag not in by_tag:
        close = difflib.get_close_matches(tag, list(by_tag), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append((join(path, key), f"must be one of {', '.join(by_tag)}, got {tag!r}{hint}"))
        return None
    return _dataclass(by_tag[tag], value, path, problems)


def _dataclass(cls: type, value: Any, path: str, problems: list[tuple[str, str]]) -> Any:
    if not isinstance(value, dict):
        problems.append((path, f"expected a mapping, got {describe(value)}"))
        return None
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key in value:
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = (
                f"; did you mean {close[0]!r}?"
                if close
                else f"; expected one of {', '.join(fields)}"
            )
            problems.append((join(path, str(key)), f"unknown key {str(key)!r}{hint}"))
    before = len(problems)
    for name, f in fields.items():
        if name in value:
            kwargs[name] = _convert(
                hints(cls)[name], value[name], join(path, name), problems, f.metadata
            )
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            problems.append((join(path, name), "is required but missing"))
    if len(problems) > before:
        return None
    obj = cls(**kwargs)
    check = getattr(obj, "check", None)
    if check is not None:
        problems.extend((join(path, p), m) for p, m in check())
    return obj


def _text_mapping(value: Any, path: str, problems: list[tuple[str, str]]) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.append((path, f"expected a mapping of text, got {describe(value)}"))
        return types.MappingProxyType({})
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            problems.append((join(path, str(k)), f"expected text, got {describe(v)}"))
    return types.MappingProxyType(dict(value))


def _plain_mapping(value: Any, path: str, problems: list[tuple[str, str]]) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.append((path, f"expected a mapping, got {describe(value)}"))
        return types.MappingProxyType({})
    return types.MappingProxyType(dict(value))


def _assignments(value: Any, path: str, problems: list[tuple[str, str]]) -> Any:
    """Dotted field paths and plain values (as ``evaluate --set`` takes them); whether a path
    exists and its value fits is checked against the whole preset (core/preset/scenes.py)."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.append(
            (path, f"expected a mapping of field paths to values, got {describe(value)}")
        )
        return types.MappingProxyType({})
    for key in value:
        if not isinstance(key, str):
            problems.append((join(path, str(key)), "expected a dotted field path as the key"))
            continue
        try:
            parse_path(key)
        except Problems:
            problems.append(
                (join(path, key), "is not a dotted field path like experience.bands[0].mode")
            )
    return types.MappingProxyType(dict(value))


def _string(value: Any, path: str, problems: list[tuple[str, str]], md: Mapping[str, Any]) -> Any:
    if not isinstance(value, str):
        problems.append((path, f"expected text, got {describe(value)}"))
        return value
    enum = md.get("enum")
    if enum and value not in enum:
        close = difflib.get_close_matches(value, enum, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append((path, f"must be one of {', '.join(enum)}, got {value!r}{hint}"))
    return value


def _number(
    tp: type, value: Any, path: str, problems: list[tuple[str, str]], md: Mapping[str, Any]
) -> Any:
    # YAML 1.1 reads '1e-4' (no dot) as text; accept it as the number it plainly is.
    if isinstance(value, str) and _FLOAT_TEXT.match(value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = "a whole number" if tp is int else "a number"
        problems.append((path, f"expected {kind}, got {describe(value)}"))
        return value
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for any float, e.g. 1 followed by 400 zeros
        finite = False
    if not finite:
        problems.append((path, f"must be a finite number, got {describe(value)}"))
        return value
    if tp is int:
        if value != int(value):
            problems.append((path, f"expected a whole number, got {value!r}"))
            return value
        value = int(value)
    else:
        value = float(value)
    message = range_problem(value, md)
    if message:
        problems.append((path, message))
    return value


def range_problem(value: float, md: Mapping[str, Any]) -> str:
    lo, hi = md.get("minimum"), md.get("maximum")
    xlo, xhi = md.get("exclusive_minimum"), md.get("exclusive_maximum")
    low_ok = (lo is None or value >= lo) and (xlo is None or value > xlo)
    high_ok = (hi is None or value <= hi) and (xhi is None or value < xhi)
    if low_ok and high_ok:
        return ""
    left = f"[{lo:g}" if lo is not None else (f"({xlo:g}" if xlo is not None else "(-inf")
    right = f"{hi:g}]" if hi is not None else (f"{xhi:g})" if xhi is not None else "inf)")
    return f"must be in {left}, {right}, got {value:g}"


def to_data(obj: Any) -> Any:
    """Plain data (dicts, lists, scalars) in field order, ready for YAML."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_data(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [to_data(v) for v in obj]
    if isinstance(obj, types.MappingProxyType):
        return dict(obj)
    return obj


def parse_path(path: str) -> list[str | int]:
    """'a.b[2].c' -> ['a', 'b', 2, 'c']."""
    keys: list[str | int] = []
    for part in path.split("."):
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)", part)
        if not m:
            raise Problems([(path, "is not a dotted field path like experience.bands[0].mode")])
        keys.append(m.group(1))
        keys.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return keys


def get_path(data: Any, path: str) -> Any:
    """Value at a dotted path in plain data or dataclasses; Problems if there is none."""
    node = data
    for key in parse_path(path):
        try:
            if isinstance(key, int):
                node = node[key]
            elif dataclasses.is_dataclass(node):
                if key not in {f.name for f in dataclasses.fields(node)}:
                    raise KeyError(key)
                node = getattr(node, key)
            else:
                node = node[key]
        except (KeyError, IndexError, TypeError):
            raise Problems([(path, "no such field")]) from None
    return node


def replace_path(root: Any, path: str, value: Any) -> Any:
    """A copy of a schema object with the field at a dotted path replaced.

    The new value is validated as it would be in a file, and every object on the way to it
    is re-checked (``check()``), so one edit costs what its own field costs rather than a
    whole document. Problems if the path does not exist or the result is invalid."""
    problems: list[tuple[str, str]] = []
    keys = parse_path(path)
    try:
        result = _replace(root, type(root), {}, keys, value, "", problems)
    except Problems:  # raised only where the path leads nowhere
        raise Problems([(path, "no such field")]) from None
    if problems:
        raise Problems(problems)
    return result


def _replace(
    node: Any,
    tp: Any,
    md: Mapping[str, Any],
    keys: list[str | int],
    value: Any,
    path: str,
    problems: list[tuple[str, str]],
) -> Any:
    if not keys:
        return _convert(tp, value, path, problems, md)
    key, rest = keys[0], keys[1:]
    here = join(path, key)
    if isinstance(key, int):
        if not isinstance(node, tuple) or not 0 <= key < len(node):
            raise Problems([(here, "no such field")])
        item = _replace(node[key], typing.get_args(tp)[0], {}, rest, value, here, problems)
        return node[:key] + (item,) + node[key + 1 :]
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        raise Problems([(here, "no such field")])
    f = next((f for f in dataclasses.fields(node) if f.name == key), None)
    if f is None:
        raise Problems([(here, "no such field")])
    child = _replace(
        getattr(node, key), hints(type(node))[key], f.metadata, rest, value, here, problems
    )
    if problems:
        return node
    changed = dataclasses.replace(node, **{key: child})
    check = getattr(changed, "check", None)
    if check is not None:
        problems.extend((join(path, p), m) for p, m in check())
    return changed


def leaf_paths(obj: Any, path: str = "") -> list[str]:
    """Every dotted path to a scalar in a dataclass tree (lists included)."""
    if dataclasses.is_dataclass(obj):
        out: list[str] = []
        for f in dataclasses.fields(obj):
            out += leaf_paths(getattr(obj, f.name), join(path, f.name))
        return out
    if isinstance(obj, tuple):
        out = []
        for i, v in enumerate(obj):
            out += leaf_paths(v, join(path, i))
        return out
    return [path]


def field_spec(root: type, path: str) -> tuple[dict, Any]:
    """The metadata and type of the field at a dotted path, walking the schema types."""
    tp: Any = root
    md: dict = {}
    for key in parse_path(path):
        if isinstance(key, int):
            tp = typing.get_args(tp)[0]
            continue
        origin = typing.get_origin(tp)
        if origin in (types.UnionType, typing.Union):  # the first option with that field
            options = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = next((a for a in options if key in _field_names(a)), options[0])
        f = next((f for f in dataclasses.fields(tp) if f.name == key), None)
        if f is None:
            raise Problems([(path, "no such field")])
        md, tp = dict(f.metadata), hints(tp)[key]
    return md, tp


def _field_names(tp: Any) -> set[str]:
    return {f.name for f in dataclasses.fields(tp)} if dataclasses.is_dataclass(tp) else set()
