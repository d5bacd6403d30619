"""The goals dashboard: plain-unit figures per layer, following the document."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QFont

from prototyper import assets
from prototyper.core.evaluation.report import summary
from prototyper.core.format import auc_text, duration, how_often, money, money_short, share
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
    old = money(document.analysis.evaluation.added_per_population_day, "USD")
    assert old in dashboard.text()
    document.set_value(TOP, 0.3)
    new = money(document.analysis.evaluation.added_per_population_day, "USD")
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
    assert system[0].color == VALUE_COLOR  # value added
    assert system[1].color == VALUE_COLOR  # value of correct
    assert system[2].color == COST_COLOR  # cost of wrong
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


@pytest.mark.parametrize("path", assets.bundled_presets(), ids=lambda p: p.stem)
def test_value_added_leads_the_system_card_and_nothing_unmodelled_shows_zero(qtbot, path):
    document = Document(load_preset(path))
    view = QtGoalsDashboard(document)
    qtbot.addWidget(view)
    doc = summary(document.analysis.evaluation, document.analysis.scores)
    system = view.cards["system"].figures
    cur = doc["scenario"]["currency"]
    added = doc["layers"]["system"]["value_added_per_day"]
    total = doc["layers"]["system"]["total_value_incl_harm_anyway_per_day"]
    # The first figure is value added, never the total with the harm that happens anyway,
    # and the System card comes first: it is the first number anyone reads.
    assert next(iter(view.cards)) == "system"
    assert view.text().splitlines()[1] == f"  {money_short(added, cur)} — value added per day"
    assert system[0].text == money_short(added, cur)
    assert "added" in system[0].caption and "total" not in system[0].caption
    assert [f.caption for f in system[1:]] == [
        "value of correct",
        "cost of wrong",
        "total incl. harm anyway",
    ]
    assert system[3].text == money_short(total, cur)
    correct = doc["layers"]["system"]["value_of_correct_per_day"]
    assert system[1].text == money_short(correct, cur)
    # A stakeholder the preset gives no payoff reads "not modelled", never $0.
    org = view.cards["organization"].figures
    for who, name in (("business", "the business"), ("operator", "operators")):
        shown = [f for f in org if name in f.caption]
        assert len(shown) == 1
        if doc["layers"]["organization"][who]["modelled"]:
            assert "not modelled" not in shown[0].caption
        else:
            assert shown[0].caption == f"{name}: not modelled"
            assert "$" not in shown[0].text
    assert not any(f.text in ("$0", "$0.00") for f in org)
    # A real model's evaluation set puts a 95% range of value added on the card.
    interval = doc["value_added"]["interval_95"]
    note = view.cards["system"].note
    if interval is None:
        assert note == ""
    else:
        ends = interval["value_added_per_population_day"]
        assert note == f"95%: {money_short(ends['low'], cur)} to {money_short(ends['high'], cur)}"
        assert ends["low"] <= added <= ends["high"]
        assert note in view.text()
