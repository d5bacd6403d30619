"""What checking a scikit-learn model found, kept so that checking the same files again
needs neither numpy, the scores nor their calibration.

After a full check (:func:`remember`), the number of evaluation rows and the ROC AUC at the
scenario's base rate are kept in the score cache (:func:`.score_cache.store_summary`) under
the key of the model's scores (both files' SHA-256, the types trusted, the columns, the
versions that score) and the SHA-256 of the code that reads, scores and calibrates
(this folder's modules). :func:`known` gives them back only when nothing would be checked
differently: the model file passes the trust check with nothing to ask, decided from the
file itself and never from the cache, and the evaluation file's label, weight and group
columns are read and checked again. Otherwise it gives None and the caller makes the full
check, which says what is wrong. As for the scores, the cache is trusted for numbers only:
the row count and the AUC it prints.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..preset.preset_io import PresetError
from ..preset.schema import ModelSource, SklearnModel
from . import score_cache
from .csv_table import GROUP, LABEL, MAX_WEIGHT, NUMBER, read_csv
from .model_paths import Origin, existing_files
from .trust_check import quick_file_trust


@dataclass(frozen=True)
class Summary:
    """What a check of a real model reports: its evaluation rows and its ROC AUC."""

    rows: int
    auc: float


def known(
    model: ModelSource, base_dir: str | os.PathLike | None, base_rate: float
) -> Summary | None:
    """The summary an earlier full check of the same files found at ``base_rate``, if the
    trust check and the evaluation file's columns pass again now; else None."""
    if not isinstance(model, SklearnModel):
        return None
    try:
        paths = existing_files(model, base_dir, Origin())
        key = _key(model, paths)
        if key is None:
            return None
        kept = score_cache.load_summary(key)
        if kept is None or float(base_rate) not in kept[1]:
            return None
        rows, aucs = kept
        if _checked_rows(model, paths["data"]) != rows:
            return None
    except (PresetError, OSError):
        return None  # the full check says what is wrong
    return Summary(rows, aucs[float(base_rate)])


def remember(
    model: ModelSource, base_dir: str | os.PathLike | None, base_rate: float, summary: Summary
) -> None:
    """Keep what a full check of the model found at ``base_rate``, if a later check can use
    it (a scikit-learn skops file that needs nothing asked); the cache is only a speed-up."""
    if not isinstance(model, SklearnModel) or not math.isfinite(summary.auc):
        return
    try:
        key = _key(model, existing_files(model, base_dir, Origin()))
    except (PresetError, OSError):
        return
    if key is not None:
        score_cache.store_summary(key, summary.rows, base_rate, summary.auc)


def _key(model: SklearnModel, paths: dict[str, Path]) -> str | None:
    """The summary's key: the scores' and the code's; None if the file needs the full trust
    check (skops imported) or the user's consent, or if the code cannot be read."""
    quick = quick_file_trust(model, paths["model"], ())
    code = _code_digest()
    if quick is None or code is None:
        return None
    scores = score_cache.model_key(model, paths, quick[0].untrusted)
    return hashlib.sha256(f"{scores}:{code}".encode()).hexdigest()


@cache
def _code_digest() -> str | None:
    """SHA-256 of this folder's modules: a summary found by other code is not reused."""
    digest = hashlib.sha256()
    try:
        for path in sorted(Path(__file__).parent.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return digest.hexdigest()


def _checked_rows(model: SklearnModel, data: Path) -> int | None:
    """The evaluation file's rows if its label, weight and group columns pass the checks
    of a full load (:func:`.loaded_model.read_labels` and the others), else None."""
    wanted: dict[str, tuple[str, ...]] = {}
    for name, kind in (
        (model.label_column, LABEL),
        (model.weight_column, NUMBER),
        (model.group_column, GROUP),
    ):
        if name:
            wanted[name] = wanted.get(name, ()) + (kind,)
    table = read_csv(data, lambda header: wanted)
    labels = table.plain(model.label_column, LABEL, "model.label_column")
    if model.group_column:
        table.require(model.group_column, "model.group_column")
    weights = None
    if model.weight_column:
        weights = table.plain(model.weight_column, NUMBER, "model.weight_column")
        if not all(0.0 <= w <= MAX_WEIGHT for w in weights):  # NaN fails both
            return None
    for cls in (1, 0):
        if weights is None:
            if cls not in labels:
                return None
        elif not any(w > 0 for w, label in zip(weights, labels, strict=True) if label == cls):
            return None
    return table.n
