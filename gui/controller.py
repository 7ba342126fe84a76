"""The one owner of the running scan: load the model, run core's scan generator, cancel, shut down.

The job itself (`scan_job`) is plain Python: it loads the backend and then delegates to
`core.scan.engine.scan`; the controller only runs it through a `TaskRunner` and translates its
items into signals for the window.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from core.scan.progress import CancelToken, ScanProgress
from core.settings import ScanSettings
from gui.worker import TaskRunner

if TYPE_CHECKING:
    from core.ingest import Document
    from core.model.backend import Backend
    from core.results import ScanResult

BackendFactory = Callable[[str | None, ScanSettings], "Backend"]
ScanFunction = Callable[..., Generator[ScanProgress, None, "ScanResult"]]


@dataclass(frozen=True)
class LoadingModel:
    """Progress item of the model-loading phase (no fraction: loading is indeterminate)."""

    spec: str | None
    message: str = "Loading model…"


def default_backend_factory(spec: str | None, settings: ScanSettings) -> Backend:
    """core.model.loader.load_backend, imported here so torch loads in the worker, never at start-up."""
    from core.model.loader import load_backend

    return load_backend(spec, settings)


def default_scan_function(*args: Any, **kwargs: Any) -> Generator[ScanProgress, None, ScanResult]:
    """core.scan.engine.scan, imported lazily (it pulls in numerical code)."""
    from core.scan.engine import scan

    return scan(*args, **kwargs)


def scan_job(
    document: Document,
    spec: str | None,
    settings: ScanSettings,
    cancel: CancelToken,
    backend_factory: BackendFactory,
    scan_function: ScanFunction,
) -> Generator[LoadingModel | ScanProgress, None, ScanResult | None]:
    """Load the model, then scan; returns None when cancelled before the model finished loading."""
    yield LoadingModel(spec)
    backend = backend_factory(spec, settings)
    if cancel.cancelled:
        return None
    result: ScanResult = yield from scan_function(document, backend, settings=settings, cancel=cancel)
    return result


class ScanController(QObject):
    """Runs one scan at a time; starting another cancels the first.

    Signals:
        stateChanged(str): "idle", "loading", "scanning" or "cancelling".
        loadingModel(str): the model is being loaded (message for the user).
        progress(object): a throttled core.scan.progress.ScanProgress.
        finished(object): the ScanResult (complete=False when it was cancelled), after the thread ended.
        cancelled(): the scan was cancelled before it produced any result.
        failed(str): the scan failed; one sentence.
    """

    stateChanged = Signal(str)
    loadingModel = Signal(str)
    progress = Signal(object)
    finished = Signal(object)
    cancelled = Signal()
    failed = Signal(str)

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
        self._state = "idle"

    @property
    def state(self) -> str:
        """The current state name (see stateChanged)."""
        return self._state

    @property
    def busy(self) -> bool:
        """Whether a scan is loading, running or winding down."""
        return self._state != "idle"

    def threads_running(self) -> bool:
        """Whether any scan thread, current or winding down after a cancel, is still alive."""
        return self._runner.is_running()

    def start(self, document: Document, spec: str | None, settings: ScanSettings) -> None:
        """Scan `document` with the model `spec` (None: embedded default), cancelling any running scan."""
        settings.validate()
        if self._job_id is not None:
            self._runner.forget(self._job_id)
            if self._cancel is not None:
                self._cancel.cancel()
        cancel = CancelToken()
        factory, scan_function = self._backend_factory, self._scan_function
        self._cancel = cancel
        self._job_id = self._runner.start(
            lambda: scan_job(document, spec, settings, cancel, factory, scan_function),
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
        elif isinstance(item, ScanProgress):
            if self._state == "loading":
                self._set_state("scanning")
            self.progress.emit(item)

    def _on_job_returned(self, result: object) -> None:
        self._job_id = None
        self._set_state("idle")
        if result is None:
            self.cancelled.emit()
        else:
            self.finished.emit(result)

    def _on_job_failed(self, message: str) -> None:
        self._job_id = None
        self._set_state("idle")
        self.failed.emit(message)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)
