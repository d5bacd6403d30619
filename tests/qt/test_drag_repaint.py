"""What the drag path keeps between frames (the cards' images, the labels' places, the
outcome legend's height, plot curves kept as images) never shows anything stale: after a
drag, the window draws what a window opened on the final design draws."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QFont, QImage

from prototyper import assets
from prototyper.qt.goals import Figure, GoalCard
from prototyper.qt.plots import export

PRESET = assets.preset_path("safe_browsing")
FORCEFULNESS = "experience.modes.prompt.forcefulness"


def shown(window, app) -> None:
    window.resize(1400, 900)
    window.show()
    app.processEvents()


def drag(window, app, values) -> None:
    """The forcefulness slider dragged through ``values`` (the mouse down), then released;
    each step painted, as on screen."""
    slider = window.design_panel.control(FORCEFULNESS)
    slider.setSliderDown(True)
    for value in values:
        slider.setValue(value)
        window.design_panel.commit_pending()  # what the next frame's timer would do
        app.processEvents()
    slider.setSliderDown(False)
    app.processEvents()


def same_image(a: QImage, b: QImage) -> bool:
    return a.size() == b.size() and a.convertToFormat(b.format()) == b


def label_rects(plot) -> dict[str, tuple]:
    """Each visible label of a plot: its text and where it is drawn (scene pixels)."""
    from prototyper.qt.plots.common import label_rect, labels_in

    out = {}
    for item in labels_in(plot):
        if item.isVisible() and item.textItem.toPlainText():
            r = label_rect(item)
            out[item.textItem.toPlainText()] = tuple(round(v, 3) for v in r.getRect())
    return out


@pytest.fixture
def windows(make_window, qapp):
    """A window dragged to a new forcefulness and one opened on the design it ends on."""
    dragged = make_window(PRESET)
    shown(dragged, qapp)
    drag(dragged, qapp, [0.2 + 0.04 * step for step in range(12)])
    fresh = make_window(PRESET)
    fresh.document.set_value(FORCEFULNESS, dragged.document.value(FORCEFULNESS))
    shown(fresh, qapp)
    assert fresh.document.preset == dragged.document.preset
    return dragged, fresh


def test_every_card_draws_the_figures_it_holds_after_a_drag(windows, qapp):
    dragged, _ = windows
    assert dragged.goals.figures != {}
    for key, card in dragged.goals.cards.items():
        card.repaint()  # from the image kept of it, if still valid
        again = GoalCard(card.title, card.columns)
        again.set_max_columns(card.max_columns)
        again.show_figures(card.figures)
        again.show_note(card.note)
        again.resize(card.size())
        assert same_image(card.grab().toImage(), again.grab().toImage()), key


def test_a_card_whose_numbers_change_draws_what_a_fresh_card_draws(qtbot):
    """A drag changes a card's numbers, not their captions or places: the card redraws the
    numbers alone, in the image kept of it; the result is the fresh card's, pixel for
    pixel (a longer or shorter number, another colour, one that needs a smaller font, a
    caption naming another threshold)."""
    captions = ["value added per day", "value of correct", "cost of wrong", "interruptions"]
    card = GoalCard("SYSTEM", 2)
    qtbot.addWidget(card)
    card.resize(420, 150)
    first = zip(["$1", "$22", "-$3", "4"], captions, strict=True)
    card.show_figures([Figure(t, c) for t, c in first])
    card.show()
    qtbot.waitExposed(card)
    moved = [*captions[:3], "interruptions at score ≥ 0.42"]  # a caption naming a threshold
    for texts, color, shown in (
        (["$1.2M", "$22", "-$3", "4"], "#2e7d32", captions),
        (["$9", "$220,000,000,000,000", "-$3.5k", "4"], "#c62828", captions),
        (["$1", "$22", "-$3", "5 a day"], "#303030", moved),
        (["$1", "$22", "-$3", "5 a day"], "#303030", [*moved[:3], "interruptions at ≥ 0.4"]),
    ):
        card.repaint()  # the image of the figures before
        figures = [Figure(t, c, color) for t, c in zip(texts, shown, strict=True)]
        card.show_figures(figures)
        card.repaint()
        fresh = GoalCard("SYSTEM", 2)
        qtbot.addWidget(fresh)
        fresh.show_figures(figures)
        fresh.resize(card.size())
        assert same_image(card.grab().toImage(), fresh.grab().toImage()), texts


def test_a_card_draws_a_change_of_currency_at_once(windows, qapp):
    dragged, _ = windows
    card = dragged.goals.cards["system"]
    before = card.grab().toImage()
    dragged.document.set_value("payoffs.currency", "EUR")
    qapp.processEvents()
    after = card.grab().toImage()
    assert not same_image(before, after)
    assert "€" in card.text() or "EUR" in card.text()


def test_labels_after_a_drag_sit_where_a_fresh_window_places_them(windows, qapp):
    dragged, fresh = windows
    for name in ("score_plot", "roc_plot"):  # ranges that depend on the model alone
        a, b = getattr(dragged, name), getattr(fresh, name)
        assert a.size() == b.size()
        assert label_rects(a) == label_rects(b), name


def test_the_outcome_legend_is_as_tall_as_its_text_after_every_change(make_window, qapp):
    window = make_window(PRESET)
    shown(window, qapp)
    outcome = window.outcome_plot
    height = window.height()
    for width in (1400, 900):  # a narrow plot wraps the legend over more lines
        window.resize(width, height)
        qapp.processEvents()
        drag(window, qapp, [0.3, 0.55, 0.8])
        legend = outcome.legend
        assert "value of correct" in legend.text()
        assert legend.height() >= legend.heightForWidth(legend.width())
        assert legend.width() > 0
    # A new font (what lecture mode's bold type does): the legend's box, and the plot under
    # it, follow. The legend's text sets its own size, so a larger point size would change
    # nothing; wider letters do: the same text on more lines.
    window.resize(1400, height)  # wide enough for the legend to wrap less than it can
    for _ in range(3):
        qapp.processEvents()
    legend, box = outcome.legend, outcome._legend_box
    before, plot_top = box.height(), outcome.plot.y()
    assert before == legend.heightForWidth(box.width())
    normal = QFont(legend.font())
    font = QFont(normal)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 250)
    legend.setFont(font)
    for _ in range(3):
        qapp.processEvents()
    needed = legend.heightForWidth(box.width())
    assert needed > before  # the text does need more lines now
    assert box.height() == legend.height() == needed  # and the layout gave them
    assert outcome.plot.y() >= plot_top + (needed - before)  # the plot moved down for them
    legend.setFont(normal)  # and back
    for _ in range(3):
        qapp.processEvents()
    assert box.height() == legend.height() == before
    assert outcome.plot.y() == plot_top


def test_a_plot_kept_as_an_image_exports_as_vectors(windows, tmp_path):
    dragged, _ = windows
    svg = export.svg_bytes(dragged.score_plot).decode("utf-8")
    assert "<image" not in svg  # no curve went into the file as pixels
    assert len(re.findall(r"<path", svg)) >= 4  # the two densities and their fills


@pytest.fixture
def rough():
    """Whether the placer is told a drag's frame is being drawn (see Document.drafting)."""
    return [False]


@pytest.fixture
def two_labels(qtbot, rough):
    """A plot with two labels and a placer for them."""
    import pyqtgraph as pg

    from prototyper.qt.plots.common import LabelPlacer

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    plot = widget.getPlotItem()
    plot.setXRange(0, 10, padding=0)
    plot.setYRange(0, 10, padding=0)
    a, b = pg.TextItem("first", anchor=(0, 0)), pg.TextItem("second", anchor=(0, 0))
    for item in (a, b):
        plot.addItem(item, ignoreBounds=True)
    a.setPos(1, 8)
    b.setPos(5, 3)
    placer = LabelPlacer(widget, lambda: [a, b], rough=lambda: rough[0])
    qtbot.waitExposed(widget)
    placer.place()
    return placer, a, b


def apart(a, b) -> bool:
    from prototyper.qt.plots.common import label_rect

    return not label_rect(a).intersects(label_rect(b))


def test_the_placer_moves_a_label_put_onto_another(two_labels):
    placer, a, b = two_labels
    assert apart(a, b)
    b.setPos(1.1, 8)  # the plot puts it onto the first
    assert not apart(a, b)
    placer.place()
    assert apart(a, b)


def test_while_rough_a_placed_label_keeps_its_offset_and_is_placed_after(two_labels, rough):
    from PySide6.QtCore import QPointF

    placer, a, b = two_labels
    b.setPos(1.1, 8)  # onto the first
    placer.place()
    offset = b.pos() - QPointF(1.1, 8)
    assert apart(a, b) and offset != QPointF(0, 0)
    rough[0] = True  # a drag's frame: the plot moves both labels, the placer places nothing
    a.setPos(3, 8)
    b.setPos(3.1, 8)
    placer.place()
    assert b.pos() == QPointF(3.1, 8) + offset  # the offset it had, not placed anew
    rough[0] = False
    placer.place()
    assert apart(a, b)


def test_the_placer_moves_a_label_that_grew_onto_another(two_labels):
    from prototyper.qt.plots.common import label_rect

    placer, a, b = two_labels
    right = label_rect(a).right()
    b.setPos(float(a.getViewBox().mapSceneToView(label_rect(a).topRight()).x()) + 0.2, 8)
    placer.place()
    assert apart(a, b) and label_rect(b).left() > right  # beside it: no move needed
    a.setText("first, and now much longer than the room beside it")
    assert not apart(a, b)
    placer.place()
    assert apart(a, b)
