"""A plot out of the app: its right-click menu exports it to PNG (at twice its size on screen,
sharp on a slide) or SVG, or copies it to the clipboard as an image."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGraphicsItem,
    QMenu,
    QMessageBox,
    QWidget,
)

from ...core.preset.preset_io import write_atomic

PNG_SCALE = 2


def _choose(parent: QWidget, title: str, start: Path, filters: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, str(start), filters)
    return Path(name) if name else None


def _tell(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def _popup(menu: QMenu, at: QPoint) -> None:
    menu.exec(at)


# The dialogs and the menu's own event loop, replaceable (tests answer them).
choose_file: Callable[[QWidget, str, Path, str], Path | None] = _choose
tell: Callable[[QWidget, str, str], None] = _tell
popup: Callable[[QMenu, QPoint], None] = _popup


def plot_name(widget: pg.PlotWidget) -> str:
    """A file name from the plot's title: 'value_added_as_a_threshold_moves'."""
    title = widget.getPlotItem().titleLabel.text or "plot"
    text = re.sub(r"<[^>]*>", " ", title).split(":")[0]
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "plot"


@contextlib.contextmanager
def drawn_afresh(widget: pg.PlotWidget) -> Iterator[None]:
    """Items the plot keeps drawn as images on screen (see common.keep_drawn) drawn as
    vectors, at the export's own size, while exporting."""
    none = QGraphicsItem.CacheMode.NoCache
    cached = [(i, i.cacheMode()) for i in widget.scene().items() if i.cacheMode() != none]
    for item, _ in cached:
        item.setCacheMode(none)
    try:
        yield
    finally:
        for item, mode in cached:
            item.setCacheMode(mode)


def plot_image(widget: pg.PlotWidget, scale: int = PNG_SCALE) -> QImage:
    exporter = ImageExporter(widget.getPlotItem())
    exporter.parameters()["width"] = int(widget.getPlotItem().sceneBoundingRect().width() * scale)
    exporter.parameters()["antialias"] = True
    with drawn_afresh(widget):
        return exporter.export(toBytes=True)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("the image could not be encoded as PNG")
    buffer.close()
    return bytes(data.data())


def export_png(widget: pg.PlotWidget, path: Path) -> Path:
    return write_atomic(path, png_bytes(plot_image(widget)))


def svg_bytes(widget: pg.PlotWidget) -> bytes:
    """The plot as drawn on screen, in vectors. Qt's SVG writer, not pyqtgraph's: that one
    fails on the paths Qt 6 gives it."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(widget.size())
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(plot_name(widget).replace("_", " "))
    painter = QPainter(generator)
    try:
        with drawn_afresh(widget):
            widget.render(painter)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def export_svg(widget: pg.PlotWidget, path: Path) -> Path:
    return write_atomic(path, svg_bytes(widget))


def copy_image(widget: pg.PlotWidget) -> None:
    QApplication.clipboard().setImage(plot_image(widget))


def _export(widget: pg.PlotWidget, kind: str) -> Path | None:
    suffix = kind.lower()
    start = Path.home() / f"{plot_name(widget)}.{suffix}"
    path = choose_file(widget, f"Export Plot as {kind}", start, f"{kind} images (*.{suffix})")
    if path is None:
        return None
    if not path.suffix:
        path = path.with_suffix(f".{suffix}")
    try:
        return (export_png if kind == "PNG" else export_svg)(widget, path)
    except OSError as exc:
        tell(widget, "Cannot export the plot", f"{path}: {exc.strerror or exc}")
        return None


def export_menu(widget: pg.PlotWidget) -> QMenu:
    menu = QMenu(widget)
    menu.addAction("Export as PNG…", lambda: _export(widget, "PNG"))
    menu.addAction("Export as SVG…", lambda: _export(widget, "SVG"))
    menu.addAction("Copy as Image", lambda: copy_image(widget))
    return menu


def add_export_menu(widget: pg.PlotWidget) -> None:
    """Right-click on the plot opens the export menu (pyqtgraph's own menu, for zoom and
    ranges the plots do not let one change, stays off)."""
    widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def show(at: QPoint) -> None:
        popup(export_menu(widget), widget.mapToGlobal(at))

    widget.customContextMenuRequested.connect(show)
