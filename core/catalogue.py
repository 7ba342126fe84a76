"""Catalogues: every manuscript against every model, one result per pair, resumable, with a matrix.

Results are written as JSON per pair into an output folder as they finish; a rerun skips a pair whose
JSON exists for the same manuscript, model and settings, so an interrupted catalogue continues.
Models are the outer loop, so each model is loaded once. With a reference model (core.evidence.reference),
every model's result is checked against it, except the reference model's own.

Servers named by URL that serve the same weights (the same SHA-256: core.model.remote hashes the model
file a server names when that file is on this machine) are one model served at several endpoints: its
column of the matrix is filled by spreading the manuscripts over them, one thread per endpoint, each
pair scanned whole on one endpoint with the same settings, so a pair's result does not depend on where
it ran. Its never-published controls are scanned once, on the first endpoint.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import UserError
from core.evidence.controls import bundled_controls
from core.evidence.reference import reference_record
from core.ingest import Document, load_document
from core.job import JobOptions, ScannedControls, after_scan, same_model, scan_control_set
from core.model.backend import Backend
from core.paths import MANUSCRIPT_SUFFIXES
from core.report.jsonio import ResultFormatError, read_json, write_json
from core.results import ScanResult
from core.scan.engine import scan
from core.scan.progress import CancelToken, ScanProgress, finish
from core.settings import ScanSettings

SUFFIXES = frozenset(MANUSCRIPT_SUFFIXES)


@dataclass(frozen=True)
class PairResult:
    """One manuscript x model cell of the matrix."""

    manuscript: str
    model: str
    verdict: str
    longest_verbatim_tokens: int
    verbatim_token_share: float
    coverage_1pct: float | None
    """None where not measured (a generate-only scan)."""
    json_path: str
    reused: bool
    """True when an earlier run's result was reused (resume)."""
    error: str = ""
    set_aside_by_reference: int = 0
    contested_by_reference: int = 0
    """Long passages the reference model also reproduced: they cast doubt on its declaration."""
    """Passages the reference model set aside as common phrases (0 without a reference model)."""


def manuscripts_in(path: Path) -> list[Path]:
    """A file, or the supported files directly inside a folder (sorted, hidden files skipped)."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                       and not p.name.startswith("."))
        if not found:
            raise UserError(f"{path} contains no manuscripts ({', '.join(sorted(SUFFIXES))}).")
        return found
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    return [path]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "model"


def _reference_sha(result: ScanResult) -> str | None:
    record = reference_record(result)
    return None if record is None else str(record.get("sha256", ""))


def _reusable(
    path: Path, manuscript_sha: str, backend: Backend, settings: ScanSettings, reference_sha: str | None = None
) -> ScanResult | None:
    if not path.is_file():
        return None
    try:
        old = read_json(path)
    except (OSError, ResultFormatError):
        return None
    same = (
        old.complete
        and old.manuscript.sha256 == manuscript_sha
        and old.model.sha256 == backend.info.sha256
        and _reference_sha(old) == reference_sha
        and settings.same_scan(old.settings)
    )
    return old if same else None


def _row(result: ScanResult, model_name: str, path: Path, reused: bool) -> PairResult:
    s = result.summary
    record = reference_record(result)
    return PairResult(
        manuscript=Path(result.manuscript.path).name,
        model=model_name,
        verdict=s.verdict,
        longest_verbatim_tokens=s.longest_verbatim_tokens,
        verbatim_token_share=s.verbatim_token_share,
        coverage_1pct=s.coverage.get("1%"),
        json_path=str(path),
        reused=reused,
        set_aside_by_reference=int(record.get("passages_set_aside", 0)) if record else 0,
        contested_by_reference=int(record.get("passages_contested", 0)) if record else 0,
    )


@dataclass
class _Column:
    """One model of the matrix: a spec loaded when its turn comes, or servers already loaded (one or more)."""

    spec: str | None
    endpoints: list[Backend] = field(default_factory=list)


def _is_url(spec: str | None) -> bool:
    return (spec or "").startswith(("http://", "https://"))


def _columns(models: Sequence[str | None], load: Callable[[str | None], Backend]) -> Generator[str, None, list[_Column]]:
    """The matrix's models: servers (connected now, cheaply) grouped by the SHA-256 of their weights.

    Local models stay specs, loaded one at a time when their turn comes. A server whose weights this
    machine cannot hash is a model of its own: two such servers are not known to serve the same weights.
    """
    columns: list[_Column] = []
    by_sha: dict[str, _Column] = {}
    for spec in models:
        if not _is_url(spec):
            columns.append(_Column(spec))
            continue
        backend = load(spec)
        sha = backend.info.sha256
        if sha and sha in by_sha:
            by_sha[sha].endpoints.append(backend)
            yield f"{spec} serves the same weights as {by_sha[sha].spec} (SHA-256 {sha[:12]}…): pairs are shared"
            continue
        column = _Column(spec, [backend])
        columns.append(column)
        if sha:
            by_sha[sha] = column
        else:
            yield f"{spec}: weights not hashed here (the server names no model file on this machine), not grouped"
    return columns


def run_catalogue(
    manuscripts: Sequence[Path],
    models: Sequence[str | None],
    load: Callable[[str | None], Backend],
    out_dir: Path,
    settings: ScanSettings | None = None,
    cancel: CancelToken | None = None,
    reference: str | None = None,
    controls: Sequence[Document] | None = None,
    own_unpublished: int = 0,
    user_controls: int | None = None,
) -> Generator[ScanProgress | str, None, list[PairResult]]:
    """Scan each manuscript with each model; yields progress and status lines, returns the matrix rows.

    `reference` names a model the user declares was not trained on the works (loaded first, with `load`,
    so a bad name fails before any scan): each other model's result goes through its common-phrase test.
    `controls` replaces the bundled never-published controls (scanned once per model): the author's own
    unpublished writing first (`own_unpublished` texts), then `user_controls` other texts of the user's (all
    the rest when None), then bundled ones.
    """
    settings = settings or ScanSettings()
    out_dir.mkdir(parents=True, exist_ok=True)
    ref_backend = load(reference) if reference is not None else None
    rows: list[PairResult] = []
    columns = yield from _columns(models, load)
    for column in columns:
        spec = column.spec
        if cancel is not None and cancel.cancelled:
            break
        if column.endpoints:
            backend = column.endpoints[0]
        else:
            backend = ref_backend if ref_backend is not None and _key(spec) == _key(reference) else load(spec)
        model_name = backend.info.name
        # The reference model is not checked against itself (it would set aside everything it found).
        checker = None if ref_backend is None or same_model(backend, ref_backend) else ref_backend
        reference_sha = checker.info.sha256 if checker is not None else None
        # Each model's never-published controls are scanned once (bundled ones come from the cache): the
        # chance model every verdict of this model rests on.
        control_docs = list(controls) if controls is not None else bundled_controls()
        users = 0 if controls is None else (len(control_docs) - own_unpublished if user_controls is None
                                            else user_controls)
        scanned = finish(scan_control_set(control_docs, backend, settings, cancel, user_controls=users,
                                          own_unpublished=own_unpublished))
        if len(column.endpoints) > 1:
            pair = _Pair(model_name, out_dir, settings, cancel, checker, reference_sha, scanned)
            rows.extend((yield from _spread(manuscripts, column.endpoints, pair)))
            continue
        for path in manuscripts:
            if cancel is not None and cancel.cancelled:
                break
            target = out_dir / f"{_slug(path.stem)}--{_slug(model_name)}.json"
            try:
                doc = load_document(path)
            except ValueError as exc:
                rows.append(PairResult(path.name, model_name, "error", 0, 0.0, 0.0, "", False, str(exc)))
                yield f"{path.name}: {exc}"
                continue
            old = _reusable(target, doc.sha256, backend, settings, reference_sha)
            if old is not None:
                rows.append(_row(old, model_name, target, reused=True))
                yield f"{path.name} x {model_name}: already done, reusing {target.name}"
                continue
            yield f"{path.name} x {model_name}: scanning"
            result = yield from scan(doc, backend, settings, cancel)
            # Progress only (stage "reference"): status lines mark one line per pair for front ends.
            result = yield from _progress_only(after_scan(result, backend, checker, settings, cancel,
                                                          JobOptions(), scanned_controls=scanned))
            finished = result.complete and not _reference_cancelled(result)
            if finished:
                write_json(result, target)
            rows.append(_row(result, model_name, target if finished else Path(""), reused=False))
    return rows


@dataclass(frozen=True)
class _Pair:
    """What scanning one manuscript with one model needs besides the manuscript and the endpoint."""

    model_name: str
    out_dir: Path
    settings: ScanSettings
    cancel: CancelToken | None
    checker: Backend | None
    reference_sha: str | None
    scanned: ScannedControls
    """The model's scanned controls, shared by all its pairs."""
    checker_lock: threading.Lock = field(default_factory=threading.Lock)
    """A local reference model is not safe to call from several threads: one check at a time."""

    def run(self, path: Path, backend: Backend, say: Callable[[str], None] = lambda line: None,
            ) -> tuple[PairResult, str]:
        """Scan `path` on `backend` to its end (or reuse an earlier result): the row and a status line.

        `say` gets a line when the scan starts and at each quarter of its first pass: pairs run side by side
        on several servers, so one progress bar cannot show them, and hours can pass between results.
        """
        where = backend.info.path
        target = self.out_dir / f"{_slug(path.stem)}--{_slug(self.model_name)}.json"
        try:
            doc = load_document(path)
        except ValueError as exc:
            return PairResult(path.name, self.model_name, "error", 0, 0.0, 0.0, "", False, str(exc)), \
                f"{path.name}: {exc}"
        old = _reusable(target, doc.sha256, backend, self.settings, self.reference_sha)
        if old is not None:
            return _row(old, self.model_name, target, reused=True), \
                f"{path.name} x {self.model_name}: already done, reusing {target.name}"
        label = f"{path.name} x {self.model_name} on {where}"
        say(f"{label}: scanning")
        result = finish(scan(doc, backend, self.settings, self.cancel), _Quarters(label, say))
        with self.checker_lock:
            result = finish(after_scan(result, backend, self.checker, self.settings, self.cancel, JobOptions(),
                                       scanned_controls=self.scanned))
        finished = result.complete and not _reference_cancelled(result)
        if finished:
            write_json(result, target)
        return _row(result, self.model_name, target if finished else Path(""), reused=False), \
            f"{path.name} x {self.model_name}: {'done' if finished else 'stopped'} on {where}"


def _spread(manuscripts: Sequence[Path], endpoints: Sequence[Backend], pair: _Pair) -> Generator[str, None, list[PairResult]]:
    """Scan every manuscript on one of `endpoints`, each endpoint taking the next as it finishes one.

    Yields a status line per pair as it finishes; returns the rows in the manuscripts' order. A cancel
    stops each endpoint after its current pair (the scan itself stops at its next batch).
    """
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(manuscripts)):
        todo.put(i)
    done: queue.SimpleQueue[tuple[int, PairResult, str] | str | BaseException] = queue.SimpleQueue()
    rows: dict[int, PairResult] = {}
    stop = threading.Event()  # set when an endpoint fails: the others stop after their current pair

    def work(backend: Backend) -> None:
        try:
            while not stop.is_set() and not (pair.cancel is not None and pair.cancel.cancelled):
                try:
                    i = todo.get_nowait()
                except queue.Empty:
                    return
                done.put((i, *pair.run(manuscripts[i], backend, done.put)))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            done.put(exc)

    threads = [threading.Thread(target=work, args=(b,), name=f"catalogue {b.info.path}", daemon=True)
               for b in endpoints]
    for t in threads:
        t.start()
    failure: BaseException | None = None
    while any(t.is_alive() for t in threads) or not done.empty():
        try:
            item = done.get(timeout=0.2)
        except queue.Empty:
            continue
        if isinstance(item, BaseException):
            failure = failure or item
            stop.set()
            continue
        if isinstance(item, str):  # a pair started, or passed a quarter of its first pass
            yield item
            continue
        i, row, line = item
        rows[i] = row
        yield line
    for t in threads:
        t.join()
    if failure is not None:
        raise failure
    return [rows[i] for i in sorted(rows)]


class _Quarters:
    """Says a line as a scan's first pass reaches 25, 50 and 75 % (called with each ScanProgress)."""

    def __init__(self, label: str, say: Callable[[str], None]) -> None:
        self.label, self.say, self.said = label, say, 0

    def __call__(self, p: ScanProgress) -> None:
        quarter = 4 * p.positions_done // p.positions_total if p.stage == "triage" and p.positions_total else 0
        if 0 < quarter < 4 and quarter > self.said:
            self.said = quarter
            self.say(f"{self.label}: first pass {25 * quarter} % done")


def _key(spec: str | None) -> str:
    """None and "default" both name the embedded default model."""
    text = (spec or "").strip()
    return "default" if text.lower() in ("", "default") else text


def _progress_only(gen: Generator[object, None, ScanResult]) -> Generator[ScanProgress, None, ScanResult]:
    """Relay a job step's ScanProgress; its own status lines are dropped (one status line per pair)."""
    while True:
        try:
            item = next(gen)
        except StopIteration as stop:
            result: ScanResult = stop.value
            return result
        if isinstance(item, ScanProgress):
            yield item


def _reference_cancelled(result: ScanResult) -> bool:
    record = reference_record(result)
    return record is not None and "incomplete" in record


def format_matrix(rows: Sequence[PairResult]) -> str:
    """Manuscripts down, models across; each cell: verdict (longest run in tokens, in-context coverage@1%)."""
    models = list(dict.fromkeys(r.model for r in rows))
    works = list(dict.fromkeys(r.manuscript for r in rows))
    cell = {(r.manuscript, r.model): r for r in rows}

    def show(r: PairResult | None) -> str:
        if r is None:
            return "-"
        if r.verdict == "error":
            return "error"
        coverage = "coverage n/a" if r.coverage_1pct is None else f"{r.coverage_1pct:.0%} in-context coverage"
        return f"{r.verdict} ({r.longest_verbatim_tokens} tok, {coverage})"

    table = [["manuscript", *models]] + [[w, *(show(cell.get((w, m))) for m in models)] for w in works]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table)

