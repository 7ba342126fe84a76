"""Manuscripts coming into the queue: add the files, refuse the kinds Verbatim cannot read, read the rest.

`Intake` puts paths (files, or folders of manuscripts) in the QueueModel and reads their text in a
worker (gui.documents.load_documents_job, each file in an isolated process). It reports through
signals, so the window only decides what to show: which row to select, an error sentence, a status
line, and which manuscripts became ready (to offer resuming their unfinished scans).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from gui.documents import MANUSCRIPT_SUFFIXES, Loaded, load_documents_job, unsupported_reason
from gui.manuscript import expand_paths
from gui.models import QueueModel
from gui.status import plural
from gui.worker import TaskRunner


class Intake(QObject):
    """Adds manuscripts to `queue_model` and reads them in the background.

    Signals:
        added(int): the row of the first path opened, to select it.
        errorOccurred(str): one sentence on a file that cannot be scanned (or on none found).
        statusMessage(str, int): a passing status line and how long to show it (ms, 0: until replaced).
        ready(list): the paths whose text was read, in order.
    """

    added = Signal(int)
    errorOccurred = Signal(str)
    statusMessage = Signal(str, int)
    ready = Signal(list)

    def __init__(self, queue_model: QueueModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue_model = queue_model
        self._runner = TaskRunner(self)

    def open(self, paths: Iterable[str]) -> None:
        """Queue manuscripts (files, or folders of them) and load their text in the background."""
        model = self._queue_model
        files = expand_paths(paths, MANUSCRIPT_SUFFIXES)
        if not files:
            self.errorOccurred.emit(
                "No manuscripts found there (expected .txt, .md, .docx, .pdf, .epub, .odt, .rtf or .html)."
            )
            return
        new = [f for f in files if model.row_of(f) < 0]
        first_row = model.add(files[0])
        for f in files[1:]:
            model.add(f)
        # A file of a kind Verbatim does not read is never "ready", however little text it holds.
        refused = [(f, unsupported_reason(f)) for f in new if unsupported_reason(f)]
        for f, reason in refused:
            model.update(f, error=reason)
        new = [f for f in new if not unsupported_reason(f)]
        self.added.emit(first_row)
        if refused:
            extra = f" ({len(refused) - 1} more in the queue)" if len(refused) > 1 else ""
            self.errorOccurred.emit(refused[0][1] + extra)
        if new:
            self.statusMessage.emit(f"Reading {plural(len(new), 'manuscript')}…", 0)
            self._runner.start(
                lambda: load_documents_job(new), on_return=self._on_loaded, on_fail=self.errorOccurred.emit
            )

    def ask_files(self, parent: QWidget) -> None:
        """Ask for manuscript files in a file dialog over `parent`, and open them."""
        patterns = " ".join(f"*{s}" for s in MANUSCRIPT_SUFFIXES)
        paths, _ = QFileDialog.getOpenFileNames(
            parent, "Open manuscripts", "", f"Manuscripts ({patterns});;All files (*)"
        )
        if paths:
            self.open(paths)

    def ask_folder(self, parent: QWidget) -> None:
        """Ask for a folder of manuscripts over `parent`, and open every manuscript in it."""
        folder = QFileDialog.getExistingDirectory(parent, "Open a folder of manuscripts")
        if folder:
            self.open([folder])

    def wait(self) -> None:
        """Wait for the reading in progress to end (the window is closing)."""
        self._runner.wait_all()

    def _on_loaded(self, loaded: list[Loaded]) -> None:
        errors = []
        for path, document, error in loaded:
            self._queue_model.update(path, document=document, error=error)
            if error:
                errors.append(error)
        if errors:
            others = sum(1 for e in self._queue_model.entries() if e.error) - 1  # refused kinds included
            extra = f" ({others} more in the queue)" if others > 0 else ""
            self.errorOccurred.emit(errors[0] + extra)
        ok = len(loaded) - len(errors)
        self.statusMessage.emit(f"{plural(ok, 'manuscript')} ready." if ok else "No manuscript could be read.", 6000)
        self.ready.emit([path for path, document, _ in loaded if document is not None])
