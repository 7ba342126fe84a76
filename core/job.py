"""One scan job: load, refuse a reference that is the scanned model, checkpoint, scan, reference, controls.

The CLI (cli/scan.py), the GUI's controller (gui/controller.py, in a worker thread) and the catalogue
(core/catalogue.py, which loads each model once and scans its controls once) all drive these steps, so
they cannot drift apart. `scan_job` is a generator: it yields what a front end may show (LoadingModel,
ModelReady, WorkPlan, Resuming, ScanProgress, ControlsProgress, Status, ResultReady) and
returns the ScanResult, a ResumeRefusal, or None when cancelled before the model finished loading.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import UserError
from core.paths import asset_dir
from core.scan.progress import CancelToken, ScanProgress
from core.settings import ScanSettings

if TYPE_CHECKING:  # the numerical modules load with the job, not with the window that imports this
    from core.chatprobe.probes import ChatRequest
    from core.evidence.control_scan import ControlsProgress
    from core.ingest import Document
    from core.model.backend import Backend
    from core.reconstruct import ReconstructOptions
    from core.results import ControlResult, ScanResult
    from core.store import ScanStore

BackendFactory = Callable[[str | None, ScanSettings], "Backend"]
"""Loads the model a spec names (None: the embedded default)."""
ScanFunction = Callable[..., Generator[ScanProgress, None, "ScanResult"]]
"""core.scan.engine.scan, or a stand-in with its signature."""

PREPARING = "Preparing the model for its first use (about a minute, only once)…"
HEARTBEAT_S = 0.5


class SameModelError(UserError):
    """The reference model is the model being scanned."""


@dataclass(frozen=True, kw_only=True)
class JobOptions:
    """What a scan job does besides scanning the manuscript with the model."""

    reference: str | None = None
    """A reference model for the common-phrase test (core.evidence.reference): its spec, "default" for the
    embedded model; None for none."""
    checkpoint: Path | None = None
    """Checkpoint file (core.store) to resume from and commit to; None: no checkpoint."""
    fresh: bool = False
    """Discard an existing checkpoint instead of resuming it."""
    remove_finished_checkpoint: bool = False
    """Delete the checkpoint once the scan completed (the desktop app keeps its own folder of them)."""
    controls: bool = False
    """Scan never-published control texts after the manuscript, with the same model (the chance model)."""
    own_unpublished: Sequence[Document | str | Path] = ()
    """The author's own unpublished writing: controls used first for the chance model (paths are read in
    a worker process, like manuscripts)."""
    user_controls: Sequence[Document | str | Path] = ()
    """Other control texts of the user's."""
    bundled_controls: bool = True
    """Scan the control texts shipped with Verbatim too."""
    chat: ChatRequest | None = None
    """Probe the model through its chat template after the scan (core.chatprobe); None: no chat probes."""
    reconstruct: ReconstructOptions | None = None
    """Rebuild the work from its opening after the scan (core/reconstruct.py, `--reconstruct`); None: no."""


@dataclass(frozen=True)
class LoadingModel:
    """Progress item of the model-loading phase (no fraction: loading is indeterminate)."""

    spec: str | None
    message: str = "Loading model…"
    elapsed_s: float = 0.0
    preparing: bool = False
    """The model is being converted for its first use (once per model file; about a minute)."""
    reference: bool = False
    """The model being loaded is the reference model."""


@dataclass(frozen=True)
class ModelReady:
    """A model finished loading."""

    backend: Backend
    reference: bool = False


@dataclass(frozen=True)
class WorkPlan:
    """What the scan will do, for one overall progress: the manuscript's and the controls' sizes."""

    text_chars: int
    controls_chars: int = 0


@dataclass(frozen=True)
class Resuming:
    """The scan resumes from a checkpoint that already holds `done` of `total` batches."""

    done: int
    total: int | None


@dataclass(frozen=True)
class Status:
    """A line for the user about the step that starts now."""

    message: str


@dataclass(frozen=True)
class ResultReady:
    """The manuscript's result, final for its verdict, while the control texts are still scanned."""

    result: ScanResult


@dataclass(frozen=True)
class ResumeRefusal:
    """The job's outcome when the checkpoint belongs to another scan: core.store's one sentence."""

    message: str


@dataclass(frozen=True)
class ScannedControls:
    """Control texts already scanned with a model: what attach_controls needs, and how many were asked."""

    controls: Sequence[ControlResult]
    scores: Sequence[float]
    planned: int


def same_model(a: Backend, b: Backend) -> bool:
    """Whether two loaded backends are the same model (the same object, or the same file hash)."""
    return a is b or (bool(a.info.sha256) and a.info.sha256 == b.info.sha256)


def refuse_same_model(backend: Backend, reference: Backend) -> None:
    """SameModelError when the reference model is the scanned one: it would set aside everything found."""
    if same_model(backend, reference):
        raise SameModelError("The reference model is the model being scanned; choose a model that was not "
                             "trained on this work, or none.")


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
    factory: BackendFactory, spec: str | None, settings: ScanSettings, message: str, reference: bool = False
) -> Generator[LoadingModel, None, Backend]:
    """Load a backend in a helper thread, yielding LoadingModel every HEARTBEAT_S with the time so far.

    A model converted for its first use says so (the conversion's own progress goes to a terminal).
    Loading cannot be interrupted: a cancel takes effect when it returns.
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
        yield LoadingModel(spec, PREPARING if preparing else message, time.monotonic() - started, preparing,
                           reference)
    if "error" in box:
        raise box["error"]
    backend: Backend = box["backend"]
    return backend


def default_backend_factory(spec: str | None, settings: ScanSettings) -> Backend:
    """core.model.loader.load_backend, imported here so torch loads with the job, never at start-up."""
    from core.model.loader import load_backend

    return load_backend(spec, settings)


def default_scan_function(*args: Any, **kwargs: Any) -> Generator[ScanProgress, None, ScanResult]:
    """core.scan.engine.scan, imported lazily (it pulls in numerical code)."""
    from core.scan.engine import scan

    return scan(*args, **kwargs)


def controls_size(options: JobOptions) -> int:
    """Characters the user's and the bundled control texts hold, about (file sizes: plain UTF-8 text)."""
    paths = [Path(p) for p in options.user_controls if isinstance(p, str | Path)]
    if options.bundled_controls:
        paths += sorted(asset_dir("controls").glob("*.txt"))
    total = 0
    for p in paths:
        try:
            total += p.stat().st_size
        except OSError:
            continue
    return total


def _documents(items: Sequence[Document | str | Path]) -> list[Document]:
    from core.ingest.isolated import load_document_isolated

    return [item if not isinstance(item, str | Path) else load_document_isolated(item) for item in items]


def control_documents(options: JobOptions) -> list[Document]:
    """The control texts in the order the chance model takes them: own unpublished, the user's, bundled."""
    from core.evidence.controls import bundled_controls

    own, user = _documents(options.own_unpublished), _documents(options.user_controls)
    return own + user + (bundled_controls() if options.bundled_controls else [])


def scan_job(
    document: Document,
    spec: str | None,
    settings: ScanSettings,
    cancel: CancelToken,
    options: JobOptions = JobOptions(),  # noqa: B008 - frozen, so sharing the default is safe
    *,
    load: BackendFactory = default_backend_factory,
    scan_function: ScanFunction = default_scan_function,
) -> Generator[object, None, ScanResult | ResumeRefusal | None]:
    """Load the models, scan (through a checkpoint when asked), then the reference test and the controls.

    The reference model is loaded before the scan, so a bad one costs no work. Returns None when cancelled
    before the models finished loading, and a ResumeRefusal when the checkpoint cannot be resumed.
    """
    yield LoadingModel(spec)
    backend = yield from load_with_heartbeat(load, spec, settings, LoadingModel(spec).message)
    yield ModelReady(backend)
    if cancel.cancelled:
        return None
    template = None
    if options.chat is not None:  # a model without a chat template fails now, before any work
        from core.chatprobe.probes import model_template

        template = model_template(backend)
    reference = None
    if options.reference is not None:
        message = "Loading the reference model…"
        yield LoadingModel(options.reference, message, reference=True)
        ref_spec = None if options.reference == "default" else options.reference
        reference = yield from load_with_heartbeat(load, ref_spec, settings, message, reference=True)
        yield ModelReady(reference, reference=True)
        if cancel.cancelled:
            return None
        refuse_same_model(backend, reference)
    yield WorkPlan(len(document.text), controls_size(options) if options.controls else 0)
    store: ScanStore | None = None
    if options.checkpoint is not None:
        from core.checkpoints import open_checkpoint
        from core.store import CheckpointError, ScanPlan

        try:
            store = open_checkpoint(options.checkpoint, ScanPlan.for_scan(document, backend.info, settings),
                                    options.fresh)
        except CheckpointError as exc:
            return ResumeRefusal(str(exc))
        done, total = store.progress()
        if done:
            yield Resuming(done, total)
    kwargs: dict[str, Any] = {"settings": settings, "cancel": cancel}
    if store is not None:
        kwargs["store"] = store
    try:
        result: ScanResult = yield from scan_function(document, backend, **kwargs)
    finally:
        if store is not None:
            store.close()
    if store is not None and result.complete and options.remove_finished_checkpoint:
        from core.checkpoints import remove_checkpoint

        remove_checkpoint(store.path)  # finished: nothing left to resume
    if options.chat is not None and result.complete and not cancel.cancelled:
        from core.chatprobe.probes import run_chat_probes

        probes = run_chat_probes(result, backend, settings, options.chat, document.locations, cancel, template)
        while True:
            try:
                progress = next(probes)
            except StopIteration as stop:
                result = stop.value
                break
            yield ScanProgress("chat", progress.done, progress.total, result.positions_total, result.positions_total,
                               0.0, None, f"Chat probes through the model's chat template: {progress.done} of "
                               f"{progress.total}")
    result = yield from after_scan(result, backend, reference, settings, cancel, options)
    if options.reconstruct is not None and result.complete and not cancel.cancelled:
        from core.reconstruct import attach_reconstruction

        yield Status("Reconstructing the work from its opening…")
        result = yield from attach_reconstruction(result, document, backend, options.reconstruct, cancel)
    return result


def after_scan(
    result: ScanResult,
    backend: Backend,
    reference: Backend | None,
    settings: ScanSettings,
    cancel: CancelToken | None,
    options: JobOptions,
    scanned_controls: ScannedControls | None = None,
) -> Generator[object, None, ScanResult]:
    """The job once the manuscript is scanned: the reference test, then the controls.

    `scanned_controls` are controls already scanned with `backend` (the catalogue scans them once per
    model); without them, options.controls says whether to scan them here. Nothing runs after an
    incomplete scan, and no controls are scanned after a cancel.
    """
    if reference is not None and result.complete:  # a cancel marks the reference test incomplete
        from core.evidence.reference import check_reference

        yield Status(f"Checking {len(result.passages)} passages against the reference model…")
        result = yield from check_reference(result, reference, settings, cancel)
    if scanned_controls is not None and result.complete:
        from core.evidence.control_scan import attach_controls

        return attach_controls(result, scanned_controls.controls, scanned_controls.scores, settings,
                               planned=scanned_controls.planned)
    if options.controls and result.complete and not (cancel is not None and cancel.cancelled):
        from core.evidence.control_scan import scan_controls

        yield ResultReady(result)  # shown while the controls run (provisional until they finish)
        docs = control_documents(options)
        yield Status(f"Scanning {len(docs)} control texts (the chance model)…")
        result = yield from scan_controls(result, docs, backend, settings, cancel,
                                          user_controls=len(options.user_controls),
                                          own_unpublished=len(options.own_unpublished))
    return result


def scan_control_set(
    docs: Sequence[Document],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None,
    user_controls: int = 0,
    own_unpublished: int = 0,
) -> Generator[ControlsProgress, None, ScannedControls]:
    """Scan control texts with `backend` once, for several manuscripts to share (see after_scan)."""
    from core.evidence.control_scan import scan_control_texts

    controls, scores = yield from scan_control_texts(docs, backend, settings, cancel, user_controls,
                                                     own_unpublished)
    return ScannedControls(controls, scores, planned=len(docs))
