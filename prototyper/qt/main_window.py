"""The design-workshop window: the design panel, the goals, the four plots, files and undo."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import sys
import tempfile
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QSettings,
    QSignalBlocker,
    QStandardPaths,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import assets
from ..core.bundle import Bundle, is_bundle, load_bundle
from ..core.model.model_paths import model_files, rebase_paths, resolve_path
from ..core.model.trust_check import ConsentNeeded
from ..core.preset import recovery
from ..core.preset.preset_io import PresetError, dumps_preset, load_preset, write_atomic
from ..core.preset.schema import MODES, Preset
from .design_panel import QtDesignPanel
from .document import Analysis, DiskStamp, Document, missing_files, read_preset
from .goals import GoalsArea, QtGoalsDashboard
from .lecture import LectureController
from .missing_files import QtMissingFilesBar
from .model_loading import DROP_SUFFIXES, PRESET_SUFFIXES, QtModelLoader
from .model_view import QtModelView
from .plots.common import set_text_scale
from .plots.distributions import QtScoreDistributions
from .plots.outcomes import QtOutcomeBreakdown
from .plots.over_time import QtSimulationStatus, QtTimePlots
from .plots.roc import QtRoc
from .plots.value_curve import QtValueCurve
from .sensitivity_view import QtSensitivityView, SensitivityController
from .simulation import SimulationController
from .window_chrome import add_help_menu, restore_window, save_window, set_minimum_size

if TYPE_CHECKING:
    from .compare_view import QtCompareView

log = logging.getLogger("prototyper")

MAX_RECENT = 8
MAX_LINES = 15  # lines of an error shown at once; the rest under Show Details
BUNDLE_FOLDER_PREFIX = "prototyper-bundle-"  # the temporary folders bundles unpack into
AUTOSAVE_MS = 2000
LECTURE_FONT_SCALE = 1.3
# Projectors wash out greys: pure black on white, bold labels.
LECTURE_STYLE = """
QMainWindow, QWidget { background: #ffffff; color: #000000; }
QLabel, QGroupBox, QCheckBox { font-weight: bold; }
QStatusBar { color: #000000; }
"""


def app_data_dir() -> Path:
    path = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    path.mkdir(parents=True, exist_ok=True)
    return path


class MainWindow(QMainWindow):
    """One document in one window. Implements :class:`~prototyper.qt.dialogs.Dialogs`: every
    dialog goes through ``ask``/``tell``/``choose_open``/``choose_save``, so tests can answer."""

    lectureModeChanged = Signal(bool)

    def __init__(
        self,
        path: Path | None = None,
        *,
        settings: QSettings | None = None,
        recovery_dir: Path | None = None,
        instance: recovery.Instance | None = None,
        read: tuple[Preset, DiskStamp] | None = None,
        plots_after_paint: bool = False,
    ):
        super().__init__()
        self.settings = settings or QSettings()
        # One recovery file per window, owned by this running app (``instance``).
        self.recovery = instance or recovery.instance_for(
            Path(recovery_dir) if recovery_dir else app_data_dir() / "recovery"
        )
        self.recovery_dir = self.recovery.folder
        self._recovery_file = self.recovery.new_file()
        self._restoring: recovery.Orphan | None = None  # being restored through the loader
        default = assets.preset_path("safe_browsing")
        later = Path(path) if path and is_bundle(path) else None  # opened in the background
        # The plots wait for the document's wait_ready (the app calls it after the first paint).
        wait = {"views_later": plots_after_paint}
        try:
            start = None if later else path
            if start:
                preset, stamp = read or read_preset(Path(start))  # ``read``: just read there
                self.document = Document(preset, start, parent=self, disk_stamp=stamp, **wait)
            else:
                self.document = Document(load_preset(default), None, parent=self, **wait)
        except ConsentNeeded:  # its model needs the user's consent: ask once the window is up
            self.document = Document(load_preset(default), None, parent=self, **wait)
            later = Path(path)
        self._selected_band = 0
        self._normal_font = QFont(QApplication.font())

        self.design_panel = QtDesignPanel(self.document)
        self.goals = QtGoalsDashboard(self.document)
        self.score_plot = QtScoreDistributions(self.document)
        self.value_plot = QtValueCurve(self.document)
        self.outcome_plot = QtOutcomeBreakdown(self.document)
        self.roc_plot = QtRoc(self.document)
        self.simulation = SimulationController(self.document, parent=self)  # over time
        self.time_plots = QtTimePlots(self.simulation)
        self.simulation_status = QtSimulationStatus(self.simulation)
        # The first paint does not show the Compare tab: an empty stand-in holds its place
        # until the tab is first shown or the view first used (see compare_view).
        self._compare_view: QtCompareView | None = None
        self._compare_stand_in = QWidget()
        self.sensitivity = SensitivityController(self.document, parent=self)  # in a worker
        # Made now: its minimum size is what keeps the plots above from being squeezed.
        self.sensitivity_view = QtSensitivityView(self.sensitivity)
        self.model_loader = QtModelLoader(self.document, self, parent=self)  # loads in a worker
        self.model_view: QtModelView | None = None  # the model details window, once opened
        self.optimize_view = None  # the Optimize… dialog, once opened
        self.missing_files_bar = QtMissingFilesBar(self.document, self.model_loader, self)
        self.recompute_label = QLabel()
        self._autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)

        self._build_layout()
        self._build_actions()
        self.lecture = LectureController(self)  # scenes, caption, course (qt/lecture.py)
        self.setAcceptDrops(True)
        self.statusBar().addPermanentWidget(self.model_loader.progress)
        self.statusBar().addPermanentWidget(self.simulation_status)
        self.statusBar().addPermanentWidget(self.recompute_label)

        doc = self.document
        doc.changed.connect(self._on_views_updated)  # after the views' own updates
        doc.pathChanged.connect(self._update_title)
        doc.error.connect(self._show_error)
        doc.undo_stack.cleanChanged.connect(self._update_title)
        doc.undo_stack.indexChanged.connect(self._schedule_autosave)
        self.design_panel.bandSelected.connect(self._select_band)
        actions = self.design_panel.model_actions
        actions.describeRequested.connect(self.model_loader.describe_model)
        actions.loadSklearnRequested.connect(self.model_loader.load_sklearn_dialog)
        actions.loadScoresRequested.connect(self.model_loader.load_scores_dialog)
        actions.detailsRequested.connect(self.show_model_details)
        self.design_panel.model_edit = self.model_loader.edit_model
        self.model_loader.finished.connect(self._on_load_finished)
        self.model_loader.started.connect(lambda _label: self._show_recomputing(True))
        self.model_loader.finished.connect(lambda _changed: self._show_recomputing(False))
        self.model_loader.opened.connect(self.opened)
        self._autosave_timer.timeout.connect(self.write_recovery)
        self.simulation.resultChanged.connect(self.goals.set_horizon)
        self.simulation.failed.connect(lambda text: self.tell("Cannot simulate", text))
        self.time_plots.simulateRequested.connect(self.simulate)

        self._update_title()
        add_help_menu(self)
        self.lecture_mode = False
        self._before_lecture: tuple = ()  # what leaving lecture mode restores
        set_minimum_size(self)
        restore_window(self, self.settings)  # within the screen; ignored if of another version
        if later is not None:
            QTimer.singleShot(0, lambda: self.open_file(later))

    # --- layout ----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        dock = self.design_dock = QDockWidget("Design", self)
        dock.setObjectName("design")
        dock.setWidget(self.design_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setMinimumWidth(380)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self.missing_files_bar)
        column.addWidget(GoalsArea(self.goals, central))  # scrolls rather than crowd the plots
        today = QWidget()
        grid = QGridLayout(today)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.score_plot, 0, 0)
        grid.addWidget(self.value_plot, 0, 1)
        grid.addWidget(self.outcome_plot, 1, 0)
        grid.addWidget(self.roc_plot, 1, 1)
        # Four equal cells, whatever size each plot reports (a plot reports the size it has,
        # so a squeezed row would stay squeezed).
        for plot in (self.score_plot, self.value_plot, self.outcome_plot, self.roc_plot):
            plot.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        for i in (0, 1):
            grid.setRowStretch(i, 1)
            grid.setColumnStretch(i, 1)
        self.tabs = QTabWidget(documentMode=True)  # the static view, and the simulation's
        self.tabs.addTab(today, "Today")
        self.tabs.addTab(self.time_plots, "Over time")
        self.tabs.addTab(self._compare_stand_in, "Compare")
        self.tabs.addTab(self.sensitivity_view, "Sensitivity")
        self.tabs.currentChanged.connect(self._on_tab_shown)
        column.addWidget(self.tabs, stretch=1)
        self.setCentralWidget(central)

    def _on_tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) is self._compare_stand_in:
            _ = self.compare_view  # made now, in the stand-in's place

    @property
    def compare_view(self) -> QtCompareView:
        """The pinned designs side by side, made on first use in place of the stand-in
        (same index; the same tab stays current, with no change to announce)."""
        if self._compare_view is None:
            from .compare_view import QtCompareView

            self._compare_view = QtCompareView(self.document, self)
            index = self.tabs.indexOf(self._compare_stand_in)
            current = self.tabs.currentIndex()
            blocker = QSignalBlocker(self.tabs)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, self._compare_view, "Compare")
            self.tabs.setCurrentIndex(current)
            del blocker
            self._compare_stand_in.deleteLater()
        return self._compare_view

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("&File")
        self._action(menu, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.bundled_menu = menu.addMenu("Open &Bundled Preset")
        for path in assets.bundled_presets():
            self._action(
                self.bundled_menu,
                path.stem.replace("_", " ").title(),
                lambda p=path: self.open_file(p),
            )
        self.recent_menu = menu.addMenu("Open &Recent")
        self._fill_recent_menu()
        menu.addSeparator()
        self._action(menu, "&Save", self.save, QKeySequence.StandardKey.Save)
        self._action(menu, "Save &As…", self.save_as, QKeySequence.StandardKey.SaveAs)
        self._action(menu, "&Export Report…", self.export_report)
        self._action(menu, "Export &Bundle…", self.export_bundle)
        menu.addSeparator()
        self._action(menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        menu = self.menuBar().addMenu("&Edit")
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        menu.addAction(undo)
        menu.addAction(redo)
        menu.addSeparator()
        self._action(menu, "&Copy Dashboard as Image", self.copy_dashboard)

        menu = self.menuBar().addMenu("&View")
        self.lecture_action = self._action(menu, "&Lecture Mode", self.toggle_lecture_mode, "F11")
        self.lecture_action.setCheckable(True)
        self._action(menu, "Show Design Panel", self.toggle_design_panel, "F9")
        self._action(menu, "Next Preset", lambda: self.step_preset(1), "PgDown")
        self._action(menu, "Previous Preset", lambda: self.step_preset(-1), "PgUp")
        self._action(menu, "Next Mode of Selected Band", lambda: self.step_mode(1), "Ctrl+]")
        self._action(menu, "Previous Mode of Selected Band", lambda: self.step_mode(-1), "Ctrl+[")

        menu = self.menuBar().addMenu("&Compare")
        pin = self._action(menu, "&Pin Design", self.pin_design, "Ctrl+Shift+P")
        pin.setToolTip("Pin the design as it is now (a snapshot) to compare it with others")
        pin_menu = menu.addMenu("Pin P&reset")
        for path in assets.bundled_presets():
            name = path.stem.replace("_", " ").title()
            self._action(pin_menu, name, lambda p=path: self.pin_file(p))
        self._action(menu, "Pin &File…", self.pin_file)

        menu = self.menuBar().addMenu("&Simulate")
        self.simulate_action = self._action(menu, "&Simulate Over Time", self.simulate, "Ctrl+R")
        self.simulate_action.setToolTip("Follow the users day by day over the horizon (Ctrl+R)")
        cancel = self._action(menu, "&Cancel Simulation", self.simulation.cancel)
        cancel.setEnabled(False)
        self.simulation.runningChanged.connect(cancel.setEnabled)
        menu.addSeparator()
        self._action(menu, "&Optimize Design…", self.show_optimize, "Ctrl+Shift+O")
        corner = QToolButton()
        corner.setDefaultAction(self.simulate_action)
        self.tabs.setCornerWidget(corner)

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda checked=False: slot())
        menu.addAction(action)
        self.addAction(action)  # shortcuts work in full screen without a menu bar
        return action

    # --- dialogs (the Dialogs interface; replaced in tests) --------------------------------

    def ask(self, title: str, text: str, buttons, default):
        return QMessageBox.question(self, title, text, buttons, default)

    def tell(self, title: str, text: str) -> None:
        if len(text.splitlines()) <= MAX_LINES and len(text) <= 300 * MAX_LINES:
            QMessageBox.warning(self, title, text)
        else:
            self.message_box(title, text).exec()

    def message_box(self, title: str, text: str) -> QMessageBox:
        """A warning that fits on the screen however many problems it lists: the first
        lines, "and N more", and the whole text under Show Details."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, "", QMessageBox.StandardButton.Ok, self)
        lines = text.splitlines() or [""]
        shown = [line if len(line) <= 300 else line[:297] + "..." for line in lines[:MAX_LINES]]
        if len(lines) > MAX_LINES:
            shown.append(f"… and {len(lines) - MAX_LINES} more (Show Details…)")
        box.setText("\n".join(shown))
        box.setTextFormat(Qt.TextFormat.PlainText)
        if shown != lines:
            box.setDetailedText(text)
        return box

    def choose_open(self, title: str, start: Path, filters: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, title, str(start), filters)
        return Path(name) if name else None

    def choose_save(self, title: str, start: Path, filters: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, title, str(start), filters)
        return Path(name) if name else None

    def show_status(self, text: str, msecs: int = 0) -> None:
        self.statusBar().showMessage(text, msecs)

    # --- getting the result out ------------------------------------------------------------

    def export_report(self) -> Path | None:
        """The report the command line's ``report`` writes for this design, as it stands."""
        from ..core.evaluation.html_report import Design
        from .report_export import document_scores, report_html

        doc = self.document
        start = (doc.path or Path.home() / "design").with_suffix(".html")
        path = self.choose_save("Export Report", start, "HTML reports (*.html)")
        if path is None:
            return None
        if not path.suffix:
            path = path.with_suffix(".html")
        design = Design(doc.analysis, doc.path.name if doc.path else "")
        html = report_html(self, [design], document_scores(doc))
        if html is None:  # cancelled while the sensitivity analysis ran
            return None
        try:
            written = write_atomic(path, html.encode("utf-8"))
        except OSError as exc:
            self.tell("Cannot export the report", f"{path}: {exc.strerror or exc}")
            return None
        self.show_status(f"Report written to {written}", 5000)
        return written

    def export_bundle(self) -> Path | None:
        """What ``prototyper pack`` writes: the saved preset, its model and its data in one
        .zip, with the same checks. Model files outside the preset's folder go in only if
        the person says so (``--include``), each named in the question."""
        from ..core.bundle import bundle_bytes, outside_files, write_bundle
        from .workers import run_modal

        doc = self.document
        if (doc.dirty or doc.path is None) and not self.save():
            return None  # a bundle holds the file as saved
        assert doc.path is not None
        if missing_files(doc.preset, doc.base_dir):
            self.tell("Cannot export the bundle", self.missing_files_bar.label.toolTip())
            return None
        include = []
        outside = outside_files(doc.preset, doc.path)
        if outside:
            files = {p.path: resolve_path(doc.value(p.path), doc.base_dir) for p in outside}
            listed = "\n".join(f"  {path}" for path in files.values())
            answer = self.ask(
                "Include files from outside the preset's folder?",
                "The model uses files outside the preset's folder:\n"
                f"{listed}\nInclude them in the bundle? Only include files you mean to share.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
            include = list(files.values())
        start = doc.path.with_suffix(".zip")
        if self._is_bundled(start):
            start = Path.home() / start.name
        path = self.choose_save("Export Bundle", start, "Bundles (*.zip)")
        if path is None:
            return None
        if path.suffix.lower() != ".zip":
            path = path.with_suffix(".zip")
        preset_file = doc.path

        def work(run):  # in the worker: read, compress and write; Cancel stops it between
            # chunks, or before the temporary file is renamed over the target
            def stop_if_cancelled() -> None:
                if run.cancelled():
                    raise BundleCancelled

            def progress(fraction: float) -> None:
                run.progress(fraction)
                stop_if_cancelled()

            data, members = bundle_bytes(preset_file, include=include, progress=progress)
            stop_if_cancelled()
            write_bundle(path, data, ready=stop_if_cancelled)  # a temporary file, renamed
            return members

        kind, value = run_modal(self, "Export Bundle", f"Packing {path.name}…", work, steps=True)
        if kind == "cancelled":
            self.show_status("Bundle export cancelled: nothing written", 5000)
            return None
        try:
            if kind == "failed":
                raise value
            members = value
        except PresetError as exc:
            self.tell("Cannot export the bundle", str(exc))
            return None
        self.show_status(f"Bundle written to {path}: {', '.join(members)}", 8000)
        return path

    def copy_dashboard(self) -> None:
        """The goals and the plots, as on screen, to the clipboard: ready to paste in slides."""
        QApplication.clipboard().setImage(self.centralWidget().grab().toImage())
        self.show_status("Dashboard copied as an image", 3000)

    # --- files -----------------------------------------------------------------------------

    def open_dialog(self) -> None:
        start = self.document.path.parent if self.document.path else assets.asset_dir("presets")
        filters = "Presets and bundles (*.yaml *.yml *.zip);;Score files (*.csv);;All files (*)"
        chosen = self.choose_open("Open preset", start, filters)
        if chosen:
            self.open_file(chosen)

    def open_file(self, path: Path) -> bool:
        """Open a preset or a bundle (.zip); a bad file shows one line and changes nothing.
        A bundle, or a preset with a real model, opens in the background (True: started)."""
        if Path(path).suffix.lower() == ".csv":
            return self._open_csv(Path(path))
        if not self.maybe_save():
            return False
        if self.model_loader.open_in_background(Path(path)):
            return True
        try:
            self.document.open(Path(path))
        except PresetError as exc:
            self.tell("Cannot open preset", str(exc))
            return False
        self.opened(Path(path))
        return True

    def _open_csv(self, path: Path) -> bool:
        """A CSV is not a preset: offer to load it as the open design's scores."""
        answer = self.ask(
            "Open as scores?",
            f"{path.name} is a CSV file, not a preset. Load it as the model's scores "
            "(columns label and score) in the design that is open?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes and self.model_loader.load_score_file(path)

    def opened(self, path: Path) -> None:
        """A preset or bundle is open (here or by the model loader)."""
        if self._restoring is not None and Path(path) == self._restoring.file:
            orphan, self._restoring = self._restoring, None
            try:
                self._restore(orphan, self.document.preset)  # with the consent just given
            except ConsentNeeded as exc:
                orphan.release()
                self.tell("Cannot recover", f"{exc}\nThe file is kept: {orphan.file}")
            return
        self._add_recent(Path(path))
        self._selected_band = 0
        self.clear_recovery()

    def show_model_details(self) -> None:
        if self.model_view is None:
            self.model_view = QtModelView(self.document, self)
        self.model_view.show()
        self.model_view.raise_()

    def show_optimize(self):
        """The Optimize… dialog on this window's document (made on first use)."""
        from .optimize_dialog import QtOptimizeDialog  # its plot only when asked for

        self.design_panel.commit_pending()
        if self.optimize_view is None:
            self.optimize_view = QtOptimizeDialog(self.document, self, self)
        self.optimize_view.show()
        self.optimize_view.raise_()
        return self.optimize_view

    def save(self) -> bool:
        if self.document.path is None or self._is_bundled(self.document.path):
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        start = self.document.path or Path.home() / "design.yaml"
        if self._is_bundled(start):
            start = Path.home() / start.name
        chosen = self.choose_save("Save preset", start, "Presets (*.yaml)")
        return chosen is not None and self._save_to(chosen)

    def _save_to(self, path: Path) -> bool:
        self.design_panel.commit_pending()  # text still being typed belongs in the file
        if not self.lecture.scenes_may_be_saved():
            return False
        doc = self.document
        same_file = doc.path is not None and Path(path).resolve() == doc.path.resolve()
        if same_file and doc.changed_on_disk() and not self._overwrite_outside_changes(path):
            return False
        try:
            doc.save(path, copy_model_files=self._uses_temporary_files())
        except OSError as exc:
            self.tell("Cannot save", f"{path}: {exc.strerror or exc}")
            return False
        self._add_recent(path)
        self.clear_recovery()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def _overwrite_outside_changes(self, path: Path) -> bool:
        answer = self.ask(
            "File changed on disk",
            f"{path} was changed on disk (by another window or program) since it was opened "
            "or last saved here. Save over it, losing those changes?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Save

    def _uses_temporary_files(self) -> bool:
        """Whether the model's files live in a bundle's temporary folder (an open bundle's,
        or one left by a crash): a save then copies them beside the preset."""
        doc = self.document
        folders = [b.directory.resolve() for b in self.model_loader.bundles]
        for written in model_files(doc.preset.model).values():
            path = resolve_path(written, doc.base_dir).resolve()
            if any(path.is_relative_to(f) for f in folders) or _in_bundle_folder(path):
                return True
        return False

    def _is_bundled(self, path: Path) -> bool:
        """A shipped preset, or one extracted from a bundle: saved elsewhere (Save As)."""
        shipped = Path(path).resolve().parent == assets.asset_dir("presets").resolve()
        return shipped or self.model_loader.in_bundle(path) is not None

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current state (saved, discarded or clean)."""
        if not self.document.dirty:
            return True
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        answer = self.ask(
            "Unsaved changes",
            f"Save the changes to {self._display_name()}?",
            buttons,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.maybe_save():
            self._autosave_timer.stop()
            if self.lecture_mode:  # the application font is shared with other windows
                self.set_lecture_mode(False)
            else:  # the workshop layout, not the projector's
                save_window(self, self.settings)
            self.clear_recovery()
            self.model_loader.shutdown()
            self.simulation.shutdown()
            if self._compare_view is not None:
                self._compare_view.shutdown()
            if self.optimize_view is not None:
                self.optimize_view.shutdown()
            self.sensitivity.shutdown()
            event.accept()
        else:
            event.ignore()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        """Presets, bundles, model files (.skops, .pkl, .joblib) and score files (.csv)."""
        urls = event.mimeData().urls()
        if any(u.toLocalFile().lower().endswith(DROP_SUFFIXES) for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        for url in event.mimeData().urls():
            if url.toLocalFile().lower().endswith(DROP_SUFFIXES):
                event.acceptProposedAction()
                path = Path(url.toLocalFile())
                if path.suffix.lower() in (*PRESET_SUFFIXES, ".zip"):
                    self.open_file(path)
                else:
                    self.model_loader.drop(path)
                return

    # --- recent files ----------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _add_recent(self, path: Path) -> None:
        if self._is_bundled(path):
            return
        text = str(Path(path).resolve())
        recent = [text] + [r for r in self.recent_files() if r != text]
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for name in self.recent_files():
            action = self.recent_menu.addAction(name)
            action.triggered.connect(lambda checked=False, n=name: self.open_file(Path(n)))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    # --- crash recovery --------------------------------------------------------------------

    def recovery_file(self) -> Path:
        """This window's own recovery file (named after this app and this window)."""
        return self._recovery_file

    def write_recovery(self) -> None:
        """Keep unsaved work in this window's recovery file, atomically. It starts with a
        record of the file it came from; its model paths are written as seen from the
        recovery folder, so the file itself can be opened (with consent) like a preset."""
        doc = self.document
        if not doc.dirty:
            self.clear_recovery()
            return
        bundle = self._bundle_in_use()
        record: dict = {
            "origin": str(doc.path.resolve()) if doc.path else "",
            "paths": "from the recovery folder",  # older files wrote them as in the original
        }
        if bundle is not None:
            record.update(bundle=str(bundle.archive.resolve()), folder=str(bundle.directory))
        if doc.disk_stamp is not None:
            record["stamp"] = dataclasses.astuple(doc.disk_stamp)
        preset = rebase_paths(doc.preset, doc.base_dir, self.recovery_dir)
        text = recovery.header(record) + dumps_preset(preset)
        try:
            write_atomic(self._recovery_file, text.encode("utf-8"))
        except OSError as exc:
            log.warning("cannot write the recovery file: %s", exc)

    def _bundle_in_use(self) -> Bundle | None:
        """The unpacked bundle the document is, or whose files its model uses."""
        doc = self.document
        bundle = self.model_loader.in_bundle(doc.path)
        for written in model_files(doc.preset.model).values():
            bundle = bundle or self.model_loader.in_bundle(resolve_path(written, doc.base_dir))
        return bundle

    def clear_recovery(self) -> None:
        """Delete this window's recovery file (never another window's or app's)."""
        self._recovery_file.unlink(missing_ok=True)

    def offer_recovery(self) -> bool:
        """At start: offer the unsaved work of apps that died (newest first; another running
        app's autosave is live work, never offered). Yes restores one into this window; No
        discards that file only. True if work was restored (or is being, after consent)."""
        self._remove_stale_files()
        orphans = recovery.claim_orphans(self.recovery)
        try:
            return self._offer(orphans)
        finally:
            for orphan in orphans:
                if orphan is not self._restoring:
                    orphan.release()  # unless discarded: offered again at the next start

    def _offer(self, orphans: list[recovery.Orphan]) -> bool:
        for orphan in orphans:
            origin = orphan.record.get("bundle") or orphan.origin
            answer = self.ask(
                "Recover unsaved work?",
                f"The prototyper closed with unsaved changes to "
                f"{origin or 'an untitled design'}. Restore them?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.Yes,
            )
            if answer != QMessageBox.StandardButton.Yes:
                orphan.discard()
                folder = Path(orphan.record.get("folder") or "")
                if orphan.record.get("bundle") and _is_bundle_folder(folder):
                    shutil.rmtree(folder, ignore_errors=True)  # the dead app's, unused now
                continue
            return self._recover(orphan)
        return False

    def _remove_stale_files(self) -> None:
        """Leftovers of killed saves in the folders this app writes: the recovery folder and
        the folders of the recent files; and lock files of dead apps."""
        folders = [self.recovery_dir] + [Path(r).parent for r in self.recent_files()]
        for path in recovery.remove_stale_temporaries(folders):
            log.info("removed the leftover of an interrupted save: %s", path)
        recovery.remove_dead_locks(self.recovery)

    def _recover(self, orphan: recovery.Orphan) -> bool:
        self._unpack_again(orphan.record)
        try:
            preset = load_preset(orphan.file)
        except PresetError as exc:
            orphan.release()
            self.tell("Cannot recover", f"{exc}\nThe file is kept: {orphan.file}")
            return False
        try:
            return self._restore(orphan, preset)
        except ConsentNeeded:
            # As File > Open does: the loader asks, loads in its worker, then calls opened().
            self._restoring = orphan
            self._upgrade(orphan, preset)
            if self.model_loader.open_in_background(orphan.file):
                return True
            self._restoring = None
            orphan.release()
            return False

    def _upgrade(self, orphan: recovery.Orphan, preset: Preset) -> None:
        """An older recovery file wrote model paths as seen from the original file: rewrite
        it as seen from the recovery folder, so that it opens like a preset."""
        if orphan.record.get("paths") or not orphan.origin:
            return
        record = {**orphan.record, "paths": "from the recovery folder"}
        preset = rebase_paths(preset, Path(orphan.origin).parent, self.recovery_dir)
        text = recovery.header(record) + dumps_preset(preset)
        try:
            write_atomic(orphan.file, text.encode("utf-8"))
        except OSError as exc:  # then it fails to load, says what is missing, and is kept
            log.warning("cannot rewrite the older recovery file: %s", exc)
            return
        orphan.record = record

    def _restore(self, orphan: recovery.Orphan, preset: Preset) -> bool:
        """Show the recovered ``preset`` (read from the recovery folder) as unsaved work on
        its original file; a bundle's work is untitled (its folder was temporary). Raises
        ConsentNeeded when its model needs the user's consent first."""
        record = orphan.record
        origin = Path(orphan.origin) if orphan.origin and not record.get("bundle") else None
        adopted = self._adopt_bundle_folder(record, preset)
        base = self.recovery_dir if record.get("paths") else (origin or Path()).parent
        if origin is not None:
            preset = rebase_paths(preset, base, origin.parent)
        else:  # untitled: model paths absolute
            changes = {
                name: str(resolve_path(written, base))
                for name, written in model_files(preset.model).items()
            }
            if changes:
                model = dataclasses.replace(preset.model, **changes)
                preset = dataclasses.replace(preset, model=model)
        stamp = record.get("stamp")
        try:
            self.document.replace_all(
                preset,
                origin,
                dirty=True,
                disk_stamp=DiskStamp(*stamp) if isinstance(stamp, list) else None,
            )
        except ConsentNeeded:
            raise  # the caller asks for the consent
        except PresetError as exc:
            orphan.release()
            self.tell("Cannot recover", f"{exc}\nThe file is kept: {orphan.file}")
            return False
        if adopted is not None:  # removed with the window, or once no longer used
            self.model_loader.bundles.append(adopted)
        self.write_recovery()  # the work is in this window and its own file...
        orphan.discard()  # ...before the orphan goes
        where = "Save asks where to keep them" if origin is None else f"from {origin.name}"
        self.statusBar().showMessage(f"Recovered unsaved changes ({where})", 10000)
        return True

    def _unpack_again(self, record: dict) -> None:
        """A crashed app's unpacked bundle folder that is gone (a reboot empties the
        temporary folder): unpack the bundle again at the same place, which the recovered
        file names; left as it is if that fails (recovering then says what is missing)."""
        folder = Path(record.get("folder") or "")
        archive = Path(record.get("bundle") or "")
        if not record.get("bundle") or not _is_bundle_folder(folder) or folder.exists():
            return
        try:
            folder.mkdir(mode=0o700)  # a fresh folder of ours, never one someone else made
        except OSError:
            return
        try:
            load_bundle(archive, folder)
        except PresetError:
            shutil.rmtree(folder, ignore_errors=True)

    def _adopt_bundle_folder(self, record: dict, preset: Preset) -> Bundle | None:
        """A crashed app's extracted bundle folder, to remove once the recovered work no
        longer uses it; None when the work came from no bundle or the folder is gone."""
        folder = Path(record.get("folder") or "")
        if not record.get("bundle") or not folder.is_dir() or not _is_bundle_folder(folder):
            return None
        return Bundle(Path(record["bundle"]), folder, preset, owns_directory=True)

    def _on_load_finished(self, changed: bool) -> None:
        """A recovery through the loader ended without the work in the window (the consent
        was refused, or loading failed): keep the file for the next start."""
        if self._restoring is None:
            return
        orphan, self._restoring = self._restoring, None
        orphan.release()
        self.tell(
            "Unsaved work not restored",
            f"The unsaved changes to {orphan.origin or 'an untitled design'} were not "
            "restored; they are kept and offered again at the next start.",
        )

    # --- lecture mode ----------------------------------------------------------------------

    def toggle_lecture_mode(self) -> None:
        """Full screen, larger bold type, black on white, the plots and goals only (the
        design panel comes back with F9); keys step through presets and modes."""
        self.set_lecture_mode(not self.lecture_mode)

    def set_lecture_mode(self, on: bool) -> None:
        """Enter or leave lecture mode; leaving restores the fonts, the panel and its width
        and the window state as they were before, whatever F9 did meanwhile."""
        if on == self.lecture_mode:
            return
        if not on and not self.lecture.may_leave():  # presets changed during the lecture
            self.lecture_action.setChecked(True)
            return
        app = QApplication.instance()
        self.lecture_mode = on
        if on:
            self._normal_font = QFont(app.font())
            self._before_lecture = (self.saveState(), self.windowState())
            font = QFont(self._normal_font)
            font.setPointSizeF(self._normal_font.pointSizeF() * LECTURE_FONT_SCALE)
            _set_app_font(font)
            self.setStyleSheet(LECTURE_STYLE)
            self.design_dock.hide()
        else:
            _set_app_font(self._normal_font)
            self.setStyleSheet("")
        self.goals.set_lecture(on)
        plots = (self.score_plot, self.value_plot, self.outcome_plot.plot, self.roc_plot)
        set_text_scale(LECTURE_FONT_SCALE if on else 1.0, plots)
        if on:
            self.showFullScreen()
        else:
            state, window_state = self._before_lecture
            self.restoreState(state)
            self.setWindowState(window_state & ~Qt.WindowState.WindowFullScreen)
        self.lecture_action.setChecked(on)
        self.lectureModeChanged.emit(on)

    def toggle_design_panel(self) -> None:
        show = not self.design_dock.isVisible()
        self.design_dock.setVisible(show)
        if show and self.lecture_mode:  # as wide as its larger type needs, within reason
            body = self.design_panel.scroll.widget()
            need = body.sizeHint().width() + self.design_panel.scroll.verticalScrollBar().width()
            dock = self.design_dock
            QTimer.singleShot(  # once the window has its lecture size
                0,
                lambda: self.resizeDocks(
                    [dock], [min(need, int(self.width() * 0.4))], Qt.Orientation.Horizontal
                ),
            )

    def step_preset(self, step: int) -> None:
        if self.lecture.active:  # the course's order, each preset as the lecturer left it
            self.lecture.step_course(step)
            return
        presets = assets.bundled_presets()
        here = self.document.path.resolve() if self.document.path else None
        names = [p.resolve() for p in presets]
        index = names.index(here) if here in names else -1
        self.open_file(presets[(index + step) % len(presets)])

    def step_mode(self, step: int) -> None:
        bands = self.document.preset.experience.bands
        band = min(self._selected_band, len(bands) - 1)
        mode = MODES[(MODES.index(bands[band].mode) + step) % len(MODES)]
        self.document.set_value(f"experience.bands[{band}].mode", mode)
        self._select_band(band)
        self.statusBar().showMessage(f"Band {band + 1}: {mode}", 3000)

    def _select_band(self, index: int) -> None:
        self._selected_band = index
        self.design_panel.set_selected_band(index)

    # --- simulation over time --------------------------------------------------------------

    def simulate(self) -> None:
        """Simulate the design as it is now (a run in progress is cancelled first)."""
        self.design_panel.commit_pending()  # text still being typed is part of the design
        self.tabs.setCurrentWidget(self.time_plots)
        self.simulation.start()

    # --- comparing designs -----------------------------------------------------------------

    def pin_design(self) -> None:
        """Pin the design as it is now and show the Compare view."""
        self.design_panel.commit_pending()  # text still being typed is part of the design
        if self.compare_view.pin_design() is not None:
            self.tabs.setCurrentWidget(self.compare_view)

    def pin_file(self, path: Path | None = None) -> None:
        """Pin a preset file (a bundled preset's, or one chosen) and show the Compare view."""
        if self.compare_view.pin_file(path):
            self.tabs.setCurrentWidget(self.compare_view)

    # --- title and timing ------------------------------------------------------------------

    def _show_error(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _schedule_autosave(self, *_) -> None:
        self._autosave_timer.start()

    def _display_name(self) -> str:
        bundle = self.model_loader.in_bundle(self.document.path)
        if bundle is not None:
            return bundle.archive.name
        return self.document.path.name if self.document.path else "untitled"

    def _update_title(self, *_) -> None:
        scenario = self.document.preset.scenario.name
        self.setWindowTitle(f"{scenario} — {self._display_name()}[*] — Prototyper")
        self.setWindowModified(self.document.dirty)

    def _on_views_updated(self, analysis: Analysis) -> None:
        self._update_title()

    def _show_recomputing(self, on: bool) -> None:
        """While a model loads in the background the figures shown are those of the state
        before: greyed, and the goals say "recomputing…"."""
        self.goals.set_recomputing(on)
        for plot in (self.score_plot, self.value_plot, self.outcome_plot.plot, self.roc_plot):
            plot.getPlotItem().setOpacity(0.35 if on else 1.0)
        # how long a change took is for the benchmarks (Analysis.seconds), not the status bar
        self.recompute_label.setText("Recomputing…" if on else "")


class BundleCancelled(Exception):
    """Raised in the worker packing a bundle once its Cancel was pressed."""


def _set_app_font(font: QFont) -> None:
    """The application font, in every widget before anything else happens: a style sheet
    set while the change is still on its way keeps some widgets in the old font."""
    QApplication.setFont(font)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.ApplicationFontChange)


def _in_bundle_folder(path: Path) -> bool:
    """Whether ``path`` is in a folder a bundle was unpacked into (temporary)."""
    base = Path(tempfile.gettempdir()).resolve()
    path = Path(path).resolve()
    if not path.is_relative_to(base) or path == base:
        return False
    return path.relative_to(base).parts[0].startswith(BUNDLE_FOLDER_PREFIX)


def _is_bundle_folder(folder: Path) -> bool:
    """Whether ``folder`` is one a bundle was unpacked into (itself, not a folder inside)."""
    folder = Path(folder)
    base = Path(tempfile.gettempdir()).resolve()
    return folder.name.startswith(BUNDLE_FOLDER_PREFIX) and folder.resolve().parent == base


def install_exception_hook(window_getter) -> None:
    """Any exception in a slot is logged and shown; the app and the edits survive."""

    def hook(kind, value, tb) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        log.error("unexpected error\n%s", text)
        window = window_getter()
        if window is not None:
            window.statusBar().showMessage(f"Error: {value}", 10000)
            box = QMessageBox(window)
            box.setIcon(QMessageBox.Icon.Critical)
            box.setWindowTitle("Something went wrong")
            box.setText(f"{kind.__name__}: {value}")
            box.setInformativeText("Your edits are kept. The details are in the log file.")
            box.setDetailedText(text)
            box.open()  # not exec(): never block the slot that failed

    sys.excepthook = hook
