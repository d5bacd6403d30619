"""Model files that run code when loaded (tests/core/gadgets.py) never run, whatever the
preset trusts: every command, from a preset or a bundle, in-process or in a real process,
exits 2 with one line asking for the user's consent, and the gadget's marker never appears.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from prototyper.core.bundle import pack

from ..core.gadgets import GADGET_IDS, GADGETS, MARKER, build
from .running import run

REPO = Path(__file__).resolve().parents[2]
COMMANDS = {
    "validate": [],
    "evaluate": [],
    "sweep": ["--param", "experience.bands[0].threshold", "--values", "0.3,0.6"],
    "simulate": ["--replications", "1", "--users", "10"],
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Each gadget's preset and a bundle of it, built once."""
    out = {}
    for gadget in GADGETS:
        folder = tmp_path_factory.mktemp("gadget")
        preset = build(gadget, folder / "files")
        bundle = folder / "gadget.zip"
        pack(preset, bundle)
        out[gadget.name] = (preset, bundle)
    return out


def markers(corpus) -> list[Path]:
    return [p for preset, _ in corpus.values() for p in preset.parent.parent.rglob(MARKER)]


def gadget_type(preset: Path, name: str) -> str:
    """The name skops gives the gadget's function (os.system is posix.system here)."""
    import skops.io as sio

    types = sio.get_untrusted_types(file=preset.parent / "model.skops")
    (found,) = [t for t in types if t.endswith(name.rsplit(".", 1)[1])]
    return found


@pytest.mark.parametrize("name", GADGET_IDS)
def test_no_command_runs_a_gadget_the_preset_trusts(capsys, corpus, name):
    preset, bundle = corpus[name]
    kind = gadget_type(preset, name)
    for source in (preset, bundle):
        for command, extra in COMMANDS.items():
            code, out, err = run(capsys, command, source, *extra)
            assert code == 2 and out == "", (command, source, err)
            (line,) = err.strip().splitlines()
            assert "model.trusted_types: the file holds types that are not trusted" in line
            assert f"{kind} (can run code on this computer)" in line
            assert f"--trust {kind}" in line and "a preset can only request types" in line
    assert not markers(corpus)


def test_a_real_process_refuses_every_gadget(corpus, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    files = [str(preset) for preset, _ in corpus.values()]
    files += [str(bundle) for _, bundle in corpus.values()]
    proc = subprocess.run(
        [sys.executable, "-m", "prototyper", "validate", *files],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(files)
    assert all("(can run code on this computer)" in line for line in lines)
    assert not markers(corpus)


# pdb.run stops at the debugger's prompt before it runs the statement.
FIRING = [g for g in GADGETS if g.fires and g.name != "pdb.run"]


@pytest.mark.parametrize("gadget", FIRING, ids=[g.name for g in FIRING])
def test_the_gadgets_are_real_and_trust_is_the_users(capsys, tmp_path, monkeypatch, gadget):
    """With the user's --trust for every type, the same file does run its payload: the
    refusals above are what keeps the marker away."""
    import tempfile

    import skops.io as sio

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # pydoc.tempfilepager's file

    preset = build(gadget, tmp_path / "files")
    types = sio.get_untrusted_types(file=preset.parent / "model.skops")
    trust = [a for t in types for a in ("--trust", t)]
    run(capsys, "evaluate", preset, *trust)  # the payload breaks the classifier: exit 2
    assert (preset.parent / MARKER).exists()
