"""Speed of the core engine, as medians and ratios to baselines measured in the same run.

    .venv/bin/python benchmarks/bench_core.py [--quick] [--json]

1. A threshold sweep over 1,000,000 empirical scores (loading them, which is the one sort
   and the cumulative sums, plus evaluating every distinct score), next to the floor (one
   np.argsort of the same array) and to what users do today (a loop of 200
   sklearn.metrics.confusion_matrix calls). Goals: within 2x of the floor, over 50x faster
   than the loop. The ROC curve alone (loading: every distinct score with its TPR and FPR)
   next to sklearn.metrics.roc_curve(drop_intermediate=False) on the same data, which
   computes the same curve. Goal: 2.5x faster. The sweep's rows give the CPU time too, and
   its ratio to the floor's (on a shared machine the steadier figure).
2. One evaluation of each bundled synthetic preset. Goal: well under 1 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from results import json_output, record, section

from prototyper import assets
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.sweep import sweep
from prototyper.core.model.scores import EmpiricalScores
from prototyper.core.preset.preset_io import load_preset


def timings(fn: Callable[[], object], repeats: int, number: int = 1) -> list[float]:
    return timed(fn, repeats, number)[0]


def timed(
    fn: Callable[[], object], repeats: int, number: int = 1
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each repeat."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(number):
            fn()
        cpu.append((time.process_time() - start_cpu) / number)
        wall.append((time.perf_counter() - start) / number)
    return wall, cpu


def cpu_note(cpu: list[float], floor: list[float]) -> str:
    med = statistics.median(cpu)
    return f"CPU {med * 1e3:.2f} ms, {med / statistics.median(floor):.2f}x the floor's CPU"


def row(
    name: str,
    times: list[float],
    baseline: float | None = None,
    note: str = "",
    cpu: list[float] | None = None,
) -> str:
    med = statistics.median(times)
    extra = {} if cpu is None else {"cpu": statistics.median(cpu)}
    record(name, seconds=med, floor=baseline, n=len(times), **extra)
    p95 = sorted(times)[max(0, int(round(0.95 * len(times))) - 1)]
    ratio = f"{med / baseline:8.2f}x" if baseline else f"{'':9}"
    unit, scale = ("ms", 1e3) if med >= 1e-3 else ("us", 1e6)
    return (
        f"| {name:44} | {med * scale:9.2f} {unit} | {p95 * scale:9.2f} {unit} "
        f"| {len(times):3} | {ratio} | {note}"
    )


def header(title: str) -> None:
    section(title)
    print(f"\n{title}")
    print(f"| {'what':44} | {'median':>12} | {'p95':>12} | {'n':>3} | {'ratio':>9} | note")
    print(f"|{'-' * 46}|{'-' * 14}|{'-' * 14}|{'-' * 5}|{'-' * 11}|------")


def bench_sweep(n: int, repeats: int, loop_repeats: int) -> None:
    from sklearn.metrics import confusion_matrix, roc_curve

    rng = np.random.default_rng(7)
    labels = rng.random(n) < 0.05
    scores = 1 / (1 + np.exp(-rng.normal(np.where(labels, 1.0, -2.5), 1.2)))
    preset = load_preset(assets.preset_path("safe_browsing"))
    param = "experience.bands[0].threshold"

    def full_sweep() -> object:
        return sweep(preset, param, scores=EmpiricalScores(labels, scores))

    thresholds = np.quantile(scores, np.linspace(0.01, 0.99, 200))

    def confusion_loop() -> None:
        for t in thresholds:
            confusion_matrix(labels, scores >= t)

    floor, floor_cpu = timed(lambda: np.argsort(scores), repeats)
    base = statistics.median(floor)
    points = len(full_sweep().values)
    header(f"Threshold sweep over {n:,} empirical scores ({points:,} distinct thresholds)")
    print(row("np.argsort (the floor)", floor, base, cpu=floor_cpu))
    for name, fn in (
        ("sweep: load (sort + cumsum) and evaluate all", full_sweep),
        ("  of which the load (sort + cumsum)", lambda: EmpiricalScores(labels, scores)),
    ):
        wall, cpu = timed(fn, repeats)
        print(row(name, wall, base, cpu_note(cpu, floor_cpu), cpu=cpu))
    emp = EmpiricalScores(labels, scores)
    wall, cpu = timed(lambda: sweep(preset, param, scores=emp), repeats)
    name = "  of which the evaluation of all thresholds"
    print(row(name, wall, base, cpu_note(cpu, floor_cpu), cpu=cpu))
    roc = timings(lambda: roc_curve(labels, scores, drop_intermediate=False), repeats)
    print(row("sklearn roc_curve (drop_intermediate=False)", roc, base))
    curve = timings(lambda: EmpiricalScores(labels, scores).sweep_points(-1.0, 2.0), repeats)
    faster = statistics.median(roc) / statistics.median(curve)
    print(
        row(
            "ROC curve: load and every distinct score",
            curve,
            base,
            f"{faster:.2f}x faster than roc_curve",
        )
    )
    print(
        row(
            "loop of 200 sklearn confusion_matrix",
            timings(confusion_loop, loop_repeats),
            base,
            "what users do today",
        )
    )


def bench_evaluate(repeats: int) -> None:
    header("One evaluation of a synthetic preset (budget: 1 ms)")
    for path in assets.bundled_presets():
        preset = load_preset(path)
        if preset.model.source != "synthetic":
            continue
        evaluate(preset)
        times = timings(lambda p=preset: evaluate(p), repeats, number=50)
        print(row(f"evaluate {path.stem}", times, 1e-3, "ratio to the 1 ms budget"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 200k scores")
    parser.add_argument("--json", action="store_true", help="tables on stderr, JSON on stdout")
    args = parser.parse_args()
    with json_output(args.json):
        if args.quick:
            bench_sweep(200_000, repeats=3, loop_repeats=1)
            bench_evaluate(repeats=5)
        else:
            bench_sweep(1_000_000, repeats=9, loop_repeats=1)
            bench_evaluate(repeats=21)


if __name__ == "__main__":
    main()
