"""Block statistics: exact permutation p-values, their floor, effect intervals, binomial intervals."""

import math

import pytest

from core.stats.blocks import block_test, difference_interval, permutation_p, rate_interval


def test_permutation_p_is_exact_for_small_designs():
    # Every manuscript block above every control block: p is one arrangement in C(m + c, m).
    assert permutation_p([5.0, 6.0], [1.0, 2.0, 3.0]) == pytest.approx(1 / math.comb(5, 2))
    assert permutation_p([0.0, 0.1], [1.0, 2.0, 3.0]) == pytest.approx(1.0)
    assert permutation_p([], [1.0]) is None


def test_one_short_text_cannot_be_significant_however_many_windows_it_has():
    # A song with a chorus is one block, however strongly its windows agree with each other.
    stats = block_test("x", [9.0], [0.1 * i for i in range(8)])
    assert stats["p_value"] == pytest.approx(1 / 9)
    assert stats["smallest_possible_p"] == pytest.approx(1 / 9)


def test_monte_carlo_p_is_seeded_and_sensible_for_large_designs():
    m = [1.0 + 0.01 * i for i in range(30)]
    c = [0.01 * i for i in range(40)]
    p1, p2 = permutation_p(m, c, seed=3), permutation_p(m, c, seed=3)
    assert p1 == p2 and 0 < p1 < 1e-3


def test_difference_interval_brackets_the_difference():
    d, low, high = difference_interval([3.0, 3.5, 2.5, 3.2], [1.0, 1.2, 0.8, 1.1, 0.9])
    assert d == pytest.approx(2.05, abs=1e-9)
    assert low < d < high and low > 0


def test_rate_interval_is_exact_and_never_bare():
    r = rate_interval(0, 7)
    assert r["rate"] == 0.0 and r["low"] == 0.0 and r["high"] == pytest.approx(1 - 0.025 ** (1 / 7), abs=1e-6)
    assert rate_interval(0, 0)["rate"] is None
