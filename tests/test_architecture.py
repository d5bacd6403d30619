"""The layering rules of the package.

`lint-imports` checks the import contracts in pyproject.toml on every import in the source,
including those inside functions; here it is shown to pass on this tree and to fail on a
copy with a forbidden import added. The core and the CLI must also run without Qt and must
not pay for heavy imports on start-up: those checks import them in fresh interpreters, as
pytest-qt has already imported PySide6 in this one.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from prototyper import assets

REPO_ROOT = Path(__file__).resolve().parents[1]

# Qt and its helpers, and the slow ML stack (import it inside the function that needs it).
FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "qtpy", "sklearn", "skops")

_IMPORT_CORE = """
import importlib, json, pkgutil, sys
import prototyper.core as core

def fail(name):
    raise ImportError(f"cannot import {name}")

names = [core.__name__]
for info in pkgutil.walk_packages(core.__path__, core.__name__ + ".", onerror=fail):
    importlib.import_module(info.name)
    names.append(info.name)
print(json.dumps({"imported": names, "modules": sorted(sys.modules)}))
"""

_IMPORT_CLI = """
import json, sys
import prototyper.cli
print(json.dumps({"imported": ["prototyper.cli"], "modules": sorted(sys.modules)}))
"""


def _run(code: str, env: dict[str, str] | None = None) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def _forbidden(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in FORBIDDEN)


def test_core_imports_no_qt_and_no_ml_stack():
    result = _run(_IMPORT_CORE)
    assert len(result["imported"]) > 1, "prototyper.core has no modules"
    assert _forbidden(result["modules"]) == []


def test_cli_imports_no_qt_and_no_ml_stack():
    result = _run(_IMPORT_CLI)
    assert _forbidden(result["modules"]) == []


def test_forbidden_check_sees_an_import(tmp_path):
    # Guards the two tests above against passing vacuously: a stand-in pyqtgraph that
    # imports a submodule must be caught, with or without the real one installed.
    stub = tmp_path / "pyqtgraph"
    stub.mkdir()
    (stub / "__init__.py").write_text("from . import Qt\n")
    (stub / "Qt.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = _run(_IMPORT_CLI.replace("prototyper.cli", "pyqtgraph"), env=env)
    assert _forbidden(result["modules"]) == ["pyqtgraph", "pyqtgraph.Qt"]


CONTRACTS = [
    c["name"]
    for c in tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
]


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    """lint-imports on the package under ``root``, with the contracts in its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command; lint_imports_command()",
            "--no-cache",  # the cache would be written in the working folder
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_contracts_hold():
    assert len(CONTRACTS) == 4
    proc = _lint_imports(REPO_ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in CONTRACTS:
        assert f"{name} KEPT" in proc.stdout


# A function appended to one module of a copy of the package, the contract it breaks and the
# import lint-imports must name.
_BREAKS = {
    "qt-in-core-function": (
        "core/evaluation/report.py",
        "from PySide6.QtWidgets import QApplication\n\n    return QApplication.applicationName()",
        "core never imports Qt, the window or the CLI",
        "prototyper.core.evaluation.report -> PySide6",
    ),
    "window-in-core-function": (
        "core/simulation/feedback.py",
        "from ...qt.theme import mode_color\n\n    return mode_color",
        "core never imports Qt, the window or the CLI",
        "prototyper.core.simulation.feedback -> prototyper.qt.theme",
    ),
    "cli-in-core-function": (
        "core/evaluation/report.py",
        "from ...cli import main\n\n    return main",
        "core never imports Qt, the window or the CLI",
        "prototyper.core.evaluation.report -> prototyper.cli",
    ),
    "cycle-in-core": (
        "core/model/scores.py",
        "from .model_sources import load_scores\n\n    return load_scores",
        "core's modules import each other without cycles",
        ".scores -> .model_sources",
    ),
    "cycle-in-qt-plots": (
        "qt/plots/common.py",
        "from .roc import QtRoc\n\n    return QtRoc",
        "the plot and form modules import each other without cycles",
        ".common -> .roc",
    ),
    "window-in-cli-function": (
        "cli.py",
        "from .qt.main_window import MainWindow\n\n    return MainWindow",
        "the CLI imports Qt only to open the window",
        "prototyper.cli -> prototyper.qt.main_window",
    ),
}


@pytest.mark.parametrize("case", sorted(_BREAKS))
def test_import_contracts_see_imports_inside_functions(tmp_path, case):
    module, body, contract, edge = _BREAKS[case]
    shutil.copytree(
        REPO_ROOT / "prototyper",
        tmp_path / "prototyper",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "prototyper" / module).open("a") as f:
        f.write(f"\n\ndef _added_late():\n    {body}\n")

    proc = _lint_imports(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{contract} BROKEN" in proc.stdout
    assert edge in proc.stdout


def test_assets_resolve_from_checkout():
    if (Path(assets.__file__).parent / "_data").exists():
        pytest.skip("running against an installed wheel")
    for name in assets.ASSET_NAMES:
        assert assets.asset_dir(name) == REPO_ROOT / name
    presets = assets.bundled_presets()
    assert presets, "presets/ holds no *.yaml"
    assert presets == sorted(presets)
    assert all(p.suffix == ".yaml" and p.parent == REPO_ROOT / "presets" for p in presets)
    first = presets[0]
    assert assets.preset_path(first.stem) == first
    assert assets.preset_path(first.name) == first


def test_assets_resolve_from_wheel_layout(tmp_path):
    # A copy of assets.py beside _data/ behaves like the module in an installed wheel.
    package = tmp_path / "site-packages" / "prototyper"
    for name in ("presets", "models", "ui"):
        (package / "_data" / name).mkdir(parents=True)
    (package / "_data" / "presets" / "b.yaml").write_text("schema_version: 1\n")
    (package / "_data" / "presets" / "a.yaml").write_text("schema_version: 1\n")
    (package / "_data" / "presets" / "notes.txt").write_text("not a preset\n")
    copy = package / "assets.py"
    copy.write_text(Path(assets.__file__).read_text())
    spec = importlib.util.spec_from_file_location("wheel_assets", copy)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    assert module.asset_dir("ui") == package / "_data" / "ui"
    assert [p.name for p in module.bundled_presets()] == ["a.yaml", "b.yaml"]
    assert module.preset_path("b") == package / "_data" / "presets" / "b.yaml"
    with pytest.raises(FileNotFoundError, match=r"'missing'.*known: a, b"):
        module.preset_path("missing")


def test_unknown_asset_folder_is_an_error():
    with pytest.raises(ValueError, match="unknown asset folder 'docs'"):
        assets.asset_dir("docs")
