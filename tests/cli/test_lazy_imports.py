"""What a command imports in a new process: each command loads only what it needs, so a
`validate` of a described model reads its preset without numpy, the model stack or the
round-trip YAML writer, a real model opened again needs neither scikit-learn nor skops, and
validated again not even numpy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The CLI run in a fresh interpreter; then the top-level packages it has imported.
RUNNER = """
import json, sys
from prototyper import cli
code = cli.main(sys.argv[1:])
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
sys.exit(code)
"""

HEAVY = ("numpy", "scipy", "sklearn", "skops", "ruamel", "jsonschema", "joblib", "pandas")


def imported(tmp_path: Path, *argv: str) -> set[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "PROTOTYPER_CONFIG_DIR": str(tmp_path / "config"),
        "PROTOTYPER_CACHE_DIR": str(tmp_path / "cache"),
    }
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("preset", ["safe_browsing", "fall_detection", "smart_toaster"])
def test_validate_of_a_described_model_imports_no_heavy_package(tmp_path, preset):
    modules = imported(tmp_path, "validate", preset)
    assert "prototyper" in modules and "yaml" in modules  # the probe sees what was imported
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


def test_validate_of_a_real_model_opened_again_imports_no_model_stack(tmp_path):
    cold = imported(tmp_path, "validate", "fall_detection_model")
    assert {"numpy", "sklearn", "skops"} <= cold  # scored: the estimator was loaded
    warm = imported(tmp_path, "validate", "fall_detection_model")
    # what the first check found is kept: the trust check and the label column run again
    assert warm.isdisjoint(HEAVY), sorted(warm & set(HEAVY))
    again = imported(tmp_path, "evaluate", "fall_detection_model")  # the scores, calibrated
    assert "numpy" in again
    stack = {"scipy", "sklearn", "skops", "ruamel", "jsonschema", "joblib", "pandas"}
    assert again.isdisjoint(stack), sorted(again & stack)


def test_a_weighted_real_model_validated_again_imports_no_numpy(tmp_path):
    # The weight column is checked again on every validate (finite, 0 to the cap, some
    # weight in each class) with plain floats: the warm check needs numpy no more than an
    # unweighted one does.
    folder = tmp_path / "design"
    folder.mkdir()
    source = ROOT / "models" / "fall_detection"
    (folder / "model.skops").write_bytes((source / "model.skops").read_bytes())
    lines = (source / "eval.csv").read_text(encoding="utf-8").splitlines()
    weights = ("1", "2.5", "0.5", "1e0")  # an exponent too: not a plain decimal
    rows = [f"{line},{weights[i % 4]}" for i, line in enumerate(lines[1:])]
    (folder / "eval.csv").write_text("\n".join([f"{lines[0]},w", *rows]) + "\n", encoding="utf-8")
    text = (ROOT / "presets" / "fall_detection_model.yaml").read_text(encoding="utf-8")
    text = text.replace("../models/fall_detection/", "").replace(
        "weight_column: null", "weight_column: w"
    )
    assert "weight_column: w" in text and "data: eval.csv" in text
    preset = folder / "weighted.yaml"
    preset.write_text(text, encoding="utf-8")
    cold = imported(tmp_path, "validate", str(preset))
    assert "numpy" in cold
    warm = imported(tmp_path, "validate", str(preset))
    assert warm.isdisjoint(HEAVY), sorted(warm & set(HEAVY))
