"""`load_document` in a worker process with a time limit and a memory cap.

Parsers of untrusted files (zip, XML, PDF libraries) can hang, blow up in memory or crash in native
code. Running them in a separate process turns each of those into one IngestError sentence instead of
a frozen or dead app (docs/design.md §6.5; figures in bench/RESULTS-reliability.md). The worker is
started with 'spawn', so it shares no threads, locks or Qt state with the caller.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from core.ingest.document import Document, IngestError
from core.ingest.load import load_document

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_BYTES = 2 * 1024**3

Reader = Callable[[str], Document]


@dataclass(frozen=True)
class WorkerOutcome:
    """What the worker produced: a Document or the IngestError to raise, and its peak memory."""

    document: Document | None
    error: IngestError | None
    peak_rss_bytes: int
    """The worker's peak resident memory (0 when it was killed or the OS cannot tell)."""


def load_document_isolated(
    path: str | Path,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    _target: Reader = load_document,
) -> Document:
    """Read a manuscript in a worker process; IngestError on bad input, a hang, a blow-up or a crash.

    `_target` is for tests: a picklable function of a path that stands in for `load_document`.
    """
    outcome = run_isolated(path, timeout_s=timeout_s, memory_bytes=memory_bytes, target=_target)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.document is not None
    return outcome.document


def run_isolated(
    path: str | Path, *, timeout_s: float, memory_bytes: int, target: Reader = load_document
) -> WorkerOutcome:
    """Run `target(path)` in a spawned worker under the limits and say how it ended."""
    name = Path(path).name
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_worker, args=(sender, target, str(path), memory_bytes), daemon=True)
    worker.start()
    sender.close()  # the worker holds the only write end, so its death shows as EOF here
    try:
        if receiver.poll(timeout_s):
            try:
                kind, payload, peak = receiver.recv()
            except (EOFError, OSError):
                kind, payload, peak = "died", None, 0
        else:
            worker.kill()
            kind, payload, peak = "timeout", None, 0
    finally:
        receiver.close()
        worker.join(5)
        if worker.is_alive():
            worker.kill()
            worker.join()
    if kind == "ok":
        return WorkerOutcome(payload, None, peak)
    if kind == "ingest":
        error = IngestError(payload)
    elif kind == "timeout":
        error = IngestError(f"Reading {name} took longer than {timeout_s:g} s and was stopped.")
    elif kind == "memory":
        error = IngestError(f"Reading {name} needed more than {_size(memory_bytes)} of memory and was stopped.")
    elif kind == "bug":
        error = IngestError(f"The reader for {name} failed unexpectedly ({payload}).")
    else:
        error = _died(name, worker.exitcode)
    return WorkerOutcome(None, error, peak)


def _died(name: str, exitcode: int | None) -> IngestError:
    """The worker ended without an answer: a signal (native crash, the OS's OOM killer) or an exit."""
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        if sig == signal.SIGKILL:
            # Nothing here sends SIGKILL before an answer except the kernel, and it does so for memory.
            return IngestError(f"Reading {name} needed more memory than the system allowed and was stopped.")
        return IngestError(f"The reader for {name} crashed (signal {sig}).")
    return IngestError(f"The reader for {name} stopped without an answer (exit status {exitcode}).")


def _size(n: int) -> str:
    return f"{n / 1024**3:g} GB" if n >= 1024**3 else f"{n / 1024**2:g} MB"


def _limit_memory(memory_bytes: int) -> None:
    """Cap the worker's address space where the OS allows it (Linux; a no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _peak_rss() -> int:
    """Peak resident memory in bytes (0 where unknown).

    Linux's VmHWM, not ru_maxrss: the latter survives exec, so a spawned worker would report its parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return 0
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(kib) * (1 if sys.platform == "darwin" else 1024)


def _worker(conn: Connection, target: Reader, path: str, memory_bytes: int) -> None:
    """Worker body: read the file under the cap and send back (kind, payload, peak memory)."""
    _limit_memory(memory_bytes)
    try:
        reply: tuple[str, Any] = ("ok", target(path))
    except IngestError as exc:
        reply = ("ingest", str(exc))
    except MemoryError:
        reply = ("memory", None)
    except Exception as exc:  # a reader bug must still end as one sentence for the user
        reply = ("bug", f"{type(exc).__name__}: {exc}"[:300])
    try:
        conn.send((*reply, _peak_rss()))
    except MemoryError:
        conn.send(("memory", None, _peak_rss()))
    finally:
        conn.close()
