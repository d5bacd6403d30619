"""The HTML report built off the GUI thread.

The sensitivity analysis takes a fraction of a second for a synthetic model, but seconds for
a real model whose base rate is uncertain (its calibration is redone for every draw); the
window stays painted meanwhile, behind a busy dialog with Cancel. Cancel stops the work at
the report's next section or run (see build_report's ``between``) and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..core.evaluation.html_report import Design, build_report
from .workers import Run, Worker

SHOW_AFTER_MS = 400  # a quick report never flashes a dialog


class ReportCancelled(Exception):
    """Raised in the worker at the report's next section once Cancel was pressed."""


def stop_if_cancelled(run: Run):
    """A ``between`` hook for build_report: raise once ``run`` is cancelled."""

    def between(what: str) -> None:
        if run.cancelled():
            raise ReportCancelled(f"cancelled before {what}")

    return between


def report_html(parent: QWidget, designs: Sequence[Design]) -> str | None:
    """What ``prototyper report`` writes for ``designs``, or None if the person cancelled."""
    worker = Worker(parent)  # parented: a cancelled run ends at its next check, after we return
    dialog = QProgressDialog("Writing the report…", "Cancel", 0, 0, parent)
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
    worker.start(lambda run: build_report(designs, between=stop_if_cancelled(run)))
    loop.exec()
    dialog.canceled.disconnect(cancelled)
    dialog.reset()
    dialog.deleteLater()
    if "html" in outcome or "error" in outcome:
        worker.deleteLater()
    else:  # cancelled: the run stops at its next section, then the worker goes
        worker.stopped.connect(worker.deleteLater)
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise error
    html = outcome.get("html")
    return html if isinstance(html, str) else None
