"""The number editors, spin boxes and sliders, and the guards that keep the mouse wheel and a
slider drag from editing by accident."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QWidget,
)
from superqt import QDoubleSlider, QLabeledDoubleSlider
from superqt.utils import signals_blocked

from ...core.format import format_number
from .metadata import (
    _NUMBER,
    _PARTIAL_NUMBER,
    INT_LIMIT,
    Scale,
    bounds,
    from_log_odds,
    in_range,
    log_odds,
    tidy_probability,
)


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
