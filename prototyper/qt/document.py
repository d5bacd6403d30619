"""The open document: the current preset, its file, its undo history and its evaluation.

Views never change the preset themselves: they call :meth:`Document.set_value` (or
:meth:`Document.set_preset`), which validates, pushes an undoable edit and announces the new
state. Everything shown is recomputed from the preset by the core.
"""

from __future__ import annotations

import dataclasses
import filecmp
import hashlib
import os
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from ..core.evaluation.analysis import Analysis
from ..core.evaluation.analysis import analyse as core_analyse
from ..core.limits import Refused, open_regular
from ..core.model.model_paths import (
    Origin,
    existing_files,
    model_files,
    rebase_paths,
    resolve_path,
)
from ..core.model.model_sources import ModelCache, default_cache, score_model
from ..core.model.scores import BinormalScores
from ..core.preset.preset_io import (
    MAX_BYTES,
    Original,
    PresetError,
    Problem,
    dumps_preset,
    loads_preset,
    not_a_preset,
    save_preset,
    with_values,
    writable_target,
)
from ..core.preset.schema import ModelSource, Preset, SklearnModel, SyntheticModel
from ..core.preset.structure import get_path
from .forms.metadata import change_label


@dataclass(frozen=True)
class Consent:
    """The pickles the user accepted to unpickle in this session, by the model file's
    resolved path (consent to one file is not consent to another). Never saved: a pickle is
    asked about again in each session. (Consent to a skops file's types is remembered per
    user by the file's SHA-256, in :mod:`prototyper.core.model.trust`.)"""

    pickles: frozenset[str] = frozenset()  # model files

    def options(self, model: ModelSource, base_dir: Path | None) -> dict[str, Any]:
        """The ``allow_pickle`` argument to load ``model`` with."""
        if not isinstance(model, SklearnModel):
            return {}
        return {"allow_pickle": str(resolve_path(model.model, base_dir)) in self.pickles}

    def granting(self, model: SklearnModel, base_dir: Path | None) -> Consent:
        """With the pickle ``model`` names accepted."""
        return Consent(self.pickles | {str(resolve_path(model.model, base_dir))})


def analyse(
    preset: Preset,
    base_dir: Path | None = None,
    consent: Consent = Consent(),
    cache: ModelCache | None = None,
    previous: Analysis | None = None,
    coarse_points: int | None = None,
    draft: bool = False,
) -> Analysis:
    """Load the preset's model (a real one with the user's ``consent``, through ``cache``,
    the shared one if None) and analyse the preset; PresetError if the model cannot load.
    ``previous`` lends the sweeps that cannot have changed, ``coarse_points`` thins a real
    model's sweeps, ``draft`` keeps its single-threshold sweep (see the core's analyse)."""
    start = time.perf_counter()
    if missing_files(preset, base_dir):
        # The design stays open and editable: a described model with the AUC last measured
        # for the missing one stands in until its file is located (see stand_in).
        shown = replace(preset, model=stand_in(preset.model))
        scores = score_model(shown.model, preset.scenario.base_rate, base_dir)
        analysis = core_analyse(shown, scores, previous, coarse_points, draft)
        analysis = replace(analysis, preset=preset)
        return replace(analysis, seconds=time.perf_counter() - start)
    scores = score_model(
        preset.model,
        preset.scenario.base_rate,
        base_dir,
        cache=cache,
        **consent.options(preset.model, base_dir),
    )
    analysis = core_analyse(preset, scores, previous, coarse_points, draft)
    return replace(analysis, seconds=time.perf_counter() - start)  # the load counts too


def missing_files(preset: Preset, base_dir: Path | None) -> list[Problem]:
    """A problem for each file of the preset's model that is not there (one line each)."""
    try:
        existing_files(preset.model, base_dir, Origin())
    except PresetError as exc:
        return exc.problems
    return []


def stand_in(model: ModelSource) -> SyntheticModel:
    """The described model shown for a real one whose files are missing: its recorded AUC,
    or the described model's default."""
    auc = getattr(model, "measured_auc", None)
    return SyntheticModel() if auc is None or not 0.5 < auc < 1 else SyntheticModel(auc=auc)


def with_measured_auc(preset: Preset, analysis: Analysis) -> Preset:
    """The preset with its real model's AUC recorded as measured in ``analysis`` (rounded:
    a re-measured model does not change the file for noise)."""
    model = preset.model  # (the analysed model, maybe with its paths rewritten)
    if isinstance(model, SyntheticModel) or isinstance(analysis.preset.model, SyntheticModel):
        return preset
    if isinstance(analysis.scores, BinormalScores):  # a stand-in: nothing measured
        return preset
    auc = round(float(analysis.scores.roc_auc()), 4)
    if model.measured_auc == auc or not 0 <= auc <= 1:
        return preset
    return replace(preset, model=dataclasses.replace(model, measured_auc=auc))


@dataclass(frozen=True)
class DiskStamp:
    """What a file held when the document last read or wrote it, to notice outside changes."""

    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of(cls, info: os.stat_result, data: bytes) -> DiskStamp:
        return cls(info.st_mtime_ns, info.st_size, hashlib.sha256(data).hexdigest())

    def changed(self, path: Path) -> bool:
        """Whether ``path`` now holds something else (a mere touch is no change; a deleted
        file is: saving recreates it, but what was there is gone). The content decides even
        when the size and time match: a coarse clock can give two writes the same time."""
        try:
            info = os.stat(path)
            if info.st_size != self.size or not stat.S_ISREG(info.st_mode):
                return True  # (never open a pipe put in its place: that would hang)
            with open(path, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest() != self.sha256
        except OSError:
            return True


def read_preset(path: Path) -> tuple[Preset, DiskStamp]:
    """Read a preset file once: the preset and the stamp of exactly the bytes read."""
    too_big = f"file is over {MAX_BYTES // 1000} kB; not a preset"
    try:  # a FIFO or a device is refused at once, never waited on
        with open_regular(path, MAX_BYTES, too_big) as f:
            info = os.fstat(f.fileno())
            raw = f.read(MAX_BYTES + 1)  # loads_preset refuses anything longer
    except Refused as exc:
        raise PresetError([Problem(str(path), None, "", str(exc))]) from None
    except OSError as exc:
        raise PresetError([Problem(str(path), None, "", f"cannot read: {exc.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise PresetError([Problem(str(path), None, "", too_big)])
    try:
        preset = loads_preset(raw, str(path))
    except PresetError as exc:
        raise not_a_preset(path, exc) from None
    return preset, DiskStamp.of(info, raw)


def read_original(
    path: Path | None, stamp: DiskStamp | None, preset: Preset | None = None
) -> Original | None:
    """The text of ``path`` and the preset it holds (``preset`` if known, as just read), if
    it still holds what ``stamp`` says (so that a save rewrites only what changed in it);
    None otherwise."""
    if path is None or stamp is None:
        return None
    try:
        with open_regular(path, MAX_BYTES, "too big") as f:
            raw = f.read(MAX_BYTES + 1)
        if hashlib.sha256(raw).hexdigest() != stamp.sha256:
            return None
        return Original(raw.decode("utf-8"), preset or loads_preset(raw, str(path)))
    except (OSError, Refused, PresetError, UnicodeDecodeError):
        return None


# While dragging, a real model's sweeps are drawn from this many of its distinct scores (a
# 100,000-row model has as many): the value plot shows ~600 pixels' worth of them anyway.
# The exact sweeps come when the drag ends.
DRAG_SWEEP_POINTS = 2000
# A drag's frames are drafts (see Document.drafting): the views draw what the hand moves and
# leave the rest (label placing, secondary plots) until the drag ends or holds still this long.
SETTLE_MS = 150
UNDO_LIMIT = 200  # steps kept; each holds two presets (a few kB), never an analysis


class PresetEdit(QUndoCommand):
    """One change of the preset; consecutive changes of the same field merge (a drag).

    Holds the presets before and after, not their analyses (hundreds of kB each for a real
    model): undo and redo analyse again, which the model cache makes cheap. ``after`` is a
    preset alone for a change that waits for its model's files to be read."""

    def __init__(
        self,
        document: Document,
        before: Preset,
        after: Analysis | Preset,
        text: str,
        key: str,
        draft: bool = False,
    ):
        super().__init__(text)
        first = after if isinstance(after, Analysis) else None
        self.document, self.before, self.key = document, before, key
        self.after = after.preset if isinstance(after, Analysis) else after
        self._first = first  # shown by the push's redo, then dropped
        self._draft = draft  # a frame of a drag (redone later, it is shown exact)

    def id(self) -> int:
        return 1 if self.key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, PresetEdit) or other.key != self.key or not self.key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        first, self._first = self._first, None
        if first is not None:
            self.document._show(first, draft=self._draft)
        else:
            self.document._show_preset(self.after)

    def undo(self) -> None:
        self.document._show_preset(self.before)


class Document(QObject):
    """The preset being designed, with undo, a file and the analysis of its current state."""

    changed = Signal(object)  # Analysis, after every change, undo and redo
    pathChanged = Signal(object)  # Path | None
    error = Signal(str)  # an edit that was refused, one line

    def __init__(
        self,
        preset: Preset,
        path: Path | None = None,
        parent: QObject | None = None,
        disk_stamp: DiskStamp | None = None,
        model_cache: ModelCache | None = None,
        *,
        views_later: bool = False,
    ):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)  # only while the stack is empty
        self._path = Path(path) if path else None
        self._base_dir: tuple[Path, Path] | None = None  # (path, its folder resolved)
        self.consent = Consent()  # what the user accepted this session (see grant)
        self.disk_stamp = disk_stamp  # the file as last read or written (see changed_on_disk)
        # Real models load through this; the shared one by default, which the loader fills.
        self.model_cache = default_cache if model_cache is None else model_cache
        # Set by the window's model loader: a change whose model files must be read (again)
        # goes there, to be read in the background, instead of blocking an edit or a drag.
        # Called with the preset to show and the undo step's text ("" for undo and redo).
        self.load_in_background: Callable[[Preset, str], None] | None = None
        self._waiting: Preset | None = None  # a change handed there, not yet shown
        # The undo index of what is shown: a load that ends without showing its change
        # (cancelled, failed) takes back the steps made meanwhile, quietly (see stop_waiting).
        self._shown_index = 0
        self._quiet = False  # taking them back: show nothing, load nothing
        self._handing_over = False  # a load replaced by the next one: not an end
        self.undo_stack.indexChanged.connect(self._on_index_changed)
        self._drafting = False
        self._settle_timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle_timer.timeout.connect(self.settle)
        self._analysis = analyse(preset, self.base_dir, self.consent, self.model_cache)
        # A window's start: the views that can wait (the plots) get the analysis with the
        # first ``changed``, right after the first paint (see ready and wait_ready).
        self._ready = not views_later
        # The file's own text: a save changes only the fields edited since (comments kept).
        self.original = read_original(self._path, disk_stamp, preset)

    # --- state -----------------------------------------------------------------------------

    @property
    def preset(self) -> Preset:
        """The latest change: edits build on it, even while its model's files are read and
        :attr:`analysis` still shows the one before."""
        return self._analysis.preset if self._waiting is None else self._waiting

    @property
    def analysis(self) -> Analysis:
        return self._analysis

    @property
    def ready(self) -> bool:
        """Whether ``changed`` has announced an analysis. Until then (a window opening,
        whose plots are drawn after its first paint) a view made now shows nothing and
        waits for ``changed``; the analysis itself is there all along."""
        return self._ready

    def wait_ready(self) -> None:
        """Announce the analysis to the views now if they still wait for it (the window
        does this after its first paint; a test or a screenshot can do it at once)."""
        if not self._ready:
            self._ready = True
            self.changed.emit(self._analysis)

    @property
    def drafting(self) -> bool:
        """Whether :attr:`analysis` is a frame of a drag in progress (a slider held or a
        threshold line dragged with the mouse: ``set_value`` with ``merge``; a lecture's
        glide is not one). The views may then draw it roughly, leaving what is secondary
        (label placing, the ROC, the outcome breakdown, break-evens, the best single
        threshold) as it was. The figures are exact all the same (a real model's sweeps
        aside, see ``coarse``), but for the best single threshold, which a draft leaves as
        it was (``single_stale``). When the drag ends (:meth:`end_merge`) or holds still for
        SETTLE_MS, ``changed`` is emitted again with this false: every view then shows what
        a fresh one would."""
        return self._drafting

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def base_dir(self) -> Path | None:
        """The folder that relative paths in the preset start from (resolved once per
        path: every edit asks for it several times, and resolving walks the file system)."""
        if self._path is None:
            return None
        known = self._base_dir
        if known is None or known[0] != self._path:
            known = self._base_dir = (self._path, self._path.resolve().parent)
        return known[1]

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def value(self, path: str) -> Any:
        return get_path(self.preset, path)

    # --- intents ---------------------------------------------------------------------------

    def set_value(self, path: str, value: Any, *, merge: bool = False) -> bool:
        """Set one field; False (and an ``error``) if the result would be invalid.

        ``merge`` folds the change into the previous one of the same field, so that a whole
        drag is one step of undo; the change is then a frame of the drag (see drafting)."""
        if get_path(self.preset, path) == value:
            return True
        return self._change(
            {path: value},
            self.preset,
            f"Change {change_label(Preset, path)}",
            path if merge else "",
            draft=merge,
        )

    def set_preset(self, preset: Preset, text: str, *, merge: str = "") -> bool:
        """Replace the whole preset as one undoable step (add a band, load a model...);
        validated like a file. False (and an ``error``) if it is invalid. ``merge`` folds it
        into the previous change made with the same key (the frames of an animated lecture
        step are one step of undo; :meth:`end_merge` ends it)."""
        if preset == self.preset:
            return True
        return self._change({}, preset, text, merge)

    def grant(self, consent: Consent) -> None:
        """Load model files with the user's consent from now on (types, pickles)."""
        self.consent = consent

    def report_error(self, text: str) -> None:
        """Tell the views that an edit was refused (one line); views call this rather than
        emitting :attr:`error` themselves."""
        self.error.emit(text)

    def end_merge(self) -> None:
        """The drag is over: the next change of the same field is a new undo step."""
        count = self.undo_stack.count()
        if count:
            command = self.undo_stack.command(count - 1)
            if isinstance(command, PresetEdit):
                command.key = ""
        if self._analysis.coarse:  # at rest, every figure is exact
            self._show_preset(self.preset)
        self.settle()

    def open(self, path: Path) -> None:
        """Load a preset file; raises PresetError and changes nothing if it is bad."""
        path = Path(path)
        preset, stamp = read_preset(path)
        analysis = analyse(preset, path.resolve().parent, self.consent, self.model_cache)
        self.undo_stack.clear()
        self._path = path
        self._base_dir = None  # resolved again: a file opened or saved anew
        self.disk_stamp = stamp
        self.original = read_original(path, stamp, preset)
        self._show(analysis)
        self.undo_stack.setClean()
        self.pathChanged.emit(self._path)

    def replace_all(
        self,
        preset: Preset,
        path: Path | None,
        *,
        dirty: bool,
        disk_stamp: DiskStamp | None = None,
    ) -> None:
        """Start over on a preset (a recovered file): fresh history, maybe unsaved;
        ``disk_stamp`` is what its file held when the work began. Raises PresetError (a
        ConsentNeeded if its model needs the user's consent) and changes nothing if its
        model cannot load."""
        base_dir = Path(path).resolve().parent if path else None
        analysis = analyse(preset, base_dir, self.consent, self.model_cache)
        self.undo_stack.clear()
        self._path = Path(path) if path else None
        self.disk_stamp = disk_stamp
        self._base_dir = None  # resolved again: a file opened or saved anew
        self.original = read_original(self._path, disk_stamp)
        self._show(analysis)
        if dirty:
            self.undo_stack.resetClean()  # never clean until saved
        self.pathChanged.emit(self._path)

    def save(self, path: Path | None = None, *, copy_model_files: bool = False) -> Path:
        """Save atomically to ``path`` (or the current file). Saved in another folder, the
        model's relative paths are rewritten to name the same files; the undo history, whose
        presets still name them from the old folder, then starts afresh.

        ``copy_model_files`` (a bundle's temporary folder) first copies the model's files
        beside ``path`` and names the copies; the consent given to a file goes to its copy."""
        target = Path(path or self._path)
        writable_target(target)  # refused before any model file is copied beside it
        preset, consent = self.preset, self.consent
        if copy_model_files:
            preset, consent = self._copy_model_files(target)
        preset = rebase_paths(preset, self.base_dir, target.resolve().parent)
        moved = preset != self.preset
        preset = with_measured_auc(preset, self._analysis)
        written = target.resolve()
        payload = save_preset(preset, target, self.original)
        self.disk_stamp = DiskStamp.of(os.stat(written), payload)
        self.original = Original(payload.decode("utf-8"), preset)
        self._path = target
        self._base_dir = None  # resolved again: a file opened or saved anew
        self.consent = consent
        if moved:
            self.undo_stack.clear()
        if preset != self.preset:  # (a recorded AUC alone keeps the history)
            self._show(replace(self._analysis, preset=preset))
        self.undo_stack.setClean()
        self.pathChanged.emit(self._path)
        return target

    def changed_on_disk(self) -> bool:
        """Whether the document's file now holds something other than what it last read or
        wrote (another window, another program)."""
        return (
            self._path is not None
            and self.disk_stamp is not None
            and (self.disk_stamp.changed(self._path))
        )

    def _copy_model_files(self, target: Path) -> tuple[Preset, Consent]:
        """Copy the model's files beside ``target``, keeping their names unless another file
        has taken one; the preset naming the copies and the consent extended to them."""
        preset, consent, base = self.preset, self.consent, self.base_dir
        folder = target.resolve().parent
        changes = {}
        for name, written in model_files(preset.model).items():
            source = resolve_path(written, base)
            copy = folder / source.name
            if copy.exists() and not filecmp.cmp(source, copy, shallow=False):
                copy = folder / f"{target.stem}_{source.name}"
            if copy.resolve() != source.resolve():
                shutil.copy2(source, copy)
            changes[name] = str(copy.resolve())
        if not changes:
            return preset, consent
        model = dataclasses.replace(preset.model, **changes)
        # The copies hold the very bytes the user agreed to load: the same consent applies
        # (consent to a skops file's types follows its contents; a pickle's, its path).
        if consent.options(preset.model, base).get("allow_pickle"):
            consent = consent.granting(model, None)
        return replace(preset, model=model), consent

    def to_yaml(self) -> str:
        return dumps_preset(self.preset)

    # --- internals -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Analyse the current preset again (its model files were read again meanwhile)."""
        self._show_preset(self.preset)

    def show_loaded(self, preset: Preset) -> None:
        """Show ``preset`` from the undo history once its model is loaded."""
        self._show_preset(preset)

    def stop_waiting(self) -> None:
        """The background load of a change ended (shown, failed or cancelled): later edits
        start from the preset shown again, and the steps that waited for it and were not
        shown are undone (without loading anything), so that redo brings them back."""
        if self._handing_over:
            return  # the next load takes the change over
        self._waiting = None
        if self.undo_stack.index() != self._shown_index:
            self._quiet = True
            try:
                self.undo_stack.setIndex(self._shown_index)
            finally:
                self._quiet = False

    def _on_index_changed(self, index: int) -> None:
        if self._waiting is None and not self._quiet:
            self._shown_index = index

    def _wait_for(self, preset: Preset) -> None:
        """Show ``preset`` once the background has read its model's files."""
        assert self.load_in_background is not None
        self._handing_over = True
        try:
            self.load_in_background(preset, "")
        finally:
            self._handing_over = False
        self._waiting = preset  # (after: the load it replaces ended with stop_waiting)

    def _must_load(self, preset: Preset) -> bool:
        """Whether analysing ``preset`` would read model files (changed on disk, or no longer
        cached) and a background loader is there to do it."""
        if self.load_in_background is None:
            return False
        try:
            existing_files(preset.model, self.base_dir, Origin())
        except PresetError:
            return False  # a file is missing: the analysis says so at once, reading nothing
        options = self.consent.options(preset.model, self.base_dir)
        return not self.model_cache.holds(preset.model, self.base_dir, **options)

    def _change(
        self, assignments: dict[str, Any], preset: Preset, text: str, key: str, draft: bool = False
    ) -> bool:
        try:
            preset = with_values(preset, assignments, origin="edit")
        except PresetError as exc:
            self.report_error(str(exc.problems[0]))
            return False
        if self._must_load(preset):
            # A step now, so that undo takes this change back even before it is shown; its
            # redo hands it to the background (the figures shown meanwhile are stale).
            self.undo_stack.push(PresetEdit(self, self.preset, preset, text, key))
            return True
        try:
            after = analyse(
                preset,
                self.base_dir,
                self.consent,
                self.model_cache,
                self._analysis,  # a drag changes one field: most sweeps stay
                DRAG_SWEEP_POINTS if key else None,  # merged: a drag, exact at its end
                draft=draft,  # its frames do not draw the best single threshold
            )
        except PresetError as exc:
            self.report_error(str(exc.problems[0]))
            return False
        self.undo_stack.push(PresetEdit(self, self.preset, after, text, key, draft))
        return True

    def _show_preset(self, preset: Preset) -> None:
        """Show a preset from the undo history, analysed again (its model is a cache hit).
        Should its model no longer load (a file deleted since), the error is told and the
        last analysis stays on screen."""
        if self._quiet:
            return
        if self._must_load(preset):
            self._wait_for(preset)
            return
        try:
            analysis = analyse(
                preset, self.base_dir, self.consent, self.model_cache, previous=self._analysis
            )
        except PresetError as exc:
            self.report_error(str(exc.problems[0]))
            return
        self._show(analysis)

    def _show(self, analysis: Analysis, draft: bool = False) -> None:
        self._analysis, self._waiting = analysis, None
        self._ready = True  # announced now
        self._shown_index = self.undo_stack.index()  # (a push or an undo sets it after)
        self._drafting = draft
        if not draft and analysis.single_stale:  # (a save's recorded AUC in a drag)
            self._complete()
        if draft:  # restarted by every frame: it fires once the drag holds still
            self._settle_timer.start()
        else:
            self._settle_timer.stop()
        self.changed.emit(self._analysis)

    def settle(self) -> None:
        """The drag ended or holds still, or an action that keeps the figures shown (a pin)
        wants them all now: the same analysis again, for every view to show in full (a
        real model's exact sweeps come from end_merge, on release)."""
        if self._drafting:
            self._settle_timer.stop()
            self._drafting = False
            if self._analysis.single_stale:  # what the drafts did not draw, computed now
                self._complete()
            self.changed.emit(self._analysis)

    def _complete(self) -> None:
        """The shown analysis with its single-threshold sweep brought up to date (its other
        sweeps lent; a real model's stay coarse until the release, see end_merge)."""
        analysis = self._analysis
        try:
            self._analysis = analyse(
                analysis.preset,
                self.base_dir,
                self.consent,
                self.model_cache,
                analysis,
                DRAG_SWEEP_POINTS if analysis.coarse else None,
            )
        except PresetError as exc:  # (its model was just loaded: only if deleted since)
            self.report_error(str(exc.problems[0]))


class WhenShown(QObject):
    """Hands ``update`` each analysis ``document`` announces while ``view`` can be seen.
    While its window shows but the view does not (a tab behind another), the analyses are
    not drawn: the view is marked stale and, when shown, draws the document's latest one
    at once (a drag's steps would otherwise redraw every hidden plot). A window not shown
    yet draws every change, as it is made."""

    def __init__(self, view: QWidget, document: Document, update: Callable[[Analysis], None]):
        super().__init__(view)
        self._view, self._document, self._update = view, document, update
        self.stale = False
        view.installEventFilter(self)
        document.changed.connect(self._on_changed)

    def _on_changed(self, analysis: Analysis) -> None:
        view = self._view
        if not view.isVisible() and view.window().isVisible():
            self.stale = True
            return
        self.stale = False
        self._update(analysis)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show and self.stale:
            self.stale = False
            self._update(self._document.analysis)
        return False


class Coalesced(QObject):
    """``apply`` called with the latest arguments once the event loop is free: mouse moves
    that arrive while a step is computed or painted make one step, the last one's (a drag
    never falls behind the hand, and never waits for a timer either). ``flush`` applies
    what is pending at once."""

    def __init__(self, apply: Callable[..., Any], parent: QObject):
        super().__init__(parent)
        self._apply = apply
        self._pending: tuple | None = None
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self.flush)

    def __call__(self, *args: Any) -> None:
        self._pending = args
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        self._timer.stop()
        pending, self._pending = self._pending, None
        if pending is not None:
            self._apply(*pending)
