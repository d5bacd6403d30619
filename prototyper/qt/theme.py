"""Colours and fonts shared by every view, so a colour means the same thing everywhere."""

from __future__ import annotations

from PySide6.QtGui import QColor

# One colour per mode of interaction, in every plot, band shading and legend.
MODE_COLORS = {
    "automate": "#6a3d9a",
    "prompt": "#e6820e",
    "organize": "#1b9e77",
    "annotate": "#3a7dc9",
    "none": "#9e9e9e",
}
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
