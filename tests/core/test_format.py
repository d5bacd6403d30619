"""The number formatters, one module for the report, the command line and the window."""

from __future__ import annotations

import math

import pytest

from prototyper.core.format import format_number, money, money_short, summary_value


@pytest.mark.parametrize(
    ("x", "currency", "text"),
    [
        (0.0, "USD", "$0.00"),
        (12.0, "USD", "$12.00"),
        (-1234.0, "USD", "-$1.23k"),
        (2.5e6, "EUR", "2.5M EUR"),
        (0.0371, "USD", "$0.0371"),
    ],
)
def test_money(x, currency, text):
    assert money(x, currency) == text


@pytest.mark.parametrize(
    ("x", "text"), [(12.0, "$12"), (12.5, "$12.50"), (0.0, "$0"), (3.4e6, "$3.4M")]
)
def test_money_short_drops_only_a_trailing_zero_cents(x, text):
    assert money_short(x) == text


@pytest.mark.parametrize(
    ("x", "unit", "text"),
    [
        (1234.5, "money", "$1.23k"),
        (0.4567, "share", "45.7%"),
        (12345.6, "events", "12,346"),
        (7.0, "labels", "7"),
        (0.123456, "auc", "0.1235"),
        (math.nan, "money", "n/a"),
    ],
)
def test_summary_value_in_its_unit(x, unit, text):
    assert summary_value(x, unit, "USD") == text


def test_format_number():
    assert [format_number(v) for v in (0.0, 1e8, 0.05, 1e-05, -7400.0)] == [
        "0",
        "100,000,000",
        "0.05",
        "1e-05",
        "-7,400",
    ]
