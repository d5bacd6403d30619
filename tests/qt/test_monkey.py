"""A monkey test of the window: thousands of random actions from a fixed seed, none of which
may end in an unhandled exception (or a Qt warning).

The monkey uses the window as a person would: its menus and keys, the design panel's editors
(in range, at the bounds and out of range), buttons, the threshold lines, undo and redo, the
tabs, lecture mode, the window's size, dropped files and short simulations. The modal dialogs
it meets answer at random, the file choosers often with hostile files: a 6,000-character
path, a folder, a FIFO, a missing file, text, an image, CSVs, the core tests' bad presets,
the bundled presets and a bundle.
"""

from __future__ import annotations

import collections
import gc
import os
import random
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDropEvent, QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QScrollBar,
    QWidget,
)

from prototyper import assets
from prototyper.core.bundle import pack
from prototyper.qt.main_window import MainWindow, install_exception_hook
from prototyper.qt.simulation import SimulationSettings

SEED = 20_261_201
# The default run is sized for `make test`; the 20,000-action soaks (-m slow) go further.
ACTIONS = 600
SOAK_ACTIONS = 20_000
SOAK_SEEDS = (1, 2, 3)
# Small runs: the monkey simulates often; the numbers do not matter here.
SIMULATION = SimulationSettings(seed=5, replications=2, users=40)
SENSITIVITY_DRAWS = 200  # and few sensitivity draws
PAINT_EVERY = 20  # actions
WAIT_MS = 60_000  # for a load or a simulation to end; longer is a hang
BAD_PRESETS = Path(__file__).resolve().parents[1] / "core" / "bad_presets"
Button = QMessageBox.StandardButton
ANSWERS = (Button.Yes, Button.No, Button.Save, Button.Discard, Button.Cancel, Button.Ok)
KEYS = (
    (Qt.Key.Key_F11, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_F9, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_PageDown, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_PageUp, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
    (Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier),
)
TEXTS = (
    "",
    " ",
    "x",
    "0",
    "-0",
    "0.5",
    "-1",
    "2",
    "1e309",
    "-1e309",
    "nan",
    "inf",
    "1,5",
    "٣",
    "é✓ ünïcode",
    "a\nb",
    "a\x00b",
    "../../somewhere/model.skops",
    "eval.csv",
    "label",
    "score",
    "sklearn.tree._tree.Tree",
    "a" * 6_000,
    "/" + "d" * 250 + "/x.csv",
)


def hostile_files(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """What the file choosers answer, by a short name: (to open, to save to). An empty path
    is a cancelled dialog. Names of bad presets start with "bad ", bundled ones with
    "bundled " (see choose_file)."""
    root.mkdir()
    mine = root / "mine.yaml"
    shutil.copy(assets.preset_path("safe_browsing"), mine)
    (root / "folder.yaml").mkdir()
    os.mkfifo(root / "pipe.yaml")
    os.mkfifo(root / "pipe.csv")
    (root / "notes.txt").write_text("not a preset\n", encoding="utf-8")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    (root / "image.png").write_bytes(png)
    (root / "image.yaml").write_bytes(png)
    rng = random.Random(7)
    rows = [f"{int(rng.random() < 0.3)},{rng.random():.4f}" for _ in range(300)]
    (root / "scores.csv").write_text("label,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (root / "garbage.csv").write_text("a;b\n\x01\x02,,\n", encoding="utf-8")
    pack(assets.preset_path("fall_detection_model"), root / "design.zip")
    long_name = root / ("n" * (6_000 - len(str(root)) - 6) + ".yaml")
    deep = root.joinpath(*["d" * 99] * (6_000 // 100)) / "x.yaml"
    os.mkfifo(root / "pipe.zip")
    models = assets.asset_dir("models") / "phishing_url"
    hostile = {
        "cancel": "",
        "long name": str(long_name),
        "long path": str(deep),
        "folder": str(root / "folder.yaml"),
        "fifo": str(root / "pipe.yaml"),
        "fifo csv": str(root / "pipe.csv"),
        "fifo zip": str(root / "pipe.zip"),
        "long name csv": str(long_name.with_suffix(".csv")),
        "long name zip": str(long_name.with_suffix(".zip")),
        "long path csv": str(deep.with_suffix(".csv")),
        "missing": str(root / "missing.yaml"),
        "text": str(root / "notes.txt"),
        "png": str(root / "image.png"),
        "png as yaml": str(root / "image.yaml"),
        "scores csv": str(root / "scores.csv"),
        "garbage csv": str(root / "garbage.csv"),
        "eval csv": str(models / "eval.csv"),
        "skops": str(models / "model.skops"),
        "bundle": str(root / "design.zip"),
        "mine": str(mine),
    }
    opens = dict(hostile)
    opens.update({f"bad {p.name}": str(p) for p in sorted(BAD_PRESETS.iterdir())})
    opens.update({f"bundled {p.stem}": str(p) for p in assets.bundled_presets()})
    assert len(set(opens.values())) == len(opens)
    saves = {k: hostile[k] for k in ("cancel", "long name", "long path", "folder", "mine")}
    saves.update({f"save {n}": str(root / "saves" / f"{n}.yaml") for n in "abc"})
    saves["missing folder"] = str(root / "nowhere" / "x.yaml")
    (root / "saves").mkdir()
    return opens, saves


def choose_file(rng: random.Random, files: dict[str, str]) -> str:
    """A file's name: hostile files as often as the bad presets and the bundled ones
    together, though there are fewer of them."""
    group = rng.choice(("bad ", "bundled ", "", ""))
    if group:
        names = [n for n in files if n.startswith(group)]
    else:
        names = [n for n in files if not n.startswith(("bad ", "bundled "))]
    return rng.choice(sorted(names))


class Monkey:
    """Random actions on one window; ``performed`` counts those that did something, by
    kind, ``log`` says what each was (the same for the same seed), ``errors`` holds every
    unhandled exception and hang."""

    def __init__(self, window: MainWindow, qtbot, rng: random.Random, root: Path):
        self.window, self.qtbot, self.rng, self.root = window, qtbot, rng, root
        self.performed: collections.Counter[str] = collections.Counter()
        self.log: list[str] = []
        self.errors: list[str] = []
        # Weights: the edits that cost little come often, the costly ones (opening files,
        # lecture mode's new fonts, simulations) often enough to meet every state.
        self.kinds = [
            (self.menu_action, 6),
            (self.key, 6),
            (self.spin_box, 16),
            (self.slider, 10),
            (self.combo_box, 6),
            (self.check_box, 4),
            (self.line_edit, 6),
            (self.text_area, 2),
            (self.button, 6),
            (self.threshold_drag, 8),
            (self.undo_redo, 10),
            (self.tab, 3),
            (self.lecture_mode, 1),
            (self.resize, 3),
            (self.simulate, 1),
            (self.drop, 6),
        ]

    # --- running ---------------------------------------------------------------------------

    def run(self, count: int) -> None:
        actions, weights = zip(*self.kinds, strict=True)
        attempts = 0
        while sum(self.performed.values()) < count and attempts < 5 * count:
            attempts += 1
            action = self.rng.choices(actions, weights)[0]
            name = action.__name__
            try:
                done = action()
            except Exception:  # noqa: BLE001 - what the monkey is here to find
                self.errors.append(f"{name}: {traceback.format_exc()}")
                done = True
            if done:
                self.performed[name] += 1
            self.settle()
            if attempts % PAINT_EVERY == 0:
                self.paint()
            if attempts % 100 == 0:
                gc.collect()  # here, in the main thread (see conftest)

    def paint(self) -> None:
        """Paint the window as it is now. Painting the plots after every action would take
        most of the test's time: the window paints every few actions only."""
        self.window.setUpdatesEnabled(True)
        QApplication.processEvents()
        self.window.setUpdatesEnabled(False)

    def note(self, text: str) -> None:
        self.log.append(text.replace(str(self.root), "<root>")[:200])

    def settle(self) -> None:
        """Cancel at random what the action started, then deliver what it queued and let
        background loads and runs end, so that the next action meets a settled window. The
        cancels are decided before the event loop runs: a worker's end reaches the window
        only through it, so what is running then, and the random numbers drawn, do not
        depend on the machine's speed (the same seed makes the same actions)."""
        loader = self.window.model_loader
        simulation = self.window.simulation
        sensitivity = self.window.sensitivity
        if loader.busy and self.rng.random() < 0.1:
            self.note("cancel the load")
            loader.progress.cancel.click()
        if simulation.running and self.rng.random() < 0.6:
            self.note("cancel the simulation")
            simulation.cancel()
        if sensitivity.running and self.rng.random() < 0.5:
            self.note("cancel the sensitivity analysis")
            sensitivity.cancel()
        QApplication.processEvents()
        if loader.busy and not self._wait(lambda: not loader.busy):
            self.errors.append(f"a load did not end: {self.log[-3:]}")
            loader.cancel()
        if simulation.running and not self._wait(lambda: not simulation.running):
            self.errors.append(f"a simulation did not end: {self.log[-3:]}")
            simulation.cancel()
        if sensitivity.running and not self._wait(lambda: not sensitivity.running):
            self.errors.append(f"a sensitivity analysis did not end: {self.log[-3:]}")
            sensitivity.cancel()
        QApplication.processEvents()

    def _wait(self, done) -> bool:
        try:
            self.qtbot.waitUntil(done, timeout=WAIT_MS)
        except self.qtbot.TimeoutError:
            return False
        return True

    def pick(self, widgets: list):
        return self.rng.choice(widgets) if widgets else None

    def usable(self, cls, under: QWidget | None = None) -> list:
        """Enabled widgets of a class that a person could reach (shown on the screen)."""
        under = under or self.window
        return [
            w
            for w in under.findChildren(cls)
            if w.isEnabled() and w.isVisible()  # the model details and error boxes too
        ]

    def panel(self, cls) -> list:
        return self.usable(cls, self.window.design_panel)

    @staticmethod
    def name_of(widget: QWidget) -> str:
        for w in (
            widget,
            widget.parentWidget(),
            widget.parentWidget() and widget.parentWidget().parentWidget(),
        ):
            path = getattr(w, "path", None)
            if isinstance(path, str):
                return f"{type(widget).__name__} {path}"
        return type(widget).__name__

    # --- the actions -----------------------------------------------------------------------

    def menu_action(self) -> bool:
        actions = []
        menus = [a.menu() for a in self.window.menuBar().actions() if a.menu()]
        while menus:
            menu = menus.pop(0)
            for action in menu.actions():
                if action.menu():
                    menus.append(action.menu())
                elif not action.isSeparator() and action.isEnabled():
                    if action.text().replace("&", "") != "Quit":
                        actions.append(action)
        action: QAction | None = self.pick(actions)
        if action is None:
            return False
        self.note(f"menu {action.text()}")
        action.trigger()
        return True

    def key(self) -> bool:
        key, modifiers = self.rng.choice(KEYS)
        self.note(f"key {key.name} {modifiers}")
        self.window.activateWindow()
        self.qtbot.keyClick(self.window, key, modifiers)
        return True

    def spin_box(self) -> bool:
        box: QAbstractSpinBox | None = self.pick(
            [b for b in self.panel(QAbstractSpinBox) if not b.isReadOnly()]
        )
        if box is None:
            return False
        lo, hi = box.minimum(), box.maximum()
        how = self.rng.choice(("low", "high", "inside", "step", "type", "type"))
        self.note(f"spin {self.name_of(box)} {how}")
        if how == "step":
            box.stepBy(self.rng.choice((-10, -1, 1, 10)))
        elif how == "type":
            text = self.rng.choice((str(lo - 1), str(hi + 1), str(lo), str(hi)) + TEXTS[:16])
            box.lineEdit().selectAll()
            # One key event carrying the text: QTest's keyClicks aborts on non-ASCII.
            QApplication.sendEvent(
                box, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, text)
            )
            self.qtbot.keyClick(box, Qt.Key.Key_Return)
        else:
            value = {"low": lo, "high": hi}.get(how)
            if value is None:
                value = (
                    self.rng.uniform(lo, hi) if isinstance(lo, float) else self.rng.randint(lo, hi)
                )
            box.setValue(value)
        return True

    def slider(self) -> bool:
        slider: QAbstractSlider | None = self.pick(
            [s for s in self.panel(QAbstractSlider) if not isinstance(s, QScrollBar)]
        )
        if slider is None:
            return False
        lo, hi = slider.minimum(), slider.maximum()
        whole = isinstance(lo, int) and isinstance(hi, int)
        values = [
            self.rng.choice(
                (lo, hi, self.rng.randint(lo, hi) if whole else self.rng.uniform(lo, hi))
            )
            for _ in range(self.rng.randint(1, 5))
        ]
        drag = self.rng.random() < 0.7
        self.note(f"slider {self.name_of(slider)} {'drag' if drag else 'set'} {len(values)}")
        if drag:
            slider.setSliderDown(True)  # a drag: pressed, moved, released
        for value in values:
            slider.setValue(value)
        if drag:
            slider.setSliderDown(False)
        return True

    def combo_box(self) -> bool:
        combo: QComboBox | None = self.pick([c for c in self.usable(QComboBox) if c.count()])
        if combo is None:
            return False
        index = self.rng.randrange(combo.count())
        self.note(f"combo {self.name_of(combo)} {index}")
        combo.setCurrentIndex(index)
        combo.activated.emit(index)  # as a choice from the list does
        return True

    def check_box(self) -> bool:
        box: QCheckBox | None = self.pick(self.usable(QCheckBox))
        if box is None:
            return False
        self.note(f"check {self.name_of(box)}")
        box.click()
        return True

    def line_edit(self) -> bool:
        lines = [
            e
            for e in self.panel(QLineEdit)
            if not e.isReadOnly()
            and not isinstance(e.parentWidget(), (QAbstractSpinBox, QComboBox))
        ]
        line: QLineEdit | None = self.pick(lines)
        if line is None:
            return False
        text = self.rng.choice(TEXTS)
        self.note(f"line {self.name_of(line)} {text[:20]!r}")
        line.setText(text)
        self.qtbot.keyClick(line, Qt.Key.Key_Return)
        return True

    def text_area(self) -> bool:
        area: QPlainTextEdit | None = self.pick(
            [a for a in self.panel(QPlainTextEdit) if not a.isReadOnly()]
        )
        if area is None:
            return False
        text = self.rng.choice(TEXTS)
        self.note(f"text {self.name_of(area)} {text[:20]!r}")
        area.setPlainText(text)
        QApplication.sendEvent(area, QFocusEvent(QEvent.Type.FocusOut))  # commits it
        return True

    def button(self) -> bool:
        buttons = [b for b in self.usable(QAbstractButton) if not isinstance(b, QCheckBox)]
        button: QAbstractButton | None = self.pick(buttons)
        if button is None:
            return False
        self.note(f"button {self.name_of(button)} {button.text()!r}")
        button.click()
        return True

    def threshold_drag(self) -> bool:
        lines = self.window.score_plot.threshold_lines
        if not lines:
            return False
        index = self.rng.randrange(len(lines))
        line = lines[index]
        xs = [self.rng.choice((self.rng.uniform(-12, 12), -40.0, 40.0, 0.0)) for _ in range(4)]
        self.note(f"drag threshold {index}")
        line.moving = True  # as pyqtgraph's own mouse drag does
        for x in xs[: self.rng.randint(1, 4)]:
            line.setValue(x)
        line.moving = False
        line.sigPositionChangeFinished.emit(line)
        return True

    def undo_redo(self) -> bool:
        stack = self.window.document.undo_stack
        undo = self.rng.random() < 0.6
        if not (stack.canUndo() if undo else stack.canRedo()):
            return False
        self.note("undo" if undo else "redo")
        stack.undo() if undo else stack.redo()
        return True

    def tab(self) -> bool:
        index = self.rng.randrange(self.window.tabs.count())
        self.note(f"tab {index}")
        self.window.tabs.setCurrentIndex(index)
        return True

    def lecture_mode(self) -> bool:
        self.note("lecture mode")
        self.window.lecture_action.trigger()
        return True

    def resize(self) -> bool:
        size = self.rng.choice(((1, 1), (320, 240), (1440, 900), (3000, 2000)))
        self.note(f"resize {size}")
        self.window.resize(*size)
        return True

    def simulate(self) -> bool:
        self.note("simulate")
        self.window.simulate_action.trigger()
        return True

    def drop(self) -> bool:
        name = choose_file(self.rng, self.window.monkey_opens)
        path = self.window.monkey_opens[name]
        if not path:
            return False
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(path)])
        event = QDropEvent(
            QPointF(10, 10),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        self.note(f"drop {name}")
        self.window.dropEvent(event)
        return True


@pytest.fixture
def monkey_window(qtbot, tmp_path, monkeypatch):
    """Make a window whose dialogs answer at random and whose files, settings and temporary
    folders are all in tmp_path; returns (window, monkey) for a seed."""
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / "home"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # extracted bundles
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    app = QApplication.instance()
    font = app.font()
    made = []
    current: list[Monkey] = []

    def rng() -> random.Random:
        return current[-1].rng

    def question(parent, title, text, buttons=Button.Ok, default=Button.NoButton):
        current[-1].note(f"  dialog {title}")
        return rng().choice([b for b in ANSWERS if buttons & b] or [Button.Ok])

    def open_name(*args, **kwargs):
        monkey = current[-1]
        name = choose_file(rng(), monkey.window.monkey_opens)
        monkey.note(f"  chose {name}")
        return monkey.window.monkey_opens[name], ""

    def save_name(*args, **kwargs):
        monkey = current[-1]
        name = rng().choice(sorted(monkey.window.monkey_saves))
        monkey.note(f"  save to {name}")
        return monkey.window.monkey_saves[name], ""

    for method in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, method, staticmethod(question))
    # a long error's box (its first lines, the rest under Show Details) is built and shown
    monkeypatch.setattr(
        QMessageBox, "exec", lambda box: question(box.parent(), box.windowTitle(), box.text())
    )
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(open_name))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))

    def make(seed: int, label: str = "run") -> Monkey:
        root = tmp_path / label
        opens, saves = hostile_files(root)
        settings = QSettings(str(root / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(Path(opens["mine"]), settings=settings, recovery_dir=root / "recovery")
        window.monkey_opens, window.monkey_saves = opens, saves
        window.simulation.set_settings(SIMULATION)
        window.sensitivity_view.draws_box.setValue(SENSITIVITY_DRAWS)
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        monkey = Monkey(window, qtbot, random.Random(seed), root)
        window.setUpdatesEnabled(False)  # see Monkey.paint
        current.append(monkey)
        install_exception_hook(lambda: window)  # the app's hook: a dialog, and the app goes on
        shown = sys.excepthook

        def record(kind, value, tb) -> None:
            monkey.errors.append("".join(traceback.format_exception(kind, value, tb)))
            shown(kind, value, tb)

        sys.excepthook = record
        return monkey

    yield make
    for window in made:
        if window.isFullScreen():
            window.toggle_lecture_mode()
        window.model_loader.cancel()
        window.simulation.shutdown()
        window.sensitivity.shutdown()
        window.model_loader.wait()
        window.document.undo_stack.setClean()  # closes without asking
    app.setFont(font)


def report(monkey: Monkey) -> str:
    counts = ", ".join(f"{k} {n}" for k, n in sorted(monkey.performed.items()))
    errors = "\n\n".join(monkey.errors[:5])
    return f"{len(monkey.errors)} unhandled; actions: {counts}\n\n{errors}"


QT_NOISE = ("This plugin does not support",)  # the offscreen platform


@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.qt_log_ignore(*QT_NOISE)
def test_six_hundred_random_actions_raise_nothing(monkey_window):
    monkey = monkey_window(SEED)
    monkey.run(ACTIONS)
    assert not monkey.errors, report(monkey)
    assert sum(monkey.performed.values()) >= ACTIONS, report(monkey)
    assert len(monkey.performed) == len(monkey.kinds), report(monkey)  # every kind ran
    # Only files that opened or saved are offered again: no hostile path got in.
    recent = monkey.window.recent_files()
    assert recent and all(Path(r).is_file() for r in recent), recent


def test_the_same_seed_gives_the_same_actions(monkey_window):
    first = monkey_window(SEED, "first")
    first.run(150)
    second = monkey_window(SEED, "second")
    second.run(150)
    assert first.log == second.log
    assert not first.errors and not second.errors


@pytest.mark.slow
@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.qt_log_ignore(*QT_NOISE)
@pytest.mark.parametrize("seed", SOAK_SEEDS)
def test_soak_twenty_thousand_actions(monkey_window, seed):
    monkey = monkey_window(seed)
    monkey.run(SOAK_ACTIONS)
    assert not monkey.errors, report(monkey)
    assert sum(monkey.performed.values()) >= SOAK_ACTIONS, report(monkey)
