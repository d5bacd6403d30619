"""A corpus of skops files that run code when loaded and used, built at test time.

Each gadget is a scikit-learn Pipeline whose steps turn the evaluation data's one feature
column, a text (the payload), into one string, hand it to a function that runs code, then
end in a fitted LogisticRegression (so that the file looks like a classifier). If the loader
ever builds the pipeline and scores with it, the payload creates the file ``MARKER`` beside
it. Every file is made with ``skops.io.dump`` of the real object, and the preset beside it
lists every type the file holds in ``model.trusted_types``, as an attacker would.

Left out, because skops cannot dump them: ``tarfile.open`` (a class method; skops refuses to
dump it). ``pandas.read_pickle`` needs pandas, which the project does not install.
"""

from __future__ import annotations

import builtins
import cProfile
import csv
import importlib
import logging.config
import operator
import os
import pdb
import pydoc
import runpy
import subprocess
import timeit
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .test_model_sources import preset_text

MARKER = "MARKER"


class _Unpickled:
    """Pickled into a .npy file: unpickling it runs a shell command."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


@dataclass(frozen=True)
class Gadget:
    name: str
    steps: Callable[[Path], list[tuple[Callable, dict | None]]]  # folder -> (func, kw_args)
    payload: Callable[[Path], str]  # folder -> the text in the feature column
    fires: bool = True  # builds the marker when run (False: refused by name only)


def _shell(folder: Path) -> str:
    return f"touch {folder / MARKER}"


def _python(folder: Path) -> str:
    return f"open({str(folder / MARKER)!r}, 'w').close()"


def _script(folder: Path) -> str:
    path = folder / "payload.py"
    path.write_text(_python(folder) + "\n", encoding="utf-8")
    return str(path)


def _pickle_file(folder: Path) -> str:
    path = folder / "payload.npy"
    np.save(path, np.array([_Unpickled(_shell(folder))], dtype=object), allow_pickle=True)
    return str(path)


def _one(func, kw=None):
    return lambda folder: [(func, kw)]


GADGETS = [
    Gadget("pydoc.pipepager", lambda f: [(pydoc.pipepager, {"cmd": _shell(f)})], lambda f: "x"),
    Gadget(
        "pydoc.tempfilepager",
        lambda f: [(pydoc.tempfilepager, {"cmd": _shell(f) + ";"})],
        lambda f: "x",
    ),
    Gadget("os.system", _one(os.system), _shell),
    Gadget("subprocess.call", _one(subprocess.call, {"shell": True}), _shell),
    Gadget("builtins.exec", _one(builtins.exec), _python),
    Gadget("builtins.eval", _one(builtins.eval), _python),
    Gadget("pdb.run", _one(pdb.run), _python),
    Gadget("timeit.timeit", _one(timeit.timeit, {"number": 1}), _python),
    Gadget("cProfile.run", _one(cProfile.run), _python),
    Gadget(
        "operator.methodcaller",
        lambda f: [
            (importlib.import_module, None),
            (operator.methodcaller("system", _shell(f)), None),
        ],
        lambda f: "os",
    ),
    Gadget("runpy.run_path", _one(runpy.run_path), _script),
    Gadget("venv.create", _one(venv.create), lambda f: str(f / MARKER)),
    Gadget("numpy.load", _one(np.load, {"allow_pickle": True}), _pickle_file),
    # Reachable only with arguments a single text cannot give (a port and a thread to start;
    # twenty positional arguments): in the corpus so that their names are refused too.
    Gadget("logging.config.listen", _one(logging.config.listen), lambda f: "x", fires=False),
    Gadget("_posixsubprocess.fork_exec", lambda f: [(_fork_exec(), None)], _shell, fires=False),
]
GADGET_IDS = [g.name for g in GADGETS]


def _fork_exec() -> Any:
    import _posixsubprocess

    return _posixsubprocess.fork_exec


def build(gadget: Gadget, folder: Path) -> Path:
    """The gadget's model file, evaluation data and preset in ``folder``; the preset's path.
    Deterministic: the same folder gives the same bytes."""
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 1))
    y = (x[:, 0] > 0).astype(int)
    final = LogisticRegression().fit(x, y)
    steps = [
        ("ravel", FunctionTransformer(np.ravel)),  # the column as a 1-D array of texts
        ("text", FunctionTransformer(builtins.min)),  # one text (they are all the same)
    ]
    for i, (func, kw) in enumerate(gadget.steps(folder)):
        steps.append((f"gadget{i}", FunctionTransformer(func, kw_args=kw)))
    steps.append(("classifier", final))
    sio.dump(Pipeline(steps), folder / "model.skops")
    payload = gadget.payload(folder)
    with (folder / "eval.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["payload", "label"])
        writer.writerows((payload, int(v)) for v in y)
    types = sio.get_untrusted_types(file=folder / "model.skops")
    model = f"""model:
  source: sklearn
  model: model.skops
  data: eval.csv
  label_column: label
  feature_columns: [payload]
  weight_column: null
  group_column: null
  trusted_types: [{", ".join(types)}]
  allow_pickle: false
"""
    path = folder / "gadget.yaml"
    path.write_text(preset_text(model), encoding="utf-8")
    return path
