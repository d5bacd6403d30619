"""The HTML report: self-contained, escaped, and saying what the engine says."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from prototyper import assets
from prototyper.core.evaluation.analysis import analyse
from prototyper.core.evaluation.html_report import CSP, Design, build_report, sensitivity_of
from prototyper.core.evaluation.report import summary
from prototyper.core.format import money
from prototyper.core.preset.preset_io import load_preset, loads_preset

from .small_preset import SMALL

HOSTILE = "<script>alert('x')</script>"


def report_of(*presets, names=()):
    names = list(names) + [""] * (len(presets) - len(names))
    return build_report([Design(analyse(p), n) for p, n in zip(presets, names, strict=True)])


def figures(html: str) -> list[ET.Element]:
    """Each plot, parsed as XML: a malformed or unescaped SVG fails here."""
    return [ET.fromstring(f) for f in re.findall(r"<figure>(.*?)</figure>", html, re.S)]


def test_the_report_fetches_nothing():
    html = report_of(load_preset(assets.preset_path("safe_browsing")))
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    lower = html.lower()
    for loader in ("<script", "<link", "<img", "<iframe", "src=", "@import", "url("):
        assert loader not in lower
    # The one address is the SVG namespace, which names and never loads.
    assert set(re.findall(r"https?://[^\"' <]+", html)) == {"http://www.w3.org/2000/svg"}


def test_the_lead_is_value_added_against_the_feature_off():
    preset = load_preset(assets.preset_path("safe_browsing"))
    a = analyse(preset)
    doc = summary(a.evaluation, a.scores)
    html = report_of(preset)
    added = doc["value_added"]
    lead = html.index("Value added against the feature off")
    assert html.index(money(added["per_population_day"])) > lead
    for key in ("value_of_correct", "cost_of_wrong", "total_value_incl_harm_anyway"):
        assert money(added[key]["per_population_day"]) in html
    assert html.index("value of correct") < html.index("total incl. harm that happens anyway")
    # safe browsing gives the business no payoff: not modelled, never $0
    assert re.search(r"to the business</td>.*?not modelled", html, re.S)
    assert "-$" in html  # the operator's loss keeps its minus sign
    for layer in ("system", "organization", "user", "model", "leading indicators"):
        assert f"<td>{layer}</td>" in html


def test_the_design_sources_assumptions_and_notes_are_in_it():
    preset = load_preset(assets.preset_path("safe_browsing"))
    html = report_of(preset)
    for band in preset.experience.bands:
        assert f"<b>{band.mode}</b>" in html
    assert "forcefulness" in html and "daily cap" in html and "over the cap" in html
    for key in list(preset.sources)[:3] + list(preset.assumptions)[:3]:
        assert f"<code>{key}</code>" in html
    assert "WHAT TO TRY" in preset.notes and "WHAT TO TRY" in html


def test_the_three_plots_are_inline_svg_with_their_marks():
    html = report_of(load_preset(assets.preset_path("safe_browsing")))
    plots = figures(html)
    assert len(plots) == 4  # and the tornado of its uncertain inputs
    plots = plots[:3]
    ns = "{http://www.w3.org/2000/svg}"
    texts = [[t.text for t in svg.iter(f"{ns}text")] for svg in plots]
    value_curve, split, scores = texts
    assert "feature off" in value_curve
    assert {"prompt 0.05", "automate 0.95"} <= set(value_curve)
    assert "feature off" in split and "■ value of correct" in split
    colours = {r.get("fill") for r in plots[1].iter(f"{ns}rect")}
    assert {"#2e9b45", "#d1382f"} <= colours  # green value, red cost
    assert {"none", "prompt", "automate", "positives", "negatives"} <= set(scores)


def test_every_preset_string_is_escaped():
    hostile = (
        SMALL.replace("name: Small", f'name: "{HOSTILE}"')
        + f'notes: "{HOSTILE} <img src=x onerror=alert(1)>"\n'
        + f'sources:\n  model.auc: "{HOSTILE}"\n'
        + f'assumptions:\n  scenario.users: "</td></table>{HOSTILE}"\n'
    )
    preset = loads_preset(hostile)
    html = report_of(preset, preset, names=[f"{HOSTILE}.yaml"])
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert len(figures(html)) == 7  # still well-formed: three plots each, and the tornado
    section = html[html.index('<section id="sensitivity">') :]
    # The compared file's name and the first design's scenario name, in the PSA's tables
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</td>" in section


def test_the_same_design_gives_the_same_bytes():
    preset = loads_preset(SMALL)
    assert report_of(preset) == report_of(preset)


def test_compared_designs_side_by_side_with_the_difference_from_the_first():
    small = loads_preset(SMALL)
    quiet = loads_preset(
        SMALL.replace("threshold: 0.2, mode: prompt", "threshold: 0.4, mode: prompt")
    )
    html = report_of(small, quiet, names=["a.yaml", "b.yaml"])
    side = html[html.index("Side by side") : html.index('id="design-1"')]
    first, second = (analyse(p).evaluation.added_per_population_day for p in (small, quiet))
    diff = second - first
    assert money(first) in side and money(second) in side
    assert ("+" if diff > 0 else "") + money(diff) in side
    assert "a.yaml" in side and "b.yaml" in side
    assert html.count("<section class=") == 2  # one a design


def test_a_preset_without_uncertain_inputs_has_no_sensitivity_section():
    preset = load_preset(assets.preset_path("predictive_policing"))
    design = Design(analyse(preset))
    assert sensitivity_of([design]) is None
    html = build_report([design])
    assert "Which assumptions matter" not in html and 'id="sensitivity"' not in html
    assert len(figures(html)) == 3


def test_the_tornado_shows_each_input_with_its_minus_signs():
    preset = load_preset(assets.preset_path("fall_detection"))
    html = report_of(preset, names=["fall_detection.yaml"])
    ns = "{http://www.w3.org/2000/svg}"
    tornado = figures(html)[3]
    texts = [t.text for t in tornado.iter(f"{ns}text")]
    report = sensitivity_of([Design(analyse(preset), "fall_detection.yaml")])
    assert report is not None
    assert texts[0] == "Value added a day as each assumption moves"
    for bar in report.tornado.bars:
        assert bar.label in texts
    assert any(t.startswith("-$") for t in texts)  # a loss keeps its minus sign
    assert "feature off" in texts
    # two bars an input, each with its value a day in its tip
    tips = [
        r.find(f"{ns}title").text
        for r in tornado.iter(f"{ns}rect")
        if r.find(f"{ns}title") is not None
    ]
    assert len(tips) == 2 * len(report.tornado.bars)
