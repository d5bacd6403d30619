"""What the model is: the model section's actions and summary, and the model details window.

:class:`QtModelActions` sits at the top of the design panel's model section: the three ways
to set the model (describe one, load a scikit-learn model, load scores), a "Model details…"
button, and one short summary of a real model (its ROC AUC, the evaluation set, both base
rates). It only forwards what the user clicks as requests.

:class:`QtModelView` is the details window (opened from that button, so the main 2x2 plot
grid stays as it is): the figures of :func:`~prototyper.core.model.metrics.model_metrics`,
a reliability (calibration) plot with the diagonal, the curve as measured and the curve
reweighted to the scenario's base rate, score histograms of the positives and negatives, and
the notes (a decision function's scores, operating points resting on zero observed events).
Both follow ``document.changed``.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.format import one_in
from ..core.model.loaded_model import LoadedModel
from ..core.model.metrics import ModelMetrics, model_metrics
from ..core.preset.schema import ScoreFileModel, SklearnModel
from .document import Analysis, Document
from .plots.axes import DecadeAxis, ProbabilityAxis
from .plots.common import AXIS_COLOR, LEFT_AXIS_WIDTH, _decade_as_share, _style, logit
from .theme import CURRENT_COLOR, NEGATIVE_COLOR, POSITIVE_COLOR, qcolor

MAX_GROUPS_SHOWN = 12
SCENARIO_DASH = Qt.PenStyle.DashLine  # the curve at the scenario's base rate


def share(p: float) -> str:
    """A base rate as people say it: 10%, 1 in 10,000."""
    return one_in(p) if p > 0 else "0"


def loaded_model(analysis: Analysis) -> LoadedModel | None:
    scores = analysis.scores
    return scores if isinstance(scores, LoadedModel) else None


def summary_html(analysis: Analysis) -> str:
    """The model in three short lines, for the model section (empty for a synthetic one)."""
    loaded = loaded_model(analysis)
    if loaded is None:
        return ""
    model = analysis.preset.model
    if isinstance(model, SklearnModel):
        what = f"{Path(model.model).name} on {Path(model.data).name}"
    elif isinstance(model, ScoreFileModel):
        what = Path(model.path).name
    else:  # pragma: no cover - a new source
        what = model.source
    pi = analysis.preset.scenario.base_rate
    shift = (
        " (rates reweighted to it)"
        if not math.isclose(loaded.eval_base_rate, pi, rel_tol=1e-9)
        else ""
    )
    return (
        f"{html.escape(what)}<br>"
        f"<b>ROC AUC {loaded.roc_auc():.4f}</b> on {loaded.eval_size:,} evaluation rows"
        " · scores calibrated<br>"
        f"Base rate {share(loaded.eval_base_rate)} there, {share(pi)} in the scenario{shift}"
    )


class QtModelActions(QWidget):
    """The model section's actions: describe, load a scikit-learn model, load scores, and
    details; the current kind of model is the checked one."""

    describeRequested = Signal()
    loadSklearnRequested = Signal()
    loadScoresRequested = Signal()
    detailsRequested = Signal()

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self._document = document
        self.describe = QPushButton("Describe a model")
        self.describe.setToolTip(
            "A synthetic model set by its ROC AUC and the base rate: for what-ifs before "
            "there is a model"
        )
        self.sklearn = QPushButton("Load a scikit-learn model…")
        self.sklearn.setToolTip(
            "A fitted estimator (.skops; a .pkl or .joblib pickle only if you accept that it "
            "can run code) and a labelled evaluation CSV"
        )
        self.scores = QPushButton("Load scores…")
        self.scores.setToolTip(
            "A CSV of label, score (a probability) and optionally group and weight, exported "
            "from any framework"
        )
        self.details = QPushButton("Model details…")
        self.details.setToolTip("Calibration, score histograms, the evaluation set and notes")
        self._kinds = {
            "synthetic": self.describe,
            "sklearn": self.sklearn,
            "score_file": self.scores,
        }
        for button in self._kinds.values():
            button.setCheckable(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.describe, 0, 0)
        grid.addWidget(self.scores, 0, 1)
        grid.addWidget(self.sklearn, 1, 0)
        grid.addWidget(self.details, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(4)
        layout.addLayout(grid)
        layout.addWidget(self.summary)

        self.describe.clicked.connect(self._on_q_describe)
        self.sklearn.clicked.connect(self._on_q_sklearn)
        self.scores.clicked.connect(self._on_q_scores)
        self.details.clicked.connect(self.detailsRequested)
        document.changed.connect(self.set_analysis)
        self.set_analysis(document.analysis)

    def set_analysis(self, analysis: Analysis) -> None:
        self._show_kind(analysis.preset.model.source)
        text = summary_html(analysis)
        if text != self.summary.text():
            self.summary.setText(text)
        self.summary.setVisible(bool(text))
        self.details.setEnabled(bool(text))

    def _show_kind(self, source: str) -> None:
        for kind, button in self._kinds.items():
            button.setChecked(kind == source)

    def _restore(self) -> None:
        """A click toggles the button; the document decides what is checked."""
        self._show_kind(self._document.preset.model.source)

    def _on_q_describe(self) -> None:
        self._restore()
        self.describeRequested.emit()

    def _on_q_sklearn(self) -> None:
        self._restore()
        self.loadSklearnRequested.emit()

    def _on_q_scores(self) -> None:
        self._restore()
        self.loadScoresRequested.emit()


# --- the details window --------------------------------------------------------------------


def _legend(color: str, mark: str, text: str) -> str:
    return f"<span style='color:{color}'><b>{mark}</b></span> {html.escape(text)}"


class QtReliabilityPlot(pg.PlotWidget):
    """Calibration: per score bin, the share of positives against the mean score, as measured
    on the evaluation set and reweighted to the scenario's base rate; the diagonal is a
    perfectly calibrated model. Both axes in logit units, so that small rates show."""

    def __init__(self, parent: QWidget | None = None):
        axes = {"left": ProbabilityAxis("left"), "bottom": ProbabilityAxis("bottom")}
        super().__init__(parent, axisItems=axes)
        self.plot_item = _style(self, "Calibration", "share positive", "mean score in the bin")
        self.legend_html = ""
        self.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        self.diagonal = pg.PlotDataItem(pen=pg.mkPen("#9e9e9e", width=1, style=Qt.PenStyle.DotLine))
        self.measured = pg.PlotDataItem(
            pen=pg.mkPen(CURRENT_COLOR, width=2),
            symbol="o",
            symbolSize=6,
            symbolPen=pg.mkPen(CURRENT_COLOR),
            symbolBrush=pg.mkBrush(CURRENT_COLOR),
            antialias=True,
        )
        self.scenario = pg.PlotDataItem(
            pen=pg.mkPen(CURRENT_COLOR, width=2, style=SCENARIO_DASH),
            symbol="o",
            symbolSize=6,
            symbolPen=pg.mkPen(CURRENT_COLOR),
            symbolBrush=pg.mkBrush("w"),
            antialias=True,
        )
        for z, item in enumerate((self.diagonal, self.measured, self.scenario)):
            item.setZValue(z)
            self.plot_item.addItem(item)

    def set_metrics(self, m: ModelMetrics) -> None:
        measured = m.reliability
        scenario = m.reliability_at_scenario
        values = np.concatenate(
            [measured.mean_score, measured.observed, scenario.mean_score, scenario.observed]
        )
        values = values[np.isfinite(values)]
        inside = values[(values > 0) & (values < 1)]
        lo = float(logit(max(min(inside.min(initial=0.01), 0.01), 1e-7))) - 0.4
        hi = float(logit(min(max(inside.max(initial=0.99), 0.99), 1 - 1e-7))) + 0.4

        def points(r) -> tuple[np.ndarray, np.ndarray]:
            keep = r.count > 0
            edge = (lo + 0.25, hi - 0.25)  # 0 or 1 observed: at the edge, marker in view
            return np.clip(logit(r.mean_score[keep]), *edge), np.clip(
                logit(r.observed[keep]), *edge
            )

        self.diagonal.setData([lo, hi], [lo, hi])
        self.measured.setData(*points(measured))
        self.scenario.setData(*points(scenario))
        self.scenario.setVisible(m.reweighted)
        self.plot_item.setRange(xRange=(lo, hi), yRange=(lo, hi), padding=0.0)
        legend = [
            _legend("#9e9e9e", "┈┈", "perfectly calibrated"),
            _legend(CURRENT_COLOR, "—●—", f"as measured (base rate {share(m.eval_base_rate)})"),
        ]
        if m.reweighted:
            text = f"at the scenario's base rate ({share(m.scenario_base_rate)})"
            legend.append(_legend(CURRENT_COLOR, "- ○ -", text))
        self.legend_html = "<br>".join(legend)


class QtScoreHistograms(pg.PlotWidget):
    """How the evaluation set's positives and negatives score: the share of each class per
    score bin (log scale, so the few negatives at high scores show)."""

    def __init__(self, parent: QWidget | None = None):
        axes = {"left": DecadeAxis("left", _decade_as_share)}
        super().__init__(parent, axisItems=axes)
        self.plot_item = _style(self, "Evaluation scores", "share of the class (log)", "score")
        self.legend_html = ""
        self.getAxis("left").setWidth(LEFT_AXIS_WIDTH + 14)  # room for '1 in 10k'

        self.negative = pg.PlotDataItem(
            pen=pg.mkPen(NEGATIVE_COLOR, width=1), fillBrush=qcolor(NEGATIVE_COLOR, 70)
        )
        self.positive = pg.PlotDataItem(
            pen=pg.mkPen(POSITIVE_COLOR, width=1), fillBrush=qcolor(POSITIVE_COLOR, 90)
        )
        for item in (self.negative, self.positive):
            self.plot_item.addItem(item)

    def set_metrics(self, m: ModelMetrics) -> None:
        h = m.histograms
        pos = h.positive / max(float(h.positive.sum()), 1e-300)
        neg = h.negative / max(float(h.negative.sum()), 1e-300)
        shown = np.concatenate([pos[pos > 0], neg[neg > 0]])
        floor = math.floor(math.log10(float(shown.min()))) - 0.3 if len(shown) else -4.0
        tiny = 10.0**floor
        for item, y in ((self.negative, neg), (self.positive, pos)):
            item.setData(h.edges, np.log10(np.maximum(y, tiny)), stepMode="center")
            item.setFillLevel(floor)
        self.plot_item.setRange(xRange=(0.0, 1.0), yRange=(floor, 0.15), padding=0.02)
        self.legend_html = "<br>".join(
            [
                _legend(POSITIVE_COLOR, "■", "positives"),
                _legend(NEGATIVE_COLOR, "■", "negatives (each class sums to 1)"),
            ]
        )


class QtModelView(QDialog):
    """The real model in detail; follows the document while it is open."""

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Model details")
        self._document = document
        self._key: tuple = ()
        self.metrics: ModelMetrics | None = None
        self.figures = QLabel()
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.figures.setWordWrap(True)
        self.figures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reliability = QtReliabilityPlot()
        self.histograms = QtScoreHistograms()
        for plot in (self.reliability, self.histograms):
            plot.setMinimumSize(340, 280)
        self.notes = QLabel()
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.setWordWrap(True)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.legends = (QLabel(), QLabel())
        for label in self.legends:
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
        self.empty = QLabel(
            "The model is described (synthetic): it has no evaluation data to show. Load a "
            "scikit-learn model or scores in the model section."
        )
        self.empty.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)

        plots = QGridLayout()
        plots.addWidget(self.reliability, 0, 0)
        plots.addWidget(self.histograms, 0, 1)
        plots.addWidget(self.legends[0], 1, 0)
        plots.addWidget(self.legends[1], 1, 1)
        plots.setRowStretch(0, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.figures)
        layout.addLayout(plots, stretch=1)
        layout.addWidget(self.notes)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.resize(820, 640)

        buttons.rejected.connect(self.close)
        document.changed.connect(self._on_document_changed)
        self.set_analysis(document.analysis)

    def _on_document_changed(self, analysis: Analysis) -> None:
        if self.isVisible():
            self.set_analysis(analysis)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.set_analysis(self._document.analysis)
        super().showEvent(event)

    def set_analysis(self, analysis: Analysis) -> None:
        loaded = loaded_model(analysis)
        shown = (self.figures, self.reliability, self.histograms, *self.legends, self.notes)
        for widget in shown:
            widget.setVisible(loaded is not None)
        self.empty.setVisible(loaded is None)
        if loaded is None:
            self.metrics, self._key = None, ()
            return
        preset = analysis.preset
        thresholds = preset.experience.thresholds()
        key = (id(loaded), preset.scenario.base_rate, thresholds)
        if key == self._key:
            return
        self._key = key
        m = self.metrics = model_metrics(loaded, preset.scenario.base_rate, thresholds=thresholds)
        self.figures.setText(figures_html(m))
        self.reliability.set_metrics(m)
        self.histograms.set_metrics(m)
        self.legends[0].setText(self.reliability.legend_html)
        self.legends[1].setText(self.histograms.legend_html)
        items = "".join(f"<li>{html.escape(n)}</li>" for n in m.notes)
        self.notes.setText(f"<b>Notes</b><ul>{items}</ul>" if items else "")
        self.notes.setVisible(bool(items))


def figures_html(m: ModelMetrics) -> str:
    """The model's figures as a small table."""
    weighted = not math.isclose(m.eval_weight, m.eval_size)
    weight = f" (total weight {m.eval_weight:,.4g})" if weighted else ""
    rows = [
        ("Model", " on ".join(html.escape(f) for f in m.files)),
        ("ROC AUC", f"<b>{m.auc:.4f}</b>"),
        ("Scores from", html.escape(m.score_method)),
        (
            "Evaluation set",
            f"{m.eval_size:,} rows{weight}, base rate {share(m.eval_base_rate)} "
            f"({m.eval_base_rate:.4g})",
        ),
        (
            "Scenario",
            f"base rate {share(m.scenario_base_rate)} ({m.scenario_base_rate:.4g})"
            + (
                ": the calibrated scores are shifted to it (prior shift), so a threshold is "
                "a probability here"
                if m.reweighted
                else ", as in the evaluation set"
            ),
        ),
    ]
    rows.append(("Calibrated", html.escape(m.calibration)))
    if m.thresholds:
        cells = [
            f"{t:.4g}: raw {'none that high' if not math.isfinite(r) else f'{r:.4g}'}"
            for t, r in m.thresholds
        ]
        rows.append(("Thresholds", html.escape(", ".join(cells))))
    if m.trusted_types:
        rows.append(("Trusted types", html.escape(", ".join(m.trusted_types))))
    if m.groups:
        cells = [
            f"{html.escape(g.name)}: {g.size:,} rows, base rate {share(g.base_rate)}, "
            + ("AUC n/a" if not math.isfinite(g.auc) else f"AUC {g.auc:.3f}")
            for g in m.groups[:MAX_GROUPS_SHOWN]
        ]
        more = len(m.groups) - MAX_GROUPS_SHOWN + m.groups_left_out
        if more > 0:
            cells.append(f"and {more} more")
        rows.append(("Groups", "<br>".join(cells)))
    body = "".join(
        f"<tr><td style='color:{AXIS_COLOR}; padding-right: 10px'>{k}</td><td>{v}</td></tr>"
        for k, v in rows
    )
    return f"<table>{body}</table>"
