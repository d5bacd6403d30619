"""The headless command line: the same engine as the app, no Qt.

Exit codes: 0 success, 2 bad input (one line per problem, no traceback), 1 internal error.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import assets
from .core.engine import evaluate
from .core.preset_io import PresetError, Problem, load_preset, parse_assignment, with_values
from .core.report import money, summary, text_summary
from .core.schema import Preset
from .core.sweep import sweep

STARTED = time.perf_counter()


class UsageError(Exception):
    """Bad input that is not a preset problem; one line."""


def resolve(name: str) -> Path:
    """A preset path, or the name of a bundled preset ('safe_browsing')."""
    path = Path(name)
    if path.exists():
        return path
    bundled = [p for p in assets.bundled_presets() if p.stem == name]
    if bundled:
        return bundled[0]
    raise PresetError([Problem(name, None, "", "no such file, and no bundled preset of that name")])


def load_with_overrides(name: str, assignments: list[str]) -> Preset:
    preset = load_preset(resolve(name))
    if assignments:
        preset = with_values(preset, dict(parse_assignment(a) for a in assignments))
    return preset


def cmd_presets(args: argparse.Namespace) -> int:
    for path in assets.bundled_presets():
        try:
            p = load_preset(path)
            line = p.scenario.description.strip().splitlines()[0] if p.scenario.description else ""
            print(f"{path.stem:18} {p.scenario.name}: {line}")
        except PresetError as exc:
            print(f"{path.stem:18} (invalid: {exc.problems[0]})")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    failed = False
    for name in args.files:
        try:
            load_preset(resolve(name))
            if not args.quiet:
                print(f"{name}: ok")
        except PresetError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
    return 2 if failed else 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    e = evaluate(load_with_overrides(args.file, args.set))
    if args.json:
        print(json.dumps(summary(e), indent=2, allow_nan=False))
    else:
        print(text_summary(e))
    return 0


def parse_values(text: str | None, range_text: str | None) -> np.ndarray | None:
    if text:
        try:
            return np.array([float(v) for v in text.split(",")])
        except ValueError:
            raise UsageError(
                f"--values: expected numbers separated by commas, got {text!r}"
            ) from None
    if range_text:
        parts = range_text.split(":")
        try:
            lo, hi = float(parts[0]), float(parts[1])
            n = int(parts[2]) if len(parts) > 2 else 101
        except (ValueError, IndexError):
            raise UsageError(f"--range: expected LOW:HIGH[:N], got {range_text!r}") from None
        if not (np.isfinite(lo) and np.isfinite(hi) and 2 <= n <= 100_000):
            raise UsageError(
                f"--range: expected finite bounds and 2 to 100000 points, got {range_text!r}"
            )
        return np.linspace(lo, hi, n)
    return None


def cmd_sweep(args: argparse.Namespace) -> int:
    preset = load_with_overrides(args.file, args.set)
    result = sweep(preset, args.param, parse_values(args.values, args.range))
    rows = zip(
        result.values,
        result.net_per_event,
        result.net_per_user_day,
        result.net_per_population_day,
        strict=True,
    )
    header = ["value", "net_per_event", "net_per_user_day", "net_per_population_day"]
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if not np.isfinite(v) else repr(float(v)) for v in row])
        return 0
    best = {
        "value": result.best_value,
        "net_per_population_day": float(result.net_per_population_day[result.best_index]),
    }
    if args.json:
        doc: dict[str, Any] = {
            "param": result.param,
            "current": None if np.isnan(result.current) else result.current,
            "best": best,
            "points": [
                dict(zip(header, [float(v) if np.isfinite(v) else None for v in row], strict=True))
                for row in rows
            ],
        }
        print(json.dumps(doc, indent=2, allow_nan=False))
        return 0
    cur = preset.payoffs.currency
    print(
        f"{args.param}: {len(result.values)} values "
        f"from {result.values.min():.4g} to {result.values.max():.4g}"
    )
    print(f"best: {best['value']:.4g} -> {money(best['net_per_population_day'], cur)} per day")
    if not np.isnan(result.current):
        print(f"current: {result.current:.4g}")
    step = max(1, len(result.values) // 25)
    print(f"{'value':>12} {'net per day (all users)':>26}")
    for v, net in zip(result.values[::step], result.net_per_population_day[::step], strict=True):
        print(f"{v:>12.4g} {money(net, cur) if np.isfinite(net) else 'invalid':>26}")
    return 0


def has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_gui(args: argparse.Namespace) -> int:
    if not has_display():
        raise UsageError(
            "no display to open the window on; use the commands (prototyper --help) "
            "or set QT_QPA_PLATFORM=offscreen"
        )
    if args.file:
        load_preset(resolve(args.file))  # a bad file fails here, with the usual one line
    from .qt.app import run  # Qt only for the window

    return run(str(resolve(args.file)) if args.file else None, STARTED)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prototyper",
        description="Prototype what an ML-driven experience is worth: value, cost, interruptions.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", help="open the window (the default with no command)")
    p.add_argument("file", nargs="?", metavar="FILE", help="a preset file or a bundled name")
    p.set_defaults(run=cmd_gui)

    p = sub.add_parser("presets", help="list the bundled presets")
    p.set_defaults(run=cmd_presets)

    p = sub.add_parser("validate", help="check preset files; exit 2 with one line per problem")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.set_defaults(run=cmd_validate)

    set_help = "override a field, e.g. experience.bands[0].threshold=0.9 (repeatable)"
    p = sub.add_parser("evaluate", help="value, cost and goals of a preset's design")
    p.add_argument("file", metavar="FILE", help="a preset file or a bundled preset's name")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help=set_help)
    p.add_argument("--json", action="store_true", help="print a JSON document")
    p.set_defaults(run=cmd_evaluate)

    p = sub.add_parser("sweep", help="net value as a function of one parameter")
    p.add_argument("file", metavar="FILE", help="a preset file or a bundled preset's name")
    p.add_argument("--param", required=True, help="dotted path, e.g. experience.bands[0].threshold")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help=set_help)
    p.add_argument("--values", help="comma-separated values (default: the full range)")
    p.add_argument("--range", help="LOW:HIGH[:N] evenly spaced values")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON document")
    out.add_argument("--csv", action="store_true", help="print CSV")
    p.set_defaults(run=cmd_sweep)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(sys.argv[1:] if argv is None else argv), "gui"])
    try:
        return args.run(args)
    except PresetError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"prototyper: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        if args.debug:
            raise
        print(
            f"prototyper: internal error: {type(exc).__name__}: {exc} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1
