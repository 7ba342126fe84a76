"""Where the app keeps its per-user data, and the questions it asks about unfinished scans.

Checkpoints live in QStandardPaths' AppDataLocation/"checkpoints" (tests pass their own folder); the
naming and the resume decision are core.checkpoints' and core.store's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from core.store import Unfinished

Ask = Callable[[str, str], bool]
"""(title, question) -> the user's yes or no."""


def default_data_dir() -> Path:
    """The per-user folder for checkpoints and model comparisons."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def message_box_ask(parent: QWidget) -> Ask:
    """Ask with a modal Yes/No message box over `parent` (Yes is the default)."""

    def ask(title: str, question: str) -> bool:
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        answer = QMessageBox.question(parent, title, question, buttons, QMessageBox.StandardButton.Yes)
        return bool(answer == QMessageBox.StandardButton.Yes)

    return ask


def reopen_offer(checkpoint_dir: Path) -> tuple[str, str] | None:
    """The newest unfinished scan whose manuscript is still there: its path and the question to ask."""
    from core.store import find_unfinished

    for unfinished in reversed(find_unfinished(checkpoint_dir) if checkpoint_dir.is_dir() else []):
        path = unfinished.manuscript_path
        if Path(path).is_file():
            return path, f"{Path(path).name}: {resume_question(unfinished)}"
    return None


def resume_question(unfinished: Unfinished) -> str:
    """The offer for an unfinished checkpoint, in the app's words."""
    total = "?" if unfinished.batches_total is None else f"{unfinished.batches_total:,}"
    return f"Resume the unfinished scan ({unfinished.batches_done:,} of {total} batches done)?"
