"""Speed of real models: load and score 100,000 evaluation rows, then a full threshold sweep,
as medians and as a ratio to the estimator's own predict_proba on the same rows.

    .venv/bin/python benchmarks/bench_models.py [--quick] [--rows N] [--json]

For each bundled model, 100,000 evaluation rows are generated with its documented generator
(a fresh seed) and written as a CSV beside a copy of the shipped model file. "ours" is what
`prototyper evaluate`/`sweep` pay for a preset with that model, cache cleared: read and check
the CSV, check the skops file's types and load it, predict_proba, sort the scores (the
empirical score model), then evaluate the net value at every distinct score (the sweep).
The floor is the estimator's predict_proba alone on the rows already in memory. skops and
scikit-learn are imported before timing; their one-off import cost is shown separately.
"warm" is the same with the scores kept on disk by an earlier load (the score cache, in a
temporary folder): the label column and the cached scores are read, the estimator is not.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from results import json_output, record, section

from prototyper import assets
from prototyper.core.evaluation.sweep import sweep
from prototyper.core.model import model_build, model_sources, score_cache
from prototyper.core.model.calibration import calibrate
from prototyper.core.model.csv_table import FEATURE, LABEL, read_csv
from prototyper.core.model.model_sources import load_scores
from prototyper.core.model.sklearn_estimators import load_estimator
from prototyper.core.model.trust_check import quick_file_trust
from prototyper.core.preset.preset_io import load_preset

PRESETS = {"phishing_url": "safe_browsing_model", "fall_detection": "fall_detection_model"}


def timings(fn: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def row(name: str, times: list[float], baseline: float | None = None, note: str = "") -> str:
    med = statistics.median(times)
    record(name, seconds=med, floor=baseline, n=len(times))
    ratio = f"{med / baseline:8.2f}x" if baseline else f"{'':9}"
    return f"| {name:46} | {med * 1e3:9.1f} ms | {len(times):3} | {ratio} | {note}"


def header(title: str) -> None:
    section(title)
    print(f"\n{title}")
    print(f"| {'what':46} | {'median':>12} | {'n':>3} | {'ratio':>9} | note")
    print(f"|{'-' * 48}|{'-' * 14}|{'-' * 5}|{'-' * 11}|------")


def import_cost() -> None:
    code = "import time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t)"
    header("One-off imports in a fresh interpreter (paid only when an estimator is loaded)")
    for module in ("sklearn", "skops.io"):
        times = []
        for _ in range(3):
            proc = subprocess.run(
                [sys.executable, "-c", code.format(m=module)], capture_output=True, text=True
            )
            times.append(float(proc.stdout.strip()))
        print(row(f"import {module}", times))


def check_and_load(model, path: Path) -> object:
    """What a load pays for the model file: the trust check from its schema (skops' own
    list of its types when that cannot tell), then skops' load of the bytes checked."""
    quick = quick_file_trust(model, path, ())
    return load_estimator(model, path, (), False, None if quick is None else quick[0])


def bench_model(name: str, rows: int, repeats: int, folder: Path) -> None:
    spec = dataclasses.replace(model_build.SPECS[name], eval_rows=rows, seed=7_000_000)
    lines, columns, _ = model_build.dataset(spec, 1)
    work = folder / name
    work.mkdir()
    (work / "eval.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(assets.asset_dir("models") / name / "model.skops", work / "model.skops")
    preset = load_preset(assets.preset_path(PRESETS[name]))
    model = dataclasses.replace(preset.model, model="model.skops", data="eval.csv")
    X = model_build._matrix(spec, columns)
    estimator = load_estimator(model, work / "model.skops", (), False)[0]
    param = "experience.bands[0].threshold"

    def ours() -> object:
        model_sources.clear_cache()
        score_cache.clear()
        loaded = load_scores(model, work)
        return sweep(preset, param, scores=loaded)

    def warm() -> object:
        model_sources.clear_cache()  # in memory only: the scores on disk stay
        loaded = load_scores(model, work)
        return sweep(preset, param, scores=loaded)

    def load_only() -> object:
        model_sources.clear_cache()
        score_cache.clear()
        return load_scores(model, work)

    def every_column(header: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        return {h: (FEATURE, LABEL) if h == model.label_column else (FEATURE,) for h in header}

    loaded = load_only()
    points = len(sweep(preset, param, scores=loaded).values)
    floor = timings(lambda: estimator.predict_proba(X), repeats)
    base = statistics.median(floor)
    header(f"{name}: {rows:,} rows, {len(spec.columns)} features, {points:,} sweep thresholds")
    print(row("estimator.predict_proba (the floor)", floor, base))
    print(row("ours: load + score + full sweep", timings(ours, repeats), base, "the goal"))
    ours()  # the scores on disk for the warm case
    print(row("warm: the same, scores kept on disk", timings(warm, repeats), base))
    print(row("  load + score (read CSV, check, load, sort)", timings(load_only, repeats), base))
    print(
        row(
            "    read and check the CSV",
            timings(lambda: read_csv(work / "eval.csv", every_column), repeats),
            base,
        )
    )
    print(
        row(
            "    check types and load the skops file",
            timings(lambda: check_and_load(model, work / "model.skops"), repeats),
            base,
        )
    )
    scores = loaded.scores
    print(
        row(
            "    calibrate (cross-fitted, 5 folds)",
            timings(lambda: calibrate(scores.scores, scores.labels, scores.weights), repeats),
            base,
        )
    )
    print(
        row(
            "  full sweep (scores loaded)",
            timings(lambda: sweep(preset, param, scores=loaded), repeats),
            base,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 9")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="tables on stderr, JSON on stdout")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9
    import sklearn  # noqa: F401
    import skops.io  # noqa: F401 - imported once, before timing

    with json_output(args.json), tempfile.TemporaryDirectory() as tmp:
        os.environ[score_cache.CACHE_ENV] = str(Path(tmp) / "cache")  # never the user's
        for name in PRESETS:
            bench_model(name, args.rows, repeats, Path(tmp))
        import_cost()


if __name__ == "__main__":
    main()
