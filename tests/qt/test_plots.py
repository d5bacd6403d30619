"""The four plots: model -> view, view -> model (dragging thresholds), and every preset."""

from __future__ import annotations

import math
import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication
from scipy.special import expit

from prototyper import assets
from prototyper.core.evaluation.engine import (
    attention_table,
    money_per_unit,
    net_per_event,
    outcome_masses,
    payoff_table,
)
from prototyper.core.evaluation.value import ADDED_PARTS
from prototyper.core.format import format_probability, one_in
from prototyper.core.preset.preset_io import load_preset
from prototyper.core.preset.schema import MODES, STAKEHOLDERS
from prototyper.qt.document import Document
from prototyper.qt.plots.common import logit, nice_threshold, score_range
from prototyper.qt.plots.distributions import QtScoreDistributions
from prototyper.qt.plots.outcomes import QtOutcomeBreakdown
from prototyper.qt.plots.roc import QtRoc, better_arrow, iso_value_gradient
from prototyper.qt.plots.value_curve import QtValueCurve, thin
from prototyper.qt.theme import mode_color, on_white

TOP = "experience.bands[0].threshold"
MIDDLE = "experience.bands[1].threshold"


def make_document(name: str = "safe_browsing") -> Document:
    return Document(load_preset(assets.preset_path(name)))


@pytest.fixture
def views(qtbot, document):
    made = {
        "scores": QtScoreDistributions(document),
        "value": QtValueCurve(document),
        "outcomes": QtOutcomeBreakdown(document),
        "roc": QtRoc(document),
    }
    for view in made.values():
        qtbot.addWidget(view)
        view.resize(600, 400)
    return made


def bar_heights(bars: pg.BarGraphItem) -> np.ndarray:
    return np.asarray(bars.opts["height"], dtype=float)


def expected_bars(document: Document, stakeholder: str) -> tuple[np.ndarray, np.ndarray]:
    """Value (>= 0) and cost (<= 0) of value added per [part, mode], per day for all users,
    from the evaluation's split of value added."""
    e = document.analysis.evaluation
    money = e.added_split() * e.events_per_day * e.population  # [part, m, s]
    if stakeholder != "all":
        s = STAKEHOLDERS.index(stakeholder)
        money = money[:, :, [s]]
    return np.maximum(money, 0).sum(axis=-1), np.minimum(money, 0).sum(axis=-1)


# --- small helpers -------------------------------------------------------------------------


def test_format_probability_reads_like_a_score():
    assert format_probability(0.05) == "0.05"
    assert format_probability(0.002) == "0.002"
    assert format_probability(0.5) == "0.5"
    assert format_probability(0.9) == "0.9"
    assert format_probability(0.951) == "0.951"
    assert format_probability(0.9999) == "0.9999"
    assert format_probability(1e-6) == "1e-6"


def test_nice_threshold_rounds_but_stays_between_neighbours():
    assert nice_threshold(0.0512345, 0.0, 0.95) == 0.0512
    assert nice_threshold(0.951234, 0.05, 1.0) == 0.9512  # 3 digits of the distance to 1
    assert nice_threshold(0.99991234, 0.05, 1.0) == 0.9999123
    # 3 digits would land on the neighbour: more digits are used.
    assert 0.05 < nice_threshold(0.0500004, 0.05, 0.95) < 0.95


def test_one_in():
    assert one_in(1e-4) == "1 in 10,000"
    assert one_in(5.53e-5) == "1 in 18,000"
    assert one_in(0.2) == "20%"


def test_thin_keeps_the_peaks_of_a_long_curve():
    x = np.linspace(-10, 10, 20_001)
    y = np.sin(x * 7) + (x == x[12_345]) * 5.0  # one spike
    tx, ty = thin(x, y, -5.0, 5.0, bins=100)
    assert len(tx) == len(ty) <= 200
    assert tx.min() >= -5.0 and tx.max() <= 5.0
    assert ty.max() == pytest.approx(y[(x >= -5) & (x <= 5)].max())  # the spike survives
    assert ty.min() == pytest.approx(y[(x >= -5) & (x <= 5)].min())
    short_x, short_y = thin(x[:50], y[:50], -10, 10, bins=100)
    assert np.array_equal(short_x, x[:50])  # short curves are only clipped


def test_better_arrow_uses_signs():
    assert better_arrow(-1.0, 2.0) == "↖"  # fewer false positives, more true: classic
    assert better_arrow(3.0, 0.003) == "↗"
    assert better_arrow(0.0, 1.0) == "↑"


# --- model -> view -----------------------------------------------------------------------


def test_threshold_change_moves_every_view(views, document):
    scores, value, outcomes, roc = (views[k] for k in ("scores", "value", "outcomes", "roc"))
    assert document.set_value(MIDDLE, 0.01)

    line = scores.threshold_lines[1]
    assert line.value() == pytest.approx(logit(0.01))
    assert expit(line.value()) == pytest.approx(0.01)

    xs, ys = value.current_marker.getData()
    assert np.allclose(np.sort(xs), np.sort(logit(np.array([0.95, 0.01]))))
    assert np.allclose(ys, document.analysis.evaluation.added_per_population_day)

    up, down = expected_bars(document, "all")
    for m, mode in enumerate(MODES):
        heights = bar_heights(outcomes.bars[mode])
        assert np.allclose(heights, np.concatenate([up[:, m], down[:, m]]))
    assert np.allclose(outcomes.values, up + down)

    e = document.analysis.evaluation
    px, py = roc.operating_points.getData()
    assert np.allclose(py, e.tpr[:2])
    assert np.allclose(px, np.log10(e.fpr[:2]))


def test_model_to_view_does_not_write_back(views, document):
    before = document.undo_stack.count()
    document.set_value(MIDDLE, 0.02)
    document.set_value(TOP, 0.9)
    assert document.undo_stack.count() == before + 2
    assert document.preset.experience.thresholds() == (0.9, 0.02, 0.0)


def test_bars_follow_the_decomposition_after_undo(views, document):
    outcomes = views["outcomes"]
    document.set_value(TOP, 0.5)
    document.undo_stack.undo()
    up, down = expected_bars(document, "all")
    assert np.allclose(bar_heights(outcomes.bars["prompt"]), np.r_[up[:, 1], down[:, 1]])


def test_value_curve_marks_the_best_single_threshold(views, document):
    value = views["value"]
    single = document.analysis.single_threshold
    xs, ys = value.best_marker.getData()
    assert xs[0] == pytest.approx(logit(single.best_value))
    assert ys[0] == pytest.approx(np.nanmax(single.added_per_population_day))
    assert format_probability(single.best_value) in value.best_label.toPlainText()
    assert len(value.curves) == len(document.analysis.threshold_sweeps) == 2
    # Each curve in the colour of the band above its threshold.
    assert value.curves[0].opts["pen"].color() == QColor(mode_color("automate"))
    assert value.curves[1].opts["pen"].color() == QColor(mode_color("prompt"))


def test_score_plots_share_the_x_axis(views, document):
    document.set_value(TOP, 0.999)
    ranges = [views[k].plot_item.getViewBox().viewRange()[0] for k in ("scores", "value")]
    assert np.allclose(ranges[0], ranges[1])
    assert np.allclose(ranges[0], score_range(document.analysis))
    lo, hi = ranges[0]
    assert lo < logit(0.999) < hi


def test_positives_are_drawn_to_scale(views, document):
    scores = views["scores"]
    _, pos = scores.positive_curve.getData()
    _, neg = scores.negative_curve.getData()
    # log10 densities: at a base rate of 1e-4 the positives peak ~4 decades lower.
    assert neg.max() - pos.max() == pytest.approx(4.0, abs=0.3)
    assert "10,000" in scores.positive_text.toPlainText()


def test_stakeholder_filter_changes_the_bars(qtbot):
    document = make_document("audit_risk")
    outcomes = QtOutcomeBreakdown(document)
    qtbot.addWidget(outcomes)
    wrong = ADDED_PARTS.index("wrong")
    all_up = outcomes.value_up.sum(axis=1)[wrong]
    assert all_up > 0  # the business earns on false alarms...
    outcomes.stakeholder_combo.setCurrentIndex(outcomes.FILTERS.index("user"))
    assert outcomes.stakeholder == "user"
    assert outcomes.value_up[wrong].sum() == 0  # ...which the users pay for
    assert outcomes.value_down[wrong].sum() < 0
    up, down = expected_bars(document, "user")
    for m, mode in enumerate(MODES):
        assert np.allclose(bar_heights(outcomes.bars[mode]), np.r_[up[:, m], down[:, m]])
    outcomes.set_stakeholder("business")
    up, down = expected_bars(document, "business")
    assert np.allclose(outcomes.value_up, up)
    assert outcomes.value_up[wrong].sum() == pytest.approx(all_up)


def test_items_are_created_once(views, document):
    def items():
        out = {}
        for name, view in views.items():
            plot = view.plot_item
            out[name] = [id(i) for i in plot.items] + [id(i) for i in plot.getViewBox().addedItems]
        return out

    before = items()
    lines = list(views["scores"].threshold_lines)
    curves = list(views["value"].curves)
    document.set_value(MIDDLE, 0.01)
    document.set_value("model.auc", 0.99)
    document.set_value("scenario.base_rate", 0.01)
    document.undo_stack.undo()
    assert items() == before
    assert views["scores"].threshold_lines == lines
    assert views["value"].curves == curves


def test_iso_value_line_matches_the_linear_formula(document):
    # Without trust matching, habituation or caps, value is linear in the rates, so the
    # numerical gradient must equal the textbook one.
    document.set_value("response.trust_matching", 0.0)
    document.set_value("response.modes.prompt.habituation", 0.0)
    p = document.preset
    pi = p.scenario.base_rate
    masses = document.analysis.evaluation.masses
    money = money_per_unit(p)
    pa, pm, na, ni = (payoff_table(p) * money).sum(axis=(-1, -2))  # each by mode
    attention = (attention_table(p) * money[:, 1]).sum(axis=-1)
    a, b = MODES.index("automate"), MODES.index("prompt")

    def per_positive(m):
        return pm[m] + masses.act_positive[m] * (pa[m] - pm[m]) + attention[m]

    def per_negative(m):
        return ni[m] + masses.act_negative[m] * (na[m] - ni[m]) + attention[m]

    g_t, g_f = iso_value_gradient(document.analysis)
    assert g_t == pytest.approx(pi * (per_positive(a) - per_positive(b)), rel=1e-6)
    assert g_f == pytest.approx((1 - pi) * (per_negative(a) - per_negative(b)), rel=1e-6)


def test_iso_value_line_keeps_net_value(views, document):
    roc = views["roc"]
    e, p = document.analysis.evaluation, document.preset
    g_t, g_f = roc.gradient
    step = 1e-3 * e.fpr[0]
    along = np.array([e.fpr[0] - step, e.tpr[0] + g_f / g_t * step])  # on the line
    across = np.array([e.fpr[0], e.tpr[0] + g_f / g_t * step])  # off it
    tpr, fpr = list(e.tpr), list(e.fpr)
    tpr[0] = np.array([e.tpr[0], along[1], across[1]])
    fpr[0] = np.array([e.fpr[0], along[0], across[0]])
    net = net_per_event(p, outcome_masses(p, tpr, fpr))
    assert abs(net[1] - net[0]) < 1e-3 * abs(net[2] - net[0])
    xs, ys = roc.iso_value_curve.getData()
    assert np.interp(np.log10(e.fpr[0]), xs, ys) == pytest.approx(e.tpr[0], abs=1e-3)
    assert "same net value" in roc.title_html


# --- view -> model -----------------------------------------------------------------------


def drag(line: pg.InfiniteLine, qtbot, *scores: float) -> None:
    """Move a line the way a drag does: positions, then the end of the drag."""
    line.moving = True
    for s in scores:
        line.setValue(float(logit(s)))  # emits sigPositionChanged
        qtbot.wait(20)  # let the throttle fire now and then
    line.moving = False
    line.sigPositionChangeFinished.emit(line)


def test_a_band_takes_its_new_modes_colour_at_once(qtbot, qapp, document):
    view = QtScoreDistributions(document)
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    region = view.band_regions.items[0]

    def shown_fill() -> str:
        """The colour the window last painted inside the top band, away from curves and
        labels (the screen grab reads what was painted, unlike grab(), which paints anew)."""
        for _ in range(20):  # every pending repaint, of the view's range too, done
            qapp.processEvents()
        left, right = region.getRegion()
        box = view.plot_item.getViewBox()
        low, high = box.viewRange()[1]
        scene = box.mapViewToScene(QPointF(left + 0.3 * (right - left), low + 0.6 * (high - low)))
        at = view.mapFromScene(scene)
        screen = QApplication.primaryScreen().grabWindow(view.winId()).toImage()
        return QColor(screen.pixel(at.x(), at.y())).name()

    bands = document.preset.experience.bands
    old = bands[0].mode
    assert shown_fill() == on_white(mode_color(old), 34).name()
    used = {mode_color(b.mode) for b in bands}
    new = next(m for m in MODES if mode_color(m) not in used)
    assert document.set_value("experience.bands[0].mode", new)
    assert region.brush.color().name() == on_white(mode_color(new), 34).name()
    assert shown_fill() == on_white(mode_color(new), 34).name()  # painted, not just set


def test_drag_sets_the_threshold_in_one_undo_step(views, qtbot, document):
    line = views["scores"].threshold_lines[1]
    before = document.undo_stack.count()
    drag(line, qtbot, 0.04, 0.03, 0.021234, 0.0123456)
    assert document.preset.experience.bands[1].threshold == 0.0123  # 3 significant digits
    assert document.undo_stack.count() == before + 1
    # the line snapped to the stored value
    assert line.value() == pytest.approx(logit(0.0123))
    document.undo_stack.undo()
    assert document.preset.experience.bands[1].threshold == 0.05
    # the next drag is a new step
    drag(line, qtbot, 0.02)
    drag(line, qtbot, 0.03)
    assert document.undo_stack.count() == before + 2


def test_drag_is_clamped_between_neighbours(views, qtbot, document):
    scores = views["scores"]
    middle = scores.threshold_lines[1]
    drag(middle, qtbot, 0.99)  # past the top band's 0.95
    value = document.preset.experience.bands[1].threshold
    assert 0.05 < value < 0.95
    assert value == pytest.approx(0.95, rel=0.02)
    document.undo_stack.undo()
    # Even if the line itself had no bounds, the model only gets a valid threshold.
    top = scores.threshold_lines[0]
    top.setBounds((None, None))
    drag(top, qtbot, 0.01)  # below the middle band's threshold
    t0, t1, _ = document.preset.experience.thresholds()
    assert t1 == 0.05
    assert t1 < t0 < 0.95
    assert logit(t0) - logit(t1) == pytest.approx(0.01, abs=0.005)


def test_a_real_mouse_drag_moves_the_threshold(views, qtbot, document):
    scores = views["scores"]
    scores.show()
    qtbot.waitExposed(scores)
    line = scores.threshold_lines[1]
    view = scores.plot_item.getViewBox()
    y = float(np.mean(view.viewRange()[1]))

    def at(score: float):
        scene = view.mapViewToScene(QPointF(float(logit(score)), y))
        return scores.mapFromScene(scene)

    viewport = scores.viewport()

    def send(kind, pos, buttons):
        event = QMouseEvent(
            kind,
            QPointF(pos),
            QPointF(viewport.mapToGlobal(pos)),
            Qt.MouseButton.LeftButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(viewport, event)

    before = document.undo_stack.count()
    start = at(0.05)
    send(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    for s in (0.04, 0.03, 0.02, 0.01):
        send(QEvent.Type.MouseMove, at(s), Qt.MouseButton.LeftButton)
        qtbot.wait(5)
    send(QEvent.Type.MouseButtonRelease, at(0.01), Qt.MouseButton.NoButton)
    value = document.preset.experience.bands[1].threshold
    assert value == pytest.approx(0.01, rel=0.1)  # within a pixel or two
    assert document.undo_stack.count() == before + 1
    assert math.isclose(expit(line.value()), value, rel_tol=1e-9)


# --- every preset ------------------------------------------------------------------------


def has_color(image, color: str) -> bool:
    target = QColor(color).rgb()
    for y in range(0, image.height(), 2):
        for x in range(image.width()):
            if image.pixel(x, y) == target:
                return True
    return False


@pytest.mark.parametrize("path", assets.bundled_presets(), ids=lambda p: p.stem)
def test_every_bundled_preset_renders(qtbot, tmp_path, path):
    document = Document(load_preset(path))
    bands = document.preset.experience.bands
    for cls in (QtScoreDistributions, QtValueCurve, QtOutcomeBreakdown, QtRoc):
        view = cls(document)
        qtbot.addWidget(view)
        view.resize(600, 400)
        image = view.grab().toImage()
        assert not image.isNull()
        image.save(str(tmp_path / f"{cls.__name__}_{path.stem}.png"))
        if cls is QtScoreDistributions:
            # the top threshold line, drawn in its band's colour
            assert has_color(image, mode_color(bands[0].mode))
            assert len(view.threshold_lines) == len(bands) - 1
    # and survives an edit of its top threshold
    t0, t1 = bands[0].threshold, bands[1].threshold
    between = float(expit((logit(t0) + logit(t1)) / 2)) if t1 > 0 else t0 / 2
    assert document.set_value(TOP, nice_threshold(between, t1, 1.0))


@pytest.mark.parametrize("path", assets.bundled_presets(), ids=lambda p: p.stem)
def test_the_outcome_chart_shows_value_added_and_the_curve_has_feature_off_as_zero(qtbot, path):
    document = Document(load_preset(path))
    outcomes, value = QtOutcomeBreakdown(document), QtValueCurve(document)
    qtbot.addWidget(outcomes)
    qtbot.addWidget(value)
    e = document.analysis.evaluation
    # The bars add up to the value added, never to the total with the harm anyway.
    assert outcomes.values.sum() == pytest.approx(e.added_per_population_day, rel=1e-9)
    correct = ADDED_PARTS.index("correct")
    if e.added_per_population_day > 0:  # a design that adds value shows its green area
        assert outcomes.value_up[correct].sum() > 0
    assert "value of correct" in outcomes.legend.text()
    assert "cost of wrong" in outcomes.legend.text()
    assert value.off_line.value() == 0.0
    _, ys = value.current_marker.getData()
    assert np.allclose(ys, e.added_per_population_day)


def test_a_narrow_outcome_legend_wraps_between_its_terms_never_inside_one(qtbot):
    from PySide6.QtGui import QTextDocument

    document = Document(load_preset(assets.preset_path("fall_detection")))
    outcomes = QtOutcomeBreakdown(document)
    qtbot.addWidget(outcomes)
    wrapped = 0
    for width in range(240, 700, 10):  # wider than any one term
        text = QTextDocument()
        text.setDefaultFont(outcomes.legend.font())
        text.setHtml(outcomes.legend.text())
        text.setTextWidth(width)
        text.documentLayout().documentSize()  # lays the text out
        plain = text.toPlainText()
        lines = []
        block = text.begin()
        while block.isValid():
            layout = block.layout()
            for i in range(layout.lineCount()):
                line = layout.lineAt(i)
                start = block.position() + line.textStart()
                lines.append(plain[start : start + line.textLength()])
            block = block.next()
        wrapped += len(lines) > 1
        terms = re.split(r"\s[−=]\s", plain.split("■")[0].strip())
        assert [t.split(" $")[0] for t in terms] == [
            "value of correct",
            "cost of wrong",
            "value added",
        ]
        for term in terms:
            assert any(term in line for line in lines), (width, term, lines)
    assert wrapped > 10  # most of these widths are narrower than the legend
