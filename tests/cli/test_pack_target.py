"""`prototyper pack -o TARGET` writes only a regular file or a new name: a device, a FIFO or a
folder is refused with one line (exit 2) and left as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from prototyper.core.bundle import pack
from prototyper.core.preset.preset_io import PresetError

from .running import run


def test_pack_to_a_fifo_is_refused_in_one_line(capsys, small_file, tmp_path):
    fifo = tmp_path / "out.zip"
    os.mkfifo(fifo)
    code, out, err = run(capsys, "pack", small_file, "-o", fifo)
    assert code == 2 and not out
    assert err.splitlines() == [
        f"prototyper: {fifo}: cannot write: a FIFO (named pipe), not a regular file; "
        "choose a file name"
    ]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_pack_to_a_folder_is_refused(capsys, small_file, tmp_path):
    code, _, err = run(capsys, "pack", small_file, "-o", tmp_path)
    assert code == 2 and len(err.splitlines()) == 1 and "a folder" in err
    assert tmp_path.is_dir()


@pytest.mark.skipif(not Path("/dev/null").is_char_device(), reason="no /dev/null here")
def test_pack_to_a_device_is_refused_and_leaves_it_a_device(capsys, small_file):
    code, _, err = run(capsys, "pack", small_file, "-o", "/dev/null")
    assert code == 2 and "a device, not a regular file" in err
    assert Path("/dev/null").is_char_device()


def test_pack_the_function_refuses_a_fifo_too(small_file, tmp_path):
    fifo = tmp_path / "out.zip"
    os.mkfifo(fifo)
    with pytest.raises(PresetError) as caught:
        pack(small_file, fifo)
    assert str(caught.value) == (
        f"{fifo}: cannot write: a FIFO (named pipe), not a regular file; choose a file name"
    )


def test_pack_through_a_symlink_writes_the_target(capsys, small_file, tmp_path):
    real = tmp_path / "shared" / "out.zip"
    real.parent.mkdir()
    real.write_bytes(b"old")
    real.chmod(0o664)
    link = tmp_path / "out.zip"
    link.symlink_to(real)
    code, _, err = run(capsys, "pack", small_file, "-o", link)
    assert code == 0, err
    assert link.is_symlink() and real.read_bytes()[:2] == b"PK"
    assert stat.S_IMODE(real.stat().st_mode) == 0o664
