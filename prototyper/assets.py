"""Find the data folders (presets, models, ui) in an installed wheel or in a checkout."""

from __future__ import annotations

from pathlib import Path

ASSET_NAMES = ("presets", "models", "ui")


def asset_dir(name: str) -> Path:
    """Return the folder holding the ``name`` assets.

    An installed wheel carries them in ``prototyper/_data/<name>``; a checkout or an
    editable install has them at the repository root.
    """
    if name not in ASSET_NAMES:
        raise ValueError(f"unknown asset folder {name!r}; expected one of {ASSET_NAMES}")
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"asset folder {name!r} not found in {here / '_data'} (wheel) or {here.parent} (checkout)"
    )


# The user guide: (file in a checkout, file in a wheel's ``_data/guide``), in reading order.
GUIDE_FILES = (
    ("README.md", "README.md"),
    ("docs/DOMAIN.md", "DOMAIN.md"),
    ("docs/MODEL.md", "MODEL.md"),
)


def guide_files() -> list[Path]:
    """The user guide's files that are present (README, the domain and the maths), from the
    wheel's copies or from a checkout."""
    here = Path(__file__).resolve().parent
    found = []
    for in_checkout, in_wheel in GUIDE_FILES:
        for candidate in (here / "_data" / "guide" / in_wheel, here.parent / in_checkout):
            if candidate.is_file():
                found.append(candidate)
                break
    return found


COURSE_FILE = "course.yaml"  # beside the presets: their order in a lecture, not a preset


def bundled_presets() -> list[Path]:
    """Return the shipped preset files, sorted by name."""
    return sorted(p for p in asset_dir("presets").glob("*.yaml") if p.name != COURSE_FILE)


def bundled_or_none(stem_or_name: str) -> Path | None:
    """The shipped preset called ``stem_or_name``, or None when there is none."""
    try:
        return preset_path(stem_or_name)
    except FileNotFoundError:
        return None


def bundled_course() -> Path:
    """Return the shipped course file: the bundled presets in lecture order."""
    return asset_dir("presets") / COURSE_FILE


def preset_path(stem_or_name: str) -> Path:
    """Return the shipped preset called ``stem_or_name`` (with or without ``.yaml``)."""
    name = stem_or_name if stem_or_name.endswith(".yaml") else f"{stem_or_name}.yaml"
    path = asset_dir("presets") / name
    if not path.is_file():
        known = ", ".join(p.stem for p in bundled_presets()) or "none"
        raise FileNotFoundError(
            f"no bundled preset {stem_or_name!r} in {path.parent} (known: {known})"
        )
    return path
