"""Controls: the same scan on texts the model cannot have seen, and what they say about the manuscript.

Two kinds: texts the user supplies (unpublished work, or work published after the model's training
cutoff) and texts bundled with Verbatim, written for it in November 2026 and never published. From
them: the false-positive rate of the verdict rule at the thresholds in use, and a one-sided
Mann-Whitney test of the manuscript's per-window Min-K%++ scores against the controls'.

Bundled control results are cached per (model hash, settings, control hash), so the cost is paid once
per model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.ingest import Document, load_document
from core.model.backend import Backend
from core.results import ControlResult, ScanResult
from core.scan.engine import run_scan
from core.scan.progress import CancelToken
from core.settings import ScanSettings

CONTROLS_DIR = Path(__file__).resolve().parents[2] / "assets" / "controls"


def bundled_controls() -> list[Document]:
    """The control texts shipped with Verbatim (assets/controls/*.txt)."""
    if not CONTROLS_DIR.is_dir():
        raise FileNotFoundError(f"the bundled control texts are missing from {CONTROLS_DIR}.")
    return [load_document(p) for p in sorted(CONTROLS_DIR.glob("*.txt"))]


def _cache_dir() -> Path:
    base = os.environ.get("VERBATIM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache"), "verbatim"
    )
    return Path(base) / "controls"


def _cache_key(doc: Document, backend: Backend, settings: ScanSettings) -> str:
    blob = json.dumps(
        # The backend too: a generate-only server's scan of the same file measures less than a full one.
        [doc.text_sha256, backend.info.sha256, backend.info.dtype, backend.info.backend, settings.to_dict()],
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def scan_control(
    doc: Document, backend: Backend, settings: ScanSettings, bundled: bool, cancel: CancelToken | None = None
) -> tuple[ControlResult, tuple[float, ...]] | None:
    """Scan one control (from cache when possible); None when cancelled before it finished."""
    key = _cache_key(doc, backend, settings)
    cached = _cache_dir() / f"{key}.json"
    if bundled and cached.is_file():
        data = json.loads(cached.read_text(encoding="utf-8"))
        return ControlResult(**data["control"]), tuple(data["window_scores"])
    result = run_scan(doc, backend, settings, cancel)
    if not result.complete:
        return None
    control = ControlResult(
        name=Path(doc.path).name,
        sha256=doc.sha256,
        tokens=result.manuscript.tokens,
        longest_verbatim_tokens=result.summary.longest_verbatim_tokens,
        verdict=result.summary.verdict,
        bundled=bundled,
    )
    if bundled and backend.info.sha256:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        payload = {"control": dataclasses.asdict(control), "window_scores": list(result.window_scores)}
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(tmp, cached)
    return control, result.window_scores


def control_statistics(
    manuscript_scores: Sequence[float], controls: Sequence[ControlResult], control_scores: Sequence[float]
) -> dict[str, Any]:
    """False-positive rate of the verdict rule over controls, and the manuscript-vs-controls test."""
    from scipy.stats import mannwhitneyu

    n = len(controls)
    positives = [c.name for c in controls if c.verdict != "no-evidence"]
    stats: dict[str, Any] = {
        "controls": n,
        "control_tokens": sum(c.tokens for c in controls),
        "false_positives": positives,
        "false_positive_rate": (len(positives) / n) if n else None,
        "window_score": "Min-K%++ (k=20%) per 50-token window",
        "manuscript_windows": len(manuscript_scores),
        "control_windows": len(control_scores),
    }
    if len(manuscript_scores) >= 2 and len(control_scores) >= 2:
        test = mannwhitneyu(manuscript_scores, control_scores, alternative="greater")
        stats["test"] = "one-sided Mann-Whitney U: manuscript windows score higher than control windows"
        stats["p_value"] = float(test.pvalue)
        # AUC = P(manuscript window > control window): 0.5 is chance.
        stats["auc"] = round(float(test.statistic) / (len(manuscript_scores) * len(control_scores)), 4)
    else:
        stats["p_value"] = None
        stats["test"] = "not computed: too few 50-token windows"
    return stats


def with_controls(
    result: ScanResult,
    docs: Sequence[Document],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
    user_controls: int = 0,
) -> ScanResult:
    """Scan the controls (the first `user_controls` of `docs` are the user's) and attach statistics."""
    from core.evidence.control_scan import scan_controls
    from core.scan.progress import finish

    return finish(scan_controls(result, docs, backend, settings, cancel, user_controls))
