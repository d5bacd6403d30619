"""Real model sources: a scikit-learn estimator on a labelled CSV, or a CSV of scores.

Loading turns a preset's ``model`` section into empirical scores (a
:class:`~.loaded_model.LoadedModel`, which the engine and the sweep use like any score model),
through a cache keyed by the files' sizes and modification times. What the user must consent
to is decided in :mod:`.trust_check`; estimators are scored in :mod:`.sklearn_estimators`;
metrics for the model panel and the report come from :mod:`.metrics`.

Every bad input raises :class:`~prototyper.core.preset.preset_io.PresetError` with one line per
problem, ``file:line: field: message``, and changes nothing; the two that a user can fix by
consenting are subclasses a GUI can catch (:class:`~.trust_check.UntrustedTypes`,
:class:`~.trust_check.PickleConsent`). A GUI worker thread can call :func:`load_scores`
(cached and thread-safe) directly.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..preset.preset_io import PresetError
from ..preset.schema import ModelSource, ScoreFileModel, SklearnModel, SyntheticModel
from .csv_table import GROUP, LABEL, NUMBER, Table, read_csv
from .loaded_model import (
    LoadedModel,
    calibrated_scores,
    read_groups,
    read_labels,
    read_weights,
    wanted_columns,
)
from .model_paths import Origin, existing_files, fail
from .scores import BinormalScores, ScoreModel
from .sklearn_estimators import load_sklearn

_CACHE_SIZE = 8


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
    if None), and its calibrated scores are shifted to ``base_rate``. It lives here, not in
    ``scores``, so that ``scores`` stays below this module (core's modules import each other
    without cycles).
    """
    if isinstance(model, SyntheticModel):
        return BinormalScores(auc=model.auc, base_rate=base_rate)
    loaded = load_scores(model, base_dir, trust=trust, allow_pickle=allow_pickle, cache=cache)
    return loaded.at_base_rate(base_rate)  # thresholds are probabilities at this base rate


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
        paths = existing_files(model, base_dir, origin)
        key, stamp = self._key(model, paths, trust, allow_pickle)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == stamp:
                self._entries.move_to_end(key)
                return hit[1]
        if isinstance(model, ScoreFileModel):
            loaded = _load_score_file(model, paths["path"])
        elif isinstance(model, SklearnModel):
            loaded = load_sklearn(model, paths, tuple(trust), allow_pickle)
        else:  # pragma: no cover - a new source type without a loader
            raise TypeError(f"no loader for {type(model).__name__}")
        with self._lock:
            self._entries[key] = (stamp, loaded)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return loaded

    def holds(
        self,
        model: ModelSource,
        base_dir: str | os.PathLike | None = None,
        *,
        trust: Iterable[str] = (),
        allow_pickle: bool = False,
    ) -> bool:
        """Whether :meth:`load` would return at once, without reading a file: a synthetic
        model, or a load cached whose files have not changed. False if a file is missing
        (loading it then says what is wrong)."""
        if isinstance(model, SyntheticModel):
            return True
        try:
            key, stamp = self._key(
                model, existing_files(model, base_dir, Origin()), trust, allow_pickle
            )
        except (PresetError, OSError):
            return False
        with self._lock:
            hit = self._entries.get(key)
        return hit is not None and hit[0] == stamp

    @staticmethod
    def _key(
        model: ModelSource, paths: dict[str, Path], trust: Iterable[str], allow_pickle: bool
    ) -> tuple[tuple, tuple]:
        """The cache key of a load, and the stamp (sizes, times) of its files now."""
        trust = tuple(sorted({t for t in trust if t}))
        key = (model, tuple(sorted((n, str(p)) for n, p in paths.items())), trust, allow_pickle)
        return key, tuple(_stamp(p) for p in paths.values())

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
    wanted = wanted_columns(
        (model.label_column, LABEL),
        (model.score_column, NUMBER),
        (model.weight_column, NUMBER),
        (model.group_column, GROUP),
        features=(),
    )
    table = read_csv(path, wanted)
    labels = read_labels(table, model.label_column, "model.label_column")
    scores = table.numbers(model.score_column, "model.score_column")
    _check_scores(table, model.score_column, scores)
    weights = read_weights(table, model.weight_column, labels, model.label_column)
    groups = read_groups(table, model.group_column)
    del table  # its columns live on in the arrays above; nothing else of it is needed
    empirical, fit = calibrated_scores(labels, scores, weights, probability=True)
    return LoadedModel(
        model=model,
        scores=empirical,
        files=(path,),
        score_method="the score file",
        groups=groups,
        fit=fit,
    )


def _check_scores(table: Table, column: str, scores: np.ndarray) -> None:
    bad = ~np.isfinite(scores)
    if bad.any():
        i = int(np.argmax(bad))
        raise fail(
            table.problem(i, column, f"must be a finite number, got {table.cell(i, column)!r}")
        )
    bad = (scores < 0) | (scores > 1)
    if bad.any():
        i = int(np.argmax(bad))
        raise fail(
            table.problem(
                i,
                column,
                f"must be a probability between 0 and 1, got {scores[i]:g} (a logit or a "
                "margin? map it to [0, 1] first, e.g. with a sigmoid)",
            )
        )
