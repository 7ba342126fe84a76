"""Extraction risk under sampling: how likely someone pulls a passage out of the model by asking again and again.

p_z (Cooper et al. 2025) is the probability that one sampled continuation reproduces the author's suffix
exactly, under the stated decoding scheme (top-k 40, temperature 1: the scan's `p_extract`). Hayes et al.
2025 call a passage (n, p)-discoverable when at least one of n samples reproduces it with probability p;
that probability is 1 - (1 - p_z)^n, computed here without losing tiny p_z to rounding. For a whole work,
the expected share of its characters that n queries per window would pull out is the character-weighted
mean of the same probability over the windows whose p_z was measured.

Limits, stated wherever these figures are shown: p_z is measured for the prompts the scan used (the
author's own preceding text); other prompts, other decoding settings or a chat template can make a passage
easier or harder to extract, and a p_z of 0 means a token fell outside the top 40, not that no prompt works.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

DECODING = "top-k 40, temperature 1"
"""The sampling scheme p_z is measured under (core/scan/probes.py)."""

QUERIES = (1, 10, 100, 1_000, 10_000)
"""The numbers of samples the curves are drawn at."""


def discoverable(p_z: float, n: int) -> float:
    """Probability that at least one of `n` independent samples reproduces a passage of probability `p_z`."""
    if not 0.0 <= p_z <= 1.0:
        raise ValueError(f"p_z must be a probability, not {p_z}")
    if n < 0:
        raise ValueError(f"the number of samples must be 0 or more, not {n}")
    if p_z == 1.0:
        return 1.0 if n > 0 else 0.0
    return -math.expm1(n * math.log1p(-p_z))


def curve(p_z: float, queries: Sequence[int] = QUERIES) -> dict[int, float]:
    """`discoverable` at each number of samples in `queries`."""
    return {n: discoverable(p_z, n) for n in queries}


def work_share(windows: Iterable[tuple[int, float]], queries: Sequence[int] = QUERIES) -> dict[int, float]:
    """Expected share of a work's characters extractable within n samples per window, for each n.

    `windows` are (characters of the window's suffix, its p_z) for every window whose p_z was measured;
    the suffixes should not overlap (the scan's standard windows tile the text). An empty work gives 0.
    """
    pairs = [(chars, p) for chars, p in windows if chars > 0]
    total = sum(chars for chars, _ in pairs)
    if total == 0:
        return dict.fromkeys(queries, 0.0)
    return {n: sum(chars * discoverable(p, n) for chars, p in pairs) / total for n in queries}
