"""Batches that fit the device: how many rows free GPU memory holds, and halving a batch after out-of-memory.

Rows are windows of equal length without padding, so splitting a batch changes no result; these only
decide how much work goes to the device at once. Plain Python: the backend supplies the test for an
out-of-memory error and what to release after one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.model.backend import IntArray


def rows_that_fit(free_bytes: int, row_bytes: int, reserve: float = 0.2, most: int = 1024) -> int:
    """How many rows fit in `free_bytes`, keeping `reserve` of it free for the allocator (at least 1)."""
    return max(1, min(most, int(free_bytes * (1 - reserve)) // max(1, row_bytes)))


class RowBudget:
    """Runs a batch in parts small enough for the device; after an out-of-memory error, in smaller ones.

    The largest part that worked is remembered per row length, so one failure costs one retry. Rows
    are independent and of equal length (no padding), so splitting a batch does not change any result.
    """

    def __init__(self, out_of_memory: Callable[[BaseException], bool], on_shrink: Callable[[], None]) -> None:
        self._oom = out_of_memory
        self._shrink = on_shrink
        self.cap: dict[int, int] = {}
        """Rows per part, per row length, once an out-of-memory error set one."""
        self.retries = 0

    def run(self, rows: IntArray, fn: Callable[[IntArray], Any], length: int | None = None) -> list[Any]:
        """`fn` over consecutive parts of `rows`, in order; halves the part size on out-of-memory."""
        length = int(rows.shape[1]) if length is None else length
        out: list[Any] = []
        i = 0
        while i < rows.shape[0]:
            size = min(rows.shape[0] - i, self.cap.get(length, rows.shape[0]))
            try:
                out.append(fn(rows[i : i + size]))
            except Exception as error:
                if not self._oom(error):
                    raise
                self._shrink()
                if size == 1:
                    raise MemoryError(
                        f"Out of GPU memory for a single window of {length} tokens: use a smaller --chunk, "
                        "or --device cpu."
                    ) from error
                self.cap[length] = size // 2
                self.retries += 1
                continue
            i += size
        return out
