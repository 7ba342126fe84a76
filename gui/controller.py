"""The one owner of the running scan: load the model, run core's scan generator, cancel, shut down.

The job itself (`scan_job`) is plain Python: it loads the backend and then delegates to
`core.scan.engine.scan`; the controller only runs it through a `TaskRunner` and translates its
items into signals for the window.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from core.evidence.control_scan import ControlsProgress
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
    elapsed_s: float = 0.0
    preparing: bool = False
    """The model is being converted for its first use (once per model file; about a minute)."""


@dataclass(frozen=True)
class WorkPlan:
    """What the scan will do, for one overall progress: the manuscript's and the controls' sizes."""

    text_chars: int
    controls_chars: int = 0


@dataclass(frozen=True)
class ResultReady:
    """The manuscript's result, final for its verdict, while the control texts are still scanned."""

    result: ScanResult


PREPARING = "Preparing the model for its first use (about a minute, only once)…"
HEARTBEAT_S = 0.5


def _converting_since(started: float) -> bool:
    """Whether a GGUF is being converted for transformers (core.model.hf writes a temp folder)."""
    hf = sys.modules.get("core.model.hf")  # only once the loader chose transformers: no torch import here
    # While its import is still running in the loading thread the module has no functions yet.
    cache_dir = getattr(hf, "default_cache_dir", None)
    if cache_dir is None:
        return False
    try:
        folder = Path(cache_dir())
        return any(
            p.name.startswith(".") and p.is_dir() and p.stat().st_mtime >= started - 1 for p in folder.iterdir()
        )
    except Exception:  # noqa: BLE001 - a look at a folder must never fail the model's loading
        return False


def load_with_heartbeat(
    factory: BackendFactory, spec: str | None, settings: ScanSettings, message: str
) -> Generator[LoadingModel, None, Backend]:
    """Load a backend in a helper thread, yielding LoadingModel every HEARTBEAT_S with the time so far.

    A model converted for its first use says so (the conversion's own progress goes to a terminal).
    Loading cannot be interrupted: a cancel takes effect when it returns, as before.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["backend"] = factory(spec, settings)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the job's thread below
            box["error"] = exc

    started, wall = time.monotonic(), time.time()
    thread = threading.Thread(target=run, name="verbatim-model-load", daemon=True)
    thread.start()
    while True:
        thread.join(HEARTBEAT_S)
        if not thread.is_alive():
            break
        preparing = _converting_since(wall)
        yield LoadingModel(spec, PREPARING if preparing else message, time.monotonic() - started, preparing)
    if "error" in box:
        raise box["error"]
    backend: Backend = box["backend"]
    return backend


def controls_size(user: Sequence[str]) -> int:
    """Characters the control texts hold, about (file sizes: the bundled ones are plain UTF-8 text)."""
    from core.evidence.controls import CONTROLS_DIR

    paths = [Path(p) for p in user] + sorted(CONTROLS_DIR.glob("*.txt"))
    total = 0
    for p in paths:
        try:
            total += p.stat().st_size
        except OSError:
            continue
    return total


def default_backend_factory(spec: str | None, settings: ScanSettings) -> Backend:
    """core.model.loader.load_backend, imported here so torch loads in the worker, never at start-up."""
    from core.model.loader import load_backend

    return load_backend(spec, settings)


def default_scan_function(*args: Any, **kwargs: Any) -> Generator[ScanProgress, None, ScanResult]:
    """core.scan.engine.scan, imported lazily (it pulls in numerical code)."""
    from core.scan.engine import scan

    return scan(*args, **kwargs)


@dataclass(frozen=True)
class ScanOptions:
    """What a GUI scan does besides the scan itself."""

    controls: bool = False
    """Scan the bundled control texts (and the user's) after the manuscript, with the same model."""
    user_controls: tuple[str, ...] = ()
    """Paths of the user's control texts, read in a worker process like manuscripts."""
    own_unpublished: tuple[str, ...] = ()
    """Paths of the author's own unpublished writing: controls used first for the chance model."""
    checkpoint: Path | None = None
    """Checkpoint file (core.store) to resume from and commit to; None: no checkpoint."""
    fresh: bool = True
    """Discard an existing checkpoint instead of resuming it."""
    reference: str | None = None
    """A reference model for the common-phrase test (core.evidence.reference): its spec, "default" for the
    embedded model; None for none."""


@dataclass(frozen=True)
class ResumeRefusal:
    """The job's outcome when the checkpoint belongs to another scan: core.store's one sentence."""

    message: str


def scan_job(
    document: Document,
    spec: str | None,
    settings: ScanSettings,
    cancel: CancelToken,
    backend_factory: BackendFactory,
    scan_function: ScanFunction,
    options: ScanOptions = ScanOptions(),  # noqa: B008 - frozen, so sharing the default is safe
) -> Generator[object, None, ScanResult | ResumeRefusal | None]:
    """Load the models, scan (through a checkpoint when asked), then the reference test and the controls.

    A reference model (options.reference) is loaded before the scan, so a bad one costs no work. Returns None when cancelled before the model finished loading, and a ResumeRefusal when the
    checkpoint cannot be resumed.
    """
    yield LoadingModel(spec)
    backend = yield from load_with_heartbeat(backend_factory, spec, settings, LoadingModel(spec).message)
    if cancel.cancelled:
        return None
    # The reference model is loaded before the scan, so a bad one fails before any work is done.
    reference = None
    if options.reference is not None:
        message = "Loading the reference model…"
        yield LoadingModel(options.reference, message)
        ref_spec = None if options.reference == "default" else options.reference
        reference = yield from load_with_heartbeat(backend_factory, ref_spec, settings, message)
        if cancel.cancelled:
            return None
        if backend.info.sha256 and reference.info.sha256 == backend.info.sha256:
            raise ValueError("The reference model is the model being scanned: choose another one, or none.")
    yield WorkPlan(len(document.text), controls_size(options.user_controls) if options.controls else 0)
    kwargs: dict[str, Any] = {"settings": settings, "cancel": cancel}
    store = None
    if options.checkpoint is not None:
        from core.checkpoints import open_checkpoint, remove_checkpoint
        from core.store import CheckpointError, ScanPlan

        try:
            store = open_checkpoint(options.checkpoint, ScanPlan.for_scan(document, backend.info, settings),
                                    options.fresh)
        except CheckpointError as exc:
            return ResumeRefusal(str(exc))
        kwargs["store"] = store
    try:
        result: ScanResult = yield from scan_function(document, backend, **kwargs)
    finally:
        if store is not None:
            store.close()
    if store is not None and result.complete:
        remove_checkpoint(store.path)  # finished: nothing left to resume
    if reference is not None and result.complete and not cancel.cancelled:
        from core.evidence.reference import check_reference

        result = yield from check_reference(result, reference, settings, cancel)
    if options.controls and result.complete and not cancel.cancelled:
        yield ResultReady(result)  # shown while the controls run (provisional until they finish)
        result = yield from controls_job(result, backend, settings, cancel, options.user_controls,
                                         options.own_unpublished)
    return result


def controls_job(
    result: ScanResult, backend: Backend, settings: ScanSettings, cancel: CancelToken, user: Sequence[str],
    own: Sequence[str] = (),
) -> Generator[object, None, ScanResult]:
    """Read the user's controls (isolated, like manuscripts) and scan them and the bundled ones."""
    from core.evidence.control_scan import scan_controls
    from core.evidence.controls import bundled_controls
    from core.ingest.isolated import load_document_isolated

    docs = [load_document_isolated(p) for p in [*own, *user]] + bundled_controls()
    return (yield from scan_controls(result, docs, backend, settings, cancel, user_controls=len(user),
                                     own_unpublished=len(own)))


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
        self._job_id = self._runner.start(
            lambda: scan_job(document, spec, settings, cancel, factory, scan_function, options),
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

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)
