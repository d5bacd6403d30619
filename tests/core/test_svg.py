"""The SVG writer of the report's plots: well-formed, escaped, finite."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from prototyper.core.svg import Chart, nice_ticks

NS = "{http://www.w3.org/2000/svg}"


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.svg())


def test_nice_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0.0, 10.0) == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert nice_ticks(-3e6, 1.2e7) == [0.0, 5e6, 1e7]
    assert nice_ticks(-0.35, 0.65) == [-0.2, 0.0, 0.2, 0.4, 0.6]
    assert nice_ticks(5.0, 5.0) == [5.0]
    assert nice_ticks(math.nan, 1.0) == []


def test_a_line_breaks_at_missing_points_and_stays_in_the_plot_area():
    chart = Chart(200, 100, (0.0, 4.0), (0.0, 1.0))
    chart.line([0, 1, 2, 3, 4], [0.1, 0.5, math.nan, 0.2, 9.0], "#ff0000")
    root = parse(chart)
    clip = root.find(f"{NS}svg")  # the data's viewport, which clips it
    assert clip is not None
    lines = clip.findall(f"{NS}polyline")
    assert len(lines) == 2  # broken at the NaN
    for line in lines:
        for point in line.get("points", "").split():
            x, y = (float(v) for v in point.split(","))
            assert math.isfinite(x) and math.isfinite(y)
            assert -10 <= y <= 110  # 9.0 is far above the range: held just outside it


def test_text_is_escaped():
    chart = Chart(200, 100, (0.0, 1.0), (0.0, 1.0), title='<script>alert("t")</script>')
    chart.text(0.5, 0.5, "</svg><script>x</script>")
    chart.bar(0.1, 0.2, 0.0, 0.5, "#00ff00", tip="<b>&")
    text = chart.svg()
    assert "<script" not in text
    root = ET.fromstring(text)
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert '<script>alert("t")</script>' in texts
    assert "</svg><script>x</script>" in texts
    assert [t.text for t in root.iter(f"{NS}title")] == ["<b>&"]


def test_a_colour_cannot_break_out_of_its_attribute():
    chart = Chart(200, 100, (0.0, 1.0), (0.0, 1.0))
    chart.line([0, 1], [0, 1], '"/><script>x</script>')
    assert "<script" not in chart.svg()
    ET.fromstring(chart.svg())


def test_an_empty_range_is_refused():
    with pytest.raises(ValueError, match="empty range"):
        Chart(200, 100, (1.0, 1.0), (0.0, 1.0))
