"""What the schema's field metadata says about a field: its type, bounds, label and tooltip, a
new list item's defaults, and the scales sliders map values on."""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...core.model.scores import auc_of
from ...core.model.scores import separation as binormal_separation
from ...core.preset.modes import keys as mode_keys
from ...core.preset.structure import Problems, field_spec, hints, parse_path

INT_LIMIT = 2**31 - 1  # what a QSpinBox can hold
FLOAT_LIMIT = 1e12  # finite fallback bound for floats without one in the metadata
TEXT_HEIGHTS = {"notes": 220}  # taller text boxes for some fields, by field name
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_PARTIAL_NUMBER = re.compile(r"^[-+]?\d*\.?\d*([eE][-+]?\d*)?$")


# --- metadata helpers ---------------------------------------------------------------------


def optional_type(tp: Any) -> tuple[Any, bool]:
    """``int | None`` -> (int, True); ``int`` -> (int, False)."""
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        args = typing.get_args(tp)
        options = [a for a in args if a is not type(None)]
        return options[0], len(options) < len(args)
    return tp, False


def item_type(tp: Any) -> Any | None:
    """The item dataclass of a ``tuple[Item, ...]`` field, else None."""
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if args and dataclasses.is_dataclass(args[0]):
            return args[0]
    return None


def bounds(md: dict, fallback: float = FLOAT_LIMIT) -> tuple[float, float]:
    """The closed range of valid values: exclusive bounds nudged inwards, finite fallbacks."""
    lo, hi = md.get("minimum"), md.get("maximum")
    if lo is None:
        xlo = md.get("exclusive_minimum")
        lo = -fallback if xlo is None else xlo + 1e-12 * max(1.0, abs(xlo))
    if hi is None:
        xhi = md.get("exclusive_maximum")
        hi = fallback if xhi is None else xhi - 1e-12 * max(1.0, abs(xhi))
    return float(lo), float(hi)


def in_range(value: float, md: dict) -> bool:
    lo, hi = md.get("minimum"), md.get("maximum")
    xlo, xhi = md.get("exclusive_minimum"), md.get("exclusive_maximum")
    return (
        (lo is None or value >= lo)
        and (hi is None or value <= hi)
        and (xlo is None or value > xlo)
        and (xhi is None or value < xhi)
    )


def is_unit_interval(md: dict) -> bool:
    """True for a number whose valid range lies within [0, 1]."""
    lo = md.get("minimum", md.get("exclusive_minimum"))
    hi = md.get("maximum", md.get("exclusive_maximum"))
    return lo is not None and hi is not None and lo >= 0 and hi <= 1


def label_text(md: dict, name: str, with_unit: bool = True) -> str:
    title = md.get("title") or name.replace("_", " ").capitalize()
    unit = md.get("unit")
    return f"{title} ({unit})" if unit and with_unit else title


def _lower_first(text: str) -> str:
    # "Daily cap" -> "daily cap", but a name like "AUC" keeps its capitals
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def change_label(root: type, path: str) -> str:
    """What a designer reads for a field in the undo history, from the labels the design panel
    shows: 'experience.modes.annotate.daily_cap' -> 'Annotate: daily cap',
    'experience.bands[1].threshold' -> 'band 2 threshold'. The path itself if it names no
    field of ``root``."""
    try:
        keys = parse_path(path)
        # (label, names one of several: a list item or a mode) for each step below root
        labels: list[tuple[str, bool]] = []
        prefix = ""
        for key in keys:
            if isinstance(key, int):
                prefix += f"[{key}]"
                _, tp = field_spec(root, prefix)
                if isinstance(tp, type) and dataclasses.is_dataclass(tp):
                    labels[-1] = (f"{tp.__name__.replace('_', ' ').lower()} {key + 1}", True)
                else:
                    labels[-1] = (f"{labels[-1][0]} {key + 1}", False)
                continue
            prefix = f"{prefix}.{key}" if prefix else key
            md, _ = field_spec(root, prefix)
            labels.append((label_text(md, key, with_unit=False), key in mode_keys()))
    except Problems:
        return path
    below_top = labels[1:]
    if len(below_top) < 2:
        return labels[-1][0]
    # the nearest band, payoff or mode the field belongs to, else its nearest section
    owner = max((i for i, (_, named) in enumerate(below_top[:-1]) if named), default=None)
    if owner is None:
        owner = len(below_top) - 2
    name, is_item = below_top[owner]
    rest = " ".join(_lower_first(text) for text, _ in below_top[owner + 1 :])
    return f"{name} {rest}" if is_item and name[:1].islower() else f"{name}: {rest}"


def _html(text: str) -> str:
    """Text for a rich-text tooltip; '&' is kept as typed unless it starts an entity."""
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")


def tooltip(md: dict, path: str, citation: str = "") -> str:
    """Description, then the source or assumption, then the dotted path (rich text wraps)."""
    parts = [f"<b>{_html(md.get('title', ''))}</b>"] if md.get("title") else []
    if md.get("description"):
        parts.append(_html(md["description"]))
    if citation:
        parts.append(f"<i>{_html(citation)}</i>")
    parts.append(f"<span style='color:#777'>{_html(path)}</span>")
    return "<p>" + "</p><p>".join(parts) + "</p>"


def generic_path(path: str) -> str:
    """'experience.bands[2].threshold' -> 'experience.bands[].threshold'."""
    return re.sub(r"\[\d+\]", "[]", path)


def default_item(cls: type, index: int = 0) -> Any:
    """A new item of a list (a payoff, a region): defaults, the first enum option, 0 within
    range, and a numbered name for a ``name`` field so that names stay distinct."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            continue
        md, (tp, _) = dict(f.metadata), optional_type(hints(cls)[f.name])
        if md.get("enum"):
            kwargs[f.name] = md["enum"][0]
        elif tp is bool:
            kwargs[f.name] = False
        elif tp in (int, float):
            lo, hi = bounds(md)
            kwargs[f.name] = tp(min(max(0, lo), hi))
        elif dataclasses.is_dataclass(tp):
            kwargs[f.name] = default_item(tp)
        elif typing.get_origin(tp) is tuple:
            kwargs[f.name] = ()
        elif tp is str and f.name == "name":
            kwargs[f.name] = f"{md.get('title') or cls.__name__} {index + 1}"
        else:
            kwargs[f.name] = tp()
    return cls(**kwargs)


def union_options(tp: Any) -> list[type]:
    """The dataclasses of a tagged union field (``SyntheticModel | SklearnModel | ...``)."""
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(options) > 1 and all(dataclasses.is_dataclass(a) for a in options):
            return options
    return []


def union_tag(cls: type) -> tuple[str, str]:
    """(tag field name, tag value) of a union option: its first field and that's default."""
    first = dataclasses.fields(cls)[0]
    return first.name, first.default


def tidy_probability(p: float) -> float:
    """Three significant digits of the smaller of p and 1 - p: 0.0512, 0.995, 0.00021."""
    if p > 0.5:
        return 1.0 - float(f"{1.0 - p:.3g}")
    return float(f"{p:.3g}")


def log_odds(p: float) -> float:
    p = min(max(p, 1e-15), 1 - 1e-15)
    return math.log10(p / (1.0 - p))


def from_log_odds(x: float) -> float:
    return 1.0 / (1.0 + 10.0 ** (-x))


def separation(auc: float) -> float:
    """The binormal model's d' for an AUC (scores.separation), finite at AUC 0 and 1 so that
    any typed value has a slider position."""
    return binormal_separation(min(max(auc, 1e-15), 1 - 1e-15))


@dataclass(frozen=True)
class Scale:
    """How a slider maps a value: its position is ``forward(value)``; it covers
    [low, high] (typing in the box beside it reaches any valid value)."""

    forward: Callable[[float], float]
    inverse: Callable[[float], float]
    low: float
    high: float


SCALES = {
    # probabilities over orders of magnitude, on log odds: 1e-6, 1e-5 ... equally spaced near
    # 0 (where log odds is log), 0.9, 0.99, 0.999 near 1
    "log": Scale(log_odds, from_log_odds, 1e-6, 0.9999),
    # rates, which are rarely above one half: 1e-6 ... 0.5
    "rate": Scale(log_odds, from_log_odds, 1e-6, 0.5),
    # a binormal model's AUC, evenly in its separation d': 0.75, 0.9, 0.99, 0.999 all reachable
    "separation": Scale(separation, auc_of, 0.501, 0.99995),
}
