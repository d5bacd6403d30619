"""The HTML report built off the GUI thread when it carries a sensitivity analysis.

The analysis takes a fraction of a second for a synthetic model, but seconds for a real
model whose base rate is uncertain (its calibration is redone for every draw); the window
stays painted meanwhile, behind a busy dialog with Cancel.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..core.evaluation.html_report import Design, build_report
from ..core.preset.uncertainty import uncertain_inputs
from .workers import Worker

SHOW_AFTER_MS = 400  # a quick report never flashes a dialog


def report_html(parent: QWidget, designs: Sequence[Design]) -> str | None:
    """What ``prototyper report`` writes for ``designs``, or None if the person cancelled."""
    if not any(uncertain_inputs(d.analysis.preset) for d in designs):
        return build_report(designs)
    worker = Worker(parent)  # parented: a cancelled run may still finish after we return
    dialog = QProgressDialog("Working out which assumptions matter…", "Cancel", 0, 0, parent)
    dialog.setWindowTitle("Export Report")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    loop = QEventLoop()
    outcome: dict[str, object] = {}

    def finished(html: object) -> None:
        outcome["html"] = html
        loop.quit()

    def failed(exc: object) -> None:
        outcome["error"] = exc
        loop.quit()

    def cancelled() -> None:
        worker.cancel()
        loop.quit()

    worker.finished.connect(finished)
    worker.failed.connect(failed)
    dialog.canceled.connect(cancelled)
    worker.start(lambda run: build_report(designs))
    loop.exec()
    dialog.canceled.disconnect(cancelled)
    dialog.reset()
    dialog.deleteLater()
    if "html" in outcome or "error" in outcome:
        worker.deleteLater()
    else:  # cancelled: the run goes on to its end (it cannot be interrupted), then it goes
        worker.discarded.connect(worker.deleteLater)
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise error
    html = outcome.get("html")
    return html if isinstance(html, str) else None
