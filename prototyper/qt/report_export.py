"""The HTML report built off the GUI thread.

The sensitivity analysis takes a fraction of a second for a synthetic model, but seconds for
a real model whose base rate is uncertain (its calibration is redone for every draw); the
window stays painted meanwhile, behind a busy dialog with Cancel. Cancel stops the work at
the report's next section or run, or the next block of a design's PSA draws (see
build_report's ``between``, which the PSA asks between blocks), and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import QWidget

from ..core.evaluation.html_report import Design, build_report, design_scenes
from ..core.evaluation.scenes import ScoresFor
from ..core.model.model_sources import score_model
from ..core.preset.schema import Preset, SyntheticModel
from .document import Document, missing_files, stand_in
from .workers import Run, run_modal


class ReportCancelled(Exception):
    """Raised in the worker at the report's next section once Cancel was pressed."""


def stop_if_cancelled(run: Run):
    """A ``between`` hook for build_report: raise once ``run`` is cancelled."""

    def between(what: str) -> None:
        if run.cancelled():
            raise ReportCancelled(f"cancelled before {what}")

    return between


def document_scores(document: Document) -> ScoresFor:
    """The document's model's scores for the preset at each lecture scene, as the command
    line's ``scenes`` works them out (a missing file's described stand-in, as on screen)."""
    base_dir, consent, cache = document.base_dir, document.consent, document.model_cache

    def scores_for(state: Preset) -> Any:
        if isinstance(state.model, SyntheticModel):
            return None
        rate = state.scenario.base_rate
        if missing_files(state, base_dir):
            return score_model(stand_in(state.model), rate, base_dir)
        options = consent.options(state.model, base_dir)
        return score_model(state.model, rate, base_dir, cache=cache, **options)

    return scores_for


def with_scenes(designs: Sequence[Design], scores_for: ScoresFor, between) -> list[Design]:
    """The designs with the steps of their lecture scenes worked out (in the worker)."""
    out = []
    for i, d in enumerate(designs):
        if d.scenes is None and d.analysis.preset.scenes:
            between(f"scenes of design {i + 1}")
            d = replace(d, scenes=design_scenes(d.analysis, scores_for))
        out.append(d)
    return out


def report_html(
    parent: QWidget, designs: Sequence[Design], scores_for: ScoresFor | None = None
) -> str | None:
    """What ``prototyper report`` writes for ``designs``, or None if the person cancelled.
    ``scores_for`` as in html_report.design_scenes."""

    def work(run: Run) -> str:
        between = stop_if_cancelled(run)
        ready = designs if scores_for is None else with_scenes(designs, scores_for, between)
        return build_report(ready, between=between)

    kind, value = run_modal(parent, "Export Report", "Writing the report…", work)
    if kind == "failed":
        raise value
    return value if kind == "finished" else None
