"""The generate-and-compare sweep: triage for a model that can only generate.

Some servers (Ollama, llama.cpp's own server) return log-probabilities only for the tokens they
generate, never for given text, so the one teacher-forced pass (core/scan/triage.py) is impossible.
The sweep finds the same greedy hits by generation instead:

- every c = candidate_run_tokens positions, the model is given the author's text before it, from the
  start of the triage chunk that scores that position (the same 64 to 512 tokens of context the one
  pass gives it), and generates c tokens greedily. While its output equals the author's text, each
  generated token *is* the teacher-forced greedy prediction at that position, so those positions are
  hits; the first token that differs is a miss; the positions after it are unknown (their context is
  no longer the author's) and stay unscored.
- where a probe hit all c tokens, the unknown positions before it (after the previous probe's miss)
  are probed again until the run's first token is known exactly.

So every run of 2c - 1 or more greedy hits is found with its exact boundaries (any window of c
consecutive probes' starting points lands one probe inside it with c tokens to go), which covers
every passage that can raise the verdict (inconclusive_tokens = 16 >= 2 * 8 - 1). Shorter runs are
found when a probe happens to fall in them. Log-probabilities, p_z, coverage and membership scores
are not measured: the trace holds NaN there.

Consecutive probes of a chunk share its text up to the earlier probe, so a server that keeps the
previous prompt's cache (llama-server, Ollama and vLLM do) evaluates only the few new tokens.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

import numpy as np

# Defined in a leaf module so the report needs no import of the scan; re-exported for the scan's callers.
from core.generate_only import PROBE as PROBE
from core.generate_only import is_generate_only as is_generate_only
from core.generate_only import limitation as limitation
from core.model.backend import Backend, IntArray
from core.scan import probes
from core.scan.progress import CancelToken, ScanProgress, finish
from core.scan.triage import TokenTrace
from core.scan.windows import plan_chunks
from core.scores import STATISTICS, BatchScores, BatchStore
from core.settings import ScanSettings


def can_score(backend: Backend) -> bool:
    """Whether the backend returns log-probabilities of given text (False: only the sweep applies)."""
    return bool(getattr(backend, "can_score", True))


def sweep(
    ids: IntArray,
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
    store: BatchStore | None = None,
) -> Generator[ScanProgress, None, TokenTrace]:
    """Probe the text by greedy generation every candidate_run_tokens; return the hits it proved.

    Probes go in slices of confirm_batch_size: the unit progress reports, a cancel waits for, and a
    checkpoint `store` commits and reads back (the positions each slice proved, as a triage batch).
    """
    n = int(ids.shape[0])
    c = settings.thresholds.candidate_run_tokens
    scored = np.zeros(n, dtype=bool)
    hit = np.zeros(n, dtype=bool)
    t0 = time.perf_counter()
    first = 0 if backend.bos_id is not None else 1  # without BOS the first token has nothing to follow
    starts = list(range(first, n, c))
    context = chunk_context(ids, settings)
    step = max(1, settings.confirm_batch_size)
    slices = [starts[i : i + step] for i in range(0, len(starts), step)]
    saved: dict[int, BatchScores] = {}
    if store is not None:
        store.set_batch_count(len(slices))
        saved = store.done_batches()
    done = fresh = 0
    for index, part in enumerate(slices):
        if cancel is not None and cancel.cancelled:
            break
        if index in saved:
            proved = saved[index]
        else:
            found = finish(probes.generate_from_prefix(ids, [(r, min(c, n - r)) for r in part], backend,
                                                       settings, cancel, context))
            if len(found) < len(part):  # cancelled mid-slice: keep nothing of it
                break
            proved = _proved(n, [(r, found[r].verbatim, min(c, n - r)) for r in part])
            if store is not None:
                store.save_batch(index, proved)
            fresh += len(part)
        scored[proved.pos] = True
        hit[proved.pos] = proved.hit
        done += len(part)
        elapsed = time.perf_counter() - t0
        rate = fresh * c / elapsed if elapsed > 0 else 0.0  # slices read back from a checkpoint cost nothing
        yield ScanProgress(
            stage="triage",
            done=done,
            total=len(starts),
            positions_done=min(n, done * c),
            positions_total=n,
            tokens_per_s=rate,
            eta_s=(len(starts) - done) * c / rate if rate > 0 else None,
            message=f"Generating and comparing every {c} tokens: {done:,} of {len(starts):,} probes",
        )
    if cancel is None or not cancel.cancelled:
        yield from _find_run_starts(ids, backend, settings, cancel, scored, hit, starts, first, context)
    unmeasured = {name: np.full(n, np.nan, dtype=np.float32) for name in STATISTICS}  # no log-probabilities
    return TokenTrace(scored=scored, hit=hit, **unmeasured, seconds=time.perf_counter() - t0)


def chunk_context(ids: IntArray, settings: ScanSettings) -> Callable[[int], IntArray]:
    """The prompt for position r: the text from the start of the triage chunk that scores r, up to r."""
    owner = np.zeros(int(ids.shape[0]), dtype=np.int64)
    for chunk in plan_chunks(int(ids.shape[0]), settings.chunk_tokens, settings.overlap_tokens):
        owner[chunk.score_from : chunk.end] = chunk.start
    return lambda r: ids[int(owner[r]) : r]


def _proved(n: int, outcomes: list[tuple[int, int, int]]) -> BatchScores:
    """The positions a slice of probes proved, from (start, verbatim, asked) per probe."""
    scored = np.zeros(n, dtype=bool)
    hit = np.zeros(n, dtype=bool)
    for r, verbatim, asked in outcomes:
        _record(scored, hit, r, verbatim, asked)
    pos = np.flatnonzero(scored).astype(np.int64)
    return BatchScores(pos=pos, hit=hit[pos], **{name: np.full(pos.shape, np.nan, dtype=np.float32)
                                                 for name in STATISTICS})


def _record(scored: np.ndarray, hit: np.ndarray, r: int, verbatim: int, asked: int) -> None:
    """A generation from position r matched `verbatim` tokens of `asked`: hits, then one miss."""
    hit[r : r + verbatim] = True
    scored[r : r + verbatim] = True
    if verbatim < asked:
        scored[r + verbatim] = True


def _find_run_starts(
    ids: IntArray,
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None,
    scored: np.ndarray,
    hit: np.ndarray,
    starts: list[int],
    first: int,
    context: Callable[[int], IntArray],
) -> Generator[ScanProgress, None, None]:
    """Before each probe that hit every token, probe the unknown positions until the run's start is known."""
    n = int(ids.shape[0])
    c = settings.thresholds.candidate_run_tokens
    # The first unknown position before each such probe (the earlier probe's miss is known, or the text starts).
    open_from: dict[int, int] = {}
    for r in starts:
        if r > first and r + c <= n and hit[r : r + c].all() and not scored[r - 1]:
            q = r - 1
            while q > first and not scored[q - 1]:
                q -= 1
            open_from[r] = q
    rounds = 0
    while open_from and (cancel is None or not cancel.cancelled):
        rounds += 1
        requests = [(q, r - q) for r, q in open_from.items()]
        found = finish(probes.generate_from_prefix(ids, requests, backend, settings, cancel, context))
        still: dict[int, int] = {}
        for r, q in open_from.items():
            g = found.get(q)
            if g is None:  # cancelled mid-round
                continue
            _record(scored, hit, q, g.verbatim, r - q)
            if q + g.verbatim + 1 < r:  # a miss before r: the run starts after it
                still[r] = q + g.verbatim + 1
        open_from = still
        yield ScanProgress("triage", rounds, rounds, int(scored.sum()), n, 0.0, None,
                           f"Finding where each run starts (round {rounds})")

