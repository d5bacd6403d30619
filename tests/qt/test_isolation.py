"""Qt tests never write to the real home folder: default settings and the app's data folder
point into the temporary home the shared fixture makes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from prototyper.qt.main_window import app_data_dir


def test_default_settings_live_in_the_temporary_home(qapp, _own_home):
    settings = QSettings("prototyper-test", "isolation")
    settings.setValue("answer", 42)
    settings.sync()
    assert Path(settings.fileName()).is_relative_to(_own_home)
    assert Path(settings.fileName()).exists()


def test_the_app_data_folder_is_in_the_temporary_home(qapp, _own_home):
    assert app_data_dir().is_relative_to(_own_home)


def test_views_report_errors_through_the_document(document):
    told = []
    document.error.connect(told.append)
    document.report_error("experience.bands[2]: the lowest band cannot be removed")
    assert told == ["experience.bands[2]: the lowest band cannot be removed"]
