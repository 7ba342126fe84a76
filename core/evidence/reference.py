"""The reference-model test: passages a model not trained on this work also reproduces are common phrases.

The user names a *reference model* they believe has not been trained on the work (for example one released
before the work was published). Each confirmed passage of the scanned model's result is put to it with the
same author's text before the passage as the prompt, and greedy generation is verified exactly
(core.scan.probes.draft_verify). When the reference reproduces at least 80 % of the passage's characters,
and at least as many as the scanned model's confirmation threshold covers, the passage is marked
`common_phrase`, with a reason naming the reference model and the figures: text that a model which never
saw the work also writes is predictable, not evidence that the scanned model memorized *this* work.

This test is independent of the swapped-context test inside the scan (core.scan.engine): that one keeps
the model and changes the prompt, this one keeps the prompt and changes the model. A passage both flag
keeps both reasons.

A long passage is never discounted. When the reference reproduces a passage of `memorized_tokens` or more
evidence tokens, that is evidence against the user's declaration (a model that never saw the work does not
write 32 tokens of it), not evidence that the passage is generic: the passage is marked `contested`, kept
visible, counted neither for nor against the work, and the verdict stays at least inconclusive. The
declaration is the user's, so the model and the counts of passages it set aside and contested are written
into the result's provenance and the report names the model, letting a reader judge the declaration. A
wrong declaration can never make a verdict `memorized`.

The two models' tokenizers differ, so the comparison is made on characters: the manuscript is tokenized
once with the reference backend, the passage is located in those tokens through their character offsets,
and the reference's verbatim tokens are converted back into characters of the passage. Whitespace at a
passage's edges is left out of both counts, because tokenizers attach spaces to different tokens.
Comparing token ids is conservative: a reference that writes the same characters with a different split
into tokens counts as diverging there, so the test can miss a common phrase but never invents one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import UserError
from core.model.backend import Backend, IntArray
from core.results import ModelInfo, Passage, ScanResult
from core.scan import probes
from core.scan.progress import CancelToken, ScanProgress, finish
from core.scan.sweep import can_score
from core.settings import ScanSettings, Thresholds

REPRODUCED_SHARE = 0.8
"""The reference must reproduce at least this share of a passage's characters."""

PROVENANCE_KEY = "reference_model"
"""Where the test records itself in ScanResult.provenance."""


@dataclass(frozen=True)
class ReferenceTarget:
    """One passage located in the reference model's tokens of the whole manuscript."""

    passage: int
    """Index into the result's passages."""
    start_char: int
    """The passage's first non-whitespace character."""
    end_char: int
    """One past its last non-whitespace character."""
    start_token: int
    """The reference token generation starts at: the first one at or after `start_char` (a token whose
    part before `start_char` is only whitespace counts as starting there)."""
    end_token: int
    """The first reference token that starts at or after `end_char`."""

    @property
    def chars(self) -> int:
        """The passage's characters the reference is asked to reproduce."""
        return self.end_char - self.start_char


@dataclass(frozen=True)
class ReferenceOutcome:
    """What the reference model did with one passage."""

    target: ReferenceTarget
    verbatim_tokens: int
    """Reference tokens reproduced exactly before the first divergence."""
    reproduced_chars: int
    """Characters of the passage inside those tokens."""
    needed_chars: int
    """Characters the reference must reproduce for the passage to count as a common phrase."""

    @property
    def common(self) -> bool:
        """Whether the reference reproduces enough of the passage."""
        return self.reproduced_chars >= self.needed_chars


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without whitespace at either edge."""
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    return start + lead, max(start + lead, end - trail)


def reference_targets(text: str, passages: Sequence[Passage], offsets: IntArray) -> list[ReferenceTarget]:
    """Locate each passage in the reference tokens (character `offsets`, shape (N, 2), of the whole text).

    Passages that are only whitespace, or that start inside the last reference token, are left out.
    """
    n = int(offsets.shape[0])
    starts, ends = offsets[:, 0], offsets[:, 1]
    out: list[ReferenceTarget] = []
    for i, p in enumerate(passages):
        a, b = _trimmed(text, p.start_char, p.end_char)
        if b <= a:
            continue
        after = np.flatnonzero(ends > a)
        if after.size == 0:
            continue
        r = int(after[0])
        if int(starts[r]) < a and text[int(starts[r]) : a].strip():
            r += 1  # this token begins with the author's text before the passage: start at the next one
        if r >= n or int(starts[r]) >= b:
            continue
        stop = np.flatnonzero(starts[r:] >= b)
        end_token = r + int(stop[0]) if stop.size else n
        out.append(ReferenceTarget(passage=i, start_char=a, end_char=b, start_token=r, end_token=end_token))
    return out


def reproduced_chars(target: ReferenceTarget, offsets: IntArray, verbatim_tokens: int) -> int:
    """Characters of the passage inside the first `verbatim_tokens` reference tokens from its start."""
    if verbatim_tokens <= 0:
        return 0
    last = min(target.start_token + verbatim_tokens, int(offsets.shape[0])) - 1
    begin = max(target.start_char, int(offsets[target.start_token, 0]))
    end = min(target.end_char, int(offsets[last, 1]))
    return max(0, end - begin)


def needed_chars(passage: Passage, chars: int, thresholds: Thresholds) -> int:
    """80 % of the passage's characters, and at least the characters its first confirm_tokens tokens hold.

    The second bound is the character form of the swapped-context test's `max(confirm_tokens, 80 %)`: the
    scanned model's confirm_tokens tokens, at this passage's characters per token. A passage only just
    long enough to be confirmed must be reproduced whole.
    """
    share = math.ceil(REPRODUCED_SHARE * chars)
    tokens = max(1, passage.verbatim_tokens)
    confirm = math.ceil(chars * min(1.0, thresholds.confirm_tokens / tokens))
    return min(chars, max(share, confirm))


def reference_reason(model: ModelInfo, outcome: ReferenceOutcome) -> str:
    """The common-phrase reason the reference test gives, with its figures."""
    return (
        f"the reference model {model.name}, named as not trained on this work, also reproduces "
        f"{outcome.reproduced_chars} of {outcome.target.chars} characters from the same prompt: "
        "predictable text, not evidence of memorizing this work"
    )


def contested_reason(model: ModelInfo, outcome: ReferenceOutcome, floor: int) -> str:
    """Why a long passage the reference model also reproduced is contested, with its figures."""
    return (
        f"the reference model {model.name}, declared as not trained on this work, also reproduces "
        f"{outcome.reproduced_chars} of {outcome.target.chars} characters of this passage of at least {floor} "
        "tokens: that puts the declaration in doubt, so the passage is neither counted nor discounted"
    )


def _model_record(model: ModelInfo) -> dict[str, Any]:
    return {
        "name": model.name,
        "path": model.path,
        "format": model.format,
        "backend": model.backend_label,
        "parameters": model.parameters,
        "quantization": model.quantization,
        "tokenizer": model.tokenizer,
        "device": model.device,
        "dtype": model.dtype,
        "sha256": model.sha256,
        "files": [dataclasses.asdict(f) for f in model.files],
    }


def _progress(result: ScanResult, done: int, total: int) -> ScanProgress:
    return ScanProgress(
        "reference", done, total, result.positions_scored, result.positions_total, 0.0, None,
        f"Reference model: {done} of {total} passages",
    )


def reference_outcomes(
    text: str,
    passages: Sequence[Passage],
    reference: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
) -> Generator[tuple[int, int], None, list[ReferenceOutcome]]:
    """What the reference model reproduces of each passage; yields (done, total) counts.

    The whole text is tokenized once with the reference tokenizer; each passage's prompt is the
    prefix_tokens reference tokens before it, and greedy generation is verified exactly in one pass
    (draft_verify), or generated step by step when the reference is a generate-only server. Passages
    cancelled before their batch, or with nothing to prompt with (the start of the text and no BOS),
    get no outcome.
    """
    tokens = reference.tokenize(text)
    ids, offsets = tokens.ids, tokens.offsets
    targets = reference_targets(text, passages, offsets)
    extra = settings.confirm_extra_tokens
    requests = [(t.start_token, t.end_token - t.start_token + extra) for t in targets]
    total = len(targets)
    yield 0, total
    checked: dict[int, probes.Generation] = {}
    if requests:
        gen: Generator[int, None, dict[int, Any]]
        if can_score(reference):
            gen = probes.draft_verify(ids, requests, reference, settings, cancel, window=False)
        else:  # a generate-only server: the same greedy decoding, step by step
            gen = probes.generate_from_prefix(ids, requests, reference, settings, cancel)
        while True:
            try:
                done = next(gen)
            except StopIteration as stop:
                checked = {r: x[0] if isinstance(x, tuple) else x for r, x in stop.value.items()}
                break
            yield done, total
    outcomes: list[ReferenceOutcome] = []
    for t in targets:
        if t.start_token in checked:
            v = checked[t.start_token].verbatim
            needed = needed_chars(passages[t.passage], t.chars, settings.thresholds)
            outcomes.append(ReferenceOutcome(t, v, reproduced_chars(t, offsets, v), needed))
    return outcomes


def check_reference(
    result: ScanResult,
    reference: Backend,
    settings: ScanSettings | None = None,
    cancel: CancelToken | None = None,
    text: str | None = None,
) -> Generator[ScanProgress, None, ScanResult]:
    """Put every confirmed passage of `result` to the `reference` model; yield progress, return the result.

    The returned result is a new frozen ScanResult: passages the reference reproduces are common phrases
    (an earlier reason is kept, the new one appended), the summary and verdict are recomputed without them,
    and provenance["reference_model"] records the model (name, hashes) and what it set aside. `settings`
    defaults to the scan's own (prompt length, thresholds); `text` to the scanned text the result holds
    (a result read back from JSON has none: pass the manuscript's normalized text, which is checked
    against the recorded hash). Cancelled midway, only the passages checked so far are decided.
    """
    if PROVENANCE_KEY in result.provenance:
        raise UserError("This result was already checked against a reference model.")
    text = result.text if text is None else text
    if not text:
        raise UserError("The reference-model test needs the scanned text; this result does not hold it.")
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != result.manuscript.text_sha256:
        raise UserError("The text given for the reference-model test is not the text that was scanned.")
    settings = settings or ScanSettings.from_dict(result.settings)
    started = time.perf_counter()
    gen = reference_outcomes(text, result.passages, reference, settings, cancel)
    total = 0
    while True:
        try:
            done, total = next(gen)
        except StopIteration as stop:
            outcomes: list[ReferenceOutcome] = stop.value
            break
        yield _progress(result, done, total)

    passages = list(result.passages)
    set_aside = contested = 0
    floor = settings.thresholds.memorized_tokens
    for o in outcomes:
        if not o.common:
            continue
        p = passages[o.target.passage]
        if p.evidence >= floor and not p.common_phrase:
            # A model declared ignorant of the work reproducing this much of it is evidence against the
            # declaration, not evidence that the passage is generic: it can no longer erase the passage.
            contested += 1
            passages[o.target.passage] = dataclasses.replace(
                p, contested=True, contested_reason=contested_reason(reference.info, o, floor))
            continue
        reason = reference_reason(reference.info, o)
        if p.common_phrase_reason:
            reason = f"{p.common_phrase_reason}; and {reason}"
        set_aside += not p.common_phrase
        passages[o.target.passage] = dataclasses.replace(p, common_phrase=True, common_phrase_reason=reason)

    from core.evidence.controls import rejudge

    judged = rejudge(dataclasses.replace(result, passages=tuple(passages)), settings.thresholds, settings.seed)
    record = {
        **_model_record(reference.info),
        "declared": "not trained on this work (the user's declaration)",
        "rule": (
            f"a passage is a common phrase when this model, given the same preceding text "
            f"({settings.prefix_tokens} of its tokens), reproduces at least {REPRODUCED_SHARE:.0%} of its "
            "characters and at least the characters of the scan's confirm_tokens tokens"
        ),
        "passages": len(result.passages),
        "passages_checked": len(outcomes),
        "passages_reproduced": sum(o.common for o in outcomes),
        "passages_set_aside": set_aside,
        "passages_contested": contested,
        "verdict_before": result.summary.verdict,
        "seconds": round(time.perf_counter() - started, 3),
    }
    if cancel is not None and cancel.cancelled and len(outcomes) < total:
        record["incomplete"] = f"cancelled after {len(outcomes)} of {total} passages"
    provenance = {**result.provenance, PROVENANCE_KEY: record}
    return dataclasses.replace(judged, provenance=provenance)


def with_reference(
    result: ScanResult,
    reference: Backend,
    settings: ScanSettings | None = None,
    cancel: CancelToken | None = None,
    text: str | None = None,
) -> ScanResult:
    """`check_reference` run to its end."""
    return finish(check_reference(result, reference, settings, cancel, text))


def reference_record(result: ScanResult) -> dict[str, Any] | None:
    """What the reference-model test recorded in a result's provenance, or None when it was not run."""
    record = result.provenance.get(PROVENANCE_KEY)
    return record if isinstance(record, dict) else None
