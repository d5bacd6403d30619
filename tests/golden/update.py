"""Regenerate the golden outputs of the bundled presets.

Run from the checkout: ``python tests/golden/update.py``. It writes, for every bundled preset,
the JSON of ``evaluate``, of a ``sweep`` of the first band's threshold and of a small
``simulate`` (seed 1, 2 replications, 300 users), compactly, one file each.

Regenerate ONLY when a change alters the numbers on purpose (a new formula, a fixed bug, a new
preset or output field), and review the diff of these files in the same commit as the change:
every changed number must be explained by it. A refactor never regenerates: if the golden test
fails after one, the refactor changed behaviour.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# (file suffix, command line after the preset's name)
COMMANDS = (
    ("evaluate", ("evaluate", "{name}", "--json")),
    ("sweep", ("sweep", "{name}", "--param", "experience.bands[0].threshold", "--json")),
    (
        "simulate",
        ("simulate", "{name}", "--seed", "1", "--json", "--replications", "2", "--users", "300"),
    ),
)


def preset_names() -> list[str]:
    """The bundled presets, by name."""
    return sorted(p.stem for p in (ROOT / "presets").glob("*.yaml") if p.name != "course.yaml")


def argv(name: str, command: tuple[str, ...]) -> list[str]:
    return [a.format(name=name) for a in command]


def golden_path(name: str, kind: str) -> Path:
    return HERE / f"{name}.{kind}.json"


def compact(doc: object) -> str:
    """The stored form: no indentation, keys in output order, floats as repr (exact)."""
    return json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from prototyper import cli

    for name in preset_names():
        for kind, command in COMMANDS:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = cli.main(argv(name, command))
            if code != 0:
                print(f"{name} {kind}: exit {code}", file=sys.stderr)
                return 1
            golden_path(name, kind).write_text(compact(json.loads(out.getvalue())), "utf-8")
            print(f"wrote {golden_path(name, kind).name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
