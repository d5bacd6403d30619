"""The CLI with real models: each source end to end, trust, bad input, bundles, rebuilds."""

from __future__ import annotations

import csv
import io
import json
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from prototyper import assets
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.sweep import sweep
from prototyper.core.model import model_sources
from prototyper.core.preset.preset_io import load_preset

from ..core.test_model_sources import (
    SCORE_MODEL,
    features,
    preset_text,
    save_skops,
    score_data,
    sklearn_model_yaml,
    snapshot,
    write_eval,
    write_score_file,
)
from .running import run

FALL = assets.preset_path("fall_detection_model")


@pytest.fixture
def score_preset(tmp_path) -> Path:
    write_score_file(tmp_path, base_rate=0.3)
    path = tmp_path / "scores.yaml"
    path.write_text(preset_text(SCORE_MODEL, base_rate=0.01))
    return path


@pytest.fixture
def sklearn_preset(tmp_path) -> Path:
    from sklearn.linear_model import LogisticRegression

    save_skops(LogisticRegression(), tmp_path / "model.skops")
    write_eval(tmp_path)
    path = tmp_path / "lr.yaml"
    path.write_text(preset_text(sklearn_model_yaml(), base_rate=0.01))
    return path


@pytest.fixture
def untrusted_fall(tmp_path) -> Path:
    """The shipped fall preset without its trusted types, beside copies of its files."""
    folder = tmp_path / "models" / "fall_detection"
    shutil.copytree(FALL.parent.parent / "models" / "fall_detection", folder)
    presets = tmp_path / "presets"
    presets.mkdir()
    text = FALL.read_text().replace("trusted_types: [sklearn.tree._tree.Tree]", "trusted_types: []")
    path = presets / "fall.yaml"
    path.write_text(text)
    return path


# --- each source end to end ---------------------------------------------------------------


def test_evaluate_a_score_file_shows_both_base_rates(capsys, score_preset):
    code, out, err = run(capsys, "evaluate", score_preset)
    assert code == 0, err
    assert "model (score_file): scores.csv" in out
    assert "evaluation set  3,000 rows, base rate 0.3; the scenario's is 0.01" in out
    code, out, _ = run(capsys, "evaluate", score_preset, "--json")
    doc = json.loads(out)
    model = doc["layers"]["model"]
    assert model["eval_size"] == 3000 and model["eval_base_rate"] == pytest.approx(0.3)
    assert model["scenario_base_rate"] == 0.01 and model["reweighted_to_scenario_base_rate"]
    assert model["auc"] == doc["layers"]["model"]["auc"]
    assert len(model["score_histograms"]["positive"]) == 20
    assert model["calibration_curve"][0]["rows"] > 0
    y, s, _, _ = score_data()
    # each threshold, a probability at the scenario's 1%, with the raw score it stands for
    raw = model["raw_score_at_threshold"]
    assert [r["threshold"] for r in raw] == [0.5, 0.2]
    for point, r in zip(doc["operating_points"], raw, strict=True):
        cut = np.inf if r["raw_score"] is None else r["raw_score"]
        tpr, fpr = (s[y] >= cut).mean(), (s[~y] >= cut).mean()
        assert point["tpr"] == pytest.approx(tpr) and point["fpr"] == pytest.approx(fpr)
    code, out, _ = run(capsys, "evaluate", score_preset)
    assert "thresholds      0.5 (raw " in out and "0.2 (raw " in out


def test_sweep_csv_of_an_sklearn_model_is_the_engines(capsys, sklearn_preset):
    param = "experience.bands[1].threshold"
    code, out, err = run(capsys, "sweep", sklearn_preset, "--param", param, "--csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:4] == ["value", "net_per_event", "net_per_user_day", "net_per_population_day"]
    assert rows[0][4:] == ["added_per_population_day"]
    preset = load_preset(sklearn_preset)
    loaded = model_sources.load_scores(preset.model, sklearn_preset.parent)
    want = sweep(preset, param, scores=loaded)
    values = np.array([float(r[0]) for r in rows[1:]])
    np.testing.assert_array_equal(values, want.values)
    # every distinct calibrated score strictly between the neighbouring thresholds is a
    # candidate
    s = np.asarray(loaded.at_base_rate(preset.scenario.base_rate).shown.scores)
    assert len(values) == len(np.unique(s[(s > 0.0) & (s < 0.5)]))
    net = np.array([float(r[1]) for r in rows[1:]])
    np.testing.assert_allclose(net, want.net_per_event, rtol=1e-15)
    added = np.array([float(r[4]) for r in rows[1:]])
    np.testing.assert_allclose(added, want.added_per_population_day, rtol=1e-15)
    code, out, _ = run(capsys, "sweep", sklearn_preset, "--param", param, "--json")
    doc = json.loads(out)
    assert doc["model"]["eval_size"] == 600
    # each point's raw score selects the same rows as its calibrated threshold
    raw = np.asarray(loaded.scores.scores)
    y = np.asarray(loaded.scores.labels)
    tpr, fpr = loaded.at_base_rate(preset.scenario.base_rate).rates_at(values)
    for point, tp, fp in zip(doc["points"], tpr, fpr, strict=True):
        assert (raw[y] >= point["raw_score"]).mean() == pytest.approx(tp)
        assert (raw[~y] >= point["raw_score"]).mean() == pytest.approx(fp)
    code, out, _ = run(capsys, "sweep", sklearn_preset, "--param", param)
    assert out.startswith("model: sklearn, 600 evaluation rows, base rate 0.3")


def test_evaluate_and_validate_the_shipped_model_presets(capsys):
    for name in ("safe_browsing_model", "fall_detection_model"):
        code, out, err = run(capsys, "evaluate", name, "--json")
        assert code == 0, err
        doc = json.loads(out)
        path = assets.preset_path(name)
        preset = load_preset(path)
        e = evaluate(preset, model_sources.load_scores(preset.model, path.parent))
        assert doc["net_value"]["per_event"] == pytest.approx(e.net_per_event)
        assert doc["layers"]["model"]["source"] == "sklearn"
    code, out, _ = run(capsys, "validate", "safe_browsing_model", "fall_detection_model")
    assert code == 0
    assert "safe_browsing_model: ok (sklearn model: 20,000 evaluation rows, ROC AUC" in out


def test_a_decision_function_model_is_flagged(capsys, tmp_path):
    from sklearn.svm import LinearSVC

    save_skops(LinearSVC(), tmp_path / "model.skops")
    write_eval(tmp_path)
    path = tmp_path / "svm.yaml"
    path.write_text(preset_text(sklearn_model_yaml()))
    code, out, _ = run(capsys, "evaluate", path)
    assert code == 0
    assert "calibrated      isotonic regression, cross-fitted on 5 folds" in out
    assert "note: the LinearSVC has no predict_proba" in out
    code, out, _ = run(capsys, "evaluate", path, "--json")
    assert json.loads(out)["layers"]["model"]["calibrated_from_decision_function"] is True


# --- trust --------------------------------------------------------------------------------


def test_untrusted_types_need_trust_once_per_file_and_user(capsys, untrusted_fall, monkeypatch):
    project = untrusted_fall.parent.parent
    before = snapshot(project)
    code, out, err = run(capsys, "evaluate", untrusted_fall)
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.endswith(
        "model.skops: model.trusted_types: the file holds types that are not trusted on this "
        "computer: sklearn.tree._tree.Tree; if you trust where the file came from, pass "
        "--trust sklearn.tree._tree.Tree (remembered for this file)"
    )
    commands = (["evaluate"], ["validate"], ["sweep", "--param", "scenario.users"])
    for command in commands:
        code, _, err = run(capsys, command[0], untrusted_fall, *command[1:])
        assert code == 2 and "--trust sklearn.tree._tree.Tree" in err
    code, _, err = run(capsys, "evaluate", untrusted_fall, "--trust", "sklearn.tree._tree.Tree")
    assert code == 0, err
    for command in commands:  # remembered for this file, for this user
        code, _, err = run(capsys, command[0], untrusted_fall, *command[1:])
        assert code == 0, err
    assert snapshot(project) == before  # neither the preset nor the model changed
    model_sources.clear_cache()  # another user: another process
    monkeypatch.setenv("PROTOTYPER_CONFIG_DIR", str(project / "another_user"))
    code, _, err = run(capsys, "evaluate", untrusted_fall)
    assert code == 2 and "--trust sklearn.tree._tree.Tree" in err


def test_consent_to_one_model_file_is_not_consent_to_another(capsys, tmp_path):
    from sklearn.tree import DecisionTreeClassifier

    save_skops(DecisionTreeClassifier(max_depth=3, random_state=0), tmp_path / "model.skops")
    write_eval(tmp_path)
    path = tmp_path / "tree.yaml"
    path.write_text(preset_text(sklearn_model_yaml()))
    code, _, err = run(capsys, "validate", path, "--trust", "sklearn.tree._tree.Tree")
    assert code == 0, err
    assert run(capsys, "validate", path)[0] == 0
    save_skops(DecisionTreeClassifier(max_depth=2, random_state=0), tmp_path / "model.skops")
    code, _, err = run(capsys, "validate", path)
    assert code == 2 and "--trust sklearn.tree._tree.Tree" in err


def test_a_pickle_needs_trust_pickle(capsys, tmp_path):
    from sklearn.linear_model import LogisticRegression

    X, y = features()
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(LogisticRegression().fit(X, y)))
    write_eval(tmp_path)
    path = tmp_path / "p.yaml"
    path.write_text(preset_text(sklearn_model_yaml(model="model.pkl")))
    code, out, err = run(capsys, "evaluate", path)
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert "model.pkl: model.model: is a pickle, which can run any code" in line
    assert "pass --trust-pickle" in line
    code, out, err = run(capsys, "evaluate", path, "--trust-pickle")
    assert code == 0, err
    assert "model (sklearn): model.pkl on eval.csv" in out


# --- bad input ----------------------------------------------------------------------------

BAD = {
    "no label column": ("scores.csv", "lbl,score\n1,0.5\n", ":1: model.label_column: no column"),
    "labels not binary": ("scores.csv", "label,score\n1,0.5\n3,0.2\n", ":3: label: expected"),
    "NaN score": ("scores.csv", "label,score\n1,0.5\n0,NaN\n", ":3: score: must be a finite"),
    "out of range": ("scores.csv", "label,score\n1,0.5\n0,-0.2\n", ":3: score: must be a prob"),
    "empty": ("scores.csv", "", ": the file is empty"),
    "not UTF-8": ("scores.csv", b"label,score\n1,0.5\n0,\xff\n", ":3: not UTF-8 text"),
    "missing file": (None, None, "scores.yaml:9: model.path: no such file: "),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_one_line_exit_2_and_changes_nothing(capsys, tmp_path, case):
    name, content, expected = BAD[case]
    path = tmp_path / "scores.yaml"
    path.write_text(preset_text(SCORE_MODEL))
    if name:
        data = content if isinstance(content, bytes) else content.encode()
        (tmp_path / name).write_bytes(data)
    before = snapshot(tmp_path)
    for command in (["evaluate"], ["validate"], ["sweep", "--param", "scenario.users", "--csv"]):
        code, out, err = run(capsys, command[0], path, *command[1:])
        assert code == 2 and out == "" and "Traceback" not in err
        (line,) = err.strip().splitlines()
        assert expected in line, line
    assert snapshot(tmp_path) == before


def test_bad_model_files_via_the_cli(capsys, tmp_path):
    write_eval(tmp_path)
    path = tmp_path / "p.yaml"
    path.write_text(preset_text(sklearn_model_yaml()))
    skops_file = tmp_path / "model.skops"
    for content, expected in (
        (b"PK\x03\x04garbage", "not a readable skops file (corrupt or truncated?)"),
        (pickle.dumps(1), "looks like a pickle saved under a .skops name"),
    ):
        skops_file.write_bytes(content)
        code, out, err = run(capsys, "evaluate", path)
        assert code == 2 and out == ""
        (line,) = err.strip().splitlines()
        assert line.startswith(f"{skops_file}: model.model: ") and expected in line


# --- bundles ------------------------------------------------------------------------------


def test_pack_and_evaluate_a_bundle(capsys, tmp_path):
    out_zip = tmp_path / "fall bundle.zip"
    code, out, err = run(capsys, "pack", "fall_detection_model", "-o", out_zip)
    assert code == 0, err
    assert out.strip() == (
        f"wrote {out_zip}: preset.yaml, data/eval.csv, model/MODEL_CARD.md, model/model.skops"
    )
    code, out, _ = run(capsys, "evaluate", out_zip, "--json")
    assert code == 0
    code, original, _ = run(capsys, "evaluate", "fall_detection_model", "--json")
    a, b = json.loads(out), json.loads(original)
    assert a["net_value"] == b["net_value"]
    assert a["layers"]["model"]["files"] == ["model/model.skops", "data/eval.csv"]
    code, out, _ = run(capsys, "validate", out_zip)
    assert code == 0 and out.startswith(f"{out_zip}: ok (sklearn model")
    # a bundle packs again (from its extracted copy) to the same bytes
    again = tmp_path / "again.zip"
    assert run(capsys, "pack", out_zip, "-o", again)[0] == 0
    assert again.read_bytes() == out_zip.read_bytes()
    # --set applies to a bundle too
    code, out, _ = run(
        capsys, "evaluate", out_zip, "--set", "experience.bands[0].threshold=0.0005", "--json"
    )
    assert json.loads(out)["net_value"]["per_event"] < a["net_value"]["per_event"]


def test_pack_refuses_a_missing_file_and_writes_nothing(capsys, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(preset_text(SCORE_MODEL))
    code, out, err = run(capsys, "pack", path, "-o", tmp_path / "b.zip")
    assert code == 2 and out == ""
    assert err.strip() == f"{path}:9: model.path: no such file: {tmp_path / 'scores.csv'}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_a_bundle_error_names_the_archive(capsys, tmp_path):
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("preset.yaml", preset_text(SCORE_MODEL))
    code, _, err = run(capsys, "evaluate", archive)
    assert code == 2
    assert err.strip().startswith(f"{archive}/preset.yaml:9: model.path: no such file: ")


# --- models build -------------------------------------------------------------------------


def test_models_build_regenerates_the_shipped_files(capsys, tmp_path):
    code, out, err = run(capsys, "models", "build", "--out", tmp_path, "--only", "phishing_url")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].split()[:4] == ["model", "rows", "base", "rate"]
    assert lines[1].startswith("phishing_url      20,000        0.1   0.9687")
    shipped = assets.asset_dir("models") / "phishing_url"
    for name in ("eval.csv", "model.skops", "MODEL_CARD.md"):
        assert (tmp_path / "phishing_url" / name).read_bytes() == (shipped / name).read_bytes()
    code, _, err = run(capsys, "models", "build", "--out", tmp_path, "--only", "nope")
    assert code == 2 and "no bundled model 'nope'" in err
