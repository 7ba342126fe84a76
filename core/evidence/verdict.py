"""From confirmed passages to a verdict, with the thresholds that produced it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.results import Passage, Summary, Verdict
from core.settings import Thresholds


def verbatim_token_mask(passages: Sequence[Passage], n_tokens: int) -> np.ndarray:
    """Tokens inside confirmed, non-common passages' verbatim spans."""
    mask = np.zeros(n_tokens, dtype=bool)
    for p in passages:
        if not p.common_phrase:
            mask[p.start_token : p.start_token + p.verbatim_tokens] = True
    return mask


def decide(longest: int, share: float, t: Thresholds) -> tuple[Verdict, str]:
    """The verdict rule, documented in the README and printed in every report."""
    if longest >= t.memorized_tokens:
        return "memorized", (
            f"a passage of {longest} tokens was regenerated verbatim "
            f"(rule: at least {t.memorized_tokens} tokens means memorized)"
        )
    if share >= t.memorized_share:
        return "memorized", (
            f"{share:.1%} of the work's tokens were regenerated verbatim "
            f"(rule: at least {t.memorized_share:.0%} means memorized)"
        )
    if longest >= t.inconclusive_tokens:
        return "inconclusive", (
            f"the longest passage regenerated verbatim has {longest} tokens "
            f"(rule: {t.inconclusive_tokens}-{t.memorized_tokens - 1} tokens is inconclusive)"
        )
    return "no-evidence", (
        f"no passage of at least {t.inconclusive_tokens} tokens was regenerated verbatim "
        f"outside common phrases (longest: {longest})"
    )


def summarize(
    passages: Sequence[Passage],
    n_tokens: int,
    coverage: dict[str, float],
    candidates: int,
    thresholds: Thresholds,
    complete: bool = True,
) -> Summary:
    """Headline figures and the verdict for one work."""
    own = [p for p in passages if not p.common_phrase]
    longest = max((p.verbatim_tokens for p in own), default=0)
    share = float(verbatim_token_mask(passages, n_tokens).sum()) / n_tokens if n_tokens else 0.0
    verdict, reason = decide(longest, share, thresholds)
    if not complete:
        reason += "; the scan was cancelled, so this covers only the part scanned"
    return Summary(
        verdict=verdict,
        score=round(min(1.0, longest / thresholds.memorized_tokens), 4),
        longest_verbatim_tokens=longest,
        verbatim_token_share=round(share, 6),
        coverage=coverage,
        candidates=candidates,
        confirmed=len(passages),
        common_phrases=len(passages) - len(own),
        reason=reason,
    )
