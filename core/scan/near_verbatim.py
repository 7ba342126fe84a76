"""Near-verbatim reproduction: how far the model's output stays on the author's text, small edits allowed.

A model that changes one article in a copied page has still copied the page. The exact count
(`verbatim_tokens`) stops at the first differing token; this module aligns the model's output with the
author's text token by token (rapidfuzz's Levenshtein alignment, insertions, deletions and substitutions
each one edit) and reports the longest stretch from the passage's start whose edits stay within a stated
tolerance of its length (default 10 %, after Cooper et al. 2026's near-verbatim extraction). The stretch
always ends on at least MIN_AGREEMENT agreeing tokens in a row, so trailing noise and a lone common word
("the") after the model has left the text never lengthen it, and it is never shorter than the exact run
it begins with.

The verdict does not use these spans (docs/design.md, "verdict rule"): a chance model for near-verbatim
runs is not calibrated yet. They are shown beside the exact count, with the differences marked.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

DEFAULT_TOLERANCE = 0.10
"""Edits allowed per token of the stretch (10 %)."""
MIN_AGREEMENT = 3
"""Agreeing tokens in a row a stretch must end on (after an edit): one shared word is not a return to the text."""


@dataclass(frozen=True, kw_only=True)
class Difference:
    """One place where the model's output differs from the author's text inside the stretch.

    Half-open token ranges: `original` in the author's text, `generated` in the model's output. A
    substitution has both non-empty; a token the model left out has an empty `generated`; a token the
    model added has an empty `original`.
    """

    kind: str
    """"replace", "delete" (left out by the model) or "insert" (added by the model)."""
    original: tuple[int, int]
    generated: tuple[int, int]


@dataclass(frozen=True, kw_only=True)
class NearVerbatim:
    """The longest near-verbatim stretch from the start of an alignment."""

    original_tokens: int
    """Tokens of the author's text the stretch covers: `near_verbatim_tokens`."""
    generated_tokens: int
    """Tokens of the model's output the stretch covers."""
    edits: int
    """Token edits inside the stretch (0 when it is exactly verbatim)."""
    tolerance: float
    differences: tuple[Difference, ...]

    @property
    def edit_rate(self) -> float:
        """Edits per author token of the stretch (0 for an empty stretch)."""
        return self.edits / self.original_tokens if self.original_tokens else 0.0


def near_verbatim(
    original: Sequence[Hashable],
    generated: Sequence[Hashable],
    tolerance: float = DEFAULT_TOLERANCE,
    min_agreement: int = MIN_AGREEMENT,
) -> NearVerbatim:
    """The longest stretch, from the first token, whose token edit distance is within `tolerance` of its length.

    `original` is the author's text from the passage's first token on, `generated` the model's output from
    the same point (both as token ids, or any comparable items). The alignment is rapidfuzz's minimal
    Levenshtein alignment of the two whole sequences; a stretch ends after an agreeing block (the first
    one, or one of at least `min_agreement` tokens), and it is kept when its edits are at most `tolerance`
    times the author tokens it covers.
    """
    if not 0.0 <= tolerance < 1.0:
        raise ValueError(f"tolerance must be in [0, 1), not {tolerance}")
    best = (0, 0, 0, 0)  # author tokens, output tokens, edits, differences kept
    edits = 0
    differences: list[Difference] = []
    for op in Levenshtein.opcodes(list(original), list(generated)):
        if op.tag == "equal":
            returned = op.src_start == 0 or op.src_end - op.src_start >= min_agreement
            if returned and edits <= tolerance * op.src_end:
                best = (op.src_end, op.dest_end, edits, len(differences))
            continue
        edits += max(op.src_end - op.src_start, op.dest_end - op.dest_start)
        differences.append(Difference(
            kind=op.tag, original=(op.src_start, op.src_end), generated=(op.dest_start, op.dest_end)
        ))
    n_orig, n_gen, n_edits, kept = best
    return NearVerbatim(
        original_tokens=n_orig,
        generated_tokens=n_gen,
        edits=n_edits,
        tolerance=tolerance,
        differences=tuple(differences[:kept]),
    )
