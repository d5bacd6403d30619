"""A real model's empirical scores on its evaluation set, and the evaluation file's label,
weight and group columns that every real model source reads.

:class:`LoadedModel` is what loading a preset's real model section gives (see
:mod:`.model_sources`): the engine and the sweep use it like any score model, and it carries
what the user should know about the scores: the evaluation set's size and base rate, how
they were calibrated, which types were trusted.

It keeps the raw scores as loaded and calibrates them once (:mod:`.calibration`); its score
model protocol speaks of the calibrated scores, shifted to the base rate of
:meth:`LoadedModel.at_base_rate` (the scenario's), so a threshold means the same for a real
model as for a synthetic one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from ..preset.preset_io import Problem
from ..preset.schema import ModelSource
from .calibration import Calibration, calibrate, raw_lookup
from .csv_table import FEATURE, MAX_WEIGHT, Table, Wanted
from .model_paths import fail
from .scores import EmpiricalScores

_VIEWS = 4  # base rates whose shifted scores a loaded model keeps
_VIEWS_LOCK = threading.Lock()


# --- reading CSV files ---------------------------------------------------------------------


def wanted_columns(*pairs: tuple[str | None, str], features: Iterable[str] | None = None) -> Wanted:
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


def read_labels(table: Table, column: str, field_path: str) -> np.ndarray:
    return table.labels(column, field_path)


def read_weights(
    table: Table, column: str | None, labels: np.ndarray, label_column: str
) -> np.ndarray | None:
    if column is None:
        w = None
    else:
        w = table.numbers(column, "model.weight_column")
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise fail(
                table.problem(i, column, f"weights must be finite and 0 or more, got {w[i]:g}")
            )
        # Bounded so that no total over the rows can overflow (at most 2e19).
        bad = w > MAX_WEIGHT
        if bad.any():
            i = int(np.argmax(bad))
            raise fail(
                table.problem(i, column, f"weights must be at most {MAX_WEIGHT:.0e}, got {w[i]:g}")
            )
    for cls, name in ((True, "positive (1)"), (False, "negative (0)")):
        rows = labels == cls
        if not rows.any():
            raise fail(
                Problem(
                    str(table.path),
                    None,
                    label_column,
                    f"no {name} events: all {len(labels):,} rows are of the other class; the "
                    "evaluation needs both",
                )
            )
        if w is not None and not w[rows].sum() > 0:
            raise fail(
                Problem(
                    str(table.path),
                    None,
                    column or "",
                    f"every {name} event has weight 0; the evaluation needs both classes",
                )
            )
    return w


@dataclass(frozen=True, eq=False)
class Groups:
    """Each evaluation row's group, as a code into ``names``: one byte a row for up to 256
    groups (else two or four), where the names themselves would take a pointer each."""

    codes: np.ndarray  # unsigned or int32 integers, one per row
    names: tuple[str, ...]  # each distinct group once, in no particular order

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[str]:
        """Each row's group name, in the rows' order."""
        names = self.names
        return (names[c] for c in self.codes.tolist())

    def sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """(the names sorted, each row's index into them): ``np.unique(names,
        return_inverse=True)`` of the rows' names."""
        names = np.empty(len(self.names), dtype=object)
        names[:] = self.names
        order = np.argsort(names, kind="stable")
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        return names[order], rank[self.codes]


def read_groups(table: Table, column: str | None) -> Groups | None:
    if column is None:
        return None
    codes, names = table.group_codes(column, "model.group_column")
    for small in (np.uint8, np.uint16):  # the table's int32 copy goes with the table
        if len(names) <= np.iinfo(small).max + 1:
            return Groups(codes.astype(small), names)
    return Groups(codes, names)


# --- the loaded model ----------------------------------------------------------------------


def calibrated_scores(
    labels: np.ndarray, raw: np.ndarray, weights: np.ndarray | None, *, probability: bool
) -> tuple[EmpiricalScores, Calibration]:
    """A real model's empirical scores and their calibration (what :class:`LoadedModel`
    makes when not given ``fit``), in the order that holds the least memory at once: the
    calibration first, then the sorted scores, while the calibration's own copy of the
    distinct scores is dropped; it shares the sorted scores' instead, the same values.
    Unweighted, the scores come from the counts the calibration took at each distinct
    score, without sorting the rows again."""
    fit = calibrate(raw, labels, weights, probability=probability)
    distinct, counts = len(fit.values), fit.counts
    scores = None
    if counts is not None and weights is None:  # counted while calibrating: no sort again
        scores = EmpiricalScores.counted(labels, raw, fit.values, *counts)
    fit = replace(fit, values=np.empty(0), counts=None)  # (dropped before a sort's copies)
    del counts
    if scores is None:
        scores = EmpiricalScores(labels, raw, weights)
    assert len(scores.distinct) == distinct  # both are the rows' distinct scores, sorted
    return scores, replace(fit, values=scores.distinct)


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """Empirical scores of a real model on its evaluation set, with what the user should
    know about them. Usable wherever the engine takes a score model: there its scores are
    the calibrated ones at ``base_rate`` (the evaluation set's when None)."""

    model: ModelSource
    scores: EmpiricalScores  # the raw scores, as the model or the file gave them
    files: tuple[Path, ...]
    score_method: str  # "predict_proba", "decision_function" or "score file"
    trusted_types: tuple[str, ...] = ()  # types trusted beyond skops' defaults
    groups: Groups | None = None
    notes: tuple[str, ...] = ()  # things to tell the user, one line each
    base_rate: float | None = None  # the scenario's, which the scores are shifted to
    fit: Calibration | None = None  # computed from the raw scores when not given

    def __post_init__(self) -> None:
        if self.fit is None:
            s = self.scores
            fit = calibrate(
                s.scores,
                s.labels,
                s.weights,
                probability=self.score_method != "decision_function",
                values=s.distinct,
            )
            object.__setattr__(self, "fit", fit)

    def at_base_rate(self, base_rate: float) -> LoadedModel:
        """The same model with its calibrated scores shifted to ``base_rate`` (prior shift).
        The last few are kept, so a redraw at the same base rate sorts nothing again."""
        base = float(base_rate)
        with _VIEWS_LOCK:
            view = self._views.get(base)
            if view is None:
                view = replace(self, base_rate=base)
                view.__dict__["_views"] = self._views  # one memo for all the views
                self._views[base] = view
                while len(self._views) > _VIEWS:
                    self._views.pop(next(iter(self._views)))
            return view

    @cached_property
    def _views(self) -> dict[float, LoadedModel]:
        return {}

    @cached_property
    def shown(self) -> EmpiricalScores:
        """The calibrated scores at ``base_rate``: what the thresholds of a design are on."""
        assert self.fit is not None
        rate = self.fit.base_rate if self.base_rate is None else self.base_rate
        # the calibration is monotone: the raw scores' order and counts serve, no new sort
        return self.scores.relabelled(self.fit.mapped_at(rate))

    def raw_at(self, thresholds: np.ndarray) -> np.ndarray:
        """The raw score of each calibrated threshold (NaN where no row scores that high)."""
        return raw_lookup(self._raw_table, thresholds)

    @cached_property
    def _raw_table(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.fit is not None  # sorted once: a dragged threshold line asks often
        return self.fit.raw_table(self.fit.base_rate if self.base_rate is None else self.base_rate)

    # the score-model protocol (scores.ScoreModel), from the calibrated scores
    def rates_at(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.shown.rates_at(thresholds)

    def sweep_points(self, low: float, high: float, n: int | None = None) -> tuple:
        return self.shown.sweep_points(low, high, n)

    def curve(self) -> tuple[np.ndarray, ...]:
        return self.shown.curve()

    def roc_auc(self) -> float:
        return self._auc

    def extent(self) -> tuple[float, float]:
        return self.shown.extent()

    def density(
        self, base_rate: float, lo: float, hi: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        return self.shown.density(base_rate, lo, hi)

    def roc_curve(self, lo: float) -> tuple[np.ndarray, np.ndarray]:
        return self.shown.roc_curve(lo)

    def fpr_at_recall(self, recall: float) -> float:
        return self.shown.fpr_at_recall(recall)

    @cached_property
    def _auc(self) -> float:
        return self.shown.roc_auc()

    @property
    def calibration(self) -> str:
        """How the raw scores were calibrated, in a sentence."""
        assert self.fit is not None
        return self.fit.describe()

    @property
    def eval_size(self) -> int:
        return self.scores.n

    @property
    def eval_base_rate(self) -> float:
        return self.scores.base_rate
