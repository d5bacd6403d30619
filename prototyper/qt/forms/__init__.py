"""Editors built from the schema's field metadata, so that a new field needs no new widget code.

One editor shows one leaf field of the preset, named by its dotted path. Every editor has

- ``path``: the dotted field path it shows;
- ``set_value(value)``: show a value from the model, with the editor's signals blocked;
- ``edited(path, value)``: a finished user change (a typed value, a click, a key press);

and the sliders also ``dragged(path, value)`` while the mouse moves the handle and
``dragFinished(path)`` when it lets go. Editors never write to the model themselves: the panel
that owns them turns these signals into document edits.

Which editor a field gets follows its type and metadata (see
:func:`~prototyper.qt.forms.editors.make_editor`). A module each: ``metadata`` reads a field's
metadata, ``numbers`` and ``editors`` hold the editors, ``groups`` lays them out in groups and
item lists, and ``sections`` holds the design panel's folding sections and band list. Import
from the modules.
"""
