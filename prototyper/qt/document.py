"""The open document: the current preset, its file, its undo history and its evaluation.

Views never change the preset themselves: they call :meth:`Document.set_value` (or
:meth:`Document.set_preset`), which validates, pushes an undoable edit and announces the new
state. Everything shown is recomputed from the preset by the core.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..core import modes
from ..core.engine import Evaluation, evaluate
from ..core.model_sources import rebase_paths, resolve_path, score_model
from ..core.preset_io import (
    PresetError,
    dumps_preset,
    load_preset,
    save_preset,
    with_values,
)
from ..core.schema import Band, ModelSource, Preset, SklearnModel
from ..core.scores import ScoreModel
from ..core.structure import get_path
from ..core.sweep import Sweep, sweep


@dataclass(frozen=True)
class Analysis:
    """Everything the views show for one preset."""

    preset: Preset
    scores: ScoreModel  # the model's score distribution (binormal, or a real model's scores)
    evaluation: Evaluation
    threshold_sweeps: tuple[Sweep, ...]  # one per movable band threshold, top band first
    single_threshold: Sweep  # the top band's mode above one threshold, nothing below
    seconds: float  # how long the recompute took


@dataclass(frozen=True)
class Consent:
    """The pickles the user accepted to unpickle in this session, by the model file's
    resolved path (consent to one file is not consent to another). Never saved: a pickle is
    asked about again in each session. (Consent to a skops file's types is remembered per
    user by the file's SHA-256, in :mod:`prototyper.core.trust`.)"""

    pickles: frozenset[str] = frozenset()  # model files

    def options(self, model: ModelSource, base_dir: Path | None) -> dict[str, Any]:
        """The ``allow_pickle`` argument to load ``model`` with."""
        if not isinstance(model, SklearnModel):
            return {}
        return {"allow_pickle": str(resolve_path(model.model, base_dir)) in self.pickles}

    def granting(self, model: SklearnModel, base_dir: Path | None) -> Consent:
        """With the pickle ``model`` names accepted."""
        return Consent(self.pickles | {str(resolve_path(model.model, base_dir))})


def single_threshold_mode(bands: tuple[Band, ...]) -> str:
    """The mode of the one-threshold design the value plot compares with: the top band's,
    or the most forceful shown mode when the top band is silent."""
    top = bands[0].mode
    return modes.where("shown")[0] if modes.get(top).silent else top


def analyse(preset: Preset, base_dir: Path | None = None, consent: Consent = Consent()) -> Analysis:
    """Evaluate a preset and its threshold sweeps; PresetError if its model cannot load
    (a real model loads with the user's ``consent``; loads are cached)."""
    start = time.perf_counter()
    scores = score_model(
        preset.model, preset.scenario.base_rate, base_dir, **consent.options(preset.model, base_dir)
    )
    evaluation = evaluate(preset, scores)
    bands = preset.experience.bands
    sweeps = tuple(
        sweep(preset, f"experience.bands[{i}].threshold", scores=scores)
        for i in range(len(bands) - 1)
    )
    quiet = Band(0.0, modes.silent())
    two_band = replace(
        preset,
        experience=replace(
            preset.experience, bands=(Band(0.5, single_threshold_mode(bands)), quiet)
        ),
    )
    single = sweep(two_band, "experience.bands[0].threshold", scores=scores)
    return Analysis(preset, scores, evaluation, sweeps, single, time.perf_counter() - start)


class PresetEdit(QUndoCommand):
    """One change of the preset; consecutive changes of the same field merge (a drag)."""

    def __init__(self, document: Document, before: Analysis, after: Analysis, text: str, key: str):
        super().__init__(text)
        self.document, self.before, self.after, self.key = document, before, after, key

    def id(self) -> int:
        return 1 if self.key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, PresetEdit) or other.key != self.key or not self.key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        self.document._show(self.after)

    def undo(self) -> None:
        self.document._show(self.before)


class Document(QObject):
    """The preset being designed, with undo, a file and the analysis of its current state."""

    changed = Signal(object)  # Analysis, after every change, undo and redo
    pathChanged = Signal(object)  # Path | None
    error = Signal(str)  # an edit that was refused, one line

    def __init__(self, preset: Preset, path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._path = Path(path) if path else None
        self.consent = Consent()  # what the user accepted this session (see grant)
        self._analysis = analyse(preset, self.base_dir, self.consent)

    # --- state -----------------------------------------------------------------------------

    @property
    def preset(self) -> Preset:
        return self._analysis.preset

    @property
    def analysis(self) -> Analysis:
        return self._analysis

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def base_dir(self) -> Path | None:
        """The folder that relative paths in the preset start from."""
        return self._path.resolve().parent if self._path else None

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def value(self, path: str) -> Any:
        return get_path(self.preset, path)

    # --- intents ---------------------------------------------------------------------------

    def set_value(self, path: str, value: Any, *, merge: bool = False) -> bool:
        """Set one field; False (and an ``error``) if the result would be invalid.

        ``merge`` folds the change into the previous one of the same field, so that a whole
        drag is one step of undo."""
        if get_path(self.preset, path) == value:
            return True
        return self._change({path: value}, self.preset, f"Change {path}", path if merge else "")

    def set_preset(self, preset: Preset, text: str) -> bool:
        """Replace the whole preset as one undoable step (add a band, load a model...);
        validated like a file. False (and an ``error``) if it is invalid."""
        if preset == self.preset:
            return True
        return self._change({}, preset, text, "")

    def grant(self, consent: Consent) -> None:
        """Load model files with the user's consent from now on (types, pickles)."""
        self.consent = consent

    def end_merge(self) -> None:
        """The drag is over: the next change of the same field is a new undo step."""
        count = self.undo_stack.count()
        if count:
            command = self.undo_stack.command(count - 1)
            if isinstance(command, PresetEdit):
                command.key = ""

    def open(self, path: Path) -> None:
        """Load a preset file; raises PresetError and changes nothing if it is bad."""
        path = Path(path)
        analysis = analyse(load_preset(path), path.resolve().parent, self.consent)
        self.undo_stack.clear()
        self._path = path
        self._show(analysis)
        self.undo_stack.setClean()
        self.pathChanged.emit(self._path)

    def replace_all(self, preset: Preset, path: Path | None, *, dirty: bool) -> None:
        """Start over on a preset (a recovered file): fresh history, maybe unsaved.
        Raises PresetError and changes nothing if its model cannot load."""
        analysis = analyse(preset, Path(path).resolve().parent if path else None, self.consent)
        self.undo_stack.clear()
        self._path = Path(path) if path else None
        self._show(analysis)
        if dirty:
            self.undo_stack.resetClean()  # never clean until saved
        self.pathChanged.emit(self._path)

    def save(self, path: Path | None = None) -> Path:
        """Save atomically to ``path`` (or the current file). Saved in another folder, the
        model's relative paths are rewritten to name the same files; the undo history, whose
        presets still name them from the old folder, then starts afresh."""
        target = Path(path or self._path)
        preset = rebase_paths(self.preset, self.base_dir, target.resolve().parent)
        save_preset(preset, target)
        self._path = target
        if preset != self.preset:
            self.undo_stack.clear()
            self._show(replace(self._analysis, preset=preset))
        self.undo_stack.setClean()
        self.pathChanged.emit(self._path)
        return target

    def to_yaml(self) -> str:
        return dumps_preset(self.preset)

    # --- internals -------------------------------------------------------------------------

    def _change(self, assignments: dict[str, Any], preset: Preset, text: str, key: str) -> bool:
        try:
            after = analyse(
                with_values(preset, assignments, origin="edit"), self.base_dir, self.consent
            )
        except PresetError as exc:
            self.error.emit(str(exc.problems[0]))
            return False
        self.undo_stack.push(PresetEdit(self, self._analysis, after, text, key))
        return True

    def _show(self, analysis: Analysis) -> None:
        self._analysis = analysis
        self.changed.emit(analysis)
