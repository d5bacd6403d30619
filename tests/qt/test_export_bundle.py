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


def big_design(tmp_path):
    """A design whose score file takes several chunks to compress."""
    path = design(tmp_path, "scores.csv")
    rng = np.random.default_rng(5)
    labels = rng.random(150_000) < 0.3
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.15), 0, 1)
    lines = ["label,score"] + [f"{int(y)},{s:.6f}" for y, s in zip(labels, scores, strict=True)]
    (tmp_path / "design" / "scores.csv").write_text("\n".join(lines) + "\n")
    return path


def window_on_big_design(make_window, qtbot, tmp_path):
    """A window on :func:`big_design`, its model loaded, and the design's path."""
    path = big_design(tmp_path)
    window = make_window()
    assert window.open_file(path)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    return window, path


def through(monkeypatch, hook):
    """bundle_bytes with ``hook(fraction, progress)`` in front of the window's progress."""
    from prototyper.core import bundle

    real = bundle.bundle_bytes
    ended: list[str] = []

    def wrapped(preset_file, shown=None, include=(), *, progress=None):
        window_progress = progress or (lambda fraction: None)  # (none from the CLI's pack)
        try:
            out = real(preset_file, shown, include, progress=lambda f: hook(f, window_progress))
        except Exception:
            ended.append("stopped")
            raise
        ended.append("whole")
        return out

    monkeypatch.setattr(bundle, "bundle_bytes", wrapped)
    return ended


def writes(monkeypatch, ready_hook=None):
    """write_bundle, noting for each call whether it ran on the GUI thread; ``ready_hook``
    runs before the write's own ``ready`` (just before the rename)."""
    import threading

    from prototyper.core import bundle

    real = bundle.write_bundle
    on_main: list[bool] = []

    def wrapped(out, data, ready=None):
        on_main.append(threading.current_thread() is threading.main_thread())
        if ready is None:  # a caller that cannot stop the write
            return real(out, data)

        def before_rename():
            if ready_hook is not None:
                ready_hook()
            if ready is not None:
                ready()

        return real(out, data, before_rename)

    monkeypatch.setattr(bundle, "write_bundle", wrapped)
    return on_main


def test_the_bundle_is_packed_in_the_worker_with_progress(
    qtbot, make_window, tmp_path, monkeypatch, capsys
):
    import threading

    window, path = window_on_big_design(make_window, qtbot, tmp_path)
    seen: list[tuple[float, bool]] = []

    def hook(fraction, progress):
        seen.append((fraction, threading.current_thread() is threading.main_thread()))
        progress(fraction)

    ended = through(monkeypatch, hook)
    written_on_main = writes(monkeypatch)
    window.chosen = [tmp_path / "out.zip"]
    assert window.export_bundle() == tmp_path / "out.zip"
    assert ended == ["whole"]
    assert written_on_main == [False]  # the write too: the window never waits on the disk
    fractions = [f for f, _ in seen]
    assert not any(main for _, main in seen)  # never on the GUI thread
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and len(fractions) > 3
    assert fractions == sorted(fractions)
    assert cli.main(["pack", str(path), "-o", str(tmp_path / "cli.zip")]) == 0
    capsys.readouterr()
    assert (tmp_path / "out.zip").read_bytes() == (tmp_path / "cli.zip").read_bytes()


def test_cancel_stops_packing_and_leaves_the_previous_file(
    qtbot, make_window, tmp_path, monkeypatch, cancel_when_entered
):
    import threading

    window, _ = window_on_big_design(make_window, qtbot, tmp_path)
    target = tmp_path / "out.zip"
    target.write_bytes(b"the previous bundle")
    entered, release = threading.Event(), threading.Event()
    fractions: list[float] = []

    def hook(fraction, progress):
        fractions.append(fraction)
        if len(fractions) == 1:  # packing waits here until Cancel was pressed
            entered.set()
            release.wait(10)
        progress(fraction)

    ended = through(monkeypatch, hook)

    cancel_when_entered(window, entered, release)
    window.chosen = [target]
    assert window.export_bundle() is None
    qtbot.waitUntil(lambda: bool(ended), timeout=10_000)
    assert ended == ["stopped"] and fractions == [0.0]  # stopped at its first check
    assert target.read_bytes() == b"the previous bundle"
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert window.told == []


def test_cancel_while_the_bundle_is_written_leaves_the_previous_file(
    qtbot, make_window, tmp_path, monkeypatch, cancel_when_entered
):
    import threading

    window, _ = window_on_big_design(make_window, qtbot, tmp_path)
    target = tmp_path / "out.zip"
    target.write_bytes(b"the previous bundle")
    entered, release = threading.Event(), threading.Event()
    renamed: list[bool] = []

    def at_rename():  # the new bundle is on disk beside the target; Cancel is pressed now
        assert [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
        entered.set()
        release.wait(10)
        renamed.append(True)

    on_main = writes(monkeypatch, at_rename)
    cancel_when_entered(window, entered, release)
    window.chosen = [target]
    assert window.export_bundle() is None
    qtbot.waitUntil(lambda: bool(renamed), timeout=10_000)
    qtbot.waitUntil(lambda: not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")])
    assert on_main == [False]
    assert target.read_bytes() == b"the previous bundle"
    assert window.told == []


def test_a_bundle_that_cannot_be_written_is_told_and_nothing_left(make_window, tmp_path, qtbot):
    write_scores(tmp_path / "design" / "scores.csv")
    path = design(tmp_path, "scores.csv")
    window = make_window()
    assert window.open_file(path)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=20_000)
    target = tmp_path / "taken.zip"
    target.mkdir()  # a folder where the bundle would go
    window.chosen = [target]
    assert window.export_bundle() is None
    assert len(window.told) == 1 and "cannot write" in window.told[0]
    assert target.is_dir() and list(target.iterdir()) == []
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
