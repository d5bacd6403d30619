"""Plugging in a real model through the window: the three model actions, consent, bad input,
drag and drop, bundles, the worker (responsive, cancel) and the model details window."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMessageBox

from prototyper import assets
from prototyper.core.bundle import pack
from prototyper.core.model import model_sources
from prototyper.core.model.loaded_model import LoadedModel
from prototyper.core.model.model_paths import resolve_path
from prototyper.core.model.model_sections import preset_relative, replace_model
from prototyper.core.model.trust_check import CAN_RUN_CODE, TrustCheck
from prototyper.core.preset.preset_io import load_preset, save_preset
from prototyper.core.preset.schema import ScoreFileModel, SklearnModel, SyntheticModel
from prototyper.qt import model_loading
from prototyper.qt.model_loading import consent_text
from prototyper.qt.theme import CURRENT_COLOR, NEGATIVE_COLOR, POSITIVE_COLOR
from tests.core.gadgets import GADGET_IDS, GADGETS, build
from tests.core.test_model_sources import preset_text, sklearn_model_yaml

Button = QMessageBox.StandardButton
pytestmark = pytest.mark.usefixtures("fresh_model_cache")
REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
FALL_MODEL = MODELS / "fall_detection" / "model.skops"
FALL_DATA = MODELS / "fall_detection" / "eval.csv"
TREE = "sklearn.tree._tree.Tree"
LOAD_TIMEOUT_MS = 30_000


# --- small models and data (as in tests/core/test_model_sources.py) ---------------------------


def write_rows(path: Path, header: list[str], rows) -> Path:
    lines = [",".join(header)] + [",".join(str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def features(n: int = 600, seed: int = 3):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    X = rng.normal(size=(n, 3)) + np.array([1.0, 0.5, 0.0]) * y[:, None]
    return np.round(X, 6), y


def write_eval(folder: Path, name: str = "eval.csv") -> Path:
    X, y = features()
    rows = [[*map(repr, map(float, x)), int(v)] for x, v in zip(X, y, strict=True)]
    return write_rows(folder / name, ["a", "b", "c", "label"], rows)


def save_skops(estimator, path: Path) -> Path:
    import skops.io as sio

    X, y = features()
    sio.dump(estimator.fit(X, y.astype(int)), path)
    return path


def clipped_tree(depth: int):
    """A pipeline whose file holds a function (numpy.clip), which is never allowlisted."""
    import numpy as np
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.tree import DecisionTreeClassifier

    clip = FunctionTransformer(np.clip, kw_args={"a_min": -10.0, "a_max": 10.0})
    return make_pipeline(clip, DecisionTreeClassifier(max_depth=depth, random_state=0))


def wait_loaded(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=LOAD_TIMEOUT_MS)


@pytest.fixture
def synthetic_copy(tmp_path) -> Path:
    """The fall-detection preset (synthetic model) in a folder of its own."""
    folder = tmp_path / "design"
    folder.mkdir()
    path = folder / "fall.yaml"
    shutil.copy(assets.preset_path("fall_detection"), path)
    return path


def write_scores(path: Path, n: int = 2000, *, extra: bool = True) -> Path:
    rng = np.random.default_rng(7)
    y = rng.random(n) < 0.25
    s = np.round(1 / (1 + np.exp(-(rng.normal(0, 1.2, n) + 2.0 * y - 1.0))), 4)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not extra:
        return write_rows(path, ["label", "score"], zip(y.astype(int), s, strict=True))
    g = rng.choice(["north", "south"], n)
    w = rng.choice([0.5, 1.0, 2.0], n)
    return write_rows(
        path, ["label", "score", "group", "weight"], zip(y.astype(int), s, g, w, strict=True)
    )


def state(window):
    doc = window.document
    return doc.preset, doc.undo_stack.count(), doc.undo_stack.index()


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# --- the three actions, end to end ------------------------------------------------------------


def test_load_scores_builds_a_relative_section_in_one_undo_step(qtbot, make_window, synthetic_copy):
    window = make_window(synthetic_copy)
    before = window.document.preset
    csv = write_scores(synthetic_copy.parent / "data" / "scores.csv")
    window.chosen = [csv]
    click(qtbot, window.design_panel.model_actions.scores)
    assert window.model_loader.busy and not window.model_loader.progress.isHidden()
    wait_loaded(qtbot, window)
    model = window.document.preset.model
    assert model == ScoreFileModel(
        path="data/scores.csv", weight_column="weight", group_column="group"
    )
    assert isinstance(window.document.analysis.scores, LoadedModel)
    assert window.document.analysis.scores.eval_size == 2000
    assert not window.asked and not window.told
    assert window.document.undo_stack.count() == 1
    actions = window.design_panel.model_actions
    assert actions.scores.isChecked() and not actions.describe.isChecked()
    assert "ROC AUC" in actions.summary.text() and "2,000 evaluation rows" in actions.summary.text()
    assert window.model_loader.progress.isHidden()
    window.document.undo_stack.undo()  # one step back: the synthetic model again
    assert window.document.preset == before
    assert actions.describe.isChecked()


def test_an_untitled_preset_stores_absolute_paths(qtbot, make_window, tmp_path):
    window = make_window()
    window.document.replace_all(window.document.preset, None, dirty=False)
    csv = write_scores(tmp_path / "scores.csv", extra=False)
    window.chosen = [csv]
    window.model_loader.load_scores_dialog()
    wait_loaded(qtbot, window)
    assert window.document.preset.model == ScoreFileModel(path=str(csv.resolve()))
    assert preset_relative(csv, None) == str(csv.resolve())
    assert preset_relative(csv, tmp_path / "a" / "b") == "../../scores.csv"


def test_load_the_bundled_sklearn_model_trusting_its_types(qtbot, make_window, synthetic_copy):
    window = make_window(synthetic_copy, answer=Button.Yes)
    before = window.document.preset
    window.chosen = [FALL_MODEL, FALL_DATA]
    click(qtbot, window.design_panel.model_actions.sklearn)
    wait_loaded(qtbot, window)
    assert window.asked == []  # the user chose the file, and its only type is allowlisted
    model = window.document.preset.model
    assert isinstance(model, SklearnModel)
    assert model.trusted_types == (TREE,)  # requested, so a colleague is not asked either
    base = synthetic_copy.parent
    assert not Path(model.model).is_absolute() and not Path(model.data).is_absolute()
    assert resolve_path(model.model, base) == FALL_MODEL
    assert resolve_path(model.data, base) == FALL_DATA
    loaded = window.document.analysis.scores
    assert isinstance(loaded, LoadedModel) and loaded.eval_size == 10_000
    assert loaded.trusted_types == (TREE,)
    assert window.document.undo_stack.count() == 1 and not window.told
    window.document.undo_stack.undo()
    assert window.document.preset == before
    window.document.undo_stack.redo()
    assert window.document.preset.model == model
    # edits after the load analyse the same model (from the cache)
    assert window.document.set_value("experience.bands[0].threshold", 0.95)
    saved = synthetic_copy.parent / "saved.yaml"
    assert window._save_to(saved)
    assert TREE in saved.read_text()


def test_consent_to_types_is_remembered_per_file_for_this_user(qtbot, make_window, tmp_path):

    folder = tmp_path / "tree"
    folder.mkdir()
    # np.clip is a function: off the allowlist, so it needs this user's consent
    save_skops(clipped_tree(3), folder / "model.skops")
    write_eval(folder)
    first = make_window(answer=Button.Yes)
    first.model_loader.load_sklearn(folder / "model.skops", folder / "eval.csv")
    wait_loaded(qtbot, first)
    assert len(first.asked) == 1 and isinstance(first.document.analysis.scores, LoadedModel)
    model_sources.clear_cache()
    again = make_window(answer=Button.No)  # the same user opens the same file: not asked
    again.model_loader.load_sklearn(folder / "model.skops", folder / "eval.csv")
    wait_loaded(qtbot, again)
    assert not again.asked and isinstance(again.document.analysis.scores, LoadedModel)
    save_skops(clipped_tree(2), folder / "model.skops")
    before = state(again)
    again.model_loader.load_sklearn(folder / "model.skops", folder / "eval.csv")
    wait_loaded(qtbot, again)  # other contents: asked again, and declined
    assert len(again.asked) == 1 and "numpy.clip" in again.asked[0]
    assert state(again) == before


def test_describe_a_loaded_model_starts_from_its_auc(qtbot, make_window):
    window = make_window(assets.preset_path("safe_browsing_model"))
    loaded = window.document.analysis.scores
    click(qtbot, window.design_panel.model_actions.describe)
    model = window.document.preset.model
    assert model == SyntheticModel(auc=round(loaded.roc_auc(), 4))
    assert window.design_panel.control("model.auc").value() == pytest.approx(model.auc)
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert isinstance(window.document.preset.model, SklearnModel)
    # describing a synthetic model changes nothing
    window.document.undo_stack.redo()
    click(qtbot, window.design_panel.model_actions.describe)
    assert window.document.undo_stack.count() == 1


def test_presets_with_real_models_open_without_a_dialog(qtbot, make_window):
    window = make_window()
    for name in ("safe_browsing_model", "fall_detection_model"):
        path = assets.preset_path(name)
        assert window.open_file(path)
        wait_loaded(qtbot, window)
        assert window.document.preset == load_preset(path)
        assert window.document.path == path
        assert isinstance(window.document.analysis.scores, LoadedModel)
    assert not window.asked and not window.told
    # and at start
    again = make_window(assets.preset_path("fall_detection_model"))
    assert isinstance(again.document.analysis.scores, LoadedModel) and not again.asked


# --- consent --------------------------------------------------------------------------------


def test_declining_untrusted_types_changes_nothing(qtbot, make_window, synthetic_copy, tmp_path):
    window = make_window(synthetic_copy, answer=Button.No)
    before = state(window)
    model = save_skops(clipped_tree(3), tmp_path / "clipped.skops")
    window.chosen = [model, write_eval(tmp_path)]
    window.model_loader.load_sklearn_dialog()
    wait_loaded(qtbot, window)
    assert len(window.asked) == 1 and "numpy.clip" in window.asked[0]
    assert state(window) == before
    assert not window.told  # declining is not an error
    assert "not trusted" in window.statusBar().currentMessage()


@pytest.fixture
def pickled(tmp_path):
    from sklearn.linear_model import LogisticRegression

    folder = tmp_path / "pickled"
    folder.mkdir()
    X, y = features()
    estimator = LogisticRegression().fit(X, y.astype(int))
    (folder / "model.pkl").write_bytes(pickle.dumps(estimator))
    write_eval(folder)
    return folder, estimator


def test_a_pickle_is_refused_without_consent(qtbot, make_window, synthetic_copy, pickled):
    folder, _ = pickled
    window = make_window(synthetic_copy, answer=Button.No)
    before = state(window)
    window.chosen = [folder / "model.pkl", folder / "eval.csv"]
    window.model_loader.load_sklearn_dialog()
    wait_loaded(qtbot, window)
    (question,) = window.asked
    assert "pickle" in question and "arbitrary code" in question
    assert state(window) == before and not window.told
    assert not window.document.consent.pickles


def test_a_pickle_loads_with_consent_and_later_edits_keep_it(
    qtbot, make_window, synthetic_copy, pickled
):
    folder, estimator = pickled
    window = make_window(synthetic_copy, answer=Button.Yes)
    window.chosen = [folder / "model.pkl", folder / "eval.csv"]
    window.model_loader.load_sklearn_dialog()
    wait_loaded(qtbot, window)
    assert len(window.asked) == 1 and not window.told
    loaded = window.document.analysis.scores
    X, _ = features()
    np.testing.assert_allclose(loaded.scores.scores, estimator.predict_proba(X)[:, 1])
    assert window.document.consent.pickles == {str(folder / "model.pkl")}
    model_sources.clear_cache()  # the next edit loads the pickle again, with the consent
    assert window.document.set_value("experience.bands[0].threshold", 0.5)
    assert len(window.asked) == 1
    assert window.document.preset.model.allow_pickle is False  # never written for others


# --- model files that run code ----------------------------------------------------------------


def gadget_preset(folder: Path, name: str = "pydoc.pipepager") -> Path:
    (gadget,) = [g for g in GADGETS if g.name == name]
    return build(gadget, folder)


def assert_refused(
    qtbot, window, preset: Path, kind: str = "pydoc.pipepager", told: tuple[str, ...] = ()
) -> None:
    """The window asked about the gadget's type, marked as able to run code, was told No,
    and nothing ran or changed (the window told the user only ``told``)."""
    qtbot.waitUntil(lambda: bool(window.asked), timeout=LOAD_TIMEOUT_MS)
    wait_loaded(qtbot, window)
    trust = [q for q in window.asked if q.startswith("Trust the model's types?")]
    assert len(trust) == 1, window.asked
    assert f"<li><code>{kind}</code> — <b>{CAN_RUN_CODE}</b></li>" in trust[0]
    assert "<li><code>builtins.min</code> — <b>" in trust[0]  # a builtin function
    assert "The preset asks to trust some of them, but a preset can only ask" in trust[0]
    assert "not trusted" in window.statusBar().currentMessage()
    assert len(window.told) == len(told)
    assert all(part in said for part, said in zip(told, window.told, strict=True))
    assert not any(preset.parent.parent.rglob("MARKER"))
    assert not isinstance(window.document.analysis.scores, LoadedModel)


def no_to_trust(title: str):
    return Button.No if title.startswith("Trust") else Button.Yes


def test_file_open_of_a_gadget_preset_asks_and_never_runs_it(qtbot, make_window, tmp_path):
    preset = gadget_preset(tmp_path / "g")
    window = make_window(answer=no_to_trust)
    before = state(window)
    assert window.open_file(preset)
    assert_refused(qtbot, window, preset)
    assert state(window) == before and window.document.path != preset


def test_every_gadget_is_asked_about_in_the_window(qtbot, make_window, tmp_path):
    window = make_window(answer=no_to_trust)
    for name in GADGET_IDS:
        preset = gadget_preset(tmp_path / name, name)
        window.asked.clear()
        window.open_file(preset)
        kind = "posix.system" if name == "os.system" else name
        assert_refused(qtbot, window, preset, kind)


def test_the_window_started_on_a_gadget_preset_asks_first(qtbot, make_window, tmp_path):
    preset = gadget_preset(tmp_path / "g")
    window = make_window(preset, answer=no_to_trust)  # prototyper gui gadget.yaml
    assert not any(preset.parent.rglob("MARKER"))
    assert_refused(qtbot, window, preset)


def test_a_gadget_bundle_asks_and_never_runs(qtbot, make_window, tmp_path):
    preset = gadget_preset(tmp_path / "g")
    zipped = tmp_path / "gadget.zip"
    pack(preset, zipped)
    window = make_window(answer=no_to_trust)
    assert drop(window, zipped)
    assert_refused(qtbot, window, preset)
    assert not window.model_loader.bundles


def test_a_dropped_gadget_preset_asks_and_never_runs(qtbot, make_window, tmp_path):
    preset = gadget_preset(tmp_path / "g")
    window = make_window(answer=no_to_trust)
    assert drop(window, preset)
    assert_refused(qtbot, window, preset)


def test_recovered_work_with_a_gadget_asks_and_never_runs(qtbot, make_window, tmp_path):
    preset = gadget_preset(tmp_path / "g")
    recovery = tmp_path / "recovery"
    recovery.mkdir()
    text = f"# prototyper recovery of: {preset}\n" + preset.read_text()
    (recovery / "0123456789ab.yaml").write_text(text)
    window = make_window(answer=no_to_trust)
    before = state(window)
    assert window.offer_recovery()  # restoring started: the loader asks first
    assert_refused(qtbot, window, preset, told=("kept and offered again at the next start",))
    assert state(window) == before
    assert (recovery / "0123456789ab.yaml").exists()  # the work is not lost


def test_recovered_work_with_a_trusted_model_is_restored_unsaved(qtbot, make_window, tmp_path):
    folder = tmp_path / "tree"
    folder.mkdir()
    # np.clip is a function: off the allowlist, so it needs this user's consent
    save_skops(clipped_tree(3), folder / "model.skops")
    write_eval(folder)
    preset = folder / "tree.yaml"
    preset.write_text(preset_text(sklearn_model_yaml()))
    recovery = tmp_path / "recovery"
    recovery.mkdir()
    (recovery / "0123456789ab.yaml").write_text(
        f"# prototyper recovery of: {preset}\n" + preset.read_text()
    )
    window = make_window(answer=Button.Yes)
    assert window.offer_recovery()
    wait_loaded(qtbot, window)
    assert any("numpy.clip" in q for q in window.asked)
    assert window.document.path == preset and window.document.dirty
    assert isinstance(window.document.analysis.scores, LoadedModel)


def test_the_consent_text_escapes_what_the_file_names(tmp_path):
    check = TrustCheck(
        tmp_path / "<i>m.skops",
        False,
        ("x.<b>y</b>", "numpy.float64"),
        ("x.<b>y</b>", "numpy.float64"),
        (),
        "0" * 64,
    )
    text = consent_text(check)
    assert "<li><code>x.&lt;b&gt;y&lt;/b&gt;</code> — <b>can run code on this computer</b>" in text
    assert "<li><code>numpy.float64</code></li>" in text
    assert "&lt;i&gt;m.skops" in text and "<i>" not in text


def test_prototyper_gui_on_a_gadget_runs_nothing_before_the_window(tmp_path):
    """The real start-up path (prototyper gui FILE) in its own process, quitting after the
    first paint: the gadget never runs on the way."""
    preset = gadget_preset(tmp_path / "g")
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        QT_QPA_PLATFORM="offscreen",
        PROTOTYPER_QUIT_AFTER_FIRST_PAINT="1",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "prototyper", "gui", str(preset)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "first-paint" in proc.stdout
    assert not any(preset.parent.rglob("MARKER"))


# --- bad input: one line, nothing changes -----------------------------------------------------


BAD_SCORE_FILES = {
    "no label column": ("lbl,score\n1,0.5\n0,0.2\n", ":1: model.label_column: no column 'label'"),
    "labels not binary": ("label,score\n1,0.5\n0,0.2\n2,0.1\n", ":4: label: expected a binary"),
    "NaN score": ("label,score\n1,0.5\n0,nan\n", ":3: score: must be a finite number"),
    "score out of range": ("label,score\n1,1.5\n0,0.2\n", ":2: score: must be a probability"),
    "empty file": ("", ": the file is empty"),
    "not UTF-8": (b"label,score\n1,0.5\n0,0.2 caf\xe9\n", ":3: not UTF-8 text"),
}


@pytest.mark.parametrize("case", BAD_SCORE_FILES, ids=list(BAD_SCORE_FILES))
def test_bad_score_files_say_one_line_and_change_nothing(qtbot, make_window, synthetic_copy, case):
    text, expected = BAD_SCORE_FILES[case]
    csv = synthetic_copy.parent / "scores.csv"
    csv.write_bytes(text if isinstance(text, bytes) else text.encode())
    window = make_window(synthetic_copy)
    before = state(window)
    window.chosen = [csv]
    window.model_loader.load_scores_dialog()
    wait_loaded(qtbot, window)
    (told,) = window.told
    assert "\n" not in told
    assert told.startswith(str(csv) + expected), told
    assert state(window) == before


def _bad_model(folder: Path, kind: str) -> Path:
    """A model file for ``kind`` beside an evaluation CSV (eval.csv)."""
    write_eval(folder)
    target = folder / "model.skops"
    if kind == "no predict_proba or decision_function":
        from sklearn.linear_model import LinearRegression

        save_skops(LinearRegression(), target)
    elif kind == "feature columns do not match":
        from sklearn.linear_model import LogisticRegression

        save_skops(LogisticRegression(), target)
        write_rows(folder / "eval.csv", ["a", "b", "label"], [[0.1, 0.2, 1], [0.3, 0.1, 0]])
    elif kind == "corrupt":
        target.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    elif kind == "truncated":
        target.write_bytes(FALL_MODEL.read_bytes()[: FALL_MODEL.stat().st_size // 2])
    elif kind == "missing":
        pass
    return target


BAD_MODELS = {
    "no predict_proba or decision_function": (
        "model.skops: model.model: the LinearRegression has neither predict_proba nor "
        "decision_function"
    ),
    "feature columns do not match": (
        "eval.csv:1: model.feature_columns: the estimator expects 3 features, the file gives 2"
    ),
    "corrupt": "model.skops: model.model: not a readable skops file (corrupt or truncated?)",
    "truncated": "model.skops: model.model: not a readable skops file (corrupt or truncated?)",
    "missing": "model.skops",
}


@pytest.mark.parametrize("kind", BAD_MODELS, ids=list(BAD_MODELS))
def test_bad_models_say_one_line_and_change_nothing(qtbot, make_window, synthetic_copy, kind):
    folder = synthetic_copy.parent / "m"
    folder.mkdir()
    target = _bad_model(folder, kind)
    window = make_window(synthetic_copy)
    before = state(window)
    window.chosen = [target, folder / "eval.csv"]
    window.model_loader.load_sklearn_dialog()
    wait_loaded(qtbot, window)
    (told,) = window.told
    assert "\n" not in told
    if kind == "missing":  # the preset's field, then the path it resolved to
        assert told == f"{synthetic_copy}: model.model: no such file: {target}"
    else:
        assert told.startswith(f"{folder}/{BAD_MODELS[kind]}"), told
    assert state(window) == before


def test_a_bad_model_section_is_told_before_loading(qtbot, make_window, synthetic_copy):
    window = make_window(synthetic_copy)
    before = state(window)
    bad = SklearnModel(model="model.txt", data="eval.csv")
    assert not window.model_loader.load_model(bad, "Load")
    assert not window.model_loader.busy
    (told,) = window.told
    assert told.startswith("edit: model.model: must be a .skops file")
    assert state(window) == before


def test_editing_a_real_models_file_field_loads_in_the_background(
    qtbot, make_window, synthetic_copy
):
    write_scores(synthetic_copy.parent / "scores.csv")
    window = make_window(synthetic_copy)
    window.chosen = [synthetic_copy.parent / "scores.csv"]
    window.model_loader.load_scores_dialog()
    wait_loaded(qtbot, window)
    before = state(window)
    field = window.design_panel.control("model.path")
    field.line.setText("nowhere.csv")
    field.line.commit()
    wait_loaded(qtbot, window)
    (told,) = window.told
    assert told.endswith(f"no such file: {synthetic_copy.parent / 'nowhere.csv'}")
    assert state(window) == before and field.value() == "scores.csv"
    write_scores(synthetic_copy.parent / "other.csv", n=500)
    field.line.setText("other.csv")
    field.line.commit()
    wait_loaded(qtbot, window)
    assert window.document.preset.model.path == "other.csv"
    assert window.document.analysis.scores.eval_size == 500


# --- drag and drop, bundles -------------------------------------------------------------------


def drop(window, path: Path) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(enter)
    accepted = enter.isAccepted()
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    return accepted


def test_drop_a_csv_loads_it_as_scores(qtbot, make_window, synthetic_copy):
    csv = write_scores(synthetic_copy.parent / "dropped.csv")
    window = make_window(synthetic_copy)
    assert drop(window, csv)
    wait_loaded(qtbot, window)
    assert window.document.preset.model.path == "dropped.csv"
    assert window.document.undo_stack.count() == 1


def test_drop_a_skops_file_asks_for_the_evaluation_data(qtbot, make_window, synthetic_copy):
    window = make_window(synthetic_copy)
    window.chosen = [FALL_DATA]
    assert drop(window, FALL_MODEL)
    wait_loaded(qtbot, window)
    assert not window.chosen  # the evaluation CSV was asked for
    assert resolve_path(window.document.preset.model.data, synthetic_copy.parent) == FALL_DATA


def test_drop_of_another_kind_of_file_is_refused(make_window, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    window = make_window()
    before = state(window)
    assert not drop(window, other)
    assert state(window) == before


@pytest.fixture
def bundle(tmp_path) -> Path:
    """A bundle packed from a copy of the fall-detection preset and its model."""
    shutil.copytree(MODELS / "fall_detection", tmp_path / "models" / "fall_detection")
    (tmp_path / "presets").mkdir()
    preset = tmp_path / "presets" / "fall.yaml"
    shutil.copy(assets.preset_path("fall_detection_model"), preset)
    out = tmp_path / "fall.zip"
    pack(preset, out, include=[tmp_path / "models"])
    return out


def test_drop_a_bundle_opens_it_and_keeps_it_while_used(qtbot, make_window, bundle):
    window = make_window()
    assert drop(window, bundle)
    wait_loaded(qtbot, window)
    doc = window.document
    assert doc.preset.model.model == "model/model.skops"
    assert doc.preset.scenario == load_preset(assets.preset_path("fall_detection_model")).scenario
    assert isinstance(doc.analysis.scores, LoadedModel) and not window.asked
    (extracted,) = window.model_loader.bundles
    assert doc.path == extracted.preset_path and extracted.directory.is_dir()
    assert "fall.zip" in window.windowTitle()
    assert window._is_bundled(doc.path)  # Save goes to Save As, never into the temp folder
    assert str(bundle.resolve()) in window.recent_files()
    assert window.open_file(assets.preset_path("smart_toaster"))  # no longer used: removed
    assert not extracted.directory.exists() and not window.model_loader.bundles


def test_the_window_starts_on_a_bundle(qtbot, make_window, bundle):
    window = make_window(bundle)  # prototyper gui fall.zip
    qtbot.waitUntil(lambda: bool(window.model_loader.bundles), timeout=LOAD_TIMEOUT_MS)
    wait_loaded(qtbot, window)
    assert window.document.preset.model.model == "model/model.skops"
    window.close()
    assert not window.model_loader.bundles


def test_file_open_reports_a_bad_bundle(qtbot, make_window, tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    window = make_window()
    before = state(window)
    assert window.open_file(bad)  # started
    wait_loaded(qtbot, window)
    (told,) = window.told
    assert told.startswith(f"{bad}: not a readable zip archive")
    assert state(window) == before


# --- the worker -------------------------------------------------------------------------------


@pytest.fixture
def slow_load(monkeypatch):
    """load_scores waits for ``release`` (at most 10 s) before loading."""
    release = threading.Event()
    real = model_loading.load_scores

    def slow(*args, **kwargs):
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(model_loading, "load_scores", slow)
    yield release
    release.set()


def test_loading_keeps_the_window_responsive_and_cancel_changes_nothing(
    qtbot, make_window, synthetic_copy, slow_load
):
    window = make_window(synthetic_copy)
    before = state(window)
    csv = write_scores(synthetic_copy.parent / "scores.csv")
    ticks = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    assert window.model_loader.load_score_file(csv)
    # The load is stuck in the worker until released; the event loop runs on meanwhile
    # (waited for, not timed: a loaded machine may give the timer fewer turns).
    qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=5_000)
    assert window.model_loader.busy
    progress = window.model_loader.progress
    assert not progress.isHidden() and "scores.csv" in progress.label.text()
    click(qtbot, progress.cancel)
    assert not window.model_loader.busy and progress.isHidden()
    slow_load.set()  # the worker finishes; its result is dropped
    assert window.model_loader.wait()
    qtbot.wait(50)
    timer.stop()
    assert state(window) == before and not window.told
    assert "Cancelled" in window.statusBar().currentMessage()


def test_a_new_load_supersedes_a_running_one(qtbot, make_window, synthetic_copy, slow_load):
    window = make_window(synthetic_copy)
    first = write_scores(synthetic_copy.parent / "first.csv")
    second = write_scores(synthetic_copy.parent / "second.csv", n=300)
    window.model_loader.load_score_file(first)
    window.model_loader.load_score_file(second)
    slow_load.set()
    wait_loaded(qtbot, window)
    window.model_loader.wait()
    qtbot.wait(50)
    assert window.document.preset.model.path == "second.csv"
    assert window.document.undo_stack.count() == 1


# --- the model details window -----------------------------------------------------------------


def test_model_view_shows_the_metrics_of_safe_browsing_model(qtbot, make_window, tmp_path):
    window = make_window(assets.preset_path("safe_browsing_model"))
    loaded = window.document.analysis.scores
    assert window.design_panel.model_actions.details.isEnabled()
    click(qtbot, window.design_panel.model_actions.details)
    view = window.model_view
    assert view is not None and view.isVisible()
    m = view.metrics
    assert m.auc == pytest.approx(loaded.roc_auc())
    assert m.eval_size == 20_000 and m.scenario_base_rate == 1e-4 and m.reweighted
    text = view.figures.text()
    assert "0.9687" in text and "20,000 rows" in text
    assert "1 in 10,000" in text and "10%" in text  # both base rates: the prior shift
    assert "rule of three" in view.notes.text()
    x, y = view.reliability.measured.getData()
    assert len(x) == int((m.reliability.count > 0).sum())
    assert view.reliability.scenario.isVisible()
    # shifted to 1 in 10,000, no URL's calibrated score reaches 0.6 (logit 0.4)
    assert view.reliability.scenario.getData()[0].max() < 0.4 < x.max()
    view.resize(900, 680)
    qtbot.wait(50)
    image = view.grab().toImage()
    image.save(str(tmp_path / "model_view.png"))
    colors = {
        QColor(image.pixel(i, j)).name()
        for i in range(0, image.width(), 2)
        for j in range(0, image.height(), 2)
    }
    for color in (POSITIVE_COLOR, NEGATIVE_COLOR, CURRENT_COLOR):
        assert color in colors, color
    # it follows the document: a new base rate moves the scenario's curve
    window.document.set_value("scenario.base_rate", 0.01)
    assert view.metrics.scenario_base_rate == 0.01
    window.document.set_value("scenario.base_rate", 0.1)  # the evaluation set's own
    assert not view.reliability.scenario.isVisible()


def test_threshold_lines_of_a_real_model_show_the_raw_score(qtbot, make_window):
    window = make_window(assets.preset_path("safe_browsing_model"))
    loaded = window.document.analysis.scores
    top, middle = window.score_plot.threshold_lines
    raw = loaded.raw_at(np.array([0.1, 0.02]))
    assert f"the model's raw score: {raw[0]:.4g}" in top.toolTip()
    assert f"the model's raw score: {raw[1]:.4g}" in middle.toolTip()
    # a threshold above every evaluation row has no raw score, and the tooltip says so
    window.document.set_value("experience.bands[0].threshold", 0.9)
    assert "no evaluation row scores that high" in window.score_plot.threshold_lines[0].toolTip()
    # a synthetic model's score is the calibrated one: nothing more to say
    click(qtbot, window.design_panel.model_actions.describe)
    assert isinstance(window.document.preset.model, SyntheticModel)
    assert "raw score" not in window.score_plot.threshold_lines[0].toolTip()


def test_model_view_notes_a_decision_function_and_its_calibration(
    qtbot, make_window, synthetic_copy
):
    from sklearn.svm import LinearSVC

    folder = synthetic_copy.parent
    save_skops(LinearSVC(), folder / "svm.skops")
    write_eval(folder)
    window = make_window(synthetic_copy)
    assert window.model_loader.load_sklearn(folder / "svm.skops", folder / "eval.csv")
    wait_loaded(qtbot, window)
    assert not window.told
    window.show_model_details()
    assert "decision_function values are the raw scores" in window.model_view.notes.text()
    figures = window.model_view.figures.text()
    assert "isotonic regression, cross-fitted on 5 folds" in figures
    assert "Thresholds" in figures and "raw " in figures  # each threshold's raw score
    assert "scores calibrated" in window.design_panel.model_actions.summary.text()


def test_replace_model_drops_citations_of_fields_the_new_model_lacks():
    preset = load_preset(assets.preset_path("safe_browsing"))
    assert any(k.startswith("model.auc") for k in preset.sources)
    out = replace_model(preset, ScoreFileModel(path="s.csv"))
    assert not any(k.startswith("model.") for k in out.sources)
    assert out.scenario == preset.scenario


# --- presets whose model needs consent, and the command line ---------------------------------


@pytest.fixture
def pickle_preset(synthetic_copy, pickled) -> Path:
    """A preset file whose model is a pickle (consent needed every time it loads)."""
    folder, _ = pickled
    preset = load_preset(synthetic_copy)
    model = SklearnModel(
        model=preset_relative(folder / "model.pkl", synthetic_copy.parent),
        data=preset_relative(folder / "eval.csv", synthetic_copy.parent),
        allow_pickle=True,
    )
    path = synthetic_copy.parent / "pickled.yaml"
    save_preset(replace_model(preset, model), path)
    return path


def test_opening_a_preset_whose_model_needs_consent_asks(qtbot, make_window, pickle_preset):
    window = make_window(answer=Button.No)
    before = state(window)
    assert window.open_file(pickle_preset)
    wait_loaded(qtbot, window)
    assert len(window.asked) == 1 and "arbitrary code" in window.asked[0]
    assert state(window) == before and not window.told
    window = make_window(pickle_preset, answer=Button.Yes)  # at start: asked once it is up
    qtbot.waitUntil(lambda: window.document.path == pickle_preset, timeout=LOAD_TIMEOUT_MS)
    assert len(window.asked) == 1
    assert window.document.preset == load_preset(pickle_preset)
    assert not window.document.dirty  # the consent is the session's; the file is as it was


@pytest.mark.parametrize("good", [True, False], ids=["bundle", "bad bundle"])
def test_prototyper_gui_accepts_a_bundle(bundle, tmp_path, good):
    target = bundle if good else tmp_path / "bad.zip"
    if not good:
        target.write_bytes(b"not a zip")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PROTOTYPER_QUIT_AFTER_FIRST_PAINT="1")
    env["HOME"] = env["XDG_DATA_HOME"] = env["XDG_CONFIG_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "prototyper", "gui", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if good:
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("first-paint")
    else:
        assert done.returncode == 2
        lines = [line for line in done.stderr.splitlines() if str(target) in line]
        assert lines == [
            f"{target}: not a readable zip archive (corrupt or truncated?): File is not a zip file"
        ]


def test_saving_a_bundle_copies_its_model_files_beside_the_preset(
    qtbot, make_window, bundle, tmp_path
):
    """The bundle's folder is temporary: the saved preset must not point into it."""
    window = make_window()
    assert drop(window, bundle)
    wait_loaded(qtbot, window)
    before = window.document.analysis.evaluation.net_per_event
    target = tmp_path / "saved" / "mine.yaml"
    target.parent.mkdir()
    assert window._save_to(target)
    saved = load_preset(target)
    assert saved.model.model == "model.skops" and saved.model.data == "eval.csv"
    assert (target.parent / "model.skops").is_file() and (target.parent / "eval.csv").is_file()
    window.close()  # the bundle's temporary folder goes away
    assert not window.model_loader.bundles
    reopened = make_window(target)
    wait_loaded(qtbot, reopened)
    assert reopened.document.analysis.evaluation.net_per_event == before


def test_the_score_file_picker_never_waits_on_a_fifo(tmp_path):
    from prototyper.core.model.model_sections import csv_header

    fifo = tmp_path / "scores.csv"
    os.mkfifo(fifo)  # nobody writes: a plain open() would wait forever
    assert csv_header(fifo) == []
    plain = write_scores(tmp_path / "plain.csv", extra=False)
    assert csv_header(plain)[:2] == ["label", "score"]


def test_a_document_loads_its_model_through_the_cache_it_is_given(qtbot, tmp_path):
    from prototyper.core.preset.preset_io import loads_preset
    from prototyper.qt.document import Document
    from tests.core.test_model_sources import SCORE_MODEL, write_score_file

    write_score_file(tmp_path)
    path = tmp_path / "p.yaml"
    path.write_text(preset_text(SCORE_MODEL))
    cache = model_sources.ModelCache(size=2)
    document = Document(loads_preset(path.read_text()), path, model_cache=cache)
    assert len(cache) == 1 and len(model_sources.default_cache) == 0
    loaded = document.analysis.scores
    document.set_value("scenario.users", 2000)  # an edit re-analyses from the same cache
    assert document.analysis.scores is loaded and len(cache) == 1
