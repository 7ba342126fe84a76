"""From seeds to spans: chain the seeds of one manuscript, extend and align each chain word by word.

Seeds (an n-gram that starts at output word j and manuscript word m) on nearly the same diagonal are
chained; each chain is extended outwards while words agree and aligned with rapidfuzz (Levenshtein
opcodes, Indel similarity). A chain too dissimilar as a whole is split at its widest gap and each side
tried again. Within one manuscript, a span that mostly repeats a stronger one is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Indel, Levenshtein

from core.ingest import Document
from core.match.results import EditOp, MatchSettings, MatchSpan
from core.match.words import IdArray, WordOffsets


@dataclass
class Chain:
    """Seeds chained on nearly one diagonal: the first and last seed's (output, manuscript) words."""

    j0: int
    m0: int
    j1: int
    m1: int
    seeds: list[tuple[int, int]]


def chain_seeds(seeds: list[tuple[int, int]], settings: MatchSettings) -> list[Chain]:
    """Chain (output word, manuscript word) seeds at most max_gap_words apart and max_shift_words off."""
    gap, shift = settings.max_gap_words, settings.max_shift_words
    chains: list[Chain] = []
    active: dict[int, list[Chain]] = {}
    for j, m in sorted(seeds):
        d = m - j
        best: Chain | None = None
        for dd in sorted(range(d - shift, d + shift + 1), key=lambda x: abs(x - d)):
            for c in active.get(dd, ()):
                if 0 < j - c.j1 <= gap and m > c.m1:
                    best = c
                    break
            if best is not None:
                active[dd].remove(best)
                break
        if best is None:
            best = Chain(j, m, j, m, [])
            chains.append(best)
        best.j1, best.m1 = j, m
        best.seeds.append((j, m))
        active.setdefault(d, []).append(best)
    return chains


def search_manuscript(
    seeds: list[tuple[int, int]],
    settings: MatchSettings,
    *,
    text: str,
    out_ids: IdArray,
    out_words: WordOffsets,
    document: Document,
    doc_ids: IdArray,
    doc_words: Callable[[], WordOffsets],
) -> list[MatchSpan]:
    """The spans one manuscript's seeds give for the output `text` (`doc_words` is asked only when needed)."""
    s = settings
    spans: list[MatchSpan] = []
    pending = [c.seeds for c in chain_seeds(seeds, s)]
    while pending:
        chain = pending.pop()
        span = _align(
            chain, s, text=text, out_ids=out_ids, out_words=out_words,
            document=document, doc_ids=doc_ids, doc_words=doc_words,
        )
        if span is not None:
            spans.append(span)
        elif len(chain) > 1 and chain[-1][0] - chain[0][0] + s.ngram_words >= s.min_words:
            # Too dissimilar as a whole: split at the widest gap between seeds and try each side.
            gaps = [b[0] - a[0] for a, b in zip(chain, chain[1:], strict=False)]
            cut = gaps.index(max(gaps)) + 1
            pending += [chain[:cut], chain[cut:]]
    return _best_per_region(spans)


def _align(
    chain: list[tuple[int, int]],
    settings: MatchSettings,
    *,
    text: str,
    out_ids: IdArray,
    out_words: WordOffsets,
    document: Document,
    doc_ids: IdArray,
    doc_words: Callable[[], WordOffsets],
) -> MatchSpan | None:
    """The span a chain gives once extended and aligned, or None when it is too short or too dissimilar."""
    s = settings
    n = s.ngram_words
    ids = doc_ids
    o_starts, o_ends = out_words
    j0, m0 = chain[0]
    j1, m1 = chain[-1][0] + n, chain[-1][1] + n
    j0, m0 = _extend(out_ids, ids, j0, m0, -1, s.edge_words)
    j1, m1 = _extend(out_ids, ids, j1, m1, 1, s.edge_words)
    if j1 - j0 < s.min_words:
        return None
    a, b = out_ids[j0:j1].tolist(), ids[m0:m1].tolist()
    similarity = 100.0 * Indel.normalized_similarity(a, b)
    if similarity < s.min_similarity:
        return None
    d_starts, d_ends = doc_words()
    edits: list[EditOp] = []
    longest = 0
    for op in Levenshtein.opcodes(a, b):
        if op.tag == "equal":
            longest = max(longest, op.src_end - op.src_start)
            continue
        kind = {"replace": "replace", "delete": "output_only", "insert": "manuscript_only"}[op.tag]
        edits.append(
            EditOp(
                kind,
                *_char_range(o_starts, o_ends, j0 + op.src_start, j0 + op.src_end),
                *_char_range(d_starts, d_ends, m0 + op.dest_start, m0 + op.dest_end),
            )
        )
    o_a, o_b = int(o_starts[j0]), int(o_ends[j1 - 1])
    m_a, m_b = int(d_starts[m0]), int(d_ends[m1 - 1])
    return MatchSpan(
        manuscript=document.path,
        manuscript_sha256=document.sha256,
        output_start=o_a,
        output_end=o_b,
        manuscript_start=m_a,
        manuscript_end=m_b,
        location=_location(document, m_a),
        words=j1 - j0,
        manuscript_words=m1 - m0,
        verbatim_words=longest,
        similarity=round(similarity, 2),
        output_text=text[o_a:o_b],
        manuscript_text=document.text[m_a:m_b],
        edits=tuple(edits),
    )


def _extend(a: IdArray, b: IdArray, i: int, j: int, step: int, after: int) -> tuple[int, int]:
    """Move a span's edge outwards while words agree, and past a changed word `after` agreeing words follow.

    (i, j) is the edge in `a` and `b`: going forward (step 1) the first words outside are a[i] and b[j],
    going back (step -1) a[i-1] and b[j-1].
    """
    la, lb = len(a), len(b)

    def agree(k0: int, k1: int) -> bool:
        for k in range(k0, k1):
            x, y = (i + k, j + k) if step > 0 else (i - 1 - k, j - 1 - k)
            if not (0 <= x < la and 0 <= y < lb) or a[x] != b[y]:
                return False
        return True

    while True:
        if agree(0, 1):
            i, j = i + step, j + step
        elif agree(1, 1 + after):
            i, j = i + step * (1 + after), j + step * (1 + after)
        else:
            return i, j


def _char_range(
    starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64], w0: int, w1: int
) -> tuple[int, int]:
    """Characters of words w0..w1-1; for no words, the point where they would be (a gap's start)."""
    if w1 > w0:
        return int(starts[w0]), int(ends[w1 - 1])
    point = int(ends[w0 - 1]) if w0 > 0 else int(starts[0])
    return point, point


def _best_per_region(spans: list[MatchSpan]) -> list[MatchSpan]:
    """Within one manuscript, drop a span whose output stretch mostly lies inside a stronger span's."""
    kept: list[MatchSpan] = []
    for sp in sorted(spans, key=lambda x: (-x.words * x.similarity, x.output_start, x.manuscript_start)):
        length = sp.output_end - sp.output_start
        if all(
            min(sp.output_end, k.output_end) - max(sp.output_start, k.output_start) < length / 2 for k in kept
        ):
            kept.append(sp)
    return kept


def _location(doc: Document, offset: int) -> str:
    for loc in doc.locations:
        if loc.start_char <= offset < loc.end_char:
            return loc.label
    return ""
