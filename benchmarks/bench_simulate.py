"""Speed and memory of the simulation over time, next to floors measured in the same run.

    .venv/bin/python benchmarks/bench_simulate.py [--quick] [--runs N] [--json]

The goal (issue #13, "Speed"): 10,000 users x 365 days x 50 replications of the
fall-detection preset with every dynamic on, in 1.5 s or less on one core and at most 2.5
times the first floor below, measured in the same run. "Every dynamic on" is a modified copy of
the bundled preset (ALL_ON below): habituation carried across days, trust learned from
experience (with Bliss's 90% probability matchers), abandonment after false alarms and for
no reason, a prompt cap and an automation cooldown, all four guardrails, labels with
wrong "I'm fine"s, monthly retraining and drift. An automate band is added on top of the
prompt band so that the automation guardrails have something to act on.

Floors, timed in the same process:

1. one uniform per user-day: users x days x replications = 182.5 M doubles from
   numpy.random.default_rng().random, drawn day by day in blocks of users x replications.
   Any simulation that visits every user every day draws at least this.
2. the variates the simulation actually drew (Simulation.variates: every uniform,
   exponential, geometric, Poisson, binomial and hypergeometric variate), drawn as uniforms
   in as many daily blocks.
3. one Poisson count per user-day (rng.poisson, the same blocks): what drawing "counts per
   user-day and band" costs for a single band.

Peak memory: tracemalloc's peak during one run (numpy reports its buffers to tracemalloc),
and the process's peak resident set size.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core

import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
from results import json_output, record  # noqa: E402

from prototyper import assets  # noqa: E402
from prototyper.core.preset.preset_io import load_preset, with_values  # noqa: E402
from prototyper.core.preset.schema import Preset  # noqa: E402
from prototyper.core.simulation.simulate import simulate  # noqa: E402

USERS, DAYS, REPLICATIONS = 10_000, 365, 50
GOAL_SECONDS = 1.5
GOAL_FLOOR_RATIO = 2.5  # times floor 1, medians of the same run

ALL_ON = {
    "experience.bands": [
        {"threshold": 0.1, "mode": "automate"},  # direct dispatch when nearly certain
        {"threshold": 0.002, "mode": "prompt"},
        {"threshold": 0.0, "mode": "none"},
    ],
    "experience.modes.automate.over_cap": "prompt",
    "experience.modes.prompt.daily_cap": 2,
    "response.trust_matching": 0.9,
    "dynamics.habituation.enabled": True,
    "dynamics.habituation.recovery_per_day": 0.5,
    "dynamics.trust.enabled": True,
    "dynamics.trust.memory_per_day": 0.99,
    "dynamics.abandonment.enabled": True,
    "dynamics.abandonment.per_false_alarm": 0.01,
    "dynamics.abandonment.per_day": 0.0005,
    "dynamics.cooldown_days.automate": 1,
    "guardrails.max_automations_per_day": 1,
    "guardrails.min_confidence_to_automate": 0.2,
    "guardrails.escalation.enabled": True,
    "guardrails.escalation.min_score": 0.05,
    "guardrails.escalation.capacity_per_day": 50,
    "guardrails.harm_limit.enabled": True,
    "guardrails.harm_limit.max_loss_per_positive": 5000.0,
    "telemetry.enabled": True,
    "telemetry.label_share": 0.5,
    "telemetry.wrong_if_positive": 0.1,
    "telemetry.retrain_every_days": 30,
    "telemetry.drift_per_day": 0.0002,
}


def all_on() -> Preset:
    preset = load_preset(assets.preset_path("fall_detection"))
    return with_values(preset, {"scenario.horizon_days": DAYS, **ALL_ON})


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds; CPU time is what one core spent, whatever else runs."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def draw_blocks(kind: str, total: int, block: int) -> Callable[[], None]:
    """Draw ``total`` variates in blocks of ``block`` (the last one shorter)."""

    def run() -> None:
        rng = np.random.default_rng(0)
        left = total
        while left > 0:
            n = min(block, left)
            if kind == "uniform":
                rng.random(n)
            else:
                rng.poisson(0.057, n)  # the all-on design's interactions per user-day
            left -= n

    return run


def row(name: str, times: list[tuple[float, float]], floor: tuple[float, float], note="") -> str:
    wall = statistics.median(t[0] for t in times)
    cpu = statistics.median(t[1] for t in times)
    record(name, seconds=wall, cpu=cpu, floor=floor[0], n=len(times))
    return (
        f"| {name:44} | {wall:7.2f} s | {cpu:7.2f} s | {len(times):3} "
        f"| {wall / floor[0]:6.2f}x | {cpu / floor[1]:6.2f}x | {note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 replications, one run")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--json", action="store_true", help="tables on stderr, JSON on stdout")
    args = parser.parse_args()
    with json_output(args.json):
        run(args)


def run(args: argparse.Namespace) -> None:
    reps = 10 if args.quick else REPLICATIONS
    runs = 1 if args.quick else args.runs
    preset = all_on()
    user_days = USERS * DAYS * reps
    block = USERS * reps

    def sim() -> object:
        return simulate(preset, seed=0, replications=reps, users=USERS)

    result = sim()  # warm-up, and the variate count
    sims, floors, drawn, poisson = [], [], [], []
    for _ in range(runs):  # interleaved, so that a busy machine slows each alike
        floors.append(timed(draw_blocks("uniform", user_days, block)))
        sims.append(timed(sim))
        drawn.append(timed(draw_blocks("uniform", result.variates, block)))
        poisson.append(timed(draw_blocks("poisson", user_days, block)))
    floor = (statistics.median(t[0] for t in floors), statistics.median(t[1] for t in floors))

    tracemalloc.start()
    sim()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux

    print(
        f"\nSimulation: fall_detection, every dynamic on; {USERS:,} users x {DAYS} days x "
        f"{reps} replications = {user_days / 1e6:.1f} M user-days; goal {GOAL_SECONDS:g} s and "
        f"{GOAL_FLOOR_RATIO:g}x the floor; "
        f"medians of {runs} runs"
    )
    print(
        f"| {'what':44} | {'wall':>9} | {'CPU':>9} | {'n':>3} | {'/floor':>7} "
        f"| {'CPU/fl.':>7} | note"
    )
    print(f"|{'-' * 46}|{'-' * 11}|{'-' * 11}|{'-' * 5}|{'-' * 9}|{'-' * 9}|------")
    print(row("floor: 1 uniform per user-day", floors, floor, f"{user_days / 1e6:.1f} M doubles"))
    print(row("simulate (all dynamics on)", sims, floor, f"{result.variates / 1e6:.1f} M variates"))
    print(row("uniforms as many as the variates it drew", drawn, floor, "same daily blocks"))
    print(row("1 Poisson count per user-day (one band)", poisson, floor, "rng.poisson"))
    print(
        f"\npeak memory: {peak / 2**20:.0f} MiB traced (tracemalloc) during one run; "
        f"process peak RSS {rss:.0f} MiB"
    )
    s = result.summary
    print(
        f"horizon: value added {s['value_added'].mean / 1e6:+.1f} M USD, active users "
        f"{s['active_users'].mean:.1%}, AUC {s['auc'].mean:.4f}, guardrail activations "
        f"{s['guardrail_activations'].mean:,.0f}"
    )


if __name__ == "__main__":
    main()
