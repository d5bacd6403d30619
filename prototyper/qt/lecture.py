"""Lecture scenes and the course in the window.

- :class:`SceneStepper` steps the document through its preset's scenes (core/preset/scenes.py):
  each step's numbers glide to their new values over :data:`STEP_MS`, and the whole step is
  one entry of undo (Ctrl+Z takes the step back); the final values are exact.
- :class:`QtCaption` shows the step's title and narration under the plots in lecture mode,
  :class:`QtPresenterView` the same and the next step's title on a second screen.
- :class:`QtScenesList` lists the steps in the design panel; a click goes to one.
- :class:`LectureController` wires them into the main window: → and ← in lecture mode, Page
  Down and Page Up through the course (presets/course.yaml, or File > Open Course…), each
  preset kept as the lecturer left it, and at most one question when lecture mode ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEasingCurve, QObject, Qt, QVariantAnimation, Signal
from PySide6.QtGui import (
    QAction,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
    QResizeEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .. import assets
from ..core.model.model_paths import rebase_paths
from ..core.model.trust_check import ConsentNeeded
from ..core.preset.course import Course, load_course
from ..core.preset.preset_io import PresetError, save_preset, with_values
from ..core.preset.scenes import applicable_scenes, scene_states, step_changes
from ..core.preset.schema import Preset
from ..core.preset.structure import Problems, get_path, to_data
from .document import Document

if TYPE_CHECKING:
    from .main_window import MainWindow

STEP_MS = 400  # how long a step's numbers take to reach their new values
# A value spanning more than this factor glides on a log scale (a threshold from 0.05 to
# 0.00001 would otherwise sit at 0 for most of the way).
LOG_SPAN = 10.0
CAPTION_TITLE_PX = 24  # readable from the back of a lecture hall at 1280x720
CAPTION_TEXT_PX = 19
LECTURE_PLOT_MIN_PX = 140  # each Today plot's least height in lecture mode
LECTURE_BARS_MIN_PX = 175  # the outcome bars'
CAPTION_LINES = 2  # of narration under the plots; the rest in the tooltip and presenter view


# --- stepping through scenes ----------------------------------------------------------------


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def between(start: Any, end: Any, t: float) -> Any:
    """The value a fraction ``t`` of the way from ``start`` to ``end``: numbers glide
    (geometrically over a wide positive range), anything else is already ``end``."""
    if t >= 1.0 or not (_number(start) and _number(end)):
        return end
    if start > 0 and end > 0 and max(start, end) / min(start, end) > LOG_SPAN:
        value = math.exp(math.log(start) + (math.log(end) - math.log(start)) * t)
    else:
        value = start + (end - start) * t
    return round(value) if isinstance(end, int) else value


@dataclass
class _Glide:
    start: Preset
    changes: dict[str, Any]
    origins: dict[str, Any]
    text: str
    key: str


class SceneStepper(QObject):
    """The document's position in its preset's scenes: step 0 is the preset as opened, step
    k has scenes 1 to k applied to whatever the lecturer changed meanwhile (fields no step
    between sets keep their values)."""

    stepChanged = Signal(int)
    scenesChanged = Signal()

    def __init__(self, document: Document, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.states: list[Preset] = [document.preset]
        self.index = 0
        self._serial = 0
        self._glide: _Glide | None = None
        self._animation = QVariantAnimation(self)
        self._animation.setStartValue(0.0)
        self._animation.setEndValue(1.0)
        self._animation.setDuration(STEP_MS)
        self._animation.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self._animation.valueChanged.connect(self._on_q_frame)
        self._animation.finished.connect(self._on_q_finished)
        document.pathChanged.connect(self._on_path_changed)
        document.changed.connect(self._on_document_changed)
        self.reset()

    # --- state -----------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """How many scenes (steps after step 0)."""
        return len(self.states) - 1

    def title(self, k: int) -> str:
        return self.states[0].scenes[k - 1].title if k else "As written"

    def narration(self, k: int) -> str:
        return self.states[0].scenes[k - 1].narration if k else ""

    @property
    def animating(self) -> bool:
        return self._glide is not None

    def reset(self) -> None:
        """Start over from the document's preset (another preset was opened)."""
        self.finish_now()
        preset, _ = applicable_scenes(self.document.preset)
        try:
            self.states = scene_states(preset)
        except Problems:  # cannot happen: applicable_scenes kept the steps that apply
            self.states = [preset]
        self.index = 0
        self.scenesChanged.emit()
        self.stepChanged.emit(0)

    def restore(self, states: list[Preset], index: int) -> None:
        """Back to a position kept earlier (a preset the lecture returns to)."""
        self.finish_now()
        self.states, self.index = states, index
        self.scenesChanged.emit()
        self.stepChanged.emit(index)

    def _on_path_changed(self, _path: Any) -> None:
        self.reset()

    def _on_document_changed(self, _analysis: Any) -> None:
        if self._glide is None and self.document.preset.scenes != self.states[0].scenes:
            self.reset()  # the scenes themselves changed (dropped on save, undone...)

    # --- intents ---------------------------------------------------------------------------

    def step(self, delta: int) -> bool:
        return self.go(self.index + delta)

    def go(self, k: int, animate: bool = True) -> bool:
        """Go to step ``k``, its numbers gliding there; False if there is no such step."""
        self.finish_now()
        if not 0 <= k <= self.count or k == self.index:
            return False
        changes = step_changes(self.states, self.index, k)
        start = self.document.preset
        origins = {}
        for path in changes:
            try:
                origins[path] = to_data(get_path(start, path))
            except Problems:
                origins[path] = None  # a tweak removed it: the step sets it outright
        self._serial += 1
        verb = f"Scene {k}: {self.title(k)}" if k > self.index else f"Back to scene {k}"
        self._glide = _Glide(start, changes, origins, verb, f"scene:{self._serial}")
        self.index = k
        self.stepChanged.emit(k)
        if animate:
            self._animation.start()
        else:
            self._land()
        return True

    def finish_now(self) -> None:
        """Jump to the end of a step still gliding."""
        if self._glide is not None:
            self._animation.stop()
            self._land()

    # --- the glide -------------------------------------------------------------------------

    def _on_q_frame(self, t: Any) -> None:
        glide = self._glide
        if glide is None or float(t) >= 1.0:
            return
        values = {p: between(glide.origins[p], v, float(t)) for p, v in glide.changes.items()}
        try:
            frame = with_values(glide.start, values, origin="scene")
        except PresetError:
            return  # an in-between value the schema refuses: skip this frame
        self.document.set_preset(frame, glide.text, merge=glide.key)

    def _on_q_finished(self) -> None:
        if self._glide is not None:
            self._land()

    def _land(self) -> None:
        """The step's exact values, and the end of its one undo step."""
        glide, self._glide = self._glide, None
        if glide is None:
            return
        try:
            final = with_values(glide.start, glide.changes, origin="scene")
        except PresetError as exc:  # the lecturer's changes left no room for this step
            self.document.report_error(str(exc.problems[0]))
            self.document.end_merge()
            return
        self.document.set_preset(final, glide.text, merge=glide.key)
        self.document.end_merge()


# --- what the audience and the lecturer see -------------------------------------------------


def _label(px: int, bold: bool = False) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = label.font()
    font.setPixelSize(px)
    font.setBold(bold)
    label.setFont(font)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


def step_heading(stepper: SceneStepper, k: int) -> str:
    return f"{k}/{stepper.count}  {stepper.title(k)}"


def elide_lines(text: str, font: QFont, width: int, lines: int) -> list[str]:
    """``text`` wrapped at word boundaries to ``width`` pixels in ``font``, at most ``lines``
    lines, the last one ended with "…" when the text goes on."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    spans = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(width, 1))
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    out = [text[a : a + n].rstrip() for a, n in spans[:lines]]
    if len(spans) > lines:
        metrics = QFontMetrics(font)
        last = out[-1] + " …"
        while out[-1] and metrics.horizontalAdvance(last) > width:
            out[-1] = out[-1].rsplit(" ", 1)[0] if " " in out[-1] else out[-1][:-1]
            last = out[-1].rstrip(" ,;:.") + " …"
        out[-1] = last
    return out


class QtCaption(QFrame):
    """The step's title and narration in large type, under the plots (the goals stay clear).

    Its height is bounded so that the plots keep their room at a projector's size: the
    heading is one line and the narration at most :data:`CAPTION_LINES` lines, cut with
    "…"; the whole narration is in its tooltip and in the presenter view."""

    def __init__(self, stepper: SceneStepper, parent: QWidget | None = None):
        super().__init__(parent)
        self._stepper = stepper
        self._text = ""  # the whole narration shown (cut to fit)
        self.setObjectName("lectureCaption")
        self.setStyleSheet(
            "#lectureCaption { background: #ffffff; border-top: 3px solid #000000; }"
            " QLabel { color: #000000; }"
        )
        self.heading = _label(CAPTION_TITLE_PX, bold=True)
        self.narration = _label(CAPTION_TEXT_PX)
        for label in (self.heading, self.narration):
            # Lines are cut here to the caption's width: never a label widening the window.
            label.setWordWrap(False)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 6)
        layout.setSpacing(0)
        layout.addWidget(self.heading)
        layout.addWidget(self.narration)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        stepper.stepChanged.connect(self.show_step)
        stepper.scenesChanged.connect(self._on_scenes_changed)
        self.show_step(stepper.index)

    def _on_scenes_changed(self) -> None:
        self.show_step(self._stepper.index)

    def show_step(self, k: int) -> None:
        s = self._stepper
        self._heading = step_heading(s, k)
        if k == 0 and s.count:
            text = f"The design as written. Press → for “{s.title(1)}”."
        else:
            text = " ".join(s.narration(k).split())
        self._text = text
        self.setToolTip(f"{self._heading}\n\n{text}" if text else self._heading)
        self._fit()

    def _fit(self) -> None:
        """The heading and the narration cut to the caption's width."""
        margins = self.layout().contentsMargins()
        width = max(self.width() - margins.left() - margins.right(), 40)
        metrics = QFontMetrics(self.heading.font())
        self.heading.setText(metrics.elidedText(self._heading, Qt.TextElideMode.ElideRight, width))
        lines = elide_lines(self._text, self.narration.font(), width, CAPTION_LINES)
        self.narration.setText("\n".join(lines))
        self.narration.setVisible(bool(self._text))
        line = QFontMetrics(self.narration.font()).lineSpacing()
        self.narration.setFixedHeight(line * max(len(lines), 1))
        self.heading.setFixedHeight(metrics.lineSpacing())

    @property
    def narration_text(self) -> str:
        """The whole narration of the step shown (the caption may show it cut)."""
        return self._text

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()


class QtPresenterView(QWidget):
    """For the lecturer's own screen: where the lecture is, what to say, what comes next."""

    def __init__(self, stepper: SceneStepper, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self._stepper = stepper
        self.setWindowTitle("Presenter — Prototyper")
        self.setStyleSheet("QWidget { background: #ffffff; color: #000000; }")
        self.position = _label(20)
        self.title = _label(34, bold=True)
        self.narration = _label(26)
        self.next = _label(22)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        for widget in (self.position, self.title, self.narration):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.next)
        stepper.stepChanged.connect(self.show_step)
        stepper.scenesChanged.connect(self._on_scenes_changed)
        self.show_step(stepper.index)

    def _on_scenes_changed(self) -> None:
        self.show_step(self._stepper.index)

    def show_step(self, k: int) -> None:
        s = self._stepper
        self.position.setText(f"Step {k} of {s.count}  —  {s.document.preset.scenario.name}")
        self.title.setText(s.title(k))
        self.narration.setText(" ".join(s.narration(k).split()))
        self.next.setText(f"Next: {s.title(k + 1)}" if k < s.count else "Last step")


class QtScenesList(QListWidget):
    """The preset's steps in the design panel; a click goes to one (its values glide)."""

    def __init__(self, stepper: SceneStepper, parent: QWidget | None = None):
        super().__init__(parent)
        self._stepper = stepper
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        stepper.scenesChanged.connect(self._fill)
        stepper.stepChanged.connect(self._select)
        self.itemClicked.connect(self._on_q_clicked)
        self._fill()

    def _fill(self) -> None:
        self.clear()
        s = self._stepper
        for k in range(s.count + 1):
            item = QListWidgetItem(f"{k}. {s.title(k)}")
            item.setToolTip(" ".join(s.narration(k).split()) or "The preset as written")
            self.addItem(item)
        rows = max(self.count(), 1)
        self.setFixedHeight(min(rows, 10) * (self.sizeHintForRow(0) + 2) + 6)
        self._select(s.index)

    def _select(self, k: int) -> None:
        if 0 <= k < self.count():
            self.setCurrentRow(k)

    def _on_q_clicked(self, item: QListWidgetItem) -> None:
        self._stepper.go(self.row(item))


def other_screen(window: QWidget) -> Any:
    """A screen other than the window's, for the presenter view (None with one screen)."""
    here = window.screen()
    return next((s for s in QGuiApplication.screens() if s is not here), None)


# --- the lecture in the window --------------------------------------------------------------


@dataclass
class _Kept:
    """A preset of the course as the lecturer left it."""

    preset: Preset
    states: list[Preset]
    index: int


class LectureController(QObject):
    """Scenes and the course in the main window (see the module's docstring)."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.active = False
        self.stepper = SceneStepper(window.document, self)
        self.caption = QtCaption(self.stepper)
        self.caption.hide()
        window.centralWidget().layout().addWidget(self.caption)
        self.presenter: QtPresenterView | None = None
        self.scenes_list = QtScenesList(self.stepper)
        window.design_panel.add_section("Scenes", self.scenes_list)
        self.kept: dict[Path, _Kept] = {}
        try:
            self.course: Course | None = load_course(
                assets.bundled_course(), assets.bundled_or_none
            )
        except PresetError:
            self.course = None  # a broken installation: Page Down steps through the presets
        self._build_actions()
        self.stepper.scenesChanged.connect(self._show_caption)
        window.lectureModeChanged.connect(self.set_active)

    def _build_actions(self) -> None:
        w = self.window
        self.next_action = QAction("Next Scene", w)
        self.next_action.setShortcut(QKeySequence(Qt.Key.Key_Right))
        self.next_action.triggered.connect(self._on_next)
        self.previous_action = QAction("Previous Scene", w)
        self.previous_action.setShortcut(QKeySequence(Qt.Key.Key_Left))
        self.previous_action.triggered.connect(self._on_previous)
        for action in (self.next_action, self.previous_action):
            action.setEnabled(False)  # the arrows belong to the editors outside a lecture
            w.addAction(action)
        self.open_course_action = QAction("Open &Course…", w)
        self.open_course_action.triggered.connect(self._on_open_course)
        menus = {a.text(): a.menu() for a in w.menuBar().actions() if a.menu() is not None}
        if "&View" in menus:
            menus["&View"].addSeparator()
            menus["&View"].addAction(self.next_action)
            menus["&View"].addAction(self.previous_action)
        if "&File" in menus:
            file_menu = menus["&File"]
            bundled = w.bundled_menu.menuAction()
            after = file_menu.actions()
            at = after[after.index(bundled) + 1] if bundled in after[:-1] else None
            file_menu.insertAction(at, self.open_course_action)

    def _on_next(self) -> None:
        self.stepper.step(1)

    def _on_previous(self) -> None:
        self.stepper.step(-1)

    def _on_open_course(self) -> None:
        self.open_course_dialog()

    # --- lecture mode ----------------------------------------------------------------------

    def set_active(self, on: bool) -> None:
        self.active = on
        self.next_action.setEnabled(on)
        self.previous_action.setEnabled(on)
        self._give_plots_room(on)
        self._show_caption()
        if on:
            self._show_presenter()
            return
        self.kept.clear()  # may_leave() asked about them
        if self.presenter is not None:
            self.presenter.close()

    def _give_plots_room(self, on: bool) -> None:
        """In a lecture the Today plots keep a readable height whatever else shows (the
        caption, the design panel): the goals above scroll instead, and the outcome legend
        names the modes only (the goals give its figures)."""
        w = self.window
        for plot in (w.score_plot, w.value_plot, w.roc_plot):
            plot.setMinimumHeight(LECTURE_PLOT_MIN_PX if on else 0)
        # The bars and their totals' labels need more than the curves. The grid ignores
        # what the cell asks for (four equal cells): its least height is set here, the
        # bars' and room for two lines of the legend beside the stakeholder choice.
        cell = w.outcome_plot
        cell.set_compact(on)
        controls = max(
            cell.stakeholder_combo.sizeHint().height(), 2 * cell.legend.fontMetrics().lineSpacing()
        )
        cell.plot.setMinimumHeight(LECTURE_BARS_MIN_PX if on else 0)
        cell.setMinimumHeight(LECTURE_BARS_MIN_PX + controls + cell.layout().spacing() if on else 0)

    def _show_caption(self) -> None:
        self.caption.setVisible(self.active and self.stepper.count > 0)

    def _show_presenter(self) -> None:
        screen = other_screen(self.window)
        if screen is None:
            return
        if self.presenter is None:
            self.presenter = QtPresenterView(self.stepper, self.window)  # closes with it
        self.presenter.setScreen(screen)
        self.presenter.setGeometry(screen.availableGeometry())
        self.presenter.show()

    # --- the course ------------------------------------------------------------------------

    def open_course_dialog(self) -> bool:
        start = assets.bundled_course().parent
        chosen = self.window.choose_open("Open course", start, "Courses (*.yaml *.yml)")
        return chosen is not None and self.open_course(chosen)

    def open_course(self, path: Path) -> bool:
        try:
            self.course = load_course(path, assets.bundled_or_none)
        except PresetError as exc:
            self.window.tell("Cannot open course", str(exc))
            return False
        self.window.show_status(f"Course: {self.course.title}", 4000)
        return True

    def course_presets(self) -> list[Path]:
        if self.course is not None:
            return list(self.course.presets)
        return [p.resolve() for p in assets.bundled_presets()]

    def step_course(self, step: int) -> bool:
        """The next (or previous) preset of the course, as the lecturer left it; never a
        question about saving (the changes are kept until the lecture ends)."""
        w = self.window
        if w.model_loader.busy:
            w.show_status("Still loading the model…", 3000)
            return False
        presets = self.course_presets()
        doc = w.document
        here = doc.path.resolve() if doc.path else None
        index = presets.index(here) if here in presets else (-1 if step > 0 else 0)
        target = presets[(index + step) % len(presets)]
        self.stepper.finish_now()
        if here is None:  # untitled work has no place in the course to come back to
            if not w.maybe_save():
                return False
        else:
            self._keep(here)
        doc.undo_stack.setClean()  # kept above: moving on asks nothing
        kept = self.kept.get(target)
        if kept is not None and self._return_to(target, kept):
            return True
        return w.open_file(target)

    def _keep(self, path: Path) -> None:
        doc = self.window.document
        if doc.dirty:
            self.kept[path] = _Kept(doc.preset, list(self.stepper.states), self.stepper.index)
        else:
            self.kept.pop(path, None)

    def _return_to(self, path: Path, kept: _Kept) -> bool:
        w = self.window
        try:
            w.document.replace_all(kept.preset, path, dirty=True)
        except (PresetError, ConsentNeeded):
            return False  # its model no longer loads as it did: open the file afresh
        w.opened(path)
        self.stepper.restore(kept.states, kept.index)
        return True

    def tweaked(self) -> list[Path]:
        """Presets other than the one on screen the lecturer changed beyond their steps."""
        here = self.window.document.path
        out = []
        for path, kept in self.kept.items():
            if here is not None and path == here.resolve():
                continue
            if kept.preset != kept.states[kept.index]:
                out.append(path)
        return out

    def may_leave(self) -> bool:
        """At the end of a lecture: one question at most, for the presets changed beyond
        their steps and not on screen (the one on screen keeps its changes as usual)."""
        changed = self.tweaked()
        if not changed:
            return True
        Button = QMessageBox.StandardButton
        names = ", ".join(p.name for p in changed)
        answer = self.window.ask(
            "Changes made during the lecture",
            f"The lecture changed {len(changed)} other preset(s): {names}. Save copies of "
            "them in a folder of your choice?",
            Button.Save | Button.Discard | Button.Cancel,
            Button.Save,
        )
        if answer == Button.Save:
            return self._save_copies(changed)
        return answer == Button.Discard

    def _save_copies(self, changed: list[Path]) -> bool:
        w = self.window
        first = changed[0]
        chosen = w.choose_save(
            "Save the lecture's presets (the others go beside this one)",
            Path.home() / first.name,
            "Presets (*.yaml)",
        )
        if chosen is None:
            return False
        folder = Path(chosen).resolve().parent
        if folder == assets.asset_dir("presets").resolve():
            w.tell("Cannot save", "The bundled presets are not overwritten; choose another folder.")
            return False
        written = []
        for path in changed:
            target = Path(chosen) if path == first else _free_name(folder / path.name)
            preset, _ = applicable_scenes(self.kept[path].preset)
            preset = rebase_paths(preset, path.parent, folder)
            try:
                save_preset(preset, target)
            except OSError as exc:
                w.tell("Cannot save", f"{target}: {exc.strerror or exc}")
                return False
            written.append(target.name)
        w.show_status(f"Saved {', '.join(written)} in {folder}", 6000)
        return True

    # --- saving a design whose scenes an edit left behind ----------------------------------

    def scenes_may_be_saved(self) -> bool:
        """Before a save: a design edited so that some scenes no longer apply keeps the
        ones that do (a file is checked with its scenes), with the user's agreement."""
        doc = self.window.document
        kept, problem = applicable_scenes(doc.preset)
        if problem is None:
            return True
        dropped = len(doc.preset.scenes) - len(kept.scenes)
        Button = QMessageBox.StandardButton
        answer = self.window.ask(
            "Scenes that no longer apply",
            f"{dropped} of the preset's {len(doc.preset.scenes)} scenes no longer apply to the "
            f"design as it stands ({problem[0]}: {problem[1]}). Save without them?",
            Button.Yes | Button.No,
            Button.Yes,
        )
        if answer != Button.Yes:
            return False
        return doc.set_preset(kept, "Drop the scenes that no longer apply")


def _free_name(path: Path) -> Path:
    """``path``, or ``name_2.yaml``, ``name_3.yaml``... whichever does not exist yet."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}_{n}{path.suffix}")
        n += 1
    return candidate
