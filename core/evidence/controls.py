"""Controls: the same scan on texts the model cannot have seen, and what they say about the manuscript.

Three kinds: the author's own unpublished writing (the strongest control: same style and subject),
other texts the user supplies (work published after the model's training cutoff), and texts bundled with
Verbatim, written for it in November 2026 and never published. From them: the chance model the verdict
rests on (core/stats/null.py), the false-positive rate of the verdict rule with its exact interval
(each control judged with a chance model fitted on the others), and block permutation tests of the
manuscript against them (core/stats/blocks.py).

Bundled control results are cached per (model hash, settings, control hash), so the cost is paid once
per model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.ingest import Document, load_document
from core.model.backend import Backend
from core.paths import asset_dir, controls_cache
from core.results import ControlResult, ScanResult
from core.scan.engine import run_scan
from core.scan.progress import CancelToken
from core.settings import ScanSettings, Thresholds
from core.stats.blocks import block_test, rate_interval
from core.stats.null import NullModel
from core.stats.verdict import block_shares, decide, judge

CONTROLS_DIR = asset_dir("controls")


def bundled_controls() -> list[Document]:
    """The control texts shipped with Verbatim (assets/controls/*.txt)."""
    if not CONTROLS_DIR.is_dir():
        raise FileNotFoundError(f"the bundled control texts are missing from {CONTROLS_DIR}.")
    return [load_document(p) for p in sorted(CONTROLS_DIR.glob("*.txt"))]


CACHE_VERSION = 2
"""Bumped whenever what a cached control holds changes, so older entries are ignored."""

CONTROL_KINDS = ("own-unpublished", "user", "bundled")
"""The author's own never-published writing, other texts the user names, the texts shipped here."""

OWN_MIN_BLOCKS = 2
"""The author's own unpublished writing alone fits the chance model and the tests once it has this
many blocks (thresholds.block_tokens each); shorter, it is pooled with the other controls."""


def _cache_key(doc: Document, backend: Backend, settings: ScanSettings) -> str:
    blob = json.dumps(
        # The backend too: a generate-only server's scan of the same file measures less than a full one.
        [CACHE_VERSION, doc.text_sha256, backend.info.sha256, backend.info.dtype, backend.info.backend_label,
         settings.to_dict()],
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def control_from_scan(result: ScanResult, doc: Document, kind: str) -> ControlResult:
    """What a control scan contributes: its run histogram and blocks, and its evidence-bearing passages."""
    t = ScanSettings.from_dict(result.settings).thresholds
    passages = tuple(p.evidence for p in result.passages if not p.common_phrase)
    return ControlResult(
        name=Path(doc.path).name,
        sha256=doc.sha256,
        tokens=result.manuscript.tokens,
        longest_verbatim_tokens=result.summary.longest_verbatim_tokens,
        verdict=result.summary.verdict,
        bundled=kind == "bundled",
        kind=kind,
        scored_tokens=result.positions_scored,
        run_histogram=dict(result.run_histogram),
        block_share=tuple(block_shares(result.passages, result.manuscript.tokens, t.block_tokens)),
        block_min_k_pp=result.block_min_k_pp,
        passage_evidence=passages,
    )


def scan_control(
    doc: Document, backend: Backend, settings: ScanSettings, kind: str, cancel: CancelToken | None = None
) -> tuple[ControlResult, tuple[float, ...]] | None:
    """Scan one control (a bundled one from cache when possible); None when cancelled before it finished."""
    if kind not in CONTROL_KINDS:
        raise ValueError(f"unknown control kind {kind!r}")
    bundled = kind == "bundled"
    key = _cache_key(doc, backend, settings)
    cached = controls_cache() / f"{key}.json"
    if bundled and cached.is_file():
        data = json.loads(cached.read_text(encoding="utf-8"))
        c = data["control"]
        control = ControlResult(**{**c, "block_share": tuple(c["block_share"]),
                                   "block_min_k_pp": tuple(c["block_min_k_pp"]),
                                   "passage_evidence": tuple(c["passage_evidence"])})
        return control, tuple(data["window_scores"])
    result = run_scan(doc, backend, settings, cancel)
    if not result.complete:
        return None
    control = control_from_scan(result, doc, kind)
    if bundled and backend.info.sha256:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        payload = {"control": dataclasses.asdict(control), "window_scores": list(result.window_scores)}
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(tmp, cached)
    return control, result.window_scores


@dataclass(frozen=True)
class ControlFinding:
    """A control's passage as the verdict rule sees it (controls keep only their evidence lengths)."""

    evidence: int
    chance_p: float | None
    common_phrase: bool = False
    contested: bool = False


def reference_group(controls: Sequence[ControlResult], block_tokens: int) -> tuple[list[ControlResult], str]:
    """The controls the chance model and the tests use, and that choice in words.

    The author's own unpublished writing comes first (same style and subject, so no distribution shift);
    when it is too short on its own, it is pooled with every other control.
    """
    own = [c for c in controls if c.kind == "own-unpublished"]
    own_blocks = sum(len(c.block_share) for c in own)
    if own and own_blocks >= OWN_MIN_BLOCKS:
        return own, f"the author's own unpublished writing ({len(own)} texts)"
    kinds = sorted({c.kind for c in controls}, key=CONTROL_KINDS.index)
    note = "" if not own else f"; the author's own unpublished writing was under {OWN_MIN_BLOCKS} blocks"
    return list(controls), f"never-published controls: {', '.join(kinds)} ({len(controls)} texts){note}"


def fit_null(group: Sequence[ControlResult], source: str) -> NullModel | None:
    """The chance model from a group of controls; None when none was scored."""
    tokens = sum(c.scored_tokens for c in group)
    if tokens <= 0:
        return None
    return NullModel.fit([c.run_histogram for c in group], tokens, source)


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def leave_one_out_verdicts(
    controls: Sequence[ControlResult], thresholds: Thresholds, seed: int
) -> list[ControlResult]:
    """Each control judged by the full rule, with a chance model and tests fitted on the others only.

    This is the false-positive check of the rule itself: a control never helps to judge itself.
    """
    out = []
    for i, c in enumerate(controls):
        others = [o for j, o in enumerate(controls) if j != i]
        null = fit_null(others, "the other controls") if others else None
        findings = [ControlFinding(e, None if null is None else null.chance_p(e, c.tokens))
                    for e in c.passage_evidence]
        share = block_test("share", list(c.block_share), [v for o in others for v in o.block_share], seed)
        verdict, _, _ = decide(findings, c.tokens, thresholds, null, share)
        longest = max(c.passage_evidence, default=0)
        out.append(dataclasses.replace(c, verdict=verdict, longest_verbatim_tokens=longest))
    return out


MEMBERSHIP_UNTESTED = (
    "not tested: the controls are not the author's own unpublished writing, and against other kinds of "
    "writing this test measures how predictable a genre is, not membership (it gave small p-values on "
    "never-published texts in the calibration); scan with --own-unpublished for it"
)
"""Why a scan with other controls reports no Min-K%++ block p-value (statistics.membership_test.note)."""


def membership_as_reported(membership: dict[str, Any], same_author: bool) -> dict[str, Any]:
    """The Min-K%++ block test as the report gives it: its p-value only against the author's own writing.

    Against texts of other genres the test measures predictability, not membership: on the calibration's
    never-published texts it gave p <= 0.07 for 6 of 8 (Gemma) and 5 of 8 (Qwen)
    (bench/RESULTS-calibration.md). A p-value that small on text the model never saw is not reported.
    """
    out = {**membership, "same_author": same_author}
    if not same_author and out.get("p_value") is not None:
        out.update(p_value=None, smallest_possible_p=None, note=MEMBERSHIP_UNTESTED)
    return out


def control_statistics(
    result: ScanResult, controls: Sequence[ControlResult], source: str, group: Sequence[ControlResult],
    thresholds: Thresholds, seed: int,
) -> dict[str, Any]:
    """False-positive rate of the rule over controls, and the block tests of the manuscript against them."""
    n = len(controls)
    positives = [c.name for c in controls if c.verdict in ("memorized", "inconclusive")]
    flagged_memorized = [c.name for c in controls if c.verdict == "memorized"]
    share = block_test(
        "share of tokens in confirmed passages (evidence tokens)",
        block_shares(result.passages, result.manuscript.tokens, thresholds.block_tokens),
        [v for c in group for v in c.block_share], seed,
    )
    membership = block_test(
        "Min-K%++ (k=20 %) per block",
        _finite(result.block_min_k_pp), [v for c in group for v in _finite(c.block_min_k_pp)], seed,
    )
    share["control_values"] = [round(v, 6) for c in group for v in c.block_share]
    # Only controls in the author's own style and subject let the share test decide `memorized` (verdict.py).
    same_author = bool(group) and all(c.kind == "own-unpublished" for c in group)
    share["same_author"] = same_author
    membership = membership_as_reported(membership, same_author)
    return {
        "controls": n,
        "control_tokens": sum(c.tokens for c in controls),
        "reference_group": source,
        "block_tokens": thresholds.block_tokens,
        "false_positives": positives,
        "false_positive_rate": (len(positives) / n) if n else None,
        "false_positive_interval": rate_interval(len(positives), n),
        "memorized_false_positives": flagged_memorized,
        "memorized_false_positive_interval": rate_interval(len(flagged_memorized), n),
        "share_test": share,
        "membership_test": membership,
        "test": membership["test"] + ", on Min-K%++ (k=20 %)",
        "p_value": membership["p_value"],
    }


def rejudge(result: ScanResult, thresholds: Thresholds, seed: int = 0) -> ScanResult:
    """The verdict again after passages changed (a reference-model test).

    Uses the chance model and the controls' blocks the result already holds; without them, as a scan
    without controls.
    """
    null = None if result.null_model is None else NullModel.from_dict(result.null_model)
    share = result.statistics.get("share_test")
    if isinstance(share, dict) and "control_values" in share:
        controls = [float(v) for v in share["control_values"]]
        share = block_test(share["figure"], block_shares(result.passages, result.manuscript.tokens,
                                                         thresholds.block_tokens), controls, seed)
        share["control_values"] = controls
        share["same_author"] = bool(result.statistics["share_test"].get("same_author", False))
        stats = {**result.statistics, "share_test": share}
        if isinstance(stats.get("membership_test"), dict):  # reported under the current rule too
            stats["membership_test"] = membership_as_reported(stats["membership_test"], share["same_author"])
            stats["p_value"] = stats["membership_test"]["p_value"]
        result = dataclasses.replace(result, statistics=stats)
    else:
        share = None
    return judge(result, thresholds, null, share)
