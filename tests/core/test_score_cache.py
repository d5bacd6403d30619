"""Real models' scores kept on disk: served only to a model file the user trusts, only when
they fit the evaluation file, never anything but numbers; and the audit of a skops file
without skops says what skops says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from prototyper.assets import asset_dir
from prototyper.core.model import model_sources, score_cache, skops_defaults, skops_schema
from prototyper.core.model.model_sources import load_scores
from prototyper.core.model.trust_check import UntrustedTypes
from prototyper.core.preset.preset_io import load_preset

from .test_model_sources import preset_text, save_skops, sklearn_model_yaml, write_eval

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_cache():
    model_sources.clear_cache()
    yield
    model_sources.clear_cache()


def entries() -> list[Path]:
    folder = score_cache.cache_dir()
    return sorted(folder.glob("*.npy")) if folder.exists() else []


def folder_with(tmp_path: Path, estimator, trusted: str = "[]") -> Path:
    save_skops(estimator, tmp_path / "model.skops")
    write_eval(tmp_path)
    (tmp_path / "p.yaml").write_text(preset_text(sklearn_model_yaml(trusted=trusted)))
    return tmp_path / "p.yaml"


def load(preset_path: Path, **kwargs):
    model_sources.clear_cache()  # the in-memory cache: as a new process would
    return load_scores(load_preset(preset_path).model, preset_path.parent, **kwargs)


def same(a, b) -> bool:
    return (
        np.array_equal(a.scores.scores, b.scores.scores)
        and a.score_method == b.score_method
        and a.calibration == b.calibration
        and a.trusted_types == b.trusted_types
        and a.notes == b.notes
    )


# --- the cache serves what the estimator gave ----------------------------------------------


def test_a_second_load_is_served_from_the_cache_with_the_same_result(tmp_path, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    preset = folder_with(tmp_path, LogisticRegression())
    first = load(preset)
    assert len(entries()) == 1
    # The estimator is never loaded again: skops' load would fail now.
    import skops.io as sio

    monkeypatch.setattr(sio, "load", lambda *a, **k: pytest.fail("the model was loaded"))
    assert same(load(preset), first)


def test_a_decision_function_model_is_calibrated_the_same_from_the_cache(tmp_path, monkeypatch):
    from sklearn.svm import LinearSVC

    preset = folder_with(tmp_path, LinearSVC(random_state=0))
    first = load(preset)
    assert first.score_method == "decision_function" and entries()
    import skops.io as sio

    monkeypatch.setattr(sio, "load", lambda *a, **k: pytest.fail("the model was loaded"))
    assert same(load(preset), first)
    assert "LinearSVC has no predict_proba" in " ".join(load(preset).notes)


def test_a_changed_file_is_a_new_entry(tmp_path):
    from sklearn.linear_model import LogisticRegression

    preset = folder_with(tmp_path, LogisticRegression())
    first = load(preset)
    write_eval(tmp_path, n=400)
    second = load(preset)
    assert second.eval_size == 400 != first.eval_size
    assert len(entries()) == 2


@pytest.mark.parametrize(
    "stored",
    [
        "shorter",
        "float32",
        "nan",
        "above one",
        "object array",
        "two dimensions",
        "not an array",
        "truncated",
    ],
)
def test_a_bad_entry_is_a_miss_and_is_replaced(tmp_path, stored):
    from sklearn.linear_model import LogisticRegression

    preset = folder_with(tmp_path, LogisticRegression())
    first = load(preset)
    (entry,) = entries()
    good = np.load(entry)
    bad = {
        "shorter": lambda: np.save(entry, good[:-1]),
        "float32": lambda: np.save(entry, good.astype(np.float32)),
        "nan": lambda: np.save(entry, np.where(np.arange(len(good)) == 3, np.nan, good)),
        "above one": lambda: np.save(entry, good + 1.0),
        "object array": lambda: np.save(entry, good.astype(object), allow_pickle=True),
        "two dimensions": lambda: np.save(entry, np.stack([good, good])),
        "not an array": lambda: entry.write_bytes(b"cos\nsystem\n(S'echo hi'\ntR."),
        "truncated": lambda: entry.write_bytes(entry.read_bytes()[:100]),
    }[stored]
    bad()
    again = load(preset)
    assert same(again, first)
    assert np.array_equal(np.load(entry, allow_pickle=False), good)  # written again


def test_the_cache_never_bypasses_consent(tmp_path, monkeypatch):
    from sklearn.tree import DecisionTreeClassifier

    preset = folder_with(tmp_path, DecisionTreeClassifier(max_depth=3, random_state=0))
    with pytest.raises(UntrustedTypes):
        load(preset)
    assert entries() == []
    first = load(preset, trust=["sklearn.tree._tree.Tree"])
    assert entries() and first.trusted_types == ("sklearn.tree._tree.Tree",)
    # The scores are on disk, but this load trusts nothing and nobody remembered consent.
    monkeypatch.setenv("PROTOTYPER_CONFIG_DIR", str(tmp_path / "another_user"))
    with pytest.raises(UntrustedTypes):
        load(preset)


def test_a_pickle_is_never_cached(tmp_path):
    import pickle

    from sklearn.linear_model import LogisticRegression

    from .test_model_sources import features

    X, y = features()
    with (tmp_path / "model.pkl").open("wb") as f:
        pickle.dump(LogisticRegression().fit(X, y.astype(int)), f)
    write_eval(tmp_path)
    (tmp_path / "p.yaml").write_text(preset_text(sklearn_model_yaml(model="model.pkl")))
    load(tmp_path / "p.yaml", allow_pickle=True)
    assert entries() == []


def test_the_cache_is_bounded_and_drops_the_least_recently_used(tmp_path):
    values = np.linspace(0, 1, 1000)
    keys = [f"{i:064x}" for i in range(5)]
    for i, key in enumerate(keys):
        assert score_cache.store(key, "predict_proba", values)
        path = score_cache.cache_dir() / f"{key}.predict_proba.npy"
        os.utime(path, ns=(i * 10**9, i * 10**9))
    other = score_cache.cache_dir() / "notes.txt"
    other.write_text("not an entry")
    size = (score_cache.cache_dir() / f"{keys[0]}.predict_proba.npy").stat().st_size
    assert score_cache.load(keys[1], 1000) is not None  # used now: the most recent
    score_cache.evict(score_cache.cache_dir(), budget=3 * size)
    kept = {p.name.split(".")[0] for p in entries()}
    assert kept == {keys[1], keys[3], keys[4]}
    assert other.exists()  # only entries are ever removed
    assert score_cache.load(keys[0], 1000) is None


def test_an_unwritable_cache_changes_nothing(tmp_path, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv(score_cache.CACHE_ENV, str(blocked / "cache"))  # under a file
    (tmp_path / "m").mkdir()
    preset = folder_with(tmp_path / "m", LogisticRegression())
    assert load(preset).eval_size == 600
    assert load(preset).eval_size == 600


def test_the_default_folder_is_the_users_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(score_cache.CACHE_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert score_cache.cache_dir() == tmp_path / "xdg" / "prototyper" / "scores"
    monkeypatch.setenv(score_cache.CACHE_ENV, str(tmp_path / "mine"))
    assert score_cache.cache_dir() == tmp_path / "mine"


# --- a new process -------------------------------------------------------------------------

RUNNER = """
import sys
from prototyper import cli
code = cli.main(sys.argv[1:])
print("imported:", sorted(m for m in ("sklearn", "skops") if m in sys.modules), file=sys.stderr)
sys.exit(code)
"""


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", RUNNER, *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.parametrize("preset", ["fall_detection_model", "safe_browsing_model"])
def test_a_second_evaluate_imports_neither_sklearn_nor_skops(preset):
    first = run_cli("evaluate", preset, "--json")
    assert first.returncode == 0, first.stderr
    assert "imported: ['sklearn', 'skops']" in first.stderr
    second = run_cli("evaluate", preset, "--json")
    assert second.returncode == 0, second.stderr
    assert "imported: []" in second.stderr
    assert second.stdout == first.stdout


def test_a_second_evaluate_still_asks_for_consent(tmp_path):
    folder = tmp_path / "fall"
    shutil.copytree(asset_dir("models") / "fall_detection", folder)
    text = (ROOT / "presets" / "fall_detection_model.yaml").read_text(encoding="utf-8")
    text = text.replace("../models/fall_detection/", "fall/")
    text = text.replace("trusted_types: [sklearn.tree._tree.Tree]", "trusted_types: []")
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    trusted = run_cli("evaluate", str(tmp_path / "p.yaml"), "--trust", "sklearn.tree._tree.Tree")
    assert trusted.returncode == 0, trusted.stderr
    config = tmp_path / "another_user"
    env_run = subprocess.run(
        [sys.executable, "-c", RUNNER, "evaluate", str(tmp_path / "p.yaml")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PROTOTYPER_CONFIG_DIR": str(config)},
        timeout=300,
    )
    assert env_run.returncode == 2 and "--trust sklearn.tree._tree.Tree" in env_run.stderr


# --- skops' audit, repeated without skops --------------------------------------------------


def skops_untrusted(path: Path) -> tuple[str, ...]:
    import skops.io as sio

    return tuple(sio.get_untrusted_types(file=path))


@pytest.mark.parametrize("name", ["phishing_url", "fall_detection"])
def test_the_audit_of_the_bundled_models_is_skops(name):
    path = asset_dir("models") / name / "model.skops"
    assert skops_schema.read_untrusted_types(path) == skops_untrusted(path)


def estimators():
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    return {
        "logistic": LogisticRegression(),
        "forest": RandomForestClassifier(n_estimators=3, random_state=0),
        "hist boosting": HistGradientBoostingClassifier(max_iter=3),
        "neighbours": KNeighborsClassifier(),
        "pipeline with a ufunc": make_pipeline(
            FunctionTransformer(np.abs), StandardScaler(), LogisticRegression()
        ),
        "pipeline with a python function": make_pipeline(
            FunctionTransformer(np.round), LogisticRegression()
        ),
    }


@pytest.mark.parametrize("name", list(estimators()))
def test_the_audit_is_skops_or_defers_to_it(tmp_path, name):
    path = tmp_path / "model.skops"
    save_skops(estimators()[name], path)
    ours = skops_schema.read_untrusted_types(path)
    assert ours is None or ours == skops_untrusted(path)
    if name != "hist boosting":
        assert ours == skops_untrusted(path)  # the common estimators need no skops
    if name == "pipeline with a python function":
        assert ours == ("numpy.round",)


def schema_file(tmp_path: Path, schema: dict) -> Path:
    path = tmp_path / "model.skops"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("schema.json", json.dumps(schema))
    return path


def node(loader: str, module: str, name: str, **content) -> dict:
    return {"__loader__": loader, "__module__": module, "__class__": name, **content}


def test_unknown_kinds_of_node_versions_and_protocols_defer_to_skops(tmp_path, monkeypatch):
    protocol = skops_defaults.PROTOCOL
    estimator = node("ObjectNode", "sklearn.linear_model._logistic", "LogisticRegression")
    inner = node("MethodNode", "builtins", "print")
    ok = {**estimator, "protocol": protocol, "content": node("DictNode", "builtins", "dict")}
    assert skops_schema.read_untrusted_types(schema_file(tmp_path, ok)) == ()
    method = {**ok, "content": {"x": inner}}
    assert skops_schema.read_untrusted_types(schema_file(tmp_path, method)) is None
    older = {**ok, "protocol": protocol - 1}
    assert skops_schema.read_untrusted_types(schema_file(tmp_path, older)) is None
    odd = {**ok, "content": node("ObjectNode", ["os"], "system")}
    assert skops_schema.read_untrusted_types(schema_file(tmp_path, odd)) is None
    hidden = {**ok, "content": {"deep": [[node("ObjectNode", "os", "system")]]}}
    assert skops_schema.read_untrusted_types(schema_file(tmp_path, hidden)) == ("os.system",)
    monkeypatch.setattr(skops_defaults, "VERSIONS", {**skops_defaults.VERSIONS, "skops": "0"})
    skops_schema._versions_match.cache_clear()
    try:
        assert skops_schema.read_untrusted_types(schema_file(tmp_path, ok)) is None
    finally:
        monkeypatch.undo()
        skops_schema._versions_match.cache_clear()


def test_the_shipped_lists_are_the_installed_skops_lists():
    namespace: dict = {}
    exec(skops_schema.generate(), namespace)  # noqa: S102 - our own generated module
    assert namespace["VERSIONS"] == skops_defaults.VERSIONS
    assert namespace["PROTOCOL"] == skops_defaults.PROTOCOL
    assert namespace["TRUSTED"] == skops_defaults.TRUSTED
