"""The design panel: every knob of the preset, built from the schema's field metadata.

Sections group the preset's fields; inside a section the editors follow the schema, so a new
field shows up without new widget code (see :mod:`prototyper.qt.forms`). Fields of the schema
that no section names land in a last "More" section.

The panel renders ``document.preset`` and forwards what the user does as document edits:
``set_value`` per field (merged over a slider drag, so a drag is one undo step), and
``set_preset`` for adding and removing list items (bands, payoffs). The model section starts
with the model actions (:class:`~prototyper.qt.model_view.QtModelActions`), which the window
connects to its model loader; with ``model_edit`` set, edits of a real model's fields go
there too, so that they load in the background and ask for consent.

This module is the panel's controller: which fields go where, and every edit turned into a
document change. The widgets it is built from, the editors and the panel's own sections,
union box and band list, live in :mod:`prototyper.qt.forms`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..core.preset.preset_io import PresetError, with_values
from ..core.preset.schema import MODES, SHOWN_MODES, Band, Preset, SyntheticModel
from ..core.preset.structure import field_spec, hints, join, parse_path, to_data
from .document import Analysis, Coalesced, Document
from .forms.editors import (
    QtChoiceBox,
    QtFileField,
    QtMappingView,
    QtTextArea,
    QtTextLine,
    make_editor,
    shows_unit,
)
from .forms.groups import QtFieldGroup, QtItemList, field_label
from .forms.metadata import (
    default_item,
    generic_path,
    item_type,
    label_text,
    optional_type,
    tooltip,
    union_options,
    union_tag,
)
from .forms.numbers import QtScaleSlider
from .forms.sections import QtBandList, QtSection, QtUnionBox
from .model_view import QtModelActions
from .theme import mode_color


@dataclass(frozen=True)
class Section:
    title: str
    paths: tuple[str, ...]  # fields shown here, in order; a dataclass shows all its fields
    expanded: bool = True


SECTIONS = (
    # Folded at start so that the bands fit a 720 px high screen; set once per workshop.
    Section("Scenario and population", ("scenario",), expanded=False),
    # The base rate sits with the AUC: the two together set how often a warning is right.
    Section("Model", ("model", "scenario.base_rate")),
    Section("Presentation bands", ("experience.bands",)),
    Section("Forcefulness and frequency", ("experience.modes",)),
    Section("Payoffs", ("payoffs",), expanded=False),
    Section("User response", ("response",), expanded=False),
    Section("Notes", ("notes", "sources", "assumptions"), expanded=False),
)

# Widget hints the schema does not (yet) carry, keyed by path with list indices as []. A
# threshold of 0.0004 (fall detection) or an AUC of 0.9998 (safe browsing) cannot be set on a
# linear slider: thresholds get a log-odds scale, the AUC one even in the binormal d', and
# the base rate a log scale that ends at one half.
WIDGET_HINTS = {
    "scenario.base_rate": "rate",
    "model.auc": "separation",
    "telemetry.auc_max": "separation",
    "experience.bands[].threshold": "log",
}

_UNSET = object()


def split_lowest_band(bands: tuple[Band, ...]) -> tuple[tuple[Band, ...], int]:
    """A new band halfway up the lowest band, in the most forceful shown mode that neither
    neighbour uses, so that it reads as a band of its own; (new bands, index of the new one)."""
    upper = bands[-2].threshold if len(bands) > 1 else 1.0
    threshold = float(f"{upper / 2:.3g}")
    index = len(bands) - 1
    neighbours = {b.mode for b in bands[max(index - 1, 0) : index + 1]}
    # the table always has more modes than a band has neighbours
    mode = next(m for m in SHOWN_MODES + MODES if m not in neighbours)
    return bands[:index] + (Band(threshold, mode),) + bands[index:], index


def reindex_citations(
    citations: Any, path: str, *, inserted: int | None = None, removed: int | None = None
) -> dict[str, str]:
    """Keep sources/assumptions on their items when an item of list ``path`` comes or goes."""
    pattern = re.compile(rf"^{re.escape(path)}\[(\d+)\](.*)$")
    out: dict[str, str] = {}
    for key, text in citations.items():
        m = pattern.match(key)
        if m:
            i = int(m.group(1))
            if removed is not None:
                if i == removed:
                    continue
                i -= i > removed
            if inserted is not None:
                i += i >= inserted
            key = f"{path}[{i}]{m.group(2)}"
        out[key] = text
    return out


@functools.cache
def _generic_spec(generic: str) -> tuple[dict, Any]:
    return field_spec(Preset, generic.replace("[]", "[0]"))


def spec(path: str) -> tuple[dict, Any]:
    """Metadata and type of a preset field, cached per field of the schema."""
    return _generic_spec(generic_path(path))


def make_field_editor(path: str) -> QWidget | None:
    """The editor for a field of the preset. A plain function, not a method of the panel:
    rows keep it, and a reference from inside the panel's widget tree back to the panel
    makes a cycle that PySide 6.11 crashes on when the garbage collector frees it."""
    md, tp = spec(path)
    return make_editor(path, md, tp, WIDGET_HINTS.get(generic_path(path), ""))


def _getter(path: str):
    keys = parse_path(path)

    def get(obj: Any) -> Any:
        for key in keys:
            obj = obj[key] if isinstance(key, int) else getattr(obj, key)
        return obj

    return get


def _ancestors(path: str) -> list[str]:
    """'a.b[1].c' -> ['a.b[1].c', 'a.b[1]', 'a.b', 'a']."""
    out = [path]
    while True:
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return out
        path = path[:cut]
        out.append(path)


class QtDesignPanel(QWidget):
    """Scrollable sections of editors for every field of the document's preset."""

    bandSelected = Signal(int)  # the user focused band row i (top band = 0)

    def __init__(self, document: Document, parent: QWidget | None = None):
        super().__init__(parent)
        self._document = document
        self._editors: dict[str, QWidget] = {}
        self._static: dict[str, QWidget] = {}  # editors outside lists
        self._labels: dict[str, QLabel] = {}
        self._headers: dict[str, QLabel] = {}
        self._lists: dict[str, QtItemList] = {}
        self._unions: dict[str, QtUnionBox] = {}
        self._union_tags: dict[str, str] = {}  # tag field path -> union field path
        self._getters: dict[str, Any] = {}
        self._shown: dict[str, Any] = {}
        self._citations: Any = None
        self._dragging: str | None = None
        # One recompute per pass of the event loop while a slider is dragged, the latest.
        self._commit_drag = Coalesced(self._commit_drag_now, parent=self)
        self.sections: dict[str, QtSection] = {}
        self.model_actions = QtModelActions(document)
        # Set by the window: takes an edit of a real model's field (path, value) instead of
        # the document, to load it in the background.
        self.model_edit: Callable[[str, Any], Any] | None = None

        # The scenes are listed by the lecture's own section (qt/lecture.py, add_section).
        self._claimed = {p for s in SECTIONS for p in s.paths} | {"scenes"}
        self._unbuilt: dict[str, Section] = {}  # folded sections, built when first opened
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(2)
        sections = list(SECTIONS)
        # Fields of the schema no section names: a top-level one gets a section of its own
        # (before Notes), a nested one goes to "More".
        more = self._unclaimed(Preset, "")
        at = next((i for i, s in enumerate(sections) if "notes" in s.paths), len(sections))
        for path in [p for p in more if "." not in p]:
            sections.insert(at, Section(spec(path)[0].get("title", path), (path,), False))
            at += 1
        nested = tuple(p for p in more if "." in p)
        if nested:
            sections.append(Section("More", nested, expanded=False))
        for sec in sections:
            section = QtSection(sec.title, sec.expanded)
            self.sections[sec.title] = section
            column.addWidget(section)
            if sec.expanded or "experience.bands" in sec.paths:
                self._build_section(sec)
            else:
                self._unbuilt[sec.title] = sec
        column.addStretch(1)
        self.bands: QtBandList = self._lists["experience.bands"]  # type: ignore[assignment]

        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.setMinimumWidth(300)

        document.changed.connect(self._on_document_changed)
        document.pathChanged.connect(self._on_document_path_changed)
        for section in self.sections.values():
            section.opened.connect(self._on_q_section_opened)
        self.bands.bandSelected.connect(self.bandSelected)

        self.set_preset(document.preset)

    # --- public ----------------------------------------------------------------------------

    def add_section(self, title: str, widget: QWidget, before: str = "Notes") -> QtSection:
        """A folded section of another view's making (the lecture's scenes), placed before
        the section titled ``before``."""
        section = QtSection(title, expanded=False)
        section.content.addWidget(widget)
        column = self.scroll.widget().layout()
        anchor = self.sections.get(before)
        at = column.indexOf(anchor) if anchor is not None else column.count() - 1
        column.insertWidget(at, section)
        self.sections[title] = section
        return section

    def control(self, path: str) -> QWidget:
        """The editor of the field at a dotted path (KeyError if none)."""
        if path not in self._editors and self._unbuilt:
            self.build_all()
        return self._editors[path]

    def paths(self) -> list[str]:
        self.build_all()
        return list(self._editors)

    def build_all(self) -> None:
        """Build the folded sections not opened yet (they are built when first opened)."""
        if self._unbuilt:
            for sec in list(self._unbuilt.values()):
                self._build_section(sec)
            self._unbuilt.clear()
            self._refresh()

    def set_preset(self, preset: Preset) -> None:
        """Show a preset; rebuilds list rows only when their count changed."""
        rebuilt = False
        for path, box in list(self._unions.items()):
            if box.cls is not type(self._value(preset, path)):
                self._build_union(box, preset)
                rebuilt = True
        for path, lst in self._lists.items():
            if lst.set_count(len(self._value(preset, path))):
                rebuilt = True
                for key in [k for k in self._shown if k.startswith(path + "[")]:
                    del self._shown[key]
        if rebuilt:
            self._collect_editors()
        citations = (preset.sources, preset.assumptions)
        if rebuilt or citations != self._citations:
            self._citations = citations
            self._set_tooltips(preset)
        shown = self._shown
        for path, editor in self._editors.items():
            if path == self._dragging and editor.is_dragging():
                continue
            value = self._value(preset, path)
            if shown.get(path, _UNSET) == value:
                continue
            editor.set_value(value)
            shown[path] = value
        self.bands.set_modes([band.mode for band in preset.experience.bands])

    def set_selected_band(self, index: int) -> None:
        """Highlight band row ``index`` (e.g. chosen by a key in lecture mode)."""
        self.bands.set_selected(index)

    def commit_pending(self) -> None:
        """Commit a text or number being typed and a drag in progress (call before saving)."""
        self._commit_drag.flush()
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            return
        if isinstance(focus, (QtTextLine, QtTextArea)):
            focus.commit()
        elif isinstance(focus, QAbstractSpinBox):
            focus.interpretText()

    # --- model -> view ---------------------------------------------------------------------

    def _on_document_changed(self, analysis: Analysis) -> None:
        self.set_preset(analysis.preset)

    def _on_document_path_changed(self, _path: Any) -> None:
        for path, editor in self._editors.items():
            self._tune(path, editor)

    def _refresh(self) -> None:
        """Show the document again in full, tooltips included (after building editors)."""
        self._citations = None
        self._collect_editors()
        self.set_preset(self._document.preset)

    def _set_tooltips(self, preset: Preset) -> None:
        def cite(path: str) -> str:
            for p in _ancestors(path):
                text = preset.citation(p)
                if text:
                    return text
            return ""

        for path, editor in self._editors.items():
            md, _ = spec(path)
            text = tooltip(md, path, cite(path))
            editor.setToolTip(text)
            if path in self._labels:
                self._labels[path].setToolTip(text)
        for path, header in self._headers.items():
            md, _ = spec(path)
            header.setToolTip(tooltip(md, path, cite(path)))

    # --- view -> model ---------------------------------------------------------------------

    def _on_q_edited(self, path: str, value: Any) -> None:
        if path in self._union_tags:
            self._switch_union(path, value)
        else:
            self._commit(path, value, merge=False)

    def _on_q_dragged(self, path: str, value: Any) -> None:
        self._dragging = path
        self._commit_drag(path, value)

    def _on_q_drag_finished(self, path: str) -> None:
        self._commit_drag.flush()
        self._dragging = None
        self._document.end_merge()
        self._restore(path)

    def _commit_drag_now(self, path: str, value: Any) -> None:
        self._commit(path, value, merge=True)

    def _commit(self, path: str, value: Any, merge: bool) -> None:
        real = not isinstance(self._document.preset.model, SyntheticModel)
        if self.model_edit is not None and real and path.startswith("model."):
            self._restore(path)  # until the model has loaded
            self.model_edit(path, value)
            return
        if not self._document.set_value(path, value, merge=merge):
            self._restore(path)

    def _restore(self, path: str) -> None:
        """Show the document's value again (after a refused edit or a drag)."""
        editor = self._editors.get(path)
        if editor is not None:
            value = self._value(self._document.preset, path)
            editor.set_value(value)
            self._shown[path] = value

    def _switch_union(self, tag_path: str, tag: str) -> None:
        """Another kind of the field (another model source), with its defaults."""
        path = self._union_tags[tag_path]
        _, tp = spec(path)
        cls = next(o for o in union_options(tp) if union_tag(o)[1] == tag)
        if type(self._value(self._document.preset, path)) is cls:
            return
        if not self._replace(self._switch_changes(path, cls), f"{self._title(path)}: {tag}"):
            self._restore(tag_path)

    def _switch_changes(self, path: str, cls: type) -> dict[str, Any]:
        """The union at ``path`` becomes a default ``cls``; citations of fields it lacks go."""
        preset = self._document.preset
        names = {f.name for f in dataclasses.fields(cls)}

        def keep(key: str) -> bool:
            rest = key[len(path) + 1 :] if key.startswith(path + ".") else None
            return rest is None or re.split(r"[.\[]", rest)[0] in names

        return {
            # first: a distribution of a field the new item lacks would fail the change
            "uncertainty": {k: v for k, v in preset.uncertainty.items() if keep(k)},
            path: to_data(default_item(cls)),
            "sources": {k: v for k, v in preset.sources.items() if keep(k)},
            "assumptions": {k: v for k, v in preset.assumptions.items() if keep(k)},
        }

    def _on_q_add_item(self, path: str) -> None:
        items = self._value(self._document.preset, path)
        _, tp = spec(path)
        cls = item_type(tp)
        if cls is Band:
            new, index = split_lowest_band(items)
            text = "Add band"
        else:
            index = len(items)
            new = items + (default_item(cls, index),)
            text = f"Add to {self._title(path)}"
        self._replace_items(path, new, text, inserted=index)

    def _on_q_remove_item(self, path: str, index: int) -> None:
        items = self._value(self._document.preset, path)
        _, tp = spec(path)
        if item_type(tp) is Band and index == len(items) - 1:
            self._document.report_error(f"{path}[{index}]: the lowest band cannot be removed")
            return
        new = items[:index] + items[index + 1 :]
        noun = "band" if item_type(tp) is Band else f"from {self._title(path)}"
        self._replace_items(path, new, f"Remove {noun} {index + 1}", removed=index)

    def _replace_items(
        self, path: str, items: tuple, text: str, *, inserted=None, removed=None
    ) -> None:
        preset = self._document.preset
        changes = {
            path: to_data(items),
            "sources": reindex_citations(preset.sources, path, inserted=inserted, removed=removed),
            "assumptions": reindex_citations(
                preset.assumptions, path, inserted=inserted, removed=removed
            ),
        }
        # Distributions follow their items too. Each change is checked as it is made, and
        # a distribution must name an item that exists: with one item fewer they move
        # first, with one more after the items.
        moved = reindex_citations(preset.uncertainty, path, inserted=inserted, removed=removed)
        if removed is not None:
            changes = {"uncertainty": moved, **changes}
        else:
            changes["uncertainty"] = moved
        self._replace(changes, text)

    def _replace(self, changes: dict[str, Any], text: str) -> bool:
        """One undoable step that sets several paths, validated like any edit."""
        try:
            after = with_values(self._document.preset, changes, origin="edit")
        except PresetError as exc:
            self._document.report_error(str(exc.problems[0]))
            return False
        self._document.set_preset(after, text)
        return True

    # --- building --------------------------------------------------------------------------

    def _on_q_section_opened(self, title: str) -> None:
        sec = self._unbuilt.pop(title, None)
        if sec is not None:
            self._build_section(sec)
            self._refresh()

    def _build_section(self, sec: Section) -> None:
        if "model" in sec.paths:
            self.sections[sec.title].content.addWidget(self.model_actions)
        group = QtFieldGroup()
        for path in sec.paths:
            self._add_field(group, path, top=True)
        self.sections[sec.title].content.addWidget(group)

    def _unclaimed(self, cls: type, path: str) -> list[str]:
        """Fields of the schema that no section shows (a field added since)."""
        out: list[str] = []
        for f in dataclasses.fields(cls):
            p = join(path, f.name)
            if any(p == c or p.startswith((c + ".", c + "[")) for c in self._claimed):
                continue
            tp, _ = optional_type(hints(cls)[f.name])
            if any(c.startswith(p + ".") for c in self._claimed):
                if dataclasses.is_dataclass(tp):
                    out += self._unclaimed(tp, p)
                continue
            out.append(p)
        return out

    def _add_field(self, group: QtFieldGroup, path: str, top: bool = False) -> None:
        md, tp = spec(path)
        base, _ = optional_type(tp)
        name = path.rsplit(".", 1)[-1]
        if union_options(tp):  # its fields depend on the value: built in set_preset
            title = "" if top else label_text(md, name)
            box = QtUnionBox(path, title, group.offset if top else group.inner_offset)
            group.add_wide(box)
            self._unions[path] = box
            return
        if dataclasses.is_dataclass(base):
            target = group
            if not top:
                color = mode_color(name, unknown="")
                target = QtFieldGroup(label_text(md, name), color, group.inner_offset)
                group.add_wide(target)
                self._headers[path] = target.header
            for f in dataclasses.fields(base):
                child = join(path, f.name)
                if child not in self._claimed:
                    self._add_field(target, child)
            return
        cls = item_type(tp)
        if cls is not None:
            if cls is Band:
                lst: QtItemList = QtBandList(path, md, make_field_editor)
            else:
                lst = QtItemList(path, cls, md, make_field_editor)
                self._headers[path] = lst.title
            group.add_wide(lst)
            self._lists[path] = lst
            lst.addRequested.connect(self._on_q_add_item)
            lst.removeRequested.connect(self._on_q_remove_item)
            return
        editor = make_field_editor(path)
        if editor is None:
            return
        label = field_label(label_text(md, name, with_unit=not shows_unit(editor)))
        if isinstance(editor, (QtTextArea, QtMappingView)):
            group.add_wide(label)
            group.add_wide(editor)
        else:
            group.add_row(label, editor)
        self._labels[path] = label
        self._static[path] = editor
        self._attach(editor)
        self._editors[path] = editor
        self._tune(path, editor)

    def _build_union(self, box: QtUnionBox, preset: Preset) -> None:
        """Fields of the union's current kind; its tag offers every kind that can be made."""
        path = box.path
        self._forget(path)
        value = self._value(preset, path)
        group = QtFieldGroup(box.title, "", box.offset)
        for f in dataclasses.fields(value):
            child = join(path, f.name)
            if child not in self._claimed:
                self._add_field(group, child)
        box.set_group(group, type(value))
        tag_path = join(path, union_tag(type(value))[0])
        editor = self._static.get(tag_path)
        if isinstance(editor, QtChoiceBox):
            _, tp = spec(path)
            tags = [union_tag(o)[1] for o in union_options(tp)]
            editor.set_options(tags)
            editor.set_allowed([t for t in tags if self._can_switch(path, tp, t, value)])
            self._union_tags[tag_path] = path

    def _can_switch(self, path: str, tp: Any, tag: str, value: Any) -> bool:
        cls = next(o for o in union_options(tp) if union_tag(o)[1] == tag)
        if isinstance(value, cls):
            return True
        try:
            with_values(self._document.preset, self._switch_changes(path, cls), "edit")
        except PresetError:
            return False  # needs more than defaults (a model file): set elsewhere
        return True

    def _forget(self, prefix: str) -> None:
        """Drop the registrations of the editors under a path (about to be rebuilt)."""
        starts = (prefix + ".", prefix + "[")
        for table in (
            self._static,
            self._labels,
            self._headers,
            self._shown,
            self._lists,
            self._unions,
            self._union_tags,
        ):
            for key in [k for k in table if k.startswith(starts)]:
                del table[key]

    def _collect_editors(self) -> None:
        editors = dict(self._static)
        for lst in self._lists.values():
            for path, editor in lst.editors().items():
                editors[path] = editor
                self._attach(editor)
                self._tune(path, editor)
        self._editors = editors

    def _attach(self, editor: QWidget) -> None:
        if getattr(editor, "_panel_attached", False) or not hasattr(editor, "edited"):
            return
        editor._panel_attached = True
        editor.edited.connect(self._on_q_edited)
        if hasattr(editor, "dragged"):
            editor.dragged.connect(self._on_q_dragged)
            editor.dragFinished.connect(self._on_q_drag_finished)

    def _tune(self, path: str, editor: QWidget) -> None:
        """Domain rules the metadata cannot express, shown so the user need not hit them."""
        keys = parse_path(path)
        if isinstance(editor, QtChoiceBox) and keys[-1] == "over_cap" and keys[-2] in MODES:
            # Events over a mode's cap fall back to a quieter mode (Experience.check).
            editor.set_allowed(MODES[MODES.index(keys[-2]) + 1 :])
        if isinstance(editor, QtScaleSlider) and editor.path.endswith(".threshold"):
            editor.slider.setMinimumWidth(90)
        if isinstance(editor, QtFileField):  # file names are relative to the preset's folder
            file = self._document.path
            editor.base_dir = Path(file).resolve().parent if file else None

    def _value(self, preset: Preset, path: str) -> Any:
        getter = self._getters.get(path)
        if getter is None:
            getter = self._getters[path] = _getter(path)
        return getter(preset)

    def _title(self, path: str) -> str:
        md, _ = spec(path)
        return md.get("title", path)
