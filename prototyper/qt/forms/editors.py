"""The other editors (choices, text, files, check boxes, notes) and :func:`make_editor`, which
picks a field's editor from its type and metadata."""

from __future__ import annotations

import os
import types
import typing
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)
from superqt.utils import signals_blocked

from ...core.preset.schema import MODES
from ..theme import mode_color
from .metadata import SCALES, TEXT_HEIGHTS, is_unit_interval, optional_type
from .numbers import QtCountBox, QtNumberBox, QtOptionalCount, QtScaleSlider, QtSlider, guard_wheel


def color_icon(color: str, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


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
        self.setPlaceholderText(f"{md.get('empty', 'none')} (comma-separated)")

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
    ``widget="recorded"``                   -> None (the app writes it)
    """
    base, optional = optional_type(tp)
    widget = widget or md.get("widget", "")
    if widget == "recorded":  # written by the app (a measured AUC), never edited by hand
        return None
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
