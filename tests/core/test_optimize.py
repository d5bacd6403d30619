from __future__ import annotations

import numpy as np
import pytest

from prototyper import assets
from prototyper.core.evaluation.engine import evaluate, outcome_masses
from prototyper.core.evaluation.figures import FIGURES, figure_rows, figures_of
from prototyper.core.evaluation.optimize import (
    Cancelled,
    Design,
    optimize,
    optimum_document,
    optimum_text,
    parse_constraint,
)
from prototyper.core.model.scores import EmpiricalScores, preset_scores
from prototyper.core.preset.preset_io import (
    PresetError,
    load_preset,
    loads_preset,
    parse_assignment,
    with_values,
)
from prototyper.core.preset.schema import ACTIVE_MODES, MODES, SyntheticModel

# One threshold: prompt above it, silent below; every user acts on a prompt and nobody acts
# unprompted, no caps, no habituation, no trust effects, no attention cost. So each row of
# the evaluation set is worth exactly one of four amounts: a utility per TP, FN, FP, TN.
TP, FN, FP, TN = 97.3, -51.7, -19.1, 0.37
UTILITY_PRESET = f"""\
schema_version: 2
scenario:
  name: Utility
  users: 1
  events_per_user_per_day: 1
  base_rate: 0.5
model: {{source: synthetic, auc: 0.8}}
experience:
  bands:
    - {{threshold: 0.5, mode: prompt}}
    - {{threshold: 0.0, mode: none}}
response:
  modes:
    prompt:
      act_if_positive: {{low: 1.0, high: 1.0}}
      act_if_negative: {{low: 1.0, high: 1.0}}
      habituation: 0.0
  unprompted: {{positive: 0.0, negative: 0.0}}
  trust_matching: 0.0
payoffs:
  value_of_time_per_hour: {{user: 0, operator: 0, business: 0}}
  positive_acted: [{{stakeholder: user, amount: {TP}}}]
  positive_missed: [{{stakeholder: user, amount: {FN}}}]
  negative_acted: [{{stakeholder: user, amount: {FP}}}]
  negative_ignored: [{{stakeholder: user, amount: {TN}}}]
  attention:
    prompt: {{minutes_low: 0, minutes_high: 0}}
"""


def _utility_case(seed: int = 3, n: int = 400):
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < 0.3
    scores = np.round(np.clip(rng.normal(0.35 + 0.25 * labels, 0.15), 0.001, 0.999), 3)
    preset = with_values(loads_preset(UTILITY_PRESET), {"scenario.base_rate": float(labels.mean())})
    return preset, labels, scores, EmpiricalScores(labels, scores)


def _utility(y_true, y_pred) -> float:
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    return float(
        np.mean(np.select([y_true & y_pred, y_true & ~y_pred, ~y_true & y_pred], [TP, FN, FP], TN))
    )


def test_one_threshold_is_exact_over_every_distinct_score():
    preset, _, scores, emp = _utility_case()
    opt = optimize(preset, emp, vary=["thresholds"])
    assert opt.exhaustive
    distinct = np.unique(scores)
    values = [
        evaluate(with_values(preset, {"experience.bands[0].threshold": float(t)}), emp)
        for t in distinct
    ]
    added = np.array([e.added_per_population_day for e in values])
    assert opt.best is not None
    assert opt.best.design.thresholds[0] == distinct[int(np.argmax(added))]
    assert opt.best.figures["value_added"] == pytest.approx(added.max(), rel=1e-12)


def test_one_threshold_agrees_with_sklearn_tuned_threshold():
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import TunedThresholdClassifierCV

    class Scores(ClassifierMixin, BaseEstimator):
        """An already 'trained' model whose probability is the one feature: the score."""

        def fit(self, X, y):
            self.classes_ = np.array([False, True])
            return self

        def predict_proba(self, X):
            s = np.asarray(X, dtype=float)[:, 0]
            return np.column_stack([1 - s, s])

    preset, labels, scores, emp = _utility_case()
    X = scores[:, None]
    tuned = TunedThresholdClassifierCV(
        Scores().fit(X, labels),
        scoring=make_scorer(_utility),
        thresholds=np.unique(scores),
        cv="prefit",
        refit=False,
    ).fit(X, labels)
    opt = optimize(preset, emp, vary=["thresholds"])
    assert opt.best is not None
    assert opt.best.design.thresholds[0] == pytest.approx(tuned.best_threshold_, abs=0)
    net = evaluate(opt.applied(), emp).net_per_event  # users 1, one event a day: per row
    assert net == pytest.approx(tuned.best_score_, rel=1e-9)


def _bundled_synthetic():
    for path in assets.bundled_presets():
        preset = load_preset(path)
        if isinstance(preset.model, SyntheticModel):
            yield path.stem, preset


@pytest.mark.parametrize("name, preset", list(_bundled_synthetic()))
def test_batch_figures_equal_the_evaluations(name, preset):
    wanted = [
        "value_added",
        "value_added[user]",
        "value_added[operator]",
        "interruptions_per_user_year",
        "harms_avoided_per_user_year",
        "false_alarms_per_user_day",
        "user_minutes_per_day",
        *(f"precision[{m}]" for m in FIGURES["precision"].keys),
    ]
    scores = preset_scores(preset)
    other = with_values(preset, {"experience.bands[0].threshold": 0.3})
    rates = [scores.rates_at(np.array(p.experience.thresholds())) for p in (preset, other)]
    # two designs that differ in the top threshold, as one batch of two rows
    tpr = [np.array([a, b]) for a, b in zip(rates[0][0], rates[1][0], strict=True)]
    fpr = [np.array([a, b]) for a, b in zip(rates[0][1], rates[1][1], strict=True)]
    rows = figure_rows(preset, outcome_masses(preset, tpr, fpr), wanted)
    for i, p in enumerate((preset, other)):
        one = figures_of(evaluate(p), wanted)
        for figure in wanted:
            assert rows[figure][i] == pytest.approx(one[figure], rel=1e-9, abs=1e-12, nan_ok=True)


def _preset(name):
    return load_preset(next(p for p in assets.bundled_presets() if p.stem == name))


def test_the_best_is_what_its_values_give_when_set_and_beats_the_current_design():
    preset = _preset("safe_browsing")
    opt = optimize(preset)
    assert opt.best is not None
    assert opt.best.figures["value_added"] >= opt.current.figures["value_added"]
    lines = optimum_document(opt)["best"]["set"]
    assert lines and all(line.startswith("experience.") for line in lines)
    again = evaluate(with_values(preset, dict(parse_assignment(s) for s in lines)))
    assert again.added_per_population_day == pytest.approx(opt.best.figures["value_added"])
    # the unconstrained best is the top end of both fronts
    for points in opt.fronts.values():
        assert max(c.figures["value_added"] for c in points) == opt.best.figures["value_added"]


def test_constraints_are_met_and_a_binding_one_is_named():
    preset = _preset("fall_detection")
    free = optimize(preset)
    assert free.best is not None
    bound = free.best.figures["interruptions_per_user_year"] / 2
    c = parse_constraint(f"interruptions_per_user_year<={bound}")
    opt = optimize(preset, constraints=[c], vary=["thresholds", "modes", "forcefulness", "caps"])
    assert opt.best is not None
    assert opt.best.figures["interruptions_per_user_year"] <= bound
    assert opt.best.figures["value_added"] <= free.best.figures["value_added"]
    assert opt.binding == (c,)
    loose = parse_constraint("interruptions_per_user_year<=1e9")
    assert optimize(preset, constraints=[loose]).binding == ()
    for points in opt.fronts.values():
        assert all(p.figures["interruptions_per_user_year"] <= bound for p in points)


def test_pareto_fronts_are_non_dominated_and_labelled():
    opt = optimize(_preset("fall_detection"))
    points = opt.fronts["interruptions_per_user_year"]
    x = np.array([p.figures["interruptions_per_user_year"] for p in points])
    y = np.array([p.figures["value_added"] for p in points])
    assert len(points) > 3
    assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) > 0)  # more value costs more
    harms = opt.fronts["harms_avoided_per_user_year"]
    h = np.array([p.figures["harms_avoided_per_user_year"] for p in harms])
    v = np.array([p.figures["value_added"] for p in harms])
    assert np.all(np.diff(h) >= 0) and np.all(np.diff(v) < 0)
    assert all("≥" in p.design.label(opt.preset) for p in points[1:])


def test_no_feasible_design_is_reported_with_the_closest():
    opt = optimize(_preset("fall_detection"), constraints=[parse_constraint("value_added>=1e15")])
    assert opt.best is None and opt.binding == ()
    assert opt.closest.figures["value_added"] < 1e15
    assert "no design found meets the constraints" in optimum_text(opt)
    assert optimum_document(opt)["feasible"] is False


@pytest.mark.parametrize(
    "text, expected",
    [
        ("profit>=1", "unknown figure; expected one of value_added, value_added[user"),
        ("precision>=0.9", "unknown or missing key for precision"),
        ("precision[none]>=0.9", "unknown or missing key for precision"),
        ("value_added[bank]>=0", "unknown or missing key for value_added"),
        ("interruptions_per_user_year<4", "expected NAME<=X, NAME>=X or NAME[KEY]>=X"),
        ("interruptions_per_user_year<=nan", "expected a finite number"),
    ],
)
def test_a_bad_constraint_is_one_clear_line(text, expected):
    with pytest.raises(PresetError) as err:
        parse_constraint(text)
    assert len(err.value.problems) == 1
    assert expected in str(err.value.problems[0])
    assert str(err.value.problems[0]).startswith("--constraint: ")


def test_keyed_constraints_parse():
    c = parse_constraint(" precision[automate] >= 0.95 ")
    assert (c.figure, c.op, c.bound) == ("precision[automate]", ">=", 0.95)
    assert parse_constraint("value_added[operator]>=-5").figure == "value_added[operator]"
    mode = MODES[1]
    assert parse_constraint(f"precision[{mode}]<=1").figure == f"precision[{mode}]"


def test_progress_and_cancel():
    seen: list[float] = []
    optimize(_preset("fall_detection"), progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        optimize(_preset("fall_detection"), cancelled=lambda: True)


def test_parallel_chunks_give_the_same_result(tmp_path, monkeypatch):
    monkeypatch.setenv("JOBLIB_TEMP_FOLDER", str(tmp_path))  # any memory map goes here
    preset = _preset("fall_detection")
    one, two = optimize(preset), optimize(preset, n_jobs=2)
    assert one.best is not None and two.best is not None
    assert two.best.design == one.best.design
    assert two.best.figures == one.best.figures
    assert two.evaluated == one.evaluated


def test_large_batches_are_sliced_with_the_same_result(monkeypatch):
    from prototyper.core.evaluation import optimize_search

    preset, _, _, emp = _utility_case()
    whole = optimize(preset, emp, vary=["thresholds", "modes"])
    monkeypatch.setattr(optimize_search, "MAX_BATCH", 50)
    sliced = optimize(preset, emp, vary=["thresholds", "modes"])
    assert sliced.best == whole.best
    assert sliced.evaluated == whole.evaluated
    assert [c.design for c in sliced.fronts["interruptions_per_user_year"]] == [
        c.design for c in whole.fronts["interruptions_per_user_year"]
    ]


def test_cancel_is_heard_within_one_batch():
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(Cancelled):
        optimize(_preset("safe_browsing"), cancelled=cancelled)
    assert len(asked) == 4  # stopped at the first question answered yes


def test_a_design_label_says_adjacent_bands_of_one_mode_as_one():
    preset = _preset("safe_browsing")
    settings = Design.of(preset).settings
    same = Design((0.9, 0.4, 0.0), ("automate", "automate", "none"), settings)
    assert same.label(preset) == "automate ≥0.4"
    two = Design((0.91, 0.4, 0.0), ("automate", "prompt", "none"), settings)
    assert two.label(preset) == "automate ≥0.91 · prompt ≥0.4"
    quiet = Design((0.5, 0.0), ("none", "none"), settings)
    assert quiet.label(preset) == "all silent"
    capped = list(settings)
    capped[1] = (settings[1][0], 2)  # the second active mode gets a cap of 2
    mode = ACTIVE_MODES[1]
    one = Design((0.3, 0.0), (mode, "none"), tuple(capped))
    assert one.label(preset) == f"{mode} ≥0.3 (cap 2)"
