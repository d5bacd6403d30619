"""The bundled scenario models in ``models/``: deterministic data generators and training.

``prototyper models build [--out DIR]`` regenerates, bit for bit with the same library
versions, for each model: ``model.skops`` (a scikit-learn Pipeline or estimator saved with
skops, made canonical so the bytes do not depend on memory addresses or the clock),
``eval.csv`` (the labelled evaluation set) and ``MODEL_CARD.md`` (data, metrics, intended use,
limits). scikit-learn and skops are imported only inside the functions that need them.

The data are synthetic. Each generator draws the label first, with exactly
``round(n * base_rate)`` positives, then the features from class-conditional mixtures of
event kinds (below), with ``numpy.random.default_rng(SeedSequence([seed, split]))``; split 0
is the training set, split 1 the evaluation set. Every number is written to the CSV with
fixed decimals and read back before training, so the CSV holds exactly what the model saw.

Safe browsing (``phishing_url``, seed 2010): one row per URL visited. Legitimate URLs are
ordinary pages (85%), tracking links with long, digit-heavy paths (10%) or pages on newly
registered legitimate domains (5%). Phishing URLs are on fresh look-alike domains (75%),
on compromised legitimate sites (17%: old domains, long paths) or on a bare IP address (8%).
Features, as real URL classifiers use them: url_length, n_digits, n_dots, n_subdomains,
has_ip_host, has_at, uses_https, tld (text: com, xyz, ...; "ip" for an IP host) and
domain_age_days (0 when unknown, i.e. an IP host). Model: one-hot TLD plus log-scaled counts
and flags into a logistic regression, like Whittaker et al. (NDSS 2010).

Fall detection (``fall_detection``, seed 2012): one row per hour of wrist-worn wear,
described by the hour's most impact-like 4 s accelerometer window, as a detector sees it.
Hours without a fall peak in ordinary movement (55%), sitting down hard (15%), lying down
(10%), a jump or a stumble (8%), the watch dropped or taken off (7%) or a clap or a knock
(5%); hours with a fall hold a hard fall and a long lie (60%), a fall and a quick recovery
(25%) or a slow slump from a chair (15%). Features: peak_magnitude_g (largest acceleration
magnitude), impact_g (the peak minus the lowest magnitude in the second before it: free fall
then impact), stillness_s (seconds of stillness in the 10 s after the peak) and
orientation_change_deg (the turn of the gravity direction across the peak). Model: gradient
boosting (50 trees of depth 3).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..preset.preset_io import write_atomic
from .scores import EmpiricalScores

MODEL_FILE = "model.skops"
EVAL_FILE = "eval.csv"
CARD_FILE = "MODEL_CARD.md"
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Column:
    name: str
    decimals: int | None  # None: text; 0: a whole number
    description: str


@dataclass(frozen=True)
class ModelSpec:
    name: str  # folder under models/
    title: str
    preset: str  # the preset variant that uses it
    seed: int
    train_rows: int
    eval_rows: int
    base_rate: float  # of both the training and the evaluation set
    scenario_base_rate: float  # of the preset's scenario
    columns: tuple[Column, ...]
    generate: Callable[[np.random.Generator, np.ndarray], dict[str, np.ndarray]]
    estimator: Callable[[tuple[Column, ...]], Any]
    estimator_text: str
    thresholds: tuple[float, ...]  # operating points in the card
    event: str
    intended_use: str
    limits: tuple[str, ...]


# --- generators ----------------------------------------------------------------------------


def _labels(rng: np.random.Generator, n: int, base_rate: float) -> np.ndarray:
    y = np.zeros(n, dtype=bool)
    y[: int(round(n * base_rate))] = True
    return rng.permutation(y)


def _kinds(rng: np.random.Generator, n: int, shares: dict[str, float]) -> np.ndarray:
    names = list(shares)
    p = np.array([shares[k] for k in names])
    return np.array(names)[rng.choice(len(names), size=n, p=p / p.sum())]


_LEGIT_TLDS = {
    "com": 0.52, "org": 0.09, "net": 0.07, "de": 0.06, "uk": 0.05, "io": 0.04, "edu": 0.04,
    "gov": 0.03, "fr": 0.03, "info": 0.02, "ru": 0.02, "xyz": 0.01, "online": 0.01,
    "top": 0.005, "site": 0.005,
}  # fmt: skip
_PHISH_TLDS = {
    "com": 0.30, "xyz": 0.12, "top": 0.10, "info": 0.07, "online": 0.07, "site": 0.06,
    "ru": 0.06, "net": 0.06, "org": 0.04, "io": 0.02, "de": 0.02, "uk": 0.02, "fr": 0.01,
    "edu": 0.005, "gov": 0.005,
}  # fmt: skip


def phishing_urls(rng: np.random.Generator, y: np.ndarray) -> dict[str, np.ndarray]:
    """Features of URLs, legitimate (y False) or phishing (y True); see the module text."""
    n = len(y)
    legit_kind = _kinds(rng, n, {"ordinary": 0.85, "tracking": 0.10, "new_domain": 0.05})
    phish_kind = _kinds(rng, n, {"lookalike": 0.75, "compromised": 0.17, "ip": 0.08})
    kind = np.where(y, phish_kind, legit_kind)
    ip = kind == "ip"
    # a compromised site looks legitimate in its host; its path gives it away
    legit_host = ~y | (kind == "compromised")

    sub_legit = rng.choice(4, size=n, p=[0.30, 0.55, 0.12, 0.03])
    sub_phish = rng.choice(6, size=n, p=[0.15, 0.25, 0.22, 0.17, 0.12, 0.09])
    n_sub = np.where(legit_host, sub_legit, sub_phish)
    n_sub = np.where(ip, 0, n_sub)

    tld = np.where(
        legit_host,
        _kinds(rng, n, _LEGIT_TLDS),
        _kinds(rng, n, _PHISH_TLDS),
    )
    tld = np.where(ip, "ip", tld)

    path_mu = np.select(
        [kind == "tracking", kind == "compromised", y],
        [4.2, 3.8, 3.6],
        3.1,
    )
    path_len = np.round(rng.lognormal(path_mu, 0.6)).astype(int)
    host_len = np.where(
        legit_host,
        8 + 5 * n_sub + rng.poisson(4, n),
        12 + 9 * n_sub + rng.poisson(8, n),
    )
    host_len = np.where(ip, rng.integers(11, 16, n), host_len)
    url_length = 8 + host_len + path_len  # "https://" or "http://" and the rest

    digit_rate = np.select([kind == "tracking", y], [0.25, 0.12], 0.04)
    n_digits = rng.binomial(path_len, digit_rate) + rng.poisson(np.where(y & ~legit_host, 1.5, 0.3))
    n_digits = n_digits + np.where(ip, rng.integers(4, 13, n), 0)
    path_dots = np.select([kind == "compromised", y], [2.0, 1.0], 0.5)
    n_dots = n_sub + 1 + rng.poisson(path_dots) + np.where(ip, 2, 0)
    has_at = rng.random(n) < np.where(y, 0.04, 0.001)
    uses_https = rng.random(n) < np.where(legit_host, 0.92, 0.62)

    age_legit = rng.lognormal(math.log(2500), 1.0, n)
    age_new = rng.lognormal(math.log(60), 1.0, n)
    age_phish = rng.lognormal(math.log(12), 1.2, n)
    age = np.select(
        [kind == "new_domain", legit_host],
        [age_new, age_legit],
        age_phish,
    )
    age = np.where(ip, 0, np.clip(np.round(age), 1, 11000)).astype(int)
    return {
        "url_length": url_length,
        "n_digits": n_digits,
        "n_dots": n_dots,
        "n_subdomains": n_sub,
        "has_ip_host": ip.astype(int),
        "has_at": has_at.astype(int),
        "uses_https": uses_https.astype(int),
        "tld": tld,
        "domain_age_days": age,
    }


# (share, peak median g, peak log-sd, free-fall minimum g mean, sd, stillness mean s,
#  orientation change mean deg, sd) per kind of event
_NO_FALL = {
    "ordinary": (0.55, 1.5, 0.15, 0.80, 0.08, 0.8, 0.0, 15.0),
    "sit_down_hard": (0.15, 2.0, 0.20, 0.60, 0.10, 3.0, 25.0, 10.0),
    "lie_down": (0.10, 1.4, 0.15, 0.75, 0.08, 8.0, 75.0, 15.0),
    "jump_or_stumble": (0.08, 2.8, 0.25, 0.30, 0.10, 0.5, 10.0, 10.0),
    "watch_dropped": (0.07, 3.5, 0.35, 0.15, 0.10, 20.0, 80.0, 40.0),
    "clap_or_knock": (0.05, 3.0, 0.25, 0.80, 0.10, 0.3, 5.0, 5.0),
}
_FALL = {
    "hard_fall_long_lie": (0.60, 3.4, 0.25, 0.35, 0.12, 12.0, 75.0, 20.0),
    "fall_and_recovery": (0.25, 3.0, 0.25, 0.40, 0.12, 2.0, 60.0, 25.0),
    "slow_slump": (0.15, 1.7, 0.20, 0.70, 0.10, 10.0, 55.0, 25.0),
}


def fall_windows(rng: np.random.Generator, y: np.ndarray) -> dict[str, np.ndarray]:
    """Features of an hour's most impact-like window, without (y False) or with a fall."""
    n = len(y)
    kind = np.where(
        y,
        _kinds(rng, n, {k: v[0] for k, v in _FALL.items()}),
        _kinds(rng, n, {k: v[0] for k, v in _NO_FALL.items()}),
    )
    table = {**_NO_FALL, **_FALL}
    params = np.array([table[k][1:] for k in kind])  # per row
    median, log_sd, low_mean, low_sd, still_mean, turn_mean, turn_sd = params.T
    peak = np.maximum(rng.lognormal(np.log(median), log_sd), 1.05)
    low = np.clip(rng.normal(low_mean, low_sd), 0.02, 0.98)
    impact = peak - low
    stillness = np.minimum(rng.exponential(still_mean), 10.0)
    turn = np.clip(np.abs(rng.normal(turn_mean, turn_sd)), 0.0, 180.0)
    return {
        "peak_magnitude_g": peak,
        "impact_g": impact,
        "stillness_s": stillness,
        "orientation_change_deg": turn,
    }


# --- estimators ----------------------------------------------------------------------------


def _url_pipeline(columns: tuple[Column, ...]) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    index = {c.name: i for i, c in enumerate(columns)}
    counts = ["url_length", "n_digits", "n_dots", "n_subdomains", "domain_age_days"]
    flags = ["has_ip_host", "has_at", "uses_https"]
    features = ColumnTransformer(
        [
            ("tld", OneHotEncoder(handle_unknown="ignore"), [index["tld"]]),
            (
                "counts",
                make_pipeline(FunctionTransformer(np.log1p, validate=True), StandardScaler()),
                [index[c] for c in counts],
            ),
            ("flags", FunctionTransformer(validate=True), [index[c] for c in flags]),
        ]
    )
    return Pipeline([("features", features), ("classifier", LogisticRegression(max_iter=2000))])


def _fall_model(columns: tuple[Column, ...]) -> Any:
    from sklearn.ensemble import GradientBoostingClassifier

    return GradientBoostingClassifier(
        n_estimators=50, max_depth=3, learning_rate=0.1, subsample=1.0, random_state=0
    )


SPECS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="phishing_url",
            title="Safe browsing: phishing-URL classifier",
            preset="safe_browsing_model",
            seed=2010,
            train_rows=20_000,
            eval_rows=20_000,
            base_rate=0.1,
            scenario_base_rate=1e-4,
            columns=(
                Column("url_length", 0, "characters in the whole URL"),
                Column("n_digits", 0, "digits in the URL"),
                Column("n_dots", 0, "dots in the URL"),
                Column("n_subdomains", 0, "labels in the host before the registered domain"),
                Column("has_ip_host", 0, "1 if the host is a bare IP address"),
                Column("has_at", 0, "1 if the URL holds an @"),
                Column("uses_https", 0, "1 for https"),
                Column("tld", None, "top-level domain (text); 'ip' for an IP host"),
                Column("domain_age_days", 0, "days since the domain was registered; 0 unknown"),
            ),
            generate=phishing_urls,
            estimator=_url_pipeline,
            estimator_text=(
                "scikit-learn Pipeline: ColumnTransformer (one-hot TLD; log1p and standard "
                "scaling of the counts and the domain age; the three flags as they are) into "
                "LogisticRegression (L2, C=1, lbfgs)"
            ),
            thresholds=(0.5, 0.9, 0.99, 0.999),
            event="URL visited",
            intended_use=(
                "Teaching and prototyping: plug a real, inspectable classifier into the safe "
                "browsing scenario (presets/safe_browsing_model.yaml) and see how a model "
                "that looks excellent on a balanced evaluation set behaves at 1 malicious "
                "visit in 10,000."
            ),
            limits=(
                "Trained and evaluated on synthetic URLs from a documented generator, not on "
                "real traffic; its figures say nothing about real phishing.",
                "Not a security control: never use it to protect anyone.",
                "Lexical and domain features only; real systems also look at page content, "
                "reputation and hosting.",
                "The evaluation set holds 18,000 legitimate URLs, so false-positive rates "
                "below 1/18,000 (about 5.6e-5) cannot be measured; the scenario's base rate "
                "is 1e-4.",
                "Phishing evolves; a fixed model drifts.",
            ),
        ),
        ModelSpec(
            name="fall_detection",
            title="Fall detection: accelerometer-window classifier",
            preset="fall_detection_model",
            seed=2012,
            train_rows=10_000,
            eval_rows=10_000,
            base_rate=0.2,
            scenario_base_rate=5.53e-5,
            columns=(
                Column("peak_magnitude_g", 3, "largest acceleration magnitude in the window (g)"),
                Column("impact_g", 3, "peak minus the lowest magnitude in the second before (g)"),
                Column("stillness_s", 2, "seconds of stillness in the 10 s after the peak"),
                Column("orientation_change_deg", 1, "turn of the gravity direction (degrees)"),
            ),
            generate=fall_windows,
            estimator=_fall_model,
            estimator_text=(
                "scikit-learn GradientBoostingClassifier (50 trees of depth 3, learning rate "
                "0.1, no subsampling, random_state 0)"
            ),
            thresholds=(0.5, 0.9, 0.99, 0.999),
            event="hour of wear",
            intended_use=(
                "Teaching and prototyping: plug a real classifier into the fall detection "
                "scenario (presets/fall_detection_model.yaml) and see what a 20% base rate in "
                "lab-style evaluation data becomes at 1 fall in 18,000 hours of wear."
            ),
            limits=(
                "Trained and evaluated on synthetic accelerometer features from a documented "
                "generator, not on recordings of real falls; its figures say nothing about "
                "real detectors (published ones catch 57% +- 27%, Bagala et al. 2012).",
                "Not a medical device: never use it to protect anyone.",
                "Falls are over-represented (20%) as in lab datasets; the scenario reweights "
                "to its base rate, but the hard cases (a dropped watch, a slow slump) are "
                "only as common as the generator makes them.",
                "The evaluation set holds 8,000 hours without a fall, so false-alarm rates "
                "below 1/8,000 per hour cannot be measured.",
                "One person's movements, simulated; age, gait and wear position vary.",
            ),
        ),
    )
}


# --- building ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildResult:
    name: str
    files: dict[str, Path]
    auc: float
    eval_rows: int
    eval_base_rate: float
    untrusted_types: tuple[str, ...]
    seconds: float


def dataset(spec: ModelSpec, split: int) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """(CSV lines, parsed feature columns, labels) of split 0 (training) or 1 (evaluation)."""
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, split]))
    n = spec.train_rows if split == 0 else spec.eval_rows
    y = _labels(rng, n, spec.base_rate)
    raw = spec.generate(rng, y)
    text: dict[str, np.ndarray] = {}
    parsed: dict[str, np.ndarray] = {}
    for col in spec.columns:
        values = raw[col.name]
        if col.decimals is None:
            text[col.name] = values.astype(str)
            parsed[col.name] = text[col.name].astype(object)
        else:
            text[col.name] = np.char.mod(f"%.{col.decimals}f", values)
            parsed[col.name] = text[col.name].astype(np.float64)
    text["label"] = np.where(y, "1", "0")
    header = [c.name for c in spec.columns] + ["label"]
    rows = zip(*(text[h].tolist() for h in header), strict=True)
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return lines, parsed, y


def _matrix(spec: ModelSpec, parsed: dict[str, np.ndarray]) -> np.ndarray:
    text = any(c.decimals is None for c in spec.columns)
    cols = [parsed[c.name] for c in spec.columns]
    if not text:
        return np.column_stack(cols)
    out = np.empty((len(cols[0]), len(cols)), dtype=object)
    for j, c in enumerate(cols):
        out[:, j] = c
    return out


def canonical_skops(data: bytes) -> bytes:
    """The same skops file with reproducible bytes: object ids and array file names
    renumbered in order of appearance, entries sorted, fixed timestamps, deflated."""
    src = zipfile.ZipFile(io.BytesIO(data))
    schema = json.loads(src.read("schema.json"))
    members = set(src.namelist()) - {"schema.json"}
    ids: dict[int, int] = {}
    files: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "__id__" and isinstance(value, int):
                    node[key] = ids.setdefault(value, len(ids) + 1)
                elif key == "file" and isinstance(value, str) and value in members:
                    node[key] = files.setdefault(value, f"{len(files) + 1:06d}.npy")
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    if set(files) != members:  # pragma: no cover - a skops format this does not know
        raise ValueError("unexpected members in the skops file")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        entries = [("schema.json", json.dumps(schema, indent=2).encode("utf-8"))]
        entries += sorted((new, src.read(old)) for old, new in files.items())
        for name, payload in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            dst.writestr(info, payload, compresslevel=9)
    return out.getvalue()


def train(spec: ModelSpec) -> tuple[Any, list[str], dict[str, np.ndarray], np.ndarray]:
    """The fitted estimator, with the evaluation set's CSV lines, features and labels."""
    _, train_cols, train_y = dataset(spec, 0)
    eval_lines, eval_cols, eval_y = dataset(spec, 1)
    estimator = spec.estimator(spec.columns)
    estimator.fit(_matrix(spec, train_cols), train_y.astype(int))
    return estimator, eval_lines, eval_cols, eval_y


def build(out_dir: str | os.PathLike, names: list[str] | None = None) -> list[BuildResult]:
    """Regenerate the bundled models into ``out_dir/<name>/``."""
    return [build_one(SPECS[n], Path(out_dir)) for n in (names or list(SPECS))]


def build_one(spec: ModelSpec, out_dir: Path) -> BuildResult:
    import skops.io as sio

    start = time.perf_counter()
    estimator, eval_lines, eval_cols, eval_y = train(spec)
    scores = estimator.predict_proba(_matrix(spec, eval_cols))[:, 1]
    model_bytes = canonical_skops(sio.dumps(estimator))
    untrusted = tuple(sio.get_untrusted_types(data=model_bytes))
    csv_bytes = ("\n".join(eval_lines) + "\n").encode("utf-8")
    empirical = EmpiricalScores(eval_y, scores)
    card = model_card(spec, empirical, untrusted, model_bytes, csv_bytes)
    folder = out_dir / spec.name
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        MODEL_FILE: folder / MODEL_FILE,
        EVAL_FILE: folder / EVAL_FILE,
        CARD_FILE: folder / CARD_FILE,
    }
    for name, payload in ((MODEL_FILE, model_bytes), (EVAL_FILE, csv_bytes), (CARD_FILE, card)):
        write_atomic(files[name], payload if isinstance(payload, bytes) else payload.encode())
        os.chmod(files[name], 0o644)  # shared data, not private temporary files
    return BuildResult(
        name=spec.name,
        files=files,
        auc=empirical.roc_auc(),
        eval_rows=empirical.n,
        eval_base_rate=empirical.base_rate,
        untrusted_types=untrusted,
        seconds=time.perf_counter() - start,
    )


def versions() -> dict[str, str]:
    import scipy
    import sklearn
    import skops

    return {
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
    }


def _g(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}g}" if math.isfinite(x) else "n/a"


def model_card(
    spec: ModelSpec,
    scores: EmpiricalScores,
    untrusted: tuple[str, ...],
    model_bytes: bytes,
    csv_bytes: bytes,
) -> str:
    """MODEL_CARD.md: data, metrics on the evaluation set, intended use and limits."""
    pi, scenario = scores.base_rate, spec.scenario_base_rate
    t = np.array(spec.thresholds)
    tpr, fpr = scores.rates_at(t)

    def precision(rate: float) -> np.ndarray:
        num, den = rate * tpr, rate * tpr + (1 - rate) * fpr
        return np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)

    labels = np.asarray(scores.labels).astype(float)
    brier = float(np.mean((np.asarray(scores.scores) - labels) ** 2))
    rel = scores.reliability(10)
    n_pos = int(round(scores.positive_weight))
    lines = [
        f"# Model card: {spec.title}",
        "",
        "Generated by `prototyper models build`; do not edit by hand. Rebuilding with the "
        "library versions below gives the same bytes.",
        "",
        "## Model",
        "",
        f"- {spec.estimator_text}.",
        f"- File: `{MODEL_FILE}` (skops; {len(model_bytes):,} bytes; sha256 "
        f"`{hashlib.sha256(model_bytes).hexdigest()}`).",
        "- Types it needs trusted beyond skops' defaults: "
        + (", ".join(f"`{u}`" for u in untrusted) if untrusted else "none")
        + f" (listed in `presets/{spec.preset}.yaml` under `model.trusted_types`).",
        "- Scores: `predict_proba`, calibrated for the training data's base rate "
        f"({spec.base_rate:g}), not the scenario's.",
        "",
        "## Data",
        "",
        "Synthetic, from the documented generator in `prototyper/core/model/model_build.py` "
        f"(`{spec.generate.__name__}`, seed {spec.seed}; training split 0, evaluation split 1). "
        f"One row per {spec.event}.",
        "",
        f"- Training set: {spec.train_rows:,} rows, base rate {spec.base_rate:g}.",
        f"- Evaluation set: `{EVAL_FILE}`, {scores.n:,} rows ({n_pos:,} positive), base rate "
        f"{_g(pi)}; sha256 `{hashlib.sha256(csv_bytes).hexdigest()}`.",
        "- Columns (the label is `label`: 1 positive, 0 negative):",
        "",
        "| column | description |",
        "|---|---|",
        *[f"| `{c.name}` | {c.description} |" for c in spec.columns],
        "",
        "## Metrics on the evaluation set",
        "",
        f"- ROC AUC {scores.roc_auc():.4f}; Brier score {brier:.4f}.",
        f"- Precision at the scenario's base rate ({scenario:g}) uses the same recall and "
        "false-positive rate, reweighted (prior shift).",
        "",
        "| score >= | recall (TPR) | false-positive rate | precision here | precision in the "
        "scenario |",
        "|---|---|---|---|---|",
        *[
            f"| {t[i]:g} | {_g(tpr[i])} | {_g(fpr[i])} | {_g(precision(pi)[i])} | "
            f"{_g(precision(scenario)[i])} |"
            for i in range(len(t))
        ],
        "",
        "Calibration on the evaluation set (10 equal-width bins):",
        "",
        "| scores | rows | mean score | share positive |",
        "|---|---|---|---|",
        *[
            f"| {rel.edges[i]:.1f}-{rel.edges[i + 1]:.1f} | {int(rel.count[i]):,} | "
            f"{rel.mean_score[i]:.3f} | {rel.observed[i]:.3f} |"
            for i in range(len(rel.count))
            if rel.count[i] > 0
        ],
        "",
        "## Intended use",
        "",
        spec.intended_use,
        "",
        "## Limits",
        "",
        *[f"- {limit}" for limit in spec.limits],
        "",
        "## Rebuild",
        "",
        "    prototyper models build            # into models/",
        "    prototyper models build --out DIR  # elsewhere, e.g. to compare",
        "",
        "Built with "
        + ", ".join(f"{k} {v}" for k, v in versions().items())
        + ". Other versions may train slightly different numbers; the tests check that a "
        "rebuilt model scores the evaluation set like the shipped one.",
        "",
    ]
    return "\n".join(lines)
