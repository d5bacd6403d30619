"""Real model sources: scikit-learn estimators (skops), score files, trust, bundles and the
bundled scenario models. Small models are trained here; the shipped ones are reused."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from prototyper.assets import asset_dir, preset_path
from prototyper.core.bundle import load_bundle, pack
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.sweep import sweep
from prototyper.core.model import model_build, model_sources, trust_check
from prototyper.core.model.calibration import platt
from prototyper.core.model.metrics import model_metrics
from prototyper.core.model.model_paths import model_files, origin_of
from prototyper.core.model.model_sources import load_scores, score_model
from prototyper.core.model.trust import remembered
from prototyper.core.model.trust_check import (
    PickleConsent,
    UntrustedTypes,
    check_trust,
    remember_trust,
)
from prototyper.core.preset.preset_io import PresetError, dumps_preset, load_preset, loads_preset
from prototyper.core.preset.schema import ScoreFileModel, SklearnModel, SyntheticModel

from .small_preset import SMALL

REPO = Path(__file__).resolve().parents[2]
SYNTHETIC_LINE = "model: {source: synthetic, auc: 0.8}\n"


# --- helpers (also used by tests/cli/test_model_cli.py) -----------------------------------


def preset_text(model_yaml: str, base_rate: float = 0.1) -> str:
    """SMALL with its model section replaced (bands at 0.5 automate, 0.2 prompt)."""
    assert SYNTHETIC_LINE in SMALL
    text = SMALL.replace(SYNTHETIC_LINE, model_yaml.rstrip("\n") + "\n")
    return text.replace("base_rate: 0.1\n", f"base_rate: {base_rate}\n")


def write_rows(path: Path, header: list[str], rows) -> Path:
    lines = [",".join(header)] + [",".join(str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def score_data(n: int = 3000, base_rate: float = 0.3, seed: int = 1):
    rng = np.random.default_rng(seed)
    y = np.zeros(n, dtype=bool)
    y[: int(n * base_rate)] = True
    y = rng.permutation(y)
    s = 1 / (1 + np.exp(-(rng.normal(0, 1.3, n) + 2.2 * y - 1.2)))
    s = np.round(s, 4)  # ties, as real exported scores have
    w = rng.choice([0.5, 1.0, 2.0], n)
    g = rng.choice(["north", "south", "west"], n)
    return y, s, w, g


def write_score_file(folder: Path, n: int = 3000, base_rate: float = 0.3) -> Path:
    y, s, w, g = score_data(n, base_rate)
    rows = zip(y.astype(int), s, w, g, strict=True)
    return write_rows(folder / "scores.csv", ["label", "score", "weight", "region"], rows)


SCORE_MODEL = """model:
  source: score_file
  path: scores.csv
  label_column: label
  score_column: score
  weight_column: null
  group_column: null
"""


def features(n: int = 600, seed: int = 3):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    X = rng.normal(size=(n, 3)) + np.array([1.0, 0.5, 0.0]) * y[:, None]
    return np.round(X, 6), y


def write_eval(folder: Path, name: str = "eval.csv", n: int = 600) -> Path:
    X, y = features(n)
    rows = [[*map(repr, map(float, x)), int(v)] for x, v in zip(X, y, strict=True)]
    return write_rows(folder / name, ["a", "b", "c", "label"], rows)


def save_skops(estimator, path: Path) -> Path:
    import skops.io as sio

    X, y = features()
    sio.dump(estimator.fit(X, y.astype(int)), path)
    return path


def sklearn_model_yaml(model: str = "model.skops", trusted: str = "[]", extra: str = "") -> str:
    return f"""model:
  source: sklearn
  model: {model}
  data: eval.csv
  label_column: label
  feature_columns: []
  weight_column: null
  group_column: null
  trusted_types: {trusted}
  allow_pickle: false
{extra}"""


@pytest.fixture(scope="module")
def lr_folder(tmp_path_factory) -> Path:
    from sklearn.linear_model import LogisticRegression

    folder = tmp_path_factory.mktemp("lr")
    save_skops(LogisticRegression(), folder / "model.skops")
    write_eval(folder)
    return folder


@pytest.fixture(scope="module")
def tree_folder(tmp_path_factory) -> Path:
    from sklearn.tree import DecisionTreeClassifier

    folder = tmp_path_factory.mktemp("tree")
    save_skops(DecisionTreeClassifier(max_depth=3, random_state=0), folder / "model.skops")
    write_eval(folder)
    return folder


@pytest.fixture(autouse=True)
def _fresh_cache():
    model_sources.clear_cache()
    yield
    model_sources.clear_cache()


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- the schema ---------------------------------------------------------------------------


def test_model_sections_are_told_apart_by_source():
    p = loads_preset(preset_text(sklearn_model_yaml()))
    assert isinstance(p.model, SklearnModel) and p.model.model == "model.skops"
    assert isinstance(loads_preset(preset_text(SCORE_MODEL)).model, ScoreFileModel)
    # a model section without a source is synthetic, as before
    assert isinstance(loads_preset(SMALL.replace("source: synthetic, ", "")).model, SyntheticModel)
    with pytest.raises(PresetError) as info:
        loads_preset(SMALL.replace("source: synthetic", "source: sklern"), "p.yaml")
    assert [str(p) for p in info.value.problems] == [
        "p.yaml:7: model.source: must be one of synthetic, sklearn, score_file, got 'sklern' "
        "(did you mean 'sklearn'?)"
    ]


def test_model_section_problems_name_field_and_line():
    text = preset_text(sklearn_model_yaml(model="model.h5", trusted="[eval]")).replace(
        "  weight_column: null\n  group_column: null\n",
        "  weight_column: label\n  group_column: null\n  colour: red\n",
    )
    with pytest.raises(PresetError) as info:
        loads_preset(text, "p.yaml")
    assert [str(p) for p in info.value.problems] == [
        "p.yaml:15: model.colour: unknown key 'colour'; expected one of source, model, data, "
        "label_column, feature_columns, weight_column, group_column, trusted_types, allow_pickle, "
        "measured_auc",
        "p.yaml:9: model.model: must be a .skops file (or a .pkl or .joblib pickle), got "
        "'model.h5'",
        "p.yaml:13: model.weight_column: is the same column as label_column ('label')",
        "p.yaml:16: model.trusted_types[0]: expected a dotted type name like "
        "sklearn.tree._tree.Tree, got 'eval'",
    ]


def test_real_model_presets_round_trip_and_hash():
    for section in (sklearn_model_yaml(trusted="[sklearn.tree._tree.Tree]"), SCORE_MODEL):
        preset = loads_preset(preset_text(section))
        assert loads_preset(dumps_preset(preset)) == preset
        assert hash(preset.model) == hash(loads_preset(dumps_preset(preset)).model)


# --- score files --------------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_score_file_operating_points_match_sklearn_roc_curve(tmp_path, weighted):
    """On the raw scores as loaded (the engine's calibrated ones are tested below)."""
    from sklearn.metrics import roc_auc_score, roc_curve

    write_score_file(tmp_path)
    model = ScoreFileModel(path="scores.csv", weight_column="weight" if weighted else None)
    raw = load_scores(model, tmp_path).scores
    y, s, w, _ = score_data()
    weights = w if weighted else None
    fpr, tpr, thresholds = roc_curve(y, s, sample_weight=weights, drop_intermediate=False)
    ours_t, ours_tpr, ours_fpr = raw.curve()
    np.testing.assert_array_equal(ours_t, thresholds[1:])  # sklearn adds (inf, 0, 0) first
    np.testing.assert_allclose(ours_tpr, tpr[1:], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours_fpr, fpr[1:], rtol=0, atol=1e-12)
    # and at arbitrary thresholds, including between and beyond the scores
    for t in (0.0, 0.05, 0.31415, 0.5, 0.9, 1.0):
        at = s >= t
        ww = np.ones(len(s)) if weights is None else weights
        want_tpr = ww[at & y].sum() / ww[y].sum()
        want_fpr = ww[at & ~y].sum() / ww[~y].sum()
        got_tpr, got_fpr = raw.rates_at(np.array([t]))
        assert got_tpr[0] == pytest.approx(want_tpr, abs=1e-12)
        assert got_fpr[0] == pytest.approx(want_fpr, abs=1e-12)
    assert raw.roc_auc() == pytest.approx(roc_auc_score(y, s, sample_weight=weights), abs=1e-12)
    assert raw.n == 3000


def test_prior_shift_engine_precision_matches_hand_computation(tmp_path):
    write_score_file(tmp_path, base_rate=0.3)
    path = tmp_path / "p.yaml"
    path.write_text(preset_text(SCORE_MODEL, base_rate=0.01))
    preset = load_preset(path)
    loaded = load_scores(preset.model, tmp_path)
    assert loaded.eval_base_rate == pytest.approx(0.3)
    e = evaluate(preset, loaded)
    y, s, _, _ = score_data()
    # the design's thresholds (0.5, 0.2) are calibrated at the scenario's 1%; the engine's
    # rates are the raw scores' at the raw score each one stands for
    raw = loaded.at_base_rate(0.01).raw_at(np.array([0.5, 0.2]))
    for i, r in enumerate(raw):
        tpr, fpr = (s[y] >= r).mean(), (s[~y] >= r).mean()  # NaN (none that high): 0, 0
        assert e.tpr[i] == pytest.approx(tpr) and e.fpr[i] == pytest.approx(fpr)
    lower = loaded.at_base_rate(0.01).raw_at(np.array([0.05]))[0]
    tpr, fpr = (s[y] >= lower).mean(), (s[~y] >= lower).mean()
    e = evaluate(dataclasses.replace(preset, experience=_one_band(preset, 0.05)), loaded)
    assert e.precision_at[0] == pytest.approx(0.01 * tpr / (0.01 * tpr + 0.99 * fpr))
    assert e.precision_at[0] < (s[y] >= lower).sum() / (s >= lower).sum() / 5  # eval's precision
    m = model_metrics(loaded, 0.01).to_dict()
    assert m["eval_base_rate"] == pytest.approx(0.3) and m["scenario_base_rate"] == 0.01
    assert m["reweighted_to_scenario_base_rate"] is True


def _one_band(preset, threshold: float):
    from prototyper.core.preset.schema import Band

    bands = (Band(threshold, "prompt"), Band(0.0, "none"))
    return dataclasses.replace(preset.experience, bands=bands)


def test_metrics_match_sklearn_and_numpy(tmp_path):
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(5)
    y = rng.random(4000) < 0.25
    s = rng.beta(2, 5, 4000) * ~y + rng.beta(5, 2, 4000) * y  # continuous: no score on an edge
    g = rng.choice(["a", "b"], 4000)
    rows = zip(y.astype(int), map(repr, map(float, s)), g, strict=True)
    write_rows(tmp_path / "s.csv", ["label", "score", "g"], rows)
    loaded = load_scores(ScoreFileModel(path="s.csv", group_column="g"), tmp_path)
    m = model_metrics(loaded, 0.01)
    c = loaded.fit.calibrated  # reliability and histograms are of the calibrated scores
    prob_true, prob_pred = calibration_curve(y, c, n_bins=10, strategy="uniform")
    filled = m.reliability.count > 0
    np.testing.assert_allclose(m.reliability.observed[filled], prob_true, atol=1e-12)
    np.testing.assert_allclose(m.reliability.mean_score[filled], prob_pred, atol=1e-12)
    assert m.reliability.count.sum() == 4000
    # reweighted to 1%: P(pos | bin) = 0.01*p_bin/P / (0.01*p_bin/P + 0.99*n_bin/N), bins of
    # the scores calibrated at 1%
    c01 = loaded.fit.at(0.01)
    checked = 0
    for b in range(10):
        in_bin = (c01 >= b / 10) & ((c01 < (b + 1) / 10) if b < 9 else (c01 <= 1))
        if in_bin.any():
            a = 0.01 * (in_bin & y).sum() / y.sum()
            n = 0.99 * (in_bin & ~y).sum() / (~y).sum()
            assert m.reliability_at_scenario.observed[b] == pytest.approx(a / (a + n))
            checked += 1
    assert checked >= 2
    pos, _ = np.histogram(c[y], bins=20, range=(0, 1))
    neg, _ = np.histogram(c[~y], bins=20, range=(0, 1))
    np.testing.assert_array_equal(m.histograms.positive, pos)
    np.testing.assert_array_equal(m.histograms.negative, neg)
    assert [(gm.name, gm.size) for gm in m.groups] == [
        ("a", int((g == "a").sum())),
        ("b", int((g == "b").sum())),
    ]
    for gm in m.groups:
        rows = g == gm.name
        assert gm.auc == pytest.approx(roc_auc_score(y[rows], s[rows]), abs=1e-12)
        assert gm.base_rate == pytest.approx(y[rows].mean())
    doc = m.to_dict()
    json.dumps(doc, allow_nan=False)
    assert doc["eval_size"] == 4000 and len(doc["calibration_curve"]) == 10
    assert "group 'a'" in m.text() and "base rate 0.25" in m.text()


@pytest.mark.parametrize("groups", [3, 300, 70_000])
def test_each_rows_group_is_kept_however_many_groups(tmp_path, groups):
    # (one byte a row up to 256 groups, two up to 65,536, four beyond)
    rng = np.random.default_rng(groups)
    n = 80_000
    y = rng.random(n) < 0.3
    s = np.round(rng.random(n), 4)
    g = np.array([f"g{i}" for i in rng.integers(0, groups, n)])
    g[:groups] = [f"g{i}" for i in range(groups)]  # every group has a row
    rows = zip(y.astype(int), s, g, strict=True)
    write_rows(tmp_path / "s.csv", ["label", "score", "g"], rows)
    loaded = load_scores(ScoreFileModel(path="s.csv", group_column="g"), tmp_path)
    assert loaded.groups is not None and len(loaded.groups) == n
    assert list(loaded.groups) == g.tolist()
    names, index = loaded.groups.sorted()
    expected_names, expected_index = np.unique(g, return_inverse=True)
    np.testing.assert_array_equal(names, expected_names)
    np.testing.assert_array_equal(index, expected_index)


def test_a_score_file_needs_no_sklearn_skops_or_scipy_optimize(tmp_path):
    write_score_file(tmp_path)
    (tmp_path / "p.yaml").write_text(preset_text(SCORE_MODEL))
    code = (
        "import sys; from prototyper import cli; "
        f"assert cli.main(['evaluate', {str(tmp_path / 'p.yaml')!r}, '--json']) == 0; "
        "assert cli.main(['evaluate', 'safe_browsing']) == 0; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'skops')]; "
        # nor scipy.optimize: calibrating the scores is numpy's work
        "bad += [m for m in sys.modules if m.startswith('scipy.optimize')]; "
        "assert not bad, bad"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# --- scikit-learn -------------------------------------------------------------------------


def test_sklearn_scores_are_the_estimators_predict_proba(lr_folder):
    import skops.io as sio

    loaded = load_scores(SklearnModel(model="model.skops", data="eval.csv"), lr_folder)
    X, y = features()
    estimator = sio.load(lr_folder / "model.skops")
    np.testing.assert_allclose(loaded.scores.scores, estimator.predict_proba(X)[:, 1], rtol=1e-14)
    np.testing.assert_array_equal(loaded.scores.labels, y)
    assert loaded.score_method == "predict_proba"
    assert loaded.calibration.startswith("isotonic regression, cross-fitted on 5 folds")
    assert loaded.trusted_types == () and loaded.notes == ()
    # explicit feature columns in another order are what the estimator gets
    swapped = SklearnModel(model="model.skops", data="eval.csv", feature_columns=("c", "b", "a"))
    other = load_scores(swapped, lr_folder)
    want = estimator.predict_proba(X[:, ::-1])[:, 1]
    np.testing.assert_allclose(other.scores.scores, want, rtol=1e-14)


def test_decision_function_values_are_the_raw_scores_calibrated_and_flagged(tmp_path):
    import skops.io as sio
    from sklearn.metrics import roc_auc_score
    from sklearn.svm import LinearSVC

    save_skops(LinearSVC(), tmp_path / "svm.skops")
    write_eval(tmp_path)
    loaded = load_scores(SklearnModel(model="svm.skops", data="eval.csv"), tmp_path)
    X, y = features()
    raw = sio.load(tmp_path / "svm.skops").decision_function(X)
    assert loaded.score_method == "decision_function"
    np.testing.assert_allclose(loaded.scores.scores, raw, rtol=1e-14)
    assert any("no predict_proba" in n for n in loaded.notes)
    c = loaded.fit.calibrated
    assert ((c > 0) & (c < 1)).all()
    assert np.all(np.diff(c[np.argsort(raw)]) >= 0)  # monotone: ranking kept
    assert loaded.scores.roc_auc() == pytest.approx(roc_auc_score(y, raw), abs=1e-12)
    m = model_metrics(loaded, 0.1).to_dict()
    assert m["calibrated_from_decision_function"] is True
    assert m["raw_auc"] == pytest.approx(roc_auc_score(y, raw), abs=1e-12)
    assert m["calibration_method"].startswith("isotonic regression")


def test_platt_recovers_a_logistic_relation():
    rng = np.random.default_rng(11)
    v = rng.normal(0, 2, 200_000)
    y = rng.random(len(v)) < 1 / (1 + np.exp(-(1.5 * v - 0.7)))
    a, b = platt(v, y)
    assert a == pytest.approx(1.5, rel=0.02) and b == pytest.approx(-0.7, abs=0.03)
    # separable data does not diverge (smoothed targets)
    a, b = platt(np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0, 0, 1, 1]))
    assert np.isfinite([a, b]).all() and a > 0


def test_text_feature_columns_reach_a_pipeline(tmp_path):
    """The shipped phishing model one-hot encodes a text column (the TLD)."""
    preset = load_preset(preset_path("safe_browsing_model"))
    loaded = load_scores(preset.model, preset_path("safe_browsing_model").parent)
    assert loaded.eval_size == 20_000 and loaded.eval_base_rate == pytest.approx(0.1)
    assert 0.95 < loaded.roc_auc() < 0.99


# --- bad input: one line each, nothing changed --------------------------------------------


def _bad_csv(tmp_path: Path, text: str | bytes) -> tuple[SklearnModel | ScoreFileModel, Path]:
    path = tmp_path / "scores.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return ScoreFileModel(path="scores.csv", weight_column="w"), path


BAD_SCORE_FILES = {
    "no label column": (
        "lbl,score,w\n1,0.5,1\n",
        ":1: model.label_column: no column 'label'; the columns are lbl, score, w",
    ),
    "labels not binary": (
        "label,score,w\n1,0.5,1\n0,0.2,1\n2,0.1,1\n",
        ":4: label: expected a binary label, 1 or 0 (or true or false), got '2'",
    ),
    "NaN score": (
        "label,score,w\n1,0.5,1\n0,nan,1\n",
        ":3: score: must be a finite number, got 'nan'",
    ),
    "score out of range": (
        "label,score,w\n1,1.5,1\n0,0.2,1\n",
        ":2: score: must be a probability between 0 and 1, got 1.5",
    ),
    "text score": (
        "label,score,w\n1,0.5,1\n0,high,1\n",
        ":3: score: expected a number, got 'high'",
    ),
    "empty file": ("", ": the file is empty; expected a header line"),
    "only blank lines": ("\n\n", ": the file is empty; expected a header line"),
    "header only": ("label,score,w\n", ": no rows after the header"),
    "not UTF-8": (
        b"label,score,w\n1,0.5,1\n0,0.2,1 caf\xe9\n",
        ":3: not UTF-8 text (byte 33); save the file as UTF-8 CSV",
    ),
    "a row too short": (
        "label,score,w\n1,0.5,1\n0,0.2\n",
        ":3: expected 3 fields like the header, got 2",
    ),
    "negative weight": (
        "label,score,w\n1,0.5,1\n0,0.2,-1\n",
        ":3: w: weights must be finite and 0 or more, got -1",
    ),
    "one class only": (
        "label,score,w\n1,0.5,1\n1,0.2,1\n",
        ": label: no negative (0) events: all 2 rows are of the other class",
    ),
    "semicolons": (
        "label;score;w\n1;0.5;1\n",
        ":1: model.label_column: no column 'label'; the columns are label;score;w (is it "
        "separated by ';'?",
    ),
}


@pytest.mark.parametrize("case", BAD_SCORE_FILES, ids=list(BAD_SCORE_FILES))
def test_bad_score_files_say_one_line_and_change_nothing(tmp_path, case):
    text, expected = BAD_SCORE_FILES[case]
    model, path = _bad_csv(tmp_path, text)
    before = snapshot(tmp_path)
    with pytest.raises(PresetError) as info:
        load_scores(model, tmp_path)
    (problem,) = info.value.problems
    line = str(problem)
    assert "\n" not in line
    assert line.startswith(str(path) + expected), line
    assert snapshot(tmp_path) == before


def test_missing_file_names_the_resolved_path_at_the_presets_line(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "p.yaml"
    path.write_text(preset_text(sklearn_model_yaml(model="../models/m.skops")))
    preset = load_preset(path)
    with pytest.raises(PresetError) as info:
        load_scores(preset.model, path.parent, origin=origin_of(path))
    assert [str(p) for p in info.value.problems] == [
        f"{path}:9: model.model: no such file: {tmp_path / 'models' / 'm.skops'}",
        f"{path}:10: model.data: no such file: {tmp_path / 'sub' / 'eval.csv'}",
    ]


def _bad_model(folder: Path, kind: str) -> SklearnModel:
    write_eval(folder)
    target = folder / "model.skops"
    good = REPO / "models" / "fall_detection" / "model.skops"
    if kind == "no predict_proba or decision_function":
        from sklearn.linear_model import LinearRegression

        save_skops(LinearRegression(), target)
    elif kind == "feature columns do not match":
        from sklearn.linear_model import LogisticRegression

        save_skops(LogisticRegression(), target)
        write_rows(folder / "eval.csv", ["a", "b", "label"], [[0.1, 0.2, 1], [0.3, 0.1, 0]])
    elif kind == "named feature missing":
        from sklearn.linear_model import LogisticRegression

        save_skops(LogisticRegression(), target)
        return SklearnModel(model="model.skops", data="eval.csv", feature_columns=("a", "z", "c"))
    elif kind == "corrupt":
        target.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    elif kind == "truncated":
        target.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "not a zip":
        target.write_bytes(b"hello, I am not a model")
    elif kind == "a pickle named .skops":
        target.write_bytes(pickle.dumps({"x": 1}))
    elif kind == "regressor with classes":
        from sklearn.linear_model import LogisticRegression

        X, y = features()
        import skops.io as sio

        sio.dump(LogisticRegression().fit(X, np.where(y, 2, 7)), target)
    return SklearnModel(model="model.skops", data="eval.csv")


BAD_MODELS = {
    "no predict_proba or decision_function": (
        "model.skops: model.model: the LinearRegression has neither predict_proba nor "
        "decision_function"
    ),
    "feature columns do not match": (
        "eval.csv:1: model.feature_columns: the estimator expects 3 features, the file gives 2"
    ),
    "named feature missing": "eval.csv:1: model.feature_columns: no column 'z'",
    "corrupt": "model.skops: model.model: not a readable skops file (corrupt or truncated?)",
    "truncated": "model.skops: model.model: not a readable skops file (corrupt or truncated?)",
    "not a zip": "model.skops: model.model: not a readable skops file (corrupt or truncated?)",
    "a pickle named .skops": "model.skops: model.model: looks like a pickle saved under a .skops",
    "regressor with classes": "model.skops: model.model: the LogisticRegression has classes [2, 7]",
}


@pytest.mark.parametrize("kind", BAD_MODELS, ids=list(BAD_MODELS))
def test_bad_models_say_one_line_and_change_nothing(tmp_path, kind):
    model = _bad_model(tmp_path, kind)
    before = snapshot(tmp_path)
    with pytest.raises(PresetError) as info:
        load_scores(model, tmp_path, trust=("sklearn.tree._tree.Tree",))
    (problem,) = info.value.problems
    assert "\n" not in str(problem)
    assert str(problem).startswith(f"{tmp_path}/{BAD_MODELS[kind]}"), str(problem)
    assert snapshot(tmp_path) == before


# --- trust --------------------------------------------------------------------------------


def test_untrusted_types_are_refused_until_trusted(tree_folder):
    model = SklearnModel(model="model.skops", data="eval.csv")
    check = check_trust(model, tree_folder)
    assert check.untrusted == ("sklearn.tree._tree.Tree",) and check.needed == check.untrusted
    assert not check.ok
    with pytest.raises(UntrustedTypes) as info:
        load_scores(model, tree_folder)
    assert info.value.types == ("sklearn.tree._tree.Tree",)
    (problem,) = info.value.problems
    assert str(problem) == (
        f"{tree_folder / 'model.skops'}: model.trusted_types: the file holds types that are "
        "not trusted on this computer: sklearn.tree._tree.Tree; if you trust where the file "
        "came from, pass --trust sklearn.tree._tree.Tree (remembered for this file)"
    )
    by_user = load_scores(model, tree_folder, trust=info.value.types)
    # the tree is on the allowlist: a preset that requests it gets it without asking
    requested = dataclasses.replace(model, trusted_types=info.value.types)
    by_preset = load_scores(requested, tree_folder)
    assert by_user.trusted_types == by_preset.trusted_types == ("sklearn.tree._tree.Tree",)
    np.testing.assert_array_equal(by_user.scores.scores, by_preset.scores.scores)
    assert check_trust(requested, tree_folder).ok
    assert not check_trust(model, tree_folder).ok  # nothing was remembered on the way


@pytest.fixture
def abs_folder(tmp_path) -> Path:
    """A pipeline calling builtins.abs (a builtin: not on the allowlist)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    save_skops(make_pipeline(FunctionTransformer(abs), LogisticRegression()), tmp_path / "m.skops")
    write_eval(tmp_path)
    return tmp_path


def test_a_preset_only_requests_types_outside_the_allowlist(abs_folder):
    model = SklearnModel(model="m.skops", data="eval.csv", trusted_types=("builtins.abs",))
    with pytest.raises(UntrustedTypes) as info:
        load_scores(model, abs_folder)
    assert info.value.types == ("builtins.abs",)
    (problem,) = info.value.problems
    text = str(problem)
    assert "\n" not in text
    assert "not trusted on this computer: builtins.abs (can run code on this computer)" in text
    assert "the preset asks to trust builtins.abs, but a preset can only request types" in text
    assert check_trust(model, abs_folder).refused == ("builtins.abs",)
    assert load_scores(model, abs_folder, trust=("builtins.abs",)).eval_size == 600


def test_a_type_the_schema_check_missed_is_refused_by_the_load_and_asked(abs_folder, monkeypatch):
    # The quick check reads the file's types from its schema and the load trusts only
    # those; were it ever to list fewer than skops finds, skops refuses the file as it
    # loads and the full check asks for the type, as it always did.
    monkeypatch.setattr(trust_check, "audit", lambda schema: ((), "Pipeline"))
    model = SklearnModel(model="m.skops", data="eval.csv")
    with pytest.raises(UntrustedTypes) as info:
        load_scores(model, abs_folder, cache=model_sources.ModelCache())
    assert info.value.types == ("builtins.abs",)
    loaded = load_scores(
        model, abs_folder, trust=("builtins.abs",), cache=model_sources.ModelCache()
    )
    assert loaded.trusted_types == ("builtins.abs",)


def test_consent_is_remembered_by_the_files_contents(abs_folder, tmp_path_factory):
    model = SklearnModel(model="m.skops", data="eval.csv")
    assert check_trust(model, abs_folder).needed == ("builtins.abs",)
    check = remember_trust(model, abs_folder, trust=("builtins.abs", "not.in.the.File"))
    assert check.ok and len(check.digest) == 64
    assert remembered(check.digest) == {"builtins.abs"}  # only what the file holds
    again = check_trust(model, abs_folder)  # no trust passed: remembered
    assert again.ok and again.digest == check.digest
    assert load_scores(model, abs_folder).trusted_types == ("builtins.abs",)
    # the same bytes elsewhere are the same file; other bytes are another file
    other = tmp_path_factory.mktemp("other")
    (other / "m.skops").write_bytes((abs_folder / "m.skops").read_bytes())
    write_eval(other)
    assert check_trust(model, other).ok
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    pipe = make_pipeline(FunctionTransformer(abs), LogisticRegression(C=0.5))
    save_skops(pipe, other / "m.skops")
    assert check_trust(model, other).needed == ("builtins.abs",)
    with pytest.raises(UntrustedTypes):
        load_scores(model, other)


@pytest.mark.parametrize("suffix", [".pkl", ".joblib"])
def test_pickles_need_consent_every_time(tmp_path, suffix):
    import joblib
    from sklearn.linear_model import LogisticRegression

    X, y = features()
    estimator = LogisticRegression().fit(X, y.astype(int))
    path = tmp_path / f"model{suffix}"
    if suffix == ".pkl":
        path.write_bytes(pickle.dumps(estimator))
    else:
        joblib.dump(estimator, path)
    write_eval(tmp_path)
    model = SklearnModel(model=path.name, data="eval.csv")
    for m in (model, SklearnModel(model=path.name, data="eval.csv", allow_pickle=True)):
        with pytest.raises(PickleConsent) as info:
            load_scores(m, tmp_path)
        (problem,) = info.value.problems
        assert "is a pickle, which can run any code" in str(problem)
        assert "--trust-pickle" in str(problem)
        assert check_trust(m, tmp_path).pickle
    loaded = load_scores(model, tmp_path, allow_pickle=True)
    np.testing.assert_allclose(loaded.scores.scores, estimator.predict_proba(X)[:, 1], rtol=1e-14)


def test_loads_are_cached_until_a_file_changes(lr_folder, tmp_path):
    model = SklearnModel(model="model.skops", data="eval.csv")
    first = load_scores(model, lr_folder)
    assert load_scores(model, lr_folder) is first
    assert load_scores(model, lr_folder, trust=("x.Y",)) is not first  # other consent
    (tmp_path / "model.skops").write_bytes((lr_folder / "model.skops").read_bytes())
    write_eval(tmp_path)
    copy = load_scores(model, tmp_path)
    assert copy is not first
    write_eval(tmp_path, n=300)
    assert load_scores(model, tmp_path).eval_size == 300


def test_a_cache_passed_in_is_separate_and_keeps_the_most_recently_used(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        write_score_file(tmp_path / name)
    model = ScoreFileModel(path="scores.csv")
    cache = model_sources.ModelCache(size=2)
    a = load_scores(model, tmp_path / "a", cache=cache)
    assert load_scores(model, tmp_path / "a") is not a  # the default cache is another
    b = cache.load(model, tmp_path / "b")
    assert cache.load(model, tmp_path / "a") is a  # a is now the most recent
    cache.load(model, tmp_path / "c")  # evicts b, the least recently used
    assert len(cache) == 2
    assert cache.load(model, tmp_path / "a") is a
    assert cache.load(model, tmp_path / "b") is not b
    cache.clear()
    assert len(cache) == 0 and load_scores(model, tmp_path / "a", cache=cache) is not a


def test_a_cache_says_whether_a_load_would_read_any_file(tmp_path):
    model = ScoreFileModel(path="scores.csv")
    cache = model_sources.ModelCache()
    assert cache.holds(SyntheticModel(auc=0.8))  # nothing to read
    assert not cache.holds(model, tmp_path)  # no such file yet
    write_score_file(tmp_path)
    assert not cache.holds(model, tmp_path)
    cache.load(model, tmp_path)
    assert cache.holds(model, tmp_path)
    assert not cache.holds(model, tmp_path, allow_pickle=True)  # another consent
    path = tmp_path / "scores.csv"
    later = path.stat().st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(later, later))
    assert not cache.holds(model, tmp_path)  # changed on disk: read again


def test_measurement_notes_flag_zero_observed_events(tmp_path):
    write_score_file(tmp_path)
    loaded = load_scores(ScoreFileModel(path="scores.csv"), tmp_path)
    notes = model_metrics(loaded, 0.3, thresholds=(0.9999, 0.5, 0.0)).notes
    assert len(notes) == 2  # 0.9999: no negative and no positive above it
    assert "none of the evaluation set's 2,100 negative events" in notes[0]
    assert "3/2,100 = 0.0014" in notes[0]


# --- bundles ------------------------------------------------------------------------------


def test_bundle_round_trip(tmp_path):
    source = preset_path("fall_detection_model")
    out = tmp_path / "fall.zip"
    members = pack(source, out)
    assert members == [
        "preset.yaml",
        "data/eval.csv",
        "model/MODEL_CARD.md",
        "model/model.skops",
    ]
    first = out.read_bytes()
    pack(source, out)
    assert out.read_bytes() == first  # reproducible
    text = zipfile.ZipFile(out).read("preset.yaml").decode()
    assert "  model: model/model.skops\n  data: data/eval.csv\n" in text
    assert "# skops does not trust tree internals by default" in text  # comments kept
    original = load_preset(source)
    with load_bundle(out) as bundle:
        folder = bundle.directory
        assert bundle.preset.model.model == "model/model.skops"
        assert bundle.preset.experience == original.experience
        loaded = load_scores(bundle.preset.model, bundle.directory)
        again = load_scores(original.model, source.parent)
        np.testing.assert_array_equal(loaded.scores.scores, again.scores.scores)
        e1, e2 = evaluate(bundle.preset, loaded), evaluate(original, again)
        assert e1.net_per_event == e2.net_per_event
    assert not folder.exists()


def _zip(path: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = 0o120777 << 16
            zf.writestr(info, "/etc/passwd")
    return path


UNSAFE = {
    "traversal": ({"preset.yaml": b"x", "../evil.txt": b"x"}, None, "points outside the bundle"),
    "absolute": ({"preset.yaml": b"x", "/tmp/evil.txt": b"x"}, None, "points outside the bundle"),
    "link": ({"preset.yaml": b"x"}, "data/link.csv", "it is a link"),
    "no preset": ({"model.skops": b"x"}, None, "not a prototyper bundle: no preset.yaml"),
    "outside paths": (None, None, "model.data: a bundle's files must be inside it"),
    "not a zip": (b"not a zip at all", None, "not a readable zip archive"),
}


@pytest.mark.parametrize("case", UNSAFE, ids=list(UNSAFE))
def test_unsafe_bundles_are_refused_and_leave_nothing(tmp_path, monkeypatch, case):
    members, link, message = UNSAFE[case]
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    archive = tmp_path / "b.zip"
    if members is None:
        text = preset_text(sklearn_model_yaml()).replace("data: eval.csv", "data: ../eval.csv")
        _zip(archive, {"preset.yaml": text.encode()})
    elif isinstance(members, bytes):
        archive.write_bytes(members)
    else:
        _zip(archive, members, link)
    with pytest.raises(PresetError) as info:
        load_bundle(archive)
    (problem,) = info.value.problems
    assert str(problem).startswith(str(archive)) and message in str(problem), str(problem)
    assert list(temp.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


# --- the bundled models -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["safe_browsing_model", "fall_detection_model"])
def test_shipped_model_presets_trust_exactly_what_their_models_need(name):
    import skops.io as sio

    path = preset_path(name)
    preset = load_preset(path)
    check = check_trust(preset.model, path.parent)
    assert check.ok and not check.pickle
    assert set(preset.model.trusted_types) == set(sio.get_untrusted_types(file=check.path))
    for f in model_files(preset.model).values():
        assert (path.parent / f).stat().st_size < 1_000_000


def test_models_rebuild_deterministically(tmp_path):
    shipped = asset_dir("models")
    card = (shipped / "fall_detection" / "MODEL_CARD.md").read_text()
    same_versions = all(f"{k} {v}" in card for k, v in model_build.versions().items())
    results = model_build.build(tmp_path)
    import skops.io as sio

    for r in results:
        spec = model_build.SPECS[r.name]
        new, old = tmp_path / r.name, shipped / r.name
        assert (new / "eval.csv").read_bytes() == (old / "eval.csv").read_bytes()
        if same_versions:  # bit for bit
            for f in ("model.skops", "MODEL_CARD.md"):
                assert (new / f).read_bytes() == (old / f).read_bytes(), f
        trusted = list(r.untrusted_types)
        rebuilt = sio.load(new / "model.skops", trusted=trusted)
        original = sio.load(old / "model.skops", trusted=trusted)
        _, cols, _ = model_build.dataset(spec, 1)
        X = model_build._matrix(spec, cols)
        np.testing.assert_allclose(
            rebuilt.predict_proba(X), original.predict_proba(X), rtol=0, atol=1e-12
        )
    assert [r.name for r in results] == ["phishing_url", "fall_detection"]


def test_shipped_model_presets_evaluate_and_sweep():
    for name in ("safe_browsing_model", "fall_detection_model"):
        path = preset_path(name)
        preset = load_preset(path)
        loaded = load_scores(preset.model, path.parent)
        e = evaluate(preset, loaded)
        assert e.added_per_population_day > 0
        found = score_model(preset.model, preset.scenario.base_rate)  # without base_dir
        assert evaluate(preset, found).net_per_event == e.net_per_event
        s = sweep(preset, "experience.bands[0].threshold", scores=loaded)
        assert np.isfinite(s.net_per_event).sum() > 100  # distinct calibrated scores


def test_model_paths_in_presets_resolve_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    preset = load_preset(preset_path("fall_detection_model"))
    scores = score_model(preset.model, preset.scenario.base_rate)
    assert scores.scores.roc_auc() == pytest.approx(0.9616, abs=1e-4)  # the raw scores'
    assert evaluate(preset, scores).auc == pytest.approx(0.9616, abs=1e-3)  # calibrated
    assert os.getcwd() == str(tmp_path)


def test_a_model_file_that_unpacks_too_large_is_refused(lr_folder, monkeypatch):
    monkeypatch.setattr(trust_check, "MAX_MODEL_BYTES", 1000)
    with pytest.raises(PresetError) as info:
        load_scores(SklearnModel(model="model.skops", data="eval.csv"), lr_folder)
    (problem,) = info.value.problems
    assert "model.model: unpacks to 0 MB, more than the 0 MB a model may take" in str(problem)


def test_the_engine_sweep_and_simulation_never_load_a_real_model(tmp_path, monkeypatch):
    from prototyper.core.simulation.simulate import simulate

    write_score_file(tmp_path)
    preset = loads_preset(preset_text(SCORE_MODEL))
    monkeypatch.chdir(tmp_path)  # the scores file is right here, yet nothing reads it
    param = "experience.bands[0].threshold"
    for run in (
        lambda: evaluate(preset),
        lambda: sweep(preset, param),
        lambda: simulate(preset, replications=1, users=5),
    ):
        with pytest.raises(TypeError, match="score_file model's scores must be loaded first"):
            run()
    assert len(model_sources.default_cache) == 0
    loaded = load_scores(preset.model, tmp_path)
    assert evaluate(preset, loaded).auc == loaded.roc_auc()
    assert sweep(preset, param, scores=loaded).values.size > 50  # distinct calibrated scores
