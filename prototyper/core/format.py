"""Every number formatter: money, shares and rates, scores, counts and durations, as the
report, the command line and the window print them. Pure functions of their arguments: no
locale, no Qt.
"""

from __future__ import annotations

import math


def money(x: float, currency: str = "USD") -> str:
    sign = "-" if x < 0 else ""
    x = abs(x)
    symbol = "$" if currency == "USD" else ""
    suffix = "" if symbol else f" {currency}"
    for cut, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if x >= cut:
            return f"{sign}{symbol}{x / cut:.3g}{unit}{suffix}"
    if x >= 1 or x == 0:
        return f"{sign}{symbol}{x:,.2f}{suffix}"
    return f"{sign}{symbol}{x:.3g}{suffix}"


def money_short(x: float, currency: str = "USD") -> str:
    """:func:`money` without a trailing ".00": "$12", "$0.37", "$1.2M"."""
    text = money(x, currency)
    return text[:-3] if text.endswith(".00") else text


def percent(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if 0 < abs(x) < 0.001:
        return f"{x * 100:.2g}%"
    return f"{x * 100:.1f}%"


def rate_phrase(per_day: float, what: str = "") -> str:
    """'3.2 warnings per user-day' or '1 warning per user every 9 days'."""
    noun = f" {what}" if what else ""
    if not math.isfinite(per_day) or per_day <= 0:
        return f"no{noun or ' events'}"
    if per_day >= 1:
        plural = "s" if what and f"{per_day:.3g}" != "1" else ""
        return f"{per_day:.3g}{noun}{plural} per user per day"
    every = 1 / per_day
    if every < 60:
        return f"1{noun} per user every {every:.2g} days"
    if every < 730:
        return f"1{noun} per user every {every / 30.4:.2g} months"
    return f"1{noun} per user every {every / 365:.3g} years"


def how_often(rate: float | None, noun: str, per: str = "day") -> tuple[str, str]:
    """A rate per user as a big figure and its caption: ('3.2 a day', 'interruptions per
    user'), ('every 9 days', '1 interruption per user'), ('never', 'interruptions').

    ``per`` names the unit of the rate given ("day" or "year")."""
    plural = noun + "s"
    if rate is None or not math.isfinite(rate) or rate <= 0:
        return "never", plural
    if rate >= 1:
        big = f"{rate:.2g} a {per}" if rate < 10 else f"{rate:,.0f} a {per}"
        return big, f"{plural} per user"
    every = (1.0 if per == "day" else 365.0) / rate  # days between two
    if every < 60:
        big = f"every {_count(every)} days"
    elif every < 730:
        big = f"every {_count(every / 30.4)} months"
    else:
        big = f"every {_count(every / 365)} years"
    return big, f"1 {noun} per user"


def _count(x: float) -> str:
    """Two significant digits, without exponents: 9.2, 13, 3,500."""
    return f"{x:.2g}" if x < 100 else f"{float(f'{x:.2g}'):,.0f}"


def duration(minutes: float | None) -> str:
    if minutes is None or not math.isfinite(minutes) or minutes <= 0:
        return "none"
    if minutes < 1:
        return f"{minutes * 60:.2g} s"
    if minutes < 60:
        return f"{minutes:.2g} min"
    return f"{minutes / 60:.2g} h"


def share(p: float | None) -> str:
    """A rate as '1 in 11,000' below 1%, a percentage above."""
    if p is None or not math.isfinite(p):
        return "n/a"
    if p <= 0:
        return "none"
    if p >= 0.01:
        return percent(p)
    n = float(f"{1 / p:.2g}")
    for cut, unit in ((1e9, "B"), (1e6, "M")):
        if n >= cut:
            return f"1 in {n / cut:g}{unit}"
    return f"1 in {n:,.0f}"


def auc_text(auc: float | None) -> str:
    """Enough digits to tell 0.9998 from 1: 0.75, 0.935, 0.99979."""
    if auc is None or not math.isfinite(auc):
        return "n/a"
    decimals = max(2, math.ceil(-math.log10(max(1 - auc, 1e-9)) - 1e-9) + 1)
    return f"{auc:.{decimals}f}"


def format_number(value: float) -> str:
    """Compact, exact enough to read: '100,000,000', '0.05', '1e-05', '-7,400'."""
    if value == 0:
        return "0"
    return f"{value:,.10g}"


def format_probability(p: float) -> str:
    """A score as people read it: 0.05, 0.002, 0.951, 0.9999, 1e-6."""
    if not math.isfinite(p):
        return "–"
    if p <= 0 or p >= 1:
        return f"{p:g}"
    if p < 1e-4:
        return f"{p:.2g}".replace("e-0", "e-")
    if p <= 0.5:
        return f"{p:.3g}"
    digits = math.ceil(-math.log10(1 - p) - 1e-9) + 2
    return f"{p:.{digits}f}".rstrip("0").rstrip(".")


def one_in(p: float) -> str:
    """A rate as '1 in 10,000' (or a percentage above 5%)."""
    if not p > 0:
        return "none"
    if p >= 0.05:
        return f"{p * 100:.3g}%"
    n = 1 / p
    n = float(f"{n:.2g}")
    return f"1 in {n:,.0f}"


def summary_value(x: float, unit: str, currency: str) -> str:
    """A simulation summary's figure in its unit: money, a share, a count or a plain number."""
    if not math.isfinite(x):
        return "n/a"
    if unit == "money":
        return money(x, currency)
    if unit == "share":
        return f"{x * 100:.1f}%"
    if unit in ("events", "labels"):
        return f"{x:,.0f}"
    return f"{x:.4g}"
