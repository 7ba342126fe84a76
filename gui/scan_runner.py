"""Running the queue's scans: one at a time through the ScanController, in ScanQueue's order.

`ScanRunner` starts a manuscript's scan, marks its queue entry while it runs, takes the next one when
a scan completes and drops the rest when one is cancelled or fails. It asks the window for a scan's
options (checkpoint, controls, reference) through a callable and reports through signals, so the
window only decides what to show. The order itself is gui.scan_queue.ScanQueue, plain Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core.ingest import Document
from core.results import ScanResult
from core.settings import ScanSettings
from gui.controller import ScanController, ScanOptions
from gui.models import QueueEntry, QueueModel
from gui.results_view import verdict_words
from gui.resume import Ask, resume_question
from gui.scan_queue import ScanQueue
from gui.status import format_duration

OptionsFor = Callable[[Document, "bool | None"], ScanOptions]
"""A scan's options for a document; `fresh` None asks about an unfinished checkpoint."""


class ScanRunner(QObject):
    """Scans queued manuscripts one after another; `controller` runs each.

    Signals:
        started(str): the scan of this path started; its entry is marked scanning.
        resultArrived(str, object, bool): path, ScanResult, and whether it is final (False: the
            manuscript's passages, the controls still running).
        stopped(str): the scan of this path ended without a result; its entry is unmarked.
        resuming(str): the unfinished scan of this path is about to be resumed (to select it first).
        errorOccurred(str): one sentence on why a scan could not start or stopped.
        announced(str): something to tell the user without moving focus.
    """

    started = Signal(str)
    resultArrived = Signal(str, object, bool)
    stopped = Signal(str)
    resuming = Signal(str)
    errorOccurred = Signal(str)
    announced = Signal(str)

    def __init__(
        self,
        controller: ScanController,
        queue_model: QueueModel,
        *,
        options: OptionsFor,
        spec: Callable[[], str | None],
        settings: Callable[[], ScanSettings],
        ask: Ask,
        checkpoint_dir: Path,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._queue_model = queue_model
        self._options = options
        self._spec = spec
        self._settings = settings
        self._ask = ask
        self._checkpoint_dir = checkpoint_dir
        self._queue = ScanQueue()
        self._started = 0.0
        controller.resultReady.connect(self._on_controller_result_ready)
        controller.finished.connect(self._on_controller_finished)
        controller.cancelled.connect(self._on_controller_cancelled)
        controller.failed.connect(self._on_controller_failed)
        controller.resumeRefused.connect(self._on_controller_resume_refused)

    @property
    def scanning(self) -> str | None:
        """The path being scanned, if any."""
        return self._queue.scanning

    def running_s(self) -> float:
        """How long the current scan has been running, in seconds."""
        return time.monotonic() - self._started

    def cancel_question(self, after_s: float) -> str:
        """The question to ask before cancelling a scan that has run `after_s` or longer; "" to cancel at once."""
        running = self.running_s()
        if running < after_s:
            return ""
        name = Path(self.scanning).name if self.scanning else "the manuscript"
        return (
            f"The scan of {name} has been running for {format_duration(running)}. Stop it now? "
            "What was scanned so far is kept and marked incomplete."
        )

    def start_queue(self, current: QueueEntry) -> None:
        """Scan `current`, then the queued manuscripts that are ready and not scanned yet."""
        self._queue.plan(current, self._queue_model.entries())
        self.start_one(current.path)

    def start_one(self, path: str, fresh: bool | None = None) -> None:
        """Scan `path`; `fresh` None asks about an unfinished checkpoint, False resumes it, True discards it."""
        document = self._queue_model.entry(self._queue_model.row_of(path)).document
        if document is None:  # only read manuscripts are planned or offered; nothing to scan yet
            return
        try:
            options = self._options(document, fresh)
            self._controller.start(document, self._spec(), self._settings(), options)
        except ValueError as exc:
            self.errorOccurred.emit(str(exc))
            return
        previous = self._queue.start(path)
        if previous is not None:
            self._queue_model.update(previous, scanning=False)
        self._queue_model.update(path, scanning=True)
        self._started = time.monotonic()
        self.started.emit(path)

    def offer_resume(self, paths: Sequence[str], accepted: set[str]) -> None:
        """Manuscripts were read: offer to resume the first with an unfinished scan by the chosen model.

        Paths in `accepted` were accepted already (offered at start): they resume without asking again,
        and leave the set.
        """
        if self._controller.busy:
            return
        from core.checkpoints import unfinished_for

        spec = self._spec()
        for path in paths:
            document = self._queue_model.entry(self._queue_model.row_of(path)).document
            if document is None:
                continue
            unfinished = unfinished_for(self._checkpoint_dir, document, spec)
            was_accepted = path in accepted
            accepted.discard(path)
            if unfinished is None:
                if was_accepted:
                    self.errorOccurred.emit(
                        f"The unfinished scan of {Path(path).name} used another model; "
                        "pick that model and press Scan to resume it."
                    )
                continue
            if was_accepted or self._ask("Unfinished scan", f"{Path(path).name}: {resume_question(unfinished)}"):
                self.resuming.emit(path)
                self.start_one(path, fresh=False)
            return

    def cancel(self) -> bool:
        """Drop the waiting manuscripts and stop the running scan (its partial result is kept); True if one ran."""
        self._queue.clear()
        if not self._controller.busy:
            return False
        self._controller.cancel()
        return True

    def discard(self, path: str) -> None:
        """`path` left the queue: it will not be scanned."""
        self._queue.discard(path)

    def shutdown(self) -> None:
        """The window is closing: nothing more starts, and the running scan is cancelled and waited for."""
        self._queue.clear()
        self._controller.shutdown()

    def _stop(self) -> None:
        path = self._queue.stop()
        if path is not None:
            self._queue_model.update(path, scanning=False)
            self.stopped.emit(path)

    def _on_controller_result_ready(self, result: ScanResult) -> None:
        path = self._queue.scanning
        if path is None:
            return
        self._queue_model.update(path, result=result)
        self.resultArrived.emit(path, result, False)
        self.announced.emit(f"Provisional verdict for {Path(path).name}: {verdict_words(result)}. The control "
                            "texts are still being scanned.")

    def _on_controller_finished(self, result: ScanResult) -> None:
        path = self._queue.stop()
        if path is not None:
            self._queue_model.update(path, result=result, scanning=False)
            self.resultArrived.emit(path, result, True)
        name = Path(path or result.manuscript.path).name
        if result.complete:
            self.announced.emit(f"Scan of {name} finished: {verdict_words(result)}.")
            following = self._queue.take_next()
            if following is not None:
                self.start_one(following)
        else:
            self._queue.clear()
            self.announced.emit(f"Scan of {name} cancelled; the partial result is shown, marked incomplete.")

    def _on_controller_cancelled(self) -> None:
        self._stop()
        self._queue.clear()
        self.announced.emit("Scan cancelled before the model finished loading.")

    def _on_controller_failed(self, message: str) -> None:
        self._stop()
        self._queue.clear()
        self.errorOccurred.emit(message)
        self.announced.emit(f"The scan stopped: {message}")

    def _on_controller_resume_refused(self, message: str) -> None:
        path = self._queue.scanning
        self._stop()
        self.errorOccurred.emit(message)
        if path is not None and self._ask("Cannot resume", f"{message}\n\nStart a fresh scan instead?"):
            self.start_one(path, fresh=True)
