"""Model sections built from files the user picked: paths written relative to the preset's
folder, a CSV's label, score, weight and group columns found by name, a preset with another
model section. Nothing is loaded here; the window and any other front end share these rules.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
from pathlib import Path
from typing import Any

from ..limits import Refused, open_regular
from ..preset.preset_io import with_values
from ..preset.schema import ModelSource, Preset, ScoreFileModel, SklearnModel, SyntheticModel
from ..preset.structure import to_data
from .csv_table import MAX_CSV_BYTES

# Column names recognised in a CSV's header, in order of preference (case does not matter).
LABEL_NAMES = ("label", "y", "target", "class", "outcome", "is_positive")
SCORE_NAMES = ("score", "probability", "prob", "p", "y_score", "prediction")
WEIGHT_NAMES = ("weight", "sample_weight")
GROUP_NAMES = ("group",)


def preset_relative(path: str | os.PathLike, base_dir: Path | None) -> str:
    """How a preset writes ``path``: relative to its file's folder, or absolute when the
    preset has no file (or the file is on another drive)."""
    path = Path(path).resolve()
    if base_dir is None:
        return str(path)
    try:
        return Path(os.path.relpath(path, Path(base_dir).resolve())).as_posix()
    except ValueError:
        return str(path)


def csv_header(path: str | os.PathLike) -> list[str]:
    """The column names of a CSV file, best effort ([] if it cannot be read: loading it says
    why, properly)."""
    try:  # a FIFO or a device is refused at once, never waited on
        with open_regular(path, MAX_CSV_BYTES) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            for row in csv.reader(text):
                if row:
                    return [name.strip() for name in row]
    except (Refused, OSError, UnicodeDecodeError, csv.Error):
        return []
    return []


def pick_column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.lower(): h for h in header}
    return next((lowered[n] for n in names if n in lowered), None)


def score_file_model(path: str | os.PathLike, base_dir: Path | None) -> ScoreFileModel:
    """The model section for a score file; label, score, weight and group columns are found
    by name (``label``, ``score``, ``weight``, ``group`` and a few synonyms)."""
    header = csv_header(path)
    return ScoreFileModel(
        path=preset_relative(path, base_dir),
        label_column=pick_column(header, LABEL_NAMES) or "label",
        score_column=pick_column(header, SCORE_NAMES) or "score",
        weight_column=pick_column(header, WEIGHT_NAMES),
        group_column=pick_column(header, GROUP_NAMES),
    )


def sklearn_model(
    model: str | os.PathLike, data: str | os.PathLike, base_dir: Path | None
) -> SklearnModel:
    """The model section for an estimator and its evaluation CSV; the features are the
    estimator's own (or every column but the label, weight and group columns)."""
    header = csv_header(data)
    return SklearnModel(
        model=preset_relative(model, base_dir),
        data=preset_relative(data, base_dir),
        label_column=pick_column(header, LABEL_NAMES) or "label",
        weight_column=pick_column(header, WEIGHT_NAMES),
        group_column=pick_column(header, GROUP_NAMES),
    )


def replace_model(preset: Preset, model: ModelSource) -> Preset:
    """The preset with another model section, validated; citations of model fields the new
    section lacks are dropped. Raises PresetError."""
    names = {f.name for f in dataclasses.fields(model)}

    def keep(key: str) -> bool:
        if not key.startswith("model."):
            return True
        return re.split(r"[.\[]", key[len("model.") :])[0] in names

    changes = {
        # first, as each change is checked: a distribution of model.auc goes with the
        # synthetic model
        "uncertainty": {k: v for k, v in preset.uncertainty.items() if keep(k)},
        "model": to_data(model),
        "sources": {k: v for k, v in preset.sources.items() if keep(k)},
        "assumptions": {k: v for k, v in preset.assumptions.items() if keep(k)},
    }
    return with_values(preset, changes, origin="edit")


def described(scores: Any) -> SyntheticModel:
    """A synthetic model with the AUC a real model measured (kept inside the slider's
    range), so describing a loaded model starts from what it showed."""
    auc = float(scores.roc_auc()) if hasattr(scores, "roc_auc") else SyntheticModel().auc
    return SyntheticModel(auc=min(max(round(auc, 4), 0.501), 0.9999))
