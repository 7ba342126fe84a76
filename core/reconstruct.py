"""How much of the work comes out: the model rebuilds it from its opening alone (`--reconstruct`).

From only the first `seed_tokens` of the work (and of each chapter, when ingest's locations name
chapters), the model continues greedily; its output is compared with the author's text token by token,
exactly and with small edits allowed (core/scan/near_verbatim.py), after Cooper et al. 2025's whole-book
reconstruction. Unassisted (the default), a chapter's generation stops at the first divergence beyond the
near-verbatim tolerance. Assisted, the model is then re-seeded from the author's text at the point where
it left it (the author's token there is given, so the next attempt starts past it) and continues until the
chapter ends. Both are bounded by `max_generated_tokens` for the whole work; what the bound cut off is
recorded. The result is the JSON's `reconstruction` (docs/design.md): shares of the work's tokens that
came out exactly and near-verbatim, per chapter with the character stretches, and every generation, so
`verbatim verify` can replay it.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from core.errors import UserError
from core.ingest.document import Document, Location
from core.model.backend import Backend, IntArray
from core.results import ScanResult
from core.scan.near_verbatim import DEFAULT_TOLERANCE, near_verbatim
from core.scan.progress import CancelToken, ScanProgress
from core.scan.triage import with_bos

Mode = Literal["unassisted", "assisted"]

FIRST_STEP = 16
"""Tokens generated in a segment's first step (LEFT_AFTER: enough to tell the model left the text at once)."""
MAX_STEP = 64
"""Steps double up to this many tokens while the output stays on the text."""
LEFT_AFTER = 16
"""Output tokens past the end of the near-verbatim stretch after which the model has left the text."""
CONTEXT_TOKENS = 448
"""Prompt length cap: the seed and the output so far, most recent tokens kept (fits a 512-token context)."""
_GENERIC_LABEL = re.compile(r"^(paragraph|page|footnote|endnote|comment|note)s? \d+$", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class ReconstructOptions:
    """What `--reconstruct` does; recorded in the JSON's `reconstruction`."""

    assisted: bool = False
    """Re-seed from the author's text where the model left it (False: stop at the first divergence)."""
    seed_tokens: int = 50
    """Tokens of the author's text the model is given at the work's and each chapter's opening."""
    max_generated_tokens: int = 4096
    """Tokens generated for the whole work at most; past it the reconstruction stops (complete: false)."""
    tolerance: float = DEFAULT_TOLERANCE
    """Token edits allowed per token of a near-verbatim stretch."""

    @property
    def mode(self) -> Mode:
        return "assisted" if self.assisted else "unassisted"

    def validate(self) -> None:
        """UserError with one sentence when the options cannot work."""
        if self.seed_tokens < 1:
            raise UserError("--reconstruct-seed must be at least 1 token.")
        if self.max_generated_tokens < 1:
            raise UserError("--reconstruct-max must be at least 1 token.")
        if not 0.0 <= self.tolerance < 1.0:
            raise UserError("the near-verbatim tolerance must be at least 0 and below 1.")


@dataclass(frozen=True)
class Chapter:
    """A stretch of the work reconstructed on its own: [start_char, end_char) with its label."""

    label: str
    start_char: int
    end_char: int


def chapters(characters: int, locations: Sequence[Location]) -> list[Chapter]:
    """The chapters of a work of `characters` characters from ingest's locations; the whole work when none.

    Locations labelled by paragraph, page or note number are not chapters (plain text, PDF, DOCX); an
    EPUB's spine documents carry their chapter titles. Chapters tile the text from its first character.
    """
    named = [loc for loc in locations if not _GENERIC_LABEL.match(loc.label.strip())]
    if not named:
        return [Chapter("whole work", 0, characters)]
    starts = [0] + [loc.start_char for loc in named[1:]]
    ends = starts[1:] + [characters]
    return [Chapter(loc.label, s, e) for loc, s, e in zip(named, starts, ends, strict=True) if e > s]


@dataclass
class _Segment:
    start: int
    """Token index where the model's output takes over."""
    generated: list[int]
    verbatim: int
    near: int
    """Author tokens the near-verbatim stretch covers (at least `verbatim`)."""


def exact_run(original: Sequence[int], generated: Sequence[int]) -> int:
    """Leading tokens the output reproduces exactly."""
    n = 0
    for a, b in zip(original, generated, strict=False):
        if a != b:
            break
        n += 1
    return n


def _measure(author: IntArray, start: int, end: int, out: list[int], tolerance: float) -> tuple[int, int, int]:
    """(exact run, near-verbatim author tokens, its output tokens) of `out` against author[start:end]."""
    window = [int(t) for t in author[start : min(end, start + len(out) + len(out) // 4 + 4)]]
    nv = near_verbatim(window, out, tolerance)
    return exact_run(window, out), max(nv.original_tokens, exact_run(window, out)), nv.generated_tokens


def _segment(
    backend: Backend, ids: IntArray, start: int, end: int, seed: int, budget: int, tolerance: float
) -> _Segment:
    """Generate from the `seed` author tokens before `start` until the output leaves the text (or `end`).

    Steps start at FIRST_STEP tokens and double while the output stays on the author's text; the model
    has left it when LEFT_AFTER output tokens follow the near-verbatim stretch, or when it stops (EOS).
    """
    prompt_start = max(0, start - seed)
    out: list[int] = []
    step = FIRST_STEP
    verbatim = near = 0
    while len(out) < budget:
        context = np.concatenate([ids[prompt_start:start], np.asarray(out, dtype=np.int64)])[-CONTEXT_TOKENS:]
        n = min(step, budget - len(out))
        new = backend.generate(with_bos(context[np.newaxis, :].astype(np.int64), backend.bos_id), n)[0]
        stop = np.flatnonzero(new < 0)
        out.extend(int(t) for t in (new[: int(stop[0])] if stop.size else new))
        verbatim, near, used = _measure(ids, start, end, out, tolerance)
        if stop.size or start + near >= end or len(out) - used >= LEFT_AFTER:
            break
        step = min(MAX_STEP, step * 2)
    return _Segment(start, out, verbatim, near)


def _stretches(segments: Sequence[_Segment], offsets: IntArray) -> list[list[Any]]:
    """[start_char, end_char, kind] for each segment's exact run and its near-verbatim extension, merged."""
    out: list[list[Any]] = []

    def add(a: int, b: int, kind: str) -> None:
        if b <= a:
            return
        s, e = int(offsets[a][0]), int(offsets[b - 1][1])
        if out and out[-1][2] == kind and out[-1][1] >= s:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e, kind])

    for seg in segments:
        add(seg.start, seg.start + seg.verbatim, "verbatim")
        add(seg.start + seg.verbatim, seg.start + seg.near, "near-verbatim")
    return out


def reconstruct(
    text: str,
    backend: Backend,
    options: ReconstructOptions,
    locations: Sequence[Location] = (),
    cancel: CancelToken | None = None,
    ids_offsets: tuple[IntArray, IntArray] | None = None,
) -> Generator[ScanProgress, None, dict[str, Any]]:
    """Reconstruct the work chapter by chapter; yields progress, returns the JSON's `reconstruction`.

    `ids_offsets`: the text already tokenized by `backend` (ids, offsets), to save tokenizing it again.
    A cancel stops between generation steps; the record then says complete: false.
    """
    options.validate()
    started = time.perf_counter()
    if ids_offsets is None:
        tokens = backend.tokenize(text)
        ids_offsets = (tokens.ids, tokens.offsets)
    ids, offsets = ids_offsets
    # A token belongs to the chapter its last character is in (a leading space may sit before the chapter).
    ends = np.asarray(offsets[:, 1]) if len(ids) else np.zeros(0, dtype=np.int64)
    parts = chapters(len(text), locations)
    budget = options.max_generated_tokens
    records: list[dict[str, Any]] = []
    stopped = ""
    for number, chapter in enumerate(parts):
        first = int(np.searchsorted(ends, chapter.start_char, side="right"))
        end = int(np.searchsorted(ends, chapter.end_char, side="right"))
        segments: list[_Segment] = []
        position = first + options.seed_tokens
        while position < end and not stopped:
            if cancel is not None and cancel.cancelled:
                stopped = "cancelled"
                break
            if budget <= 0:
                stopped = "max_generated_tokens"
                break
            seg = _segment(backend, ids, position, end, options.seed_tokens, min(budget, end - position),
                           options.tolerance)
            budget -= len(seg.generated)
            segments.append(seg)
            yield _progress(number, len(parts), chapter, position - first, end - first)
            if not options.assisted:
                break
            position = seg.start + seg.near + 1  # the author's token where the model left the text is given
        records.append(_chapter_record(chapter, first, end, options.seed_tokens, segments, offsets, backend))
        if stopped:
            break
    return _record(options, records, len(ids), len(parts), stopped, time.perf_counter() - started)


def _progress(number: int, total: int, chapter: Chapter, done: int, size: int) -> ScanProgress:
    return ScanProgress(
        stage="reconstruct", done=number, total=total, positions_done=1, positions_total=1, tokens_per_s=0.0,
        eta_s=None, message=f"Reconstructing {chapter.label}: {done:,} of {size:,} tokens",
    )


def _chapter_record(
    chapter: Chapter, first: int, end: int, seed: int, segments: Sequence[_Segment], offsets: IntArray,
    backend: Backend,
) -> dict[str, Any]:
    return {
        "chapter": chapter.label,
        "start_char": chapter.start_char,
        "end_char": chapter.end_char,
        "tokens": end - first,
        "seed_tokens": min(seed, end - first),
        "generated_tokens": sum(len(s.generated) for s in segments),
        "verbatim_tokens": sum(s.verbatim for s in segments),
        "near_verbatim_tokens": sum(s.near for s in segments),
        "stretches": _stretches(segments, offsets),
        "segments": [
            {"start_char": int(offsets[s.start][0]), "generated": backend.decode(s.generated)} for s in segments
        ],
    }


def _record(
    options: ReconstructOptions, chapters_done: list[dict[str, Any]], work_tokens: int, planned: int,
    stopped: str, seconds: float,
) -> dict[str, Any]:
    verbatim = sum(c["verbatim_tokens"] for c in chapters_done)
    near = sum(c["near_verbatim_tokens"] for c in chapters_done)
    return {
        "mode": options.mode,
        "seed_tokens": options.seed_tokens,
        "max_generated_tokens": options.max_generated_tokens,
        "tolerance": options.tolerance,
        "work_tokens": work_tokens,
        "generated_tokens": sum(c["generated_tokens"] for c in chapters_done),
        "verbatim_tokens": verbatim,
        "near_verbatim_tokens": near,
        "verbatim_share": verbatim / work_tokens if work_tokens else 0.0,
        "near_verbatim_share": near / work_tokens if work_tokens else 0.0,
        "chapters_planned": planned,
        "complete": not stopped and len(chapters_done) == planned,
        "stopped": stopped,
        "seconds": round(seconds, 3),
        "chapters": chapters_done,
    }


def attach_reconstruction(
    result: ScanResult, document: Document, backend: Backend, options: ReconstructOptions,
    cancel: CancelToken | None = None,
) -> Generator[ScanProgress, None, ScanResult]:
    """The scan's result with `reconstruction` filled in for `document` (the scanned text and its chapters)."""
    record = yield from reconstruct(document.text, backend, options, document.locations, cancel)
    return dataclasses.replace(result, reconstruction=record)


def options_from_record(record: dict[str, Any]) -> ReconstructOptions:
    """The options a recorded `reconstruction` ran with (for `verbatim verify` to replay it)."""
    return ReconstructOptions(
        assisted=record.get("mode") == "assisted", seed_tokens=int(record["seed_tokens"]),
        max_generated_tokens=int(record["max_generated_tokens"]), tolerance=float(record["tolerance"]),
    )


def replay_differences(recorded: dict[str, Any], replayed: dict[str, Any]) -> list[str]:
    """Where a replayed reconstruction's generations differ from the recorded ones, one sentence each."""
    out: list[str] = []
    old, new = recorded.get("chapters", []), replayed.get("chapters", [])
    if len(old) != len(new):
        out.append(f"the report reconstructed {len(old)} chapters, the replay {len(new)}.")
    for a, b in zip(old, new, strict=False):
        segs_a, segs_b = a.get("segments", []), b.get("segments", [])
        if len(segs_a) != len(segs_b):
            out.append(f"{a.get('chapter')}: the report has {len(segs_a)} generations, the replay {len(segs_b)}.")
        for sa, sb in zip(segs_a, segs_b, strict=False):
            if sa != sb:
                k = next((i for i, (x, y) in enumerate(zip(sa["generated"], sb["generated"], strict=False))
                          if x != y), min(len(sa["generated"]), len(sb["generated"])))
                out.append(f"{a.get('chapter')}, generation from character {sa['start_char']:,}: differs from "
                           f"character {k}: the report has {sa['generated'][k:k + 40]!r}, the model now wrote "
                           f"{sb['generated'][k:k + 40]!r}.")
                break
    return out
