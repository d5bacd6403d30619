"""Which types in a model file load without asking, and the consent this user gave.

Trust comes from the person at the keyboard, never from a file. A skops file names the types
it needs; skops trusts a few by default and lists the rest (``get_untrusted_types``). Of
those:

- types on the allowlist (:func:`allowed`) load without asking when the preset requests them
  in ``model.trusted_types``: scikit-learn estimator classes (subclasses of
  ``sklearn.base.BaseEstimator``) and the scikit-learn internals that fitted estimators hold
  (:data:`SKLEARN_INTERNALS`), numpy scalar and dtype classes, scipy sparse matrix and array
  classes. Never a function, a method, a builtin, or anything from another package;
- everything else needs the consent of the user on this computer (``--trust TYPE`` or the
  app's dialog), remembered per user and per model file, keyed by the file's SHA-256
  (:func:`remember`, :func:`remembered`) in a small JSON file in the user's configuration
  folder (``PROTOTYPER_CONFIG_DIR`` overrides it). A preset never stores consent.

A name is classified by resolving it only when its top module is sklearn, numpy or scipy
(imported on demand); no other module is ever imported to classify a name.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import json
import os
import re
import sys
import threading
import warnings
from collections.abc import Iterable
from pathlib import Path

from ..preset.preset_io import write_atomic

PACKAGES = ("sklearn", "numpy", "scipy")
# Classes that fitted scikit-learn estimators hold but that are not estimators themselves;
# each was checked to be plain data plus numeric code.
_METRICS = (
    "Euclidean SEuclidean Manhattan Chebyshev Minkowski Mahalanobis Hamming Canberra "
    "BrayCurtis Jaccard Matching Dice Kulsinski RogersTanimoto RussellRao SokalMichener "
    "SokalSneath Haversine"
).split()
SKLEARN_INTERNALS = frozenset(
    [
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
        "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    ]
    + [f"sklearn.metrics._dist_metrics.{m}Distance{b}" for m in _METRICS for b in (32, 64)]
)
# Never imported to classify a name: modules that run a program or a test set-up on import,
# or that import other packages (vendored shims, build tools); no allowed type lives there.
_NOT_IMPORTED = frozenset(
    "__main__ tests testing _testing conftest setup externals distutils f2py _pyinstaller".split()
)

CONFIG_ENV = "PROTOTYPER_CONFIG_DIR"
STORE_NAME = "trusted_model_types.json"
MAX_STORE_BYTES = 1 << 20  # a larger store is not read (treated as empty)
MAX_FILES = 1000  # model files remembered; the oldest are forgotten first
MAX_NAME = 300  # longer type names are trusted for the run only, not remembered
_DIGEST = re.compile(r"[0-9a-f]{64}")


# --- the allowlist ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=2048)
def _resolve(name: str) -> object | None:
    """The object a type name names, as skops finds it (the module, then its attribute), or
    None if it is not in sklearn, numpy or scipy or cannot be found."""
    parts = name.split(".")
    if len(parts) < 2 or parts[0] not in PACKAGES:
        return None
    if any(not p.isidentifier() or p.startswith("__") or p in _NOT_IMPORTED for p in parts):
        return None
    module_name, attribute = name.rsplit(".", 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated modules warn on import
            return getattr(importlib.import_module(module_name), attribute)
    except Exception:  # noqa: BLE001 - a name that does not resolve is simply not allowed
        return None


def _own_class(name: str) -> type | None:
    """The class a name in sklearn, numpy or scipy resolves to, defined in that package
    (not one it merely imports from elsewhere); None for anything else."""
    obj = _resolve(name)
    if not inspect.isclass(obj):
        return None
    module = getattr(obj, "__module__", None) or ""
    return obj if module.split(".")[0] == name.split(".")[0] else None


def allowed(name: str) -> bool:
    """On the allowlist: a preset may request it and it loads without asking."""
    cls = _own_class(name)
    if cls is None:
        return False
    top = name.split(".")[0]
    if top == "sklearn":
        from sklearn.base import BaseEstimator

        return issubclass(cls, BaseEstimator) or name in SKLEARN_INTERNALS
    if top == "numpy":
        import numpy as np

        return issubclass(cls, (np.generic, np.dtype))
    from scipy import sparse

    return cls.__module__.startswith("scipy.sparse") and issubclass(
        cls, (sparse.spmatrix, sparse.sparray)
    )


def runs_code(name: str) -> bool:
    """What consent messages mark "can run code on this computer": a function, a method, a
    builtin, or any name from outside sklearn, numpy and scipy (never imported to check)."""
    return _own_class(name) is None


# --- the consent store -----------------------------------------------------------------------


def config_dir() -> Path:
    """The user's configuration folder for the prototyper (``PROTOTYPER_CONFIG_DIR`` if
    set)."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else home / ".config"
    return base / "prototyper"


def store_path() -> Path:
    return config_dir() / STORE_NAME


_DIGESTS: dict[tuple, str] = {}
_SESSION: dict[str, dict[str, set[str]]] = {}  # consent given in this process, by store
_LOCK = threading.Lock()


def file_digest(path: str | os.PathLike) -> str:
    """The SHA-256 of a file, hex; cached while the file is unchanged."""
    st = os.stat(path)
    key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    with _LOCK:
        if key in _DIGESTS:
            return _DIGESTS[key]
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(functools.partial(f.read, 1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    with _LOCK:
        if len(_DIGESTS) > 256:
            _DIGESTS.clear()
        _DIGESTS[key] = digest
    return digest


def _read(path: Path) -> dict[str, list[str]]:
    """The remembered consent, oldest first; a missing, unreadable, oversized or corrupt
    file, or any bad entry in it, counts as nothing remembered."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_STORE_BYTES + 1)
        if len(raw) > MAX_STORE_BYTES:
            return {}
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    out: dict[str, list[str]] = {}
    for digest, types in files.items():
        if not (isinstance(digest, str) and _DIGEST.fullmatch(digest)):
            continue
        if isinstance(types, list):
            good = [t for t in types if isinstance(t, str) and 0 < len(t) <= MAX_NAME]
            if good:
                out[digest] = good
    return out


def remembered(digest: str) -> frozenset[str]:
    """The types this user trusted for the model file with this SHA-256."""
    store = store_path()
    with _LOCK:
        session = set(_SESSION.get(str(store), {}).get(digest, ()))
    return frozenset(session | set(_read(store).get(digest, ())))


def remember(digest: str, types: Iterable[str]) -> bool:
    """Remember that this user trusts ``types`` in the model file with this SHA-256: for this
    process always, and in the store on disk if it can be written (True then)."""
    new = {t for t in types if t}
    if not new or not _DIGEST.fullmatch(digest):
        return False
    store = store_path()
    with _LOCK:
        _SESSION.setdefault(str(store), {}).setdefault(digest, set()).update(new)
        files = _read(store)
        kept = [t for t in sorted(set(files.pop(digest, ())) | new) if len(t) <= MAX_NAME]
        if kept:
            files[digest] = kept  # last: the most recently trusted
        while len(files) > MAX_FILES:
            files.pop(next(iter(files)))
        sizes = {d: len(json.dumps({d: t})) for d, t in files.items()}
        total = sum(sizes.values()) + 64
        while total > MAX_STORE_BYTES and files:
            total -= sizes[next(iter(files))]
            files.pop(next(iter(files)))
        payload = json.dumps({"format": 1, "files": files}).encode("utf-8")
        if digest not in files or len(payload) > MAX_STORE_BYTES:
            return False
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(store, payload)
        except OSError:
            return False
    return True
