"""The goals dashboard: plain-unit figures per layer, following the document."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QFont

from prototyper import assets
from prototyper.core.evaluation.report import summary
from prototyper.core.format import auc_text, duration, how_often, money, share
from prototyper.core.preset.preset_io import load_preset
from prototyper.qt.document import Document
from prototyper.qt.goals import (
    FIGURES_PER_CARD,
    LAYERS,
    QtGoalsDashboard,
)
from prototyper.qt.theme import COST_COLOR, VALUE_COLOR

TOP = "experience.bands[0].threshold"


@pytest.fixture
def dashboard(qtbot, document) -> QtGoalsDashboard:
    view = QtGoalsDashboard(document)
    qtbot.addWidget(view)
    view.resize(1200, 160)
    view.show()
    qtbot.waitExposed(view)
    return view


def has_color(image, color: str) -> bool:
    target = QColor(color).rgb()
    return any(
        image.pixel(x, y) == target for y in range(image.height()) for x in range(image.width())
    )


# --- plain units -------------------------------------------------------------------------


def test_how_often_in_plain_words():
    assert how_often(1 / 9, "warning") == ("every 9 days", "1 warning per user")
    assert how_often(3.2, "interruption") == ("3.2 a day", "interruptions per user")
    assert how_often(1 / 180, "false alarm") == ("every 5.9 months", "1 false alarm per user")
    assert how_often(1 / 3500, "harm avoided", per="year") == (
        "every 3,500 years",
        "1 harm avoided per user",
    )
    assert how_often(0.0, "interruption")[0] == "never"


def test_other_units():
    assert duration(0.5) == "30 s"
    assert duration(12) == "12 min"
    assert duration(90) == "1.5 h"
    assert share(1 / 11000) == "1 in 11,000"
    assert share(0.238) == "23.8%"
    assert share(2e-7) == "1 in 5M"
    assert auc_text(0.99979) == "0.99979"
    assert auc_text(0.75) == "0.75"
    assert auc_text(0.9346) == "0.935"


# --- model -> view -----------------------------------------------------------------------


def test_one_card_per_layer_with_its_figures(dashboard):
    assert [card.title for card in dashboard.cards.values()] == [
        title.upper() for _, title, *_ in LAYERS
    ]
    for key, card in dashboard.cards.items():
        assert 1 <= len(card.figures) <= FIGURES_PER_CARD, key
        assert card.figures == dashboard.figures[key]
    for key in ("organization", "system", "user", "model"):
        assert 2 <= len(dashboard.figures[key]) <= 4, key


def test_dashboard_follows_the_document(dashboard, document):
    old = money(document.analysis.evaluation.net_per_population_day, "USD")
    assert old in dashboard.text()
    document.set_value(TOP, 0.3)
    new = money(document.analysis.evaluation.net_per_population_day, "USD")
    assert new != old
    assert new in dashboard.text() and old not in dashboard.text()
    assert new in dashboard.cards["system"].toolTip()
    document.undo_stack.undo()
    assert old in dashboard.text()


def test_figures_are_in_plain_units(dashboard, document):
    doc = summary(document.analysis.evaluation)
    text = dashboard.text()
    # safe browsing: a prompt every ~6 months, 1 in ~11,000 clean pages flagged
    per_day = doc["layers"]["user"]["interruptions_per_user_day"]
    assert how_often(per_day, "interruption")[0] in text
    assert "every 6.2 months" in text
    assert "1 in 11,000" in text
    assert "0.99979" in text
    assert "%" in text and "$" in text
    assert "e-0" not in text and "e+0" not in text  # no scientific notation


def test_value_and_cost_colours(dashboard, document):
    system = dashboard.cards["system"].figures
    e = document.analysis.evaluation
    assert e.net_per_population_day < 0 < e.added_per_population_day
    assert system[0].color == COST_COLOR
    assert system[1].color == VALUE_COLOR
    image = dashboard.grab().toImage()
    assert has_color(image, COST_COLOR) and has_color(image, VALUE_COLOR)


def test_cards_follow_the_font(dashboard):
    card = dashboard.cards["user"]
    small = card.fonts().big.pointSizeF()
    font = QFont(dashboard.font())
    font.setPointSizeF(font.pointSizeF() * 1.5)
    dashboard.setFont(font)
    assert card.fonts().big.pointSizeF() == pytest.approx(1.5 * small)


def test_nothing_overflows(dashboard):
    assert dashboard.overflowing() == {}
    dashboard.resize(500, 100)  # far too small: the check must notice
    assert dashboard.overflowing()


@pytest.mark.parametrize("path", assets.bundled_presets(), ids=lambda p: p.stem)
def test_every_bundled_preset_fits_the_dashboard(qtbot, tmp_path, path):
    view = QtGoalsDashboard(Document(load_preset(path)))
    qtbot.addWidget(view)
    view.resize(1200, 160)
    view.show()
    image = view.grab().toImage()
    assert not image.isNull()
    image.save(str(tmp_path / f"goals_{path.stem}.png"))
    assert view.overflowing() == {}
    assert view.sizeHint().height() <= 160
