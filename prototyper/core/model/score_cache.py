"""Scores of real models kept on disk, so that a model opened again (in a new process)
needs neither scikit-learn nor skops: only its evaluation file and its trust check.

An entry is the estimator's raw output on the evaluation rows (``predict_proba`` of the
positive class, or ``decision_function``), keyed by the SHA-256 of the model file and of
the evaluation file, the types trusted to load it, the model section's columns, the
versions that scored it and the cache format. It is a plain ``.npy`` file, read with
``allow_pickle=False`` and used only if it holds exactly one finite float64 per evaluation
row (and, for ``predict_proba``, values in [0, 1]); anything else is a miss. The cache is
never trusted for anything but these numbers: the consent to a model file is decided from
the file itself, before the cache is looked at.

Beside the scores, ``validate`` keeps what it found for them (:mod:`.validated`): the number of
evaluation rows and the ROC AUC at each base rate asked, under the same key, in a small JSON
file read only if it is well formed; it too is numbers and nothing else.

numpy is imported only where arrays are read or written: a ``validate`` that finds what it
found before needs neither numpy nor the scores.

The folder is the user's cache folder (``PROTOTYPER_CACHE_DIR`` overrides it), bounded to
:data:`MAX_TOTAL_BYTES` by removing the least recently used entries. Entries are written to a
temporary file and renamed, so concurrent writers and readers never see half an entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .. import limits
from ..preset.preset_io import write_atomic
from ..preset.schema import SklearnModel
from . import installed
from .csv_table import MAX_ROWS
from .trust import file_digest

if TYPE_CHECKING:
    import numpy as np

CACHE_ENV = "PROTOTYPER_CACHE_DIR"
FORMAT = 1
MAX_TOTAL_BYTES = 200 << 20
METHODS = ("predict_proba", "decision_function")
_HEADER_BYTES = 4096  # room for a .npy header beside the values
_ENTRY = re.compile(r"[0-9a-f]{64}\.(?:(?:predict_proba|decision_function)\.npy|validated\.json)")
_SUMMARY_BYTES = 64 << 10  # a row count and a few AUCs
_SUMMARY_RATES = 16  # base rates whose AUC an entry keeps
_VERSIONED = ("scikit-learn", "skops", "numpy")


def cache_dir() -> Path:
    """The user's cache folder for the prototyper (``PROTOTYPER_CACHE_DIR`` if set)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("prototyper", appauthor=False)) / "scores"


def entry_key(model_digest: str, data_digest: str, trusted: tuple[str, ...], columns: dict) -> str:
    """The key of the scores of a model file on an evaluation file."""
    versions = {name: installed.version(name) or "" for name in _VERSIONED}
    text = json.dumps(
        [FORMAT, model_digest, data_digest, sorted(trusted), columns, versions], sort_keys=True
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_key(model: SklearnModel, paths: dict[str, Path], trusted: tuple[str, ...]) -> str:
    """The key of a scikit-learn model section's scores: its model and evaluation files
    (``paths``), the types trusted to load it and the columns it reads."""
    columns = {
        "label": model.label_column,
        "weight": model.weight_column,
        "group": model.group_column,
        "features": list(model.feature_columns or ()),
    }
    digests = (file_digest(paths["model"]), file_digest(paths["data"]))
    return entry_key(*digests, trusted, columns)


def load(key: str, rows: int | None = None) -> tuple[np.ndarray, str] | None:
    """(raw scores, method) stored under ``key``, or None; with ``rows``, only if there is
    one score per row (else the caller must check the length)."""
    import numpy as np

    most = (MAX_ROWS if rows is None else rows) * 8 + _HEADER_BYTES
    for method in METHODS:
        path = cache_dir() / f"{key}.{method}.npy"
        try:
            with limits.open_regular(path, most) as f:
                values = np.load(f, allow_pickle=False)
        except (OSError, ValueError, EOFError, limits.Refused):
            continue  # missing, oversized, not a plain array: a miss
        if _usable(values, rows, method):
            try:  # the most recently used entries are the last evicted
                os.utime(path)
            except OSError:
                pass  # a read-only cache still serves
            return values, method
    return None


def _usable(values: np.ndarray, rows: int | None, method: str) -> bool:
    import numpy as np

    if not isinstance(values, np.ndarray) or values.dtype != np.float64 or values.ndim != 1:
        return False
    if (rows is not None and len(values) != rows) or not np.isfinite(values).all():
        return False
    return method != "predict_proba" or bool(((values >= 0) & (values <= 1)).all())


def store(key: str, method: str, values: np.ndarray) -> bool:
    """Keep ``values`` under ``key``; False if it could not be written (the cache is only a
    speed-up: a full disk or a read-only folder changes nothing else)."""
    import numpy as np

    if method not in METHODS:
        raise ValueError(f"unknown scoring method {method!r}")
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(values, dtype=np.float64), allow_pickle=False)
    payload = buffer.getvalue()
    if len(payload) > MAX_TOTAL_BYTES:
        return False
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{key}.{method}.npy", payload)
    except OSError:
        return False
    evict(folder)
    return True


def load_summary(key: str) -> tuple[int, dict[float, float]] | None:
    """(evaluation rows, {base rate: ROC AUC}) kept under ``key`` by :func:`store_summary`,
    or None if there is none or it is not exactly that."""
    path = cache_dir() / f"{key}.validated.json"
    try:
        with limits.open_regular(path, _SUMMARY_BYTES) as f:
            data = json.loads(f.read())
    except (OSError, ValueError, limits.Refused):
        return None
    if not isinstance(data, dict) or set(data) != {"rows", "auc"}:
        return None
    rows, aucs = data["rows"], data["auc"]
    if type(rows) is not int or not 0 < rows <= MAX_ROWS or not isinstance(aucs, list):
        return None
    found: dict[float, float] = {}
    for pair in aucs[:_SUMMARY_RATES]:
        if not (isinstance(pair, list) and len(pair) == 2):
            return None
        rate, auc = pair
        if type(rate) is not float or type(auc) is not float:
            return None
        if not (0 < rate < 1 and 0 <= auc <= 1 and math.isfinite(auc)):
            return None
        found[rate] = auc
    return rows, found


def store_summary(key: str, rows: int, base_rate: float, auc: float) -> bool:
    """Keep the row count and the ROC AUC at ``base_rate`` under ``key``, beside the AUCs
    already kept at other base rates (the most recent few); False if it could not be
    written."""
    kept = load_summary(key)
    aucs = dict(kept[1]) if kept is not None and kept[0] == rows else {}
    aucs.pop(float(base_rate), None)
    aucs[float(base_rate)] = float(auc)
    pairs = [[rate, value] for rate, value in aucs.items()][-_SUMMARY_RATES:]
    text = json.dumps({"rows": int(rows), "auc": pairs})
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{key}.validated.json", text.encode("utf-8"))
    except OSError:
        return False
    evict(folder)
    return True


def evict(folder: Path, budget: int = MAX_TOTAL_BYTES) -> None:
    """Remove the least recently used entries until the folder's entries fit ``budget``.
    Only files named like an entry are ever removed."""
    entries = []
    try:
        for item in os.scandir(folder):
            if _ENTRY.fullmatch(item.name) and item.is_file(follow_symlinks=False):
                st = item.stat(follow_symlinks=False)
                entries.append((st.st_mtime_ns, st.st_size, item.path))
    except OSError:
        return
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= budget:
            break
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass  # another process evicted it first
        except OSError:
            continue
        total -= size


def clear() -> None:
    """Remove every entry (the cache folder stays)."""
    evict(cache_dir(), budget=-1)
