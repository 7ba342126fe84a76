"""The verdict rule with a chance model: each branch, and the cases the fixed thresholds got wrong."""

from dataclasses import dataclass

import pytest

from core.settings import Thresholds
from core.stats.null import NullModel
from core.stats.verdict import decide

T = Thresholds()


@dataclass(frozen=True)
class F:
    evidence: int
    chance_p: float | None
    common_phrase: bool = False
    contested: bool = False


def _null(q: float = 0.5) -> NullModel:
    # 10,000 never-published tokens; 4,000 runs geometric with continuation q from length 1.
    hist = {n: round(4000 * (1 - q) * q ** (n - 1)) for n in range(1, 400)}
    hist = {n: c for n, c in hist.items() if c > 0}
    return NullModel.fit([hist], tokens=10_000, source="test")


def test_a_long_passage_chance_cannot_explain_is_memorized():
    null = _null()
    p = null.chance_p(40, 5_000)
    assert p < T.alpha
    verdict, rule, reason = decide([F(40, p)], 5_000, T, null, None)
    assert (verdict, rule) == ("memorized", "passage")
    assert "40 tokens" in reason and "0.001" in reason


def test_a_long_passage_chance_explains_is_not_memorized():
    # A model that continues almost everything (q = 0.9): a 34-token run is expected in a long work.
    null = _null(0.9)
    p = null.chance_p(34, 150_000)
    assert p > T.inconclusive_alpha
    verdict, rule, _ = decide([F(34, p)], 150_000, T, null, None)
    assert (verdict, rule) == ("no-evidence", "chance")


def test_between_the_floors_is_inconclusive_when_chance_is_small():
    null = _null(0.3)
    p = null.chance_p(20, 5_000)
    assert p < T.inconclusive_alpha
    assert decide([F(20, p)], 5_000, T, null, None)[:2] == ("inconclusive", "passage")


def test_without_a_chance_model_the_verdict_is_at_most_inconclusive():
    assert decide([F(200, None)], 5_000, T, None, None)[:2] == ("inconclusive", "no-chance-model")
    assert decide([F(12, None)], 5_000, T, None, None)[0] == "no-evidence"


def test_an_eight_token_phrase_in_a_short_poem_is_not_memorized():
    # The old share rule made one 8-token phrase in a 160-token poem "memorized" (5 % of the work).
    null = _null()
    share = {"p_value": 1 / 9, "manuscript_mean": 0.05, "control_mean": 0.004}
    assert decide([F(8, null.chance_p(8, 160))], 160, T, null, share)[0] == "no-evidence"


def test_the_share_rule_needs_significance_and_enough_tokens():
    null = _null()
    many = [F(12, null.chance_p(12, 3_000)) for _ in range(8)]  # 96 evidence tokens
    strong = {"p_value": 0.005, "manuscript_mean": 0.12, "control_mean": 0.004, "same_author": True}
    weak = {**strong, "p_value": 0.03}
    assert decide(many, 3_000, T, null, strong)[:2] == ("memorized", "share")
    assert decide(many, 3_000, T, null, weak)[0] != "memorized"
    assert decide(many[:4], 3_000, T, null, strong)[0] != "memorized"  # 48 < share_min_tokens


def test_contested_and_common_passages():
    null = _null()
    long_p = null.chance_p(60, 5_000)
    assert decide([F(60, long_p, contested=True)], 5_000, T, null, None)[:2] == ("inconclusive", "contested")
    assert decide([F(60, long_p, common_phrase=True)], 5_000, T, null, None)[0] == "no-evidence"


@pytest.mark.parametrize("tokens", [0, 40, 99])
def test_too_short_to_judge(tokens):
    verdict, rule, reason = decide([], tokens, T, _null(), None)
    assert (verdict, rule) == ("not-determined", "too-short")
    assert str(T.min_tokens) in reason


def test_cancelled_before_anything_was_found_is_not_determined():
    assert decide([], 5_000, T, _null(), None, complete=False)[:2] == ("not-determined", "cancelled")


def test_many_passages_chance_cannot_explain_are_memorized_without_a_long_one():
    # The KJV sample with the default model: about twenty 8-24-token passages where chance allows a few.
    null = _null(0.4)
    many = [F(12 + i % 9, null.chance_p(12 + i % 9, 2_500)) for i in range(18)]
    verdict, rule, reason = decide(many, 2_500, T, null, None)
    assert (verdict, rule) == ("memorized", "passages")
    assert "18 passages of at least 8 tokens" in reason
    # A handful of such passages is what chance gives: no verdict from the count.
    assert decide(many[:3], 2_500, T, null, None)[1] != "passages"


def test_the_share_test_against_other_genres_is_never_memorized():
    # The Gemma calibration: a never-published terms-of-service text reached the smallest possible share
    # p (3 blocks above all 7 bundled control blocks) with 48 evidence tokens; a longer one would pass
    # the 64-token floor. Against controls of other genres that is inconclusive at most.
    null = _null()
    many = [F(12, null.chance_p(12, 3_000)) for _ in range(8)]  # 96 evidence tokens
    bundled = {"p_value": 1 / 120, "manuscript_mean": 0.015, "control_mean": 0.001, "same_author": False}
    verdict, rule, reason = decide(many, 3_000, T, null, bundled)
    assert (verdict, rule) == ("inconclusive", "share-other-genre")
    assert "genre" in reason
    old_report = {k: v for k, v in bundled.items() if k != "same_author"}  # written before the flag
    assert decide(many, 3_000, T, null, old_report)[0] == "inconclusive"


def test_more_passages_than_chance_allows_but_not_beyond_alpha_is_inconclusive():
    # Qwen2.5-Coder-1.5B on KJV Genesis 1: ten 8-26-token passages where the chance model's upper bound
    # allows 4.3; Poisson p 0.013, below 0.05 but not below alpha.
    null = _null(0.4)
    n = 2_500
    expected = null.expected(T.candidate_run_tokens, n, upper=True)
    from scipy.stats import poisson

    k = next(k for k in range(1, 200) if poisson.sf(k - 1, expected) < T.inconclusive_alpha)
    assert poisson.sf(k - 1, expected) > T.alpha, "this null must leave a gap between the two levels"
    some = [F(9, null.chance_p(9, n)) for _ in range(k)]
    assert sum(p.evidence for p in some) >= T.share_min_tokens
    verdict, rule, reason = decide(some, n, T, null, None)
    assert (verdict, rule) == ("inconclusive", "passages")
    assert f"{k} passages of at least 8 tokens" in reason and "not below 0.001" in reason
    # One passage fewer is what chance allows at 0.05: no verdict from the count.
    assert decide(some[:-1], n, T, null, None)[0] == "no-evidence"
    # Too few evidence tokens in all: the count alone never decides.
    assert decide([F(8, null.chance_p(8, n)) for _ in range(k)][:7], n, T, null, None)[0] == "no-evidence"
