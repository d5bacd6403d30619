"""What loading a model file needs from the user, found without loading it.

Nothing is trusted that the user has not trusted. A model file is first checked in size and
format (a skops file must be a zip archive that unpacks to a bounded size; a bomb is refused
before any question). A skops file is then checked with ``skops.io.get_untrusted_types``. Of
the types beyond skops' defaults, the preset's ``trusted_types`` is only a request: it is
honoured for types on the allowlist (:func:`.trust.allowed`: scikit-learn estimators, numpy
and scipy data types). Every other type needs the consent of the user on this computer:
``trust`` (the CLI's ``--trust TYPE``, the app's dialog) or consent remembered for the file's
SHA-256 (:mod:`.trust`). A pickle (.pkl, .pickle, .joblib) loads only with
``allow_pickle=True`` (``--trust-pickle`` or the app's dialog), whatever the preset says.

The two errors that a user can fix by consenting are subclasses of PresetError a GUI can
catch: :class:`UntrustedTypes` and :class:`PickleConsent`. A GUI worker thread can call
:func:`check_trust` (lists untrusted types; imports skops) directly.
"""

from __future__ import annotations

import dataclasses
import io
import os
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import limits
from ..preset.preset_io import PresetError, Problem
from ..preset.schema import PICKLE_SUFFIXES, SklearnModel
from .model_paths import Origin, existing_files, fail, first_line
from .skops_schema import audit
from .trust import SKLEARN_INTERNALS, allowed, file_digest, remember, remembered, runs_code

MAX_MODEL_BYTES = 2 << 30  # what a skops file may unpack to
MAX_SCHEMA_BYTES = 16 << 20  # a skops file's schema.json: skops parses it whole
# A skops file up to this size is read once into memory: checked, then loaded from the same
# bytes (what was checked is what loads, and the file is not opened again); a larger one is
# checked as a stream and loaded from its path.
MAX_HELD_BYTES = 256 << 20


# --- errors a user can fix by consenting -------------------------------------------------


class ConsentNeeded(PresetError):
    """Loading needs the user's consent; the message says how to give it."""

    def __init__(self, problems: list[Problem], path: Path):
        super().__init__(problems)
        self.path = path


class UntrustedTypes(ConsentNeeded):
    """The skops file holds types nobody trusted yet (``types``); a GUI lists them and asks,
    then loads with ``trust=types``."""

    def __init__(self, problems: list[Problem], path: Path, types: tuple[str, ...]):
        super().__init__(problems, path)
        self.types = types


class PickleConsent(ConsentNeeded):
    """The model file is a pickle; a GUI says it can run any code, asks, then loads with
    ``allow_pickle=True``."""


# --- the trust decision ------------------------------------------------------------------


def is_pickle(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in PICKLE_SUFFIXES


@dataclass(frozen=True)
class TrustCheck:
    """What loading a model file needs from the user, found without loading it."""

    path: Path
    pickle: bool  # a pickle: needs allow_pickle whatever else
    untrusted: tuple[str, ...]  # every type skops does not trust by default
    needed: tuple[str, ...]  # of those, the ones the user has not trusted on this computer
    refused: tuple[str, ...]  # requested by the preset but not on the allowlist, and needed
    digest: str = ""  # the file's SHA-256 when some type is not on the allowlist
    # the checked skops file's bytes, if held (see MAX_HELD_BYTES): what loading reads
    data: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.pickle and not self.needed

    @property
    def code(self) -> tuple[str, ...]:
        """The needed types that can run code on this computer (see ``trust.runs_code``)."""
        return tuple(t for t in self.needed if runs_code(t))


def check_trust(
    model: SklearnModel,
    base_dir: str | os.PathLike | None = None,
    *,
    trust: Iterable[str] = (),
    origin: Origin | None = None,
) -> TrustCheck:
    """List the untrusted types in the model file (imports skops) or note that it is a
    pickle, before loading anything: what a GUI shows in its consent dialog."""
    origin = origin or Origin()
    path = existing_files(model, base_dir, origin)["model"]
    # the file's bytes are not held while a dialog asks: loading checks the file again
    return dataclasses.replace(check_file_trust(model, path, tuple(trust)), data=None)


def remember_trust(
    model: SklearnModel,
    base_dir: str | os.PathLike | None = None,
    *,
    trust: Iterable[str],
    origin: Origin | None = None,
) -> TrustCheck:
    """The user's consent (``trust``, the CLI's ``--trust``) to types in the model file,
    remembered for the file's SHA-256 on this computer; returns the check with it."""
    trust = tuple(trust)
    check = check_trust(model, base_dir, trust=trust, origin=origin)
    if check.digest:
        remember(check.digest, [t for t in trust if t in check.untrusted])
    return check


def requesting_allowed(model: SklearnModel, check: TrustCheck) -> tuple[SklearnModel, TrustCheck]:
    """For a model file the user chose: the model section requesting the file's allowlisted
    types, so that the preset opens for a colleague without a question, and the check with
    those types no longer needed. Types outside the allowlist are never written: their
    consent stays with the user who gave it."""
    wanted = set(model.trusted_types) | {t for t in check.untrusted if allowed(t)}
    needed = tuple(t for t in check.needed if t not in wanted)
    model = dataclasses.replace(model, trusted_types=tuple(sorted(wanted)))
    return model, dataclasses.replace(check, needed=needed)


def check_file_trust(model: SklearnModel, path: Path, trust: tuple[str, ...]) -> TrustCheck:
    _, data = _check_model_file(path)
    if is_pickle(path):
        return TrustCheck(path, True, (), (), ())
    import skops.io as sio

    try:
        if data is None:
            untrusted = tuple(sio.get_untrusted_types(file=path))
        else:
            untrusted = tuple(sio.get_untrusted_types(data=data))
    except Exception as exc:  # noqa: BLE001 - any failure to read the file is corruption
        raise fail(corrupt(path, f"{type(exc).__name__}: {first_line(exc)}")) from None
    return _decide(model, path, untrusted, trust, data=data)


def quick_file_trust(
    model: SklearnModel, path: Path, trust: tuple[str, ...]
) -> tuple[TrustCheck, str] | None:
    """The check of :func:`check_file_trust` when it can be made without importing skops or
    scikit-learn and finds nothing to ask, with the class name of the estimator the file
    holds; None otherwise (make the full check then). The same size and format checks run
    first; a preset's request is honoured here only for the fixed scikit-learn internals of
    the allowlist (others need scikit-learn imported)."""
    schema, data = _check_model_file(path)
    if schema is None:  # a pickle, or a zip without a schema (skops says what is wrong)
        return None
    untrusted, estimator = audit(schema)
    if untrusted is None:
        return None
    check = _decide(model, path, untrusted, trust, lambda t: t in SKLEARN_INTERNALS, data=data)
    return (check, estimator) if check.ok else None


def _decide(
    model: SklearnModel,
    path: Path,
    untrusted: tuple[str, ...],
    trust: tuple[str, ...],
    on_allowlist: Callable[[str], bool] = allowed,
    data: bytes | None = None,
) -> TrustCheck:
    """The preset only requests; the allowlist and this user's consent decide."""
    honoured = {t for t in model.trusted_types if on_allowlist(t)}
    try:
        digest = file_digest(path) if any(t not in honoured for t in untrusted) else ""
    except OSError as exc:
        raise fail(
            Problem(str(path), None, "model.model", f"cannot read: {exc.strerror}")
        ) from None
    trusted = honoured | set(trust) | (remembered(digest) if digest else set())
    needed = tuple(t for t in untrusted if t not in trusted)
    refused = tuple(t for t in model.trusted_types if t in needed)
    return TrustCheck(path, False, untrusted, needed, refused, digest, data)


CAN_RUN_CODE = "can run code on this computer"


def untrusted_message(check: TrustCheck) -> str:
    """One line asking for the user's consent to the check's needed types."""
    listed = ", ".join(f"{t} ({CAN_RUN_CODE})" if runs_code(t) else t for t in check.needed)
    requested = ""
    if check.refused:
        requested = (
            f" (the preset asks to trust {', '.join(check.refused)}, but a preset can only "
            "request types: beyond scikit-learn estimators and numpy and scipy data types, "
            "only you can trust them)"
        )
    flags = " ".join(f"--trust {t}" for t in check.needed)
    return (
        f"the file holds types that are not trusted on this computer: {listed}{requested}; "
        f"if you trust where the file came from, pass {flags} (remembered for this file)"
    )


# --- the model file, before anything reads it ----------------------------------------------


def _check_model_file(path: Path) -> tuple[bytes | None, bytes | None]:
    """Before anything reads a model file: it must be a regular file of at most
    MAX_MODEL_BYTES, and a skops file a zip archive (not a pickle under a .skops name) whose
    members really unpack to at most MAX_MODEL_BYTES in all and ``schema.json`` (which skops
    parses whole) to at most MAX_SCHEMA_BYTES: measured by decompressing in chunks, never
    kept but the schema, so a bomb is refused in little memory and before any consent
    question. Returns the schema's bytes (None for a pickle, or a zip without one) and the
    file's bytes as checked when held (at most MAX_HELD_BYTES; else None)."""
    try:  # the zip's own headers may make the file a little larger than what it unpacks to
        f = limits.open_regular(
            path,
            MAX_MODEL_BYTES + (64 << 20),
            f"is over the {MAX_MODEL_BYTES >> 20:,} MB a model may take; not read",
        )
    except limits.Refused as exc:
        raise fail(Problem(str(path), None, "model.model", str(exc))) from None
    with f:
        if is_pickle(path):
            return None, None
        data = None
        if os.fstat(f.fileno()).st_size <= MAX_HELD_BYTES:
            data = f.read(MAX_HELD_BYTES + 1)
            if len(data) > MAX_HELD_BYTES:  # grew while read: checked as a stream instead
                data = None
            f.seek(0)
        head = f.read(8) if data is None else data[:8]
        if head.startswith(b"\x80") or head.startswith(b"\x00\x00\x00"):
            raise fail(
                Problem(
                    str(path),
                    None,
                    "model.model",
                    "looks like a pickle saved under a .skops name; refusing it (a pickle can "
                    "run any code): save the model with skops.io.dump",
                )
            )
        if not head.startswith(b"PK"):
            raise fail(corrupt(path, "it is not a zip archive"))
        f.seek(0)
        try:
            with zipfile.ZipFile(f if data is None else io.BytesIO(data)) as zf:
                return _check_unpacked(path, zf), data
        except limits.ZIP_ERRORS as exc:
            raise fail(corrupt(path, f"{type(exc).__name__}: {first_line(exc)}")) from None


def _check_unpacked(path: Path, zf: zipfile.ZipFile) -> bytes | None:
    def too_large(unpacked: int | None) -> PresetError:
        size = f"{unpacked >> 20:,} MB, more than" if unpacked is not None else "more than"
        return fail(
            Problem(
                str(path),
                None,
                "model.model",
                f"unpacks to {size} the {MAX_MODEL_BYTES >> 20:,} MB a model may take",
            )
        )

    infos = zf.infolist()
    declared = sum(i.file_size for i in infos)
    if declared > MAX_MODEL_BYTES:  # the cheap check first; the header may lie, so stream too
        raise too_large(declared)
    total, schema = 0, None
    for info in sorted(infos, key=lambda i: i.filename != "schema.json"):  # the schema first
        if info.filename == "schema.json":
            try:  # kept: the trust check reads it next, without unpacking it again
                schema = limits.read_member(zf, info, MAX_SCHEMA_BYTES, "its schema.json")
            except limits.Refused as exc:
                raise fail(Problem(str(path), None, "model.model", str(exc))) from None
            total += len(schema)
            continue
        try:
            total += limits.unpacked_size(zf, info, MAX_MODEL_BYTES - total, info.filename)
        except limits.Refused:
            raise too_large(None) from None
    return schema


def corrupt(path: Path, why: str) -> Problem:
    return Problem(
        str(path), None, "model.model", f"not a readable skops file (corrupt or truncated?): {why}"
    )
