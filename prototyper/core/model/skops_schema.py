"""The types a skops file needs trusted, read from its ``schema.json`` without importing
skops or scikit-learn (about 2 s of imports a re-opened model with cached scores can skip).

skops audits a file by building a tree of nodes from ``schema.json``; each kind of node
(``__loader__``) trusts a fixed list of types by default and reports its own type otherwise
(``get_untrusted_types``). :func:`untrusted_types` repeats that audit over every node of the
schema with the lists of :mod:`.skops_defaults`, copied from the installed skops. It never
says less than skops would: it answers None (ask skops) whenever the installed versions are
not those the lists were taken from, the protocol differs, or a node's kind is not one it
knows; and it checks every node, where skops skips repeats and JSON values.

After an upgrade of skops, scikit-learn, numpy or scipy, regenerate the lists with
``python -m prototyper.core.model.skops_schema > prototyper/core/model/skops_defaults.py``.
"""

from __future__ import annotations

import json
import zipfile
from functools import lru_cache
from pathlib import Path

from . import installed

DISTRIBUTIONS = ("skops", "scikit-learn", "numpy", "scipy")
_NODE_KEYS = ("__loader__", "__module__", "__class__")


@lru_cache(maxsize=1)
def _versions_match() -> bool:
    from . import skops_defaults  # here: only a real model pays for its import

    return all(
        d in skops_defaults.VERSIONS and installed.version(d) == skops_defaults.VERSIONS[d]
        for d in DISTRIBUTIONS
    )


def untrusted_types(schema_bytes: bytes) -> tuple[str, ...] | None:
    """The types of a skops ``schema.json`` that skops does not trust by default, sorted, as
    ``skops.io.get_untrusted_types`` gives them; None if that cannot be told without skops."""
    return audit(schema_bytes)[0]


def audit(schema_bytes: bytes) -> tuple[tuple[str, ...] | None, str]:
    """(:func:`untrusted_types` of a skops ``schema.json``, the class name of the object it
    holds: what ``type(estimator).__name__`` gives once loaded, "" if unknown), from one
    parse of the schema; (None, "") whenever skops must tell."""
    if not _versions_match():
        return None, ""
    from . import skops_defaults

    # Every object of the document is a node or holds some: collected while parsing, which
    # visits each once, rather than by walking the parsed tree again.
    nodes: list[dict] = []

    def collect(item: dict) -> dict:
        if "__loader__" in item:
            nodes.append(item)
        return item

    try:
        schema = json.loads(schema_bytes, object_hook=collect)
    except (ValueError, RecursionError):
        return None, ""
    if not isinstance(schema, dict) or schema.get("protocol") != skops_defaults.PROTOCOL:
        return None, ""
    found: set[str] = set()
    for item in nodes:
        loader, module, name = (item.get(k) for k in _NODE_KEYS)
        if not all(isinstance(v, str) for v in (loader, module, name)):
            return None, ""
        if loader not in skops_defaults.TRUSTED:
            return None, ""  # a kind of node whose audit is not repeated here: ask skops
        if loader == "JsonNode":
            continue  # skops never reports a JSON value (its content is text, not nodes)
        full = f"{module}.{name}"
        if full not in skops_defaults.TRUSTED[loader]:
            found.add(full)
    root = schema.get("__class__")
    return tuple(sorted(found)), root if isinstance(root, str) and root.isidentifier() else ""


def _schema(path: Path) -> bytes | None:
    """The ``schema.json`` of a skops file that has passed the size and format checks (so
    it is bounded); None on any problem, which skops then reports."""
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.read("schema.json")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError, RuntimeError):
        return None


def read_untrusted_types(path: Path) -> tuple[str, ...] | None:
    """:func:`untrusted_types` of a checked skops file; None if skops must tell."""
    if not _versions_match():
        return None
    data = _schema(path)
    return None if data is None else untrusted_types(data)


# --- the lists, copied from the installed skops ---------------------------------------------

# The node kinds repeated here: the loaders of scikit-learn estimators, their parameters and
# fitted arrays. Any other kind (functions' partials, methods, operators, bytes, cached
# references...) sends the file to skops.
LOADERS = (
    "DictNode",
    "ListNode",
    "SetNode",
    "TupleNode",
    "JsonNode",
    "SliceNode",
    "TypeNode",
    "FunctionNode",
    "NdArrayNode",
    "RandomStateNode",
    "ObjectNode",
    "TreeNode",
    "LossNode",
)


def generate() -> str:
    """The text of :mod:`.skops_defaults` for the installed versions (imports skops)."""
    import numpy as np
    from skops.io import _general, _numpy, _sklearn
    from skops.io import _trusted_types as tt
    from skops.io._protocol import PROTOCOL
    from skops.io._utils import get_type_paths

    del _general, _numpy  # imported so that every node kind is registered
    primitives = tt.PRIMITIVE_TYPE_NAMES
    trusted = {
        "DictNode": get_type_paths([dict, "collections.OrderedDict"]),
        "ListNode": get_type_paths([list]),
        "SetNode": get_type_paths([set]),
        "TupleNode": get_type_paths([tuple]),
        "JsonNode": primitives,
        "SliceNode": get_type_paths([slice]),
        "TypeNode": primitives + tt.CONTAINER_TYPE_NAMES + tt.NUMPY_DTYPE_TYPE_NAMES,
        "FunctionNode": tt.SCIPY_UFUNC_TYPE_NAMES + tt.NUMPY_UFUNC_TYPE_NAMES,
        "NdArrayNode": get_type_paths([np.ndarray]) + tt.NUMPY_DTYPE_TYPE_NAMES,
        "RandomStateNode": get_type_paths([np.random.RandomState]),
        "ObjectNode": tt.SKLEARN_ESTIMATOR_TYPE_NAMES + tt.SKLEARN_INTERNAL_TYPE_NAMES,
        "TreeNode": [],
        "LossNode": get_type_paths(list(_sklearn.ALLOWED_LOSSES)),
    }
    assert tuple(trusted) == LOADERS
    from importlib import metadata

    versions = {d: metadata.version(d) for d in DISTRIBUTIONS}
    lines = [
        '"""What skops trusts by default, per kind of node (generated by',
        "``python -m prototyper.core.model.skops_schema``; see :mod:`.skops_schema`). "
        "Data, not code:",
        "its length is the length of skops' lists.",
        '"""',
        "",
        f"VERSIONS = {versions!r}",
        f"PROTOCOL = {PROTOCOL!r}",
        "TRUSTED: dict[str, frozenset[str]] = {",
    ]
    for loader, names in trusted.items():
        lines.append(f"    {loader!r}: frozenset(")
        lines.append("        [")
        lines += [f"            {n!r}," for n in sorted(set(names))]
        lines.append("        ]")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(generate(), end="")
