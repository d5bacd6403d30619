"""Getting results out of the window: the HTML report (the same bytes as the command line's),
each plot to PNG or SVG from its right-click menu, the dashboard to the clipboard."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QImage
from PySide6.QtWidgets import QApplication, QMenu

from prototyper import assets, cli
from prototyper.qt.plots import export
from prototyper.qt.plots.time_panels import PANELS, TimePanel


def plots_of(window, qtbot):
    """Today's four plots, then an over-time panel (the window makes them with the first
    result)."""
    today = [window.score_plot, window.value_plot, window.outcome_plot.plot, window.roc_plot]
    panel = TimePanel(PANELS[0], PANELS[0].unit)
    qtbot.addWidget(panel)
    panel.show()
    return today, panel  # the caller keeps the panel alive


def colours(image: QImage) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 5) for y in range(0, image.height(), 5)}
    )


@pytest.mark.parametrize(
    ("preset", "sensitivity"),
    [("safe_browsing", True), ("fall_detection", True), ("predictive_policing", False)],
)
def test_the_windows_report_is_the_command_lines(make_window, tmp_path, preset, sensitivity):
    path = tmp_path / "mine.yaml"
    shutil.copy(assets.preset_path(preset), path)
    window = make_window(path)
    ours = tmp_path / "window.html"
    window.chosen.append(ours)
    assert window.export_report() == ours
    theirs = tmp_path / "cli.html"
    assert cli.main(["report", str(path), "-o", str(theirs)]) == 0
    assert ours.read_bytes() == theirs.read_bytes()
    assert b"Value added against the feature off" in ours.read_bytes()
    # The sensitivity analysis comes with the uncertain inputs, and only with them.
    assert (b"<h2>Which assumptions matter</h2>" in ours.read_bytes()) == sensitivity


def test_a_report_that_cannot_be_written_is_told(make_window, tmp_path):
    window = make_window()
    target = tmp_path / "no" / "such" / "report.html"
    window.chosen.append(target)
    assert window.export_report() is None
    assert len(window.told) == 1 and window.told[0].startswith(f"{target}: ")


def test_every_plot_exports_to_png_and_svg(make_window, tmp_path, qtbot):
    window = make_window()
    window.show()
    today, panel = plots_of(window, qtbot)
    plots = [*today, panel.plot_widget]
    assert len(plots) >= 5
    for plot in plots:  # each one's right-click opens the export menu
        assert plot.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    for i, plot in enumerate(plots):
        png = export.export_png(plot, tmp_path / f"{i}.png")
        image = QImage(str(png))
        assert not image.isNull() and image.width() > plot.width()  # twice the screen size
        if i < 4:  # an over-time panel is empty before a simulation
            assert colours(image) > 3
        svg = export.export_svg(plot, tmp_path / f"{i}.svg")
        root = ET.parse(svg).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert len(list(root.iter())) > 10


def test_right_click_opens_the_export_menu_and_it_exports(
    make_window, tmp_path, monkeypatch, qtbot
):
    window = make_window()
    window.show()
    shown: list[QMenu] = []
    monkeypatch.setattr(export, "popup", lambda menu, at: shown.append(menu))
    plot = window.value_plot
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(50, 50), QPoint(50, 50))
    QApplication.sendEvent(plot.viewport(), event)
    assert len(shown) == 1
    actions = {a.text(): a for a in shown[0].actions()}
    assert set(actions) == {"Export as PNG…", "Export as SVG…", "Copy as Image"}

    target = tmp_path / "chosen"  # no suffix: the format's is added
    monkeypatch.setattr(export, "choose_file", lambda parent, title, start, filters: target)
    actions["Export as SVG…"].trigger()
    assert ET.parse(tmp_path / "chosen.svg").getroot().tag.endswith("svg")
    actions["Export as PNG…"].trigger()
    assert not QImage(str(tmp_path / "chosen.png")).isNull()
    QApplication.clipboard().clear()
    actions["Copy as Image"].trigger()
    assert not QApplication.clipboard().image().isNull()


def test_a_plot_that_cannot_be_written_is_told(make_window, tmp_path, monkeypatch):
    window = make_window()
    told = []
    monkeypatch.setattr(export, "choose_file", lambda *a: tmp_path / "no" / "such" / "x.png")
    monkeypatch.setattr(export, "tell", lambda parent, title, text: told.append(text))
    menu = export.export_menu(window.roc_plot)
    next(a for a in menu.actions() if a.text() == "Export as PNG…").trigger()
    assert len(told) == 1 and "x.png: " in told[0]


def test_copy_dashboard_puts_an_image_on_the_clipboard(make_window):
    window = make_window()
    window.show()
    QApplication.clipboard().clear()
    window.copy_dashboard()
    image = QApplication.clipboard().image()
    assert not image.isNull()
    ratio = image.devicePixelRatio()
    assert (image.width() / ratio, image.height() / ratio) == pytest.approx(
        (window.centralWidget().width(), window.centralWidget().height())
    )
    assert colours(image) > 20


def test_the_report_draws_in_the_windows_colours():
    from prototyper.core.evaluation import html_report
    from prototyper.qt import theme

    assert html_report.MODE_COLORS == theme.COLORS
    for name in ("POSITIVE_COLOR", "NEGATIVE_COLOR", "VALUE_COLOR", "COST_COLOR", "BEST_COLOR"):
        assert getattr(html_report, name) == getattr(theme, name)


def hold_report_at(monkeypatch, stop_here):
    """The report's sections and runs, as build_report announces them, noted in ``calls``;
    the first for which ``stop_here(what)`` is true waits until Cancel is pressed (``release``)
    with ``entered`` set, and is not passed on when ``stop_here`` says "swallow". ``ended``
    says whether the report was cancelled or finished."""
    import threading

    from prototyper.core.evaluation import html_report
    from prototyper.qt import report_export

    entered, release = threading.Event(), threading.Event()
    calls: list[str] = []
    ended: list[str] = []

    def counting(designs, between):
        def hook(what):
            calls.append(what)
            stop = not entered.is_set() and stop_here(what)
            if stop:
                entered.set()
                release.wait(10)
            if stop != "swallow":
                between(what)

        try:
            html = html_report.build_report(designs, between=hook)
        except report_export.ReportCancelled:
            ended.append("cancelled")
            raise
        ended.append("finished")
        return html

    monkeypatch.setattr(report_export, "build_report", counting)
    return entered, release, calls, ended


def test_cancel_stops_the_report_at_its_next_section_and_writes_nothing(
    make_window, tmp_path, monkeypatch, qtbot, cancel_when_entered
):
    """The window stays live while the report is worked out; Cancel stops the work at the
    next of its sections or sensitivity runs (build_report's ``between`` hook), not after
    the whole analysis, and nothing is written."""
    # the first section runs until Cancel has been pressed
    entered, release, calls, ended = hold_report_at(monkeypatch, lambda what: True)
    window = make_window()  # safe browsing: uncertain inputs, so many runs
    target = tmp_path / "report.html"
    window.chosen.append(target)

    cancel_when_entered(window, entered, release)
    assert window.export_report() is None
    qtbot.waitUntil(lambda: bool(ended), timeout=10_000)
    assert ended == ["cancelled"]
    assert calls == ["tornado"]  # stopped at the first check after Cancel
    assert not target.exists() and list(tmp_path.glob("*report.html*")) == []


def test_cancel_stops_the_report_within_a_designs_psa(
    make_window, tmp_path, monkeypatch, qtbot, cancel_when_entered
):
    """Cancel pressed while one design's PSA runs stops it at its next block of draws (the
    worker's hook reaches the PSA), not after all of its draws, and nothing is written."""
    # Cancel is pressed while the first block of draws is worked out
    entered, release, calls, ended = hold_report_at(
        monkeypatch, lambda what: "swallow" if what.startswith("PSA of ") else False
    )
    window = make_window()  # safe browsing: uncertain inputs, 10,000 draws a design
    target = tmp_path / "report.html"
    window.chosen.append(target)

    cancel_when_entered(window, entered, release)
    assert window.export_report() is None
    qtbot.waitUntil(lambda: bool(ended), timeout=10_000)
    assert ended == ["cancelled"]
    blocks = [c for c in calls if c.startswith("PSA of ")]
    # stopped at the design's second block of draws, not after all ten
    assert blocks == calls[-2:] and blocks[1].endswith(", draws from 1001"), calls
    assert not target.exists() and list(tmp_path.glob("*report.html*")) == []


def test_the_report_announces_each_section_and_run(make_window):
    """What Cancel relies on: the hook is asked before the sensitivity runs and each
    design's section (safe browsing has uncertain inputs)."""
    from prototyper.core.evaluation.html_report import Design, build_report

    window = make_window()
    calls: list[str] = []
    html = build_report([Design(window.document.analysis)], between=calls.append)
    assert html == build_report([Design(window.document.analysis)])
    assert calls[0] == "tornado" and "design 1" in calls
    assert any(c.startswith("break-even of ") for c in calls)
    assert any(c.startswith("PSA of ") for c in calls)
    assert any(", draws from 1001" in c for c in calls)  # and each block of its draws


def test_the_windows_report_shows_a_real_models_scenes_as_the_command_line(
    make_window, tmp_path, qtbot
):
    """A real model whose scene changes the base rate: the window recalibrates it for the
    Scenes section as `prototyper report` and `prototyper scenes` do (the same bytes)."""
    path = assets.preset_path("fall_detection_model")
    window = make_window(path)
    qtbot.waitUntil(lambda: not window.model_loader.busy, timeout=30_000)
    ours = tmp_path / "window.html"
    window.chosen.append(ours)
    assert window.export_report() == ours
    theirs = tmp_path / "cli.html"
    assert cli.main(["report", str(path), "-o", str(theirs)]) == 0
    assert b"<h3>Scenes</h3>" in ours.read_bytes()
    assert ours.read_bytes() == theirs.read_bytes()
