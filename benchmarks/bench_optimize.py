"""Speed of the constrained optimizer, next to a floor measured in the same run.

    .venv/bin/python benchmarks/bench_optimize.py [--quick] [--runs N] [--json]

The goal (issue 11): an optimizer run over 3 bands x every mode x the thresholds in under
3 s. The run is the safe-browsing preset (3 bands, a binormal model) with its thresholds and
band modes free: every assignment of the 5 modes to the 3 bands (125), each with the
pairwise threshold grid and coordinate ascent over 2,000 candidate thresholds, under one
constraint on interruptions. The floor is one vectorized sweep of one band's thresholds
(``sweep`` over the top band's threshold: one call of the engine), the unit the optimizer is
built from. Also shown, not held to a goal: the same with forcefulness and caps free, with
two loky processes, and on the real model of safe_browsing_model (every distinct score).
Medians of the runs; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core

import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from results import json_output, record, section  # noqa: E402

from prototyper import assets  # noqa: E402
from prototyper.core.evaluation.figures import parse_constraint  # noqa: E402
from prototyper.core.evaluation.optimize import optimize  # noqa: E402
from prototyper.core.evaluation.sweep import sweep  # noqa: E402
from prototyper.core.model.model_sources import load_scores  # noqa: E402
from prototyper.core.preset.preset_io import load_preset  # noqa: E402

GOAL_SECONDS = 3.0


CPU: list[float] = []  # the CPU seconds of the last median_time, steadier on a busy machine


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, cpu, out = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[:] = [statistics.median(cpu)]
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, no extra rows")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="rows as JSON on stdout")
    args = parser.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    with json_output(args.json):
        preset = load_preset(assets.preset_path("safe_browsing"))
        bound = [parse_constraint("interruptions_per_user_year<=2")]
        optimize(preset, constraints=bound)  # imports and caches out of the timing
        section(f"optimizer: safe browsing, 3 bands x 5 modes x thresholds ({runs} runs)")
        floor, _ = median_time(lambda: sweep(preset, "experience.bands[0].threshold"), runs)
        floor_cpu = CPU[0]
        record("one band's threshold sweep (the floor)", seconds=floor, cpu=floor_cpu)
        main_s, opt = median_time(lambda: optimize(preset, constraints=bound), runs)
        record("optimize: thresholds and modes", seconds=main_s, floor=floor, cpu=CPU[0])
        print(
            f"floor: one band's sweep            {floor * 1e3:8.1f} ms ({floor_cpu * 1e3:.1f} CPU)"
        )
        print(
            f"optimize: thresholds and modes     {main_s:8.2f} s ({CPU[0]:.2f} s CPU, "
            f"{opt.evaluated:,} designs)"
        )
        print(f"  ratio {main_s / floor:.0f}x the floor; goal {GOAL_SECONDS:g} s")
        if not args.quick:
            every = ["thresholds", "modes", "forcefulness", "caps"]
            s, _ = median_time(lambda: optimize(preset, constraints=bound, vary=every), runs)
            record("optimize: thresholds, modes, forcefulness and caps", seconds=s, cpu=CPU[0])
            print(f"  + forcefulness and caps          {s:8.2f} s ({CPU[0]:.2f} s CPU)")
            s, _ = median_time(lambda: optimize(preset, constraints=bound, n_jobs=2), runs)
            record("optimize: two loky processes", seconds=s)
            print(f"  two loky processes               {s:8.2f} s")
            real = load_preset(assets.preset_path("safe_browsing_model"))
            base = assets.preset_path("safe_browsing_model").parent
            scores = load_scores(real.model, base).at_base_rate(real.scenario.base_rate)
            s, opt = median_time(lambda: optimize(real, scores, constraints=bound), runs)
            record("optimize: real model, every distinct score", seconds=s, cpu=CPU[0])
            print(
                f"  real model (every distinct score) {s:7.2f} s ({CPU[0]:.2f} s CPU, "
                f"{opt.evaluated:,} designs)"
            )


if __name__ == "__main__":
    main()
