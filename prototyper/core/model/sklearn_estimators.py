"""Scores of a scikit-learn estimator on its labelled evaluation CSV.

The estimator file is loaded only once :mod:`.trust_check` finds that the user trusts it;
its features are taken from the CSV by the names it was fitted on (or the preset's
``feature_columns``), and its ``predict_proba`` gives the scores, or else its
``decision_function``; either is the raw score that :mod:`.calibration` maps to P(positive).
skops and scikit-learn are imported only here and only when an estimator is loaded (about
1.3 s and 0.9 s); score files need neither.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..preset.preset_io import PresetError, Problem
from ..preset.schema import SklearnModel
from . import score_cache
from .csv_table import GROUP, LABEL, NUMBER, Table, read_csv
from .loaded_model import (
    LoadedModel,
    calibrated_scores,
    read_groups,
    read_labels,
    read_weights,
    wanted_columns,
)
from .model_paths import fail, first_line
from .trust_check import (
    PickleConsent,
    TrustCheck,
    UntrustedTypes,
    check_file_trust,
    corrupt,
    is_pickle,
    quick_file_trust,
    untrusted_message,
)

# --- loading -----------------------------------------------------------------------------


def load_sklearn(
    model: SklearnModel, paths: dict[str, Path], trust: tuple[str, ...], allow_pickle: bool
) -> LoadedModel:
    # Scores kept from an earlier load of the same files need only the label, weight and
    # group columns; otherwise the evaluation data first: a bad CSV is reported without
    # paying for skops/sklearn.
    quick = _quick_trust(model, paths, trust)
    cached = _cached_scores(model, paths, quick)
    table = _read_evaluation(model, paths, cached is None)
    if cached is not None and len(cached[0]) != table.n:  # not this file's rows: score again
        cached = None
        table = _read_evaluation(model, paths, True)
    labels = read_labels(table, model.label_column, "model.label_column")
    weights = read_weights(table, model.weight_column, labels, model.label_column)
    groups = read_groups(table, model.group_column)
    if cached is not None:
        raw, method, trusted, estimator_name = cached
        notes: list[str] = []
    else:
        checked = None if quick is None else quick[0]
        estimator, trusted, notes = load_estimator(
            model, paths["model"], trust, allow_pickle, checked
        )
        del quick, checked  # the model file's bytes, once loaded
        method = _scoring_method(estimator, paths["model"])
        positive = _positive_column(estimator, paths["model"])
        names = _feature_names(estimator, model, table)
        frame = getattr(estimator, "feature_names_in_", None) is not None and _pandas_available()
        X = _features(table, names, frame)
        raw, more = _estimator_scores(estimator, X, positive, table, paths["model"], method)
        del X  # the features are not needed past scoring
        notes += more
        estimator_name = type(estimator).__name__
        del estimator  # nor the estimator, while the scores are calibrated
        if not notes and not is_pickle(paths["model"]):  # a load that warned is done again
            _keep_scores(model, paths, trusted, method, raw)
    if method == "decision_function":
        notes.append(
            f"the {estimator_name} has no predict_proba: its decision_function values "
            "are the raw scores, calibrated to probabilities like any model's"
        )
    del table  # its columns live on in the arrays above; nothing else of it is needed
    empirical, fit = calibrated_scores(
        labels, raw, weights, probability=method != "decision_function"
    )
    return LoadedModel(
        model=model,
        scores=empirical,
        fit=fit,
        files=(paths["model"], paths["data"]),
        score_method=method,
        trusted_types=trusted,
        groups=groups,
        notes=tuple(dict.fromkeys(n for n in notes if n)),
    )


# --- scores kept on disk (score_cache) ----------------------------------------------------


def _quick_trust(
    model: SklearnModel, paths: dict[str, Path], trust: tuple[str, ...]
) -> tuple[TrustCheck, str] | None:
    """:func:`.trust_check.quick_file_trust` of the model file, or None; made once per
    load: it serves both the score cache and the estimator's load."""
    try:
        return quick_file_trust(model, paths["model"], trust)
    except PresetError:
        return None  # reported by the full load, in its order (the evaluation file first)


def _cached_scores(
    model: SklearnModel, paths: dict[str, Path], quick: tuple[TrustCheck, str] | None
) -> tuple[np.ndarray, str, tuple[str, ...], str] | None:
    """(raw scores, method, trusted types, estimator class name) kept from an earlier load
    of the same files, or None. The trust check (``quick``, of :func:`_quick_trust`) comes
    first, from the model file alone: a file that needs the user's consent, or that cannot
    be checked without skops, is never served from the cache. The caller checks that there
    is one score per row."""
    if quick is None or not quick[1]:
        return None
    check, name = quick
    try:
        key = score_cache.model_key(model, paths, check.untrusted)
    except OSError:
        return None
    hit = score_cache.load(key)
    if hit is None:
        return None
    return hit[0], hit[1], check.untrusted, name


def _keep_scores(
    model: SklearnModel,
    paths: dict[str, Path],
    trusted: tuple[str, ...],
    method: str,
    raw: np.ndarray,
) -> None:
    try:
        key = score_cache.model_key(model, paths, trusted)
    except OSError:
        return  # the files went away: nothing worth keeping
    score_cache.store(key, method, raw)


def _read_evaluation(model: SklearnModel, paths: dict[str, Path], features: bool) -> Table:
    wanted = wanted_columns(
        (model.label_column, LABEL),
        (model.weight_column, NUMBER),
        (model.group_column, GROUP),
        # None: any column may be a feature
        features=(model.feature_columns or None) if features else (),
    )
    return read_csv(paths["data"], wanted)


def load_estimator(
    model: SklearnModel,
    path: Path,
    trust: tuple[str, ...],
    allow_pickle: bool,
    checked: TrustCheck | None = None,
) -> tuple[Any, tuple[str, ...], list[str]]:
    """(estimator, types trusted beyond the defaults, warnings).

    ``checked``: a check of the same file by :func:`.trust_check.quick_file_trust` that
    found nothing to ask. The file is then loaded at once, trusting only the types that
    check listed: skops audits the file again as it loads and refuses any other type, and
    then the full check (skops' own list of the file's types) decides, as without it."""
    if checked is not None and checked.ok:
        try:
            return _skops_load(path, checked)
        except _Unlisted:
            pass  # a type the schema's reading did not list: skops says which, and we ask
    check = check_file_trust(model, path, trust)
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
        return estimator, (), [first_line(w.message) for w in caught]
    if check.needed:
        raise UntrustedTypes(
            [Problem(str(path), None, "model.trusted_types", untrusted_message(check))],
            path,
            check.needed,
        )
    try:
        return _skops_load(path, check)
    except _Unlisted as exc:  # skops' own list left a type out: never load it
        raise fail(corrupt(path, f"{type(exc.__cause__).__name__}: {first_line(exc)}")) from None


class _Unlisted(Exception):
    """skops refused a type the trust check had not listed."""


def _skops_load(path: Path, check: TrustCheck) -> tuple[Any, tuple[str, ...], list[str]]:
    """Load a skops file that passed ``check``, from the bytes checked when it holds them,
    trusting exactly the types it listed."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    trusted = list(check.untrusted)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if check.data is None:
                estimator = sio.load(path, trusted=trusted)
            else:
                estimator = sio.loads(check.data, trusted=trusted)
    except UntrustedTypesFoundException as exc:
        raise _Unlisted(first_line(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a file that passed the check but fails to load
        raise fail(corrupt(path, f"{type(exc).__name__}: {first_line(exc)}")) from None
    return estimator, check.untrusted, [first_line(w.message) for w in caught]


def _unpickle(path: Path) -> Any:
    try:
        if path.suffix.lower() == ".joblib":
            import joblib

            return joblib.load(path)
        import pickle

        with path.open("rb") as f:
            return pickle.load(f)
    except Exception as exc:  # noqa: BLE001 - unpickling can raise anything
        raise fail(
            Problem(
                str(path),
                None,
                "model.model",
                f"cannot unpickle (corrupt or truncated?): {type(exc).__name__}: {first_line(exc)}",
            )
        ) from None


# --- scoring with an estimator -------------------------------------------------------------


def _positive_column(estimator: Any, path: Path) -> int:
    classes = getattr(estimator, "classes_", None)
    name = type(estimator).__name__
    if classes is None:
        raise fail(
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
        raise fail(
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
            raise fail(
                Problem(
                    str(table.path),
                    1,
                    where,
                    f"no column {', '.join(map(repr, missing))}; the columns are "
                    f"{', '.join(table.header)}",
                )
            )
        if fitted is not None and names != fitted:
            raise fail(
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
            raise fail(
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
        raise fail(
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
    raise fail(
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
        raise fail(
            Problem(
                str(table.path),
                None,
                "model.feature_columns",
                f"the {name} failed on the evaluation rows: {type(exc).__name__}: "
                f"{first_line(exc)}",
            )
        ) from None
    if has_proba:
        out = out[:, positive] if out.ndim == 2 else out
    elif out.ndim == 2:
        out = out[:, -1]
    if out.shape != (table.n,) or not np.isfinite(out).all():
        bad = "non-finite values" if out.shape == (table.n,) else f"shape {out.shape}"
        raise fail(Problem(str(path), None, "model.model", f"{method} returned {bad} for the rows"))
    if has_proba and ((out < 0).any() or (out > 1).any()):
        raise fail(
            Problem(str(path), None, "model.model", "predict_proba returned values outside [0, 1]")
        )
    return out, [first_line(w.message) for w in caught]


def _has(estimator: Any, method: str) -> bool:
    try:
        return callable(getattr(estimator, method, None))
    except Exception:  # noqa: BLE001 - an available_if check may raise on odd estimators
        return False
