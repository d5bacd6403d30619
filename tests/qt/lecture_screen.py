"""What the screen-fit and label-geometry tests share: letting deferred layouts run, and a
window put in lecture mode at a projector's size."""

from __future__ import annotations

from PySide6.QtCore import QSize

PROJECTOR = QSize(1280, 720)


def settle(qapp, qtbot) -> None:
    """Let deferred layouts and label placements run."""
    for _ in range(4):
        qapp.processEvents()
        qtbot.wait(5)


def lecture_at(window, size: QSize, panel: bool, qapp, qtbot) -> None:
    window.toggle_lecture_mode()
    if panel:
        window.toggle_design_panel()
    window.showNormal()  # full screen would take the test screen's size
    window.setMinimumSize(QSize(0, 0))
    window.resize(size)
    settle(qapp, qtbot)
