"""A small SVG writer for the report's plots: a chart with linear axes, lines, rectangles,
markers and text, written as one ``<svg>`` element to inline in HTML.

Every piece of text is escaped here, so a name from a preset cannot open a tag. Coordinates
are data units; NaN and infinite points break a line instead of reaching the file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from html import escape

FONT = "font-family:sans-serif"


def _n(v: float) -> str:
    """A coordinate in pixels, short: two decimals at most."""
    return f"{v:.2f}".rstrip("0").rstrip(".") or "0"


def nice_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(count - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    k = first
    while k * step <= hi + 1e-9 * step:
        ticks.append(float(f"{k * step:.12g}"))  # 0.6, not 3 * 0.2 = 0.6000000000000001
        k += 1
    return ticks


class Chart:
    """A plot area of ``width`` x ``height`` pixels with data ranges ``x`` and ``y``."""

    def __init__(
        self,
        width: int,
        height: int,
        x: tuple[float, float],
        y: tuple[float, float],
        *,
        title: str = "",
        margin: tuple[int, int, int, int] = (34, 20, 46, 86),  # top, right, bottom, left
    ) -> None:
        if not (x[1] > x[0] and y[1] > y[0]):
            raise ValueError(f"empty range: x {x}, y {y}")
        self.width, self.height = width, height
        self.x, self.y = x, y
        self.top, self.right, self.bottom, self.left = margin
        self._items: list[str] = []  # text, over the data and outside the plot area
        self._data: list[str] = []  # lines, areas, bars and markers, clipped to the plot area
        self._title = title
        self._axes: list[str] = []

    # -- coordinates

    def px(self, x: float) -> float:
        span = self.width - self.left - self.right
        return self.left + (x - self.x[0]) / (self.x[1] - self.x[0]) * span

    def py(self, y: float) -> float:
        span = self.height - self.top - self.bottom
        return self.height - self.bottom - (y - self.y[0]) / (self.y[1] - self.y[0]) * span

    def _clip_y(self, y: float) -> float:
        """A value kept a little beyond the plot area, so a steep curve leaves it cleanly."""
        lo, hi = self.y
        pad = (hi - lo) * 0.05
        return min(max(y, lo - pad), hi + pad)

    # -- items

    def line(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        color: str,
        width: float = 2.0,
        dash: str = "",
        fill_to: float | None = None,
        opacity: float = 1.0,
    ) -> None:
        """A polyline through the finite points, broken at the others; ``fill_to`` fills the
        area between it and that y."""
        runs: list[list[tuple[float, float]]] = [[]]
        for xv, yv in zip(xs, ys, strict=True):
            if math.isfinite(xv) and math.isfinite(yv):
                runs[-1].append((self.px(xv), self.py(self._clip_y(yv))))
            elif runs[-1]:
                runs.append([])
        for run in runs:
            if len(run) < 2:
                continue
            points = " ".join(f"{_n(a)},{_n(b)}" for a, b in run)
            if fill_to is not None:
                base = _n(self.py(self._clip_y(fill_to)))
                area = f"{_n(run[0][0])},{base} {points} {_n(run[-1][0])},{base}"
                self._data.append(
                    f'<polygon points="{area}" fill="{escape(color)}" '
                    f'fill-opacity="{opacity * 0.25:.2f}" stroke="none"/>'
                )
            extra = f' stroke-dasharray="{escape(dash)}"' if dash else ""
            self._data.append(
                f'<polyline points="{points}" fill="none" stroke="{escape(color)}" '
                f'stroke-width="{_n(width)}" stroke-opacity="{opacity:.2f}"{extra}/>'
            )

    def hline(self, y: float, color: str, label: str = "", dash: str = "") -> None:
        if not math.isfinite(y) or not self.y[0] <= y <= self.y[1]:
            return
        yy = _n(self.py(y))
        extra = f' stroke-dasharray="{escape(dash)}"' if dash else ""
        self._items.append(
            f'<line x1="{_n(self.left)}" y1="{yy}" x2="{_n(self.width - self.right)}" '
            f'y2="{yy}" stroke="{escape(color)}" stroke-width="1"{extra}/>'
        )
        if label:
            self.text(self.x[0], y, label, color, anchor="start", dx=4, dy=-4)

    def vline(self, x: float, color: str, label: str = "", width: float = 1.5) -> None:
        if not math.isfinite(x) or not self.x[0] <= x <= self.x[1]:
            return
        xx = _n(self.px(x))
        self._items.append(
            f'<line x1="{xx}" y1="{_n(self.top)}" x2="{xx}" y2="{_n(self.height - self.bottom)}" '
            f'stroke="{escape(color)}" stroke-width="{_n(width)}" stroke-dasharray="5 3"/>'
        )
        if label:
            self._items.append(
                f'<text x="{xx}" y="{_n(self.top - 4)}" text-anchor="middle" font-size="11" '
                f'fill="{escape(color)}" style="{FONT}">{escape(label)}</text>'
            )

    def band(self, x0: float, x1: float, color: str, label: str = "") -> None:
        """A shaded vertical band over the whole height, labelled at its top."""
        x0, x1 = max(x0, self.x[0]), min(x1, self.x[1])
        if not x1 > x0:
            return
        a, b = self.px(x0), self.px(x1)
        self._data.append(
            f'<rect x="{_n(a)}" y="{_n(self.top)}" width="{_n(b - a)}" '
            f'height="{_n(self.height - self.top - self.bottom)}" fill="{escape(color)}" '
            f'fill-opacity="0.13"/>'
        )
        if label and b - a > 40:
            self._items.append(
                f'<text x="{_n((a + b) / 2)}" y="{_n(self.top + 14)}" text-anchor="middle" '
                f'font-size="12" fill="{escape(color)}" style="{FONT}">{escape(label)}</text>'
            )

    def bar(self, x0: float, x1: float, y0: float, y1: float, color: str, tip: str = "") -> None:
        """A rectangle in data units (y0 to y1, either order); ``tip`` shows on hover."""
        if not all(math.isfinite(v) for v in (x0, x1, y0, y1)):
            return
        a, b = self.px(x0), self.px(x1)
        top, bottom = sorted((self.py(self._clip_y(y0)), self.py(self._clip_y(y1))))
        title = f"<title>{escape(tip)}</title>" if tip else ""
        self._data.append(
            f'<rect x="{_n(a)}" y="{_n(top)}" width="{_n(b - a)}" '
            f'height="{_n(max(bottom - top, 0.5))}" fill="{escape(color)}">{title}</rect>'
        )

    def marker(self, x: float, y: float, color: str, tip: str = "", size: float = 5.0) -> None:
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        title = f"<title>{escape(tip)}</title>" if tip else ""
        self._data.append(
            f'<circle cx="{_n(self.px(x))}" cy="{_n(self.py(self._clip_y(y)))}" r="{_n(size)}" '
            f'fill="{escape(color)}" stroke="#212121" stroke-width="1">{title}</circle>'
        )

    def text(
        self,
        x: float,
        y: float,
        text: str,
        color: str = "#212121",
        anchor: str = "middle",
        dx: float = 0.0,
        dy: float = 0.0,
        size: int = 12,
    ) -> None:
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        self._items.append(
            f'<text x="{_n(self.px(x) + dx)}" y="{_n(self.py(self._clip_y(y)) + dy)}" '
            f'text-anchor="{escape(anchor)}" font-size="{size}" fill="{escape(color)}" '
            f'style="{FONT}">{escape(text)}</text>'
        )

    def axes(
        self,
        x_ticks: Iterable[float],
        y_ticks: Iterable[float],
        x_label: Callable[[float], str],
        y_label: Callable[[float], str],
        x_title: str = "",
        y_title: str = "",
    ) -> None:
        """The frame, grid lines and tick labels, and the axis titles."""
        left, right = self.left, self.width - self.right
        top, bottom = self.top, self.height - self.bottom
        out = [
            f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
            f'fill="none" stroke="#9e9e9e"/>'
        ]
        for t in x_ticks:
            if self.x[0] <= t <= self.x[1]:
                xx = _n(self.px(t))
                out.append(
                    f'<line x1="{xx}" y1="{top}" x2="{xx}" y2="{bottom}" stroke="#eeeeee"/>'
                    f'<text x="{xx}" y="{bottom + 16}" text-anchor="middle" font-size="11" '
                    f'fill="#424242" style="{FONT}">{escape(x_label(t))}</text>'
                )
        for t in y_ticks:
            if self.y[0] <= t <= self.y[1]:
                yy = _n(self.py(t))
                out.append(
                    f'<line x1="{left}" y1="{yy}" x2="{right}" y2="{yy}" stroke="#eeeeee"/>'
                    f'<text x="{left - 6}" y="{yy}" dy="4" text-anchor="end" font-size="11" '
                    f'fill="#424242" style="{FONT}">{escape(y_label(t))}</text>'
                )
        if x_title:
            out.append(
                f'<text x="{_n((left + right) / 2)}" y="{self.height - 8}" text-anchor="middle" '
                f'font-size="12" fill="#424242" style="{FONT}">{escape(x_title)}</text>'
            )
        if y_title:
            cy = _n((top + bottom) / 2)
            out.append(
                f'<text x="14" y="{cy}" transform="rotate(-90 14 {cy})" text-anchor="middle" '
                f'font-size="12" fill="#424242" style="{FONT}">{escape(y_title)}</text>'
            )
        self._axes = out  # under the data

    def svg(self, label: str = "") -> str:
        """The chart as one ``<svg>`` element; ``label`` names it for screen readers."""
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" '
            f'height="{self.height}" viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="{escape(label or self._title)}">'
        )
        title = ""
        if self._title:
            title = (
                f'<text x="{self.left}" y="16" font-size="14" font-weight="bold" '
                f'fill="#212121" style="{FONT}">{escape(self._title)}</text>'
            )
        # A nested viewport clips the data to the plot area; its viewBox keeps the coordinates.
        w = self.width - self.left - self.right
        h = self.height - self.top - self.bottom
        data = (
            f'<svg x="{self.left}" y="{self.top}" width="{w}" height="{h}" '
            f'viewBox="{self.left} {self.top} {w} {h}">{"".join(self._data)}</svg>'
        )
        axes, texts = "".join(self._axes), "".join(self._items)
        page = '<rect width="100%" height="100%" fill="#ffffff"/>'
        return f"{head}{page}{title}{axes}{data}{texts}</svg>"
