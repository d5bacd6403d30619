"""Crash recovery files: one per window, owned by the running app that wrote it.

Each running app (an *instance*) holds an OS lock on its own lock file in the recovery folder,
``<pid>-<random>.lock``, for as long as it runs; the kernel drops the lock when the process
dies, even by ``kill -9``. Its windows write ``<pid>-<random>-<n>.yaml``. At start, a file
whose owner's lock can be taken belongs to a dead app: an *orphan*, which is offered, and is
claimed by taking that lock while it is offered (so two apps starting together never both
offer it). A file whose owner holds its lock is live work of another app: never touched.
Files of older versions (no owner) count as orphans.

The atomic writer's leftovers (``.<name>.<pid>-<random>.tmp``) of dead writers are removed
at start in the folders the app knows (see :func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .preset_io import TEMP_NAME

OWNED = re.compile(r"^(?P<owner>\d+-[0-9a-f]{8})-(?P<window>\d+)\.yaml$")
HEADER = "# prototyper recovery of: "
RECORD = "# prototyper recovery record: "
# A dead writer's temporary file is removed once this old (a save never takes that long);
# one whose process id is in use again, once a day old.
DEAD_TEMP_AGE_S = 600
ANY_TEMP_AGE_S = 24 * 3600

if sys.platform == "win32":  # pragma: no cover - the lock the platform has
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True


def _lock(path: Path) -> int | None:
    """Open and lock ``path`` (created if missing); the descriptor, or None if another
    process (or another descriptor of this one) holds the lock."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            return None
        try:  # removed meanwhile by an app cleaning up a dead owner's lock: lock a new one
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass  # gone between the lock and the check: try a new one
        os.close(fd)


class Instance:
    """This running app's claim on a recovery folder and the names of its windows' files."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.name = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.lock_file = self.folder / f"{self.name}.lock"
        fd = _lock(self.lock_file)
        assert fd is not None  # a fresh, unique name
        self._fd: int | None = fd
        os.write(fd, f"pid {os.getpid()} started {time.time():.0f}\n".encode())
        self._windows = 0

    def new_file(self) -> Path:
        """The recovery file of a new window."""
        self._windows += 1
        return self.folder / f"{self.name}-{self._windows}.yaml"

    def close(self) -> None:
        """The app exits: its lock file goes (its windows removed their own files)."""
        if self._fd is None:
            return
        if not any(self.folder.glob(f"{self.name}-*.yaml")):
            self.lock_file.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


_INSTANCES: dict[Path, Instance] = {}


def instance_for(folder: Path) -> Instance:
    """The instance of this process in ``folder`` (one per folder, shared by its windows)."""
    key = Path(folder).absolute()
    if key not in _INSTANCES:
        _INSTANCES[key] = Instance(key)
    return _INSTANCES[key]


@atexit.register
def _close_instances() -> None:
    for instance in _INSTANCES.values():
        instance.close()


@dataclass
class Orphan:
    """A dead app's recovery file, claimed (its owner's lock held) while it is offered."""

    file: Path
    record: dict
    _lock_file: Path
    _fd: int | None = field(default=None, repr=False)

    @property
    def origin(self) -> str:
        return self.record.get("origin", "")

    def discard(self) -> None:
        """Delete the file (the user said No, or its work is safely in a window)."""
        self.file.unlink(missing_ok=True)
        self.release()

    def release(self) -> None:
        """Stop claiming it: the file stays (offered again next time) unless discarded."""
        if self._fd is None:
            return
        owner = self._lock_file.stem
        if not any(self.file.parent.glob(f"{owner}-*.yaml")) and not self.file.exists():
            self._lock_file.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def read_record(file: Path) -> dict:
    """The record a recovery file starts with (origin, bundle, disk stamp), best effort."""
    record: dict = {}
    try:
        with open(file, encoding="utf-8", errors="replace") as f:
            head = [f.readline() for _ in range(2)]
    except OSError:
        return record
    for line in head:
        if line.startswith(RECORD):
            try:
                data = json.loads(line[len(RECORD) :])
            except ValueError:
                continue
            if isinstance(data, dict):
                record.update(data)
        elif line.startswith(HEADER):
            record.setdefault("origin", line[len(HEADER) :].strip())
    return record


def header(record: dict) -> str:
    """The first lines of a recovery file: the original file for people, then the record."""
    return f"{HEADER}{record.get('origin', '')}\n{RECORD}{json.dumps(record)}\n"


def claim_orphans(instance: Instance) -> list[Orphan]:
    """Every recovery file of a dead app in the instance's folder, newest first, each
    claimed; files of running apps (this one included) are left alone."""
    files = []
    for file in instance.folder.glob("*.yaml"):
        try:
            files.append((file.stat().st_mtime, file))
        except OSError:
            continue
    claims: dict[str, int | None] = {}
    found = []
    for _, file in sorted(files, reverse=True):
        match = OWNED.match(file.name)
        owner = match["owner"] if match else file.stem  # an older version's file: no owner
        if owner == instance.name:
            continue
        lock_file = instance.folder / f"{owner}.lock"
        if owner not in claims:
            claims[owner] = _lock(lock_file)
        if claims[owner] is None:  # alive, or being offered by another app
            continue
        found.append(Orphan(file, read_record(file), lock_file))
    # One descriptor per owner: the owner's first orphan releases it when it is the last.
    for owner, fd in claims.items():
        if fd is None:
            continue
        mine = [o for o in found if o._lock_file.stem == owner]
        if not mine:
            os.close(fd)
            continue
        for orphan in mine:
            orphan._fd = os.dup(fd)
        os.close(fd)
    return found


def remove_dead_locks(instance: Instance) -> None:
    """Lock files of dead apps that left no recovery file."""
    for lock_file in instance.folder.glob("*.lock"):
        owner = lock_file.stem
        if owner == instance.name or any(instance.folder.glob(f"{owner}-*.yaml")):
            continue
        fd = _lock(lock_file)
        if fd is not None:
            lock_file.unlink(missing_ok=True)
            os.close(fd)


def remove_stale_temporaries(folders: Iterable[Path], now: float | None = None) -> list[Path]:
    """Remove the atomic writer's temporary files left by killed saves in ``folders``: only
    names of its own pattern, only those whose writer is gone (and ten minutes old) or that
    are a day old. Returns what was removed."""
    now = time.time() if now is None else now
    removed = []
    for folder in dict.fromkeys(Path(f) for f in folders):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            match = TEMP_NAME.match(entry.name)
            if not match or not entry.is_file(follow_symlinks=False):
                continue
            pid = int(match["pid"])
            try:
                age = now - entry.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
            dead = pid != os.getpid() and not _alive(pid)
            if (dead and age > DEAD_TEMP_AGE_S) or age > ANY_TEMP_AGE_S:
                try:
                    os.unlink(entry.path)
                except OSError:
                    continue
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - os.kill would end the process there
        return True  # only the age decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True
