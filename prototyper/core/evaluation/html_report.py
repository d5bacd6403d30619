"""One self-contained HTML file of a design, for slides, a wiki or a hand-out: the design,
every goal layer led by value added against the feature off, the plots as inline SVG, the
assumptions and sources, the notes, a side-by-side table when designs are compared, and the
sensitivity analysis (tornado, break-even, PSA, EVPPI) when a design has uncertain inputs.

The file fetches nothing: no external style, script, font or image, and a
Content-Security-Policy that forbids any load. Every string from a preset is escaped (a
received preset may be hostile). The command line and the window both write it from here, so
the same preset gives the same bytes.

It is one module of about 800 lines because it is one document: the page's sections, its four
SVG plots and its style are read top to bottom as the reader sees them; the SVG primitives live
in core/svg.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from ..format import auc_text, duration, format_probability, money, percent, rate_phrase
from ..model.scores import LOGIT_CEILING, LOGIT_FLOOR
from ..preset import modes
from ..preset.preset_io import printable
from ..preset.scenes import applicable_scenes
from ..preset.schema import ACTIVE_MODES, MODES, Preset, SyntheticModel
from ..preset.uncertainty import uncertain_inputs
from ..svg import Chart, nice_ticks
from . import value
from .analysis import Analysis, single_threshold_mode
from .compare import LAYER_TITLES, Variant, compare, unique_names
from .report import NOT_MODELLED, organization_text, summary
from .scenes import SceneStep, ScoresFor, scene_steps, sets_text
from .sensitivity_report import SensitivityReport, sensitivity_report

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# The window's palette (qt/theme.py), by the colour key of each mode's row.
MODE_COLORS = {
    "violet": "#6a3d9a",
    "orange": "#e6820e",
    "green": "#1b9e77",
    "blue": "#3a7dc9",
    "grey": "#9e9e9e",
}
POSITIVE_COLOR = "#c2185b"
NEGATIVE_COLOR = "#546e7a"
VALUE_COLOR = "#2e9b45"
COST_COLOR = "#d1382f"
ATTENTION_COLOR = "#ef8a80"
BEST_COLOR = "#2e9b45"
AXIS_COLOR = "#616161"

STYLE = """
body { font-family: sans-serif; color: #212121; background: #fff; margin: 24px auto;
       max-width: 1000px; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 26px; margin-bottom: 4px; } h2 { font-size: 20px; margin-top: 32px;
     border-bottom: 2px solid #e0e0e0; padding-bottom: 4px; } h3 { font-size: 16px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #e0e0e0; padding: 4px 10px; text-align: left;
         vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.lead { font-size: 22px; font-weight: bold; }
.gain { color: #1e7b34; } .cost { color: #b71c1c; } .muted { color: #757575; }
.notes { white-space: pre-wrap; background: #fafafa; border-left: 4px solid #bdbdbd;
         padding: 8px 12px; }
.wide { overflow-x: auto; } .wide table { font-size: 14px; }
.wide td:first-child { white-space: nowrap; }
.scenes td:nth-child(2) { min-width: 22em; }
.design { page-break-before: always; } figure { margin: 12px 0; } svg { max-width: 100%;
  height: auto; }
"""


def mode_color(mode: str) -> str:
    try:
        key = modes.get(mode).color
    except KeyError:
        return MODE_COLORS["grey"]
    return MODE_COLORS.get(key, MODE_COLORS["grey"])


@dataclass(frozen=True)
class Design:
    """One design in a report: its analysis and the file name it came from (may be '').
    ``scenes``: the steps of its lecture scenes with their figures (see
    :func:`design_scenes`); None works them out with the analysis's own scores."""

    analysis: Analysis
    name: str = ""
    scenes: Sequence[SceneStep] | None = None


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _logit(p: float) -> float:
    p = min(max(p, 1e-15), 1 - 1e-15)
    return math.log(p) - math.log1p(-p)


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _money(x: float | None, currency: str) -> str:
    return NOT_MODELLED if x is None else money(x, currency)


def _css_class(x: float | None, cost: bool = False) -> str:
    """Green for a gain, red for a loss; ``cost``: the figure is a cost, red when positive."""
    if x is None or not math.isfinite(x) or x == 0:
        return ""
    return ' class="num gain"' if (x > 0) != cost else ' class="num cost"'


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> str:
    """A table of already escaped cells; columns from ``numeric_from`` align right."""
    head = "".join(
        f"<th{' class=num' if i >= numeric_from else ''}>{h}</th>" for i, h in enumerate(header)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if cell.startswith("<td"):
                cells.append(cell)
            else:
                cells.append(f"<td{' class=num' if i >= numeric_from else ''}>{cell}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(x: float | None, currency: str, cost: bool = False) -> str:
    return f"<td{_css_class(x, cost) or ' class=num'}>{_e(_money(x, currency))}</td>"


# --- the plots ------------------------------------------------------------------------------


def score_range(a: Analysis) -> tuple[float, float]:
    """The logit(score) range of the score plots, as the window's: where the model puts its
    scores, widened to every threshold and the best single threshold."""
    lo, hi = a.scores.extent()
    marks = [_logit(float(t)) for t in a.evaluation.thresholds if t > 0]
    marks.append(_logit(a.single_threshold.best_value))
    lo, hi = min(lo, min(marks) - 1.0), max(hi, max(marks) + 1.0)
    lo, hi = max(lo, LOGIT_FLOOR - 1.0), min(hi, LOGIT_CEILING + 1.0)
    if hi - lo < 6.0:
        middle = (hi + lo) / 2
        lo, hi = middle - 3.0, middle + 3.0
    return lo, hi


def _probability_ticks(lo: float, hi: float) -> list[float]:
    """logit positions of round scores (0.001, 0.01, 0.1, 0.5, 0.9...) inside [lo, hi]."""
    ps = [10.0**-k for k in range(9, 0, -1)] + [0.5] + [1 - 10.0**-k for k in range(1, 8)]
    ticks = [_logit(p) for p in ps if lo <= _logit(p) <= hi]
    while len(ticks) > 9:
        ticks = ticks[::2]
    return ticks


def thin(x: np.ndarray, y: np.ndarray, bins: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """A curve of many points (a real model's sweep has one per distinct score) cut to the
    lowest and highest y of each of ``bins`` bins along x: the same picture, a small file."""
    if len(x) <= 2 * bins:
        return x, y
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    lo, hi = float(x[0]), float(x[-1])
    which = np.minimum(((x - lo) / (hi - lo or 1.0) * bins).astype(int), bins - 1)
    starts = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
    with np.errstate(invalid="ignore"):
        low, high = np.fmin.reduceat(y, starts), np.fmax.reduceat(y, starts)
    ends = np.r_[starts[1:], len(x)] - 1
    return np.column_stack([x[starts], x[ends]]).ravel(), np.column_stack([low, high]).ravel()


def _edge(x: float, lo: float, hi: float) -> str:
    """The text anchor of a label at x: centred, or pushed inside near an edge."""
    f = (x - lo) / (hi - lo)
    return "start" if f < 0.2 else "end" if f > 0.8 else "middle"


def _decade(k: float) -> str:
    """log10 of a share as '1 in 10k'."""
    if k >= 0:
        return "all"
    n = float(f"{10 ** (-k):.2g}")
    for cut, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= cut:
            return f"1 in {n / cut:g}{unit}"
    return f"1 in {n:,.0f}"


def _score_label(x: float) -> str:
    return format_probability(_expit(x))


def value_curve_svg(a: Analysis) -> str:
    """Value added a day against each threshold (the others held), the feature off as the
    zero line, the design's thresholds, and the best single threshold."""
    preset, cur = a.preset, a.preset.payoffs.currency
    bands = preset.experience.bands
    lo, hi = score_range(a)
    now = a.evaluation.added_per_population_day
    single = a.single_threshold
    single_y = single.added_per_population_day
    best_x, best_y = _logit(single.best_value), float(single_y[single.best_index])

    def inside(s: Any) -> tuple[np.ndarray, np.ndarray]:
        x = np.log(s.values) - np.log1p(-s.values)
        keep = (x >= lo) & (x <= hi)
        return thin(x[keep], s.added_per_population_day[keep])

    curves = [inside(s) for s in a.threshold_sweeps]
    seen = np.concatenate([y[np.isfinite(y)] for _, y in curves] + [np.array([now, best_y, 0.0])])
    top, core = float(seen.max()), min(now, best_y, 0.0)
    span = top - core or max(abs(top), 1.0)
    bottom = max(float(seen.min()), core - 0.25 * span) - 0.06 * span
    top += 0.2 * span
    chart = Chart(900, 380, (lo, hi), (bottom, top), title="Value added as a threshold moves")
    chart.axes(
        _probability_ticks(lo, hi),
        nice_ticks(bottom, top),
        _score_label,
        lambda v: money(v, cur),
        "threshold (score)",
        f"value added per day vs. feature off ({cur})",
    )
    chart.hline(0.0, AXIS_COLOR, "feature off", dash="2 2")
    sx, sy = inside(single)
    alone = single_threshold_mode(bands)
    chart.line(list(sx), list(sy), BEST_COLOR, width=1.5, dash="6 4")
    for i, (x, y) in enumerate(curves):
        chart.line(list(x), list(y), mode_color(bands[i].mode))
    for i, t in enumerate(a.evaluation.thresholds):
        if t > 0:
            at = _logit(float(t))
            chart.vline(at, mode_color(bands[i].mode), f"{bands[i].mode} {format_probability(t)}")
            chart.marker(at, now, mode_color(bands[i].mode), f"this design: {money(now, cur)}/day")
    chart.marker(
        best_x,
        best_y,
        BEST_COLOR,
        f"best single threshold {format_probability(single.best_value)}: {money(best_y, cur)}/day",
        size=6,
    )
    best_text = f"best single threshold {format_probability(single.best_value)}: "
    best_text += f"{money(best_y, cur)}/day"
    chart.text(best_x, best_y, best_text, BEST_COLOR, anchor=_edge(best_x, lo, hi), dy=-12)
    legend = [
        (f"— {bands[i].mode} threshold moves", mode_color(bands[i].mode))
        for i in range(len(curves))
    ]
    legend.append((f"- - {alone} alone, one threshold", BEST_COLOR))
    legend.append((f"this design adds {money(now, cur)}/day", "#212121"))
    for k, (text, color) in enumerate(legend):
        chart.text(lo, top, text, color, anchor="start", dx=8, dy=18 + 16 * k)
    return chart.svg()


def outcome_split_svg(a: Analysis) -> str:
    """Value added a day by part (value of correct up, cost of wrong and attention down) and
    by mode, all stakeholders together."""
    preset, cur = a.preset, a.preset.payoffs.currency
    e = a.evaluation
    day = preset.scenario.events_per_user_per_day * preset.scenario.users
    split = e.added_split().sum(axis=2) * day  # [part, mode]
    used = [m for m in ACTIVE_MODES if np.any(split[:, MODES.index(m)] != 0)]
    parts = [
        ("correct", "value of correct", VALUE_COLOR),
        ("wrong", "false alarms acted on", COST_COLOR),
        ("attention", "attention", ATTENTION_COLOR),
    ]
    values = [float(split[value.ADDED_PART[p], MODES.index(m)]) for m in used for p, _, _ in parts]
    top, bottom = max([0.0, *values]), min([0.0, *values])
    span = top - bottom or 1.0
    top, bottom = top + 0.15 * span, bottom - 0.08 * span
    n = max(len(used), 1)
    chart = Chart(900, 340, (0.0, float(n)), (bottom, top), title="Value added by outcome and mode")
    chart.axes(
        [],
        nice_ticks(bottom, top),
        str,
        lambda v: money(v, cur),
        "",
        f"per day, all users ({cur})",
    )
    chart.hline(0.0, AXIS_COLOR, dash="2 2")
    chart.text(float(n), 0.0, "feature off", AXIS_COLOR, anchor="end", dx=-4, dy=-4)
    width = 0.8 / len(parts)
    for i, mode in enumerate(used):
        for k, (part, label, color) in enumerate(parts):
            v = float(split[value.ADDED_PART[part], MODES.index(mode)])
            x0 = i + 0.1 + k * width
            chart.bar(x0, x0 + width * 0.9, 0.0, v, color, f"{mode}, {label}: {money(v, cur)}/day")
            if v != 0:
                chart.text(
                    x0 + width * 0.45, v, money(v, cur), color, dy=-4 if v > 0 else 14, size=11
                )
        chart.text(i + 0.5, bottom, mode, mode_color(mode), dy=18, size=13)
    if not used:
        chart.text(n / 2, (top + bottom) / 2, "no mode acts: nothing added or lost", AXIS_COLOR)
    for k, (_, label, color) in enumerate(parts):
        chart.text(float(n), top, f"■ {label}", color, anchor="end", dx=-8, dy=18 + 16 * k)
    return chart.svg()


def distributions_svg(a: Analysis) -> str:
    """Where the scores fall: positives and negatives, each weighted by its share at the
    scenario's base rate (log scale), with the bands and thresholds."""
    preset = a.preset
    lo, hi = score_range(a)
    x, positive, negative, stepped = a.scores.density(preset.scenario.base_rate, lo, hi)
    peak = max(float(np.max(positive)), float(np.max(negative)), 1e-300)
    low_peak = max(min(float(np.max(positive)), float(np.max(negative))), 1e-300)
    top, floor = math.log10(peak) + 1.0, math.log10(low_peak) - 2.5
    chart = Chart(900, 340, (lo, hi), (floor, top), title="Where the scores fall")
    chart.axes(
        _probability_ticks(lo, hi),
        [float(k) for k in range(math.ceil(floor), math.floor(top) + 1)],
        _score_label,
        _decade,
        "score",
        "share of events (log)",
    )
    bands = preset.experience.bands
    edges = [hi, *(_logit(float(t)) if t > 0 else lo for t in a.evaluation.thresholds)]
    for b, band in enumerate(bands):
        chart.band(edges[b + 1], edges[b], mode_color(band.mode), band.mode)
    for name, density, color in (
        ("negatives", negative, NEGATIVE_COLOR),
        ("positives", positive, POSITIVE_COLOR),
    ):
        y = np.log10(np.maximum(density, 10.0**floor))
        if stepped:  # x are bin edges: a step each bin
            xs = np.repeat(x, 2)[1:-1]
            ys = np.repeat(y, 2)
        else:
            xs, ys = x, y
        chart.line(list(xs), list(ys), color, width=1.5, fill_to=floor)
        i = int(np.argmax(density))
        cx = float((x[i] + x[i + 1]) / 2) if stepped else float(x[i])
        chart.text(cx, float(y[i]), name, color, anchor=_edge(cx, lo, hi), dx=4, dy=-6)
    for i, t in enumerate(a.evaluation.thresholds):
        if t > 0:
            chart.vline(_logit(float(t)), mode_color(bands[i].mode), format_probability(t), 2)
    return chart.svg()


# --- the sections ---------------------------------------------------------------------------


def _key_figures(doc: dict[str, Any], cur: str) -> str:
    added = doc["value_added"]
    rows = []

    def row(label: str, values: dict[str, Any], cost: bool = False) -> list[str]:
        cells = [values["per_event"], values["per_user_day"], values["per_population_day"]]
        return [_e(label)] + [_figure(v, cur, cost) for v in cells]

    rows.append(row("value added vs. feature off", added))
    rows.append(row("  value of correct", added["value_of_correct"]))
    rows.append(row("  cost of wrong (false alarms, attention)", added["cost_of_wrong"], True))
    for who, values in added["by_stakeholder"].items():
        if values["modelled"]:
            rows.append(row(f"  to the {who}", values))
        else:
            rows.append(
                [_e(f"  to the {who}"), "", "", f'<td class="num muted">{NOT_MODELLED}</td>']
            )
    rows.append(row("total incl. harm that happens anyway", added["total_value_incl_harm_anyway"]))
    table = _table(["", "per event", "per user-day", "per day (all users)"], rows)
    extra = ""
    interval = added["interval_95"]
    if interval is not None:
        ends = interval["value_added_per_population_day"]
        extra = (
            f"<p>Value added per day with the evaluation set's rates at their 95% interval "
            f"ends: {_e(money(ends['low'], cur))} to {_e(money(ends['high'], cur))}.</p>"
        )
    year = added["per_year"]
    lead = (
        f'<p class="lead">Value added against the feature off: '
        f'<span class="{"gain" if (added["per_population_day"] or 0) >= 0 else "cost"}">'
        f"{_e(money(added['per_population_day'] or 0.0, cur))}</span> a day"
        + (f", {_e(money(year, cur))} a year" if year is not None else "")
        + "</p>"
    )
    return lead + table.replace("<td>  ", "<td>&nbsp;&nbsp;&nbsp;") + extra


def _design_tables(a: Analysis, doc: dict[str, Any]) -> str:
    preset = a.preset
    rows = [
        [
            _e(f"{format_probability(b['from'])} to {format_probability(b['to'])}"),
            f'<td style="color:{mode_color(b["mode"])}"><b>{_e(b["mode"])}</b></td>',
            _e(rate_phrase(b["events_per_user_day"] or 0.0, "event")),
            _e(percent(b["share_of_events"])),
            _e(percent(b["precision"])),
        ]
        for b in doc["bands"]
    ]
    bands = _table(["score band", "mode", "how often", "share of events", "precision"], rows, 3)
    used = {b.mode for b in preset.experience.bands}
    mode_rows = []
    for mode in ACTIVE_MODES:
        if mode not in used:
            continue
        design = getattr(preset.experience.modes, mode)
        inter = doc["interactions_per_user_day"][mode]
        cap = "none" if design.daily_cap is None else f"{design.daily_cap} per user-day"
        mode_rows.append(
            [
                f'<td style="color:{mode_color(mode)}"><b>{_e(mode)}</b></td>',
                _e(f"{design.forcefulness:g}"),
                _e(cap),
                _e(design.over_cap),
                _e(rate_phrase(inter["after_cap"] or 0.0, "interaction")),
                _e(percent(inter["demoted_share"])),
            ]
        )
    caps = _table(
        ["mode", "forcefulness", "daily cap", "over the cap", "after the cap", "demoted"],
        mode_rows,
        1,
    )
    return f"<h4>Bands</h4>{bands}<h4>Forcefulness and caps</h4>{caps}"


def _goal_layers(doc: dict[str, Any], cur: str) -> str:
    layers = doc["layers"]
    system, org, user = layers["system"], layers["organization"], layers["user"]
    model, lead = layers["model"], layers["leading_indicators"]
    rows = [
        [
            "system",
            _e(
                f"value added {money(system['value_added_per_day'], cur)}/day (value of correct "
                f"{money(system['value_of_correct_per_day'], cur)}, cost of wrong "
                f"{money(system['cost_of_wrong_per_day'], cur)}); total incl. harm that "
                f"happens anyway {money(system['total_value_incl_harm_anyway_per_day'], cur)}"
                f"/day; over {system['horizon_days']} days "
                f"{money(system['value_added_over_horizon'], cur)} added"
            ),
        ],
        [
            "organization",
            _e(organization_text(org, cur, ": ")),
        ],
        [
            "user",
            _e(
                f"{user['harms_avoided_per_user_year']:.3g} harms avoided per user-year; "
                f"{rate_phrase(user['interruptions_per_user_day'] or 0.0, 'interruption')}; "
                f"{rate_phrase(user['false_alarms_per_user_day'] or 0.0, 'false alarm')}; "
                f"{duration(user['minutes_lost_per_user_day'])} of attention a day"
            ),
        ],
        [
            "model",
            _e(
                f"ROC AUC {auc_text(model['auc'])}; "
                + "; ".join(
                    f"score ≥ {format_probability(op['threshold'])}: recall "
                    f"{percent(op['tpr'])}, false-positive rate {percent(op['fpr'])}, "
                    f"precision {percent(op['precision'])}"
                    for op in model["operating_points"]
                )
            ),
        ],
        [
            "leading indicators",
            _e(
                "; ".join(
                    f"{mode}: acted on {percent(lead['acts_when_shown'][mode])} when shown, "
                    f"{percent(lead['acts_when_right'][mode])} when right"
                    + (
                        f" (trust {percent(lead['trust'][mode])}, habituation "
                        f"{percent(lead['habituation'][mode])})"
                        if mode in lead["trust"]
                        else ""
                    )
                    for mode in ACTIVE_MODES
                    if doc["interactions_per_user_day"][mode]["after_cap"]
                )
                or "no mode acts"
            ),
        ],
    ]
    return _table(["goal layer", "what the design does"], rows, 9)


def _cited(title: str, table: Any) -> str:
    if not table:
        return f"<h3>{title}</h3><p class=muted>none given</p>"
    rows = [[f"<code>{_e(k)}</code>", _e(v)] for k, v in table.items()]
    return f"<h3>{title}</h3>" + _table(["field", "text"], rows, 9)


def design_scenes(a: Analysis, scores_for: ScoresFor | None = None) -> list[SceneStep]:
    """The steps of the design's lecture scenes with their figures, from the core that
    ``prototyper scenes`` prints (none when the preset has no scenes that apply).
    ``scores_for`` gives a real model's scores for the preset at a scene, as for
    ``prototyper scenes``; None: the analysis's own, for scenes that keep the model and its
    base rate."""
    preset, _ = applicable_scenes(a.preset)
    if not preset.scenes:
        return []

    def own_scores(state: Preset) -> Any:
        if isinstance(state.model, SyntheticModel):
            return None
        if state.model != preset.model or state.scenario.base_rate != preset.scenario.base_rate:
            raise ValueError("a scene changes the real model or its base rate: give scores_for")
        return a.scores

    return scene_steps(preset, scores_for or own_scores)


def _scenes(steps: Sequence[SceneStep], cur: str) -> str:
    """The lecture's steps: title, narration, what each sets and the figures after it."""
    rows = []
    before = 0.0
    for s in steps:
        f = s.figures()
        added = f["value_added_per_population_day"]
        change = _signed(added - before, cur) if s.index else ""
        before = added
        narration = " ".join(s.narration.split()) or "The preset as written."
        sets = f"<br><code class=muted>{_e(sets_text(s.sets))}</code>" if s.sets else ""
        rows.append(
            [
                _e(s.index),
                f"<td><b>{_e(s.title)}</b><br>{_e(narration)}{sets}</td>",
                _e(money(added, cur)),
                _e(change),
                _e(f"{f['harms_avoided_per_user_year']:.2g}"),
                f"<td>{_e(rate_phrase(f['interruptions_per_user_day'], 'interruption'))}</td>",
            ]
        )
    header = ["step", "scene", "value added<br>a day", "change", "harms avoided<br>a user-year"]
    table = _table([*header, "interruptions"], rows, 2)
    return (
        "<h3>Scenes</h3><p class=muted>The lecture's steps, each applied on top of the ones "
        "before (as <code>prototyper scenes</code> lists them), and the figures after it; "
        "the change is in value added a day from the step before.</p>"
        f'<div class="scenes">{table}</div>'
    )


def _design_section(d: Design, index: int, steps: Sequence[SceneStep] = ()) -> str:
    a = d.analysis
    preset, sc = a.preset, a.preset.scenario
    cur = preset.payoffs.currency
    doc = summary(a.evaluation, a.scores)
    best = a.single_threshold
    best_added = float(best.added_per_population_day[best.best_index])
    gap = a.evaluation.added_per_population_day - best_added
    alone = single_threshold_mode(preset.experience.bands)
    name = f" <span class=muted>({_e(d.name)})</span>" if d.name else ""
    parts = [
        f'<section class="{"design" if index else ""}" id="design-{index + 1}">',
        f"<h2>{_e(sc.name)}{name}</h2>",
        f"<p>{_e(sc.description)}</p>" if sc.description else "",
        f"<p class=muted>{_e(f'{sc.users:,}')} users, {_e(f'{sc.events_per_user_per_day:g}')} "
        f"{_e(sc.event_unit)}s per user-day, base rate {_e(f'{sc.base_rate:.3g}')}; "
        f"model: {_e(preset.model.source)}, ROC AUC {_e(auc_text(a.evaluation.auc))}</p>",
        _key_figures(doc, cur),
        f"<p>Best single threshold: {_e(alone)} above "
        f"{_e(format_probability(best.best_value))}, value added "
        f"{_e(money(best_added, cur))}/day; this design "
        f"{_e(money(abs(gap), cur))}/day {'above' if gap >= 0 else 'below'} it.</p>",
        "<h3>Goals</h3>",
        _goal_layers(doc, cur),
        "<h3>The design</h3>",
        _design_tables(a, doc),
        _scenes(steps, cur) if steps else "",
        "<h3>Plots</h3>",
        f"<figure>{value_curve_svg(a)}</figure>",
        f"<figure>{outcome_split_svg(a)}</figure>",
        f"<figure>{distributions_svg(a)}</figure>",
        "<h3>Notes</h3>",
        f'<div class="notes">{_e(preset.notes.strip())}</div>'
        if preset.notes.strip()
        else "<p class=muted>none</p>",
        _cited("Sources", preset.sources),
        _cited("Assumptions", preset.assumptions),
        "</section>",
    ]
    return "".join(parts)


def _comparison(designs: Sequence[Design]) -> str:
    """The comparison table of ``prototyper compare``: the same rows, each design's figure
    and its difference from the first."""
    names = unique_names([d.name or d.analysis.preset.scenario.name for d in designs])
    variants = [
        Variant(n, d.analysis.preset, d.analysis.scores)
        for n, d in zip(names, designs, strict=True)
    ]
    c = compare(variants)
    header = ["figure", "unit"]
    for i, d in enumerate(designs):
        label = _e(d.analysis.preset.scenario.name) + (
            f"<br><span class=muted>{_e(d.name)}</span>" if d.name else ""
        )
        header.append(label)
        if i != c.reference:
            header.append("difference from the first")
    rows = []
    layer = ""
    for r in c.rows:
        if r.layer != layer:
            layer = r.layer
            rows.append([f"<td><b>{_e(LAYER_TITLES[layer])}</b></td>"] + [""] * (len(header) - 1))
        row = [_e(f"  {r.label}"), f"<td class=muted>{_e(r.unit)}</td>"]
        for i in range(len(designs)):
            row.append(_e(c.value_text(r, i)))
            if i != c.reference:
                diff = r.differences[i]
                css = _css_class(diff, r.better == "lower") if r.better else ""
                row.append(f"<td{css or ' class=num'}>{_e(c.difference_text(r, i))}</td>")
        rows.append(row)
    notes = "".join(f"<p>{_e(n[0].upper() + n[1:])}.</p>" for n in c.notes)
    table = _table(header, rows, 2).replace("<td>  ", "<td>&nbsp;&nbsp;&nbsp;")
    return f'<h2>Side by side</h2><div class="wide">{table}</div>{notes}'


# --- which assumptions matter --------------------------------------------------------------

LOW_COLOR = "#3a7dc9"
HIGH_COLOR = "#e6820e"


def sensitivity_of(
    designs: Sequence[Design], between: Callable[[str], None] | None = None
) -> SensitivityReport | None:
    """What ``prototyper sensitivity`` prints for these designs, with its default draws and
    seed (so the numbers are the same), or None when no design has an uncertain input.
    ``between`` as in :func:`build_report`."""
    presets = [d.analysis.preset for d in designs]
    if not any(uncertain_inputs(p) for p in presets):
        return None
    # A synthetic model goes in as None, as on the command line: its draws then move the
    # binormal rates at once instead of recalibrating one draw at a time.
    models = [
        None if isinstance(d.analysis.preset.model, SyntheticModel) else d.analysis.scores
        for d in designs
    ]
    names = [
        printable(Path(d.name).stem) if d.name else d.analysis.preset.scenario.name for d in designs
    ]
    return sensitivity_report(presets, models, names=names, between=between)


def _signed(x: float, cur: str) -> str:
    return ("+" if x > 0 else "") + money(x, cur)


def _clip(text: str, width: int) -> str:
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def tornado_svg(s: SensitivityReport) -> str:
    """Each uncertain input of the first design as a bar: value added a day with the input at
    its low end (blue) and its high end (orange), the others as in the design; the widest
    swing on top."""
    cur, t = s.currency, s.tornado
    bars = t.bars
    ends = [t.base, 0.0] + [v for b in bars for v in (b.value_at_low, b.value_at_high)]
    finite = [v for v in ends if math.isfinite(v)]
    lo, hi = min(finite), max(finite)
    span = hi - lo or max(abs(hi), 1.0)
    lo, hi = lo - 0.22 * span, hi + 0.22 * span  # room for the end labels
    n = max(len(bars), 1)
    chart = Chart(
        900,
        90 + 30 * n,
        (lo, hi),
        (0.0, float(n)),
        title="Value added a day as each assumption moves",
        margin=(46, 20, 46, 300),  # the inputs' names on the left
    )
    ticks = nice_ticks(lo, hi)
    chart.axes(
        ticks, [], lambda v: money(v, cur), str, f"value added per day vs. feature off ({cur})"
    )
    # The two lines' labels sit side by side at the top, each on its own side of the pair.
    right = t.base >= 0.0
    chart.vline(0.0, AXIS_COLOR, width=1.0)
    chart.vline(t.base, "#212121", width=1.0)
    top = float(n)
    off_anchor, base_anchor = ("end", "start") if right else ("start", "end")
    chart.text(0.0, top, "feature off", AXIS_COLOR, off_anchor, dx=-4 if right else 4, dy=-6)
    chart.text(
        t.base,
        top,
        f"this design {_signed(t.base, cur)}",
        "#212121",
        base_anchor,
        dx=4 if right else -4,
        dy=-6,
    )
    for i, bar in enumerate(bars):
        y = float(n - i)
        y0, y1 = y - 0.8, y - 0.2
        chart.text(lo, y - 0.5, _clip(bar.label, 44), anchor="end", dx=-8, dy=4)
        for v, color, end in (
            (bar.value_at_low, LOW_COLOR, "low"),
            (bar.value_at_high, HIGH_COLOR, "high"),
        ):
            chart.bar(
                min(t.base, v),
                max(t.base, v),
                y0,
                y1,
                color,
                f"{bar.label} at its {end} end: {_signed(v, cur)}/day",
            )
        for v, color in ((bar.value_at_low, LOW_COLOR), (bar.value_at_high, HIGH_COLOR)):
            if v != t.base:
                right = v > t.base
                chart.text(
                    v,
                    y - 0.5,
                    _signed(v, cur),
                    color,
                    anchor="start" if right else "end",
                    dx=4 if right else -4,
                    dy=4,
                    size=11,
                )
    if not bars:
        chart.text((lo + hi) / 2, 0.5, "the first design has no uncertain input", AXIS_COLOR)
    # The key under the inputs' names, clear of the title and the axis.
    chart.text(lo, 0.0, "■ input at its low end", LOW_COLOR, "start", dx=-290, dy=20)
    chart.text(lo, 0.0, "■ input at its high end", HIGH_COLOR, "start", dx=-290, dy=36)
    return chart.svg()


def _sensitivity(s: SensitivityReport) -> str:
    """The section of ``prototyper sensitivity``: tornado, break-even, PSA and EVPPI."""
    cur = s.currency

    def shown(x: float, unit: str) -> str:
        if unit == "money":
            return money(x, cur)
        return f"{x:.4g} min" if unit == "minutes" else f"{x:.4g}"

    t = s.tornado
    rows = [
        [
            _e(_clip(b.label, 60)) + f"<br><code class=muted>{_e(b.path)}</code>",
            _e(shown(b.low, unit)),
            _e(shown(b.high, unit)),
            _figure_signed(b.value_at_low, cur),
            _figure_signed(b.value_at_high, cur),
            _e(money(b.swing, cur)),
        ]
        for b, unit in zip(t.bars, s.units, strict=True)
    ]
    tornado_table = _table(["input", "low", "high", "at low", "at high", "swing"], rows)
    evens = _table(
        ["input", "where value added crosses 0"],
        [[f"<code>{_e(e.path)}</code>", _e(e.message)] for e in s.break_evens],
        9,
    )
    r = s.psa
    psa_rows = [
        [
            _e(d.name),
            _figure_signed(d.mean, cur),
            _e(f"{_signed(d.low, cur)} to {_signed(d.high, cur)}"),
            _e(f"{d.p_adds_value:.1%}"),
        ]
        for d in r.designs
    ]
    psa_table = _table(["design", "mean a day", "90% interval", "P(adds value)"], psa_rows)
    beats, opts = r.p_beats(), r.options
    beat_rows = [
        [_e(opts[a]), _e(opts[b]), _e(f"{beats[a, b]:.1%}")]
        for a in range(len(opts))
        for b in range(a + 1, len(opts))
    ]
    beat_table = _table(["A", "B", "P(A beats B)"], beat_rows, 2)
    e = s.evppi
    evppi_table = _table(
        ["input", "EVPPI a day"], [[_e(row.label), _e(money(row.value, cur))] for row in e.rows]
    )
    over = " (each a short simulation over time)" if s.over_time else ""
    return "".join(
        [
            '<section id="sensitivity"><h2>Which assumptions matter</h2>',
            "<p class=muted>The numbers of <code>prototyper sensitivity</code>: value added "
            "against the feature off, per day for all users, with the uncertain inputs of the "
            "preset's <code>uncertainty:</code> section and response ranges.</p>",
            f"<h3>Tornado: {_e(s.names[0])}</h3>",
            f"<p>Each input at its low and high end, the others as in the design "
            f"({_e(_signed(t.base, cur))}/day).</p>",
            f"<figure>{tornado_svg(s)}</figure>" if t.bars else "",
            tornado_table if t.bars else "<p class=muted>no uncertain inputs</p>",
            "<h3>Break-even</h3><p>Where value added crosses 0, over each field's whole range.</p>",
            evens if s.break_evens else "<p class=muted>no uncertain inputs</p>",
            f"<h3>Probabilistic sensitivity analysis</h3><p>{_e(f'{r.draws:,}')} draws, seed "
            f"{_e(r.seed)}, the same draws for every design{_e(over)}.</p>",
            psa_table,
            "<p>P(A beats B): the chance A adds more value than B.</p>",
            beat_table,
            "<h3>EVPPI: which assumption to study first</h3>",
            f"<p>What knowing an input exactly is worth a day; perfect knowledge of all: "
            f"{_e(money(e.evpi, cur))}/day; best choice now: {_e(e.best_now)}.</p>",
            evppi_table if e.rows else "<p class=muted>no uncertain inputs</p>",
            "</section>",
        ]
    )


def _figure_signed(x: float, cur: str) -> str:
    return f"<td{_css_class(x) or ' class=num'}>{_e(_signed(x, cur))}</td>"


def build_report(designs: Sequence[Design], *, between: Callable[[str], None] | None = None) -> str:
    """The report of one design, or several side by side (the first is the reference), with
    the sensitivity analysis of ``prototyper sensitivity`` when a design has uncertain
    inputs. ``between(what)`` is called before each section and each run of the analysis
    with what comes next; it may raise to stop the report there (the window's Cancel)."""
    if not designs:
        raise ValueError("a report needs at least one design")
    step = between or (lambda what: None)
    sensitivity = sensitivity_of(designs, step)
    first = designs[0].analysis.preset.scenario.name
    title = first if len(designs) == 1 else f"{first} and {len(designs) - 1} more"
    contents = ""
    if len(designs) > 1:
        links = "".join(
            f'<li><a href="#design-{i + 1}">{_e(d.analysis.preset.scenario.name)}</a>'
            + (f" <span class=muted>({_e(d.name)})</span>" if d.name else "")
            + "</li>"
            for i, d in enumerate(designs)
        )
        step("side by side")
        contents = _comparison(designs) + f"<ul>{links}</ul>"
    body = contents
    for i, d in enumerate(designs):
        if d.analysis.preset.scenes:
            step(f"scenes of design {i + 1}")
        steps = design_scenes(d.analysis) if d.scenes is None else d.scenes
        step(f"design {i + 1}")
        body += _design_section(d, i, steps)
    body += _sensitivity(sensitivity) if sensitivity is not None else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}: what the design is worth</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{_e(title)}: what the design is worth</h1>"
        "<p class=muted>Value added is measured against the same world with the feature "
        "off; the total includes the harm that happens anyway. Made with the prototyper.</p>"
        f"{body}</body></html>\n"
    )
