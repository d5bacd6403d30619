"""Editors built from the schema's field metadata, so that a new field needs no new widget code.

One editor shows one leaf field of the preset, named by its dotted path. Every editor has

- ``path``: the dotted field path it shows;
- ``set_value(value)``: show a value from the model, with the editor's signals blocked;
- ``edited(path, value)``: a finished user change (a typed value, a click, a key press);

and the sliders also ``dragged(path, value)`` while the mouse moves the handle and
``dragFinished(path)`` when it lets go. Editors never write to the model themselves: the panel
that owns them turns these signals into document edits.

Which editor a field gets follows its type and metadata (see :func:`make_editor`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QFontMetrics, QIcon, QPixmap, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt import QDoubleSlider, QLabeledDoubleSlider
from superqt.utils import signals_blocked

from ..core.format import format_number
from ..core.model.scores import auc_of
from ..core.model.scores import separation as binormal_separation
from ..core.preset.schema import MODES
from ..core.preset.structure import hints, join
from .theme import mode_color

INT_LIMIT = 2**31 - 1  # what a QSpinBox can hold
FLOAT_LIMIT = 1e12  # finite fallback bound for floats without one in the metadata
TEXT_HEIGHTS = {"notes": 220}  # taller text boxes for some fields, by field name
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_PARTIAL_NUMBER = re.compile(r"^[-+]?\d*\.?\d*([eE][-+]?\d*)?$")


# --- metadata helpers ---------------------------------------------------------------------


def optional_type(tp: Any) -> tuple[Any, bool]:
    """``int | None`` -> (int, True); ``int`` -> (int, False)."""
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        args = typing.get_args(tp)
        options = [a for a in args if a is not type(None)]
        return options[0], len(options) < len(args)
    return tp, False


def item_type(tp: Any) -> Any | None:
    """The item dataclass of a ``tuple[Item, ...]`` field, else None."""
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if args and dataclasses.is_dataclass(args[0]):
            return args[0]
    return None


def bounds(md: dict, fallback: float = FLOAT_LIMIT) -> tuple[float, float]:
    """The closed range of valid values: exclusive bounds nudged inwards, finite fallbacks."""
    lo, hi = md.get("minimum"), md.get("maximum")
    if lo is None:
        xlo = md.get("exclusive_minimum")
        lo = -fallback if xlo is None else xlo + 1e-12 * max(1.0, abs(xlo))
    if hi is None:
        xhi = md.get("exclusive_maximum")
        hi = fallback if xhi is None else xhi - 1e-12 * max(1.0, abs(xhi))
    return float(lo), float(hi)


def in_range(value: float, md: dict) -> bool:
    lo, hi = md.get("minimum"), md.get("maximum")
    xlo, xhi = md.get("exclusive_minimum"), md.get("exclusive_maximum")
    return (
        (lo is None or value >= lo)
        and (hi is None or value <= hi)
        and (xlo is None or value > xlo)
        and (xhi is None or value < xhi)
    )


def is_unit_interval(md: dict) -> bool:
    """True for a number whose valid range lies within [0, 1]."""
    lo = md.get("minimum", md.get("exclusive_minimum"))
    hi = md.get("maximum", md.get("exclusive_maximum"))
    return lo is not None and hi is not None and lo >= 0 and hi <= 1


def label_text(md: dict, name: str, with_unit: bool = True) -> str:
    title = md.get("title") or name.replace("_", " ").capitalize()
    unit = md.get("unit")
    return f"{title} ({unit})" if unit and with_unit else title


def _html(text: str) -> str:
    """Text for a rich-text tooltip; '&' is kept as typed unless it starts an entity."""
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")


def tooltip(md: dict, path: str, citation: str = "") -> str:
    """Description, then the source or assumption, then the dotted path (rich text wraps)."""
    parts = [f"<b>{_html(md.get('title', ''))}</b>"] if md.get("title") else []
    if md.get("description"):
        parts.append(_html(md["description"]))
    if citation:
        parts.append(f"<i>{_html(citation)}</i>")
    parts.append(f"<span style='color:#777'>{_html(path)}</span>")
    return "<p>" + "</p><p>".join(parts) + "</p>"


def generic_path(path: str) -> str:
    """'experience.bands[2].threshold' -> 'experience.bands[].threshold'."""
    return re.sub(r"\[\d+\]", "[]", path)


def default_item(cls: type, index: int = 0) -> Any:
    """A new item of a list (a payoff, a region): defaults, the first enum option, 0 within
    range, and a numbered name for a ``name`` field so that names stay distinct."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            continue
        md, (tp, _) = dict(f.metadata), optional_type(hints(cls)[f.name])
        if md.get("enum"):
            kwargs[f.name] = md["enum"][0]
        elif tp is bool:
            kwargs[f.name] = False
        elif tp in (int, float):
            lo, hi = bounds(md)
            kwargs[f.name] = tp(min(max(0, lo), hi))
        elif dataclasses.is_dataclass(tp):
            kwargs[f.name] = default_item(tp)
        elif typing.get_origin(tp) is tuple:
            kwargs[f.name] = ()
        elif tp is str and f.name == "name":
            kwargs[f.name] = f"{md.get('title') or cls.__name__} {index + 1}"
        else:
            kwargs[f.name] = tp()
    return cls(**kwargs)


def union_options(tp: Any) -> list[type]:
    """The dataclasses of a tagged union field (``SyntheticModel | SklearnModel | ...``)."""
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(options) > 1 and all(dataclasses.is_dataclass(a) for a in options):
            return options
    return []


def union_tag(cls: type) -> tuple[str, str]:
    """(tag field name, tag value) of a union option: its first field and that's default."""
    first = dataclasses.fields(cls)[0]
    return first.name, first.default


def tidy_probability(p: float) -> float:
    """Three significant digits of the smaller of p and 1 - p: 0.0512, 0.995, 0.00021."""
    if p > 0.5:
        return 1.0 - float(f"{1.0 - p:.3g}")
    return float(f"{p:.3g}")


def log_odds(p: float) -> float:
    p = min(max(p, 1e-15), 1 - 1e-15)
    return math.log10(p / (1.0 - p))


def from_log_odds(x: float) -> float:
    return 1.0 / (1.0 + 10.0 ** (-x))


def separation(auc: float) -> float:
    """The binormal model's d' for an AUC (scores.separation), finite at AUC 0 and 1 so that
    any typed value has a slider position."""
    return binormal_separation(min(max(auc, 1e-15), 1 - 1e-15))


@dataclass(frozen=True)
class Scale:
    """How a slider maps a value: its position is ``forward(value)``; it covers
    [low, high] (typing in the box beside it reaches any valid value)."""

    forward: Callable[[float], float]
    inverse: Callable[[float], float]
    low: float
    high: float


SCALES = {
    # probabilities over orders of magnitude, on log odds: 1e-6, 1e-5 ... equally spaced near
    # 0 (where log odds is log), 0.9, 0.99, 0.999 near 1
    "log": Scale(log_odds, from_log_odds, 1e-6, 0.9999),
    # rates, which are rarely above one half: 1e-6 ... 0.5
    "rate": Scale(log_odds, from_log_odds, 1e-6, 0.5),
    # a binormal model's AUC, evenly in its separation d': 0.75, 0.9, 0.99, 0.999 all reachable
    "separation": Scale(separation, auc_of, 0.501, 0.99995),
}


def color_icon(color: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class WheelGuard(QObject):
    """Lets the mouse wheel scroll the panel instead of changing an unfocused control."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            event.ignore()
            return True  # ignored: the scroll area behind gets it
        return False


_WHEEL_GUARD: WheelGuard | None = None


def guard_wheel(widget: QWidget) -> None:
    global _WHEEL_GUARD
    if _WHEEL_GUARD is None:
        _WHEEL_GUARD = WheelGuard()
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(_WHEEL_GUARD)


class _DragTracker(QObject):
    """Knows whether the mouse holds a slider, from the press (before the first move).

    It signals rather than holding a callback: a Python reference from inside a widget
    tree back up to it makes a cycle that PySide can crash on when collecting it."""

    released = Signal()

    def __init__(self, slider: QWidget):
        super().__init__(slider)
        self.down = False
        slider.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            self.down = True
        elif kind == QEvent.Type.MouseButtonRelease and self.down:
            self.down = False
            self.released.emit()
        return False


# --- editors ------------------------------------------------------------------------------


class QtNumberBox(QDoubleSpinBox):
    """A number typed in any notation ('1e-4', '100,000'); steps scale with the value.

    The box keeps the exact value it was given, so a value with more digits than it shows
    is not changed by focusing and leaving the box."""

    edited = Signal(str, object)

    def __init__(
        self,
        path: str,
        md: dict,
        *,
        log_steps: bool = False,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.path = path
        self._md = md
        self._exact = 0.0
        self._log_steps = log_steps
        self.setDecimals(15)
        self.setRange(*bounds(md))
        self.setKeyboardTracking(False)  # commit on Enter, focus-out or a step
        self.setAccelerated(True)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        if md.get("unit"):
            self.setSuffix(f" {md['unit']}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        guard_wheel(self)
        self.valueChanged.connect(self._on_q_value_changed)

    def set_value(self, value: float) -> None:
        with signals_blocked(self):
            self._exact = float(value)
            self.setValue(value)

    def _on_q_value_changed(self, value: float) -> None:
        self._exact = value
        self.edited.emit(self.path, float(value))

    # QDoubleSpinBox overrides

    def textFromValue(self, value: float) -> str:
        if abs(value - self._exact) <= 1e-15 * max(1.0, abs(value)):
            value = self._exact
        return format_number(value)

    def valueFromText(self, text: str) -> float:
        text = self._strip(text)
        if text == format_number(self._exact):
            return self._exact
        try:
            return float(text)
        except ValueError:
            return self._exact

    def validate(self, text: str, pos: int) -> object:
        plain = self._strip(text)
        if _NUMBER.match(plain):
            value = float(plain)
            if self.minimum() <= value <= self.maximum():
                return QValidator.State.Acceptable, text, pos
            return QValidator.State.Intermediate, text, pos
        if _PARTIAL_NUMBER.match(plain):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos

    def fixup(self, text: str) -> str:
        return text

    def stepBy(self, steps: int) -> None:
        value = self.value()
        if self._log_steps and 0 < value < 1:
            value = tidy_probability(from_log_odds(log_odds(value) + 0.05 * steps))
        else:
            scale = 10 ** math.floor(math.log10(abs(value))) / 10 if value else 1.0
            value = float(f"{value + steps * scale:.12g}")
        self.setValue(min(max(value, self.minimum()), self.maximum()))

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        width = QFontMetrics(self.font()).horizontalAdvance("-100,000,000" + self.suffix())
        return QSize(width + 30, hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        width = QFontMetrics(self.font()).horizontalAdvance("-0.000" + self.suffix())
        return QSize(width + 20, hint.height())

    def _strip(self, text: str) -> str:
        suffix = self.suffix()
        if suffix and text.endswith(suffix):
            text = text[: -len(suffix)]
        return text.replace(",", "").strip()


class QtCountBox(QSpinBox):
    """A whole number, committed on Enter, focus-out or a step."""

    edited = Signal(str, object)

    def __init__(self, path: str, md: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        lo, hi = bounds(md, INT_LIMIT)
        self.setRange(int(max(math.ceil(lo), -INT_LIMIT)), int(min(math.floor(hi), INT_LIMIT)))
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        self.setGroupSeparatorShown(self.maximum() >= 100_000)
        if md.get("unit"):
            self.setSuffix(f" {md['unit']}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        guard_wheel(self)
        self.valueChanged.connect(self._on_q_value_changed)

    def set_value(self, value: int) -> None:
        with signals_blocked(self):
            self.setValue(int(value))

    def _on_q_value_changed(self, value: int) -> None:
        self.edited.emit(self.path, int(value))

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 90), hint.height())


class QtOptionalCount(QWidget):
    """A whole number or nothing (``int | None``): a check box turns the number on."""

    edited = Signal(str, object)

    def __init__(self, path: str, md: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        # "...; empty for no cap." -> "no cap" beside a check box "cap"
        m = re.search(r"empty for ([^.;]+)", md.get("description", ""), re.IGNORECASE)
        off = m.group(1).strip() if m else "none"
        word = off[3:] if off.startswith("no ") else ""
        self.check = QCheckBox(word)
        self.spin = QSpinBox()
        lo, hi = bounds(md, INT_LIMIT)
        self.spin.setRange(int(max(math.ceil(lo), 0)), int(min(math.floor(hi), INT_LIMIT)))
        self.spin.setValue(min(max(3, self.spin.minimum()), self.spin.maximum()))
        self.spin.setKeyboardTracking(False)
        self.spin.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        guard_wheel(self.spin)
        self.off = QLabel(off)
        self.off.setEnabled(False)
        self.off.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.spin.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.spin, 1)
        layout.addWidget(self.off, 1)
        self.setFocusProxy(self.check)

        self.check.toggled.connect(self._on_q_toggled)
        self.spin.valueChanged.connect(self._on_q_value_changed)

    def value(self) -> int | None:
        return self.spin.value() if self.check.isChecked() else None

    def set_value(self, value: int | None) -> None:
        with signals_blocked(self.check, self.spin):
            self.check.setChecked(value is not None)
            if value is not None:
                self.spin.setValue(int(value))
        self._show_state(value is not None)

    def _show_state(self, on: bool) -> None:
        self.spin.setVisible(on)
        self.off.setVisible(not on)

    def _on_q_toggled(self, checked: bool) -> None:
        self._show_state(checked)
        self.edited.emit(self.path, self.value())

    def _on_q_value_changed(self, value: int) -> None:
        if self.check.isChecked():
            self.edited.emit(self.path, int(value))


class QtSlider(QLabeledDoubleSlider):
    """A number in a small range (a probability, a forcefulness) with its value beside it."""

    edited = Signal(str, object)
    dragged = Signal(str, object)
    dragFinished = Signal(str)

    def __init__(self, path: str, md: dict, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.path = path
        self._md = md
        lo, hi = bounds(md)
        self.setRange(lo, hi)
        # a hundred steps or so over the range: 0.01 for [0, 1], 0.0001 for [0, 0.05]
        self._grid = max(2, math.ceil(-math.log10((hi - lo) / 100))) if hi > lo else 2
        self.setSingleStep(10.0**-self._grid)
        self.setPageStep((hi - lo) / 10)
        self.setDecimals(self._grid)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._slider.setMinimumWidth(60)
        guard_wheel(self._slider)
        self._mouse = _DragTracker(self._slider)
        self._dragging = False

        self.valueChanged.connect(self._on_q_value_changed)
        self.sliderReleased.connect(self._on_q_released)
        self._mouse.released.connect(self._on_q_released)

    def set_value(self, value: float) -> None:
        decimals = next(
            (d for d in range(self._grid, 9) if abs(round(value, d) - value) < 1e-12), 8
        )
        with signals_blocked(self, self._slider):
            if decimals > self.decimals():
                self.setDecimals(decimals)
            self._slider.setValue(value)
            self._label.setValue(value)

    def is_dragging(self) -> bool:
        return self._dragging and (self._mouse.down or self.isSliderDown())

    def _on_q_value_changed(self, value: float) -> None:
        if self._mouse.down or self.isSliderDown():
            self._dragging = True
            self.dragged.emit(self.path, self._tidy(value))
        else:
            self.edited.emit(self.path, round(value, 12))

    def _on_q_released(self) -> None:
        if self._dragging and not (self._mouse.down or self.isSliderDown()):
            self._dragging = False
            self.dragFinished.emit(self.path)

    def _tidy(self, value: float) -> float:
        """Drag values on the step grid (0.01 for [0, 1]), kept inside the valid range."""
        step = 10.0**-self._grid
        tidy = round(value, self._grid)
        if not in_range(tidy, self._md):
            tidy = round(tidy + (step if tidy < value else -step), self._grid)
        return tidy if in_range(tidy, self._md) else value


class QtScaleSlider(QWidget):
    """A number over orders of magnitude: a slider on a :class:`Scale` and a box to type in.

    On the log-odds scale 1e-6, 1e-5 ... are equally spaced near 0, and 0.9, 0.99, 0.999
    near 1; values while dragging keep three significant digits (of p or 1 - p)."""

    edited = Signal(str, object)
    dragged = Signal(str, object)
    dragFinished = Signal(str)

    def __init__(self, path: str, md: dict, scale: Scale, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        self.scale = scale
        self._md = md
        lo, hi = bounds(md)
        self.slider = QDoubleSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(scale.forward(max(lo, scale.low)), scale.forward(min(hi, scale.high)))
        span = self.slider.maximum() - self.slider.minimum()
        self.slider.setSingleStep(span / 200)
        self.slider.setPageStep(span / 20)
        self.slider.setMinimumWidth(60)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        guard_wheel(self.slider)
        self.box = QtNumberBox(path, md, log_steps=True)
        self.box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.box.setFrame(False)
        self.box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.box.setStyleSheet("background: transparent;")
        width = QFontMetrics(self.box.font()).horizontalAdvance("0.00000000")
        self.box.setFixedWidth(width + 8)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.box)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusProxy(self.box)
        self._mouse = _DragTracker(self.slider)
        self._dragging = False

        self.slider.valueChanged.connect(self._on_q_slider_changed)
        self.slider.sliderReleased.connect(self._on_q_released)
        self._mouse.released.connect(self._on_q_released)
        self.box.edited.connect(self._on_q_box_edited)

    def value(self) -> float:
        return self.box._exact

    def setValue(self, value: float) -> None:
        """Set as a user would by typing (emits ``edited``)."""
        self.box.setValue(value)

    def set_value(self, value: float) -> None:
        self.box.set_value(value)
        with signals_blocked(self.slider):
            self.slider.setValue(self.scale.forward(value))

    def is_dragging(self) -> bool:
        return self._dragging and (self._mouse.down or self.slider.isSliderDown())

    def _on_q_slider_changed(self, x: float) -> None:
        exact = self.scale.inverse(x)
        value = tidy_probability(exact)
        if x <= self.slider.minimum() and in_range(0.0, self._md):
            value = 0.0  # the left end means 0 where 0 is allowed ("0 for no limit")
        elif not in_range(value, self._md):
            value = exact
        self.box.set_value(value)
        if self._mouse.down or self.slider.isSliderDown():
            self._dragging = True
            self.dragged.emit(self.path, value)
        else:
            self.edited.emit(self.path, value)

    def _on_q_released(self) -> None:
        if self._dragging and not (self._mouse.down or self.slider.isSliderDown()):
            self._dragging = False
            self.dragFinished.emit(self.path)

    def _on_q_box_edited(self, path: str, value: float) -> None:
        with signals_blocked(self.slider):
            self.slider.setValue(self.scale.forward(value))
        self.edited.emit(self.path, value)


class QtChoiceBox(QComboBox):
    """One of the metadata's ``enum`` options; modes carry their colour."""

    edited = Signal(str, object)

    def __init__(self, path: str, md: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        for option in md.get("enum", ()):
            if option in MODES:
                self.addItem(color_icon(mode_color(option)), option)
            else:
                self.addItem(option)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(7)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        guard_wheel(self)
        self.currentIndexChanged.connect(self._on_q_index_changed)

    def set_value(self, value: str) -> None:
        with signals_blocked(self):
            index = self.findText(value)
            if index < 0:  # not an option (an old file?): show it anyway
                self.addItem(value)
                index = self.count() - 1
            self.setCurrentIndex(index)

    def set_options(self, options: typing.Sequence[str]) -> None:
        """Offer other options (keeps the current one selected, emits nothing)."""
        current = self.currentText()
        with signals_blocked(self):
            self.clear()
            for option in options:
                if option in MODES:
                    self.addItem(color_icon(mode_color(option)), option)
                else:
                    self.addItem(option)
            self.setCurrentIndex(max(self.findText(current), 0))

    def set_allowed(self, allowed: typing.Collection[str]) -> None:
        """Grey out options the model would refuse (e.g. a louder over-cap mode)."""
        model = self.model()
        for row in range(self.count()):
            item = model.item(row)
            if item is not None:
                item.setEnabled(self.itemText(row) in allowed)

    def _on_q_index_changed(self, index: int) -> None:
        if index >= 0:
            self.edited.emit(self.path, self.itemText(index))


class QtTextLine(QLineEdit):
    """A short text, committed on Enter or focus-out; for ``str | None`` empty means None."""

    edited = Signal(str, object)

    def __init__(self, path: str, md: dict, optional: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        self.optional = optional
        self._shown = ""
        self.setPlaceholderText("none" if optional else md.get("title", ""))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.editingFinished.connect(self.commit)

    def value(self) -> Any:
        return self.from_text(self.text())

    def set_value(self, value: Any) -> None:
        text = self.to_text(value)
        with signals_blocked(self):
            self._shown = text
            if self.text() != text:
                self.setText(text)
                self.setCursorPosition(0)

    def commit(self) -> None:
        if self.text() != self._shown:
            self._shown = self.text()
            self.edited.emit(self.path, self.value())

    def to_text(self, value: Any) -> str:
        return "" if value is None else str(value)

    def from_text(self, text: str) -> Any:
        return None if self.optional and not text.strip() else text


class QtTextList(QtTextLine):
    """A list of short texts (``tuple[str, ...]``), typed separated by commas."""

    def __init__(self, path: str, md: dict, parent: QWidget | None = None):
        super().__init__(path, md, parent=parent)
        self.setPlaceholderText("none (comma-separated)")

    def to_text(self, value: Any) -> str:
        return ", ".join(value)

    def from_text(self, text: str) -> Any:
        return [part.strip() for part in text.split(",") if part.strip()]


class QtFileField(QWidget):
    """A file name relative to the preset's folder, typed or chosen with a file dialog."""

    edited = Signal(str, object)

    def __init__(self, path: str, md: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        self.base_dir: Path | None = None  # the preset's folder, set by the owner
        self.line = QtTextLine(path, md)
        self.browse = QToolButton()
        self.browse.setText("…")
        self.browse.setToolTip("Choose a file")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.browse)
        self.setFocusProxy(self.line)

        self.line.edited.connect(self.edited)
        self.browse.clicked.connect(self._on_q_browse)

    def value(self) -> str:
        return self.line.text()

    def set_value(self, value: str) -> None:
        self.line.set_value(value)
        self.line.setCursorPosition(len(value))  # the file's name rather than its folders

    def commit(self) -> None:
        self.line.commit()

    def _on_q_browse(self) -> None:
        start = str(self.base_dir or Path.cwd())
        chosen, _ = QFileDialog.getOpenFileName(self, "Choose a file", start)
        if not chosen:
            return
        path = Path(chosen)
        if self.base_dir is not None:
            try:
                path = Path(os.path.relpath(path, self.base_dir))
            except ValueError:  # another drive
                pass
        self.line.setText(path.as_posix())
        self.line.commit()


class QtCheck(QCheckBox):
    """A yes/no field."""

    edited = Signal(str, object)

    def __init__(self, path: str, md: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        self.toggled.connect(self._on_q_toggled)

    def value(self) -> bool:
        return self.isChecked()

    def set_value(self, value: bool) -> None:
        with signals_blocked(self):
            self.setChecked(bool(value))

    def _on_q_toggled(self, checked: bool) -> None:
        self.edited.emit(self.path, checked)


class QtTextArea(QPlainTextEdit):
    """A longer text (notes, a description), committed when the box loses focus."""

    edited = Signal(str, object)

    def __init__(self, path: str, md: dict, height: int = 90, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        self._shown = ""
        self.setPlaceholderText(md.get("description", ""))
        self.setFixedHeight(height)
        self.setTabChangesFocus(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_value(self, value: str) -> None:
        self._shown = value
        if self.toPlainText() != value:
            with signals_blocked(self):
                self.setPlainText(value)

    def commit(self) -> None:
        text = self.toPlainText()
        if text != self._shown:
            self._shown = text
            self.edited.emit(self.path, text)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.commit()


class QtMappingView(QPlainTextEdit):
    """A read-only mapping of texts (sources, assumptions), one entry a paragraph."""

    def __init__(self, path: str, md: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        self.setReadOnly(True)
        self.setFixedHeight(140)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setPlaceholderText("none")

    def set_value(self, value: typing.Mapping[str, str]) -> None:
        text = "\n\n".join(f"{key}: {' '.join(str(v).split())}" for key, v in value.items())
        if self.toPlainText() != text:
            self.setPlainText(text)


def make_editor(path: str, md: dict, tp: Any, widget: str = "") -> QWidget | None:
    """The editor for one leaf field, chosen by its type and metadata.

    float, ``widget`` in :data:`SCALES`     -> :class:`QtScaleSlider` (log, rate, separation)
    float within [0, 1] or ``"slider"``     -> :class:`QtSlider`
    other float                             -> :class:`QtNumberBox` (unit as suffix)
    bool                                    -> :class:`QtCheck`
    int                                     -> :class:`QtCountBox`
    ``int | None``                          -> :class:`QtOptionalCount`
    str with ``enum``                       -> :class:`QtChoiceBox`
    str, ``widget="text"``                  -> :class:`QtTextArea`
    str, ``widget="file"``                  -> :class:`QtFileField`
    other str (``None`` when empty)         -> :class:`QtTextLine`
    tuple of str                            -> :class:`QtTextList` (comma-separated)
    mapping of texts                        -> :class:`QtMappingView` (read-only)
    """
    base, optional = optional_type(tp)
    widget = widget or md.get("widget", "")
    if base is bool:
        return QtCheck(path, md)
    if base is float:
        if widget in SCALES:
            return QtScaleSlider(path, md, SCALES[widget])
        if widget == "slider" or is_unit_interval(md):
            return QtSlider(path, md)
        return QtNumberBox(path, md)
    if base is int:
        return QtOptionalCount(path, md) if optional else QtCountBox(path, md)
    if base is str:
        if md.get("enum"):
            return QtChoiceBox(path, md)
        if widget == "text":
            name = path.rsplit(".", 1)[-1]
            return QtTextArea(path, md, TEXT_HEIGHTS.get(name, 90))
        if widget == "file":
            return QtFileField(path, md)
        return QtTextLine(path, md, optional)
    if typing.get_origin(base) is tuple and typing.get_args(base)[:1] == (str,):
        return QtTextList(path, md)
    if base is types.MappingProxyType:
        return QtMappingView(path, md)
    return None


def shows_unit(editor: QWidget) -> bool:
    return isinstance(editor, (QtNumberBox, QtCountBox))


# --- forms --------------------------------------------------------------------------------


LABEL_WIDTH = 128  # the label column, so that editors line up across groups
INDENT = 8  # per level of nesting


class QtFieldGroup(QWidget):
    """Labelled editors in a grid, optionally under a title; sub-groups are indented.

    ``offset`` is how far the group sits right of the panel's label column start, so that
    the editor columns of nested groups line up."""

    def __init__(self, title: str = "", color: str = "", offset: int = 0, parent=None):
        super().__init__(parent)
        self.offset = offset
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        self.header: QLabel | None = None
        if title:
            swatch = f"<span style='color:{color}'>&#9632;</span>&nbsp;" if color else ""
            self.header = QLabel(f"{swatch}<b>{_html(title)}</b>")
            self.header.setTextFormat(Qt.TextFormat.RichText)
            outer.addWidget(self.header)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(INDENT if title else 0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(3)
        self.grid.setColumnStretch(1, 1)
        self.label_width = LABEL_WIDTH - offset - (INDENT if title else 0)
        self.grid.setColumnMinimumWidth(0, self.label_width)
        outer.addLayout(self.grid)

    @property
    def inner_offset(self) -> int:
        """The offset of groups nested in this one."""
        return self.offset + (INDENT if self.header is not None else 0)

    def add_row(self, label: QLabel | None, editor: QWidget) -> None:
        row = self.grid.rowCount()
        if label is None:
            self.grid.addWidget(editor, row, 0, 1, 2)
        else:
            label.setFixedWidth(self.label_width)
            self.grid.addWidget(label, row, 0)
            self.grid.addWidget(editor, row, 1)

    def add_wide(self, widget: QWidget) -> None:
        self.grid.addWidget(widget, self.grid.rowCount(), 0, 1, 2)


def field_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return label


class QtItemRow(QFrame):
    """One item of a list (a payoff): text fields on the first line with a remove button,
    the other fields on the second."""

    removeRequested = Signal(int)

    def __init__(self, index: int, path: str, cls: type, factory: EditorFactory, parent=None):
        super().__init__(parent)
        self.index = index
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.editors: dict[str, QWidget] = {}
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setAutoRaise(True)
        self.remove.setToolTip("Remove this item")
        first, second = QHBoxLayout(), QHBoxLayout()
        for f in dataclasses.fields(cls):
            sub = join(path, f.name)
            editor = factory(sub)
            if editor is None:
                continue
            self.editors[sub] = editor
            md = dict(f.metadata)
            if isinstance(editor, (QtTextLine, QtTextArea)):
                first.addWidget(editor, 1)
            else:
                second.addWidget(editor, 2 if isinstance(editor, QtNumberBox) else 1)
                if not shows_unit(editor) and md.get("unit"):
                    second.addWidget(QLabel(md["unit"]))
        first.addWidget(self.remove)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 3, 4, 3)
        layout.setSpacing(2)
        if first.count() > 1:
            layout.addLayout(first)
        else:
            second.addWidget(self.remove)
        layout.addLayout(second)

        self.remove.clicked.connect(self._on_q_remove)

    def _on_q_remove(self) -> None:
        self.removeRequested.emit(self.index)


EditorFactory = Callable[[str], QWidget | None]


class QtItemList(QWidget):
    """A tuple of dataclass items (payoffs): a row per item, an Add button, a remove per row.

    The list does not change the model: it asks with ``addRequested`` / ``removeRequested``;
    :meth:`set_count` rebuilds the rows when the model's item count changes."""

    addRequested = Signal(str)
    removeRequested = Signal(str, int)

    def __init__(self, path: str, cls: type, md: dict, factory: EditorFactory, parent=None):
        super().__init__(parent)
        self.path, self.cls, self._factory = path, cls, factory
        self.rows: list[QWidget] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        header = QHBoxLayout()
        self.title = QLabel(f"<b>{_html(md.get('title', path))}</b>")
        self.add = QToolButton()
        self.add.setText("+ Add")
        self.add.setToolTip(f"Add an item to {md.get('title', path)}")
        header.addWidget(self.title, 1)
        header.addWidget(self.add)
        layout.addLayout(header)
        self.empty = QLabel("none")
        self.empty.setEnabled(False)
        layout.addWidget(self.empty)
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setSpacing(3)
        layout.addLayout(self._rows_layout)

        self.add.clicked.connect(self._on_q_add)

    def count(self) -> int:
        return len(self.rows)

    def editors(self) -> dict[str, QWidget]:
        out: dict[str, QWidget] = {}
        for row in self.rows:
            out.update(row.editors)
        return out

    def set_count(self, count: int) -> bool:
        """Add or drop rows at the end if the count changed; True if it did.

        Rows are by index, so the rows that stay keep their widgets (and the focus); the
        caller then shows the items' values in them."""
        if count == len(self.rows):
            return False
        for row in self.rows[count:]:
            self._rows_layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        del self.rows[count:]
        for index in range(len(self.rows), count):
            row = self.make_row(index)
            self.rows.append(row)
            self._rows_layout.addWidget(row)
            row.removeRequested.connect(self._on_q_remove)
        self.empty.setVisible(count == 0)
        return True

    def make_row(self, index: int) -> QWidget:
        return QtItemRow(index, f"{self.path}[{index}]", self.cls, self._factory)

    def _on_q_add(self) -> None:
        self.addRequested.emit(self.path)

    def _on_q_remove(self, index: int) -> None:
        self.removeRequested.emit(self.path, index)
