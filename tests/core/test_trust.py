"""The allowlist of types a preset may request, and the consent remembered per user."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prototyper.core.model import trust
from prototyper.core.model.trust import allowed, remember, remembered, runs_code

REPO = Path(__file__).resolve().parents[2]
A, B, C = "a" * 64, "b" * 64, "c" * 64

ALLOWED = [
    "sklearn.tree._tree.Tree",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "numpy.float64",
    "numpy.dtype",
    "numpy.dtypes.Float64DType",
    "scipy.sparse._csr.csr_matrix",
    "scipy.sparse._csr.csr_array",
]
# (name, can run code): refused from a preset whatever it is
REFUSED = [
    ("sklearn.utils.validation.check_array", True),  # a function
    ("sklearn.base.BaseEstimator.get_params", True),  # a method
    ("sklearn.utils._joblib.Parallel", True),  # joblib's class, imported by sklearn
    ("sklearn.metrics._dist_metrics.PyFuncDistance64", False),  # holds a function: asked
    ("sklearn.utils.Bunch", False),  # a class, not an estimator
    ("numpy.ravel", True),
    ("numpy.load", True),
    ("numpy.ndarray.tofile", True),
    ("numpy.lib.npyio.DataSource", False),  # a numpy class, not a scalar or a dtype
    ("scipy.io.loadmat", True),
    ("scipy.sparse._base._spbase", False),  # a base, not a matrix or an array class
    ("builtins.int", True),
    ("builtins.eval", True),
    ("pydoc.pipepager", True),
    ("posix.system", True),
    ("pandas.core.frame.DataFrame", True),
    ("numpy.f2py.__main__.main", True),  # never imported
    ("sklearn.externals.array_api_compat.numpy.ndarray", True),  # never imported
    ("sklearn", True),
    ("sklearn.no_such_module.Thing", True),
    ("sklearn.tree._tree.Tree;import os", True),
    ("", True),
]


@pytest.mark.parametrize("name", ALLOWED)
def test_estimators_and_data_types_are_allowed(name):
    assert allowed(name) and not runs_code(name)


@pytest.mark.parametrize(("name", "code"), REFUSED, ids=[n or "empty" for n, _ in REFUSED])
def test_everything_else_is_refused(name, code):
    assert not allowed(name)
    assert runs_code(name) is code


def test_the_bundled_models_need_only_allowed_types():
    import skops.io as sio

    files = sorted(glob.glob(str(REPO / "models" / "*" / "*.skops")))
    assert files
    for path in files:
        assert all(allowed(t) for t in sio.get_untrusted_types(file=path)), path


def test_classifying_names_imports_nothing_outside_the_three_packages():
    code = (
        "import sys; from prototyper.core.model.trust import allowed, runs_code\n"
        "names = ['antigravity.fly', 'this.x', 'pydoc.pipepager', 'numpy.f2py.__main__.x',\n"
        "         'sklearn.tests.test_base.T', 'numpy.conftest.x']\n"
        "print(any(allowed(n) or not runs_code(n) for n in names))\n"
        "print(sorted(m for m in ('antigravity', 'this', 'pydoc', 'numpy.f2py.__main__',\n"
        "      'sklearn.tests', 'numpy.conftest') if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["False", "[]"]


# --- the consent store ---------------------------------------------------------------------


def test_consent_is_kept_per_file_in_the_users_config_dir():
    store = trust.store_path()
    assert store.parent == Path(os.environ[trust.CONFIG_ENV])
    assert remembered(A) == frozenset()
    assert remember(A, ["pydoc.pipepager", "builtins.min"])
    assert remember(A, ["builtins.min", "x.Y"])
    assert remembered(A) == {"pydoc.pipepager", "builtins.min", "x.Y"}
    assert remembered(B) == frozenset()
    data = json.loads(store.read_text())
    assert data == {"format": 1, "files": {A: ["builtins.min", "pydoc.pipepager", "x.Y"]}}
    assert [p.name for p in store.parent.iterdir()] == [store.name]  # no temporary files left


def test_the_config_dir_follows_the_platforms_rules(monkeypatch, tmp_path):
    monkeypatch.delenv(trust.CONFIG_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert trust.config_dir() == tmp_path / "xdg" / "prototyper"
        monkeypatch.setenv("XDG_CONFIG_HOME", "relative")  # not absolute: ignored
        assert trust.config_dir() == tmp_path / ".config" / "prototyper"
    monkeypatch.setenv(trust.CONFIG_ENV, str(tmp_path / "mine"))
    assert trust.config_dir() == tmp_path / "mine"


BAD_STORES = {
    "not JSON": b"{not json",
    "not UTF-8": b"\xff\xfe\x00",
    "a list": b"[1, 2]",
    "files not a dict": b'{"format": 1, "files": [1]}',
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "too large": b" " * (trust.MAX_STORE_BYTES + 1) + b"{}",
}


@pytest.mark.parametrize("kind", BAD_STORES)
def test_a_corrupt_store_counts_as_empty_and_is_replaced(kind):
    store = trust.store_path()
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(BAD_STORES[kind])
    assert remembered(A) == frozenset()
    assert remember(A, ["x.Y"])
    assert remembered(A) == {"x.Y"}
    assert json.loads(store.read_text())["files"] == {A: ["x.Y"]}


def test_bad_entries_are_skipped_and_good_ones_kept():
    store = trust.store_path()
    store.parent.mkdir(parents=True, exist_ok=True)
    files = {A: ["x.Y", 3, "", "z" * (trust.MAX_NAME + 1)], "not a digest": ["x.Y"], B: "x.Y"}
    store.write_text(json.dumps({"format": 1, "files": files}))
    assert remembered(A) == {"x.Y"}
    assert remembered(B) == frozenset()


def test_the_store_is_bounded_oldest_forgotten_first(monkeypatch):
    monkeypatch.setattr(trust, "MAX_FILES", 2)
    for digest in (A, B, C):
        assert remember(digest, ["x.Y"])
    files = json.loads(trust.store_path().read_text())["files"]
    assert list(files) == [B, C]
    monkeypatch.setattr(trust, "MAX_STORE_BYTES", 200)
    assert remember(A, ["x." + "y" * 60])  # only the newest fits in 200 bytes
    assert list(json.loads(trust.store_path().read_text())["files"]) == [A]
    assert len(trust.store_path().read_bytes()) <= 200


def test_an_unwritable_store_still_trusts_for_this_run(monkeypatch, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv(trust.CONFIG_ENV, str(blocked / "config"))  # under a file: unwritable
    assert not remember(A, ["x.Y"])
    assert remembered(A) == {"x.Y"}
    assert not remember("not a digest", ["x.Y"]) and not remember(A, [])


def test_the_digest_is_the_files_sha256(tmp_path):
    import hashlib

    path = tmp_path / "m.skops"
    path.write_bytes(b"first")
    assert trust.file_digest(path) == hashlib.sha256(b"first").hexdigest()
    path.write_bytes(b"other contents")
    assert trust.file_digest(path) == hashlib.sha256(b"other contents").hexdigest()
