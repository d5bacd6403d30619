"""Bundles: a preset, its model and its data in one zip archive, to share.

``pack`` writes ``preset.yaml`` at the top of the archive with the model's paths rewritten
to the copies inside it (``model/...`` for the estimator, ``data/...`` for the data), keeping
the preset's comments; the model card next to a model file travels along. The archive is
reproducible: fixed member order and timestamps, so the same inputs give the same bytes.

``load_bundle`` extracts an archive safely into a fresh folder (no absolute paths, no ``..``,
no links, no encrypted members, bounded count and size, checked as it streams) and reads
the preset from there; its model paths must stay inside the bundle.
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
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from .model_sources import model_files, origin_of, resolve_path
from .preset_io import PresetError, Problem, load_preset, loads_preset, write_atomic
from .schema import Preset

PRESET_NAME = "preset.yaml"
MAX_MEMBERS = 64
MAX_TOTAL_BYTES = 2 << 30  # 2 GiB extracted
_FOLDERS = {"model": "model", "data": "data", "path": "data"}
_CARD = "MODEL_CARD.md"
_EPOCH = (1980, 1, 1, 0, 0, 0)
_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


def is_bundle(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() == ".zip"


# --- pack ----------------------------------------------------------------------------------


def pack(
    preset_file: str | os.PathLike, out: str | os.PathLike, shown: str | None = None
) -> list[str]:
    """Write the preset and the files its model uses into the zip ``out``; return the
    member names. Nothing is written unless everything was found."""
    preset_file = Path(preset_file)
    origin = origin_of(preset_file, shown)
    preset = load_preset(preset_file)
    text = preset_file.read_bytes().decode("utf-8")
    base_dir = preset_file.parent
    members: dict[str, Path] = {}
    new_paths: dict[str, str] = {}
    problems = []
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
        if name == "model" and card.is_file():
            members[f"model/{_CARD}"] = card
    if problems:
        raise PresetError(problems)
    rewritten = rewrite_scalars(text, new_paths)
    expected = dataclasses.replace(
        preset.model, **{k.split(".", 1)[1]: v for k, v in new_paths.items()}
    )
    if loads_preset(rewritten, str(origin.file)).model != expected:  # pragma: no cover
        raise AssertionError("rewriting the model paths changed more than the paths")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        _add(zf, PRESET_NAME, rewritten.encode("utf-8"))
        for member in sorted(members):
            _add(zf, member, members[member].read_bytes())
    out = Path(out)
    try:  # never half a bundle
        write_atomic(out, buffer.getvalue())
    except OSError as exc:
        raise PresetError([Problem(str(out), None, "", f"cannot write: {exc.strerror}")]) from None
    return [PRESET_NAME, *sorted(members)]


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.create_system = 3
    zf.writestr(info, data, compresslevel=9)


def rewrite_scalars(text: str, values: dict[str, str]) -> str:
    """Replace the scalar at each dotted mapping path (e.g. ``model.data``) with a new text,
    leaving the rest of the YAML, comments included, as it was."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
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
    directory = Path(tempfile.mkdtemp(prefix="prototyper-bundle-")) if owns else Path(dest)
    try:
        _extract(archive, directory)
        label = f"{archive}/{PRESET_NAME}"
        preset = loads_preset((directory / PRESET_NAME).read_bytes(), label)
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


def _extract(archive: Path, directory: Path) -> None:
    try:
        regular = stat.S_ISREG(archive.stat().st_mode)
    except FileNotFoundError:
        raise _bad(archive, "no such file") from None
    except OSError as exc:  # a name too long, a loop of links...
        raise _bad(archive, f"cannot read: {exc.strerror}") from None
    if not regular:  # a folder; a FIFO would block until written to
        raise _bad(archive, "not a regular file")
    try:
        zf = zipfile.ZipFile(archive)
    except FileNotFoundError:
        raise _bad(archive, "no such file") from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _bad(archive, f"not a readable zip archive (corrupt or truncated?): {exc}") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise _bad(archive, f"holds {len(infos)} files; a bundle holds at most {MAX_MEMBERS}")
        names: set[str] = set()
        for info in infos:
            name = info.filename
            parts = PurePosixPath(name).parts
            if (
                name.startswith("/")
                or "\\" in name
                or ":" in name
                or not parts
                or any(p in ("", ".", "..") for p in parts)
            ):
                raise _bad(archive, f"refusing the member {name!r}: it points outside the bundle")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise _bad(archive, f"refusing the member {name!r}: it is a link")
            if info.flag_bits & 0x1:
                raise _bad(archive, f"refusing the member {name!r}: it is encrypted")
            if name in names:
                raise _bad(archive, f"the member {name!r} appears twice")
            names.add(name)
        if PRESET_NAME not in names:
            raise _bad(archive, f"not a prototyper bundle: no {PRESET_NAME} at the top")
        if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise _bad(archive, f"unpacks to more than {MAX_TOTAL_BYTES >> 20} MB")
        total = 0
        for info in infos:
            target = directory.joinpath(*PurePosixPath(info.filename).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with zf.open(info) as src, open(target, "xb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        total += len(chunk)
                        if written > info.file_size or total > MAX_TOTAL_BYTES:
                            raise _bad(
                                archive, f"the member {info.filename!r} is larger than declared"
                            )
                        dst.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise _bad(
                    archive,
                    f"cannot extract {info.filename!r} (corrupt or truncated?): {exc}",
                ) from None
