"""What the model panel and the report show about a loaded real model: ROC AUC, reliability
curves (as evaluated and reweighted to the scenario's base rate), score histograms,
per-group figures and notes on operating points measured from too few events.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .loaded_model import LoadedModel
from .model_paths import model_files
from .scores import EmpiricalScores, Reliability, ScoreHistograms

MAX_GROUPS = 50  # groups shown per model; more are summarised


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
    auc: float  # of the calibrated scores (rows the calibration ties count half)
    raw_auc: float  # of the raw scores: the model's own ranking
    reliability: Reliability  # calibrated scores on the evaluation set as it is
    reliability_at_scenario: Reliability  # reweighted to the scenario's base rate
    histograms: ScoreHistograms
    groups: tuple[GroupMetrics, ...]
    groups_left_out: int
    notes: tuple[str, ...]
    # (calibrated threshold at the scenario's base rate, the raw score it corresponds to)
    thresholds: tuple[tuple[float, float], ...] = ()

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
            "calibrated_from_decision_function": self.score_method == "decision_function",
            "calibration_method": self.calibration,
            "trusted_types": list(self.trusted_types),
            "eval_size": self.eval_size,
            "eval_weight": _num(self.eval_weight),
            "eval_base_rate": _num(self.eval_base_rate),
            "scenario_base_rate": _num(self.scenario_base_rate),
            "reweighted_to_scenario_base_rate": self.reweighted,
            "auc": _num(self.auc),
            "raw_auc": _num(self.raw_auc),
            "raw_score_at_threshold": [
                {"threshold": _num(t), "raw_score": _num(r)} for t, r in self.thresholds
            ],
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
        out.append(
            f"  ROC AUC         {self.auc:.4f} (raw scores {self.raw_auc:.4f}), scores from "
            f"{self.score_method}"
        )
        out.append(f"  calibrated      {self.calibration}")
        if self.thresholds:
            cells = [
                f"{t:.4g} (raw {'none scores that high' if not math.isfinite(r) else f'{r:.4g}'})"
                for t, r in self.thresholds
            ]
            out.append(f"  thresholds      {', '.join(cells)}")
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
    writes them. ``thresholds`` (the design's, calibrated at the scenario's base rate) are
    given with their raw scores and add a note wherever an operating point rests on zero
    observed events. Reliability and histograms are of the calibrated scores; group AUCs of
    the raw ones."""
    s = loaded.scores
    scenario = loaded.at_base_rate(scenario_base_rate)
    at_eval = loaded.at_base_rate(s.base_rate).shown
    thresholds = tuple(float(t) for t in thresholds)
    cut = np.array([t for t in thresholds if t > 0], dtype=float)
    raw = scenario.raw_at(cut) if len(cut) else cut
    groups: list[GroupMetrics] = []
    left_out = 0
    if loaded.groups is not None:
        names, inverse = loaded.groups.sorted()
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
        auc=scenario.roc_auc(),
        raw_auc=s.roc_auc(),
        reliability=at_eval.reliability(calibration_bins),
        reliability_at_scenario=scenario.shown.reliability(
            calibration_bins, base_rate=scenario_base_rate
        ),
        histograms=at_eval.histograms(histogram_bins),
        groups=tuple(groups),
        groups_left_out=left_out,
        notes=loaded.notes + tuple(measurement_notes(scenario, thresholds)),
        thresholds=tuple(zip(cut.tolist(), np.asarray(raw).tolist(), strict=True)),
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
