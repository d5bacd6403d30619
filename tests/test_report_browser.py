"""The HTML report in a real browser (headless Chromium): it asks for nothing over the
network, logs no error, and draws something. The check itself is shown to see a request."""

from __future__ import annotations

import pytest

from prototyper import cli

from .browser import chromium, visit

pytestmark = pytest.mark.skipif(
    chromium() is None, reason="no chromium binary (CI installs the chromium package)"
)


def colours(png: bytes) -> int:
    """Distinct pixel values in a PNG, decoded by Qt."""
    QtGui = pytest.importorskip("PySide6.QtGui")
    image = QtGui.QImage()
    assert image.loadFromData(png, "PNG")
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    data = bytes(image.constBits())[: image.sizeInBytes()]
    return len({data[i : i + 4] for i in range(0, len(data), 4 * 7)})  # every 7th pixel


def test_the_report_opens_offline_without_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    page = tmp_path / "report.html"
    assert (
        cli.main(["report", "safe_browsing", "--compare", "fall_detection", "-o", str(page)]) == 0
    )
    seen = visit(page, tmp_path / "profile")
    assert seen.requests == []
    assert seen.errors == []
    assert colours(seen.screenshot) > 20  # text in black and grey, green, red, the plots


@pytest.mark.parametrize("policy", [True, False], ids=["blocked by the policy", "no policy"])
def test_the_check_sees_a_request(tmp_path, monkeypatch, policy):
    monkeypatch.setenv("HOME", str(tmp_path))
    head = (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        if policy
        else ""
    )
    page = tmp_path / "page.html"
    page.write_text(
        f"<!DOCTYPE html><html><head>{head}</head><body><p>hi</p>"
        '<img src="http://example.invalid/x.png"></body></html>'
    )
    seen = visit(page, tmp_path / "profile")
    assert seen.requests == ["http://example.invalid/x.png"]
    assert seen.errors  # a policy violation, or a name that does not resolve
