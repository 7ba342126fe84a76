"""`verbatim scan`: one manuscript with one model through core's scan job, or a catalogue of several.

The job (core.job.scan_job) does the work; this module checks the arguments before any model loads,
turns the job's items into status lines and a progress bar on stderr, cancels on Ctrl+C, and writes
the JSON, the PDF and the summary.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import EXIT_CANCELLED, ProgressBar, fail, status
from cli.summary import format_summary
from core.errors import UserError, describe

if TYPE_CHECKING:
    from core.ingest import Document
    from core.model.backend import Backend
    from core.reconstruct import ReconstructOptions
    from core.results import ScanResult
    from core.scan.progress import CancelToken
    from core.settings import ScanSettings


def scan_settings(args: argparse.Namespace) -> ScanSettings:
    """The scan settings the options ask for (validated)."""
    from core.settings import ScanSettings

    overrides: dict[str, Any] = {}
    if args.chunk:
        overrides["chunk_tokens"] = args.chunk
    if args.device:
        overrides["device"] = args.device
    if args.confirm_by:
        overrides["confirm_by"] = args.confirm_by
    if args.server_concurrency is not None:
        overrides["server_concurrency"] = args.server_concurrency
    settings = ScanSettings(**overrides)
    settings.validate()
    return settings


def _reconstruct_options(args: argparse.Namespace, settings: ScanSettings) -> ReconstructOptions | None:
    """--reconstruct's options (validated before any model loads); None without --reconstruct."""
    if not args.reconstruct:
        if args.reconstruct_assisted:
            fail("--reconstruct-assisted goes with --reconstruct.")
        return None
    from core.reconstruct import ReconstructOptions

    options = ReconstructOptions(assisted=args.reconstruct_assisted, seed_tokens=args.reconstruct_seed,
                                 max_generated_tokens=args.reconstruct_max,
                                 tolerance=settings.near_verbatim_tolerance)
    options.validate()
    return options


def _check_reference(spec: str | None) -> None:
    """Resolve --reference before any model loads, so a bad name costs no scan."""
    if spec is None or spec.startswith(("http://", "https://")):
        return
    from core.model.discovery import resolve_model

    try:
        resolve_model(spec)
    except (ValueError, OSError) as exc:
        fail(f"--reference: {describe(exc)}")


def _loader(args: argparse.Namespace) -> Callable[[str | None, ScanSettings], Backend]:
    from core.model.loader import load_backend

    def load(spec: str | None, settings: ScanSettings) -> Backend:
        return load_backend(spec, settings, backend=args.backend, server_batch_invariant=args.server_batch_invariant)

    return load


def _note_generate_only(backend: Backend, settings: ScanSettings) -> None:
    """Say, even with --quiet, what the model's server does not allow: scoring, or the requests in flight asked."""
    from core.scan.sweep import can_score, limitation

    if not can_score(backend):
        print(f"Note: {limitation(settings)}", file=sys.stderr, flush=True)
    refused = str(getattr(backend, "concurrency_note", ""))
    if refused:  # --server-concurrency asked for more than the server allows
        print(f"Note: {refused}", file=sys.stderr, flush=True)


def _own_unpublished_files(paths: list[Path]) -> list[Path]:
    """--own-unpublished takes files and folders (every manuscript directly inside a folder)."""
    from core.catalogue import manuscripts_in

    files: list[Path] = []
    for path in paths:
        if not path.exists():
            fail(f"--own-unpublished: {path} does not exist.")
        found = manuscripts_in(path)
        if not found:
            fail(f"--own-unpublished: no readable manuscript in the folder {path}.")
        files.extend(found)
    return files


def _control_documents(args: argparse.Namespace) -> tuple[list[Document], list[Document]]:
    """The author's own unpublished writing and the other controls named, read before any model loads."""
    from core.ingest.isolated import load_document_isolated

    own = [load_document_isolated(f) for f in _own_unpublished_files(args.own_unpublished)]
    return own, [load_document_isolated(c) for c in args.control]


def _chat_request(args: argparse.Namespace) -> Any:
    """The chat probes asked for (core.chatprobe.probes.ChatRequest), or None; bad flags fail here."""
    title, author = getattr(args, "title", None), getattr(args, "author", None)
    if not getattr(args, "chat", False):
        if title or author:
            fail("--title and --author are for chat probes; add --chat.")
        return None
    from core.chatprobe.probes import ChatRequest

    try:
        return ChatRequest(title=title, author=author)
    except UserError as exc:
        fail(str(exc))


def _with_sigint(cancel: CancelToken, run: Callable[[], Any]) -> Any:
    """Run `run` with Ctrl+C asking `cancel` to stop (the partial result is still reported)."""
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.cancel())
    try:
        return run()
    finally:
        signal.signal(signal.SIGINT, previous)


def _drive_job(gen: Generator[object, None, Any], settings: ScanSettings, quiet: bool) -> Any:
    """Run core.job.scan_job, turning its items into status lines and a progress bar on stderr."""
    from core.job import LoadingModel, ModelReady, Resuming, Status

    bar = ProgressBar(quiet)
    loading_reference = False
    while True:
        try:
            item = next(gen)
        except StopIteration as stop:
            bar.end_line()
            return stop.value
        except (ValueError, OSError) as exc:
            if loading_reference:
                fail(f"--reference: {describe(exc)}")
            raise
        if isinstance(item, LoadingModel):
            loading_reference = item.reference
            if item.elapsed_s == 0.0:
                bar.end_line()
                name = item.spec or "(embedded default)"
                status(f"Loading reference model {name}…" if item.reference else f"Loading model {name}…", quiet)
        elif isinstance(item, ModelReady):
            loading_reference = False
            if not item.reference:
                seconds = float(item.backend.load_seconds or 0)
                status(f"Model {item.backend.info.name} loaded in {seconds:.1f} s.", quiet)
                _note_generate_only(item.backend, settings)
        elif isinstance(item, Resuming):
            print(f"Resuming: {item.done} of {item.total} batches already done.", file=sys.stderr, flush=True)
        elif isinstance(item, Status):
            bar.end_line()
            status(item.message, quiet)
        elif hasattr(item, "fraction"):  # ScanProgress, ControlsProgress: the bar
            bar.show(item)  # type: ignore[arg-type]


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan one manuscript with one model (a folder or several models: a catalogue)."""
    if args.manuscript.is_dir() or len(args.model) > 1:
        return cmd_catalogue(args)
    from core.ingest.isolated import load_document_isolated
    from core.job import JobOptions, ResumeRefusal, scan_job
    from core.scan.progress import CancelToken

    doc = load_document_isolated(args.manuscript)  # bad input fails here, before the model loads
    model = args.model[0] if args.model else None
    settings = scan_settings(args)
    _check_reference(args.reference)
    for out in (args.json_out, args.pdf_out):
        if out is not None and not out.parent.exists():
            fail(f"the folder {out.parent} for {out.name} does not exist.")
    own, controls = _control_documents(args)
    chat = _chat_request(args)
    options = JobOptions(
        reference=args.reference,
        checkpoint=args.checkpoint,
        controls=bool(own or controls or not args.no_bundled_controls),
        own_unpublished=tuple(own),
        user_controls=tuple(controls),
        bundled_controls=not args.no_bundled_controls,
        chat=chat,
        reconstruct=_reconstruct_options(args, settings),
    )
    cancel = CancelToken()
    job = scan_job(doc, model, settings, cancel, options, load=_loader(args))
    outcome = _with_sigint(cancel, lambda: _drive_job(job, settings, args.quiet))
    if outcome is None:
        print("verbatim: cancelled before the model finished loading.", file=sys.stderr)
        return EXIT_CANCELLED
    if isinstance(outcome, ResumeRefusal):
        fail(outcome.message)
    result: ScanResult = outcome
    if args.json_out:
        from core.report.jsonio import write_json

        write_json(result, args.json_out)
    if args.pdf_out:
        from gui.report_pdf import export_report

        export_report(result, args.pdf_out, locations=doc.locations)  # passages cited by page, chapter
    print(format_summary(result))
    if result.chat:
        from core.report.chat import chat_lines

        print("\n".join(chat_lines(result)))
    if result.reconstruction:
        from core.report.figures import reconstruction_lines

        print("\n".join(reconstruction_lines(result)))
    if args.json_out:
        print(f"JSON written to {args.json_out}")
    if args.pdf_out:
        print(f"PDF report written to {args.pdf_out}")
    return 0 if result.complete else EXIT_CANCELLED


def cmd_catalogue(args: argparse.Namespace) -> int:
    """Every manuscript against every model: one JSON per pair in --out-dir, and a matrix."""
    from core.atomic import atomic_write_text
    from core.catalogue import PairResult, format_matrix, manuscripts_in, run_catalogue
    from core.scan.progress import CancelToken

    if getattr(args, "chat", False):
        fail("--chat probes one manuscript with one model; scan them one at a time.")
    if args.json_out or args.pdf_out or args.checkpoint:
        fail("with a folder or several models, results go to --out-dir (one JSON per pair); "
             "--json, --pdf and --checkpoint are for one manuscript and one model.")
    if args.reconstruct:
        fail("--reconstruct is for one manuscript and one model, not a folder or several models.")
    paths = manuscripts_in(args.manuscript)
    models = args.model or [None]
    settings = scan_settings(args)
    _check_reference(args.reference)
    # The same controls as a single scan: your unpublished writing first, then yours, then the bundled ones.
    own, mine = _control_documents(args)
    controls = None
    if own or mine or args.no_bundled_controls:
        from core.evidence.controls import bundled_controls

        controls = own + mine + ([] if args.no_bundled_controls else bundled_controls())
    cancel = CancelToken()
    load_backend = _loader(args)

    def load(spec: str | None) -> Backend:
        status(f"Loading model {spec or '(embedded default)'}…", args.quiet)
        backend = load_backend(spec, settings)
        _note_generate_only(backend, settings)
        return backend

    gen = run_catalogue(paths, models, load, args.out_dir, settings, cancel, reference=args.reference,
                        controls=controls, own_unpublished=len(own), user_controls=len(mine))

    def run() -> list[PairResult]:
        while True:
            try:
                item = next(gen)
            except StopIteration as stop:
                rows: list[PairResult] = stop.value
                return rows
            if isinstance(item, str):
                status(item, args.quiet)

    rows = _with_sigint(cancel, run)
    matrix = format_matrix(rows)
    atomic_write_text(args.out_dir / "matrix.txt", matrix + "\n")
    print(matrix)
    if args.reference:
        n = sum(r.set_aside_by_reference for r in rows)
        print(f"Reference model {args.reference}: {n} {'passage' if n == 1 else 'passages'} set aside as "
              "common phrases across the results (each JSON names them)")
    print(f"{len(rows)} results in {args.out_dir} (matrix.txt, one JSON per manuscript and model)")
    # Uncancelled, every pair has its row (an unreadable manuscript's is an error row); servers of the same
    # weights share one column, so the rows are not counted against the --model options.
    return 0 if not cancel.cancelled else EXIT_CANCELLED
