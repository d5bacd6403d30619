"""Run the prototyper with one extra, test-only mode in the table: "nudge", between prompt and
organize, shown, not interrupting. Run as a script in its own process, so the test process's
schema never sees the mode:

    python tests/nudge_mode.py preset PATH                 # write a preset that uses it
    python tests/nudge_mode.py cli evaluate PATH --json    # the CLI, exit code passed on
    python tests/nudge_mode.py gui PATH                    # the window, offscreen; JSON out
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from prototyper.core.preset import modes

NUDGE = modes.Mode(
    "nudge",
    25,
    "Nudge",
    "nudges",
    "of nudges heeded",
    color="no-such-colour",  # an unknown colour key draws in the fallback colour
    shown=True,
    forcefulness=0.4,
    act_if_positive=0.3,
    act_if_negative=0.2,
)
modes.register(NUDGE)

# Every row of the preset below that names the nudge mode, so the test can check it is used.
PRESET = """\
schema_version: 1
scenario:
  name: Nudged
  users: 5000
  events_per_user_per_day: 4
  base_rate: 0.05
  horizon_days: 5
model: {source: synthetic, auc: 0.85}
experience:
  bands:
    - {threshold: 0.6, mode: prompt}
    - {threshold: 0.1, mode: nudge}
    - {threshold: 0.0, mode: none}
  modes:
    prompt: {forcefulness: 0.5, daily_cap: 1, over_cap: nudge}
    nudge: {forcefulness: 0.3, daily_cap: 1, over_cap: annotate}
response:
  modes:
    prompt:
      act_if_positive: {low: 0.4, high: 0.8}
      act_if_negative: {low: 0.2, high: 0.5}
      habituation: 0.3
    nudge:
      act_if_positive: {low: 0.2, high: 0.5}
      act_if_negative: {low: 0.1, high: 0.3}
      habituation: 0.2
  unprompted: {positive: 0.1, negative: 0.01}
payoffs:
  value_of_time_per_hour: {user: 30, operator: 0, business: 0}
  positive_acted:
    - {stakeholder: user, amount: 50}
  positive_missed:
    - {stakeholder: user, amount: -80}
  negative_acted:
    - {stakeholder: user, amount: -2}
  attention:
    prompt: {minutes_low: 0.1, minutes_high: 0.3, stakeholder: user}
    nudge: {minutes_low: 0.02, minutes_high: 0.05, stakeholder: user}
dynamics:
  habituation: {enabled: true}
  trust: {enabled: true}
  abandonment: {enabled: true, per_false_alarm: 0.01}
  cooldown_days: {nudge: 1}
"""


def run_gui(preset: Path) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    from prototyper.qt.goals import layer_figures
    from prototyper.qt.main_window import MainWindow
    from prototyper.qt.simulation import SimulationSettings
    from prototyper.qt.theme import FALLBACK_COLOR, mode_color

    errors: list[str] = []

    def hook(kind, value, tb):  # an exception in a slot lands here, not in the caller
        errors.append("".join(traceback.format_exception(kind, value, tb)))

    sys.excepthook = hook
    app = QApplication.instance() or QApplication([])
    scratch = preset.parent
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(preset, settings=settings, recovery_dir=scratch / "recovery")
    told: list[str] = []
    window.ask = lambda title, text, buttons, default: QMessageBox.StandardButton.Discard
    window.tell = lambda title, text: told.append(text)
    window.resize(1400, 900)
    window.show()
    window.simulation.set_settings(SimulationSettings(seed=1, replications=2, users=50))
    started = window.simulation.start()
    window.simulation.wait_idle(60_000)
    for _ in range(20):  # deliver the worker's result to the views
        app.processEvents()

    images: dict[str, list[int]] = {}
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        app.processEvents()
        image = window.grab().toImage()
        images[f"tab {window.tabs.tabText(i)}"] = [image.width(), image.height()]
    views = {
        "goals": window.goals,
        "score_plot": window.score_plot,
        "value_plot": window.value_plot,
        "outcome_plot": window.outcome_plot,
        "roc_plot": window.roc_plot,
        "time_plots": window.time_plots,
        "design_panel": window.design_panel,
    }
    for name, widget in views.items():
        image = widget.grab().toImage()
        images[name] = [image.width(), image.height()]
    from prototyper.core.evaluation.report import summary

    def choices(path: str) -> list[list]:  # a choice box's options, each with whether allowed
        box = window.design_panel.control(path)
        items = [box.model().item(row) for row in range(box.count())]
        return [[item.text(), item.isEnabled()] for item in items]

    figures = layer_figures(summary(window.document.analysis.evaluation))
    out = {
        "started": started,
        "simulated": window.simulation.result is not None,
        "errors": errors,
        "told": told,
        "images": images,
        "captions": [f.caption for card in figures.values() for f in card],
        "nudge_color": mode_color("nudge"),
        "band_modes": choices("experience.bands[1].mode"),
        "prompt_over_cap": choices("experience.modes.prompt.over_cap"),
        "nudge_over_cap": choices("experience.modes.nudge.over_cap"),
        "fallback_color": FALLBACK_COLOR,
    }
    window.document.undo_stack.setClean()
    window.simulation.shutdown()
    window.close()
    print(json.dumps(out))
    return 1 if errors else 0


def main(argv: list[str]) -> int:
    if argv[0] == "preset":
        Path(argv[1]).write_text(PRESET, encoding="utf-8")
        return 0
    if argv[0] == "gui":
        return run_gui(Path(argv[1]))
    from prototyper import cli

    return cli.main(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
