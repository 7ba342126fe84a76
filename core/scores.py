"""Triage's score arrays, the unit a checkpoint commits, and what the scan asks of a checkpoint.

A leaf module: the scan (core.scan.triage, core.scan.sweep) fills `BatchScores`, the checkpoint file
(core.store) persists them, and neither imports the other. `COLUMNS` names the seven per-position
statistics once, with the dtype each is kept in; `BatchStore` is the protocol a checkpoint implements
so the scan can take one without knowing about SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

COLUMNS: tuple[tuple[str, type[np.generic]], ...] = (
    ("pos", np.int64),
    ("hit", np.bool_),
    ("logp", np.float32),
    ("logp_topk", np.float32),
    ("gap", np.float32),
    ("mean_logp", np.float32),
    ("std_logp", np.float32),
)
"""The seven per-position columns of a triage batch, in order, with the dtype each is stored in."""

STATISTICS = tuple(name for name, _ in COLUMNS if name not in ("pos", "hit"))
"""The five float statistics among COLUMNS (NaN where a position was not scored)."""


@dataclass(frozen=True, eq=False)
class BatchScores:
    """One triage batch's statistics at the positions it scored: the unit a checkpoint commits."""

    pos: npt.NDArray[np.int64]
    hit: npt.NDArray[np.bool_]
    logp: npt.NDArray[np.float32]
    logp_topk: npt.NDArray[np.float32]
    gap: npt.NDArray[np.float32]
    mean_logp: npt.NDArray[np.float32]
    std_logp: npt.NDArray[np.float32]

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The columns by name, in COLUMNS order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def select(self, keep: npt.NDArray[np.bool_]) -> BatchScores:
        """The same columns at the positions `keep` marks."""
        return BatchScores(**{name: values[keep] for name, values in self.arrays().items()})


class BatchStore(Protocol):
    """What the scan asks of a checkpoint (core.store.ScanStore implements it)."""

    def set_batch_count(self, total: int) -> None:
        """Record how many batches the whole scan has."""

    def save_batch(self, index: int, scores: BatchScores) -> None:
        """Commit one batch's results."""

    def done_batches(self) -> dict[int, BatchScores]:
        """Every committed batch, by index."""

    def mark_finished(self) -> None:
        """Record that the scan completed."""
