"""`evaluate` on a preset whose model file did not travel with it: one line that names the
file and says how to go on; `--described` evaluates with the recorded AUC instead."""

from __future__ import annotations

import json

import pytest

from ..core.small_preset import SMALL
from .running import run

MISSING = SMALL.replace(
    "model: {source: synthetic, auc: 0.8}",
    "model:\n  source: score_file\n  path: ../../x/scores.csv\n  measured_auc: 0.85",
)


@pytest.fixture
def received(tmp_path):
    path = tmp_path / "inbox" / "mail" / "design.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(MISSING)
    return path


def test_a_missing_score_file_is_one_line_with_the_way_out(capsys, received, tmp_path):
    code, out, err = run(capsys, "evaluate", received)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"{received}:" in err and "model.path: no such file" in err
    assert str(tmp_path / "x" / "scores.csv") in err
    assert "--set model.path=PATH" in err and "--described" in err


def test_described_uses_the_recorded_auc(capsys, received):
    code, out, err = run(capsys, "evaluate", received, "--described", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["layers"]["model"]["auc"] == pytest.approx(0.85)


def test_described_with_an_auc_given(capsys, received):
    received.write_text(MISSING.replace("  measured_auc: 0.85\n", ""))
    code, out, err = run(capsys, "evaluate", received, "--described")
    assert code == 2 and "records no measured AUC" in err
    code, out, err = run(capsys, "evaluate", received, "--described", "0.7", "--json")
    assert code == 0
    assert json.loads(out)["layers"]["model"]["auc"] == pytest.approx(0.7)
    code, out, err = run(capsys, "evaluate", received, "--described", "1.5")
    assert code == 2 and "between 0.5 and 1" in err
