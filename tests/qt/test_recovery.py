"""No work lost: recovery files per window and per running app, recovery with consent,
bundles saved away from their temporary folder, outside changes, shared files, leftovers."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from prototyper import assets
from prototyper.core.bundle import pack
from prototyper.core.model.model_sections import replace_model
from prototyper.core.preset import recovery
from prototyper.core.preset.preset_io import load_preset, save_preset
from prototyper.core.preset.schema import SklearnModel
from prototyper.qt.main_window import MainWindow

Button = QMessageBox.StandardButton
FIELD = "experience.modes.prompt.forcefulness"
SCRIPT = Path(__file__).with_name("autosaving_window.py")
REPO = Path(__file__).resolve().parents[2]
LOAD_TIMEOUT_MS = 30_000
pytestmark = pytest.mark.usefixtures("fresh_model_cache")


def wait_loaded(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=LOAD_TIMEOUT_MS)


def recovery_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


def crashed_app(recovery_dir: Path) -> recovery.Instance:
    """Another app in this folder; ``crash()`` ends it as a kill would."""
    return recovery.Instance(recovery_dir)


def crash(instance: recovery.Instance, *windows: MainWindow) -> None:
    """The app dies: its lock goes, its files stay, its windows write no more."""
    for window in windows:
        window._autosave_timer.stop()
        window._autosave_timer.timeout.disconnect()
    instance.close()


# --- per window, per app ----------------------------------------------------------------------


def test_two_windows_on_one_file_keep_separate_recovery_files(make_window, preset_copy):
    first, second = make_window(preset_copy), make_window(preset_copy)
    first.document.set_value(FIELD, 0.31)
    second.document.set_value(FIELD, 0.32)
    first.write_recovery()
    second.write_recovery()
    assert first.recovery_file() != second.recovery_file()
    assert load_preset(first.recovery_file()).experience.modes.prompt.forcefulness == 0.31
    assert load_preset(second.recovery_file()).experience.modes.prompt.forcefulness == 0.32
    first.document.undo_stack.setClean()
    assert first.open_file(assets.preset_path("smart_toaster"))  # open: only its own goes
    assert recovery_files(first.recovery_dir) == [second.recovery_file()]


def test_save_and_close_delete_only_the_windows_own_file(make_window, preset_copy, tmp_path):
    other = tmp_path / "other.yaml"
    shutil.copy(preset_copy, other)
    first, second = make_window(preset_copy), make_window(other)
    for window in (first, second):
        window.document.set_value(FIELD, 0.33)
        window.write_recovery()
    assert first.save()
    assert recovery_files(first.recovery_dir) == [second.recovery_file()]
    second.document.set_value(FIELD, 0.34)
    second.write_recovery()
    third = make_window(preset_copy)
    third.document.set_value(FIELD, 0.35)
    third.write_recovery()
    third.document.undo_stack.setClean()
    assert third.close()
    assert recovery_files(first.recovery_dir) == [second.recovery_file()]


def test_a_running_apps_autosave_is_never_offered(make_window, preset_copy, recovery_dir):
    running = crashed_app(recovery_dir)
    window = make_window(preset_copy, instance=running)
    window.document.set_value(FIELD, 0.36)
    window.write_recovery()
    starting = make_window(instance=crashed_app(recovery_dir), answer=Button.No)
    assert not starting.offer_recovery() and not starting.asked
    assert window.recovery_file().exists()  # not taken for a crash, not deleted
    crash(running, window)  # the app dies with the file left: now it is offered
    reborn = make_window(instance=crashed_app(recovery_dir), answer=Button.Yes)
    assert reborn.offer_recovery()
    assert reborn.document.value(FIELD) == 0.36
    assert reborn.document.path == preset_copy.resolve() and reborn.isWindowModified()
    # the work now lives in the new window's own file; the orphan is gone
    assert recovery_files(recovery_dir) == [reborn.recovery_file()]


def test_no_discards_that_orphan_only(make_window, preset_copy, recovery_dir):
    dead, alive = crashed_app(recovery_dir), crashed_app(recovery_dir)
    lost = make_window(preset_copy, instance=dead)
    lost.document.set_value(FIELD, 0.37)
    lost.write_recovery()
    live = make_window(preset_copy, instance=alive)
    live.document.set_value(FIELD, 0.38)
    live.write_recovery()
    crash(dead, lost)
    starting = make_window(instance=crashed_app(recovery_dir), answer=Button.No)
    assert not starting.offer_recovery()
    assert len(starting.asked) == 1 and "mine.yaml" in starting.asked[0]
    assert recovery_files(recovery_dir) == [live.recovery_file()]


def test_an_orphan_being_offered_by_one_app_is_not_offered_by_another(
    make_window, preset_copy, recovery_dir
):
    dead = crashed_app(recovery_dir)
    lost = make_window(preset_copy, instance=dead)
    lost.document.set_value(FIELD, 0.39)
    lost.write_recovery()
    crash(dead, lost)
    offering = recovery.claim_orphans(crashed_app(recovery_dir))
    assert [o.file for o in offering] == [lost.recovery_file()]
    assert recovery.claim_orphans(crashed_app(recovery_dir)) == []  # claimed meanwhile
    for orphan in offering:
        orphan.release()
    assert len(recovery.claim_orphans(crashed_app(recovery_dir))) == 1


def run_script(*args, env):
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def app_env(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    env["HOME"] = env["XDG_DATA_HOME"] = env["XDG_CONFIG_HOME"] = str(tmp_path)
    env["XDG_CACHE_HOME"] = env["XDG_RUNTIME_DIR"] = str(tmp_path)
    return env


def start_editing_app(recovery_dir, preset, value, env):
    """A real app process that edited ``preset`` and autosaved; returns (process, file)."""
    process = run_script("edit", recovery_dir, preset, value, env=env)
    line = process.stdout.readline()
    assert line.startswith("autosaved "), process.stderr.read() if not line else line
    return process, Path(line.split(" ", 1)[1].strip())


def kill_hard(process) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    process.stderr.close()


def test_a_killed_apps_autosave_is_offered_and_a_live_one_is_not(
    make_window, preset_copy, recovery_dir, app_env
):
    """A real process autosaves; while it runs another process and this one see no crash;
    after kill -9 the next start offers the work and restores it."""
    process, autosaved = start_editing_app(recovery_dir, preset_copy, 0.41, app_env)
    try:
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from prototyper.core.preset import recovery;"
                "i = recovery.Instance(Path(sys.argv[1]));"
                "print(len(recovery.claim_orphans(i)))",
                str(recovery_dir),
            ],
            env=app_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert probe.stdout.strip() == "0", probe.stderr
        starting = make_window(instance=crashed_app(recovery_dir), answer=Button.No)
        assert not starting.offer_recovery() and not starting.asked
        assert autosaved.exists()
    finally:
        kill_hard(process)
    assert autosaved.exists()  # kill -9: nothing cleaned up
    reborn = make_window(instance=crashed_app(recovery_dir), answer=Button.Yes)
    assert reborn.offer_recovery()
    assert reborn.document.value(FIELD) == 0.41 and reborn.isWindowModified()
    assert reborn.document.path == preset_copy.resolve()
    assert not autosaved.exists()


@pytest.mark.slow
def test_real_app_processes_recover_after_kill_9(preset_copy, recovery_dir, app_env):
    """The same, with every start a real app process (about 10 s)."""
    process, autosaved = start_editing_app(recovery_dir, preset_copy, 0.42, app_env)
    try:
        second = run_script("start", recovery_dir, "no", env=app_env)
        out, err = second.communicate(timeout=120)
        assert json.loads(out.splitlines()[-1])["asked"] == [], err
        assert autosaved.exists()  # answering nothing deleted nothing
    finally:
        kill_hard(process)
    third = run_script("start", recovery_dir, "yes", env=app_env)
    out, err = third.communicate(timeout=120)
    result = json.loads(out.splitlines()[-1])
    assert len(result["asked"]) == 1 and "mine.yaml" in result["asked"][0], err
    assert result["restored"] and result["dirty"] and result["value"] == 0.42
    assert result["path"] == str(preset_copy.resolve())
    assert not autosaved.exists()


# --- recovery of a model that needs consent ------------------------------------------------------


@pytest.fixture
def pickle_preset(tmp_path) -> Path:
    """A preset whose model is a pickle: loading it needs consent every time."""
    from sklearn.linear_model import LogisticRegression

    folder = tmp_path / "pickled"
    folder.mkdir()
    rng = np.random.default_rng(3)
    y = rng.random(400) < 0.3
    X = np.round(rng.normal(size=(400, 3)) + np.array([1.0, 0.5, 0.0]) * y[:, None], 6)
    (folder / "model.pkl").write_bytes(pickle.dumps(LogisticRegression().fit(X, y.astype(int))))
    rows = ["a,b,c,label"] + [
        ",".join([*map(repr, map(float, x)), str(int(v))]) for x, v in zip(X, y, strict=True)
    ]
    (folder / "eval.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    preset = load_preset(assets.preset_path("fall_detection"))
    model = SklearnModel(model="model.pkl", data="eval.csv", allow_pickle=True)
    path = folder / "pickled.yaml"
    save_preset(replace_model(preset, model), path)
    return path


def crash_with_edit(make_window, qtbot, path, recovery_dir, value=0.43):
    """A window of another app opens ``path`` (saying yes to its consent), edits, autosaves,
    and that app dies."""
    dead = crashed_app(recovery_dir)
    window = make_window(path, instance=dead, answer=Button.Yes)
    qtbot.waitUntil(lambda: window.document.path is not None, timeout=LOAD_TIMEOUT_MS)
    wait_loaded(qtbot, window)
    window.document.set_value(FIELD, value)
    window.write_recovery()
    crash(dead, window)
    return window


def test_recovering_a_model_that_needs_consent_asks_again(
    qtbot, make_window, pickle_preset, recovery_dir
):
    crash_with_edit(make_window, qtbot, pickle_preset, recovery_dir)
    reborn = make_window(instance=crashed_app(recovery_dir), answer=Button.Yes)
    assert reborn.offer_recovery()
    wait_loaded(qtbot, reborn)
    assert len(reborn.asked) == 2 and "arbitrary code" in reborn.asked[1]
    doc = reborn.document
    assert doc.value(FIELD) == 0.43 and doc.dirty
    assert doc.path == pickle_preset.resolve() and doc.preset.model.model == "model.pkl"
    assert not reborn.told
    assert recovery_files(recovery_dir) == [reborn.recovery_file()]
    assert reborn.save()
    assert load_preset(pickle_preset).experience.modes.prompt.forcefulness == 0.43


def test_declining_the_consent_keeps_the_recovered_work_for_next_time(
    qtbot, make_window, pickle_preset, recovery_dir
):
    crash_with_edit(make_window, qtbot, pickle_preset, recovery_dir)
    (orphan,) = recovery_files(recovery_dir)

    def answer(title):
        return Button.Yes if title.startswith("Recover") else Button.No

    reborn = make_window(instance=crashed_app(recovery_dir), answer=answer)
    reborn.offer_recovery()
    wait_loaded(qtbot, reborn)
    assert len(reborn.asked) == 2
    (told,) = reborn.told
    assert "kept and offered again at the next start" in told
    assert reborn.document.path != orphan and not reborn.document.dirty
    assert orphan.exists()
    again = make_window(instance=crashed_app(recovery_dir), answer=Button.Yes)
    assert again.offer_recovery()  # offered again, and now restored
    wait_loaded(qtbot, again)
    assert again.document.value(FIELD) == 0.43 and not orphan.exists()


# --- bundles -----------------------------------------------------------------------------------


@pytest.fixture
def pickle_bundle(tmp_path, pickle_preset) -> Path:
    out = tmp_path / "pickled.zip"
    pack(pickle_preset, out)
    return out


def test_save_as_from_a_bundle_after_consent_copies_the_files_beside(
    qtbot, make_window, pickle_bundle, tmp_path
):
    window = make_window(answer=Button.Yes)
    assert window.open_file(pickle_bundle)
    wait_loaded(qtbot, window)
    assert len(window.asked) == 1 and "arbitrary code" in window.asked[0]
    (extracted,) = window.model_loader.bundles
    window.document.set_value(FIELD, 0.44)
    target = tmp_path / "saved" / "mine.yaml"
    target.parent.mkdir()
    assert window._save_to(target)
    saved = load_preset(target)
    assert saved.model.model == "model.pkl" and saved.model.data == "eval.csv"
    assert (target.parent / "model.pkl").is_file() and (target.parent / "eval.csv").is_file()
    assert window.document.set_value(FIELD, 0.45)  # the copy loads with the same consent
    window.document.undo_stack.setClean()
    window.close()
    assert not extracted.directory.exists()
    reopened = make_window(target, answer=Button.Yes)
    qtbot.waitUntil(lambda: reopened.document.path == target, timeout=LOAD_TIMEOUT_MS)
    wait_loaded(qtbot, reopened)
    assert reopened.document.value(FIELD) == 0.44 and not reopened.told


def test_a_recovered_bundle_is_untitled_and_saves_copies(
    qtbot, make_window, pickle_bundle, recovery_dir, tmp_path
):
    lost = crash_with_edit(make_window, qtbot, pickle_bundle, recovery_dir, value=0.46)
    (folder,) = [b.directory for b in lost.model_loader.bundles]
    lost.model_loader.bundles.clear()  # a killed app removes nothing: the folder stays
    reborn = make_window(instance=crashed_app(recovery_dir), answer=Button.Yes)
    assert reborn.offer_recovery()
    wait_loaded(qtbot, reborn)
    assert "pickled.zip" in reborn.asked[0]
    doc = reborn.document
    assert doc.path is None and doc.dirty and doc.value(FIELD) == 0.46  # Save asks where
    target = tmp_path / "kept" / "design.yaml"
    target.parent.mkdir()
    assert reborn._save_to(target)
    assert load_preset(target).model.model == "model.pkl"
    assert (target.parent / "model.pkl").is_file()
    assert not folder.exists()  # the crashed app's folder went once no longer used


# --- saving over outside changes, shared files -----------------------------------------------


def changes_answered(answer):
    def ask(title):
        return answer if title == "File changed on disk" else Button.Discard

    return ask


def test_an_outside_edit_is_detected_before_saving(make_window, preset_copy):
    window = make_window(preset_copy, answer=changes_answered(Button.Cancel))
    window.document.set_value(FIELD, 0.47)
    outside = preset_copy.read_text(encoding="utf-8") + "# edited elsewhere\n"
    preset_copy.write_text(outside, encoding="utf-8")
    assert not window.save()
    assert preset_copy.read_text(encoding="utf-8") == outside and window.document.dirty
    assert window.asked[0].startswith("File changed on disk")
    window.ask = lambda *a: Button.Save
    assert window.save()
    assert load_preset(preset_copy).experience.modes.prompt.forcefulness == 0.47
    window.document.set_value(FIELD, 0.48)
    os.utime(preset_copy)  # touched, not changed: no question
    window.ask = lambda *a: pytest.fail("asked about an unchanged file")
    assert window.save()


def test_two_windows_on_one_file_do_not_overwrite_each_other_silently(make_window, preset_copy):
    first = make_window(preset_copy, answer=changes_answered(Button.Cancel))
    second = make_window(preset_copy, answer=changes_answered(Button.Cancel))
    first.document.set_value(FIELD, 0.49)
    second.document.set_value("scenario.base_rate", 0.02)
    assert first.save() and not first.asked
    assert not second.save()
    assert second.asked and second.asked[0].startswith("File changed on disk")
    assert load_preset(preset_copy).experience.modes.prompt.forcefulness == 0.49


def test_saving_through_a_symlink_updates_the_shared_file(make_window, tmp_path):
    shared = tmp_path / "team" / "shared.yaml"
    shared.parent.mkdir()
    shutil.copy(assets.preset_path("safe_browsing"), shared)
    shared.chmod(0o664)
    link = tmp_path / "mine.yaml"
    link.symlink_to(shared)
    window = make_window(link)
    window.document.set_value(FIELD, 0.51)
    assert window.save()
    assert link.is_symlink()
    assert load_preset(shared).experience.modes.prompt.forcefulness == 0.51
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    assert sorted(p.name for p in shared.parent.iterdir()) == ["shared.yaml"]
    window.document.set_value(FIELD, 0.52)
    assert window.save() and not window.asked  # its own save is no outside change


@pytest.mark.parametrize("mode", [0o644, 0o664])
def test_saving_keeps_the_files_permissions(make_window, preset_copy, mode):
    preset_copy.chmod(mode)
    window = make_window(preset_copy)
    window.document.set_value(FIELD, 0.53)
    assert window.save()
    assert stat.S_IMODE(preset_copy.stat().st_mode) == mode


def test_saving_onto_a_fifo_is_refused_in_one_line(make_window, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    window = make_window()
    assert not window._save_to(fifo)
    (told,) = window.told
    assert told == f"{fifo}: a FIFO (named pipe), not a regular file; choose a file name"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# --- leftovers of killed saves -------------------------------------------------------------------


def dead_pid() -> int:
    """The id of a process that has ended."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_leftovers_of_killed_saves_are_removed_at_start(
    make_window, preset_copy, recovery_dir, tmp_path
):
    first = make_window(preset_copy)
    assert first.save()  # the file's folder is now a recent one
    pid = dead_pid()
    old = time.time() - 2 * recovery.DEAD_TEMP_AGE_S
    stale = [
        tmp_path / f".mine.yaml.{pid}-0123456789ab.tmp",
        recovery_dir / f".{first.recovery.name}-1.yaml.{pid}-ba9876543210.tmp",
    ]
    fresh = tmp_path / f".mine.yaml.{pid}-aaaaaaaaaaaa.tmp"  # maybe another machine's, writing
    live = tmp_path / f".mine.yaml.{os.getppid()}-bbbbbbbbbbbb.tmp"  # a running writer
    foreign = tmp_path / f".mine.yaml.{pid}-notours.tmp"  # not our pattern
    for path in [*stale, fresh, live, foreign]:
        path.write_text("half a save")
        if path is not fresh:
            os.utime(path, (old, old))
    starting = make_window(instance=crashed_app(recovery_dir))
    starting.offer_recovery()
    assert not any(p.exists() for p in stale)
    assert fresh.exists() and live.exists() and foreign.exists()


def test_a_recovered_bundle_whose_folder_is_gone_is_unpacked_again(
    qtbot, make_window, pickle_bundle, recovery_dir
):
    lost = crash_with_edit(make_window, qtbot, pickle_bundle, recovery_dir, value=0.54)
    (bundle,) = lost.model_loader.bundles
    lost.model_loader.bundles.clear()
    shutil.rmtree(bundle.directory)  # the temporary folder was emptied since (a reboot)
    reborn = make_window(instance=crashed_app(recovery_dir), answer=Button.Yes)
    assert reborn.offer_recovery()
    wait_loaded(qtbot, reborn)
    assert reborn.document.value(FIELD) == 0.54 and not reborn.told
    assert reborn.document.path is None
    reborn.document.undo_stack.setClean()
    reborn.close()
    assert not bundle.directory.exists()  # removed with the window that used it


def test_an_older_versions_recovery_file_is_offered(make_window, preset_copy, recovery_dir):
    """Before per-window files: '<hash>.yaml', one header line, paths as in the original."""
    recovery_dir.mkdir()
    preset = load_preset(preset_copy)
    text = preset_copy.read_text(encoding="utf-8").replace(
        "forcefulness: 0.", "forcefulness: 0.0", 1
    )
    old = recovery_dir / "0123456789ab.yaml"
    old.write_text(f"# prototyper recovery of: {preset_copy.resolve()}\n{text}", "utf-8")
    expected = load_preset(old).experience.modes.prompt.forcefulness
    assert expected != preset.experience.modes.prompt.forcefulness
    reborn = make_window(instance=crashed_app(recovery_dir), answer=Button.Yes)
    assert reborn.offer_recovery()
    assert reborn.document.value(FIELD) == expected
    assert reborn.document.path == preset_copy.resolve() and not old.exists()


def test_no_to_a_recovered_bundle_removes_the_dead_apps_folder(
    qtbot, make_window, pickle_bundle, recovery_dir
):
    lost = crash_with_edit(make_window, qtbot, pickle_bundle, recovery_dir, value=0.55)
    (bundle,) = lost.model_loader.bundles
    lost.model_loader.bundles.clear()
    starting = make_window(instance=crashed_app(recovery_dir), answer=Button.No)
    assert not starting.offer_recovery()
    assert not bundle.directory.exists() and not recovery_files(recovery_dir)


def test_a_recovered_bundle_crashing_again_is_still_recovered(
    qtbot, make_window, pickle_bundle, recovery_dir
):
    """The recovered work names the dead app's folder; the next recovery file says so."""
    lost = crash_with_edit(make_window, qtbot, pickle_bundle, recovery_dir, value=0.56)
    lost.model_loader.bundles.clear()
    app = crashed_app(recovery_dir)
    again = make_window(instance=app, answer=Button.Yes)
    assert again.offer_recovery()
    wait_loaded(qtbot, again)
    (folder,) = [b.directory for b in again.model_loader.bundles]
    again.model_loader.bundles.clear()
    crash(app, again)
    shutil.rmtree(folder)
    third = make_window(instance=crashed_app(recovery_dir), answer=Button.Yes)
    assert third.offer_recovery()
    wait_loaded(qtbot, third)
    assert "pickled.zip" in third.asked[0]
    assert third.document.value(FIELD) == 0.56 and third.document.path is None
    assert not third.told


def test_an_outside_edit_with_the_same_size_and_time_is_detected(make_window, preset_copy):
    """A coarse clock can give two writes the same time: the content decides."""
    window = make_window(preset_copy, answer=changes_answered(Button.Cancel))
    window.document.set_value(FIELD, 0.57)
    before = preset_copy.stat()
    text = preset_copy.read_text(encoding="utf-8")
    preset_copy.write_text(text.replace("Safe browsing", "Safe_browsing", 1), encoding="utf-8")
    os.utime(preset_copy, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert preset_copy.stat().st_size == before.st_size
    assert not window.save() and window.asked[0].startswith("File changed on disk")


def test_recovered_work_notices_the_file_changed_since_the_crash(
    make_window, preset_copy, recovery_dir
):
    dead = crashed_app(recovery_dir)
    lost = make_window(preset_copy, instance=dead)
    lost.document.set_value(FIELD, 0.58)
    lost.write_recovery()
    crash(dead, lost)
    outside = preset_copy.read_text(encoding="utf-8") + "# edited after the crash\n"
    preset_copy.write_text(outside, encoding="utf-8")

    def answer(title):
        return Button.Yes if title.startswith("Recover") else Button.Cancel

    reborn = make_window(instance=crashed_app(recovery_dir), answer=answer)
    assert reborn.offer_recovery()
    assert not reborn.save()
    assert reborn.asked[-1].startswith("File changed on disk")
    assert preset_copy.read_text(encoding="utf-8") == outside
