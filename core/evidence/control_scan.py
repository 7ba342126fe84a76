"""Controls one at a time: scan the control texts with progress per text, then attach what they say.

A front end shows "Scanning control texts… (3 of 8)" and cancels between controls (`scan_controls`);
`with_controls` runs the same to its end. The result also holds where the manuscript's and the
controls' window scores lie, so a reader sees the membership score beside the control distribution,
never alone. The pure parts (one control's scan, the chance model, the statistics) are in
core.evidence.controls, which this module drives.
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
    def fraction(self) -> float:
        """Share of the control texts finished."""
        return self.done / self.total if self.total else 1.0

    eta_s = None
    tokens_per_s = 0.0

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


def scan_control_texts(
    docs: Sequence[Document],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
    user_controls: int = 0,
    own_unpublished: int = 0,
) -> Generator[ControlsProgress, None, tuple[list[ControlResult], list[float]]]:
    """Scan the control texts (bundled ones from cache); return them and their window scores.

    `docs` holds the author's own unpublished writing first (`own_unpublished`), then the user's other
    controls (`user_controls`), then the bundled ones. Cancelled, the controls finished so far.
    """
    from core.evidence.controls import scan_control

    controls: list[ControlResult] = []
    scores: list[float] = []
    for i, doc in enumerate(docs):
        if cancel is not None and cancel.cancelled:
            break
        yield ControlsProgress(i, len(docs), Path(doc.path).name)
        kind = ("own-unpublished" if i < own_unpublished
                else "user" if i < own_unpublished + user_controls else "bundled")
        out = scan_control(doc, backend, settings, kind, cancel=cancel)
        if out is None:
            break
        controls.append(out[0])
        scores.extend(out[1])
    return controls, scores


def attach_controls(
    result: ScanResult,
    controls: Sequence[ControlResult],
    scores: Sequence[float],
    settings: ScanSettings,
    planned: int | None = None,
) -> ScanResult:
    """The result with the chance model, every passage's chance_p, the verdict and the statistics.

    The chance model is fitted on the reference group of `controls` (core.evidence.controls.reference_group).
    `planned` is how many controls were asked for (more than given: cancelled).
    """
    from core.evidence.controls import control_statistics, fit_null, leave_one_out_verdicts, reference_group
    from core.scan.sweep import is_generate_only
    from core.stats.verdict import judge

    t = settings.thresholds
    judged_controls = leave_one_out_verdicts(controls, t, settings.seed)
    group, source = reference_group(judged_controls, t.block_tokens)
    null = fit_null(group, source)
    stats = control_statistics(result, judged_controls, source, group, t, settings.seed)
    judged = judge(result, t, null, stats["share_test"])
    if is_generate_only(result):
        stats["test"] = "not computed: a generate-only scan measures no log-probabilities"
        stats["p_value"] = None
    if planned is not None and len(controls) < planned:
        stats["incomplete"] = f"cancelled after {len(controls)} of {planned} controls"
    stats.update(window_distribution(result.window_scores, scores))
    return dataclasses.replace(judged, controls=tuple(judged_controls), statistics=stats)


def scan_controls(
    result: ScanResult,
    docs: Sequence[Document],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
    user_controls: int = 0,
    own_unpublished: int = 0,
) -> Generator[ControlsProgress, None, ScanResult]:
    """`with_controls`, yielding before each control: scan_control_texts, then attach_controls."""
    controls, scores = yield from scan_control_texts(docs, backend, settings, cancel, user_controls,
                                                     own_unpublished)
    return attach_controls(result, controls, scores, settings, planned=len(docs))


def with_controls(
    result: ScanResult,
    docs: Sequence[Document],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
    user_controls: int = 0,
    own_unpublished: int = 0,
) -> ScanResult:
    """Scan the controls and attach the chance model, the verdict under it, and the statistics.

    `docs` holds the author's own unpublished writing first (`own_unpublished` texts), then the user's
    other controls (`user_controls`), then the bundled ones.
    """
    from core.scan.progress import finish

    return finish(scan_controls(result, docs, backend, settings, cancel, user_controls, own_unpublished))
