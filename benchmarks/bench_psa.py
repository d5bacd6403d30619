"""Speed of the probabilistic sensitivity analysis, as medians and ratios measured in the
same run.

    .venv/bin/python benchmarks/bench_psa.py [--quick] [--json]

10,000 PSA draws of the safe-browsing preset (a synthetic model; its uncertainty section
and the response ranges of its modes, seven inputs) in one call, next to a loop of single
evaluations of the same draws: the engine alone on presets made beforehand, and the engine
with each draw's preset set and checked (what ``--set`` does). The loops run on a subset of
the draws, scaled to 10,000. Goals: under 1 s, and at least 50x faster than the engine's
loop.
"""

from __future__ import annotations

import argparse
import statistics
import time

from results import json_output, record, section

from prototyper import assets
from prototyper.core.evaluation.engine import evaluate
from prototyper.core.evaluation.sensitivity import psa
from prototyper.core.preset.preset_io import load_preset, with_values
from prototyper.core.preset.uncertainty import response_range, uncertain_inputs

DRAWS = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, a smaller loop")
    parser.add_argument("--json", action="store_true", help="rows as JSON on stdout")
    args = parser.parse_args()
    repeats, subset = (3, 50) if args.quick else (7, 300)
    with json_output(args.json):
        preset = load_preset(assets.preset_path("safe_browsing"))
        psa([preset], None, draws=100, seed=1)  # imports and caches out of the timing
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = psa([preset], None, draws=DRAWS, seed=1)
            times.append(time.perf_counter() - start)
        fast = statistics.median(times)

        inputs = {i.path: i for i in uncertain_inputs(preset)}
        draws = []  # each draw's values, as --set would take them
        for j in range(subset):
            values: dict[str, float] = {}
            for k, path in enumerate(result.paths):
                x = float(inputs[path].distribution.ppf(result.quantiles[k, j]))
                ends = (".low", ".high") if response_range(path) else ("",)
                values.update({path + end: x for end in ends})
            draws.append(values)
        made = [with_values(preset, v) for v in draws]
        bare, checked = [], []
        for _ in range(max(1, repeats // 2)):
            start = time.perf_counter()
            for one in made:
                evaluate(one)
            bare.append((time.perf_counter() - start) / subset * DRAWS)
            start = time.perf_counter()
            for values in draws:
                evaluate(with_values(preset, values))
            checked.append((time.perf_counter() - start) / subset * DRAWS)
        loop, loop_checked = statistics.median(bare), statistics.median(checked)

        title = f"PSA: {DRAWS:,} draws of safe browsing ({len(result.paths)} inputs)"
        section(title)
        record("psa: one vectorized call", seconds=fast, floor=loop, n=repeats)
        record("loop of evaluate (scaled)", seconds=loop, n=len(bare), subset=subset)
        record("loop of --set and evaluate (scaled)", seconds=loop_checked, n=len(checked))
        print(f"\n{title}")
        print(f"| {'what':46} | {'median':>10} | {'x faster':>8}")
        print(f"| {'psa: one vectorized call':46} | {fast * 1e3:7.1f} ms |")
        for what, t in (("loop of evaluate", loop), ("loop of --set and evaluate", loop_checked)):
            name = f"{what} ({subset} draws, scaled)"
            print(f"| {name:46} | {t:8.2f} s | {t / fast:7.0f}x")


if __name__ == "__main__":
    main()
