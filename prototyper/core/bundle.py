"""Bundles: a preset, its model and its data in one zip archive, to share.

``pack`` writes ``preset.yaml`` at the top of the archive with the model's paths rewritten
to the copies inside it (``model/...`` for the estimator, ``data/...`` for the data), keeping
the preset's comments; the model card next to a model file travels along. The archive is
reproducible: fixed member order and timestamps, so the same inputs give the same bytes.

``load_bundle`` extracts an archive safely into a fresh folder (no absolute paths, no ``..``,
no links, no encrypted members, bounded count and size, checked as it streams) and reads
the preset from there; its model paths must stay inside the bundle. The preset is
extracted first and may unpack to no more than a preset file may hold, so a bomb in it is
refused before anything else is written.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from .limits import ZIP_ERRORS, Refused, copy_member, open_regular, read_regular
from .model.model_paths import model_files, origin_of, resolve_path
from .preset.preset_io import (
    MAX_BYTES,
    PresetError,
    Problem,
    load_preset,
    loads_preset,
    writable_target,
    write_atomic,
)
from .preset.schema import Preset

PRESET_NAME = "preset.yaml"
MAX_MEMBERS = 64
MAX_TOTAL_BYTES = 2 << 30  # 2 GiB extracted
MAX_PATH_DEPTH = 16  # folders and file name in a member's path
MAX_PATH_CHARS = 255  # a member's whole path
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_FOLDERS = {"model": "model", "data": "data", "path": "data"}
_CARD = "MODEL_CARD.md"
_EPOCH = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20  # compressed between two progress reports
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


def is_bundle(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() == ".zip"


# --- pack ----------------------------------------------------------------------------------


def pack(
    preset_file: str | os.PathLike,
    out: str | os.PathLike,
    shown: str | None = None,
    include: Iterable[str | os.PathLike] = (),
    *,
    progress: Callable[[float], None] | None = None,
) -> list[str]:
    """Write the preset and the files its model uses into the zip ``out``; return the
    member names. Nothing is written unless everything was found, nor over anything but a
    regular file (a device or a FIFO named as ``out`` is refused, not replaced).

    A received preset can name any path, so only files it may legitimately share are
    packed: those in the preset's folder or below, in or below a path of ``include`` (the
    person packing named it), or, for a bundled preset, the bundled models. Links are
    followed before deciding; anything else is a problem naming the field.
    ``progress`` as in :func:`bundle_bytes`."""
    out = Path(out)
    try:
        writable_target(out)
    except OSError as exc:  # NotAFile, or a name the system refuses
        raise PresetError([Problem(str(out), None, "", f"cannot write: {exc.strerror}")]) from None
    data, names = bundle_bytes(preset_file, shown, include, progress=progress)
    write_bundle(out, data)
    return names


def write_bundle(
    out: str | os.PathLike, data: bytes, ready: Callable[[], None] | None = None
) -> Path:
    """Write a bundle's bytes to a temporary file beside ``out`` and rename it over
    ``out``: never half a bundle, and a failure leaves the previous file as it was.
    ``ready`` as in write_atomic (a Cancel raised there leaves it as it was too)."""
    try:
        return write_atomic(out, data, ready)
    except OSError as exc:
        raise PresetError([Problem(str(out), None, "", f"cannot write: {exc.strerror}")]) from None


def bundle_bytes(
    preset_file: str | os.PathLike,
    shown: str | None = None,
    include: Iterable[str | os.PathLike] = (),
    *,
    progress: Callable[[float], None] | None = None,
) -> tuple[bytes, list[str]]:
    """The zip :func:`pack` writes, and its member names, with the same checks.
    ``progress(fraction)`` is called as the members are compressed; it may raise to stop."""
    preset_file = Path(preset_file)
    report = progress or (lambda fraction: None)
    origin = origin_of(preset_file, shown)
    preset = load_preset(preset_file)
    text = preset_file.read_bytes().decode("utf-8")
    base_dir = preset_file.parent
    roots = allowed_roots(preset_file, include)
    problems = outside_files(preset, preset_file, shown, include)
    if problems:
        raise PresetError(problems)
    members: dict[str, Path] = {}
    new_paths: dict[str, str] = {}
    for name, written in model_files(preset.model).items():
        path = resolve_path(written, base_dir)
        if not path.is_file():
            problems.append(origin.problem(f"model.{name}", f"no such file: {path}"))
            continue
        member = f"{_FOLDERS[name]}/{path.name}"
        if member in members and members[member] != path:
            member = f"{_FOLDERS[name]}/{name}_{path.name}"
        members[member] = path
        new_paths[f"model.{name}"] = member
        card = path.parent / _CARD
        if name == "model" and card.is_file() and _inside(card, roots):
            members[f"model/{_CARD}"] = card
    if problems:
        raise PresetError(problems)
    rewritten = rewrite_scalars(text, new_paths)
    # mypy types replace() on a union by the fields all members share (none here); the keys
    # are this model's own FILE_FIELDS.
    expected = dataclasses.replace(
        preset.model,
        **{k.split(".", 1)[1]: v for k, v in new_paths.items()},  # type: ignore[arg-type]
    )
    if loads_preset(rewritten, str(origin.file)).model != expected:  # pragma: no cover
        raise AssertionError("rewriting the model paths changed more than the paths")
    buffer = io.BytesIO()
    total, done = max(sum(p.stat().st_size for p in members.values()), 1), 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        report(min(done / total, 1.0))

    report(0.0)
    with zipfile.ZipFile(buffer, "w") as zf:
        _add(zf, PRESET_NAME, rewritten.encode("utf-8"))
        for member in sorted(members):
            _add(zf, member, members[member].read_bytes(), step)
    report(1.0)
    return buffer.getvalue(), [PRESET_NAME, *sorted(members)]


def outside_files(
    preset: Preset,
    preset_file: str | os.PathLike,
    shown: str | None = None,
    include: Iterable[str | os.PathLike] = (),
) -> list[Problem]:
    """A problem for each model file ``pack`` would refuse to share (see :func:`pack`)."""
    origin = origin_of(preset_file, shown)
    roots = allowed_roots(preset_file, include)
    return [
        origin.problem(
            f"model.{name}",
            f"{written!r} is outside the preset's folder; pack takes only files beside "
            "the preset or below it, or named with --include",
        )
        for name, written in model_files(preset.model).items()
        if not _inside(resolve_path(written, Path(preset_file).parent), roots)
    ]


def allowed_roots(
    preset_file: str | os.PathLike, include: Iterable[str | os.PathLike] = ()
) -> list[Path]:
    """The folders (or files) a preset's model paths may point into when packed, with
    links resolved."""
    folder = Path(preset_file).absolute().parent.resolve()
    roots = [folder, *(Path(p).absolute().resolve() for p in include)]
    from .. import assets

    try:
        if folder == assets.asset_dir("presets").resolve():
            roots.append(assets.asset_dir("models").resolve())
    except FileNotFoundError:  # an install without the bundled data
        pass
    return roots


def _inside(path: Path, roots: list[Path]) -> bool:
    try:
        real = Path(path).resolve()
    except (OSError, RuntimeError):  # a link loop or a name too long: not a file to share
        return False
    return any(real == root or root in real.parents for root in roots)


def _add(
    zf: zipfile.ZipFile, name: str, data: bytes, step: Callable[[int], None] | None = None
) -> None:
    """One member, compressed a chunk at a time (``step(bytes)`` after each): the same bytes
    as ``writestr`` at level 9, with room to report progress and to stop in a large file."""
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.create_system = 3
    info.file_size = len(data)  # as writestr: the local header is written with the size
    info._compresslevel = 9  # type: ignore[attr-defined]  # what writestr(compresslevel=9) sets
    with zf.open(info, "w") as dst:
        for start in range(0, len(data), _CHUNK):
            chunk = data[start : start + _CHUNK]
            dst.write(chunk)
            if step is not None:
                step(len(chunk))


def rewrite_scalars(text: str, values: dict[str, str]) -> str:
    """Replace the scalar at each dotted mapping path (e.g. ``model.data``) with a new text,
    leaving the rest of the YAML, comments included, as it was."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:  # pragma: no cover - validated presets
        raise ValueError("the preset is empty")
    spans = []
    for dotted, value in values.items():
        node = root
        for key in dotted.split("."):
            node = next(
                v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key
            )
        if not isinstance(node, yaml.ScalarNode):  # pragma: no cover - validated presets
            raise ValueError(f"{dotted} is not a scalar")
        spans.append((node.start_mark.index, node.end_mark.index, _scalar(value)))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _scalar(value: str) -> str:
    if _PLAIN.match(value) and yaml.safe_load(value) == value:
        return value
    return json.dumps(value)  # a JSON string is a valid double-quoted YAML scalar


# --- open ----------------------------------------------------------------------------------


@dataclass
class Bundle:
    """An extracted bundle; ``close()`` (or leaving a ``with`` block) removes the folder if
    load_bundle created it."""

    archive: Path
    directory: Path
    preset: Preset
    owns_directory: bool = True

    @property
    def preset_path(self) -> Path:
        return self.directory / PRESET_NAME

    @property
    def label(self) -> str:
        """How messages name the preset: ``bundle.zip/preset.yaml``."""
        return f"{self.archive}/{PRESET_NAME}"

    def close(self) -> None:
        if self.owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def load_bundle(archive: str | os.PathLike, dest: str | os.PathLike | None = None) -> Bundle:
    """Extract a bundle safely into ``dest`` (a new temporary folder if None) and read its
    preset. Raises PresetError naming the archive; on failure nothing is left behind."""
    archive = Path(archive)
    owns = dest is None
    directory = Path(tempfile.mkdtemp(prefix="prototyper-bundle-")) if dest is None else Path(dest)
    try:
        _extract(archive, directory)
        label = f"{archive}/{PRESET_NAME}"
        try:
            text = read_regular(directory / PRESET_NAME, MAX_BYTES)
        except Refused as exc:
            raise PresetError([Problem(label, None, "", str(exc))]) from None
        preset = loads_preset(text, label)
        origin = origin_of(directory / PRESET_NAME, label)
        problems = []
        for name, written in model_files(preset.model).items():
            inside = PurePosixPath(written.replace("\\", "/"))
            outside = inside.is_absolute() or ".." in inside.parts or written.startswith("~")
            if outside or re.match(r"^[A-Za-z]:", written):
                problems.append(
                    origin.problem(
                        f"model.{name}", f"a bundle's files must be inside it, got {written!r}"
                    )
                )
        if problems:
            raise PresetError(problems)
        return Bundle(archive, directory, preset, owns)
    except BaseException:
        if owns:
            shutil.rmtree(directory, ignore_errors=True)
        raise


def _bad(archive: Path, message: str) -> PresetError:
    return PresetError([Problem(str(archive), None, "", message)])


def _shown(name: str) -> str:
    return repr(name) if len(name) <= 80 else repr(name[:77] + "...")


def _extract(archive: Path, directory: Path) -> None:
    try:  # a FIFO or device is refused at once, a huge file by its size
        f = open_regular(archive, MAX_TOTAL_BYTES, f"is over {MAX_TOTAL_BYTES >> 20} MB")
    except Refused as exc:
        raise _bad(archive, "no such file" if exc.missing else str(exc)) from None
    with f:
        try:
            zf = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise _bad(
                archive, f"not a readable zip archive (corrupt or truncated?): {exc}"
            ) from None
        with zf:
            _extract_members(archive, zf, directory)


def _extract_members(archive: Path, zf: zipfile.ZipFile, directory: Path) -> None:
    entries = zf.infolist()
    infos = [i for i in entries if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise _bad(archive, f"holds {len(infos)} files; a bundle holds at most {MAX_MEMBERS}")
    names: set[str] = set()
    folders = {i.filename.rstrip("/") for i in entries if i.is_dir()}
    for info in infos:
        name = info.filename
        shown = _shown(name)
        parts = PurePosixPath(name).parts
        if (
            name.startswith("/")
            or "\\" in name
            or ":" in name
            or not parts
            or any(p in ("", ".", "..") for p in parts)
        ):
            raise _bad(archive, f"refusing the member {shown}: it points outside the bundle")
        if len(parts) > MAX_PATH_DEPTH or len(name) > MAX_PATH_CHARS:
            raise _bad(
                archive,
                f"refusing the member {shown}: its path is over {MAX_PATH_DEPTH} levels or "
                f"{MAX_PATH_CHARS} characters",
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _bad(archive, f"refusing the member {shown}: it is a link")
        if info.flag_bits & 0x1:
            raise _bad(archive, f"refusing the member {shown}: it is encrypted")
        if info.compress_type not in _METHODS:
            raise _bad(
                archive,
                f"refusing the member {shown}: compression method {info.compress_type} is not "
                "supported (expected stored, deflate, bzip2 or lzma)",
            )
        if name in names:
            raise _bad(archive, f"the member {shown} appears twice")
        names.add(name)
        folders.update("/".join(parts[:k]) for k in range(1, len(parts)))
    clash = sorted(names & folders)
    if clash:
        raise _bad(archive, f"the member {_shown(clash[0])} is both a file and a folder")
    if PRESET_NAME not in names:
        raise _bad(archive, f"not a prototyper bundle: no {PRESET_NAME} at the top")
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise _bad(archive, f"unpacks to more than {MAX_TOTAL_BYTES >> 20} MB")
    total = 0
    # The preset first, capped like a preset file: a bomb there costs nothing.
    for info in sorted(infos, key=lambda i: i.filename != PRESET_NAME):
        target = directory.joinpath(*PurePosixPath(info.filename).parts)
        preset = info.filename == PRESET_NAME
        cap = MAX_BYTES if preset else MAX_TOTAL_BYTES - total
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as dst:
                total += copy_member(zf, info, dst, cap, f"the member {_shown(info.filename)}")
        except Refused as exc:
            if preset:
                raise _bad(archive, f"{exc}; not a preset") from None
            raise _bad(archive, f"unpacks to more than {MAX_TOTAL_BYTES >> 20} MB") from None
        except ZIP_ERRORS as exc:
            raise _bad(
                archive,
                f"cannot extract {_shown(info.filename)} (corrupt or truncated?): "
                f"{type(exc).__name__}: {exc}",
            ) from None
