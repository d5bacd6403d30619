"""`validate` of a real model checked before: what the first check found is kept, and used
only when the model file passes the trust check again and the evaluation file is the same
and passes its column checks; anything else is checked whole, with the same messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from prototyper import assets
from prototyper.core.model import model_sources, score_cache, validated

from .running import run

FALL = assets.preset_path("fall_detection_model")
TREE = "sklearn.tree._tree.Tree"


@pytest.fixture
def fall(tmp_path) -> Path:
    """The shipped fall preset beside copies of its files, its trusted types left out."""
    shutil.copytree(FALL.parent.parent / "models" / "fall_detection", tmp_path / "models" / "fall")
    presets = tmp_path / "presets"
    presets.mkdir()
    text = FALL.read_text().replace(f"trusted_types: [{TREE}]", "trusted_types: []")
    path = presets / "fall.yaml"
    path.write_text(text.replace("/models/fall_detection/", "/models/fall/"))
    return path


def summaries() -> list[Path]:
    return sorted(score_cache.cache_dir().glob("*.validated.json"))


def validate(capsys, path: Path, *extra: str) -> tuple[int, str, str]:
    model_sources.clear_cache()  # a new process each time, as on the command line
    return run(capsys, "validate", path, *extra)


def test_a_second_validate_says_the_same_from_what_the_first_found(capsys, fall):
    first = validate(capsys, fall, "--trust", TREE)
    assert first[0] == 0 and "ROC AUC" in first[1], first
    assert len(summaries()) == 1
    assert validate(capsys, fall) == first
    assert validate(capsys, fall) == first


def test_kept_findings_never_stand_in_for_the_users_consent(capsys, fall, monkeypatch, tmp_path):
    assert validate(capsys, fall, "--trust", TREE)[0] == 0
    assert validate(capsys, fall)[0] == 0  # consent remembered for this file, for this user
    monkeypatch.setenv("PROTOTYPER_CONFIG_DIR", str(tmp_path / "another_user"))
    code, out, err = validate(capsys, fall)
    assert code == 2 and out == ""
    assert f"--trust {TREE} (remembered for this file)" in err


def test_a_changed_evaluation_file_is_checked_whole(capsys, fall):
    assert validate(capsys, fall, "--trust", TREE)[0] == 0
    data = fall.parent.parent / "models" / "fall" / "eval.csv"
    lines = data.read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",maybe"
    data.write_text("\n".join(lines) + "\n")
    code, out, err = validate(capsys, fall)
    assert code == 2 and out == ""
    assert err.strip().endswith(
        "eval.csv:6: label: expected a binary label, 1 or 0 (or true or false), got 'maybe'"
    )


@pytest.mark.parametrize(
    "kept",
    [
        "not json",
        json.dumps({"rows": 3, "auc": [[5.53e-05, 0.5]]}),  # not this file's rows
        json.dumps({"rows": 10_000, "auc": [[5.53e-05, "0.5"]]}),
        json.dumps({"rows": 10_000, "auc": [[5.53e-05, float("nan")]]}),
        json.dumps({"rows": 10_000, "auc": {"5.53e-05": 0.5}}),
        json.dumps({"rows": 10_000, "auc": [], "more": 1}),
        json.dumps([10_000]),
    ],
)
def test_kept_findings_that_do_not_fit_are_ignored(capsys, fall, kept):
    first = validate(capsys, fall, "--trust", TREE)
    (path,) = summaries()
    path.write_text(kept)
    assert validate(capsys, fall) == first
    assert validate(capsys, fall) == first  # and what it found is kept again


def test_each_base_rate_has_its_own_finding(capsys, fall):
    assert validate(capsys, fall, "--trust", TREE)[0] == 0
    (path,) = summaries()
    rates = [rate for rate, _ in json.loads(path.read_text())["auc"]]
    other = fall.with_name("other.yaml")
    text = fall.read_text()
    assert "base_rate: 5.53e-05\n" in text
    other.write_text(text.replace("base_rate: 5.53e-05\n", "base_rate: 0.2\n"))
    code, out, _ = validate(capsys, other)
    assert code == 0 and "10,000 evaluation rows" in out
    assert [rate for rate, _ in json.loads(path.read_text())["auc"]] == [*rates, 0.2]


def test_known_needs_a_scikit_learn_model_checked_before(fall):
    from prototyper.core.preset.preset_io import load_preset

    preset = load_preset(fall)
    assert validated.known(preset.model, fall.parent, preset.scenario.base_rate) is None
    synthetic = load_preset(assets.preset_path("fall_detection"))
    assert validated.known(synthetic.model, None, 5.53e-05) is None


def test_the_kept_finding_is_what_a_second_validate_reports(capsys, fall):
    """The cache is trusted for numbers only, as for the scores: a kept AUC is reported as
    kept (here one written by hand), while the consent and the file checks run again."""
    assert validate(capsys, fall, "--trust", TREE)[0] == 0
    (path,) = summaries()
    path.write_text(json.dumps({"rows": 10_000, "auc": [[5.53e-05, 0.5]]}))
    code, out, _ = validate(capsys, fall)
    assert code == 0 and out.strip().endswith(
        "(sklearn model: 10,000 evaluation rows, ROC AUC 0.5000)"
    )
