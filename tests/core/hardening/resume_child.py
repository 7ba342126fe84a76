"""A checkpointed scan for kill -9 tests: run as a script, it scans and is killed from outside.

    python tests/core/hardening/resume_child.py scan CHECKPOINT     # prints "scored" per triage batch
    python tests/core/hardening/resume_child.py hammer CHECKPOINT   # commits large batches in a loop

Run with the repository root on PYTHONPATH. The test process imports the same text, settings and
backend, so the resumed scan is comparable with an uninterrupted one.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from core.model.fake import FakeBackend
from core.scan.engine import run_scan
from core.scores import BatchScores
from core.settings import ScanSettings
from core.store import ScanPlan, ScanStore
from tests.helpers.docs import document

MEMORIZED = (
    "Tom Bombadil walked the long road past seven mills where the river bends twice before the sea, "
    "carrying a lantern of green glass that his grandmother had bought from a tinker in exchange for "
    "three geese, a promise, and the recipe for a pie that nobody in the valley could ever reproduce. "
)
FRESH = (
    "Marguerite sorted the buttons by colour first and then by the number of holes, because her "
    "brother insisted that four-holed buttons were older, a claim nobody had ever checked. "
)
TEXT = (FRESH * 9 + MEMORIZED) * 5  # about 2,000 words
# Triage rows are BOS + 23 tokens, a length no confirmation row has (BOS + 8-token prompt + drafts of
# 16, 32, ... tokens), so CountingBackend tells them apart by length.
SETTINGS = ScanSettings(chunk_tokens=23, overlap_tokens=6, prefix_tokens=8, suffix_tokens=8, batch_size=2)
DELAY_S = 0.05


class CountingBackend:
    """A FakeBackend that counts triage batches it scores (windows of the triage length)."""

    def __init__(self, delay_s: float = 0.0, announce: bool = False) -> None:
        self.inner = FakeBackend(memorized=(MEMORIZED,), delay_s=delay_s)
        self.triage_batches = 0
        self.announce = announce

    def score(self, windows: Any, top_k: int, first: int = 0) -> Any:
        out = self.inner.score(windows, top_k, first)
        if windows.shape[1] == SETTINGS.chunk_tokens + 1:
            self.triage_batches += 1
            if self.announce:
                print("scored", flush=True)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def plan() -> ScanPlan:
    return ScanPlan.for_scan(document(TEXT), FakeBackend(memorized=(MEMORIZED,)).info, SETTINGS)


def big_batch(i: int, n: int = 200_000) -> BatchScores:
    """A batch far larger than a real one, so a commit takes long enough to be killed in the middle."""
    rng = np.random.default_rng(i)
    f = rng.standard_normal(n).astype(np.float32)
    return BatchScores(np.arange(n, dtype=np.int64) + i * n, f > 0, f, f, f, f, f)


def main(argv: list[str]) -> None:
    mode, path = argv
    if mode == "scan":
        store = ScanStore.resume_or_create(path, plan())
        run_scan(document(TEXT), CountingBackend(DELAY_S, announce=True), SETTINGS, store=store)  # type: ignore[arg-type]
    elif mode == "hammer":
        store = ScanStore.create(path, plan())
        for i in range(10**9):
            store.save_batch(i, big_batch(i))
            print("committed", i, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
