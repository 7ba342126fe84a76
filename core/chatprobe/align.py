"""Where a chat model's answer meets the author's text: a pure alignment of token ids, tested with integers.

A chat model rarely answers with the author's text alone: it may open with "Sure! Here is the text:",
start mid-sentence, or recite a passage from somewhere else in the work. So a probe's output is not
compared from its first token with one place in the manuscript; it is located in the whole manuscript.
Every `SEED_TOKENS`-token n-gram of the output is looked up in an index of the manuscript's n-grams;
the diagonal (manuscript position minus output position) holding the most seeds is where the output
best matches (a tie goes to the diagonal nearest the place the prompt points at). On that diagonal the
longest run of equal tokens is `verbatim_tokens`, and from the start of each run the near-verbatim
aligner (core/scan/near_verbatim.py) measures the longest stretch within the tolerance:
`near_verbatim_tokens` is the best of them, so it is never shorter than the exact run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from core.scan.near_verbatim import near_verbatim

SEED_TOKENS = 4
"""Tokens a shared n-gram needs to count as a meeting point (three shared tokens happen by chance)."""


class NgramIndex:
    """Every SEED_TOKENS-gram of the manuscript's token ids, with the positions it starts at."""

    def __init__(self, ids: Sequence[int], n: int = SEED_TOKENS) -> None:
        self.ids = [int(i) for i in ids]
        self.n = n
        self._at: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for i in range(len(self.ids) - n + 1):
            self._at[tuple(self.ids[i : i + n])].append(i)

    def seeds(self, query: Sequence[int]) -> list[tuple[int, int]]:
        """(query position, manuscript position) of every shared n-gram."""
        q = [int(i) for i in query]
        return [(j, m) for j in range(len(q) - self.n + 1) for m in self._at.get(tuple(q[j : j + self.n]), ())]


@dataclass(frozen=True, kw_only=True)
class Located:
    """Where an output meets the manuscript, in tokens; all zero with `found` False when it never does."""

    found: bool
    verbatim_tokens: int
    """The longest run of output tokens equal to consecutive manuscript tokens (on the best diagonal)."""
    near_verbatim_tokens: int
    """The longest near-verbatim stretch (in manuscript tokens) starting at a run on that diagonal."""
    near_verbatim_edits: int
    output_start: int
    """First output token of the matched stretch."""
    output_end: int
    start: int
    """First manuscript token of the matched stretch."""
    end: int
    """Manuscript token after the stretch."""


NOT_FOUND = Located(found=False, verbatim_tokens=0, near_verbatim_tokens=0, near_verbatim_edits=0,
                    output_start=0, output_end=0, start=0, end=0)


def _runs(ids: Sequence[int], out: Sequence[int], diagonal: int) -> list[tuple[int, int]]:
    """Maximal runs (output start, length) where out[j] == ids[j + diagonal]."""
    runs: list[tuple[int, int]] = []
    start = -1
    for j in range(len(out) + 1):
        m = j + diagonal
        equal = j < len(out) and 0 <= m < len(ids) and out[j] == ids[m]
        if equal and start < 0:
            start = j
        elif not equal and start >= 0:
            runs.append((start, j - start))
            start = -1
    return runs


def locate(index: NgramIndex, output: Sequence[int], expected: int | None = None,
           tolerance: float = 0.10) -> Located:
    """Where `output` best matches the manuscript `index` holds (see the module docstring).

    `expected`: the manuscript token the prompt points at (a continuation's next token), which wins a
    tie between equally good places; None for title prompts.
    """
    out = [int(i) for i in output]
    seeds = index.seeds(out)
    if not seeds:
        return NOT_FOUND
    count: dict[int, int] = defaultdict(int)
    first: dict[int, int] = {}
    for j, m in seeds:
        count[m - j] += 1
        first[m - j] = min(j, first.get(m - j, j))

    def rank(d: int) -> tuple[int, int]:
        place = d + first[d]  # the manuscript token where the diagonal's first seed starts
        return (-count[d], abs(place - expected) if expected is not None else place)

    diagonal = min(count, key=rank)
    ids = index.ids
    runs = _runs(ids, out, diagonal)
    verbatim = max(length for _, length in runs)
    best = None
    for j0, _ in runs:
        m0 = j0 + diagonal
        nv = near_verbatim(ids[m0 : m0 + len(out) - j0 + len(out) // 4 + 8], out[j0:], tolerance)
        if best is None or nv.original_tokens > best[0].original_tokens:
            best = (nv, j0, m0)
    assert best is not None  # a seed lies on the diagonal, so there is a run
    nv, j0, m0 = best
    return Located(found=True, verbatim_tokens=verbatim, near_verbatim_tokens=nv.original_tokens,
                   near_verbatim_edits=nv.edits, output_start=j0, output_end=j0 + nv.generated_tokens,
                   start=m0, end=m0 + nv.original_tokens)
