"""Manuscript against never-published text, with blocks of text as the unit.

Neighbouring tokens and neighbouring 50-token windows are strongly correlated (a chorus repeats, a
memorized page is memorized throughout), so counting thousands of windows as independent observations
gives false significance. Here each document is cut into blocks of about `block_tokens` tokens
(block_bounds) and the blocks are the observations: a one-sided permutation test of
the manuscript's blocks against the controls' blocks (exact when the number of arrangements is small,
otherwise seeded Monte Carlo), the difference of means as the effect size with a seeded bootstrap
interval, and exact binomial intervals for rates over a handful of control texts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.stats.null import CONFIDENCE, proportion_bounds


def block_bounds(n_tokens: int, block: int) -> list[tuple[int, int]]:
    """Split n_tokens into floor(n / block) equal blocks (one block when shorter): the unit of the tests.

    Neighbouring tokens, and neighbouring 50-token windows, are strongly correlated; blocks of about
    `block` tokens are treated as independent (the last one absorbs the remainder).
    """
    if n_tokens <= 0:
        return []
    k = max(1, n_tokens // max(1, block))
    edges = [round(i * n_tokens / k) for i in range(k + 1)]
    return [(edges[i], edges[i + 1]) for i in range(k)]

EXACT_LIMIT = 20_000
"""Up to this many arrangements the permutation test enumerates them all."""

MONTE_CARLO = 20_000
"""Otherwise this many random arrangements (seeded: the same inputs give the same p-value)."""

BOOTSTRAP = 2_000
"""Resamples for the effect's interval."""


def permutation_p(manuscript: Sequence[float], controls: Sequence[float], seed: int = 0) -> float | None:
    """One-sided p-value that the manuscript's blocks score higher than the controls' (mean difference).

    None when either side has no block. With m manuscript blocks among m + c, the smallest possible
    p-value is 1 / C(m + c, m): a short text against few controls cannot reach significance, by design.
    """
    m, c = len(manuscript), len(controls)
    if m == 0 or c == 0:
        return None
    values = np.asarray(list(manuscript) + list(controls), dtype=np.float64)
    total = float(values.sum())
    observed = float(values[:m].mean() - values[m:].mean())
    eps = 1e-12 * max(1.0, abs(observed))

    def diff(sum_m: float) -> float:
        return float(sum_m / m - (total - sum_m) / c)

    if math.comb(m + c, m) <= EXACT_LIMIT:
        hits = sum(diff(float(values[list(idx)].sum())) >= observed - eps
                   for idx in itertools.combinations(range(m + c), m))
        return float(hits / math.comb(m + c, m))
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(MONTE_CARLO):
        idx = rng.choice(m + c, size=m, replace=False)
        hits += diff(float(values[idx].sum())) >= observed - eps
    return float((hits + 1) / (MONTE_CARLO + 1))


def difference_interval(
    manuscript: Sequence[float], controls: Sequence[float], seed: int = 0, level: float = CONFIDENCE
) -> tuple[float, float, float] | None:
    """Mean of the manuscript's blocks minus the controls', with a percentile bootstrap interval."""
    if not manuscript or not controls:
        return None
    a, b = np.asarray(manuscript, dtype=np.float64), np.asarray(controls, dtype=np.float64)
    rng = np.random.default_rng(seed)
    diffs = (rng.choice(a, size=(BOOTSTRAP, a.size)).mean(axis=1)
             - rng.choice(b, size=(BOOTSTRAP, b.size)).mean(axis=1))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return float(a.mean() - b.mean()), float(low), float(high)


def block_test(
    name: str, manuscript: Sequence[float], controls: Sequence[float], seed: int = 0
) -> dict[str, Any]:
    """Permutation test and effect size for one per-block figure, as a JSON-ready record."""
    p = permutation_p(manuscript, controls, seed)
    effect = difference_interval(manuscript, controls, seed)
    out: dict[str, Any] = {
        "figure": name,
        "test": "one-sided permutation test over blocks (manuscript blocks score higher than control blocks)",
        "manuscript_blocks": len(manuscript),
        "control_blocks": len(controls),
        "p_value": p,
    }
    if p is not None:
        out["smallest_possible_p"] = 1 / math.comb(len(manuscript) + len(controls), len(manuscript))
    if effect is not None:
        out["difference"], out["difference_low"], out["difference_high"] = (round(x, 6) for x in effect)
        out["manuscript_mean"] = round(float(np.mean(manuscript)), 6)
        out["control_mean"] = round(float(np.mean(controls)), 6)
    return out


def rate_interval(events: int, trials: int) -> dict[str, Any]:
    """A rate over a few trials with its exact (Clopper-Pearson) 95 % interval."""
    low, high = proportion_bounds(events, trials)
    return {"events": events, "trials": trials, "rate": events / trials if trials else None,
            "low": round(low, 6), "high": round(high, 6), "confidence": CONFIDENCE}
