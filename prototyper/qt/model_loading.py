"""Plugging in a real model: the three ways to set the model, loading in a worker, consent.

The model section of the design panel offers three actions, and dropping a file on the window
does the same:

- **Describe a model**: the synthetic model, set by the base rate and the ROC AUC;
- **Load a scikit-learn model…**: a fitted estimator (``.skops``, or a pickle with consent)
  and a labelled evaluation CSV;
- **Load scores…**: a CSV of ``label,score[,group][,weight]`` from any framework.

Each builds a new model section (file paths relative to the preset file's folder, absolute
for a preset without a file) and applies it as one undoable step.

Loading can take seconds (skops and scikit-learn take about 2 s to import; a big CSV more), so
it runs in a :class:`~prototyper.qt.workers.Worker` in four steps, each in one place:

1. *check* (worker): for a scikit-learn model, which of the file's types this user has not
   trusted on this computer, or that it is a pickle
   (:func:`~prototyper.core.model.trust_check.check_trust`); for a bundle, extract it safely;
2. *consent* (GUI): ask about those types (each one that can run code marked so), or about
   the pickle; "No" changes nothing. Accepted types are remembered for the model file's
   SHA-256 on this computer (:mod:`prototyper.core.model.trust`), never written into the preset;
   a pickle is asked about again in each session;
3. *load* (worker): :func:`~prototyper.core.model.model_sources.load_scores` with that consent;
4. *apply* (GUI): the document keeps the pickle consent for the session and takes the new
   preset. Its analysis loads the same model with the same consent, now a cache hit.

Every way a preset reaches the window (File > Open, recent files, drag and drop, a bundle,
the file given at start, crash recovery) goes through these steps when its model has a file.

A busy bar with a Cancel button sits in the status bar meanwhile; Cancel abandons the result
(the thread finishes a load it cannot interrupt, and its result is dropped). Bad input is told
in one dialog, one line per problem, and changes nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QToolButton,
    QWidget,
)

from ..core.bundle import Bundle, is_bundle, load_bundle
from ..core.model.model_paths import Origin, model_files, origin_of
from ..core.model.model_sections import described, replace_model, score_file_model, sklearn_model
from ..core.model.model_sources import load_scores
from ..core.model.trust import remember, runs_code
from ..core.model.trust_check import CAN_RUN_CODE, TrustCheck, check_trust, requesting_allowed
from ..core.preset.preset_io import PresetError, load_preset, with_values
from ..core.preset.schema import (
    PICKLE_SUFFIXES,
    SKOPS_SUFFIXES,
    ModelSource,
    Preset,
    SklearnModel,
    SyntheticModel,
)
from .dialogs import Dialogs
from .document import Consent, Document, missing_files
from .forms.metadata import change_label
from .workers import Worker

Button = QMessageBox.StandardButton

MODEL_SUFFIXES = SKOPS_SUFFIXES + PICKLE_SUFFIXES
PRESET_SUFFIXES = (".yaml", ".yml")
DROP_SUFFIXES = PRESET_SUFFIXES + (".zip", ".csv") + MODEL_SUFFIXES
MODEL_FILTER = "Models (*.skops *.pkl *.pickle *.joblib);;All files (*)"
CSV_FILTER = "CSV files (*.csv);;All files (*)"


def problem_lines(exc: PresetError) -> str:
    return "\n".join(str(p) for p in exc.problems)


MAX_LISTED = 40  # types listed one by one in the consent dialog


def consent_text(check: TrustCheck) -> str:
    """The consent dialog's text (rich text): the types to trust, each one that can run code
    marked so in bold, and what accepting means."""
    items = []
    for name in check.needed[:MAX_LISTED]:
        shown = name if len(name) <= 120 else name[:117] + "..."
        mark = f" — <b>{CAN_RUN_CODE}</b>" if runs_code(name) else ""
        items.append(f"<li><code>{html.escape(shown)}</code>{mark}</li>")
    rest = check.needed[MAX_LISTED:]
    if rest:
        code = sum(map(runs_code, rest))
        items.append(f"<li>and {len(rest)} more, <b>{code} of which {CAN_RUN_CODE}</b></li>")
    warning = ""
    if check.code:
        warning = (
            f"<p><b>{len(check.code)} of them {CAN_RUN_CODE}</b>: they are functions or come "
            "from outside scikit-learn, numpy and scipy, and do whatever the file's author "
            "chose when the model is loaded or scores.</p>"
        )
    requested = ""
    if check.refused:
        requested = (
            "<p>The preset asks to trust some of them, but a preset can only ask: only "
            "scikit-learn estimators and numpy and scipy data types load without you.</p>"
        )
    return (
        f"<p>The model file <b>{html.escape(check.path.name)}</b> holds types that are not "
        f"trusted on this computer:</p><ul>{''.join(items)}</ul>{warning}{requested}"
        "<p>Trust them only if you trust where the file came from. Your answer is remembered "
        "for this file (by its contents) on this computer, never saved in the preset.</p>"
        "<p>Trust them and load the model?</p>"
    )


@dataclass
class _Opened:
    """A preset file read (or a bundle extracted) in the worker."""

    preset: Preset
    file: Path  # the preset file on disk (in the extracted folder, for a bundle)
    origin: Origin
    bundle: Bundle | None = None


@dataclass
class _Checked:
    """What the worker found before loading: the preset opened (if one was) and what loading
    its model needs from the user (None for a model without a file to check)."""

    opened: _Opened | None
    check: TrustCheck | None


@dataclass
class _Load:
    """One load from request to apply."""

    label: str  # the file being loaded, for the status bar
    text: str  # the undo step's text
    model: ModelSource | None = None  # a new model section for the current preset...
    open_path: Path | None = None  # ...or a preset or a bundle to open
    base_dir: Path | None = None
    origin: Origin = dataclasses.field(default_factory=Origin)
    doc_path: Path | None = None  # the document's file when asked
    analysis: Any = None  # the document's state when asked
    consent: Consent = dataclasses.field(default_factory=Consent)
    opened: _Opened | None = None
    preset: Preset | None = None  # a whole preset to show once its model is read again
    cache: Any = None  # the document's model cache, which the load fills
    then: str = ""  # the loader's method for the GUI step after the current worker step

    def close_bundle(self) -> None:
        if self.opened is not None and self.opened.bundle is not None:
            self.opened.bundle.close()


# --- the busy indicator --------------------------------------------------------------------


class QtLoadProgress(QWidget):
    """An indeterminate busy bar, what is loading, and Cancel; hidden when idle."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # indeterminate
        self.bar.setTextVisible(False)
        self.bar.setFixedSize(110, 12)
        self.cancel = QToolButton()
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Stop waiting for this load; nothing changes")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.hide()

        self.cancel.clicked.connect(self.cancelRequested)

    def start(self, text: str) -> None:
        self.label.setText(text)
        self.show()

    def stop(self) -> None:
        self.hide()


# --- the loader ----------------------------------------------------------------------------


class QtModelLoader(QObject):
    """Turns the model actions, dropped model and score files and opened presets with real
    models into document changes, loading in a worker and talking to the person through
    ``dialogs`` (the window's, or a test's fake). The caller shows :attr:`progress`."""

    started = Signal(str)  # what is being loaded
    finished = Signal(bool)  # the load is over: True if the document changed
    opened = Signal(object)  # Path: a preset or bundle opened in the background

    def __init__(self, document: Document, dialogs: Dialogs, parent: QObject | None = None):
        super().__init__(parent)
        self._document = document
        # Weak: a Python reference cycle through Qt objects is freed by the garbage collector,
        # which may run in a worker thread, where deleting widgets deadlocks or crashes.
        self._dialogs_ref = weakref.ref(dialogs)
        self._worker = Worker(self, threads=2)  # a cancelled load may still run beside a new one
        self._load: _Load | None = None
        self.bundles: list[Bundle] = []  # extracted bundles the document may use
        self.progress = QtLoadProgress()

        self._worker.finished.connect(self._on_worker_done)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.discarded.connect(self._on_discarded)
        self.progress.cancelRequested.connect(self.cancel)
        self.document.pathChanged.connect(self._on_document_path_changed)
        self.document.load_in_background = self.reload
        QCoreApplication.instance().aboutToQuit.connect(self.shutdown)  # bundles removed

    @property
    def _dialogs(self) -> Dialogs:
        return self._dialogs_ref()

    @property
    def document(self) -> Document:
        return self._document

    @property
    def busy(self) -> bool:
        return self._load is not None

    def choose_file(self, title: str, filters: str) -> Path | None:
        return self._dialogs.choose_open(title, self.document.base_dir or Path.cwd(), filters)

    # --- the three actions -----------------------------------------------------------------

    def describe_model(self) -> bool:
        """The synthetic model: base rate and AUC, set in the model section (one undo step
        from a real model, starting from the AUC it measured)."""
        if isinstance(self.document.preset.model, SyntheticModel):
            self._dialogs.show_status(
                "The model is described by its ROC AUC and the base rate, in the model section",
                4000,
            )
            return True
        return self._apply_now(described(self.document.analysis.scores), "Describe the model")

    def load_sklearn_dialog(self, model_file: Path | None = None) -> bool:
        """Pick a model file (unless given) and its evaluation CSV, then load them."""
        model_file = model_file or self.choose_file("Load a scikit-learn model", MODEL_FILTER)
        if model_file is None:
            return False
        data = self.choose_file(f"Evaluation data for {Path(model_file).name}", CSV_FILTER)
        if data is None:
            return False
        return self.load_sklearn(model_file, data)

    def load_scores_dialog(self) -> bool:
        path = self.choose_file("Load scores (label, score[, group][, weight])", CSV_FILTER)
        return path is not None and self.load_score_file(path)

    def load_sklearn(self, model_file: Path, data: Path) -> bool:
        model = sklearn_model(model_file, data, self.document.base_dir)
        return self.load_model(model, f"Load scikit-learn model {Path(model_file).name}")

    def load_score_file(self, path: Path) -> bool:
        model = score_file_model(path, self.document.base_dir)
        return self.load_model(model, f"Load scores {Path(path).name}")

    def edit_model(self, path: str, value: Any) -> bool:
        """A field of a real model's section edited in the panel (a file, a column): loaded
        like a new model, in the worker and with consent."""
        try:
            preset = with_values(self.document.preset, {path: value}, origin="edit")
        except PresetError as exc:
            self.document.report_error(str(exc.problems[0]))
            return False
        return self.load_model(preset.model, f"Change {change_label(type(preset), path)}")

    def load_model(self, model: ModelSource, text: str) -> bool:
        """Load ``model`` in the worker and make it the document's model as one undo step.
        True if the load started (or, for a synthetic model, was applied)."""
        doc = self.document
        try:
            replace_model(doc.preset, model)  # a bad section is told before any loading
        except PresetError as exc:
            self._dialogs.tell("Cannot use this model", problem_lines(exc))
            return False
        if isinstance(model, SyntheticModel):
            return self._apply_now(model, text)
        files = list(model_files(model).values())
        label = Path(files[0]).name if files else "model"
        # Named after the preset's file, without its lines: the file does not hold this section.
        origin = Origin(str(doc.path)) if doc.path else Origin()
        load = _Load(label, text, model=model, base_dir=doc.base_dir, origin=origin)
        self._begin(load)
        return True

    def reload(self, preset: Preset, text: str) -> None:
        """The document's change to ``preset`` needs its model's files read (again): read
        them here, then make the change (``text``: the undo step's; "" shows ``preset`` from
        the undo history). A drag keeps moving meanwhile: the latest step wins."""
        load = self._load
        if load is not None and load.preset is not None and load.model == preset.model:
            load.preset, load.text = preset, text  # the same files: already being read
            return
        files = list(model_files(preset.model).values())
        label = Path(files[0]).name if files else "model"
        doc = self.document
        origin = Origin(str(doc.path)) if doc.path else Origin()
        self._begin(
            _Load(
                label, text, model=preset.model, base_dir=doc.base_dir, origin=origin, preset=preset
            )
        )

    # --- opening presets and bundles -------------------------------------------------------

    def open_in_background(self, path: Path) -> bool:
        """Open a bundle, or a preset with a real model, in the worker (asking for consent if
        needed); False for anything else, which the window opens itself."""
        path = Path(path)
        if not is_bundle(path):
            if path.suffix.lower() not in PRESET_SUFFIXES:
                return False
            try:
                preset = load_preset(path)
            except PresetError:
                return False  # the window's own open tells what is wrong
            if isinstance(preset.model, SyntheticModel):
                return False
            if missing_files(preset, path.resolve().parent):
                return False  # opened at once, a described model standing in
        self._begin(_Load(path.name, f"Open {path.name}", open_path=path))
        return True

    def drop(self, path: Path) -> bool:
        """A model or score file dropped on the window (the window opens presets and bundles
        itself): a model file asks for its evaluation data, a CSV loads as scores."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in MODEL_SUFFIXES:
            return self.load_sklearn_dialog(path)
        if suffix == ".csv":
            return self.load_score_file(path)
        return False

    def in_bundle(self, path: Path | None) -> Bundle | None:
        """The open bundle whose extracted folder holds ``path``, if any."""
        if path is None:
            return None
        resolved = Path(path).resolve()
        for bundle in self.bundles:
            if resolved.is_relative_to(bundle.directory.resolve()):
                return bundle
        return None

    # --- cancel and shut down --------------------------------------------------------------

    def cancel(self) -> None:
        """Abandon the running load; its result, when it comes, is dropped."""
        load = self._finish(False)
        if load is not None:
            load.close_bundle()
            self._dialogs.show_status(f"Cancelled loading {load.label}; nothing changed", 4000)

    def shutdown(self) -> None:
        """The window closes: abandon any load and remove the extracted bundles."""
        self.cancel()
        self._worker.wait(10_000)
        for bundle in self.bundles:
            bundle.close()
        self.bundles.clear()

    def wait(self, msecs: int = 30_000) -> bool:
        """Wait for the worker threads (tests)."""
        return self._worker.wait(msecs)

    # --- the steps -------------------------------------------------------------------------

    def _begin(self, load: _Load) -> None:
        self.cancel()  # a new load supersedes the one running
        load.doc_path = self.document.path
        load.analysis = self.document.analysis
        load.consent = self.document.consent
        load.cache = self.document.model_cache
        self._load = load
        self.progress.start(f"Loading {load.label}…")
        self.started.emit(load.label)
        self._submit(functools.partial(QtModelLoader._check, load), "_on_checked")

    def _submit(self, work: Callable[[], Any], then: str) -> None:
        """Run ``work`` in the pool; its result goes to the method named ``then``."""
        assert self._load is not None
        self._load.then = then
        self._worker.start(lambda _run: work())  # a load cannot stop half-way

    def _on_worker_done(self, value: Any) -> None:
        load = self._load
        assert load is not None  # ending a load cancels its run, whose result is discarded
        getattr(self, load.then)(value)

    @staticmethod
    def _on_discarded(value: Any) -> None:
        """A cancelled or superseded load's result: remove the bundle it extracted."""
        if isinstance(value, _Checked) and value.opened and value.opened.bundle:
            value.opened.bundle.close()

    def _on_worker_failed(self, exc: BaseException) -> None:
        load = self._load
        assert load is not None
        self._finish(False)
        load.close_bundle()
        if isinstance(exc, PresetError):
            self._dialogs.tell(f"Cannot load {load.label}", problem_lines(exc))
        else:
            raise exc  # a bug: the window's exception hook shows it

    def _finish(self, changed: bool) -> _Load | None:
        """End the current load (if any) and return it."""
        load, self._load = self._load, None
        self._worker.cancel()  # whatever the running step returns is dropped
        if load is not None and load.preset is not None:
            self.document.stop_waiting()
        if load is not None:
            self.progress.stop()
            self.finished.emit(changed)
        return load

    @staticmethod
    def _check(load: _Load) -> _Checked:
        """Worker: open the preset or bundle, then list what loading its model needs. Reads
        ``load`` only: the GUI thread may abandon it meanwhile."""
        opened, model, base_dir, origin = None, load.model, load.base_dir, load.origin
        if load.open_path is not None:
            opened = _open_file(load.open_path)
            model, base_dir, origin = (
                opened.preset.model,
                opened.file.resolve().parent,
                opened.origin,
            )
        if not isinstance(model, SklearnModel):
            return _Checked(opened, None)
        try:
            return _Checked(opened, check_trust(model, base_dir, origin=origin))
        except BaseException:
            if opened is not None and opened.bundle is not None:
                opened.bundle.close()
            raise

    def _on_checked(self, checked: _Checked) -> None:
        load = self._load
        assert load is not None
        check = checked.check
        if checked.opened is not None:
            load.opened = checked.opened
            load.base_dir = checked.opened.file.resolve().parent
            load.origin = checked.opened.origin
        model = load.opened.preset.model if load.opened else load.model
        if isinstance(model, SklearnModel) and load.opened is None:
            load.model, check = requesting_allowed(model, check)  # a file the user chose
            model = load.model
        if check is not None and not self._ask_consent(load, model, check):
            self._finish(False)
            load.close_bundle()
            self._dialogs.show_status(f"Not loaded: {load.label} was not trusted", 6000)
            return
        if isinstance(model, SyntheticModel):
            self._on_loaded(None)
            return
        self._submit(functools.partial(QtModelLoader._load_scores, load, model), "_on_loaded")

    def _ask_consent(self, load: _Load, model: SklearnModel, check: TrustCheck) -> bool:
        """Ask about a pickle and about untrusted types; True if loading may go on (the
        consent is then in ``load.consent``)."""
        name = check.path.name
        options = load.consent.options(model, load.base_dir)
        if check.pickle and not options["allow_pickle"]:
            text = (
                f"The model file {name} is a pickle. Loading a pickle can run arbitrary code "
                "on this computer: load it only if you trust where it came from. Your answer "
                "holds until you quit, and is never saved (saving the model with "
                "skops.io.dump avoids this).\n\nLoad it?"
            )
            if not self._yes("Load a pickle?", text):
                return False
            load.consent = load.consent.granting(model, load.base_dir)
        if check.needed:
            if not self._yes("Trust the model's types?", consent_text(check)):
                return False
            if not remember(check.digest, check.needed):
                self._dialogs.show_status(
                    "Could not save the consent in your settings; trusted until you quit", 8000
                )
        return True

    def _yes(self, title: str, text: str) -> bool:
        answer = self._dialogs.ask(title, text, Button.Yes | Button.No, Button.No)
        return answer == Button.Yes

    @staticmethod
    def _load_scores(load: _Load, model: ModelSource) -> Any:
        """Worker: the load itself; the document's analysis then finds it in the cache."""
        options = load.consent.options(model, load.base_dir)
        return load_scores(model, load.base_dir, origin=load.origin, cache=load.cache, **options)

    def _on_loaded(self, _loaded: Any) -> None:
        load = self._load
        assert load is not None
        doc = self.document
        stale = doc.path != load.doc_path  # another file was opened meanwhile
        if not stale and load.opened is not None and doc.analysis is not load.analysis:
            stale = doc.dirty and not self._dialogs.maybe_save()  # edited while loading
        if stale:
            self._finish(False)
            load.close_bundle()
            return
        doc.grant(load.consent)
        if load.opened is not None:
            changed = self._open(load)
        else:
            changed = self._apply(load)
        self._finish(changed)
        if changed:
            self._dialogs.show_status(f"Loaded {load.label}", 4000)

    def _apply(self, load: _Load) -> bool:
        assert load.model is not None
        if load.preset is not None:  # a change that waited for its model to be read again
            doc = self.document
            if not load.text:
                doc.show_loaded(load.preset)
                return True
            if doc.analysis is load.analysis:
                return doc.set_preset(load.preset, load.text)
            doc.refresh()  # edited meanwhile (a change that did not wait): show it, exact
            return True
        try:  # on the current preset: edits made while loading stay
            preset = replace_model(self.document.preset, load.model)
        except PresetError as exc:
            self._dialogs.tell(f"Cannot load {load.label}", problem_lines(exc))
            return False
        return self.document.set_preset(preset, load.text)

    def _open(self, load: _Load) -> bool:
        opened = load.opened
        assert opened is not None and load.open_path is not None
        if opened.bundle is not None:
            self.bundles.append(opened.bundle)
        try:
            self.document.open(opened.file)
        except PresetError as exc:
            load.close_bundle()
            if opened.bundle in self.bundles:
                self.bundles.remove(opened.bundle)
            self._dialogs.tell("Cannot open preset", problem_lines(exc))
            return False
        self.opened.emit(load.open_path)
        return True

    def _apply_now(self, model: ModelSource, text: str) -> bool:
        """A change that needs no loading (the synthetic model)."""
        self.cancel()
        try:
            preset = replace_model(self.document.preset, model)
        except PresetError as exc:
            self._dialogs.tell("Cannot use this model", problem_lines(exc))
            return False
        return self.document.set_preset(preset, text)

    def _on_document_path_changed(self, path: Path | None) -> None:
        """Remove extracted bundles the document no longer uses (another file opened)."""
        for bundle in list(self.bundles):
            if bundle is not self.in_bundle(path) and not self._uses(bundle):
                bundle.close()
                self.bundles.remove(bundle)

    def _uses(self, bundle: Bundle) -> bool:
        doc = self.document
        folder = bundle.directory.resolve()
        for written in model_files(doc.preset.model).values():
            path = Path(written)
            path = path if path.is_absolute() else Path(doc.base_dir or Path.cwd()) / path
            if Path(os.path.normpath(path)).resolve().is_relative_to(folder):
                return True
        return False


def _open_file(path: Path) -> _Opened:
    """Worker: read a preset, or extract a bundle and read its preset."""
    if is_bundle(path):
        bundle = load_bundle(path)
        origin = origin_of(bundle.preset_path, bundle.label)
        return _Opened(bundle.preset, bundle.preset_path, origin, bundle)
    return _Opened(load_preset(path), path, origin_of(path))
