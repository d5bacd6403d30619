"""Versions of installed distributions, as ``importlib.metadata.version`` gives them, without
importing importlib.metadata: its e-mail parser costs about 50 ms of CPU, a sixth of a warm
``validate`` of a real model, which needs the versions of skops, scikit-learn, numpy and
scipy (see :mod:`.skops_schema` and :mod:`.score_cache`).

The usual layout, a ``NAME-VERSION.dist-info`` folder in a folder on ``sys.path`` found by
the standard path finder, is read here the way importlib.metadata reads it: the first
folder on the path that holds the distribution, its ``METADATA`` file's ``Version`` header.
Anything else (an egg, a zip on the path, two copies in one folder, another finder of
distributions, a header it would parse differently) is left to importlib.metadata.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache
from importlib.machinery import PathFinder

_SEPARATORS = re.compile(r"[-_.]+")
_MAX_HEADER_BYTES = 1 << 20  # the headers come first; the description may be long


def _normal(name: str) -> str:
    """A distribution name as importlib.metadata compares them."""
    return _SEPARATORS.sub("-", name).lower().replace("-", "_")


@cache
def version(name: str) -> str | None:
    """The installed version of the distribution ``name``; None if it is not installed."""
    found = _from_dist_info(name)
    if found is not None:
        return found
    from importlib import metadata

    try:
        return metadata.version(name)
    except (metadata.PackageNotFoundError, KeyError):  # (KeyError: no Version, some finders)
        return None


def _from_dist_info(name: str) -> str | None:
    """The version from the dist-info folder importlib.metadata would read; None whenever
    this reading might differ from its own (it then reads it)."""
    finders = [f for f in sys.meta_path if hasattr(f, "find_distributions")]
    if finders != [PathFinder]:
        return None
    wanted = _normal(name)
    for entry in sys.path:
        if not isinstance(entry, str):
            return None
        folder = _folder(entry)
        if folder is None:
            return None
        found = folder.get(wanted)
        if not found:
            continue
        if len(found) > 1 or not found[0].lower().endswith(".dist-info"):
            return None
        return _version_header(os.path.join(entry or ".", found[0], "METADATA"))
    return None


@cache
def _folder(entry: str) -> dict[str, list[str]] | None:
    """A folder on the path: its metadata folders by normalised name ({} if it is not there);
    None if importlib.metadata reads it otherwise (a zip archive, an egg)."""
    try:
        children = os.listdir(entry or ".")
    except OSError:
        # a zip archive on the path, or a folder that cannot be listed
        return None if os.path.exists(entry or ".") else {}
    if os.path.basename(entry).lower().endswith(".egg"):
        return None
    out: dict[str, list[str]] = {}
    for child in children:
        low = child.lower()
        if low.endswith((".dist-info", ".egg-info")):
            out.setdefault(_normal(low.rpartition(".")[0].partition("-")[0]), []).append(child)
    return out


def _version_header(path: str) -> str | None:
    """The value of the first ``Version`` header of a metadata file, as the e-mail parser
    of importlib.metadata gives it; None if the file or the header is unusual."""
    try:
        with open(path, "rb") as f:
            raw = f.read(_MAX_HEADER_BYTES)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if not line:
            return None  # the end of the headers, no Version among them
        key, colon, value = line.partition(":")
        if not colon or not re.fullmatch(r"[\x21-\x39\x3b-\x7e]+", key):
            return None  # a line the e-mail parser might take otherwise
        if key.lower() == "version":
            if i + 1 >= len(lines) or lines[i + 1][:1] in (" ", "\t"):
                return None  # a folded header, or a file cut short
            value = value.lstrip(" \t")
            return value or None
    return None
