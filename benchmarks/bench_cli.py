"""CPU time of one command-line run on a real-model preset, in a new process each time.

    .venv/bin/python benchmarks/bench_cli.py [--quick] [--json]

`prototyper validate` on each real-model preset: "cold" with an empty score cache (read the
evaluation file, check the model file's types, import skops and scikit-learn, load and
score), "warm" with what the run before found kept on disk (the trust check from the model
file, the label column, the kept rows and ROC AUC: neither numpy, skops nor scikit-learn
imported). The
floor is the same command on the synthetic safe-browsing preset: the interpreter, numpy and
the preset, which every run pays. CPU time (user + system) of the child, so a busy machine
inflates it less than wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import json_output, record, section

PRESETS = ("fall_detection_model", "safe_browsing_model")
FLOOR = "safe_browsing"


def cpu_of(args: list[str], env: dict) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: {proc.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def row(name: str, runs: list[tuple[float, float]], floor: float, note: str = "") -> None:
    cpu = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[1] for r in runs)
    record(name, seconds=cpu, wall=wall, floor=floor, n=len(runs))
    print(
        f"| {name:46} | {cpu:7.2f} s | {wall:7.2f} s | {len(runs):3} | {cpu / floor:6.2f}x | {note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 runs of each instead of 5")
    parser.add_argument("--json", action="store_true", help="tables on stderr, JSON on stdout")
    args = parser.parse_args()
    runs = 2 if args.quick else 5
    with json_output(args.json), tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        # Bytecode cached as in any install: compiling the sources is not what is measured.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env = {
            **env,
            "PROTOTYPER_CONFIG_DIR": str(scratch / "config"),
            "XDG_CACHE_HOME": str(scratch / "xdg"),
            "OPENBLAS_NUM_THREADS": "1",
        }
        command = [sys.executable, "-m", "prototyper", "validate"]
        title = "`prototyper validate`, a new process each run (CPU time, user + system)"
        section(title)
        print(f"\n{title}")
        print(f"| {'what':46} | {'CPU':>9} | {'wall':>9} | {'n':>3} | {'ratio':>7} | note")
        print(f"|{'-' * 48}|{'-' * 11}|{'-' * 11}|{'-' * 5}|{'-' * 9}|------")
        for preset in (FLOOR, *PRESETS):  # warm-up: bytecode written, files in the page cache
            cpu_of([*command, preset], {**env, "PROTOTYPER_CACHE_DIR": str(scratch / "w")})
        floor_runs = [cpu_of([*command, FLOOR], env) for _ in range(runs)]
        floor = statistics.median(r[0] for r in floor_runs)
        row(f"{FLOOR} (synthetic: the floor)", floor_runs, floor)
        for preset in PRESETS:
            cold, warm = [], []
            for i in range(runs):
                cache = {**env, "PROTOTYPER_CACHE_DIR": str(scratch / f"{preset}-{i}")}
                cold.append(cpu_of([*command, preset], cache))  # an empty cache
                warm.append(cpu_of([*command, preset], cache))  # the scores just kept
            row(f"{preset}: cold", cold, floor, "empty score cache")
            row(f"{preset}: warm", warm, floor, "checked before: findings kept on disk")


if __name__ == "__main__":
    main()
