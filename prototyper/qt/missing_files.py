"""The bar shown while the model's files are missing: the design stays open and editable,
and the person either locates the file or switches to a described model.

A received preset often names files that did not travel with it (``../../x/scores.csv``).
The document then shows the design with a described model standing in (the AUC last
measured for the missing one, see ``document.stand_in``); this bar says so and offers the
two ways out, each one undoable step."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFrame, QHBoxLayout, QInputDialog, QLabel, QPushButton, QWidget

from ..core.preset.preset_io import Problem
from ..core.preset.schema import SyntheticModel
from .dialogs import Dialogs
from .document import Document, missing_files, stand_in
from .model_loading import CSV_FILTER, MODEL_FILTER, QtModelLoader


class QtMissingFilesBar(QFrame):
    """Non-modal: hidden while every file of the model is there."""

    def __init__(
        self,
        document: Document,
        loader: QtModelLoader,
        dialogs: Dialogs,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._document, self._loader, self._dialogs = document, loader, dialogs
        self.setObjectName("missingFiles")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#missingFiles { background: #fff4ce; color: #000000; }")
        self.label = QLabel(wordWrap=True)
        self.locate_button = QPushButton("Locate…")
        self.locate_button.setToolTip("Pick the file; the preset then names it from its folder")
        self.described_button = QPushButton("Use a described model")
        self.described_button.setToolTip(
            "Replace the model by a described one with the same ROC AUC and the scenario's "
            "base rate"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, stretch=1)
        row.addWidget(self.locate_button)
        row.addWidget(self.described_button)
        self.locate_button.clicked.connect(self.locate)
        self.described_button.clicked.connect(self.use_described)
        document.changed.connect(self._on_document_changed)
        document.pathChanged.connect(lambda _path: self.refresh())
        self.refresh()

    def _on_document_changed(self, _analysis) -> None:
        if not self._document.drafting:  # a drag's frames change no file: asked at its end
            self.refresh()

    def missing(self) -> list[Problem]:
        doc = self._document
        return missing_files(doc.preset, doc.base_dir)

    def refresh(self) -> None:
        problems = self.missing()
        self.setVisible(bool(problems))
        if not problems:
            return
        files = ", ".join(_file_name(p) for p in problems)
        auc = stand_in(self._document.preset.model).auc
        self.label.setText(
            f"The model's {'file is' if len(problems) == 1 else 'files are'} missing: {files}. "
            f"The figures use a described model with ROC AUC {auc:.4g} until "
            f"{'it is' if len(problems) == 1 else 'they are'} located."
        )
        self.label.setToolTip("\n".join(str(p) for p in problems))

    def locate(self) -> bool:
        """Pick the first missing file; the model section names it relative to the preset
        (one undo step, loaded in the background like any model)."""
        problems = self.missing()
        if not problems:
            return False
        field = problems[0].path  # model.path, model.model or model.data
        doc = self._document
        start = doc.base_dir or Path.home()
        filters = MODEL_FILTER if field == "model.model" else CSV_FILTER
        chosen = self._dialogs.choose_open(f"Locate {_file_name(problems[0])}", start, filters)
        if chosen is None:
            return False
        value = str(Path(chosen).resolve())
        if doc.base_dir is not None:
            value = Path(os.path.relpath(Path(chosen).resolve(), doc.base_dir)).as_posix()
        return self._loader.edit_model(field, value)

    def use_described(self) -> bool:
        """Switch to a described model with the AUC last measured (asked for when the preset
        records none) and the scenario's base rate, as one undo step."""
        model = self._document.preset.model
        auc = getattr(model, "measured_auc", None)
        if auc is None:
            auc = self.ask_auc(stand_in(model).auc)
            if auc is None:
                return False
        return self._loader.load_model(SyntheticModel(auc=auc), "Use a described model")

    def ask_auc(self, default: float) -> float | None:
        """The AUC to describe the model with (the preset records none); None: cancelled."""
        value, ok = QInputDialog.getDouble(
            self,
            "Use a described model",
            "The preset records no measured ROC AUC for this model.\nROC AUC (0.5–1):",
            default,
            0.501,
            0.999,
            3,
        )
        return value if ok else None


def _file_name(problem: Problem) -> str:
    text = problem.message
    return Path(text.split(": ", 1)[1]).name if ": " in text else problem.path
