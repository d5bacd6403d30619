"""Guards against a broken Qt binding or a machine with no fonts."""

import sys

import PySide6
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel


def test_pyside6_keeps_none_refcount(qtbot):
    # PySide6 6.12.0 on Python 3.11 drops a reference to None on every void call, so the
    # interpreter aborts after a few thousand calls.
    assert not PySide6.__version__.startswith("6.12.0"), PySide6.__version__
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(100):
        label.setText(f"text {i}")
        label.show()
        label.hide()
    after = sys.getrefcount(None)
    assert after >= before - 5, f"refcount of None fell from {before} to {after}"
    assert label.text() == "text 99"


def test_default_font_has_glyphs(qapp):
    # With no fonts installed Qt silently draws every glyph as a box.
    font = QApplication.font()
    assert QFontMetrics(font).inFont("A"), f"default font {font.family()!r} has no 'A'"
