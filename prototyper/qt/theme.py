"""Colours and fonts shared by every view, so a colour means the same thing everywhere."""

from __future__ import annotations

from PySide6.QtGui import QColor

from ..core.preset import modes

# The colour keys of the table of modes (core/preset/modes.py), so a mode has one colour in every
# plot, band shading and legend.
COLORS = {
    "violet": "#6a3d9a",
    "orange": "#e6820e",
    "green": "#1b9e77",
    "blue": "#3a7dc9",
    "grey": "#9e9e9e",
}
FALLBACK_COLOR = COLORS["grey"]  # an unknown colour key or mode still draws


def mode_color(mode: str, unknown: str = FALLBACK_COLOR) -> str:
    """The colour of a mode, by its row's colour key; ``unknown`` for a name that is not a
    mode."""
    try:
        key = modes.get(mode).color
    except KeyError:
        return unknown
    return COLORS.get(key, FALLBACK_COLOR)


POSITIVE_COLOR = "#c2185b"  # events where acting helps
NEGATIVE_COLOR = "#546e7a"  # events where it does not
VALUE_COLOR = "#2e9b45"  # money or time gained
COST_COLOR = "#d1382f"  # money or time lost
CURRENT_COLOR = "#212121"  # the current design
BEST_COLOR = "#2e9b45"  # the best alternative found


def qcolor(hex_color: str, alpha: int = 255) -> QColor:
    color = QColor(hex_color)
    color.setAlpha(alpha)
    return color


def on_white(hex_color: str, alpha: int) -> QColor:
    """The opaque colour ``hex_color`` at ``alpha`` shows over the plots' white background:
    the same pixels for a fill at the back of a plot, filled without blending (a
    translucent fill of the whole plot area cost about a millisecond a frame)."""
    color, a = QColor(hex_color), alpha / 255
    return QColor(*(round(255 + (c - 255) * a) for c in color.getRgb()[:3]))
