"""Triage: one teacher-forced pass over the whole manuscript scores every position.

A greedy hit at position i means argmax p(. | x[<i]) == x[i]; a run of hits is exactly a span that
greedy generation from the author's own preceding text reproduces verbatim (DESIGN.md, core/scan).
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
from core.settings import ScanSettings


@dataclass(frozen=True, eq=False)
class TokenTrace:
    """Per-position triage statistics (arrays of length n; NaN/False where not scored)."""

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


def triage(
    ids: IntArray, backend: Backend, settings: ScanSettings, cancel: CancelToken | None = None
) -> Generator[ScanProgress, None, TokenTrace]:
    """Score every position of `ids` in equal-length overlapping chunks; yield progress per batch."""
    n = int(ids.shape[0])
    nan = np.full(n, np.nan, dtype=np.float32)
    scored = np.zeros(n, dtype=bool)
    hit = np.zeros(n, dtype=bool)
    logp, logp_topk, gap, mean, std = (nan.copy() for _ in range(5))
    bos = backend.bos_id
    chunks = plan_chunks(n, settings.chunk_tokens, settings.overlap_tokens)
    t0 = time.perf_counter()
    done = 0
    for b in range(0, len(chunks), settings.batch_size):
        if cancel is not None and cancel.cancelled:
            break
        batch: list[Chunk] = chunks[b : b + settings.batch_size]
        rows = np.stack([ids[c.start : c.end] for c in batch])
        windows = with_bos(rows, bos)
        s = backend.score(windows, settings.top_k)
        # Without BOS, column c predicts token start + c + 1, and a window's first token goes unscored.
        shift = 0 if bos is not None else 1
        for row, c in enumerate(batch):
            first = max(c.score_from, c.start + shift)
            cols = np.arange(first - c.start - shift, c.length - shift)
            pos = cols + c.start + shift
            targets = ids[pos]
            hit[pos] = s.greedy[row, cols] == targets
            logp[pos] = s.logp[row, cols]
            logp_topk[pos] = s.logp_topk[row, cols]
            gap[pos] = s.gap[row, cols]
            mean[pos] = s.mean_logp[row, cols]
            std[pos] = s.std_logp[row, cols]
            scored[pos] = True
            done += len(pos)
        elapsed = time.perf_counter() - t0
        rate = done / elapsed if elapsed > 0 else 0.0
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
    return TokenTrace(scored, hit, logp, logp_topk, gap, mean, std, time.perf_counter() - t0)
