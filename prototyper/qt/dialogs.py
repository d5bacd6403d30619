"""What controllers need from the window to talk to the person at the keyboard.

Controllers (the model loader...) receive a :class:`Dialogs`, not the window: the window
implements it with message boxes, file dialogs and its status bar, and a test passes a fake
that answers and records."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from PySide6.QtWidgets import QMessageBox

Button = QMessageBox.StandardButton


@runtime_checkable
class Dialogs(Protocol):
    def ask(self, title: str, text: str, buttons: Button, default: Button) -> Button:
        """A question; the button chosen (``default`` on Enter)."""
        ...

    def tell(self, title: str, text: str) -> None:
        """A problem the person must see (one line per problem)."""
        ...

    def choose_open(self, title: str, start: Path, filters: str) -> Path | None:
        """An existing file to read; None if the person cancelled."""
        ...

    def choose_save(self, title: str, start: Path, filters: str) -> Path | None:
        """A file to write; None if the person cancelled."""
        ...

    def show_status(self, text: str, msecs: int = 0) -> None:
        """A passing message (gone after ``msecs``; 0: until the next one)."""
        ...

    def maybe_save(self) -> bool:
        """Offer to save unsaved work before it is replaced: True to go on."""
        ...
