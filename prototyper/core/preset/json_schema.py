"""The preset format as a JSON Schema (draft 2020-12), generated from the schema's dataclasses
and their field metadata, so that an editor (e.g. through the YAML language server) can
complete and check a preset as it is typed.

The schema describes what a file may hold; the loader stays the judge (it also checks
cross-field rules such as band order, which a JSON Schema cannot express).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any

from .schema import SCHEMA_VERSION, Preset
from .structure import hints, to_data

DIALECT = "https://json-schema.org/draft/2020-12/schema"
FILE_NAME = "preset.schema.json"
# The first line of a bundled preset: editors using the YAML language server find the schema.
MODELINE = f"# yaml-language-server: $schema={FILE_NAME}"

_RANGE_KEYS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusive_minimum": "exclusiveMinimum",
    "exclusive_maximum": "exclusiveMaximum",
}


def preset_schema() -> dict[str, Any]:
    """The JSON Schema of a preset file, as plain data."""
    defs: dict[str, Any] = {}
    root = _object(Preset, defs)
    root["properties"] = {
        "schema_version": {
            "title": "Schema version",
            "description": f"The version of the preset format; this app writes "
            f"{SCHEMA_VERSION} and opens older versions.",
            "type": "integer",
            "minimum": 1,
            "maximum": SCHEMA_VERSION,
        },
        **root["properties"],
    }
    root["required"] = ["schema_version", *root.get("required", [])]
    return {
        "$schema": DIALECT,
        "$id": FILE_NAME,
        "title": "Prototyper preset",
        "description": "A scenario, a model, the experience (bands and modes), the user "
        "response and the payoffs of an intelligent experience design.",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    """The schema as the file ``presets/preset.schema.json`` holds it."""
    return json.dumps(preset_schema(), indent=2, ensure_ascii=False) + "\n"


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
        prop = _annotate(_type(hints(cls)[f.name], dict(f.metadata), defs), f)
        properties[f.name] = prop
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


def _annotate(prop: dict[str, Any], f: dataclasses.Field) -> dict[str, Any]:
    md = f.metadata
    head: dict[str, Any] = {}
    if md.get("title"):
        head["title"] = md["title"]
    description = md.get("description", "")
    if md.get("unit"):
        description = f"{description} Unit: {md['unit']}.".strip()
    if md.get("empty"):
        description = f"{description} Empty: {md['empty']}.".strip()
    if description:
        head["description"] = description
    default = f.default
    if default is not dataclasses.MISSING and not dataclasses.is_dataclass(default):
        head["default"] = to_data(default)
    return {**head, **prop}


def _ref(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    name = cls.__name__
    if name not in defs:
        defs[name] = {}  # taken before recursing: a class reached again refers to it
        body = _object(cls, defs)
        doc = (cls.__doc__ or "").strip()
        if doc and not doc.startswith(f"{name}("):  # not the dataclass's generated text
            body = {"description": " ".join(doc.split()), **body}
        defs[name] = body
    return {"$ref": f"#/$defs/{name}"}


# One input's distribution in ``uncertainty`` (checked in full by core/preset/uncertainty.py):
# uniform {low, high}, or a triangular or beta shape, a beta optionally scaled by low and high.
_NUMBER = {"type": "number"}
_DISTRIBUTION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "low": _NUMBER,
        "high": _NUMBER,
        "triangular": {"type": "array", "items": _NUMBER, "minItems": 3, "maxItems": 3},
        "beta": {"type": "array", "items": _NUMBER, "minItems": 2, "maxItems": 2},
    },
    "additionalProperties": False,
    "oneOf": [
        {
            "required": ["low", "high"],
            "not": {"anyOf": [{"required": ["triangular"]}, {"required": ["beta"]}]},
        },
        {
            "required": ["triangular"],
            "not": {
                "anyOf": [{"required": ["low"]}, {"required": ["high"]}, {"required": ["beta"]}]
            },
        },
        {"required": ["beta"], "not": {"required": ["triangular"]}},
    ],
}


def _type(tp: Any, md: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = typing.get_args(tp)
        options = [a for a in args if a is not type(None)]
        if len(options) > 1 and all(map(dataclasses.is_dataclass, options)):
            return _tagged(options, defs)
        inner = _type(options[0], md, defs)
        if len(options) < len(args):
            return {"anyOf": [inner, {"type": "null"}]}
        return inner
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _ref(tp, defs)
    if origin is tuple:
        return {"type": "array", "items": _type(typing.get_args(tp)[0], {}, defs)}
    if tp is types.MappingProxyType and md.get("widget") == "distributions":
        return {"type": ["object", "null"], "additionalProperties": _DISTRIBUTION}
    if tp is types.MappingProxyType and md.get("widget") == "assignments":  # a scene's values
        # a value as the field takes it (a number, a word, a list of bands…): any JSON value
        return {"type": ["object", "null"], "additionalProperties": True}
    if tp is types.MappingProxyType:  # sources and assumptions: text by dotted path
        return {"type": ["object", "null"], "additionalProperties": {"type": "string"}}
    if tp is bool:
        return {"type": "boolean"}
    if tp is str:
        out: dict[str, Any] = {"type": "string"}
        if md.get("enum"):
            out["enum"] = list(md["enum"])
        return out
    if tp in (int, float):
        out = {"type": "integer" if tp is int else "number"}
        out.update({_RANGE_KEYS[k]: md[k] for k in _RANGE_KEYS if k in md})
        return out
    raise TypeError(f"no JSON Schema for the schema type {tp!r}")


def _tagged(options: list[type], defs: dict[str, Any]) -> dict[str, Any]:
    """A union told apart by its first field (``source``): each option requires its tag,
    but for the first, which a mapping without the tag is."""
    key = dataclasses.fields(options[0])[0].name
    choices = []
    for i, option in enumerate(options):
        tag = dataclasses.fields(option)[0].default
        condition: dict[str, Any] = {"properties": {key: {"const": tag}}}
        if i:
            condition["required"] = [key]
        choices.append({"allOf": [condition, _ref(option, defs)]})
    return {"type": "object", "oneOf": choices}
