"""The design panel's widgets: a section that folds away, the box of a field that is one of
several kinds, and the list of presentation bands."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.preset.schema import Band
from ..theme import mode_color
from .groups import EditorFactory, QtItemList


class QtSection(QWidget):
    """A titled section that folds away; ``opened`` tells when it is unfolded."""

    opened = Signal(str)

    def __init__(self, title: str, expanded: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setText(title)
        self.toggle.setCheckable(True)
        self.toggle.setChecked(expanded)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = self.toggle.font()
        font.setBold(True)
        self.toggle.setFont(font)
        self.body = QWidget()
        self.body.setVisible(expanded)
        self.content = QVBoxLayout(self.body)
        self.content.setContentsMargins(8, 2, 2, 8)
        self.content.setSpacing(6)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(line)
        layout.addWidget(self.toggle)
        layout.addWidget(self.body)
        self._show_arrow(expanded)

        self.toggle.toggled.connect(self._on_q_toggled)

    def isExpanded(self) -> bool:
        return self.toggle.isChecked()

    def setExpanded(self, expanded: bool) -> None:
        self.toggle.setChecked(expanded)

    def _on_q_toggled(self, expanded: bool) -> None:
        if expanded:
            self.opened.emit(self.toggle.text())
        self.body.setVisible(expanded)
        self._show_arrow(expanded)

    def _show_arrow(self, expanded: bool) -> None:
        arrow = Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow
        self.toggle.setArrowType(arrow)


class QtUnionBox(QWidget):
    """A field that is one of several kinds (the model source): the current kind's fields."""

    def __init__(self, path: str, title: str, offset: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.path, self.title, self.offset = path, title, offset
        self.cls: type | None = None
        self.group: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def set_group(self, group: QWidget, cls: type) -> None:
        if self.group is not None:
            self.layout().removeWidget(self.group)
            self.group.hide()
            self.group.deleteLater()
        self.group, self.cls = group, cls
        self.layout().addWidget(group)


class QtBandRow(QFrame):
    """One presentation band: its mode, the lowest score it takes, a remove button."""

    removeRequested = Signal(int)
    selected = Signal(int)

    def __init__(self, index: int, path: str, factory: EditorFactory, parent=None):
        super().__init__(parent)
        self.index = index
        self.setObjectName("bandRow")
        self.threshold = factory(f"{path}.threshold")
        self.mode = factory(f"{path}.mode")
        self.editors = {self.threshold.path: self.threshold, self.mode.path: self.mode}
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setAutoRaise(True)
        self.remove.setToolTip("Remove this band; the band below takes over its scores")
        self.number = QLabel(f"<b>{index + 1}</b>")
        self.rest = QLabel("0: every score below the bands above")
        self.rest.setEnabled(False)
        self.rest.hide()
        self._color = ""
        self._selected = False

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.number)
        top.addWidget(self.mode, 1)
        top.addWidget(self.remove)
        bottom = QHBoxLayout()
        bottom.setSpacing(6)
        bottom.addWidget(QLabel("score ≥"))
        bottom.addWidget(self.threshold, 1)
        bottom.addWidget(self.rest, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addLayout(bottom)
        for child in self.findChildren(QWidget):
            child.installEventFilter(self)

        self.remove.clicked.connect(self._on_q_remove)

    def set_last(self, last: bool) -> None:
        """The lowest band starts at 0 and cannot be removed."""
        self.threshold.setVisible(not last)
        self.threshold.setEnabled(not last)
        self.rest.setVisible(last)
        self.remove.setEnabled(not last)
        if last:
            self.remove.setToolTip("The lowest band (from score 0) cannot be removed")

    def set_mode_color(self, mode: str) -> None:
        color = mode_color(mode)
        if color != self._color:
            self._color = color
            self._restyle()

    def set_selected(self, selected: bool) -> None:
        if selected != self._selected:
            self._selected = selected
            self._restyle()

    def _restyle(self) -> None:
        c = QColor(self._color)
        tint = f"rgba({c.red()}, {c.green()}, {c.blue()}, {40 if self._selected else 18})"
        edge = self._color if self._selected else "palette(mid)"
        self.setStyleSheet(
            f"#bandRow {{ background: {tint}; border: 1px solid {edge};"
            f" border-left: 6px solid {self._color}; border-radius: 3px; }}"
        )

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            self.selected.emit(self.index)
        return False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.selected.emit(self.index)
        super().mousePressEvent(event)

    def _on_q_remove(self) -> None:
        self.removeRequested.emit(self.index)


class QtBandList(QtItemList):
    """The presentation bands, highest threshold first, each coloured by its mode."""

    bandSelected = Signal(int)

    def __init__(self, path: str, md: dict, factory: EditorFactory, parent=None):
        super().__init__(path, Band, md, factory, parent)
        self.title.setText("Highest threshold first; each band maps scores to a mode.")
        self.title.setWordWrap(True)
        self.title.setEnabled(False)
        self.add.setText("+ Add band")
        self.add.setToolTip(
            "Split the lowest band: a new band halfway up it, in a mode unlike its neighbours'"
        )
        self._selected = -1

    def make_row(self, index: int) -> QWidget:
        row = QtBandRow(index, f"{self.path}[{index}]", self._factory)
        row.selected.connect(self._on_q_row_selected)
        return row

    def set_count(self, count: int) -> bool:
        rebuilt = super().set_count(count)
        if rebuilt:
            for row in self.rows:
                row.set_last(row.index == count - 1)
            self._selected = -1
        return rebuilt

    def set_modes(self, modes: list[str]) -> None:
        for row, mode in zip(self.rows, modes, strict=False):
            row.set_mode_color(mode)

    def set_selected(self, index: int) -> None:
        self._selected = index
        for row in self.rows:
            row.set_selected(row.index == index)

    def _on_q_row_selected(self, index: int) -> None:
        if index != self._selected:
            self.set_selected(index)
            self.bandSelected.emit(index)
