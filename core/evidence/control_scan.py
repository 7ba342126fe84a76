"""Controls one at a time: `with_controls` as a generator that reports progress per control text.

A front end shows "Scanning control texts… (3 of 8)" and cancels between controls. The result is the
same as `with_controls` gives, plus where the manuscript's and the controls' window scores lie, so a
reader sees the membership score beside the control distribution, never alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.results import ControlResult, ScanResult

if TYPE_CHECKING:  # numerical modules load with the scan, not with the window that imports this
    from core.ingest import Document
    from core.model.backend import Backend
    from core.scan.progress import CancelToken
    from core.settings import ScanSettings


@dataclass(frozen=True)
class ControlsProgress:
    """Progress of the control scans: `done` of `total` finished, `name` is being scanned."""

    done: int
    total: int
    name: str

    @property
    def message(self) -> str:
        """One line for a status bar."""
        return f"Scanning control texts… ({self.done + 1} of {self.total}: {self.name})"


def window_distribution(manuscript: Sequence[float], controls: Sequence[float]) -> dict[str, float]:
    """Median of the manuscript's window scores, and median and 5-95 % range of the controls'."""
    import numpy as np

    out: dict[str, float] = {}
    if len(manuscript):
        out["manuscript_window_median"] = round(float(np.median(manuscript)), 4)
    if len(controls):
        p05, p50, p95 = np.percentile(np.asarray(controls, dtype=np.float64), [5, 50, 95])
        out["control_window_median"] = round(float(p50), 4)
        out["control_window_p05"] = round(float(p05), 4)
        out["control_window_p95"] = round(float(p95), 4)
    return out


def scan_controls(
    result: ScanResult,
    docs: Sequence[Document],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
    user_controls: int = 0,
) -> Generator[ControlsProgress, None, ScanResult]:
    """`with_controls`, yielding before each control; the first `user_controls` of `docs` are the user's."""
    from core.evidence.controls import control_statistics, scan_control
    from core.scan.sweep import is_generate_only

    controls: list[ControlResult] = []
    scores: list[float] = []
    for i, doc in enumerate(docs):
        if cancel is not None and cancel.cancelled:
            break
        yield ControlsProgress(i, len(docs), Path(doc.path).name)
        out = scan_control(doc, backend, settings, bundled=i >= user_controls, cancel=cancel)
        if out is None:
            break
        controls.append(out[0])
        scores.extend(out[1])
    stats = control_statistics(result.window_scores, controls, scores)
    if is_generate_only(result):
        stats["test"] = "not computed: a generate-only scan measures no log-probabilities"
    if len(controls) < len(docs):
        stats["incomplete"] = f"cancelled after {len(controls)} of {len(docs)} controls"
    stats.update(window_distribution(result.window_scores, scores))
    return dataclasses.replace(result, controls=tuple(controls), statistics=stats)
