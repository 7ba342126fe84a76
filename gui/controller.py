"""The one owner of the running scan: run core's scan job in a worker, cancel it, shut it down.

The job itself (core.job.scan_job: load, refuse a reference that is the scanned model, checkpoint, scan,
reference test, controls) is plain Python shared with the CLI and the catalogue; the controller only
runs it through a `TaskRunner` and translates its items into signals for the window.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QObject, Signal

from core.evidence.control_scan import ControlsProgress
from core.job import (
    PREPARING,
    BackendFactory,
    JobOptions,
    LoadingModel,
    ResultReady,
    ResumeRefusal,
    ScanFunction,
    WorkPlan,
    default_backend_factory,
    default_scan_function,
    scan_job,
)
from core.scan.progress import CancelToken, ScanProgress
from core.settings import ScanSettings
from gui.worker import TaskRunner

if TYPE_CHECKING:
    from core.ingest import Document

__all__ = [
    "PREPARING",
    "BackendFactory",
    "ControllerState",
    "LoadingModel",
    "ResultReady",
    "ScanController",
    "ScanFunction",
    "ScanOptions",
    "WorkPlan",
    "default_backend_factory",
]


ScanOptions = JobOptions
"""The window fills in core's job options; the controller adds that a finished scan's checkpoint goes."""


ControllerState = Literal["idle", "loading", "scanning", "cancelling"]
"""What the controller is doing; stateChanged emits each new one."""


class ScanController(QObject):
    """Runs one scan at a time; starting another cancels the first.

    Signals:
        stateChanged(str): "idle", "loading", "scanning" or "cancelling".
        loadingModel(str): the model is being loaded (message for the user, repeated about twice a second).
        loadingDetail(object): the same as a LoadingModel, with the time so far and whether it is prepared.
        plan(object): a WorkPlan, before the scan starts (sizes for one overall progress).
        resultReady(object): the manuscript's ScanResult while the control texts are still scanned.
        progress(object): a throttled core.scan.progress.ScanProgress.
        finished(object): the ScanResult (complete=False when it was cancelled), after the thread ended.
        cancelled(): the scan was cancelled before it produced any result.
        failed(str): the scan failed; one sentence.
        controlsProgress(str): the control texts are being scanned (message for the user).
        resumeRefused(str): the checkpoint belongs to another scan; core.store's one sentence.
    """

    stateChanged = Signal(str)
    loadingModel = Signal(str)
    loadingDetail = Signal(object)
    plan = Signal(object)
    resultReady = Signal(object)
    progress = Signal(object)
    finished = Signal(object)
    cancelled = Signal()
    failed = Signal(str)
    controlsProgress = Signal(int, int, str)
    resumeRefused = Signal(str)

    def __init__(
        self,
        backend_factory: BackendFactory | None = None,
        scan_function: ScanFunction | None = None,
        parent: QObject | None = None,
        interval_s: float = 0.1,
    ) -> None:
        super().__init__(parent)
        self._backend_factory = backend_factory or default_backend_factory
        self._scan_function = scan_function or default_scan_function
        self._runner = TaskRunner(self, interval_s=interval_s)
        self._job_id: int | None = None
        self._cancel: CancelToken | None = None
        self._state: ControllerState = "idle"

    @property
    def state(self) -> ControllerState:
        """The current state name (see stateChanged)."""
        return self._state

    @property
    def busy(self) -> bool:
        """Whether a scan is loading, running or winding down."""
        return self._state != "idle"

    def threads_running(self) -> bool:
        """Whether any scan thread, current or winding down after a cancel, is still alive."""
        return self._runner.is_running()

    def start(
        self,
        document: Document,
        spec: str | None,
        settings: ScanSettings,
        options: ScanOptions = ScanOptions(),  # noqa: B008 - frozen
    ) -> None:
        """Scan `document` with the model `spec` (None: embedded default), cancelling any running scan."""
        settings.validate()
        if self._job_id is not None:
            self._runner.forget(self._job_id)
            if self._cancel is not None:
                self._cancel.cancel()
        cancel = CancelToken()
        factory, scan_function = self._backend_factory, self._scan_function
        self._cancel = cancel
        job_options = dataclasses.replace(options, remove_finished_checkpoint=True)  # the app's own folder
        self._job_id = self._runner.start(
            lambda: scan_job(document, spec, settings, cancel, job_options, load=factory,
                             scan_function=scan_function),
            on_yield=self._relay,
            on_return=self._on_job_returned,
            on_fail=self._on_job_failed,
        )
        self._set_state("loading")

    def cancel(self) -> None:
        """Ask the running scan to stop at its next batch; its partial result still arrives."""
        if self._cancel is not None and self._job_id is not None and not self._cancel.cancelled:
            self._cancel.cancel()
            self._set_state("cancelling")

    def shutdown(self) -> None:
        """Cancel and wait for every thread (used when the window closes); nothing is reported."""
        if self._cancel is not None:
            self._cancel.cancel()
        self._runner.wait_all()
        self._job_id = None
        self._set_state("idle")

    def _relay(self, item: object) -> None:
        if isinstance(item, LoadingModel):
            self.loadingModel.emit(item.message)
            self.loadingDetail.emit(item)
        elif isinstance(item, WorkPlan):
            self.plan.emit(item)
        elif isinstance(item, ResultReady):
            self.resultReady.emit(item.result)
        elif isinstance(item, ScanProgress):
            if self._state == "loading":
                self._set_state("scanning")
            self.progress.emit(item)
        elif isinstance(item, ControlsProgress):
            self.controlsProgress.emit(item.done, item.total, item.message)

    def _on_job_returned(self, result: object) -> None:
        self._job_id = None
        self._set_state("idle")
        if result is None:
            self.cancelled.emit()
        elif isinstance(result, ResumeRefusal):
            self.resumeRefused.emit(result.message)
        else:
            self.finished.emit(result)

    def _on_job_failed(self, message: str) -> None:
        self._job_id = None
        self._set_state("idle")
        self.failed.emit(message)

    def _set_state(self, state: ControllerState) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)
