"""Designs side by side: every figure the goal cards show, for up to four variants, with
each one's difference from a reference.

The figures are read from :func:`report.summary`, the document ``evaluate --json`` prints
and the goal cards are drawn from, so a comparison never disagrees with either. The table
is a plain list of rows (name, unit, values, differences): the command line prints it, the
report and the window show it, and a new figure is one more row.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..format import auc_text, money, percent
from ..model.model_paths import model_files, resolve_path
from ..model.scores import ScoreModel
from ..preset import modes
from ..preset.schema import ACTIVE_MODES, SHOWN_MODES, STAKEHOLDERS, Preset
from ..preset.uncertainty import label as input_label
from ..preset.uncertainty import uncertain_inputs
from .engine import evaluate
from .report import NOT_MODELLED, summary
from .sensitivity import psa

MAX_VARIANTS = 4
# Sections a design is free to change; every other one is the scenario the designs share.
# A lecture's scenes are steps through designs, and the uncertainty ranges change no figure
# but the PSA block's, whose own note says how it treats inputs held certain by some designs.
DESIGN_SECTIONS = (
    "experience",
    "payoffs",
    "notes",
    "sources",
    "assumptions",
    "scenes",
    "uncertainty",
)
# Text that names or describes a scenario without changing a number.
DESCRIPTIVE_FIELDS = ("scenario.name", "scenario.description")
MAX_DIFFERENCES_NAMED = 4

# kinds: how a figure reads and how its difference is written
MONEY, COUNT, SHARE, AUC = "money", "count", "share", "auc"


@dataclass(frozen=True)
class Variant:
    """One design to compare: a name people know it by, its preset, and its real model's
    scores (None for a model described by a base rate and an ROC AUC). ``base_dir``, the
    preset file's folder, lets two files that name the same model file differently (from
    different folders) count as the same scenario."""

    name: str
    preset: Preset
    scores: ScoreModel | None = None
    base_dir: Path | None = None


@dataclass(frozen=True)
class Row:
    """One figure for every variant: ``values[i]`` is variant i's (None: not modelled or
    not applicable), ``differences[i]`` its value minus the reference's (None for the
    reference itself and where either is missing)."""

    key: str  # stable, for JSON and CSV
    layer: str  # the goal card it comes from
    label: str
    unit: str  # what the number is in: 'USD per day', 'per user-year', '%'...
    kind: str  # money, count, share or auc: how it is written
    better: str  # 'higher', 'lower' or '' (neither is better in itself)
    values: tuple[float | None, ...]
    differences: tuple[float | None, ...]
    missing: str = NOT_MODELLED  # what a missing value means

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "layer": self.layer,
            "label": self.label,
            "unit": self.unit,
            "kind": self.kind,
            "better": self.better,
            "values": list(self.values),
            "differences": list(self.differences),
        }


@dataclass(frozen=True)
class Comparison:
    """The table: variant names, the reference's index, rows, and notes on what makes the
    designs hard to compare (scenarios or currencies that differ)."""

    names: tuple[str, ...]
    scenarios: tuple[str, ...]  # each variant's scenario name
    currency: str  # the reference's
    reference: int
    rows: tuple[Row, ...]
    shared_scenario: bool
    notes: tuple[str, ...] = field(default=())

    def row(self, key: str) -> Row:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "currency": self.currency,
            "variants": [
                {"name": n, "scenario": s} for n, s in zip(self.names, self.scenarios, strict=True)
            ],
            "shared_scenario": self.shared_scenario,
            "notes": list(self.notes),
            "rows": [r.to_dict() for r in self.rows],
        }

    def value_text(self, row: Row, i: int) -> str:
        return value_text(row, row.values[i], self.currency)

    def difference_text(self, row: Row, i: int) -> str:
        """Variant i's difference from the reference, its sign always written ('' for the
        reference itself)."""
        if i == self.reference:
            return ""
        return difference_text(row, row.differences[i], self.currency)


def value_text(row: Row, x: float | None, currency: str) -> str:
    if x is None or not math.isfinite(x):
        return row.missing
    if row.kind == MONEY:
        return money(x, currency)
    if row.kind == SHARE:
        return percent(x)
    if row.kind == AUC:
        return auc_text(x)
    return f"{x:.3g}"


def difference_text(row: Row, d: float | None, currency: str) -> str:
    if d is None or not math.isfinite(d):
        return "n/a"
    if d == 0:
        return "±0"
    sign = "+" if d > 0 else ""  # money() and the formats below write the minus sign
    if row.kind == MONEY:
        return sign + money(d, currency)
    if row.kind == SHARE:  # in percentage points, small ones to two significant digits
        points = d * 100
        return f"{points:+.2g} pp" if abs(points) < 0.1 else f"{points:+.1f} pp"
    if row.kind == AUC:
        return f"{d:+.4f}"
    return f"{d:+.3g}"


# --- the rows, from evaluate's document ---------------------------------------------------

Read = Callable[[dict[str, Any]], float | None]
Spec = tuple[str, str, str, str, str, str, Read]  # key, layer, label, unit, kind, better, read


def _spec(key: str, layer: str, label: str, unit: str, kind: str, better: str, read: Read) -> Spec:
    return (key, layer, label, unit, kind, better, read)


def _at(*path: str) -> Read:
    """Read the figure at ``path`` in the document."""

    def read(d: dict[str, Any]) -> float | None:
        for key in path:
            d = d[key]
        return d  # type: ignore[return-value]

    return read


def _year(x: float | None) -> float | None:
    return None if x is None else x * 365


def _money_specs(currency: str) -> list[Spec]:
    day = f"{currency} per day"
    system = "system"
    specs = [
        _spec(
            "system.value_added",
            system,
            "value added vs. feature off",
            day,
            MONEY,
            "higher",
            lambda d: d["layers"]["system"]["value_added_per_day"],
        ),
        _spec(
            "system.value_of_correct",
            system,
            "value of correct",
            day,
            MONEY,
            "higher",
            lambda d: d["layers"]["system"]["value_of_correct_per_day"],
        ),
        _spec(
            "system.cost_of_wrong",
            system,
            "cost of wrong (false alarms, attention)",
            day,
            MONEY,
            "lower",
            lambda d: d["layers"]["system"]["cost_of_wrong_per_day"],
        ),
        _spec(
            "system.total_incl_harm_anyway",
            system,
            "total incl. harm that happens anyway",
            day,
            MONEY,
            "higher",
            lambda d: d["layers"]["system"]["total_value_incl_harm_anyway_per_day"],
        ),
    ]
    for who in STAKEHOLDERS:
        specs.append(
            _spec(
                f"organization.added_to_{who}",
                "organization",
                f"value added for the {who}",
                day,
                MONEY,
                "higher",
                _at("value_added", "by_stakeholder", who, "per_population_day"),
            )
        )
    return specs


def _user_specs() -> list[Spec]:
    return [
        _spec(
            "user.harms_avoided",
            "user",
            "harms avoided",
            "per user-year",
            COUNT,
            "higher",
            lambda d: d["layers"]["user"]["harms_avoided_per_user_year"],
        ),
        _spec(
            "user.interruptions",
            "user",
            "interruptions",
            "per user-year",
            COUNT,
            "lower",
            lambda d: _year(d["layers"]["user"]["interruptions_per_user_day"]),
        ),
        _spec(
            "user.false_alarms",
            "user",
            "false alarms",
            "per user-year",
            COUNT,
            "lower",
            lambda d: _year(d["layers"]["user"]["false_alarms_per_user_day"]),
        ),
        _spec(
            "user.attention_minutes",
            "user",
            "attention",
            "min per user-day",
            COUNT,
            "lower",
            lambda d: d["layers"]["user"]["minutes_lost_per_user_day"],
        ),
    ]


def _band(d: dict[str, Any], i: int) -> dict[str, Any] | None:
    bands = d["bands"]
    return bands[i] if i < len(bands) else None


def _lowest_acting_point(d: dict[str, Any]) -> dict[str, Any] | None:
    """The operating point the model card shows: the lowest threshold that still does
    something (anything above it acts)."""
    active = [
        point
        for band, point in zip(d["bands"], d["layers"]["model"]["operating_points"], strict=False)
        if not modes.get(band["mode"]).silent
    ]
    return active[-1] if active else None


def _model_specs(docs: Sequence[dict[str, Any]]) -> list[Spec]:
    def at_lowest(key: str) -> Read:
        def read(d: dict[str, Any]) -> float | None:
            point = _lowest_acting_point(d)
            return None if point is None else point[key]

        return read

    specs = [
        _spec(
            "model.auc",
            "model",
            "ROC AUC",
            "",
            AUC,
            "higher",
            lambda d: d["layers"]["model"]["auc"],
        ),
        _spec(
            "model.recall",
            "model",
            "positives caught (lowest acting threshold)",
            "%",
            SHARE,
            "higher",
            at_lowest("tpr"),
        ),
        _spec(
            "model.false_positive_rate",
            "model",
            "negatives flagged (lowest acting threshold)",
            "%",
            SHARE,
            "lower",
            at_lowest("fpr"),
        ),
    ]
    most = max(len(d["bands"]) for d in docs)
    for i in range(most):

        def precision(d: dict[str, Any], i: int = i) -> float | None:
            band = _band(d, i)
            return None if band is None else band["precision"]

        specs.append(
            _spec(
                f"model.precision_band_{i + 1}",
                "model",
                f"precision in band {i + 1}" + (" (top)" if i == 0 else ""),
                "%",
                SHARE,
                "higher",
                precision,
            )
        )
    return specs


def _leading_specs(
    docs: Sequence[dict[str, Any]],
) -> list[Spec]:
    """Per mode that any variant uses: how often it is acted on when shown (the card's
    figure), and for shown modes trust and habituation; the share over the daily cap where
    any variant caps it."""

    def used(d: dict[str, Any], m: str) -> bool:
        return (d["interactions_per_user_day"][m]["after_cap"] or 0) > 0

    def lead(key: str, m: str) -> Read:
        def read(d: dict[str, Any]) -> float | None:
            return d["layers"]["leading_indicators"][key][m] if used(d, m) else None

        return read

    specs = []
    for m in ACTIVE_MODES:
        if not any(used(d, m) for d in docs):
            continue
        plural = modes.get(m).plural
        specs.append(
            _spec(
                f"leading.acts_when_shown.{m}",
                "leading_indicators",
                f"{plural} acted on when shown",
                "%",
                SHARE,
                "",
                lead("acts_when_shown", m),
            )
        )
        if m in SHOWN_MODES:
            specs.append(
                _spec(
                    f"leading.trust.{m}",
                    "leading_indicators",
                    f"trust in {plural}",
                    "%",
                    SHARE,
                    "higher",
                    lead("trust", m),
                )
            )
            specs.append(
                _spec(
                    f"leading.habituation.{m}",
                    "leading_indicators",
                    f"{modes.get(m).name.lower()} effect left after habituation",
                    "%",
                    SHARE,
                    "higher",
                    lead("habituation", m),
                )
            )
        if any(d["layers"]["leading_indicators"]["demoted_share"][m] for d in docs):
            specs.append(
                _spec(
                    f"leading.demoted.{m}",
                    "leading_indicators",
                    f"{plural} over the daily cap",
                    "%",
                    SHARE,
                    "",
                    _at("layers", "leading_indicators", "demoted_share", m),
                )
            )
    return specs


def _interval_specs(docs: Sequence[dict[str, Any]], currency: str) -> list[Spec]:
    """A real model's 95% range of value added (the system card's note), where any has one."""
    if all(d["value_added"]["interval_95"] is None for d in docs):
        return []

    def end(which: str) -> Read:
        def read(d: dict[str, Any]) -> float | None:
            interval = d["value_added"]["interval_95"]
            return None if interval is None else interval["value_added_per_population_day"][which]

        return read

    return [
        _spec(
            f"system.value_added_95_{which}",
            "system",
            f"value added, 95% range {which} end",
            f"{currency} per day",
            MONEY,
            "higher",
            end(which),
        )
        for which in ("low", "high")
    ]


# --- what the variants share --------------------------------------------------------------


def _flatten(obj: Any, prefix: str, out: dict[str, Any]) -> None:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _flatten(getattr(obj, f.name), f"{prefix}.{f.name}" if prefix else f.name, out)
    elif isinstance(obj, tuple | list):
        for i, item in enumerate(obj):
            _flatten(item, f"{prefix}[{i}]", out)
        out[f"{prefix}.count"] = len(obj)
    else:
        out[prefix] = obj


def scenario_fields(v: Variant) -> dict[str, Any]:
    """Every field of the sections the designs should share, by dotted path (model files
    resolved against the preset's folder when it is known)."""
    out: dict[str, Any] = {}
    preset = v.preset
    for f in dataclasses.fields(preset):
        if f.name not in DESIGN_SECTIONS:
            _flatten(getattr(preset, f.name), f.name, out)
    for name, written in model_files(preset.model).items():
        out[f"model.{name}"] = str(resolve_path(written, v.base_dir))
    for key in DESCRIPTIVE_FIELDS:
        out.pop(key, None)
    return out


def _plain_value(x: Any) -> str:
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, str) and "/" in x:
        return Path(x).name
    return str(x)


def scenario_differences(variants: Sequence[Variant], reference: int = 0) -> list[str]:
    """What differs between the variants' scenarios, one phrase a field ('base rate 0.01 vs
    0.02'), the reference's value first."""
    fields = [scenario_fields(v) for v in variants]
    ref = fields[reference]
    keys = list(ref)
    for f in fields:
        keys += [k for k in f if k not in ref and k not in keys]
    phrases = []
    for key in keys:
        values = [f.get(key, "none") for f in fields]
        if all(v == values[reference] for v in values):
            continue
        shown = [_plain_value(values[reference])] + [
            _plain_value(v) for i, v in enumerate(values) if i != reference
        ]
        name = key.replace("_", " ")
        if name.startswith("scenario."):
            name = name[len("scenario.") :]
        phrases.append(f"{name} {' vs '.join(shown)}")
    return phrases


# --- the comparison -----------------------------------------------------------------------


def compare(variants: Sequence[Variant], reference: int = 0) -> Comparison:
    """Every goal layer's figures for each variant, and each one's difference from the
    variant at ``reference``. ValueError for none or more than :data:`MAX_VARIANTS`, or a
    reference out of range."""
    if not 1 <= len(variants) <= MAX_VARIANTS:
        raise ValueError(f"compare takes 1 to {MAX_VARIANTS} designs, got {len(variants)}")
    if not 0 <= reference < len(variants):
        raise ValueError(f"reference: expected 0 to {len(variants) - 1}, got {reference}")
    docs = [summary(evaluate(v.preset, v.scores), v.scores) for v in variants]
    currencies = [v.preset.payoffs.currency for v in variants]
    currency = currencies[reference]
    same_currency = all(c == currency for c in currencies)
    specs = _money_specs(currency)
    specs[4:4] = _interval_specs(docs, currency)
    specs += _user_specs() + _model_specs(docs) + _leading_specs(docs)
    rows = []
    for key, layer, label, unit, kind, better, read in specs:
        values = tuple(_finite(read(d)) for d in docs)
        rows.append(_row(key, layer, label, unit, kind, better, values, reference, same_currency))
    psa_rows, psa_note = _psa_rows(variants, reference, currency, same_currency)
    rows += psa_rows
    notes = []
    differ = scenario_differences(variants, reference)
    if differ:
        shown = differ[:MAX_DIFFERENCES_NAMED]
        more = len(differ) - len(shown)
        notes.append(
            "scenarios differ: "
            + "; ".join(shown)
            + (f"; and {more} more" if more else "")
            + " (differences mix the design with the scenario)"
        )
    if not same_currency:
        notes.append(
            f"currencies differ ({', '.join(dict.fromkeys(currencies))}): no differences in money"
        )
    notes.append(psa_note)
    return Comparison(
        names=tuple(v.name for v in variants),
        scenarios=tuple(v.preset.scenario.name for v in variants),
        currency=currency,
        reference=reference,
        rows=tuple(rows),
        shared_scenario=not differ,
        notes=tuple(notes),
    )


def _row(
    key: str,
    layer: str,
    label: str,
    unit: str,
    kind: str,
    better: str,
    values: tuple[float | None, ...],
    reference: int,
    same_currency: bool,
) -> Row:
    ref = values[reference]
    comparable = same_currency or kind != MONEY
    differences = tuple(
        None if i == reference or v is None or ref is None or not comparable else v - ref
        for i, v in enumerate(values)
    )
    missing = NOT_MODELLED if layer == "organization" else "n/a"
    return Row(key, layer, label, unit, kind, better, values, differences, missing)


# --- the PSA block: every design on the same draws of the uncertain inputs --------------------

PSA_DRAWS = 2_000  # a few milliseconds a design for a described model; P to about ±1 pp
PSA_SEED = 1
NO_PSA = "no uncertain inputs: no PSA"


def psa_inputs(variants: Sequence[Variant]) -> dict[str, list[tuple[int, Any]]]:
    """The union of the designs' uncertain inputs: each path, with (design, distribution)
    for every design that declares it, first seen first."""
    out: dict[str, list[tuple[int, Any]]] = {}
    for i, v in enumerate(variants):
        for item in uncertain_inputs(v.preset):
            out.setdefault(item.path, []).append((i, item.distribution))
    return out


def _psa_rows(
    variants: Sequence[Variant], reference: int, currency: str, same_currency: bool
) -> tuple[list[Row], str]:
    """The PSA's rows (none when no design has an uncertain input, or when a real model's
    operating points would move with the draws) and the note that says what was drawn."""
    inputs = psa_inputs(variants)
    if not inputs:
        return [], NO_PSA
    # A real model is recalibrated once per draw of its own base rate, AUC or thresholds:
    # too slow for a table the window redraws on every change.
    moving = [
        (v.name, input_label(v.preset, path))
        for i, v in enumerate(variants)
        if v.scores is not None
        for path, found in inputs.items()
        if any(j == i for j, _ in found)
        and (path in ("scenario.base_rate", "model.auc") or path.startswith("experience.bands["))
    ]
    if moving:
        name, what = moving[0]
        return [], (
            f"no PSA: {what} is uncertain with a real model ({name}); "
            "'prototyper sensitivity FILE --compare B' runs it"
        )
    result = psa(
        [v.preset for v in variants],
        [v.scores for v in variants],
        draws=PSA_DRAWS,
        seed=PSA_SEED,
        names=[v.name for v in variants],
    )
    beats = result.p_beats()
    designs = result.designs
    day = f"{currency} per day"
    specs: list[tuple[str, str, str, str, str, tuple[float | None, ...]]] = [
        ("psa.mean", "mean value added", day, MONEY, "higher", tuple(d.mean for d in designs)),
        ("psa.low", "value added, 90% interval low end", day, MONEY, "higher",
         tuple(d.low for d in designs)),
        ("psa.high", "value added, 90% interval high end", day, MONEY, "higher",
         tuple(d.high for d in designs)),
        ("psa.p_adds_value", "P(adds value)", "%", SHARE, "higher",
         tuple(d.p_adds_value for d in designs)),
        ("psa.p_beats_reference", "P(adds more than the reference)", "%", SHARE,
         "higher", tuple(float(beats[i, reference]) for i in range(len(designs)))),
    ]  # fmt: skip
    rows = [
        _row(key, "psa", text, unit, kind, better, tuple(_finite(x) for x in values), reference,
             same_currency)
        for key, text, unit, kind, better, values in specs
    ]  # fmt: skip
    differ = [
        input_label(variants[found[0][0]].preset, path)
        for path, found in inputs.items()
        if any(dist != found[0][1] for _, dist in found[1:])
    ]
    note = (
        f"PSA: {PSA_DRAWS:,} draws (seed {PSA_SEED}) of each input any design holds uncertain, "
        "the same for every design; an input a design holds certain stays at its value; "
        "a tie is not adding more"
    )
    if differ:
        note += (
            f"; designs give {', '.join(differ)} different distributions: each design draws "
            "from its own at the same quantiles"
        )
    return rows, note


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def unique_names(names: Sequence[str]) -> list[str]:
    """Names with repeats told apart: 'a.yaml', 'a.yaml (2)'."""
    out: list[str] = []
    for name in names:
        candidate, n = name, 1
        while candidate in out:
            n += 1
            candidate = f"{name} ({n})"
        out.append(candidate)
    return out


# --- as text and CSV ----------------------------------------------------------------------

LAYER_TITLES = {
    "system": "system",
    "organization": "organization",
    "user": "user",
    "model": "model",
    "leading_indicators": "leading indicators",
    "psa": f"PSA: {PSA_DRAWS:,} common draws of the uncertain inputs, seed {PSA_SEED}",
}


def text_table(c: Comparison) -> str:
    """The comparison for the terminal: a column per variant and, after each one but the
    reference, its difference from the reference."""
    letters = "ABCD"
    out = []
    for i, (name, scenario) in enumerate(zip(c.names, c.scenarios, strict=True)):
        ref = " (reference)" if i == c.reference else ""
        out.append(f"{letters[i]}: {name} — {scenario}{ref}")
    out += [f"note: {n}" for n in c.notes]
    out.append("")
    header = ["figure", "unit"]
    for i in range(len(c.names)):
        header.append(letters[i])
        if i != c.reference:
            header.append(f"{letters[i]} - {letters[c.reference]}")
    table = [header]
    layer = ""
    layer_rows = []
    for row in c.rows:
        if row.layer != layer:
            layer = row.layer
            layer_rows.append(len(table))
            table.append([LAYER_TITLES[layer]] + [""] * (len(header) - 1))
        cells = [f"  {row.label}", row.unit]
        for i in range(len(c.names)):
            cells.append(c.value_text(row, i))
            if i != c.reference:
                cells.append(c.difference_text(row, i))
        table.append(cells)
    widths = [max(len(r[k]) for r in table) for k in range(len(header))]
    for n, r in enumerate(table):
        if n in layer_rows:
            out.append(r[0])
            continue
        line = f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}"
        line += "".join(f"  {cell:>{w}}" for cell, w in zip(r[2:], widths[2:], strict=True))
        out.append(line.rstrip())
    return "\n".join(out)


def csv_rows(c: Comparison) -> list[list[str]]:
    """One row per figure: its key, layer, label and unit, each variant's value, then each
    variant's difference from the reference (numbers in full; empty when missing)."""
    ref = c.names[c.reference]
    header = ["key", "layer", "figure", "unit", *c.names]
    header += [f"{n} - {ref}" for i, n in enumerate(c.names) if i != c.reference]

    def cell(x: float | None) -> str:
        return "" if x is None else repr(x)

    rows = [header]
    for row in c.rows:
        rows.append(
            [row.key, row.layer, row.label, row.unit]
            + [cell(v) for v in row.values]
            + [cell(d) for i, d in enumerate(row.differences) if i != c.reference]
        )
    return rows
