"""What a match is set up with and what it produces: settings, spans, records of the inputs, the result.

All frozen dataclasses; `MatchResult.to_dict` is the JSON form (schema "verbatim.match/1") that the CLI
writes and the PDF carries. `difference_ranges` turns a span's edit operations into the character
ranges the GUI and the PDF mark.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "verbatim.match/1"


@dataclass(frozen=True)
class MatchSettings:
    """How output text is matched against manuscripts. Every field is written into the JSON."""

    ngram_words: int = 5
    """Seed length: a shared run of this many normalized words marks a place worth aligning. Five words
    rarely repeat by chance outside stock phrases, and one changed word only hides the five seeds that
    contain it, so near-verbatim copies still seed."""

    min_words: int = 20
    """A span must cover at least this many words of the output. Twenty words is about two sentences
    (about 26 tokens), between the scan's inconclusive (16) and memorized (32 tokens) thresholds, and
    twice the longest span unrelated texts share: every Shakespeare scene against the whole KJV gives
    1,691 spans of 5 or more words, 3 of 8 or more, 1 of 10 and none longer (bench/bench_match.py)."""

    min_similarity: float = 90.0
    """A span's words must agree at least this much (0-100, normalized Indel similarity of the two word
    sequences): 90 allows about one changed word in ten."""

    max_gap_words: int = 12
    """Seeds at most this many words apart in the output are chained into one span; a changed word
    leaves a gap of n-gram length + 1, so 12 bridges two nearby changes."""

    max_shift_words: int = 3
    """Chained seeds may shift by at most this many words between output and manuscript (words added
    or left out)."""

    edge_words: int = 2
    """At a span's ends, a changed word is taken in when at least this many agreeing words follow it:
    seeds of n words cannot reach a change fewer than n words from an end. The span's similarity must
    still hold."""

    max_seed_hits: int = 1000
    """An n-gram found more often than this across all manuscripts is too common to seed a span (stock
    phrases); its neighbours still do."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping of every setting."""
        return dataclasses.asdict(self)

    def validate(self) -> None:
        """Raise ValueError with one sentence when settings cannot work together."""
        if self.ngram_words < 1:
            raise ValueError("ngram_words must be at least 1.")
        if self.min_words < self.ngram_words:
            raise ValueError("min_words must be at least ngram_words.")
        if not 0.0 <= self.min_similarity <= 100.0:
            raise ValueError("min_similarity must be between 0 and 100.")
        if self.max_gap_words < 1 or self.max_shift_words < 0 or self.max_seed_hits < 1 or self.edge_words < 1:
            raise ValueError(
                "max_gap_words, max_seed_hits and edge_words must be at least 1, max_shift_words at least 0."
            )


@dataclass(frozen=True)
class EditOp:
    """One difference inside a span. Offsets are characters of the output and of the manuscript text."""

    kind: str
    """"replace" (words changed), "output_only" (words the output added) or "manuscript_only" (words of
    the manuscript the output left out). An empty range marks where the missing words would go."""
    output_start: int
    output_end: int
    manuscript_start: int
    manuscript_end: int


@dataclass(frozen=True)
class MatchSpan:
    """A stretch of the output that replicates a stretch of one manuscript."""

    manuscript: str
    """Path of the manuscript, as given."""
    manuscript_sha256: str
    output_start: int
    """Character offsets of the span in the output text."""
    output_end: int
    manuscript_start: int
    """Character offsets of the span in the manuscript's normalized text (as `verbatim extract` prints)."""
    manuscript_end: int
    location: str
    """Where in the manuscript ("chapter 2", "page 3"), when its format records it; else ""."""
    words: int
    """Words of the output in the span."""
    manuscript_words: int
    verbatim_words: int
    """The longest run of words the output reproduces exactly (normalized)."""
    similarity: float
    """Normalized Indel similarity of the two word sequences, 0-100."""
    output_text: str
    manuscript_text: str
    edits: tuple[EditOp, ...] = ()
    """Every difference, in order; none for a verbatim span."""


@dataclass(frozen=True)
class ManuscriptRecord:
    """A manuscript searched, with the hashes that identify it."""

    path: str
    sha256: str
    """SHA-256 of the file as read from disk."""
    size_bytes: int
    format: str
    text_sha256: str
    """SHA-256 of the normalized text (UTF-8) that was searched."""
    characters: int
    words: int


@dataclass(frozen=True)
class OutputRecord:
    """The text the model produced, as checked."""

    source: str
    """The file it was read from, "-" for standard input, or "pasted"."""
    sha256: str
    """SHA-256 of the file's bytes (of the text's UTF-8 when it was not read from a file)."""
    text_sha256: str
    characters: int
    words: int
    text: str


@dataclass(frozen=True)
class MatchResult:
    """Everything a match produced: the inputs, the spans, and how."""

    output: OutputRecord
    manuscripts: tuple[ManuscriptRecord, ...]
    spans: tuple[MatchSpan, ...]
    settings: MatchSettings
    skipped: tuple[tuple[str, str], ...] = ()
    """Files in a folder that could not be read: (path, the reason in one sentence)."""
    provenance: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, schema "verbatim.match/1"."""
        return {
            "schema": SCHEMA,
            "output": dataclasses.asdict(self.output),
            "manuscripts": [dataclasses.asdict(m) for m in self.manuscripts],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "spans": [dataclasses.asdict(s) for s in self.spans],
            "summary": self.summary(),
            "settings": self.settings.to_dict(),
            "provenance": dict(self.provenance),
        }

    def summary(self) -> dict[str, Any]:
        """Counts a reader wants first: spans, manuscripts hit, output words covered."""
        covered = _covered([(s.output_start, s.output_end) for s in self.spans])
        return {
            "spans": len(self.spans),
            "manuscripts_matched": len({s.manuscript for s in self.spans}),
            "longest_span_words": max((s.words for s in self.spans), default=0),
            "longest_verbatim_words": max((s.verbatim_words for s in self.spans), default=0),
            "output_characters_covered": covered,
            "output_share_covered": covered / self.output.characters if self.output.characters else 0.0,
        }


def _covered(ranges: Iterable[tuple[int, int]]) -> int:
    total, end = 0, -1
    for a, b in sorted(ranges):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def difference_ranges(span: MatchSpan) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The words that differ, as character ranges inside `output_text` and inside `manuscript_text`."""
    out = [(e.output_start - span.output_start, e.output_end - span.output_start)
           for e in span.edits if e.output_end > e.output_start]
    ms = [(e.manuscript_start - span.manuscript_start, e.manuscript_end - span.manuscript_start)
          for e in span.edits if e.manuscript_end > e.manuscript_start]
    return out, ms
