"""The window's chrome: its icon and theme, where it opens and how big, and the Help menu."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .. import __version__, assets

# Bumped when what the window saves changes shape: a saved state of another version (or
# anything unreadable) is ignored and the window opens at its default place and size.
SETTINGS_VERSION = 1
SETTINGS_GROUP = "window"
DEFAULT_SIZE = QSize(1440, 900)  # when the screen has room for it
MINIMUM_SIZE = QSize(1024, 640)  # a small laptop or an old projector
PURPOSE = (
    "Evaluate ML intelligent-experience designs: what the product does with each prediction "
    "is worth more than the model's accuracy."
)
LICENCE = "MIT"


# --- icon and theme -----------------------------------------------------------------------


def app_icon() -> QIcon:
    """The application's icon (ui/icon.svg); an empty icon if the file is missing."""
    path = _ui_file("icon.svg")
    return QIcon(str(path)) if path is not None else QIcon()


def theme_style_sheet() -> str:
    """The window's style sheet (ui/theme.qss): chrome only, never a mode's colour."""
    path = _ui_file("theme.qss")
    try:
        return path.read_text(encoding="utf-8") if path is not None else ""
    except (OSError, UnicodeDecodeError):
        return ""


def apply_theme(app: QApplication) -> None:
    """Give the application its icon and theme (once; calling again is harmless)."""
    app.setWindowIcon(app_icon())
    app.setStyleSheet(theme_style_sheet())


def _ui_file(name: str) -> Path | None:
    try:
        path = assets.asset_dir("ui") / name
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


# --- geometry -----------------------------------------------------------------------------


def available_geometry(window: QWidget) -> QRect:
    """The part of the window's screen not taken by panels and docks."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


def default_geometry(window: QWidget) -> QRect:
    """The default size, shrunk to the available screen, centred on it."""
    room = available_geometry(window)
    size = DEFAULT_SIZE.boundedTo(room.size())
    rect = QRect(0, 0, size.width(), size.height())
    rect.moveCenter(room.center())
    return rect


def set_minimum_size(window: QWidget) -> None:
    """The minimum size, but never more than the screen has room for."""
    window.setMinimumSize(MINIMUM_SIZE.boundedTo(available_geometry(window).size()))


def restore_window(window: QMainWindow, settings: QSettings) -> bool:
    """Restore the geometry and the dock layout saved by :func:`save_window`; the default
    place and size if none is saved, it is of another version, unreadable, or off every
    screen. True if the saved one was used."""
    settings.beginGroup(SETTINGS_GROUP)
    try:
        version = settings.value("version")
        geometry, state = settings.value("geometry"), settings.value("state")
    finally:
        settings.endGroup()
    window.setGeometry(default_geometry(window))
    if str(version) != str(SETTINGS_VERSION) or not isinstance(geometry, QByteArray):
        return False
    if not window.restoreGeometry(geometry):
        window.setGeometry(default_geometry(window))
        return False
    if not available_geometry(window).intersects(window.frameGeometry()):
        window.setGeometry(default_geometry(window))
        return False
    if isinstance(state, QByteArray):
        window.restoreState(state, SETTINGS_VERSION)
    return True


def save_window(window: QMainWindow, settings: QSettings) -> None:
    settings.beginGroup(SETTINGS_GROUP)
    settings.setValue("version", SETTINGS_VERSION)
    settings.setValue("geometry", window.saveGeometry())
    settings.setValue("state", window.saveState(SETTINGS_VERSION))
    settings.endGroup()


# --- the Help menu ------------------------------------------------------------------------


def about_text() -> str:
    return (
        f"<h3>Prototyper {__version__}</h3><p>{PURPOSE}</p>"
        f"<p>Licence: {LICENCE}. Free to use, change and share; see the LICENSE file.</p>"
    )


def shortcut_rows(window: QWidget) -> list[tuple[str, str]]:
    """(what, keys) for every action of ``window`` that has a shortcut, read from the
    actions themselves so the list cannot go stale."""
    rows = []
    seen = set()
    for action in window.actions():
        keys = [k for k in action.shortcuts() if not k.isEmpty()]
        if not keys:
            continue
        what = action.text().replace("&", "").rstrip("…").strip()
        text = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        if (what, text) not in seen:
            seen.add((what, text))
            rows.append((what, text))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Command", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (what, keys) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(what))
            self.table.setItem(r, 1, QTableWidgetItem(keys))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(460, 420)


class GuideDialog(QDialog):
    """The user guide shipped with the app (README, domain, maths), one tab a file, read
    offline: links to other pages are not followed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Prototyper User Guide")
        self.tabs = QTabWidget()
        for path in assets.guide_files():
            browser = QTextBrowser()
            browser.setOpenLinks(False)  # nothing is fetched, nothing else opened
            try:
                browser.setMarkdown(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                browser.setPlainText(f"{path.name}: cannot be read ({exc})")
            self.tabs.addTab(browser, path.stem.title())
        if self.tabs.count() == 0:
            missing = QTextBrowser()
            missing.setPlainText("The user guide is not installed with this copy.")
            self.tabs.addTab(missing, "Guide")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        room = available_geometry(self).size()
        self.resize(QSize(900, 760).boundedTo(room))


def _show(dialog: QDialog) -> QDialog:
    """Open a help window beside the work, never blocking it (it closes itself)."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def about_box(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle("About Prototyper")
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setText(about_text())
    return box


def add_help_menu(window: QMainWindow) -> None:
    """Help: the user guide, the keyboard shortcuts, and About."""
    menu = window.menuBar().addMenu("&Help")
    guide = menu.addAction("&User Guide")
    guide.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
    guide.triggered.connect(lambda: _show(GuideDialog(window)))
    window.addAction(guide)
    keys = menu.addAction("&Keyboard Shortcuts")
    keys.triggered.connect(lambda: _show(ShortcutsDialog(window)))
    menu.addSeparator()
    about = menu.addAction("&About Prototyper")
    about.setMenuRole(about.MenuRole.AboutRole)
    about.triggered.connect(lambda: _show(about_box(window)))
