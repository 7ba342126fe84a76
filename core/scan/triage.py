"""Triage: one teacher-forced pass over the whole manuscript scores every position.

A greedy hit at position i means argmax p(. | x[<i]) == x[i]; a run of hits is exactly a span that
greedy generation from the author's own preceding text reproduces verbatim (docs/design.md §3.3).
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.model.backend import Backend, IntArray
from core.scan.progress import CancelToken, ScanProgress
from core.scan.windows import Chunk, plan_chunks
from core.scores import STATISTICS, BatchScores, BatchStore
from core.settings import ScanSettings


@dataclass(frozen=True, eq=False)
class TokenTrace:
    """Per-position triage statistics (arrays of length n; NaN/False where not scored).

    The five float arrays are core.scores.STATISTICS, by the same names.
    """

    scored: npt.NDArray[np.bool_]
    hit: npt.NDArray[np.bool_]
    logp: npt.NDArray[np.float32]
    logp_topk: npt.NDArray[np.float32]
    gap: npt.NDArray[np.float32]
    mean_logp: npt.NDArray[np.float32]
    std_logp: npt.NDArray[np.float32]
    seconds: float

    @property
    def positions_scored(self) -> int:
        """How many positions the pass covered (all of them unless cancelled)."""
        return int(self.scored.sum())


def with_bos(rows: IntArray, bos_id: int | None) -> IntArray:
    """Prepend BOS to each row of a (B, T) batch (no-op when the model has none)."""
    if bos_id is None:
        return rows
    return np.concatenate([np.full((rows.shape[0], 1), bos_id, dtype=np.int64), rows], axis=1)


def score_batch(batch: list[Chunk], ids: IntArray, backend: Backend, top_k: int) -> BatchScores:
    """Score one batch of equal-length chunks and keep each chunk's own scoring positions."""
    bos = backend.bos_id
    rows = np.stack([ids[c.start : c.end] for c in batch])
    # Without BOS, column c predicts token start + c + 1, and a window's first token goes unscored.
    shift = 0 if bos is not None else 1
    firsts = [max(c.score_from, c.start + shift) - c.start - shift for c in batch]
    skip = min(firsts)  # the overlap is context only: the model's output head is not run there
    s = backend.score(with_bos(rows, bos), top_k, skip)
    row_of, col_of = [], []
    for row, (c, first) in enumerate(zip(batch, firsts, strict=True)):
        cols = np.arange(first, c.length - shift)
        row_of.append(np.full(cols.shape, row))
        col_of.append(cols)
    r, col = np.concatenate(row_of), np.concatenate(col_of)
    pos = col + np.array([c.start for c in batch], dtype=np.int64)[r] + shift
    col = col - skip
    return BatchScores(
        pos=pos.astype(np.int64),
        hit=s.greedy[r, col] == ids[pos],
        **{name: getattr(s, name)[r, col] for name in STATISTICS},
    )


def triage(
    ids: IntArray,
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
    store: BatchStore | None = None,
    rows_per_pass: int | None = None,
) -> Generator[ScanProgress, None, TokenTrace]:
    """Score every position of `ids` in equal-length overlapping chunks; yield progress per pass.

    Batches of settings.batch_size chunks are the unit a checkpoint `store` commits and reads back;
    `rows_per_pass` (a GPU's fitted batch) scores several consecutive batches in one forward pass and
    still commits them one by one, so a checkpoint resumes on any device.
    """
    n = int(ids.shape[0])
    scored = np.zeros(n, dtype=bool)
    hit = np.zeros(n, dtype=bool)
    stats = {name: np.full(n, np.nan, dtype=np.float32) for name in STATISTICS}
    chunks = plan_chunks(n, settings.chunk_tokens, settings.overlap_tokens)
    size = settings.batch_size
    starts = range(0, len(chunks), size)
    saved: dict[int, BatchScores] = {}
    if store is not None:
        store.set_batch_count(len(starts))
        saved = store.done_batches()
    per_pass = max(1, (rows_per_pass or size) // size)
    t0 = time.perf_counter()
    done = fresh = 0
    index = 0
    while index < len(starts):
        if cancel is not None and cancel.cancelled:
            break
        part = saved.get(index)
        if part is not None:
            parts = [(index, part)]
        else:
            group = list(range(index, min(len(starts), index + per_pass)))
            group = group[: next((k for k, i in enumerate(group) if i in saved), len(group))]
            scored_group = score_batch(chunks[group[0] * size : (group[-1] + 1) * size], ids, backend, settings.top_k)
            parts = [(i, _positions_of(scored_group, chunks[i * size : (i + 1) * size])) for i in group]
            for i, p in parts:
                if store is not None:
                    store.save_batch(i, p)
                fresh += len(p.pos)
        for _, p in parts:
            pos = p.pos
            hit[pos] = p.hit
            for name in STATISTICS:
                stats[name][pos] = getattr(p, name)
            scored[pos] = True
            done += len(pos)
        index += len(parts)
        elapsed = time.perf_counter() - t0
        rate = fresh / elapsed if elapsed > 0 else 0.0  # batches read back from a checkpoint cost nothing
        remaining = n - done
        yield ScanProgress(
            stage="triage",
            done=done,
            total=n,
            positions_done=done,
            positions_total=n,
            tokens_per_s=rate,
            eta_s=remaining / rate if rate > 0 else None,
            message=f"Scoring every position: {done:,} of {n:,}",
        )
    return TokenTrace(scored=scored, hit=hit, **stats, seconds=time.perf_counter() - t0)


def _positions_of(scores: BatchScores, batch: list[Chunk]) -> BatchScores:
    """The part of a pass's scores that belongs to one checkpoint batch (its chunks' scoring positions)."""
    lo, hi = batch[0].score_from, batch[-1].end
    return scores.select((scores.pos >= lo) & (scores.pos < hi))
