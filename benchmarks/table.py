"""Every speed and memory goal in one table: each benchmark runs in its own process, and
each row is set against its floor (measured in the same run) and its goal.

    .venv/bin/python benchmarks/table.py [--quick] [--verbose]     (make bench, make bench-quick)

``--quick`` runs each benchmark's quick mode (fewer repeats, smaller inputs), as CI does;
``--verbose`` shows each benchmark's own tables too. Nothing is asserted: a missed goal is
marked "no", and the exit code is 0 unless a benchmark itself fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

Rows = list[dict]


def run(script: str, quick: bool, verbose: bool) -> Rows:
    args = [sys.executable, str(HERE / script), "--json", *(["--quick"] if quick else [])]
    start = time.perf_counter()
    print(f"running {script}{' --quick' if quick else ''} ...", file=sys.stderr, flush=True)
    proc = subprocess.run(args, capture_output=True, text=True, timeout=3600)
    if verbose or proc.returncode != 0:
        sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"{script} failed (exit {proc.returncode})")
    print(f"  {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])["rows"]


def find(rows: Rows, what: str, section: str = "") -> dict:
    for r in rows:
        if r["what"] == what and section in r["section"]:
            return r
    raise SystemExit(f"no row {what!r} in {section!r}: {[r['what'] for r in rows]}")


@dataclass
class Line:
    what: str
    measured: str
    floor: str
    ratio: float | None
    goal: str
    met: bool | None


def seconds(s: float) -> str:
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def against_floor(what: str, row: dict, floor: float, goal_ratio: float, unit=seconds) -> Line:
    ratio = row["seconds"] / floor
    return Line(
        what, unit(row["seconds"]), unit(floor), ratio, f"<= {goal_ratio:g}x", ratio <= goal_ratio
    )


def lines(results: dict[str, Rows], models: tuple[str, ...], presets: tuple[str, ...]) -> list:
    out: list[Line] = []
    gui = results["bench_gui.py"]
    step = find(gui, "slider step: recompute + update + repaint")
    idle = find(gui, "repaint with no change (baseline)")
    out.append(
        Line(
            "slider click step, exact at once (safe browsing)",
            seconds(step["seconds"]),
            f"{seconds(idle['seconds'])} idle repaint",
            step["seconds"] / 0.016,
            "<= 1 frame (16 ms)",
            step["seconds"] <= 0.016,
        )
    )
    # The goal is a drag's frame: judged by its 95th percentile, as the issue asks
    for what, section, title in (
        ("slider drag step (mouse down)", "(safe browsing)", "slider drag (safe browsing)"),
        (
            "threshold drag step on the score plot",
            "(safe browsing)",
            "threshold-line drag (safe browsing)",
        ),
        ("slider drag step (mouse down)", "(real model", "slider drag (real model, 100k rows)"),
        ("slider drag step (mouse down)", "four designs pinned", "slider drag (4 pins, Compare)"),
    ):
        drag = find(gui, what, section)
        out.append(
            Line(
                f"{title}, p95",
                seconds(drag["p95"]),
                f"{seconds(idle['seconds'])} idle repaint",
                drag["p95"] / 0.016,
                "p95 <= 16 ms",
                drag["p95"] <= 0.016,
            )
        )
    app = find(gui, "prototyper on the safe-browsing preset")
    empty = find(gui, "empty window with one plot (the floor)")
    out.append(against_floor("start-up: process start -> first paint", app, empty["seconds"], 1.3))
    core = results["bench_core.py"]
    sweep = find(core, "sweep: load (sort + cumsum) and evaluate all")
    out.append(
        against_floor(
            f"sweep: {sweep['section'].split('over ')[1].split(' (')[0]}",
            sweep,
            find(core, "np.argsort (the floor)")["seconds"],
            2.0,
        )
    )
    sim = find(results["bench_simulate.py"], "simulate (all dynamics on)")
    out.append(
        Line(
            "simulation: fall detection, every dynamic on",
            seconds(sim["seconds"]),
            seconds(sim["floor"]) + " uniforms",
            sim["seconds"] / sim["floor"],
            "<= 1.5 s, <= 2.5x",
            sim["seconds"] <= 1.5 and sim["seconds"] <= 2.5 * sim["floor"],
        )
    )
    opt = results["bench_optimize.py"]
    run = find(opt, "optimize: thresholds and modes")
    floor = find(opt, "one band's threshold sweep (the floor)")
    out.append(  # CPU seconds, as the validate rows: on a shared machine the wall time waits
        Line(
            "optimizer: 3 bands x 5 modes x thresholds (CPU)",
            seconds(run["cpu"]),
            seconds(floor["cpu"]) + " one band's sweep",
            run["cpu"] / floor["cpu"],
            "<= 3 s",
            run["cpu"] <= 3.0,
        )
    )
    cli = results["bench_cli.py"]
    for preset in presets:
        cold = find(cli, f"{preset}: cold")
        warm = find(cli, f"{preset}: warm")
        floor = cold["floor"]
        out.append(
            Line(
                f"validate {preset}, cold (CPU)",
                seconds(cold["seconds"]),
                seconds(floor) + " synthetic",
                cold["seconds"] / floor,
                "as before (3.7 s)",
                cold["seconds"] <= 3.7,
            )
        )
        out.append(
            Line(
                f"validate {preset}, warm, new process (CPU)",
                seconds(warm["seconds"]),
                seconds(floor) + " synthetic",
                warm["seconds"] / floor,
                "<= 0.3 s",
                warm["seconds"] <= 0.3,
            )
        )
    bench = results["bench_models.py"]
    for model in models:
        floor = find(bench, "estimator.predict_proba (the floor)", model)["seconds"]
        ours = find(bench, "ours: load + score + full sweep", model)
        rows = ours["section"].split(": ")[1].split(" rows")[0] + " rows"
        line = against_floor(f"{model}: load + score + sweep, {rows}", ours, floor, 2.0)
        line.floor += " predict_proba"
        out.append(line)
        warm = find(bench, "warm: the same, scores kept on disk", model)
        line = against_floor("  the same, scores kept on disk", warm, floor, 2.0)
        line.floor += " predict_proba"
        out.append(line)
    bench_psa = results["bench_psa.py"]
    fast = find(bench_psa, "psa: one vectorized call")
    loop = find(bench_psa, "loop of evaluate (scaled)")
    out.append(
        Line(
            "PSA: 10,000 draws of safe browsing (7 inputs)",
            seconds(fast["seconds"]),
            f"{seconds(loop['seconds'])} loop of evaluate",
            fast["seconds"] / loop["seconds"],
            "<= 1 s, <= 0.02x",
            fast["seconds"] <= 1.0 and fast["seconds"] * 50 <= loop["seconds"],
        )
    )
    memory = results["bench_memory.py"]
    load = find(memory, "score file: load_scores (columns + score model)")
    out.append(
        Line(
            "memory: a score CSV loaded as a score model",
            f"{load['traced'] / 1e6:.1f} MB",
            "the file's size",
            load["ratio"],
            "<= 3x",
            load["ratio"] <= 3.0,
        )
    )
    return out


def show(out: list[Line], quick: bool) -> None:
    title = "Every goal of the speed issue" + (
        " (quick: fewer repeats, smaller inputs)" if quick else ""
    )
    print(f"\n{title}")
    print(f"| {'what':58} | {'measured':>10} | {'floor':>26} | {'ratio':>7} | {'goal':>20} | met")
    print(f"|{'-' * 60}|{'-' * 12}|{'-' * 28}|{'-' * 9}|{'-' * 22}|-----")
    for line in out:
        ratio = f"{line.ratio:6.2f}x" if line.ratio is not None else ""
        met = "" if line.met is None else ("yes" if line.met else "no")
        print(
            f"| {line.what:58} | {line.measured:>10} | {line.floor:>26} | {ratio:>7} "
            f"| {line.goal:>20} | {met}"
        )


BENCHMARKS: tuple[str, ...] = (
    "bench_gui.py",
    "bench_core.py",
    "bench_simulate.py",
    "bench_optimize.py",
    "bench_cli.py",
    "bench_models.py",
    "bench_memory.py",
    "bench_psa.py",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each benchmark's quick mode")
    parser.add_argument("--verbose", action="store_true", help="each benchmark's tables too")
    args = parser.parse_args()
    results = {name: run(name, args.quick, args.verbose) for name in BENCHMARKS}
    show(
        lines(
            results,
            models=("phishing_url", "fall_detection"),
            presets=("fall_detection_model", "safe_browsing_model"),
        ),
        args.quick,
    )


if __name__ == "__main__":
    main()
