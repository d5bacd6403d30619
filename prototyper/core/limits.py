"""Reading files without surprises: only regular files, sizes checked before reading, and
zip members measured while they stream.

Every reader of a user's file (preset, CSV, model, bundle) opens it through
:func:`open_regular`: a FIFO, device, socket or folder is refused at once (the file is
opened non-blocking, so even opening a FIFO cannot hang), and a file over the reader's cap
is refused from its size before a byte is read. Zip members are measured by decompressing
them in chunks (:func:`unpacked_size`, :func:`read_member`): a header's declared size is
only a first, cheap check.

Failures raise :class:`Refused` with a one-line reason; each caller turns it into its own
``file:line: field: message`` problem.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20  # bytes decompressed at a time


class Refused(Exception):
    """A file (or zip member) that is not read; ``str()`` is the reason, one line."""

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.missing = missing  # the file does not exist


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _not_a_file(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    return f"is {kind_of(mode)}, not a regular file"


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB" if n >= 1 << 20 else f"{n / 1000:,.0f} kB"


def open_regular(path: str | os.PathLike, max_bytes: int, too_big: str | None = None) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file of at most ``max_bytes`` (its size
    from fstat on the opened descriptor, so what is checked is what is read)."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    flags = os.O_RDONLY | nonblocking | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        raise Refused(f"cannot read: {exc.strerror}", missing=True) from None
    except IsADirectoryError:  # where folders cannot be opened at all
        raise Refused("cannot read: it is a folder, not a file") from None
    except OSError as exc:
        raise Refused(f"cannot read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused(f"cannot read: it {_not_a_file(st.st_mode)}")
        if st.st_size > max_bytes:
            raise Refused(too_big or f"is {_mb(st.st_size)}, over the {_mb(max_bytes)} allowed")
        if nonblocking and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike, max_bytes: int, too_big: str | None = None) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (see :func:`open_regular`); a
    file that grows past the cap while being read is refused too."""
    with open_regular(path, max_bytes, too_big) as f:
        try:
            data = f.read(max_bytes + 1)
        except OSError as exc:
            raise Refused(f"cannot read: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise Refused(too_big or f"is over the {_mb(max_bytes)} allowed")
    return data


def is_regular(path: str | os.PathLike) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def exists(path: str | os.PathLike) -> bool:
    """Like Path.exists, but a name the system refuses (too long, a NUL byte) is simply
    not there: a user's typo, never a crash."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def describe(path: str | os.PathLike) -> str:
    """Why ``path`` is not a file we read: 'no such file', what it is instead, or what the
    system says of the name (too long...)."""
    try:
        mode = os.stat(Path(path)).st_mode
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return "no such file"
    except OSError as exc:
        return f"cannot read ({(exc.strerror or 'error').lower()})"
    return _not_a_file(mode)


# --- zip members ---------------------------------------------------------------------------

# Errors a damaged or hostile member raises while it is decompressed.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError)


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, what: str):
    if info.file_size > cap:
        raise Refused(f"{what} unpacks to {_mb(info.file_size)}, over the {_mb(cap)} allowed")
    total = 0
    with zf.open(info) as src:
        while chunk := src.read(CHUNK):
            total += len(chunk)
            if total > cap:  # the header lied, or the cap is below what it declared
                raise Refused(f"{what} unpacks to more than the {_mb(cap)} allowed")
            yield chunk


def unpacked_size(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, what: str) -> int:
    """The real uncompressed size of a member, decompressed in chunks and never kept;
    Refused as soon as it passes ``cap``."""
    return sum(len(c) for c in _chunks(zf, info, cap, what))


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, what: str) -> bytes:
    """A member's bytes, refused as soon as they pass ``cap`` while decompressing."""
    return b"".join(_chunks(zf, info, cap, what))


def copy_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, dst: BinaryIO, cap: int, what: str
) -> int:
    """Write a member to ``dst`` in chunks; Refused as soon as it passes ``cap``."""
    written = 0
    for chunk in _chunks(zf, info, cap, what):
        dst.write(chunk)
        written += len(chunk)
    return written
