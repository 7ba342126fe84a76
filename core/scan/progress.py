"""Progress reports yielded by long core work, and the token that cancels it between batches."""

from __future__ import annotations

import threading
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ScanProgress:
    """One progress report. `done`/`total` count units of the current stage."""

    stage: str
    """"tokenize", "triage", "protocol", "confirm", "common-phrases" or "evidence"."""
    done: int
    total: int
    positions_done: int
    """Manuscript positions scored by the triage pass so far."""
    positions_total: int
    tokens_per_s: float
    eta_s: float | None
    message: str = ""

    @property
    def fraction(self) -> float:
        """Overall completion 0-1 (triage dominates the cost; later stages fill the last 10 %)."""
        if self.positions_total <= 0:
            return 0.0
        base = 0.9 * self.positions_done / self.positions_total
        if self.stage in ("tokenize", "triage"):
            return base
        stage_share = self.done / self.total if self.total else 1.0
        return min(1.0, base + 0.1 * stage_share)


class CancelToken:
    """Thread-safe flag a front end sets; the scan checks it between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at the next batch boundary."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._event.is_set()


def finish(gen: Generator[Any, Any, T]) -> T:
    """Run a progress-yielding generator to its end and return what it returns."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            value: T = stop.value
            return value
