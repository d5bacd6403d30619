"""Editors laid out: a labelled group of fields, and a list of items with add and remove."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.preset.structure import join
from .editors import QtTextArea, QtTextLine, shows_unit
from .metadata import _html
from .numbers import QtNumberBox

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
