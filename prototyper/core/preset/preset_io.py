"""Reading and writing presets as YAML: safe, versioned, atomic, with precise errors."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from ..limits import Refused, read_regular
from .scenes import applicable_scenes, scene_problems
from .schema import OUTCOMES, SCHEMA_VERSION, Preset
from .structure import Problems, describe, from_data, leaf_paths, replace_path, to_data

MAX_BYTES = 1_000_000
# Nodes after alias expansion; a "billion laughs" file blows far past this.
MAX_NODES = 200_000

# Flow collections ([...], {...}) nested deeper than this are refused while scanning.
MAX_DEPTH = 100

# MIGRATIONS[n] turns a version-n document (plain data) into version n+1; it raises
# Problems for a document that is not a valid version n.
Migration = Callable[[dict], dict]

PAYOFF_LISTS = OUTCOMES


def _v1_to_v2(data: dict) -> dict:
    """Version 2 lets a payoff line name the modes it applies to (``modes``). A version-1
    line applies to every mode, which is what a line without ``modes`` means in version 2,
    so the lines are kept as they are; a version-1 file cannot already have ``modes``."""
    payoffs = data.get("payoffs")
    problems = []
    for outcome in PAYOFF_LISTS if isinstance(payoffs, dict) else ():
        lines = payoffs.get(outcome) if isinstance(payoffs, dict) else None
        for i, line in enumerate(lines if isinstance(lines, list) else ()):
            if isinstance(line, dict) and "modes" in line:
                problems.append(
                    (
                        f"payoffs.{outcome}[{i}].modes",
                        "payoffs per mode need schema_version: 2 (version 1 applies every "
                        "line to every mode)",
                    )
                )
    if problems:
        raise Problems(problems)
    return data


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return printable(text)  # one line, even for a key like "a\nb"


# Characters a terminal acts on instead of showing: C0 and C1 controls and DEL (ESC starts
# the sequences that clear the screen or move the cursor), the line and paragraph separators
# str.splitlines() breaks on, and the bidirectional overrides that reorder what is shown.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """Text from a file (a key, a name, a path, a column) made safe to show on a terminal:
    one line, with every control character written as a visible escape such as \\x1b."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], str(text))


class PresetError(Exception):
    """A preset could not be read; one line per problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_preset(path: str | os.PathLike) -> Preset:
    path = Path(path)
    try:  # only a regular file, its size checked before reading: a FIFO cannot hang us
        raw = read_regular(path, MAX_BYTES, f"file is over {MAX_BYTES // 1000} kB; not a preset")
    except Refused as exc:
        raise PresetError([Problem(str(path), None, "", str(exc))]) from None
    try:
        return loads_preset(raw, str(path))
    except PresetError as exc:
        raise not_a_preset(path, exc) from None


PRESET_SUFFIXES = (".yaml", ".yml")


def not_a_preset(path: str | os.PathLike, exc: PresetError) -> PresetError:
    """A file that failed to load as a preset and is not named like one (a CSV, a text
    file, an image) gets one plain line instead of the parser's findings; a preset file
    keeps them (they point at its typo)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in PRESET_SUFFIXES:
        return exc
    message = (
        f"{path.name} is not a preset (expected a YAML file with a scenario, a model and an "
        "experience)"
    )
    if suffix == ".csv":
        message += "; to use it as a model's scores, name it in a preset (model: source: "
        message += "score_file, path: ...) or load it in the window's model section"
    return PresetError([Problem(str(path), None, "", message)])


def loads_preset(text: str | bytes, filename: str = "<preset>") -> Preset:
    data, lines = parse_yaml(text, filename)
    return preset_from_data(data, filename, lines)


def parse_yaml(text: str | bytes, filename: str) -> tuple[Any, dict[str, int]]:
    """Safe-load a YAML document; also return the line of every dotted path."""

    def fail(message: str, line: int | None = None) -> PresetError:
        return PresetError([Problem(filename, line, "", message)])

    if isinstance(text, bytes):
        raw = text
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise fail(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", line) from None
    if len(text) > MAX_BYTES:
        raise fail(f"file is over {MAX_BYTES // 1000} kB; not a preset")
    fast = _parse_fast(text)
    if fast is not None:
        return fast
    try:
        loader = _SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character anywhere in the text
        line = text.count("\n", 0, exc.position) + 1
        message = f"invalid YAML: control character #x{exc.character:04x} is not allowed"
        raise fail(message, line) from None
    node = None
    try:
        node = loader.get_single_node()
        if node is None:
            raise fail("the file is empty; expected a preset mapping")
        if _expanded_size(node, {}) > MAX_NODES:
            raise fail("too many nodes after expanding aliases (a YAML alias bomb?)")
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = mark.line + 1 if mark else None
        # The context says what was expected ("expected a single document in the stream").
        parts = [part.strip() for part in (exc.context, exc.problem) if part]
        problem = ", ".join(parts) or " ".join(str(exc).split())
        if problem.startswith("could not determine a constructor for the tag"):
            problem = problem.replace("could not determine a constructor for the", "unsupported")
            problem += " (only plain YAML data is allowed)"
        raise fail(f"invalid YAML: {problem}", at) from None
    except yaml.YAMLError as exc:
        raise fail("invalid YAML: " + " ".join(str(exc).split())) from None
    except RecursionError:
        raise fail("invalid YAML: nested too deeply") from None
    except (ValueError, TypeError, KeyError, OverflowError):
        # The safe constructor rejects a scalar such as 2024-13-45 or a 5000-digit number.
        raise fail(*_unreadable(node)) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    duplicates: list[Problem] = []
    _record_lines(node, "", lines, set(), duplicates)
    if duplicates:
        raise PresetError([replace(p, file=filename) for p in duplicates])
    return data, lines


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader that stops at absurd flow nesting ('[[[[...'): PyYAML's scanner slows down
    quadratically with the depth and its composer recurses once per level."""

    def fetch_flow_collection_start(self, token_class: type) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise yaml.scanner.ScannerError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", self.get_mark()
            )
        super().fetch_flow_collection_start(token_class)


# PyYAML built with libyaml parses about five times faster than its pure-Python loader.
_CLoader = getattr(yaml, "CSafeLoader", None)
# Text the fast path leaves to the pure loader: what its reader refuses (control
# characters), tabs (which libyaml accepts in more places), and the line breaks and
# byte-order marks the two might count apart.
_NOT_FAST = re.compile("[\t\x85\u2028\u2029\ufeff]|\r(?!\n)")
_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _parse_fast(text: str) -> tuple[Any, dict[str, int]] | None:
    """What :func:`parse_yaml` gives for a valid document, parsed by libyaml; None for
    anything else, which the pure-Python loader then parses and reports with its line.

    libyaml's composer recurses once per level of nesting, and a thread's stack may hold
    far fewer levels than libyaml allows: the document's depth is measured first from its
    events (:func:`_plain_for_libyaml`) and the fast path taken only up to MAX_DEPTH levels.
    Aliases are counted as the pure path counts them, before anything is built."""
    if _CLoader is None or yaml.reader.Reader.NON_PRINTABLE.search(text) or _NOT_FAST.search(text):
        return None
    try:
        if not _plain_for_libyaml(text):
            return None
        loader = _CLoader(text)
        try:
            node = loader.get_single_node()
            if node is None or _expanded_size(node, {}) > MAX_NODES:
                return None
            data = loader.construct_document(node)
        finally:
            loader.dispose()
        lines: dict[str, int] = {}
        duplicates: list[Problem] = []
        _record_lines(node, "", lines, set(), duplicates)
    except Exception:  # noqa: BLE001 - any problem is reported by the pure loader
        return None
    return None if duplicates else (data, lines)


def _plain_for_libyaml(text: str) -> bool:
    """Whether libyaml reads the document as the pure loader does, judged from its events
    (a loop, no recursion): nested at most MAX_DEPTH levels, and no unquoted '?' inside a
    flow collection ('[a ?]'), which the pure loader takes for a key and refuses."""
    assert _CLoader is not None
    probe = _CLoader(text)
    flow: list[bool] = []  # each open collection: written in flow style?
    try:
        while probe.check_event():
            event = probe.get_event()
            if isinstance(event, _OPENS):
                flow.append(bool(event.flow_style) or bool(flow and flow[-1]))
                if len(flow) > MAX_DEPTH:
                    return False
            elif isinstance(event, _CLOSES):
                flow.pop()
            elif isinstance(event, yaml.ScalarEvent) and flow and flow[-1]:
                if not event.style and "?" in event.value:
                    return False
    finally:
        probe.dispose()
    return True


def _unreadable(root: yaml.Node | None) -> tuple[str, int | None]:
    """Message and line for the first scalar the safe constructor cannot build."""
    constructor = yaml.constructor.SafeConstructor()
    stack, seen = [root] if root is not None else [], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node)
            except Exception:  # noqa: BLE001 - whatever the constructor raises
                kind = node.tag.rsplit(":", 1)[-1]
                return (
                    f"invalid YAML: cannot read {describe(node.value)} as {kind} "
                    "(quote it to keep it as text)",
                    node.start_mark.line + 1,
                )
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                stack += [value, key]
    return "invalid YAML: cannot read a value", None


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards against recursive aliases
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(n, memo) for n in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    memo[key] = size
    return size


def _record_lines(
    node: yaml.Node, path: str, lines: dict[str, int], seen: set[int], duplicates: list[Problem]
) -> None:
    """Note the line of every path; a key given twice in one mapping is a problem (the
    YAML loader would silently keep the last)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                child = f"{path}.{k.value}" if path else str(k.value)
                line = k.start_mark.line + 1
                if k.value in first:
                    message = f"key {k.value!r} is given twice (first on line {first[k.value]})"
                    duplicates.append(Problem("", line, child, message))
                first.setdefault(k.value, line)
                lines[child] = line
                _record_lines(v, child, lines, seen, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _record_lines(v, f"{path}[{i}]", lines, seen, duplicates)


def line_of(path: str, lines: dict[str, int]) -> int | None:
    """The line of a path, or of its nearest ancestor present in the file."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return lines.get("")


def migrate(data: dict, filename: str, migrations: dict[int, Migration] | None = None) -> dict:
    migrations = MIGRATIONS if migrations is None else migrations
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise PresetError(
            [
                Problem(
                    filename,
                    None,
                    "schema_version",
                    f"expected a whole number at the top (this app writes {SCHEMA_VERSION}), "
                    f"got {version!r}",
                )
            ]
        )
    if version > SCHEMA_VERSION:
        raise PresetError(
            [
                Problem(
                    filename,
                    None,
                    "schema_version",
                    f"version {version} is newer than this app supports ({SCHEMA_VERSION}); "
                    "update the prototyper",
                )
            ]
        )
    while version < SCHEMA_VERSION:
        if version not in migrations:
            raise PresetError(
                [Problem(filename, None, "schema_version", f"no migration from version {version}")]
            )
        try:
            data = migrations[version](dict(data))
        except Problems as exc:
            raise PresetError([Problem(filename, None, p, m) for p, m in exc.problems]) from None
        version += 1
        data["schema_version"] = version
    return data


def preset_from_data(
    data: Any, filename: str, lines: dict[str, int] | None = None, *, scenes: bool = True
) -> Preset:
    """A preset from plain data, checked whole; ``scenes`` False leaves out the check that its
    lecture scenes apply (see :func:`with_values`)."""
    lines = lines or {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else repr(data)
        raise PresetError(
            [
                Problem(
                    filename, lines.get(""), "", f"expected a preset mapping at the top, got {kind}"
                )
            ]
        )
    try:
        data = migrate(data, filename)
    except PresetError as exc:
        raise PresetError(
            [replace(p, line=p.line or line_of(p.path, lines)) for p in exc.problems]
        ) from None
    body = {k: v for k, v in data.items() if k != "schema_version"}
    try:
        preset = from_data(Preset, body)
        problems = citation_problems(preset)
        if scenes and not problems:
            problems = scene_problems(preset, citation_problems)
    except Problems as exc:
        problems = exc.problems
    if problems:
        raise PresetError([Problem(filename, line_of(p, lines), p, m) for p, m in problems])
    return preset


def citation_problems(preset: Preset) -> list[tuple[str, str]]:
    """Sources and assumptions must name real fields of this preset."""
    known = set(leaf_paths(preset))
    out = []
    for section in ("sources", "assumptions"):
        for key in getattr(preset, section):
            if key not in known and not _is_prefix(key, known):
                out.append((f"{section}.{key}", "names no field of this preset"))
    return out


def _is_prefix(key: str, known: Iterable[str]) -> bool:
    return any(k.startswith(key + ".") or k.startswith(key + "[") for k in known)


def preset_to_data(preset: Preset) -> dict:
    data = {"schema_version": SCHEMA_VERSION, **to_data(preset)}
    for outcome in PAYOFF_LISTS:  # a line for every mode is written without ``modes``
        for line in data["payoffs"][outcome]:
            if not line["modes"]:
                del line["modes"]
    if not data["uncertainty"]:  # optional: a preset without one is written as before
        del data["uncertainty"]
    if data["model"].get("measured_auc", 0) is None:  # recorded only once a model is measured
        del data["model"]["measured_auc"]
    return data


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, multi-line text as literal blocks and
    small all-scalar mappings on one line ({low: 0.1, high: 0.8})."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style: str | None
    if any(c in value for c in "\r\x85\u2028\u2029"):
        style = '"'  # other styles write these breaks raw and read them back changed
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _mapping(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    flow = 0 < len(value) <= 3 and all(
        isinstance(v, (int, float, bool, type(None)))
        or (isinstance(v, str) and len(v) <= 20 and "\n" not in v)
        for v in value.values()
    )
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=flow or None)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(dict, _mapping)


@dataclass(frozen=True)
class Original:
    """A preset file's text as read (or last written) and the preset it holds: a save
    writes only what changed since into that text (see :mod:`.roundtrip`)."""

    text: str
    preset: Preset


def dumps_preset(preset: Preset, original: Original | None = None) -> str:
    """The preset as YAML: ``original``'s text with only the changed fields rewritten if
    given (comments, key order and quotes kept), else a new file; with only the scenes that
    still apply to it (an edit may have left later ones behind; the window asks before a save
    drops any)."""
    preset, _ = applicable_scenes(preset, citation_problems)
    if original is not None:
        kept = _keep_text(preset, original)
        if kept is not None:
            return kept
    return yaml.dump(
        preset_to_data(preset),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def _keep_text(preset: Preset, original: Original) -> str | None:
    """``original``'s text changed to hold ``preset``, or None if that cannot be done
    faithfully (then the preset is written anew: an edit is never lost for a comment)."""
    from .roundtrip import reemit, splice_scalars  # ruamel: only a save over a file pays

    new = preset_to_data(preset)
    top = {"schema_version": SCHEMA_VERSION}
    text, now = original.text, original.preset
    try:
        # Numbers and words changed in place first (one line each)...
        spliced = splice_scalars(text, preset_to_data(now), new)
        data, lines = parse_yaml(spliced, "<saved>")
        text, now = spliced, preset_from_data(data, "<saved>", lines)
        if now == preset and data.get("schema_version") == SCHEMA_VERSION:
            return text
    except (PresetError, yaml.YAMLError):
        pass  # half a change of structure (a band's values without its new neighbour)
    try:
        # ...then what changes the structure (a band added, a section that appears)
        # through the round-trip tree.
        text = reemit(text, preset_to_data(now), new, top)
        same = loads_preset(text) == preset  # read back exactly as the safe loader reads
    except Exception:  # noqa: BLE001 - whatever re-emitting the old text hits, write anew
        return None
    return text if same else None


def save_preset(preset: Preset, path: str | os.PathLike, original: Original | None = None) -> bytes:
    """Write the preset atomically (into ``original``'s text when given, see
    :func:`dumps_preset`); return the bytes written (to notice later changes)."""
    payload = dumps_preset(preset, original).encode("utf-8")
    write_atomic(Path(path), payload)
    return payload


# The atomic writer's temporary files: ".<name>.<pid>-<random>.tmp" beside the target, so that
# the app can tell its own leftovers (and their writer's process) from anyone else's files.
TEMP_PREFIX = "."
TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{12}\.tmp$")


class NotAFile(OSError):
    """The target exists and is not a regular file (a device, a FIFO, a folder...)."""


def writable_target(path: str | os.PathLike) -> Path:
    """The file a write to ``path`` must change: a symlink's final target (so a link to a
    shared file stays a link); NotAFile unless that is a regular file or a new name."""
    target = Path(os.path.realpath(path))
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise NotAFile(errno.EINVAL, f"{kind}, not a regular file; choose a file name", str(path))
    return target


_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFLNK: "a link that leads nowhere (a loop)",
}


def write_atomic(
    path: str | os.PathLike, payload: bytes, ready: Callable[[], None] | None = None
) -> Path:
    """Write to a temporary file beside the target, fsync, then rename over it; return the
    file written. A symlink is written through (its target changes, the link stays); an
    existing file keeps its permission bits, a new one gets those the umask allows.
    Refuses (NotAFile) anything but a regular file or a new name. ``ready()`` is called
    just before the rename; it may raise to leave the target as it was (a Cancel)."""
    target = writable_target(path)
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    tmp = _temp_name(target)
    # 0o666 minus the umask, as for any new file (mkstemp would make it 0600).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            if existing is not None:
                _keep_owner_and_mode(f.fileno(), existing)
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        if ready is not None:
            ready()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return target
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return target


def _temp_name(target: Path) -> Path:
    import secrets  # (with hmac and hashlib: only a save pays for them)

    name = target.name[:100]  # room for the rest within the usual 255-byte limit
    return target.parent / f"{TEMP_PREFIX}{name}.{os.getpid()}-{secrets.token_hex(6)}.tmp"


def _keep_owner_and_mode(fd: int, existing: os.stat_result) -> None:
    if hasattr(os, "fchown") and (existing.st_uid, existing.st_gid) != (
        os.geteuid(),
        os.getegid(),
    ):
        try:  # best effort: only root may give a file away, a member may set its group
            os.fchown(fd, existing.st_uid, existing.st_gid)
        except OSError:
            try:
                os.fchown(fd, -1, existing.st_gid)
            except OSError:
                pass  # not a member of its group: the file becomes ours, its mode is kept
    if hasattr(os, "fchmod"):  # Windows has none (and only a read-only bit)
        os.fchmod(fd, stat.S_IMODE(existing.st_mode))


def with_values(preset: Preset, assignments: dict[str, Any], origin: str = "--set") -> Preset:
    """A new, validated preset with the dotted paths set to the given values (with none,
    the preset checked whole, as if read from a file)."""
    if not assignments:
        # The scenes are steps from the preset as its file was written; an edit (a step
        # shown, a band added) may leave some behind. A file read is checked with them;
        # saving keeps the ones that still apply (scenes.applicable_scenes).
        return preset_from_data(preset_to_data(preset), origin, scenes=False)
    problems: list[tuple[str, str]] = []
    for path, value in assignments.items():
        try:
            preset = replace_path(preset, path, value)
        except Problems as exc:
            problems += exc.problems
    if not problems and _reshapes(assignments):
        problems = citation_problems(preset)
    if problems:
        raise PresetError([Problem(origin, None, p, m) for p, m in problems])
    return preset


def _reshapes(assignments: dict[str, Any]) -> bool:
    """Whether an edit can add or remove fields that sources and assumptions name."""
    return any(isinstance(v, (list, dict)) for v in assignments.values())


def parse_assignment(text: str) -> tuple[str, Any]:
    """'a.b=0.3' -> ('a.b', 0.3); the value is read as a YAML scalar or list."""
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise PresetError([Problem("--set", None, "", f"expected PATH=VALUE, got {text!r}")])
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except (yaml.YAMLError, ValueError, TypeError, KeyError, OverflowError, RecursionError):
        value = raw
    return path.strip(), value
