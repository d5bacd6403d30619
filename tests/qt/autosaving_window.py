"""A real app process for the recovery tests, run as a script (never collected by pytest):

python autosaving_window.py edit RECOVERY_DIR PRESET VALUE
    open PRESET, set the prompt's forcefulness to VALUE, autosave, print "autosaved FILE"
    and keep running (until killed);
python autosaving_window.py start RECOVERY_DIR ANSWER
    start as the app does, answer ANSWER (yes/no) to every question, print a JSON line:
    the questions, whether work was restored, the forcefulness shown and the file.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from prototyper.qt.main_window import MainWindow  # noqa: E402

FIELD = "experience.modes.prompt.forcefulness"


def main() -> int:
    mode, recovery_dir = sys.argv[1], Path(sys.argv[2])
    app = QApplication(sys.argv[:1])
    settings = QSettings(str(recovery_dir.parent / "settings.ini"), QSettings.Format.IniFormat)
    if mode == "edit":
        window = MainWindow(Path(sys.argv[3]), settings=settings, recovery_dir=recovery_dir)
        window.document.set_value(FIELD, float(sys.argv[4]))
        window.write_recovery()  # what the autosave timer does
        print(f"autosaved {window.recovery_file()}", flush=True)
        return app.exec()
    button = QMessageBox.StandardButton
    answer = button.Yes if sys.argv[3] == "yes" else button.No
    window = MainWindow(settings=settings, recovery_dir=recovery_dir)
    asked = []

    def ask(title, text, buttons, default):
        asked.append(text)
        return answer

    window.ask = ask
    restored = window.offer_recovery()
    doc = window.document
    print(
        json.dumps(
            {
                "asked": asked,
                "restored": restored,
                "value": doc.value(FIELD),
                "path": str(doc.path) if doc.path else None,
                "dirty": doc.dirty,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
