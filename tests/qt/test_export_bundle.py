"""File > Export Bundle… writes what `prototyper pack` writes, with the same refusals."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from prototyper import cli
from tests.core.small_preset import SMALL

Button = QMessageBox.StandardButton


def write_scores(path):
    rng = np.random.default_rng(3)
    labels = rng.random(300) < 0.3
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.15), 0, 1)
    lines = ["label,score"] + [f"{int(y)},{s:.4f}" for y, s in zip(labels, scores, strict=True)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def design(tmp_path, scores: str):
    path = tmp_path / "design" / "design.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    model = f"model:\n  source: score_file\n  path: {scores}  # the team's export"
    path.write_text(SMALL.replace("model: {source: synthetic, auc: 0.8}", model))
    return path


def contents(zip_path):
    with zipfile.ZipFile(zip_path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_the_window_and_pack_write_the_same_bundle(qtbot, make_window, tmp_path, capsys):
    write_scores(tmp_path / "design" / "scores.csv")
    path = design(tmp_path, "scores.csv")
    window = make_window()
    assert window.open_file(path)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=20_000)
    window.chosen = [tmp_path / "from_window"]  # the suffix is added
    assert window.export_bundle() == tmp_path / "from_window.zip"
    assert cli.main(["pack", str(path), "-o", str(tmp_path / "from_cli.zip")]) == 0
    capsys.readouterr()
    made = contents(tmp_path / "from_window.zip")
    assert made == contents(tmp_path / "from_cli.zip")
    assert sorted(made) == ["data/scores.csv", "preset.yaml"]
    assert b"# the team's export" in made["preset.yaml"]
    assert window.told == []


@pytest.mark.parametrize("answer", [Button.No, Button.Yes])
def test_files_outside_the_folder_go_in_only_when_accepted(
    qtbot, make_window, tmp_path, capsys, answer
):
    shared = tmp_path / "shared" / "scores.csv"
    write_scores(shared)
    path = design(tmp_path, "../shared/scores.csv")
    window = make_window(answer=answer)
    assert window.open_file(path)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=20_000)
    window.chosen = [tmp_path / "out.zip"]
    result = window.export_bundle()
    assert len(window.asked) == 1 and str(shared) in window.asked[0]
    code = cli.main(["pack", str(path), "-o", str(tmp_path / "cli.zip")])
    assert code == 2 and "outside the preset's folder" in capsys.readouterr().err
    if answer == Button.No:
        assert result is None and not (tmp_path / "out.zip").exists()
        return
    include = ["--include", str(shared)]
    assert cli.main(["pack", str(path), "-o", str(tmp_path / "cli.zip"), *include]) == 0
    capsys.readouterr()
    assert contents(tmp_path / "out.zip") == contents(tmp_path / "cli.zip")
    assert "data/scores.csv" in contents(tmp_path / "out.zip")


def test_a_missing_file_is_told_and_nothing_written(make_window, tmp_path):
    path = design(tmp_path, "../../x/scores.csv")
    window = make_window(path)
    window.chosen = [tmp_path / "out.zip"]
    assert window.export_bundle() is None
    assert len(window.told) == 1 and "scores.csv" in window.told[0]
    assert not (tmp_path / "out.zip").exists()
