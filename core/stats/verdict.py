"""From confirmed passages to a verdict, with the chance model and the thresholds that produced it.

The rule (README "The verdict rule", docs/design.md §4.2), for one work and one model:

- `not-determined`: the text is shorter than `min_tokens`, or the scan was cancelled before it found
  anything;
- `memorized`: a confirmed passage, not a common phrase, not contested, of at least `memorized_tokens`
  evidence tokens whose chance probability (the chance model's upper bound that a run this long occurs
  anywhere in a never-published work of this length, for this model) is below `alpha`; or, with at least
  `share_min_tokens` evidence tokens in confirmed passages, more passages of `candidate_run_tokens` or more
  than chance allows (Poisson test against the chance model's upper bound, p below `alpha`), or a share of
  evidence tokens above the controls' in a block permutation test at `share_alpha` when the controls are
  the author's own unpublished writing (`share["same_author"]`);
- `inconclusive`: a passage of at least `inconclusive_tokens` evidence tokens whose chance probability is
  below `inconclusive_alpha`; or, with at least `share_min_tokens` evidence tokens, the passage count test
  above with p below `inconclusive_alpha` (not `alpha`); or the share test above against controls of other genres
  (`share-other-genre`: genre could explain the difference); or a long passage the declared reference model also reproduced
  (`contested`: the declaration is in doubt, so the passage neither counts nor is discounted); or, before a
  chance model exists (controls not scanned), any passage of `inconclusive_tokens` or more;
- `no-evidence`: otherwise.

Evidence tokens are the verbatim tokens the model could not have copied from the text before them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from core.results import SCHEMA, Passage, ScanResult, Summary, Verdict
from core.settings import Thresholds
from core.stats.blocks import block_bounds
from core.stats.null import NullModel


def verbatim_token_mask(passages: Sequence[Passage], n_tokens: int) -> np.ndarray:
    """Tokens inside confirmed, non-common passages' verbatim spans."""
    mask = np.zeros(n_tokens, dtype=bool)
    for p in passages:
        if not p.common_phrase:
            mask[p.start_token : p.start_token + p.verbatim_tokens] = True
    return mask


def evidence_token_count(passages: Sequence[Finding]) -> int:
    """Evidence tokens in confirmed, non-common, uncontested passages (each passage counted once)."""
    return sum(p.evidence for p in passages if not p.common_phrase and not p.contested)


def block_shares(passages: Sequence[Passage], n_tokens: int, block: int) -> list[float]:
    """Per block: the share of its tokens inside confirmed, non-common passages' evidence stretches.

    A passage's evidence tokens are counted from its first token (where the copy-free stretch lies inside
    the verbatim span is not kept; at block scale the difference is at most one passage's length).
    """
    mask = np.zeros(n_tokens, dtype=bool)
    for p in passages:
        if not p.common_phrase and not p.contested:
            mask[p.start_token : p.start_token + p.evidence] = True
    return [float(mask[a:b].mean()) for a, b in block_bounds(n_tokens, block)]


class Finding(Protocol):
    """What the rule reads of a passage (a full Passage, or a control's passage kept in brief)."""

    @property
    def evidence(self) -> int: ...
    @property
    def chance_p(self) -> float | None: ...
    @property
    def common_phrase(self) -> bool: ...
    @property
    def contested(self) -> bool: ...


def passage_count_test(
    counted: Sequence[Finding], n_tokens: int, t: Thresholds, null: NullModel | None
) -> dict[str, Any] | None:
    """Too many passages for chance: a Poisson test of the passages of candidate_run_tokens or more.

    The confirmed passages of at least candidate_run_tokens evidence tokens are set against the chance
    model's upper bound of how many such runs a never-published text this long holds.

    Runs are counted as a Poisson process (the chance model's assumption, checked out of sample by
    bench/calibrate_null.py); None without a chance model.
    """
    if null is None:
        return None
    from scipy.stats import poisson

    length = t.candidate_run_tokens
    observed = sum(p.evidence >= length for p in counted)
    expected = null.expected(length, n_tokens, upper=True)
    p_value = float(poisson.sf(observed - 1, expected)) if observed else 1.0
    return {"length": length, "observed": observed, "expected_upper": expected, "p_value": p_value}


def _fmt_p(p: float) -> str:
    return "< 1e-12" if p < 1e-12 else f"{p:.2g}"


def _count_words(count: dict[str, Any]) -> str:
    """The passage count test's finding, up to its p-value (the caller closes the parenthesis)."""
    return (
        f"{count['observed']} passages of at least {count['length']} tokens were regenerated verbatim; for "
        f"this model chance alone gives at most {count['expected_upper']:.2g} in a never-published text of "
        f"this length (Poisson p = {_fmt_p(count['p_value'])}"
    )


def decide(
    passages: Sequence[Finding],
    n_tokens: int,
    t: Thresholds,
    null: NullModel | None,
    share: dict[str, Any] | None,
    complete: bool = True,
) -> tuple[Verdict, str, str]:
    """(verdict, rule id, reason in words) for one work; the module docstring states the rule."""
    own = [p for p in passages if not p.common_phrase]
    counted = [p for p in own if not p.contested]
    if n_tokens < t.min_tokens:
        return "not-determined", "too-short", (
            f"the text has {n_tokens} tokens; at least {t.min_tokens} are needed to judge it"
        )
    if not complete and not own:
        return "not-determined", "cancelled", "the scan was cancelled before any passage was confirmed"
    longest = max(counted, key=lambda p: (p.evidence, -(p.chance_p or 0.0)), default=None)
    strong = [p for p in counted if p.evidence >= t.memorized_tokens and p.chance_p is not None
              and p.chance_p < t.alpha]
    if strong:
        best = max(strong, key=lambda p: p.evidence)
        assert best.chance_p is not None
        return "memorized", "passage", (
            f"a passage of {best.evidence} tokens was regenerated verbatim; for this model a run that long "
            f"arises by chance anywhere in a never-published text of this length with probability at most "
            f"{_fmt_p(best.chance_p)} (rule: at least {t.memorized_tokens} tokens and a chance below {t.alpha:g})"
        )
    evidence = evidence_token_count(passages)
    count = passage_count_test(counted, n_tokens, t, null)
    if count is not None and count["p_value"] < t.alpha and evidence >= t.share_min_tokens:
        return "memorized", "passages", (
            f"{_count_words(count)}; rule: p below {t.alpha:g} with at least {t.share_min_tokens} such tokens)"
        )
    p_share = share.get("p_value") if share else None
    if p_share is not None and share is not None and p_share < t.share_alpha and evidence >= t.share_min_tokens:
        words = (
            f"{share['manuscript_mean']:.1%} of the work's tokens lie in passages regenerated verbatim, against "
            f"{share['control_mean']:.1%} in never-published text (block permutation test p = {_fmt_p(p_share)}; "
            f"rule: p below {t.share_alpha:g} with at least {t.share_min_tokens} such tokens"
        )
        if share.get("same_author"):
            return "memorized", "share", words + ")"
        # Against controls of other genres the share test measures genre as much as memory: boilerplate
        # is more predictable than the bundled controls (bench/RESULTS-calibration.md), and the chance
        # model's own test (rule "passages") found no excess above. Only the author's own unpublished
        # writing, which shares the work's style and subject, lets this test decide.
        return "inconclusive", "share-other-genre", (
            words + "; the controls are not the author's own unpublished writing, so a difference in genre "
            "could explain it, and the chance model finds no more passages than chance allows)"
        )
    if count is not None and count["p_value"] < t.inconclusive_alpha and evidence >= t.share_min_tokens:
        # Many short passages, more than the chance model's upper bound allows, but not beyond alpha: with
        # few control tokens that bound is wide (Qwen2.5-Coder's KJV Genesis 1: 10 passages of 8+ tokens
        # where at most 4.3 are expected, p 0.013; bench/RESULTS-calibration.md). Not evidence enough for
        # `memorized`, too much to call `no-evidence`.
        return "inconclusive", "passages", (
            f"{_count_words(count)}: below {t.inconclusive_alpha:g}, not below {t.alpha:g} as memorized needs; "
            "more never-published controls, best your own, narrow the bound)"
        )
    contested = [p for p in own if p.contested]
    if contested:
        worst = max(contested, key=lambda p: p.evidence)
        return "inconclusive", "contested", (
            f"the declared reference model also reproduced a passage of {worst.evidence} tokens, which "
            f"puts its declaration in doubt: that passage neither counts as evidence nor is discounted"
        )
    if longest is None or longest.evidence < t.inconclusive_tokens:
        size = longest.evidence if longest else 0
        return "no-evidence", "none", (
            f"no passage of at least {t.inconclusive_tokens} tokens was regenerated verbatim outside common "
            f"phrases and context copies (longest: {size})"
        )
    if null is None:
        return "inconclusive", "no-chance-model", (
            f"the longest passage regenerated verbatim has {longest.evidence} tokens, but no chance model "
            "was estimated (no never-published controls were scanned), and `memorized` needs one"
        )
    mid = [p for p in counted if p.evidence >= t.inconclusive_tokens and p.chance_p is not None
           and p.chance_p < t.inconclusive_alpha]
    if mid:
        best = max(mid, key=lambda p: p.evidence)
        assert best.chance_p is not None
        return "inconclusive", "passage", (
            f"the longest passage regenerated verbatim that chance does not explain has {best.evidence} "
            f"tokens (chance at most {_fmt_p(best.chance_p)}; memorized needs {t.memorized_tokens} tokens and "
            f"a chance below {t.alpha:g})"
        )
    assert longest.chance_p is not None
    return "no-evidence", "chance", (
        f"the longest passage regenerated verbatim has {longest.evidence} tokens, and for this model a run "
        f"that long arises by chance in a never-published text of this length with probability "
        f"{_fmt_p(longest.chance_p)} (rule: below {t.inconclusive_alpha:g} for inconclusive)"
    )


def with_chance(passages: Sequence[Passage], n_tokens: int, null: NullModel | None) -> tuple[Passage, ...]:
    """The passages with chance_p from `null` (None without one)."""
    return tuple(
        dataclasses.replace(p, chance_p=None if null is None else null.chance_p(p.evidence, n_tokens))
        for p in passages
    )


def summarize(
    passages: Sequence[Passage],
    n_tokens: int,
    coverage: dict[str, float],
    candidates: int,
    thresholds: Thresholds,
    complete: bool = True,
    null: NullModel | None = None,
    share: dict[str, Any] | None = None,
    context_copy_tokens: int = 0,
) -> Summary:
    """Headline figures and the verdict for one work (passages must already carry their chance_p)."""
    own = [p for p in passages if not p.common_phrase]
    counted = [p for p in own if not p.contested]
    longest = max((p.evidence for p in counted), default=0)
    share_value = evidence_token_count(passages) / n_tokens if n_tokens else 0.0
    verdict, rule, reason = decide(passages, n_tokens, thresholds, null, share, complete)
    if not complete and verdict != "not-determined":
        reason += "; the scan was cancelled, so this covers only the part scanned"
    expected = interval = None
    if null is not None:
        low, expected, high = null.expected_interval(thresholds.inconclusive_tokens, n_tokens)
        interval = (round(low, 6), round(high, 6))
        expected = round(expected, 6)
    return Summary(
        verdict=verdict,
        score=round(min(1.0, longest / thresholds.memorized_tokens), 4),
        longest_verbatim_tokens=longest,
        verbatim_token_share=round(share_value, 6),
        coverage=coverage,
        candidates=candidates,
        confirmed=len(passages),
        common_phrases=len(passages) - len(own),
        reason=reason,
        rule=rule,
        alpha=thresholds.alpha,
        observed_passages=sum(p.evidence >= thresholds.inconclusive_tokens for p in counted),
        expected_chance_passages=expected,
        expected_chance_interval=interval,
        context_copy_tokens=context_copy_tokens,
    )


def judge(
    result: ScanResult,
    thresholds: Thresholds,
    null: NullModel | None,
    share: dict[str, Any] | None = None,
) -> ScanResult:
    """The result with every passage's chance_p and the summary recomputed under `null` and `share`."""
    n = result.manuscript.tokens
    passages = with_chance(result.passages, n, null)
    summary = summarize(
        passages, n, result.summary.coverage, result.summary.candidates, thresholds, result.complete,
        null, share, result.summary.context_copy_tokens,
    )
    # Judged now, it carries schema 2's fields whatever schema it was read from.
    return dataclasses.replace(
        result, passages=passages, summary=summary, null_model=None if null is None else null.to_dict(),
        schema=SCHEMA,
    )
