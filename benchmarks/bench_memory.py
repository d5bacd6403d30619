"""Memory of reading input files, as medians and ratios to floors measured in the same run.

    .venv/bin/python benchmarks/bench_memory.py [--quick] [--rows N] [--json]

Every measurement runs in a fresh interpreter (prototyper, numpy and the CLI imported
first), so one does not inherit another's heap. "rss" is the growth of the peak resident
size over what the imports took (for the hostile files, the whole process's peak, imports
included); "traced" is tracemalloc's peak (Python and numpy allocations only).

1. CSV files (ratio: peak / file size; the floor is reading the file's bytes, 1x): a score
   file (label, score, weight, group) read into its columns, and loaded as a score model
   (the columns plus the sorted scores, cumulative sums and group names); a file whose
   group names are all 200 characters long (the cap; 1,000 distinct); the phishing
   evaluation CSV repeated to the same rows, every column read as a feature (one of them
   text).
2. Hostile files through `prototyper evaluate` (ratio: the process's peak rss over the
   floor's, the same command on a small valid score preset): a 210 kB CSV with one long
   cell, a 1.9 MB bundle whose preset unpacks to 1.9 GB, a skops file whose schema.json
   unpacks to 1.9 GB, a 2 GB sparse CSV and a FIFO as the preset. Each must exit 2; the
   exit code and the size of the hostile file are shown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from results import json_output, record, section

from prototyper import assets

# The tests' hand-built zips: the benchmark measures the very bombs the tests refuse.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.zip_bombs import deflate_bomb, raw_zip  # noqa: E402

CHILD = r"""
import json, resource, sys, time, tracemalloc
from pathlib import Path
import numpy
import prototyper.cli as cli
from prototyper.core.model.csv_table import FEATURE, read_csv
from prototyper.core.model.model_sources import load_scores
from prototyper.core.preset.schema import ScoreFileModel

SCORES = {"label": ("label",), "score": ("number",), "weight": ("number",),
          "region": ("group",)}

def run(what, args):
    if what == "bytes":
        return Path(args[0]).read_bytes()
    if what == "columns":
        table = read_csv(Path(args[0]), lambda header: SCORES)
        return table, table.groups("region", "region")
    if what == "features":
        table = read_csv(Path(args[0]), lambda header: {h: (FEATURE,) for h in header})
        return [table.feature(h) for h in table.header]
    if what == "load":
        path = Path(args[0])
        model = ScoreFileModel(path=path.name, weight_column="weight", group_column="region")
        return load_scores(model, path.parent)
    if what == "cli":
        return cli.main(args)

traced = sys.argv[1] == "traced"
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if traced:
    tracemalloc.start()
start = time.perf_counter()
out = run(sys.argv[2], sys.argv[3:])
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] if traced else 0
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
code = out if isinstance(out, int) else 0
print(json.dumps({"rss": (after - before) * 1024, "peak": after * 1024, "traced": peak,
                  "seconds": seconds, "code": code}))
"""


def measure(mode: str, what: str, *args: object, cwd: Path) -> dict:
    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "HOME": str(cwd),
        "TMPDIR": str(cwd),
        "PROTOTYPER_CACHE_DIR": str(cwd / "cache"),
    }
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, mode, what, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env=env,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{what} {args}: {proc.stderr.strip()}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def header(title: str, unit: str) -> None:
    section(title)
    print(f"\n{title}")
    print(
        f"| {'what':46} | {'rss':>9} | {'traced':>9} | {'time':>8} | {'n':>2} | "
        f"{'ratio ' + unit:>14} | note"
    )
    print(f"|{'-' * 48}|{'-' * 11}|{'-' * 11}|{'-' * 10}|{'-' * 4}|{'-' * 16}|------")


def line(name: str, runs: list[dict], ratio: float, note: str = "", key: str = "rss") -> None:
    rss, traced = median(runs, key) / 1e6, median(runs, "traced") / 1e6
    seconds = median(runs, "seconds")
    record(name, ratio=ratio, rss=rss * 1e6, traced=traced * 1e6, seconds=seconds, n=len(runs))
    shown = f"{traced:7.1f}MB" if traced else f"{'-':>9}"
    print(
        f"| {name:46} | {rss:7.1f}MB | {shown} | {seconds:7.2f}s | {len(runs):2} | "
        f"{ratio:13.2f}x | {note}"
    )


# --- inputs ---------------------------------------------------------------------------------


def score_csv(path: Path, rows: int, group_chars: int = 0) -> Path:
    rng = np.random.default_rng(11)
    y = rng.random(rows) < 0.2
    s = rng.random(rows)
    w = rng.integers(1, 4, rows)
    if group_chars:
        names = [f"{i:03d}".ljust(group_chars, "g") for i in range(1000)]
    else:
        names = ["north", "south", "east", "west"]
    g = rng.integers(0, len(names), rows)
    with path.open("w", encoding="utf-8") as f:
        f.write("label,score,weight,region\n")
        f.writelines(
            f"{int(a)},{b:.6f},{c},{names[d]}\n" for a, b, c, d in zip(y, s, w, g, strict=True)
        )
    return path


def features_csv(path: Path, rows: int) -> Path:
    text = (assets.asset_dir("models") / "phishing_url" / "eval.csv").read_text(encoding="utf-8")
    head, *body = text.splitlines()
    with path.open("w", encoding="utf-8") as f:
        f.write(head + "\n")
        for i in range(rows):
            f.write(body[i % len(body)] + "\n")
    return path


def preset(folder: Path, csv_name: str, model: dict | None = None) -> Path:
    """A bundled synthetic preset with its model replaced by a score file (or ``model``)."""
    import yaml

    data = yaml.safe_load(assets.preset_path("safe_browsing").read_text(encoding="utf-8"))
    data.pop("sources", None)  # notes on where the synthetic numbers came from
    data["model"] = model or {
        "source": "score_file",
        "path": csv_name,
        "label_column": "label",
        "score_column": "score",
    }
    path = folder / f"{Path(csv_name).stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --- the runs -------------------------------------------------------------------------------


def bench_csv(folder: Path, rows: int, repeats: int) -> None:
    files = {
        "scores": score_csv(folder / "scores.csv", rows),
        "long groups": score_csv(folder / "groups.csv", rows, group_chars=200),
        "features": features_csv(folder / "features.csv", rows),
    }
    header(f"Reading CSV files of {rows:,} rows (ratio: traced peak / file size)", "size")

    def runs(what: str, path: Path) -> list[dict]:
        out = []
        for _ in range(repeats):
            r = measure("rss", what, path, cwd=folder)
            r["traced"] = measure("traced", what, path, cwd=folder)["traced"]
            out.append(r)
        return out

    for label, what, key in (
        ("file bytes, read whole (floor)", "bytes", "scores"),
        ("score file: read_csv, 4 columns", "columns", "scores"),
        ("score file: load_scores (columns + score model)", "load", "scores"),
        ("200-character group names: read_csv", "columns", "long groups"),
        ("phishing features, 10 columns: read_csv", "features", "features"),
    ):
        path = files[key]
        size = path.stat().st_size
        r = runs(what, path)
        line(label, r, median(r, "traced") / size, f"{size / 1e6:.1f} MB file")


def bench_hostile(folder: Path, repeats: int) -> None:
    header("Hostile files through `prototyper evaluate` (ratio: peak rss / the floor's)", "floor")
    (folder / "ok.csv").write_text("label,score\n1,0.9\n0,0.2\n1,0.6\n0,0.4\n", encoding="utf-8")
    cell = "0." + "1" * (210_000 - 20)
    (folder / "long.csv").write_text(f"label,score\n1,0.5\n0,{cell}\n", encoding="utf-8")
    with (folder / "sparse.csv").open("wb") as f:
        f.truncate(2 << 30)
    data, crc, size = deflate_bomb()
    raw_zip(folder / "bomb.zip", [("preset.yaml", zipfile.ZIP_DEFLATED, data, crc, size)])
    (folder / "models").mkdir()
    raw_zip(
        folder / "models" / "model.skops", [("schema.json", zipfile.ZIP_DEFLATED, data, crc, size)]
    )
    (folder / "models" / "eval.csv").write_text("a,label\n0.1,1\n0.2,0\n", encoding="utf-8")
    sklearn = {"source": "sklearn", "model": "model.skops", "data": "eval.csv"}
    skops_preset = preset(folder / "models", "model.csv", sklearn)
    fifo = folder / "fifo.yaml"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)
    cases = [
        ("small valid score preset (floor)", preset(folder, "ok.csv"), "exit 0", "ok.csv"),
        ("210 kB CSV, one long cell", preset(folder, "long.csv"), "exit 2", "long.csv"),
        ("1.9 MB bundle, preset unpacks to 1.9 GB", folder / "bomb.zip", "exit 2", "bomb.zip"),
        ("skops file, schema.json unpacks to 1.9 GB", skops_preset, "exit 2", "models/model.skops"),
        ("2 GB sparse CSV", preset(folder, "sparse.csv"), "exit 2", "sparse.csv"),
    ]
    if hasattr(os, "mkfifo"):
        cases.append(("a FIFO as the preset", fifo, "exit 2", ""))
    floor = None
    for label, path, expected, hostile in cases:
        r = [measure("rss", "cli", "evaluate", path, cwd=folder) for _ in range(repeats)]
        floor = floor or median(r, "peak")
        code = r[0]["code"]
        note = f"exit {code}" + ("" if f"exit {code}" == expected else f" (expected {expected})")
        if hostile:
            note += f", {(folder / hostile).stat().st_size / 1e6:.2f} MB file"
        line(label, r, median(r, "peak") / floor, note, key="peak")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 repeat, 100,000 rows")
    parser.add_argument("--rows", type=int, default=None, help="CSV rows (default 500,000)")
    parser.add_argument("--json", action="store_true", help="tables on stderr, JSON on stdout")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    rows = args.rows or (100_000 if args.quick else 500_000)
    with json_output(args.json), tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        folder = Path(tmp)
        bench_csv(folder, rows, repeats)
        bench_hostile(folder, repeats)


if __name__ == "__main__":
    main()
