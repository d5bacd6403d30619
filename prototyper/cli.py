"""The headless command line: the same engine as the app, no Qt.

Exit codes: 0 success, 2 bad input (one line per problem, no traceback), 1 internal error.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import assets
from .core.format import money
from .core.preset.course import is_course, load_course
from .core.preset.preset_io import (
    PresetError,
    Problem,
    load_preset,
    parse_assignment,
    printable,
    with_values,
)
from .core.preset.schema import Preset, SklearnModel, SyntheticModel
from .core.simulation.limits import (
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    DEFAULT_USERS,
    default_users,
    size_problems,
    slots_problem,
)

if TYPE_CHECKING:
    import numpy as np

    from .core.evaluation.analysis import BestThreshold
    from .core.model.validated import Summary

# Each command imports what it alone needs (numpy, the engine, the model loaders...), so that
# `validate` of a described model reads its preset without paying for the evaluation.

STARTED = time.perf_counter()


class UsageError(Exception):
    """Bad input that is not a preset problem; one line."""


def say(text: object = "", file: Any = None) -> None:
    """Print text that may hold names, paths or columns from a file: every line with its
    control characters escaped, so a hostile file cannot clear the screen or fake a line."""
    lines = str(text).split("\n")
    print("\n".join(printable(line) for line in lines), file=file or sys.stdout)


def shown(preset: Preset) -> Preset:
    """The preset with the text its reports print one line each (name, event, currency,
    regions) escaped, so a line break in a name cannot start a line of its own."""
    sc, fb = preset.scenario, preset.feedback
    regions = tuple(replace(r, name=printable(r.name)) for r in fb.regions)
    return replace(
        preset,
        scenario=replace(sc, name=printable(sc.name), event_unit=printable(sc.event_unit)),
        payoffs=replace(preset.payoffs, currency=printable(preset.payoffs.currency)),
        feedback=replace(fb, regions=regions),
    )


def resolve(name: str) -> Path:
    """A preset path, or the name of a bundled preset ('safe_browsing')."""
    path = Path(name)
    try:
        if path.exists():
            return path
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, no permission...
        reason = getattr(exc, "strerror", None) or "not a usable path"
        raise PresetError([Problem(name, None, "", f"cannot read: {reason}")]) from None
    bundled = [p for p in assets.bundled_presets() if p.stem == name]
    if bundled:
        return bundled[0]
    raise PresetError([Problem(name, None, "", "no such file, and no bundled preset of that name")])


def load_with_overrides(name: str, assignments: list[str]) -> Preset:
    preset = load_preset(resolve(name))
    if assignments:
        preset = with_values(preset, dict(parse_assignment(a) for a in assignments))
    return preset


# --- presets with real models, bundles and trust ------------------------------------------


@dataclass(frozen=True)
class Opened:
    """A preset with what its model paths are relative to."""

    preset: Preset
    file: Path  # the preset file on disk (extracted, for a bundle)
    shown: str  # how messages name it: the path, or 'bundle.zip/preset.yaml'
    base_dir: Path


@contextmanager
def open_preset(name: str, assignments: Iterable[str] = ()) -> Iterator[Opened]:
    """A preset file, a bundled preset's name or a bundle (.zip, extracted for the duration)."""
    from .core.bundle import is_bundle, load_bundle

    path = resolve(name)
    overrides = dict(parse_assignment(a) for a in assignments)
    if is_bundle(path):
        with load_bundle(path) as bundle:
            preset = with_values(bundle.preset, overrides) if overrides else bundle.preset
            yield Opened(preset, bundle.preset_path, bundle.label, bundle.directory)
        return
    preset = load_preset(path)
    if overrides:
        preset = with_values(preset, overrides)
    yield Opened(preset, path, str(path), path.parent)


def trusted_names(args: argparse.Namespace) -> tuple[str, ...]:
    """--trust values; each may also list names separated by commas."""
    return tuple(n.strip() for v in getattr(args, "trust", []) for n in v.split(",") if n.strip())


def real_model(doc: Opened, args: argparse.Namespace) -> Any:
    """The loaded model for a scikit-learn or score-file preset, None for a synthetic one."""
    if isinstance(doc.preset.model, SyntheticModel):
        return None
    from .core.model.model_paths import origin_of
    from .core.model.model_sources import load_scores
    from .core.model.trust_check import remember_trust

    trust, origin = trusted_names(args), origin_of(doc.file, doc.shown)
    if trust and isinstance(doc.preset.model, SklearnModel):  # consent this user gave here
        remember_trust(doc.preset.model, doc.base_dir, trust=trust, origin=origin)
    loaded = load_scores(
        doc.preset.model,
        doc.base_dir,
        trust=trust,
        allow_pickle=getattr(args, "trust_pickle", False),
        origin=origin,
    )
    return loaded.at_base_rate(doc.preset.scenario.base_rate)  # thresholds mean P(positive)


def metrics_of(loaded: Any, preset: Preset) -> Any:
    from .core.model.metrics import model_metrics

    return model_metrics(
        loaded, preset.scenario.base_rate, thresholds=preset.experience.thresholds()
    )


def cmd_presets(args: argparse.Namespace) -> int:
    paths = assets.bundled_presets()
    width = max((len(p.stem) for p in paths), default=0) + 2
    for path in paths:
        try:
            p = load_preset(path)
            line = p.scenario.description.strip().splitlines()[0] if p.scenario.description else ""
            say(f"{path.stem:{width}}{printable(p.scenario.name)}: {printable(line)}")
        except PresetError as exc:
            say(f"{path.stem:{width}}(invalid: {exc.problems[0]})")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    failed = False
    for name in args.files:
        try:
            with open_preset(name) as doc:
                found = _checked_model(doc, args)  # a real model's files are checked too
            if not args.quiet:
                extra = ""
                if found is not None:
                    extra = (
                        f" ({doc.preset.model.source} model: {found.rows:,} evaluation "
                        f"rows, ROC AUC {found.auc:.4f})"
                    )
                say(f"{printable(name)}: ok{extra}")
        except PresetError as exc:
            if is_course(name):  # a lecture's order of presets, checked as a course
                failed = not _validate_course(name, args) or failed
                continue
            failed = True
            for problem in exc.problems:
                say(problem, file=sys.stderr)
    return 2 if failed else 0


def _checked_model(doc: Opened, args: argparse.Namespace) -> Summary | None:
    """What checking a real model found, None for a synthetic one:
    kept from an earlier check of the same files when it still holds, else checked whole."""
    if isinstance(doc.preset.model, SyntheticModel):
        return None
    from .core.model import validated

    rate = doc.preset.scenario.base_rate
    found = None if trusted_names(args) else validated.known(doc.preset.model, doc.base_dir, rate)
    if found is None:
        loaded = real_model(doc, args)
        found = validated.Summary(loaded.eval_size, loaded.roc_auc())
        validated.remember(doc.preset.model, doc.base_dir, rate, found)
    return found


def _validate_course(name: str, args: argparse.Namespace) -> bool:
    """Check a course file and every preset it lists; True if all are valid."""
    try:
        course = load_course(name, assets.bundled_or_none)
    except PresetError as exc:
        for problem in exc.problems:
            say(problem, file=sys.stderr)
        return False
    valid = True
    for path in course.presets:
        try:
            with open_preset(str(path)) as doc:
                real_model(doc, args)
        except PresetError as exc:
            valid = False
            for problem in exc.problems:
                say(problem, file=sys.stderr)
    if valid and not args.quiet:
        say(f"{printable(name)}: ok (a course of {len(course.presets)} presets)")
    return valid


def best_threshold_line(best: BestThreshold, currency: str, off: float = 0.0) -> str:
    """The one-threshold yardstick: where it does best and how the design compares; its
    value added against the feature off, whose value per day is ``off``."""
    gap = best.current_net_per_population_day - best.net_per_population_day
    return (
        f"best single threshold: {best.mode} above {best.threshold:.4g}, value added "
        f"{money(best.net_per_population_day - off, currency)}/day (all users); this design "
        f"{money(abs(gap), currency)}/day {'above' if gap >= 0 else 'below'} it"
    )


def cmd_evaluate(args: argparse.Namespace) -> int:
    import numpy as np

    from .core.evaluation.analysis import best_single_threshold
    from .core.evaluation.break_even import break_even_document, break_even_lines
    from .core.evaluation.engine import evaluate
    from .core.evaluation.report import summary, text_summary

    with open_preset(args.file, args.set) as doc:
        if args.described is not None:
            doc = replace(doc, preset=described_instead(doc.preset, args.described))
        try:
            loaded = real_model(doc, args)
        except PresetError as exc:
            raise PresetError([_missing_hint(p, args.file) for p in exc.problems]) from None
    e = evaluate(doc.preset, loaded)
    best = best_single_threshold(doc.preset, loaded)
    metrics = metrics_of(loaded, doc.preset) if loaded is not None else None
    off = e.baseline_per_event * e.events_per_day * e.population  # the feature off, a day
    if args.json:
        doc_json = summary(e, loaded)
        if metrics is not None:
            doc_json["layers"]["model"].update(metrics.to_dict())
        doc_json["best_single_threshold"] = best.to_dict()
        added = best.net_per_population_day - off
        doc_json["best_single_threshold"]["value_added_per_population_day"] = (
            added if np.isfinite(added) else None
        )
        doc_json["break_even"] = break_even_document(e, loaded, best=best)
        print(json.dumps(doc_json, indent=2, allow_nan=False))
    else:
        say(text_summary(replace(e, preset=shown(e.preset)), loaded))
        say()
        say(best_threshold_line(best, e.preset.payoffs.currency, off))
        say()
        say("\n".join(break_even_lines(e, loaded, best=best)))
        if metrics is not None:
            say()
            say(metrics.text())
    return 0


def described_instead(preset: Preset, auc: float) -> Preset:
    """The preset with a described model (``auc``, or if negative the AUC its section
    records as last measured) instead of its real one, at the scenario's base rate."""
    if auc < 0:
        auc = getattr(preset.model, "measured_auc", None) or -1.0
        if auc < 0:
            raise UsageError(
                "--described: the preset records no measured AUC for its model; give one, "
                "e.g. --described 0.85"
            )
    if not 0.5 < auc < 1:
        raise UsageError(f"--described: expected an ROC AUC between 0.5 and 1, got {auc:g}")
    return replace(preset, model=SyntheticModel(auc=auc))


def _missing_hint(problem: Problem, name: str) -> Problem:
    """A model file that is not there: say how to go on, still on one line."""
    if not problem.path.startswith("model.") or "no such file" not in problem.message:
        return problem
    return replace(
        problem,
        message=f"{problem.message}; point to it with `--set {problem.path}=PATH`, or use a "
        f"described model with the same AUC: `prototyper evaluate {name} --described`",
    )


def scene_scores(doc: Opened, args: argparse.Namespace) -> Callable[[Preset], Any]:
    """A real model's scores for the preset at each lecture scene (None: synthetic)."""
    from .core.model.model_sources import score_model

    def scores_for(state: Preset) -> Any:
        if isinstance(state.model, SyntheticModel):
            return None
        return score_model(
            state.model,
            state.scenario.base_rate,
            doc.base_dir,
            trust=trusted_names(args),
            allow_pickle=getattr(args, "trust_pickle", False),
        )

    return scores_for


def cmd_scenes(args: argparse.Namespace) -> int:
    from .core.evaluation.scenes import scene_steps, steps_text, steps_to_dict

    with open_preset(args.file) as doc:
        real_model(doc, args)  # checks a real model's files and records the trust given
        steps = scene_steps(doc.preset, scene_scores(doc, args))
    if args.json:
        print(json.dumps(steps_to_dict(steps), indent=2, allow_nan=False, default=str))
    else:
        say(steps_text(steps))
    return 0


MAX_POINTS = 100_000


def parse_values(text: str | None, range_text: str | None) -> np.ndarray | None:
    import numpy as np

    if text is not None:
        try:
            values = np.array([float(v) for v in text.split(",")])
        except ValueError:
            raise UsageError(
                f"--values: expected numbers separated by commas, got {text!r}"
            ) from None
        if not (np.isfinite(values).all() and 1 <= len(values) <= MAX_POINTS):
            raise UsageError(f"--values: expected 1 to {MAX_POINTS} finite numbers, got {text!r}")
        return values
    if range_text is not None:
        parts = range_text.split(":")
        try:
            if len(parts) > 3:
                raise ValueError
            lo, hi = float(parts[0]), float(parts[1])
            n = int(parts[2]) if len(parts) > 2 else 101
        except (ValueError, IndexError):
            raise UsageError(f"--range: expected LOW:HIGH[:N], got {range_text!r}") from None
        # hi - lo must be finite too, or the spacing of the points overflows
        if not (np.isfinite([lo, hi, hi - lo]).all() and 2 <= n <= MAX_POINTS):
            raise UsageError(
                f"--range: expected finite bounds and 2 to {MAX_POINTS} points, got {range_text!r}"
            )
        return np.linspace(lo, hi, n)
    return None


def cmd_sweep(args: argparse.Namespace) -> int:
    import numpy as np

    from .core.evaluation.sweep import sweep

    with open_preset(args.file, args.set) as doc:
        loaded = real_model(doc, args)
    preset = doc.preset
    result = sweep(preset, args.param, parse_values(args.values, args.range), loaded)
    if not np.isfinite(result.net_per_population_day).any():
        raise PresetError(
            [Problem("--param", None, args.param, "no value swept gives a valid preset")]
        )
    rows = zip(
        result.values,
        result.net_per_event,
        result.net_per_user_day,
        result.net_per_population_day,
        result.added_per_population_day,
        strict=True,
    )
    header = ["value", "net_per_event", "net_per_user_day", "net_per_population_day"]
    header.append("added_per_population_day")  # last, so existing columns keep their place
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if not np.isfinite(v) else repr(float(v)) for v in row])
        return 0
    best = {
        "value": result.best_value,
        "net_per_population_day": float(result.net_per_population_day[result.best_index]),
        "added_per_population_day": float(result.added_per_population_day[result.best_index]),
    }
    if args.json:
        points = [
            dict(zip(header, [float(v) if np.isfinite(v) else None for v in row], strict=True))
            for row in rows
        ]
        if loaded is not None and re.fullmatch(r"experience\.bands\[\d+\]\.threshold", args.param):
            # a real model's calibrated threshold, and the raw score that selects the same rows
            for point, raw in zip(points, loaded.raw_at(result.values), strict=True):
                point["raw_score"] = float(raw) if np.isfinite(raw) else None
        out: dict[str, Any] = {
            "param": result.param,
            "current": None if np.isnan(result.current) else result.current,
            "best": best,
            **({"model": _sweep_model(loaded, preset)} if loaded is not None else {}),
            "points": points,
        }
        print(json.dumps(out, indent=2, allow_nan=False))
        return 0
    cur = printable(preset.payoffs.currency)
    if loaded is not None:
        m = metrics_of(loaded, preset)
        say(
            f"model: {m.source}, {m.eval_size:,} evaluation rows, base rate "
            f"{m.eval_base_rate:.3g} (scenario {m.scenario_base_rate:.3g}), ROC AUC {m.auc:.4f}"
        )
    say(
        f"{args.param}: {len(result.values)} values "
        f"from {result.values.min():.4g} to {result.values.max():.4g}"
    )
    say(
        f"best: {best['value']:.4g} -> value added "
        f"{money(best['added_per_population_day'], cur)} per day"
    )
    if not np.isnan(result.current):
        print(f"current: {result.current:.4g}")
    step = max(1, len(result.values) // 25)
    print(f"{'value':>12} {'value added per day':>22} {'total incl. harm anyway':>26}")
    picked = zip(
        result.values[::step],
        result.added_per_population_day[::step],
        result.net_per_population_day[::step],
        strict=True,
    )
    for v, added, net in picked:
        if np.isfinite(net):
            say(f"{v:>12.4g} {money(added, cur):>22} {money(net, cur):>26}")
        else:
            say(f"{v:>12.4g} {'invalid':>22}")
    return 0


def _sweep_model(loaded: Any, preset: Preset) -> dict[str, Any]:
    m = metrics_of(loaded, preset).to_dict()
    keys: tuple[str, ...] = ("source", "files", "score_method", "calibrated_from_decision_function")
    keys += ("calibration_method", "eval_size", "eval_base_rate", "scenario_base_rate", "auc")
    keys += ("raw_auc", "raw_score_at_threshold", "notes")
    return {k: m[k] for k in keys}


def cmd_simulate(args: argparse.Namespace) -> int:
    import numpy as np

    from .core.simulation.simulate import simulate, simulation_problems
    from .core.simulation.summary import simulation_document, simulation_table, text_simulation

    def option(name: str) -> str:
        return f"--{name}"

    size = size_problems(args.replications, args.users, option)
    if size:
        raise UsageError(size[0])
    if args.seed < 0:
        raise UsageError(f"--seed: expected a whole number from 0, got {args.seed}")
    with open_preset(args.file, args.set) as doc:
        loaded = real_model(doc, args)
    preset = doc.preset
    users = args.users or default_users(preset)
    slots = slots_problem(args.replications, users, option)
    if slots:
        raise UsageError(slots)
    problems = simulation_problems(preset, loaded)
    if problems:
        raise PresetError([Problem(doc.shown, None, p, m) for p, m in problems])
    progress = None
    if sys.stderr.isatty():  # a progress line only for a person watching

        def progress(fraction: float) -> None:
            print(f"\rsimulating {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    try:
        sim = simulate(
            preset,
            seed=args.seed,
            replications=args.replications,
            users=users,
            progress=progress,
            scores=loaded,
        )
    except KeyboardInterrupt:
        print("\rprototyper: cancelled", file=sys.stderr)
        return 130
    finally:
        if progress is not None:
            print("\r" + " " * 16 + "\r", end="", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(simulation_document(sim), indent=2, allow_nan=False))
    elif args.csv:
        header, rows = simulation_table(sim)
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([printable(h) for h in header])  # region names are in the header
        for row in rows:
            writer.writerow([int(row[0])] + [repr(v) if np.isfinite(v) else "" for v in row[1:]])
    else:
        say(text_simulation(_shown_simulation(sim)))
    return 0


def cmd_optimize(args: argparse.Namespace) -> int:
    from .core.evaluation.optimize import optimize, optimum_document, optimum_text
    from .core.evaluation.optimize import parse_constraint as constraint

    if args.top < 1:
        raise UsageError(f"--top: expected a whole number from 1, got {args.top}")
    if args.jobs < 1:
        raise UsageError(f"--jobs: expected a whole number from 1, got {args.jobs}")
    constraints = [constraint(text) for text in args.constraint]
    vary = [v.strip() for v in args.vary.split(",") if v.strip()]
    with open_preset(args.file, args.set) as doc:
        loaded = real_model(doc, args)
    try:
        opt = optimize(
            doc.preset,
            loaded,
            objective=args.objective,
            constraints=constraints,
            vary=vary,
            n_jobs=args.jobs,
        )
    except KeyboardInterrupt:
        print("\rprototyper: cancelled", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(optimum_document(opt), indent=2, allow_nan=False))
    else:
        say(optimum_text(replace(opt, preset=shown(opt.preset)), top=args.top))
    return 0


def _shown_simulation(sim: Any) -> Any:
    fb = sim.feedback
    if fb is not None:
        fb = replace(fb, regions=tuple(printable(r) for r in fb.regions))
    return replace(sim, preset=shown(sim.preset), feedback=fb)


def cmd_pack(args: argparse.Namespace) -> int:
    from .core.bundle import outside_files, pack
    from .core.preset.preset_io import writable_target

    try:  # before any work: a device or a FIFO is never replaced by the bundle
        writable_target(args.output)
    except OSError as exc:  # NotAFile, or a name the system refuses (too long...)
        raise UsageError(f"{args.output}: cannot write: {exc.strerror}") from None
    include = [_existing_path("--include", p) for p in args.include]
    with open_preset(args.file) as doc:
        # Only the files the preset may share, checked before any is read; then the checks
        # of validate, so a bundle never carries a preset that would not open.
        problems = outside_files(doc.preset, doc.file, doc.shown, include)
        if problems:
            raise PresetError(problems)
        real_model(doc, args)
        members = pack(doc.file, args.output, shown=doc.shown, include=include)
    say(f"wrote {args.output}: {', '.join(members)}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .core.preset.json_schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .core.evaluation.analysis import analyse
    from .core.evaluation.compare import MAX_VARIANTS
    from .core.evaluation.html_report import Design, build_report, design_scenes
    from .core.preset.preset_io import writable_target, write_atomic

    try:  # before any work: a device or a FIFO is never replaced by the report
        writable_target(args.output)
    except OSError as exc:
        raise UsageError(f"{args.output}: cannot write: {exc.strerror}") from None
    if len(args.compare) >= MAX_VARIANTS:  # the side-by-side table has room for four
        raise UsageError(f"--compare: at most {MAX_VARIANTS - 1} more designs")
    designs = []
    for i, name in enumerate([args.file, *args.compare]):
        with open_preset(name, args.set if i == 0 else ()) as doc:
            loaded = real_model(doc, args)
            a = analyse(doc.preset, loaded)
            steps = design_scenes(a, scene_scores(doc, args))  # while a bundle's files are there
            designs.append(Design(a, Path(doc.shown).name, steps))
    try:
        write_atomic(args.output, build_report(designs).encode("utf-8"))
    except OSError as exc:  # a folder that cannot be written, a full disk...
        raise UsageError(f"{args.output}: cannot write: {exc.strerror}") from None
    say(f"wrote {args.output}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .core.evaluation.compare import (
        MAX_VARIANTS,
        Variant,
        compare,
        csv_rows,
        text_table,
        unique_names,
    )

    if len(args.files) > MAX_VARIANTS:
        raise UsageError(f"compare takes at most {MAX_VARIANTS} designs, got {len(args.files)}")
    if not 1 <= args.reference <= len(args.files):
        raise UsageError(f"--reference: expected 1 to {len(args.files)}, got {args.reference}")
    opened = []
    for name in args.files:
        with open_preset(name) as doc:
            loaded = real_model(doc, args)
            label = Path(name).name if Path(name).suffix.lower() == ".zip" else Path(doc.shown).name
            opened.append((label, doc.preset, loaded, doc.base_dir))
    names = unique_names([n for n, *_ in opened])
    variants = [Variant(n, p, s, d) for n, (_, p, s, d) in zip(names, opened, strict=True)]
    result = compare(variants, args.reference - 1)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, allow_nan=False))
    elif args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        for row in csv_rows(result):
            writer.writerow([printable(cell) for cell in row])
    else:
        say(text_table(result))
    return 0


MAX_DRAWS = 1_000_000  # 10,000 draws take a fraction of a second; a million some seconds
MAX_DRAWS_OVER_TIME = 10_000  # each a simulation


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from .core.evaluation.sensitivity_report import sensitivity_report
    from .core.psa_runs import OverTime, Runner, connectable

    cap = MAX_DRAWS_OVER_TIME if args.over_time else MAX_DRAWS
    draws = args.draws if args.draws is not None else (50 if args.over_time else 10_000)
    if not 1 <= draws <= cap:
        raise UsageError(f"--draws: expected 1 to {cap:,}, got {draws}")
    if args.seed < 0:
        raise UsageError(f"--seed: expected a whole number from 0, got {args.seed}")
    if args.jobs == 0 or args.jobs < -1:
        raise UsageError(f"--jobs: expected a number of processes from 1, or -1, got {args.jobs}")
    if args.scheduler is not None and not connectable(args.scheduler):
        raise UsageError(
            f"--scheduler: expected an address like tcp://host:8786, got {args.scheduler!r}"
        )
    presets, models, names = [], [], []
    for i, name in enumerate([args.file, *args.compare]):
        with open_preset(name, args.set if i == 0 else ()) as doc:
            models.append(real_model(doc, args))
        presets.append(doc.preset)
        names.append(printable(Path(doc.shown).stem))
    over_time = OverTime(seed=args.seed) if args.over_time else None
    runner = Runner(jobs=args.jobs, scheduler=args.scheduler, over_time=over_time)
    if args.over_time:
        runner = replace(runner, chunk=max(1, draws // max(4 * max(args.jobs, 1), 1)))
    progress = None
    if sys.stderr.isatty():  # a progress line only for a person watching

        def progress(fraction: float) -> None:
            print(f"\rsampling {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    try:
        report = sensitivity_report(
            presets,
            models,
            names=names,
            draws=draws,
            seed=args.seed,
            evaluate_chunks=runner.evaluator(progress, designs=len(presets)),
            over_time=args.over_time,
        )
    except OSError as exc:  # a scheduler that cannot be reached
        raise UsageError(f"--scheduler: {exc}") from None
    finally:
        if progress is not None:
            print("\r" + " " * 16 + "\r", end="", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(report.to_data(), indent=2, allow_nan=False))
    else:
        say(report.text())
    return 0


def _existing_path(option: str, text: str) -> Path:
    path = Path(text)
    try:
        if path.exists():
            return path
        reason = "no such file or folder"
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "not a usable path"
    raise UsageError(f"{option}: {printable(text)}: {reason}")


def cmd_models_build(args: argparse.Namespace) -> int:
    from .core.model.model_build import SPECS, build

    unknown = [n for n in args.only or [] if n not in SPECS]
    if unknown:
        raise UsageError(f"--only: no bundled model {unknown[0]!r}; known: {', '.join(SPECS)}")
    out = Path(args.out) if args.out else assets.asset_dir("models")
    try:  # before the training, so a bad --out fails at once
        out.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "not a usable path"
        if isinstance(exc, FileExistsError):
            reason = "exists and is not a folder"
        raise UsageError(f"--out: {printable(out)}: {reason}") from None
    try:
        results = build(out, args.only)
    except OSError as exc:  # a folder that cannot be written, a full disk...
        where = printable(exc.filename or out)
        raise UsageError(f"--out: cannot write {where}: {exc.strerror}") from None
    print(
        f"{'model':16} {'rows':>7} {'base rate':>10} {'ROC AUC':>8} {'bytes':>9} {'s':>6}  trusts"
    )
    for r in results:
        size = r.files["model.skops"].stat().st_size
        trusts = ", ".join(r.untrusted_types) or "-"
        print(
            f"{r.name:16} {r.eval_rows:>7,} {r.eval_base_rate:>10.3g} {r.auc:>8.4f} "
            f"{size:>9,} {r.seconds:>6.1f}  {trusts}"
        )
    say(f"written to {out}")
    return 0


def add_trust_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="TYPE",
        help="trust this type in a .skops model file, e.g. sklearn.tree._tree.Tree "
        "(repeatable; remembered for that file on this computer). Check the type first: "
        "anything but a scikit-learn estimator or a numpy or scipy data type can run code",
    )
    p.add_argument(
        "--trust-pickle",
        action="store_true",
        help="load a .pkl/.joblib model file: a pickle can run ANY code on this computer; "
        "use only for files you made or fully trust",
    )


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
        with open_preset(args.file):  # a bad file or bundle fails here, with the usual one line
            pass
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
    add_trust_options(p)
    p.set_defaults(run=cmd_validate)

    set_help = "override a field, e.g. experience.bands[0].threshold=0.9 (repeatable)"
    p = sub.add_parser("evaluate", help="value, cost and goals of a preset's design")
    p.add_argument("file", metavar="FILE", help="a preset file or a bundled preset's name")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help=set_help)
    p.add_argument("--json", action="store_true", help="print a JSON document")
    p.add_argument(
        "--described",
        nargs="?",
        type=float,
        const=-1.0,
        metavar="AUC",
        help="evaluate with a described model instead of the real one: the ROC AUC given, or "
        "the one the preset records as last measured (e.g. when its files are missing)",
    )
    add_trust_options(p)
    p.set_defaults(run=cmd_evaluate)

    p = sub.add_parser("scenes", help="a preset's lecture scenes and the value after each step")
    p.add_argument("file", metavar="FILE", help="a preset file or a bundled preset's name")
    p.add_argument("--json", action="store_true", help="print a JSON document")
    add_trust_options(p)
    p.set_defaults(run=cmd_scenes)

    p = sub.add_parser("sweep", help="net value as a function of one parameter")
    p.add_argument("file", metavar="FILE", help="a preset file or a bundled preset's name")
    p.add_argument("--param", required=True, help="dotted path, e.g. experience.bands[0].threshold")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help=set_help)
    p.add_argument("--values", help="comma-separated values (default: the full range)")
    p.add_argument("--range", help="LOW:HIGH[:N] evenly spaced values")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON document")
    out.add_argument("--csv", action="store_true", help="print CSV")
    add_trust_options(p)
    p.set_defaults(run=cmd_sweep)

    p = sub.add_parser(
        "simulate", help="the design over time: a seeded Monte Carlo of the users, day by day"
    )
    p.add_argument("file", metavar="FILE", help="a preset file or a bundled preset's name")
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    p.add_argument(
        "--replications",
        type=int,
        default=DEFAULT_REPLICATIONS,
        metavar="R",
        help=f"replications (default {DEFAULT_REPLICATIONS})",
    )
    p.add_argument(
        "--users",
        type=int,
        metavar="U",
        help=f"users to simulate (default: the scenario's, at most {DEFAULT_USERS:,}); totals "
        "are scaled to the scenario's users",
    )
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help=set_help)
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON document")
    out.add_argument("--csv", action="store_true", help="print CSV, one row per day")
    add_trust_options(p)
    p.set_defaults(run=cmd_simulate)

    p = sub.add_parser(
        "optimize", help="the best design under bounds on its figures, and the Pareto fronts"
    )
    p.add_argument("file", metavar="FILE", help="a preset file or a bundled preset's name")
    p.add_argument(
        "--objective", default="value_added", help="the figure to maximise (default value_added)"
    )
    p.add_argument(
        "--constraint",
        action="append",
        default=[],
        metavar="EXPR",
        help="NAME<=X, NAME>=X or NAME[KEY]>=X, e.g. interruptions_per_user_year<=4 (repeatable)",
    )
    p.add_argument(
        "--vary",
        default="thresholds,modes",
        help="what may change: thresholds, modes, forcefulness, caps (default thresholds,modes)",
    )
    p.add_argument("--top", type=int, default=10, metavar="N", help="Pareto points shown (10)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="processes (default 1)")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help=set_help)
    p.add_argument("--json", action="store_true", help="print a JSON document")
    add_trust_options(p)
    p.set_defaults(run=cmd_optimize)

    p = sub.add_parser("pack", help="write a preset, its model and its data into one .zip")
    p.add_argument("file", metavar="PRESET", help="a preset file, a bundled name or a bundle")
    p.add_argument("-o", "--output", required=True, metavar="BUNDLE.zip", help="the archive")
    p.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="PATH",
        help="a file or folder outside the preset's folder that its model may use "
        "(repeatable); anything else outside it is refused",
    )
    add_trust_options(p)
    p.set_defaults(run=cmd_pack)

    p = sub.add_parser("report", help="write one self-contained HTML report of a design")
    p.add_argument("file", metavar="FILE", help="a preset file, a bundled name or a bundle")
    p.add_argument(
        "--compare",
        nargs="+",
        default=[],
        metavar="FILE",
        help="more designs, side by side with the first (differences from it)",
    )
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help=set_help)
    p.add_argument("-o", "--output", required=True, metavar="REPORT.html", help="the file")
    add_trust_options(p)
    p.set_defaults(run=cmd_report)

    p = sub.add_parser("compare", help="up to four designs side by side, with differences")
    p.add_argument("files", nargs="+", metavar="FILE", help="preset files or bundled names")
    p.add_argument(
        "--reference",
        type=int,
        default=1,
        metavar="N",
        help="the design the others are compared with, by position (default 1, the first)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON document")
    out.add_argument("--csv", action="store_true", help="print CSV, one row per figure")
    add_trust_options(p)
    p.set_defaults(run=cmd_compare)

    p = sub.add_parser(
        "sensitivity", help="which assumptions matter: tornado, break-even, PSA and EVPPI"
    )
    p.add_argument("file", metavar="FILE", help="a preset file, a bundled name or a bundle")
    p.add_argument("--compare", nargs="+", default=[], metavar="B", help="more designs for the PSA")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help=set_help)
    p.add_argument("--draws", type=int, help="PSA draws (default 10,000; 50 with --over-time)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument(
        "--over-time", action="store_true", help="each draw a short simulation over time"
    )
    p.add_argument(
        "--jobs", type=int, default=1, help="local processes for the draws (-1: every core)"
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="a dask scheduler to run the draws on (tcp://...)"
    )
    p.add_argument("--json", action="store_true", help="print a JSON document")
    add_trust_options(p)
    p.set_defaults(run=cmd_sensitivity)

    p = sub.add_parser("schema", help="print the JSON Schema of the preset format (for editors)")
    p.set_defaults(run=cmd_schema)

    p = sub.add_parser("models", help="the bundled scenario models")
    models = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    m = models.add_parser("build", help="regenerate them (deterministic: same bytes)")
    m.add_argument("--out", metavar="DIR", help="write here instead of the models folder")
    m.add_argument("--only", action="append", metavar="NAME", help="build only this one")
    m.set_defaults(run=cmd_models_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    with warnings.catch_warnings():
        if not sys.warnoptions:
            # A last net: the engine avoids numeric warnings, and the promise on the terminal
            # is one line per problem. Asked for (python -W), warnings show as usual.
            warnings.simplefilter("ignore")
        return _main(argv)


def _main(argv: list[str] | None) -> int:
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
        print(f"prototyper: {printable(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        if args.debug:
            raise
        print(
            f"prototyper: internal error: {type(exc).__name__}: {printable(exc)} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1
