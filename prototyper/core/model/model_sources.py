"""Real model sources: a scikit-learn estimator on a labelled CSV, or a CSV of scores.

Loading turns a preset's ``model`` section into empirical scores (:class:`LoadedModel`, which
the engine and the sweep use like any score model) plus what the user should know about
them: the evaluation set's size and base rate, whether scores were calibrated from a
decision function, which types were trusted. Metrics for the model panel and the report
(ROC AUC, a reliability curve, score histograms, per-group figures) come from
:func:`model_metrics`.

Rules:

- Paths are relative to the preset file's folder (``base_dir``).
- Nothing is trusted that the user has not trusted. A skops file is checked with
  ``skops.io.get_untrusted_types`` before it is loaded. Of the types beyond skops' defaults,
  the preset's ``trusted_types`` is only a request: it is honoured for types on the
  allowlist (:func:`.trust.allowed`: scikit-learn estimators, numpy and scipy data types).
  Every other type needs the consent of the user on this computer: ``trust`` (the CLI's
  ``--trust TYPE``, the app's dialog) or consent remembered for the file's SHA-256
  (:mod:`.trust`). A pickle (.pkl, .pickle, .joblib) loads only with ``allow_pickle=True``
  (``--trust-pickle`` or the app's dialog), whatever the preset says.
- Every bad input raises :class:`~prototyper.core.preset.preset_io.PresetError` with one line per
  problem, ``file:line: field: message``, and changes nothing. The two that a user can fix
  by consenting are subclasses a GUI can catch: :class:`UntrustedTypes` and
  :class:`PickleConsent`.
- skops and scikit-learn are imported only here and only when an estimator is loaded
  (about 1.3 s and 0.9 s); score files need neither.

A GUI worker thread can call :func:`check_trust` (lists untrusted types; imports skops) and
:func:`load_scores` (cached and thread-safe) directly.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .. import limits
from ..preset.preset_io import MAX_BYTES, PresetError, Problem, line_of, parse_yaml
from ..preset.schema import (
    PICKLE_SUFFIXES,
    ModelSource,
    Preset,
    ScoreFileModel,
    SklearnModel,
    SyntheticModel,
)
from .csv_table import FEATURE, GROUP, LABEL, NUMBER, Table, Wanted, read_csv
from .scores import BinormalScores, EmpiricalScores, Reliability, ScoreHistograms, ScoreModel
from .trust import allowed, file_digest, remember, remembered, runs_code

MAX_GROUPS = 50  # groups shown per model; more are summarised
MAX_MODEL_BYTES = 2 << 30  # what a skops file may unpack to
MAX_SCHEMA_BYTES = 16 << 20  # a skops file's schema.json: skops parses it whole
MAX_WEIGHT = 1e12  # per row; 20 million rows of it still sum to a finite total
_CACHE_SIZE = 8


# --- errors and where they point ----------------------------------------------------------


class ConsentNeeded(PresetError):
    """Loading needs the user's consent; the message says how to give it."""

    def __init__(self, problems: list[Problem], path: Path):
        super().__init__(problems)
        self.path = path


class UntrustedTypes(ConsentNeeded):
    """The skops file holds types nobody trusted yet (``types``); a GUI lists them and asks,
    then loads with ``trust=types``."""

    def __init__(self, problems: list[Problem], path: Path, types: tuple[str, ...]):
        super().__init__(problems, path)
        self.types = types


class PickleConsent(ConsentNeeded):
    """The model file is a pickle; a GUI says it can run any code, asks, then loads with
    ``allow_pickle=True``."""


@dataclass(frozen=True)
class Origin:
    """Where a preset's model section was read from, for error messages: the name to show
    and the YAML file whose lines the messages cite (read only when a message needs one)."""

    file: str = "<preset>"
    path: str | None = None

    def line(self, field_path: str) -> int | None:
        return line_of(field_path, _preset_lines(self.path)) if self.path else None

    def problem(self, field_path: str, message: str) -> Problem:
        return Problem(self.file, self.line(field_path), field_path, message)


def origin_of(preset_file: str | os.PathLike | None, shown: str | None = None) -> Origin:
    """The origin of a preset read from ``preset_file`` (shown as ``shown`` if given)."""
    if preset_file is None:
        return Origin(shown or "<preset>")
    return Origin(shown or str(preset_file), str(preset_file))


_LINES: dict[str, tuple[int, dict[str, int]]] = {}


def _preset_lines(path: str | None) -> dict[str, int]:
    if not path:
        return {}
    try:
        stamp = os.stat(path).st_mtime_ns
        cached = _LINES.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
        _, lines = parse_yaml(limits.read_regular(path, MAX_BYTES), path)
    except (OSError, PresetError, limits.Refused):
        return {}
    _LINES[path] = (stamp, lines)
    return lines


def _fail(*problems: Problem) -> PresetError:
    return PresetError(list(problems))


def _first_line(text: object) -> str:
    lines = str(text).strip().splitlines()
    line = lines[0] if lines else ""
    return line if len(line) <= 200 else line[:197] + "..."


# --- paths ---------------------------------------------------------------------------------


def model_files(model: ModelSource) -> dict[str, str]:
    """The file fields of a model section and their paths as written: {'model': ..., 'data':
    ...} for scikit-learn, {'path': ...} for a score file, {} for a synthetic model."""
    return {name: getattr(model, name) for name in getattr(model, "FILE_FIELDS", ())}


def resolve_path(text: str, base_dir: str | os.PathLike | None) -> Path:
    """An absolute path for a path written in a preset: relative to ``base_dir`` (the preset
    file's folder). Without one (a preset built in memory), relative to the current folder,
    or else to the bundled presets' folder, so the shipped presets evaluate from anywhere."""
    path = Path(os.path.expanduser(text))
    if path.is_absolute():
        return Path(os.path.normpath(path))
    if base_dir is not None:
        return Path(os.path.normpath(Path(base_dir).absolute() / path))
    here = Path(os.path.normpath(Path.cwd() / path))
    if limits.exists(here):
        return here
    from ... import assets

    try:
        shipped = Path(os.path.normpath(assets.asset_dir("presets") / path))
    except FileNotFoundError:
        return here
    return shipped if limits.exists(shipped) else here


def _existing(model: ModelSource, base_dir: Any, origin: Origin) -> dict[str, Path]:
    paths, problems = {}, []
    for name, text in model_files(model).items():
        path = resolve_path(text, base_dir)
        if not limits.is_regular(path):  # a FIFO or device could hang a reader
            what = limits.describe(path)
            problems.append(origin.problem(f"model.{name}", f"{what}: {path}"))
        paths[name] = path
    if problems:
        raise _fail(*problems)
    return paths


# --- reading CSV files ---------------------------------------------------------------------


def _wanted(*pairs: tuple[str | None, str], features: Iterable[str] | None = None) -> Wanted:
    """Which columns read_csv keeps: the (column, kind) pairs, and as features the named
    columns (None: every column)."""

    def wanted(header: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for name, kind in pairs:
            if name:
                out[name] = out.get(name, ()) + (kind,)
        for name in header if features is None else features:
            out[name] = out.get(name, ()) + (FEATURE,)
        return out

    return wanted


def _labels(table: Table, column: str, field_path: str) -> np.ndarray:
    return table.labels(column, field_path)


def _weights(
    table: Table, column: str | None, labels: np.ndarray, label_column: str
) -> np.ndarray | None:
    if column is None:
        w = None
    else:
        w = table.numbers(column, "model.weight_column")
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise _fail(
                table.problem(i, column, f"weights must be finite and 0 or more, got {w[i]:g}")
            )
        # Bounded so that no total over the rows can overflow (at most 2e19).
        bad = w > MAX_WEIGHT
        if bad.any():
            i = int(np.argmax(bad))
            raise _fail(
                table.problem(i, column, f"weights must be at most {MAX_WEIGHT:.0e}, got {w[i]:g}")
            )
    for cls, name in ((True, "positive (1)"), (False, "negative (0)")):
        rows = labels == cls
        if not rows.any():
            raise _fail(
                Problem(
                    str(table.path),
                    None,
                    label_column,
                    f"no {name} events: all {len(labels):,} rows are of the other class; the "
                    "evaluation needs both",
                )
            )
        if w is not None and not w[rows].sum() > 0:
            raise _fail(
                Problem(
                    str(table.path),
                    None,
                    column or "",
                    f"every {name} event has weight 0; the evaluation needs both classes",
                )
            )
    return w


def _groups(table: Table, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    return table.groups(column, "model.group_column")


# --- the loaded model ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """Empirical scores of a real model on its evaluation set, with what the user should
    know about them. Usable wherever the engine takes a score model."""

    model: ModelSource
    scores: EmpiricalScores
    files: tuple[Path, ...]
    score_method: str  # "predict_proba", "decision_function" or "score file"
    calibration: str = ""  # how decision_function values were mapped to [0, 1], if they were
    trusted_types: tuple[str, ...] = ()  # types trusted beyond skops' defaults
    groups: np.ndarray | None = None
    notes: tuple[str, ...] = ()  # things to tell the user, one line each

    # the score-model protocol (scores.ScoreModel), from the evaluation set's scores
    def rates_at(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.scores.rates_at(thresholds)

    def sweep_points(self, low: float, high: float, n: int | None = None) -> tuple:
        return self.scores.sweep_points(low, high, n)

    def curve(self) -> tuple[np.ndarray, ...]:
        return self.scores.curve()

    def roc_auc(self) -> float:
        return self._auc

    def extent(self) -> tuple[float, float]:
        return self.scores.extent()

    def density(self, base_rate: float, lo: float, hi: float) -> tuple[np.ndarray, ...]:
        return self.scores.density(base_rate, lo, hi)

    def roc_curve(self, lo: float) -> tuple[np.ndarray, np.ndarray]:
        return self.scores.roc_curve(lo)

    def fpr_at_recall(self, recall: float) -> float:
        return self.scores.fpr_at_recall(recall)

    @cached_property
    def _auc(self) -> float:
        return self.scores.roc_auc()

    @property
    def calibrated(self) -> bool:
        """Scores were calibrated from a decision function on the evaluation set."""
        return bool(self.calibration)

    @property
    def eval_size(self) -> int:
        return self.scores.n

    @property
    def eval_base_rate(self) -> float:
        return self.scores.base_rate


# --- trust -------------------------------------------------------------------------------


def is_pickle(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in PICKLE_SUFFIXES


@dataclass(frozen=True)
class TrustCheck:
    """What loading a model file needs from the user, found without loading it."""

    path: Path
    pickle: bool  # a pickle: needs allow_pickle whatever else
    untrusted: tuple[str, ...]  # every type skops does not trust by default
    needed: tuple[str, ...]  # of those, the ones the user has not trusted on this computer
    refused: tuple[str, ...]  # requested by the preset but not on the allowlist, and needed
    digest: str = ""  # the file's SHA-256 when some type is not on the allowlist

    @property
    def ok(self) -> bool:
        return not self.pickle and not self.needed

    @property
    def code(self) -> tuple[str, ...]:
        """The needed types that can run code on this computer (see ``trust.runs_code``)."""
        return tuple(t for t in self.needed if runs_code(t))


def check_trust(
    model: SklearnModel,
    base_dir: str | os.PathLike | None = None,
    *,
    trust: Iterable[str] = (),
    origin: Origin | None = None,
) -> TrustCheck:
    """List the untrusted types in the model file (imports skops) or note that it is a
    pickle, before loading anything: what a GUI shows in its consent dialog."""
    origin = origin or Origin()
    path = _existing(model, base_dir, origin)["model"]
    return _trust_check(model, path, tuple(trust))


def remember_trust(
    model: SklearnModel,
    base_dir: str | os.PathLike | None = None,
    *,
    trust: Iterable[str],
    origin: Origin | None = None,
) -> TrustCheck:
    """The user's consent (``trust``, the CLI's ``--trust``) to types in the model file,
    remembered for the file's SHA-256 on this computer; returns the check with it."""
    trust = tuple(trust)
    check = check_trust(model, base_dir, trust=trust, origin=origin)
    if check.digest:
        remember(check.digest, [t for t in trust if t in check.untrusted])
    return check


def requesting_allowed(model: SklearnModel, check: TrustCheck) -> tuple[SklearnModel, TrustCheck]:
    """For a model file the user chose: the model section requesting the file's allowlisted
    types, so that the preset opens for a colleague without a question, and the check with
    those types no longer needed. Types outside the allowlist are never written: their
    consent stays with the user who gave it."""
    wanted = set(model.trusted_types) | {t for t in check.untrusted if allowed(t)}
    needed = tuple(t for t in check.needed if t not in wanted)
    model = dataclasses.replace(model, trusted_types=tuple(sorted(wanted)))
    return model, dataclasses.replace(check, needed=needed)


def _trust_check(model: SklearnModel, path: Path, trust: tuple[str, ...]) -> TrustCheck:
    _check_model_file(path)
    if is_pickle(path):
        return TrustCheck(path, True, (), (), ())
    import skops.io as sio

    try:
        untrusted = tuple(sio.get_untrusted_types(file=path))
    except Exception as exc:  # noqa: BLE001 - any failure to read the file is corruption
        raise _fail(_corrupt(path, f"{type(exc).__name__}: {_first_line(exc)}")) from None
    return _decide(model, path, untrusted, trust)


def _decide(
    model: SklearnModel, path: Path, untrusted: tuple[str, ...], trust: tuple[str, ...]
) -> TrustCheck:
    """The preset only requests; the allowlist and this user's consent decide."""
    honoured = {t for t in model.trusted_types if allowed(t)}
    try:
        digest = file_digest(path) if any(t not in honoured for t in untrusted) else ""
    except OSError as exc:
        raise _fail(
            Problem(str(path), None, "model.model", f"cannot read: {exc.strerror}")
        ) from None
    trusted = honoured | set(trust) | (remembered(digest) if digest else set())
    needed = tuple(t for t in untrusted if t not in trusted)
    refused = tuple(t for t in model.trusted_types if t in needed)
    return TrustCheck(path, False, untrusted, needed, refused, digest)


CAN_RUN_CODE = "can run code on this computer"


def untrusted_message(check: TrustCheck) -> str:
    """One line asking for the user's consent to the check's needed types."""
    listed = ", ".join(f"{t} ({CAN_RUN_CODE})" if runs_code(t) else t for t in check.needed)
    requested = ""
    if check.refused:
        requested = (
            f" (the preset asks to trust {', '.join(check.refused)}, but a preset can only "
            "request types: beyond scikit-learn estimators and numpy and scipy data types, "
            "only you can trust them)"
        )
    flags = " ".join(f"--trust {t}" for t in check.needed)
    return (
        f"the file holds types that are not trusted on this computer: {listed}{requested}; "
        f"if you trust where the file came from, pass {flags} (remembered for this file)"
    )


def _check_model_file(path: Path) -> None:
    """Before anything reads a model file: it must be a regular file of at most
    MAX_MODEL_BYTES, and a skops file a zip archive (not a pickle under a .skops name) whose
    members really unpack to at most MAX_MODEL_BYTES in all and ``schema.json`` (which skops
    parses whole) to at most MAX_SCHEMA_BYTES: measured by decompressing in chunks, never
    kept, so a bomb is refused in little memory and before any consent question."""
    try:  # the zip's own headers may make the file a little larger than what it unpacks to
        f = limits.open_regular(
            path,
            MAX_MODEL_BYTES + (64 << 20),
            f"is over the {MAX_MODEL_BYTES >> 20:,} MB a model may take; not read",
        )
    except limits.Refused as exc:
        raise _fail(Problem(str(path), None, "model.model", str(exc))) from None
    with f:
        if is_pickle(path):
            return
        head = f.read(8)
        if head.startswith(b"\x80") or head.startswith(b"\x00\x00\x00"):
            raise _fail(
                Problem(
                    str(path),
                    None,
                    "model.model",
                    "looks like a pickle saved under a .skops name; refusing it (a pickle can "
                    "run any code): save the model with skops.io.dump",
                )
            )
        if not head.startswith(b"PK"):
            raise _fail(_corrupt(path, "it is not a zip archive"))
        f.seek(0)
        try:
            with zipfile.ZipFile(f) as zf:
                _check_unpacked(path, zf)
        except limits.ZIP_ERRORS as exc:
            raise _fail(_corrupt(path, f"{type(exc).__name__}: {_first_line(exc)}")) from None


def _check_unpacked(path: Path, zf: zipfile.ZipFile) -> None:
    def too_large(unpacked: int | None) -> PresetError:
        size = f"{unpacked >> 20:,} MB, more than" if unpacked is not None else "more than"
        return _fail(
            Problem(
                str(path),
                None,
                "model.model",
                f"unpacks to {size} the {MAX_MODEL_BYTES >> 20:,} MB a model may take",
            )
        )

    infos = zf.infolist()
    declared = sum(i.file_size for i in infos)
    if declared > MAX_MODEL_BYTES:  # the cheap check first; the header may lie, so stream too
        raise too_large(declared)
    total = 0
    for info in sorted(infos, key=lambda i: i.filename != "schema.json"):  # the schema first
        if info.filename == "schema.json":
            try:
                total += limits.unpacked_size(zf, info, MAX_SCHEMA_BYTES, "its schema.json")
            except limits.Refused as exc:
                raise _fail(Problem(str(path), None, "model.model", str(exc))) from None
            continue
        try:
            total += limits.unpacked_size(zf, info, MAX_MODEL_BYTES - total, info.filename)
        except limits.Refused:
            raise too_large(None) from None


def _corrupt(path: Path, why: str) -> Problem:
    return Problem(
        str(path), None, "model.model", f"not a readable skops file (corrupt or truncated?): {why}"
    )


def rebase_paths(
    preset: Preset, old_dir: str | os.PathLike | None, new_dir: str | os.PathLike
) -> Preset:
    """The preset with its model's relative paths rewritten so that, saved in ``new_dir``,
    they name the same files they named from ``old_dir``. Absolute paths stay as written,
    but for files in ``new_dir`` or below it, which become relative (shareable)."""
    changes = {}
    new_dir = Path(new_dir).absolute()
    for name, written in model_files(preset.model).items():
        if not written:
            continue
        target = resolve_path(written, old_dir)
        absolute = Path(os.path.expanduser(written)).is_absolute()
        if not absolute or target.is_relative_to(new_dir):
            changes[name] = Path(os.path.relpath(target, new_dir)).as_posix()
    if not changes:
        return preset
    return dataclasses.replace(preset, model=dataclasses.replace(preset.model, **changes))


def _load_estimator(
    model: SklearnModel, path: Path, trust: tuple[str, ...], allow_pickle: bool
) -> tuple[Any, tuple[str, ...], list[str]]:
    """(estimator, types trusted beyond the defaults, warnings)."""
    check = _trust_check(model, path, trust)
    caught: list[warnings.WarningMessage] = []
    if check.pickle:
        if not allow_pickle:
            author = " The preset's author accepted it; you must too." if model.allow_pickle else ""
            raise PickleConsent(
                [
                    Problem(
                        str(path),
                        None,
                        "model.model",
                        "is a pickle, which can run any code on this computer when loaded."
                        f"{author} Load it only if you trust where it came from: pass "
                        "--trust-pickle (or save the model with skops.io.dump instead)",
                    )
                ],
                path,
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator = _unpickle(path)
        return estimator, (), [_first_line(w.message) for w in caught]
    if check.needed:
        raise UntrustedTypes(
            [Problem(str(path), None, "model.trusted_types", untrusted_message(check))],
            path,
            check.needed,
        )
    import skops.io as sio

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator = sio.load(path, trusted=list(check.untrusted))
    except Exception as exc:  # noqa: BLE001 - a file that passed the check but fails to load
        raise _fail(_corrupt(path, f"{type(exc).__name__}: {_first_line(exc)}")) from None
    return estimator, check.untrusted, [_first_line(w.message) for w in caught]


def _unpickle(path: Path) -> Any:
    try:
        if path.suffix.lower() == ".joblib":
            import joblib

            return joblib.load(path)
        import pickle

        with path.open("rb") as f:
            return pickle.load(f)
    except Exception as exc:  # noqa: BLE001 - unpickling can raise anything
        raise _fail(
            Problem(
                str(path),
                None,
                "model.model",
                f"cannot unpickle (corrupt or truncated?): {type(exc).__name__}: "
                f"{_first_line(exc)}",
            )
        ) from None


# --- scoring with an estimator -------------------------------------------------------------


def _positive_column(estimator: Any, path: Path) -> int:
    classes = getattr(estimator, "classes_", None)
    name = type(estimator).__name__
    if classes is None:
        raise _fail(
            Problem(
                str(path),
                None,
                "model.model",
                f"the {name} has no classes_: it is not a fitted classifier",
            )
        )
    classes = list(np.asarray(classes).tolist())
    if len(classes) != 2 or not all(
        isinstance(c, (bool, int, float)) and c in (0, 1) for c in classes
    ):
        raise _fail(
            Problem(
                str(path),
                None,
                "model.model",
                f"the {name} has classes {classes}; expected a binary classifier fitted on "
                "labels 0 and 1",
            )
        )
    return classes.index(1)


def _feature_names(estimator: Any, model: SklearnModel, table: Table) -> list[str]:
    roles = {model.label_column, model.weight_column, model.group_column}
    fitted = getattr(estimator, "feature_names_in_", None)
    fitted = None if fitted is None else [str(n) for n in fitted]
    expected = getattr(estimator, "n_features_in_", None)
    where = "model.feature_columns"
    if model.feature_columns:
        names = list(model.feature_columns)
        missing = [n for n in names if n not in table.header]
        if missing:
            raise _fail(
                Problem(
                    str(table.path),
                    1,
                    where,
                    f"no column {', '.join(map(repr, missing))}; the columns are "
                    f"{', '.join(table.header)}",
                )
            )
        if fitted is not None and names != fitted:
            raise _fail(
                Problem(
                    str(table.path),
                    1,
                    where,
                    f"the estimator was fitted on the features {', '.join(fitted)}; "
                    f"model.feature_columns lists {', '.join(names)}",
                )
            )
    elif fitted is not None:
        names = fitted
        missing = [n for n in names if n not in table.header]
        if missing:
            raise _fail(
                Problem(
                    str(table.path),
                    1,
                    where,
                    f"the estimator needs the feature column(s) {', '.join(missing)}, which "
                    f"the file lacks; its columns are {', '.join(table.header)}",
                )
            )
    else:
        names = [c for c in table.header if c not in roles]
    if expected is not None and int(expected) != len(names):
        raise _fail(
            Problem(
                str(table.path),
                1,
                where,
                f"the estimator expects {int(expected)} features, the file gives {len(names)} "
                f"({', '.join(names) or 'none'}); list the estimator's columns in "
                "model.feature_columns",
            )
        )
    return names


def _features(table: Table, names: list[str], frame: bool) -> Any:
    """The feature matrix: floats, or objects when some column holds text (categories).
    A column is text if its first value is not a number; then every value is text."""
    columns = {name: table.feature(name) for name in names}
    numeric = [name for name in names if not table.is_text(name)]
    if frame:
        import pandas as pd

        return pd.DataFrame(columns, columns=names)
    if len(numeric) == len(names):
        return np.column_stack([columns[n] for n in names]) if names else np.empty((table.n, 0))
    out = np.empty((table.n, len(names)), dtype=object)
    for j, name in enumerate(names):
        out[:, j] = columns[name]
    return out


def _pandas_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("pandas") is not None


def _scoring_method(estimator: Any, path: Path) -> str:
    if _has(estimator, "predict_proba"):
        return "predict_proba"
    if _has(estimator, "decision_function"):
        return "decision_function"
    raise _fail(
        Problem(
            str(path),
            None,
            "model.model",
            f"the {type(estimator).__name__} has neither predict_proba nor decision_function; "
            "it must be a fitted binary classifier",
        )
    )


def _estimator_scores(
    estimator: Any, X: Any, positive: int, table: Table, path: Path, method: str
) -> tuple[np.ndarray, list[str]]:
    name = type(estimator).__name__
    has_proba = method == "predict_proba"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = np.asarray(getattr(estimator, method)(X), dtype=float)
    except Exception as exc:  # noqa: BLE001 - whatever the estimator raises on bad features
        raise _fail(
            Problem(
                str(table.path),
                None,
                "model.feature_columns",
                f"the {name} failed on the evaluation rows: {type(exc).__name__}: "
                f"{_first_line(exc)}",
            )
        ) from None
    if has_proba:
        out = out[:, positive] if out.ndim == 2 else out
    elif out.ndim == 2:
        out = out[:, -1]
    if out.shape != (table.n,) or not np.isfinite(out).all():
        bad = "non-finite values" if out.shape == (table.n,) else f"shape {out.shape}"
        raise _fail(
            Problem(str(path), None, "model.model", f"{method} returned {bad} for the rows")
        )
    if has_proba and ((out < 0).any() or (out > 1).any()):
        raise _fail(
            Problem(str(path), None, "model.model", "predict_proba returned values outside [0, 1]")
        )
    return out, [_first_line(w.message) for w in caught]


def _has(estimator: Any, method: str) -> bool:
    try:
        return callable(getattr(estimator, method, None))
    except Exception:  # noqa: BLE001 - an available_if check may raise on odd estimators
        return False


def platt(
    values: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, float]:
    """Platt scaling: (a, b) of P(positive) = 1 / (1 + exp(-(a*v + b))), fitted by weighted
    maximum likelihood with Platt's smoothed targets, by Newton's method with a backtracking
    line search (Lin, Lin & Weng, Machine Learning 2007). Deterministic."""
    v = np.asarray(values, dtype=float)
    y = np.asarray(labels, dtype=bool)
    w = np.ones(len(v)) if weights is None else np.asarray(weights, dtype=float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    t = np.where(y, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    scale = float(np.std(v)) or 1.0
    center = float(np.mean(v))
    z = (v - center) / scale

    def loss(a: float, b: float) -> float:
        m = a * z + b
        # -[t log p + (1-t) log(1-p)] with p = sigmoid(m), written stably
        return float(np.sum(w * (np.logaddexp(0.0, m) - t * m)))

    a, b = 0.0, math.log((n_pos + 1.0) / (n_neg + 1.0))
    current = loss(a, b)
    for _ in range(100):
        p = 0.5 * (1.0 + np.tanh(0.5 * (a * z + b)))
        d = w * (p - t)
        h = w * p * (1.0 - p) + 1e-12
        g = np.array([np.dot(d, z), d.sum()])
        hess = np.array([[np.dot(h, z * z), np.dot(h, z)], [np.dot(h, z), h.sum()]])
        step = np.linalg.solve(hess + 1e-12 * np.eye(2), g)
        if np.max(np.abs(g)) < 1e-10 * max(1.0, w.sum()):
            break
        s = 1.0
        while s > 1e-10:
            na, nb = a - s * step[0], b - s * step[1]
            new = loss(na, nb)
            if new <= current - 1e-4 * s * float(np.dot(g, step)):
                a, b, current = na, nb, new
                break
            s /= 2
        else:
            break
    return a / scale, b - a * center / scale


def _sigmoid(m: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * m))


# --- loading -------------------------------------------------------------------------------


def score_model(
    model: ModelSource,
    base_rate: float,
    base_dir: str | os.PathLike | None = None,
    *,
    trust: Iterable[str] = (),
    allow_pickle: bool = False,
    cache: ModelCache | None = None,
) -> ScoreModel:
    """The score model a preset's model section describes.

    A real model (scikit-learn or a score file) is loaded from files relative to
    ``base_dir``, the preset file's folder (see :func:`load_scores`, which also says what
    ``trust`` and ``allow_pickle`` do), through ``cache`` (the shared :data:`default_cache`
    if None). It lives here, not in ``scores``, so that ``scores`` stays below this module
    (core's modules import each other without cycles).
    """
    if isinstance(model, SyntheticModel):
        return BinormalScores(auc=model.auc, base_rate=base_rate)
    return load_scores(model, base_dir, trust=trust, allow_pickle=allow_pickle, cache=cache)


class ModelCache:
    """Loaded models, the ``size`` most recently used kept, keyed by (model, files, trust,
    consent) and checked against the files' sizes and modification times. Safe to share
    between threads: a GUI worker loads through the same cache the window reads."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, tuple[tuple, LoadedModel]] = OrderedDict()
        self._lock = threading.Lock()

    def load(
        self,
        model: ModelSource,
        base_dir: str | os.PathLike | None = None,
        *,
        trust: Iterable[str] = (),
        allow_pickle: bool = False,
        origin: Origin | None = None,
    ) -> LoadedModel:
        """Load a real model's evaluation scores, or return the cached load if its files
        have not changed. The arguments are those of :func:`load_scores`."""
        if isinstance(model, SyntheticModel):
            raise TypeError("a synthetic model has no files to load; use score_model")
        origin = origin or Origin()
        trust = tuple(sorted({t for t in trust if t}))
        paths = _existing(model, base_dir, origin)
        key = (model, tuple(sorted((n, str(p)) for n, p in paths.items())), trust, allow_pickle)
        stamp = tuple(_stamp(p) for p in paths.values())
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == stamp:
                self._entries.move_to_end(key)
                return hit[1]
        if isinstance(model, ScoreFileModel):
            loaded = _load_score_file(model, paths["path"])
        elif isinstance(model, SklearnModel):
            loaded = _load_sklearn(model, paths, trust, allow_pickle)
        else:  # pragma: no cover - a new source type without a loader
            raise TypeError(f"no loader for {type(model).__name__}")
        with self._lock:
            self._entries[key] = (stamp, loaded)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return loaded

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


default_cache = ModelCache()
"""The cache of the command line and the window; tests and other callers may pass their own."""


def load_scores(
    model: ModelSource,
    base_dir: str | os.PathLike | None = None,
    *,
    trust: Iterable[str] = (),
    allow_pickle: bool = False,
    origin: Origin | None = None,
    cache: ModelCache | None = None,
) -> LoadedModel:
    """Load a real model's evaluation scores through ``cache`` (:data:`default_cache` if
    None); safe to call from a worker thread.

    ``base_dir`` is the preset file's folder; ``trust`` adds type names to the preset's
    ``trusted_types``; ``allow_pickle`` is the user's consent to unpickle (the preset's own
    ``allow_pickle`` is not enough); ``origin`` names the preset in messages about it.

    Raises PresetError (one line per problem), or its subclasses UntrustedTypes and
    PickleConsent when the user's consent would let it load."""
    # Not ``cache or ...``: an empty cache is falsy.
    return (default_cache if cache is None else cache).load(
        model, base_dir, trust=trust, allow_pickle=allow_pickle, origin=origin
    )


def clear_cache() -> None:
    """Empty the default cache."""
    default_cache.clear()


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def _load_score_file(model: ScoreFileModel, path: Path) -> LoadedModel:
    wanted = _wanted(
        (model.label_column, LABEL),
        (model.score_column, NUMBER),
        (model.weight_column, NUMBER),
        (model.group_column, GROUP),
        features=(),
    )
    table = read_csv(path, wanted)
    labels = _labels(table, model.label_column, "model.label_column")
    scores = table.numbers(model.score_column, "model.score_column")
    _check_scores(table, model.score_column, scores)
    weights = _weights(table, model.weight_column, labels, model.label_column)
    return LoadedModel(
        model=model,
        scores=EmpiricalScores(labels, scores, weights),
        files=(path,),
        score_method="the score file",
        groups=_groups(table, model.group_column),
    )


def _check_scores(table: Table, column: str, scores: np.ndarray) -> None:
    bad = ~np.isfinite(scores)
    if bad.any():
        i = int(np.argmax(bad))
        raise _fail(
            table.problem(i, column, f"must be a finite number, got {table.cell(i, column)!r}")
        )
    bad = (scores < 0) | (scores > 1)
    if bad.any():
        i = int(np.argmax(bad))
        raise _fail(
            table.problem(
                i,
                column,
                f"must be a probability between 0 and 1, got {scores[i]:g} (a logit or a "
                "margin? map it to [0, 1] first, e.g. with a sigmoid)",
            )
        )


def _load_sklearn(
    model: SklearnModel, paths: dict[str, Path], trust: tuple[str, ...], allow_pickle: bool
) -> LoadedModel:
    # The evaluation data first: a bad CSV is reported without paying for skops/sklearn.
    wanted = _wanted(
        (model.label_column, LABEL),
        (model.weight_column, NUMBER),
        (model.group_column, GROUP),
        features=model.feature_columns or None,  # None: any column may be a feature
    )
    table = read_csv(paths["data"], wanted)
    labels = _labels(table, model.label_column, "model.label_column")
    weights = _weights(table, model.weight_column, labels, model.label_column)
    groups = _groups(table, model.group_column)
    estimator, trusted, notes = _load_estimator(model, paths["model"], trust, allow_pickle)
    method = _scoring_method(estimator, paths["model"])
    positive = _positive_column(estimator, paths["model"])
    names = _feature_names(estimator, model, table)
    frame = getattr(estimator, "feature_names_in_", None) is not None and _pandas_available()
    X = _features(table, names, frame)
    raw, more = _estimator_scores(estimator, X, positive, table, paths["model"], method)
    notes += more
    calibration = ""
    if method == "decision_function":
        a, b = platt(raw, labels, weights)
        scores = _sigmoid(a * raw + b)
        calibration = (
            f"Platt scaling fitted on the evaluation set: score = 1 / (1 + exp(-({a:.4g} * "
            f"decision_function + {b:.4g})))"
        )
        notes.append(
            f"the {type(estimator).__name__} has no predict_proba: its decision_function was "
            "mapped to [0, 1] by Platt scaling (a logistic fit) on the evaluation set; the "
            "ranking, ROC and AUC are unchanged, but the scores are calibrated on the same rows "
            "they are evaluated on"
        )
        if a <= 0:
            notes.append(
                "the decision function ranks negatives above positives on the evaluation set"
            )
    else:
        scores = raw
    return LoadedModel(
        model=model,
        scores=EmpiricalScores(labels, scores, weights),
        files=(paths["model"], paths["data"]),
        score_method=method,
        calibration=calibration,
        trusted_types=trusted,
        groups=groups,
        notes=tuple(dict.fromkeys(n for n in notes if n)),
    )


# --- metrics for the report and the model panel --------------------------------------------


@dataclass(frozen=True, eq=False)
class GroupMetrics:
    name: str
    size: int
    base_rate: float
    auc: float  # NaN when the group holds one class only


@dataclass(frozen=True, eq=False)
class ModelMetrics:
    """What the model panel and the report show about a real model."""

    source: str
    files: tuple[str, ...]
    score_method: str
    calibration: str
    trusted_types: tuple[str, ...]
    eval_size: int
    eval_weight: float
    eval_base_rate: float
    scenario_base_rate: float
    auc: float
    reliability: Reliability  # on the evaluation set as it is
    reliability_at_scenario: Reliability  # reweighted to the scenario's base rate
    histograms: ScoreHistograms
    groups: tuple[GroupMetrics, ...]
    groups_left_out: int
    notes: tuple[str, ...]

    @property
    def reweighted(self) -> bool:
        """The evaluation data's base rate differs from the scenario's (prior shift)."""
        return not math.isclose(self.eval_base_rate, self.scenario_base_rate, rel_tol=1e-9)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; NaN becomes None."""

        def bins(r: Reliability) -> list[dict[str, Any]]:
            return [
                {
                    "from": _num(r.edges[i]),
                    "to": _num(r.edges[i + 1]),
                    "mean_score": _num(r.mean_score[i]),
                    "observed_positive_rate": _num(r.observed[i]),
                    "rows": int(r.count[i]),
                }
                for i in range(len(r.count))
                if r.count[i] > 0
            ]

        return {
            "source": self.source,
            "files": list(self.files),
            "score_method": self.score_method,
            "calibrated_from_decision_function": bool(self.calibration),
            "calibration_method": self.calibration or None,
            "trusted_types": list(self.trusted_types),
            "eval_size": self.eval_size,
            "eval_weight": _num(self.eval_weight),
            "eval_base_rate": _num(self.eval_base_rate),
            "scenario_base_rate": _num(self.scenario_base_rate),
            "reweighted_to_scenario_base_rate": self.reweighted,
            "auc": _num(self.auc),
            "calibration_curve": bins(self.reliability),
            "calibration_curve_at_scenario_base_rate": bins(self.reliability_at_scenario),
            "score_histograms": {
                "edges": [_num(e) for e in self.histograms.edges],
                "positive": [_num(v) for v in self.histograms.positive],
                "negative": [_num(v) for v in self.histograms.negative],
            },
            "groups": [
                {
                    "group": g.name,
                    "size": g.size,
                    "base_rate": _num(g.base_rate),
                    "auc": _num(g.auc),
                }
                for g in self.groups
            ],
            "groups_left_out": self.groups_left_out,
            "notes": list(self.notes),
        }

    def text(self) -> str:
        """A few lines for the terminal."""
        out = [f"model ({self.source}): {' on '.join(self.files)}"]
        shift = (
            f"; the scenario's is {self.scenario_base_rate:.3g}, so rates are reweighted to it"
            if self.reweighted
            else " (the scenario's too)"
        )
        out.append(
            f"  evaluation set  {self.eval_size:,} rows, base rate {self.eval_base_rate:.3g}"
            + shift
        )
        out.append(f"  ROC AUC         {self.auc:.4f}, scores from {self.score_method}")
        if self.calibration:
            out.append(f"  calibrated      {self.calibration}")
        if self.trusted_types:
            out.append(f"  trusted types   {', '.join(self.trusted_types)}")
        cells = [
            f"{self.reliability.mean_score[i]:.2f}->{self.reliability.observed[i]:.2f}"
            for i in range(len(self.reliability.count))
            if self.reliability.count[i] > 0
        ]
        out.append(f"  calibration     mean score -> share positive per bin: {' '.join(cells)}")
        for g in self.groups:
            auc = "n/a" if not math.isfinite(g.auc) else f"{g.auc:.4f}"
            out.append(
                f"  group {g.name!r}: {g.size:,} rows, base rate {g.base_rate:.3g}, AUC {auc}"
            )
        if self.groups_left_out:
            out.append(f"  ... and {self.groups_left_out} more groups")
        out += [f"  note: {n}" for n in self.notes]
        return "\n".join(out)


def _num(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def model_metrics(
    loaded: LoadedModel,
    scenario_base_rate: float,
    *,
    thresholds: Iterable[float] = (),
    calibration_bins: int | np.ndarray = 10,
    histogram_bins: int | np.ndarray = 20,
) -> ModelMetrics:
    """ROC AUC, reliability curves (as evaluated and reweighted to the scenario's base
    rate), score histograms and per-group figures of a loaded model; files as the preset
    writes them. ``thresholds`` (the design's) add a note wherever an operating point rests
    on zero observed events."""
    s = loaded.scores
    groups: list[GroupMetrics] = []
    left_out = 0
    if loaded.groups is not None:
        names, inverse = np.unique(loaded.groups, return_inverse=True)
        left_out = max(0, len(names) - MAX_GROUPS)
        labels = np.asarray(s.labels).astype(bool)
        scores = np.asarray(s.scores, dtype=float)
        w = None if s.weights is None else np.asarray(s.weights, dtype=float)
        for g, name in enumerate(names[:MAX_GROUPS]):
            rows = inverse == g
            wg = np.ones(int(rows.sum())) if w is None else w[rows]
            pos = float(wg[labels[rows]].sum())
            total = float(wg.sum())
            auc = math.nan
            if 0 < pos < total:
                sub = EmpiricalScores(labels[rows], scores[rows], None if w is None else wg)
                auc = sub.roc_auc()
            groups.append(
                GroupMetrics(str(name), int(rows.sum()), pos / total if total else math.nan, auc)
            )
    return ModelMetrics(
        source=loaded.model.source,
        files=tuple(model_files(loaded.model).values()),
        score_method=loaded.score_method,
        calibration=loaded.calibration,
        trusted_types=loaded.trusted_types,
        eval_size=s.n,
        eval_weight=s.positive_weight + s.negative_weight,
        eval_base_rate=s.base_rate,
        scenario_base_rate=float(scenario_base_rate),
        auc=loaded.roc_auc(),
        reliability=s.reliability(calibration_bins),
        reliability_at_scenario=s.reliability(calibration_bins, base_rate=scenario_base_rate),
        histograms=s.histograms(histogram_bins),
        groups=tuple(groups),
        groups_left_out=left_out,
        notes=loaded.notes + tuple(measurement_notes(loaded, thresholds)),
    )


def measurement_notes(loaded: LoadedModel, thresholds: Iterable[float]) -> list[str]:
    """Operating points measured as 0 from a finite evaluation set: zero observed is not
    zero (rule of three: with n events and none observed, the rate may be up to 3/n)."""
    labels = np.asarray(loaded.scores.labels).astype(bool)
    n_neg, n_pos = int((~labels).sum()), int(labels.sum())
    t = np.array([x for x in thresholds if x > 0], dtype=float)
    if not len(t):
        return []
    tpr, fpr = loaded.rates_at(t)
    out = []
    for ti, tp, fp in zip(t, tpr, fpr, strict=True):
        if fp == 0:
            out.append(
                f"at score >= {ti:g} none of the evaluation set's {n_neg:,} negative events is "
                f"flagged: the false-positive rate is measured as 0, but up to 3/{n_neg:,} = "
                f"{3 / n_neg:.2g} cannot be ruled out (95%, rule of three), so the precision "
                "there is not measured"
            )
        if tp == 0:
            out.append(
                f"at score >= {ti:g} none of the {n_pos:,} positive events is caught: recall "
                f"is measured as 0 (it may be up to {3 / n_pos:.2g})"
            )
    return out
