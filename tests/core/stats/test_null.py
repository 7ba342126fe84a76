"""The chance model: fitted numbers, honest bounds, a tail heavier than geometric, the JSON round trip."""

import math

import numpy as np
import pytest

from core.stats.null import MIN_RUNS, NullModel, poisson_bounds, proportion_bounds


def _geometric_histogram(runs: int, q: float, seed: int = 0) -> dict[int, int]:
    """Run lengths 1 + Geometric(q) excess: P(length >= 1 + m) = q**m."""
    rng = np.random.default_rng(seed)
    lengths = 1 + rng.geometric(1 - q, size=runs) - 1
    hist: dict[int, int] = {}
    for n in lengths:
        hist[int(n)] = hist.get(int(n), 0) + 1
    return hist


def test_exact_bounds_match_their_closed_forms():
    # Zero events: Garwood's upper bound is -ln(0.025), Clopper-Pearson's is 1 - 0.025**(1/n).
    assert poisson_bounds(0) == (0.0, pytest.approx(-math.log(0.025), rel=1e-6))
    low, high = proportion_bounds(0, 7)
    assert low == 0.0 and high == pytest.approx(1 - 0.025 ** (1 / 7), rel=1e-6)
    low, high = proportion_bounds(7, 7)
    assert high == 1.0 and low == pytest.approx(0.025 ** (1 / 7), rel=1e-6)


def test_fit_recovers_a_known_geometric_tail_and_its_interval_covers_it():
    q = 0.55
    hist = _geometric_histogram(20_000, q)
    null = NullModel.fit([hist], tokens=50_000, source="simulated")
    assert null.q == pytest.approx(q, abs=0.02)
    assert null.q <= null.q_upper and q <= null.q_upper
    assert null.k0 >= 2 and sum(c for n, c in hist.items() if n >= null.k0) >= MIN_RUNS
    # Expected runs of the fitted lengths agree with the histogram they came from.
    for row in null.tail_check([null.k0, null.k0 + 2]):
        assert row["expected"] == pytest.approx(row["observed"], rel=0.35, abs=3)


def test_chance_grows_with_the_work_and_falls_with_the_passage():
    null = NullModel.fit([_geometric_histogram(5_000, 0.5)], tokens=12_000, source="simulated")
    assert null.chance_p(32, 100_000) > null.chance_p(32, 2_000)
    assert null.chance_p(40, 10_000) < null.chance_p(20, 10_000)
    assert 0.0 <= null.chance_p(64, 10_000) < 1e-6
    assert null.chance_p(1, 10_000) == pytest.approx(1.0)
    low, point, high = null.expected_interval(16, 10_000)
    assert low <= point <= high
    assert null.expected(16, 10_000, upper=True) == pytest.approx(high)


def test_a_tail_heavier_than_geometric_raises_the_bound_instead_of_hiding():
    base = _geometric_histogram(3_000, 0.4, seed=1)
    heavy = dict(base)
    for n in range(14, 30):  # boilerplate: a few runs that go on and on once they start
        heavy[n] = heavy.get(n, 0) + 3
    plain = NullModel.fit([base], tokens=10_000, source="plain")
    fat = NullModel.fit([heavy], tokens=10_000, source="heavy")
    assert fat.chance_p(32, 10_000) > 100 * plain.chance_p(32, 10_000)
    # The bound covers what was observed at every length in the bump: nothing long is called rare.
    for k in range(14, 30):
        observed = sum(c for n, c in heavy.items() if n >= k)
        assert fat.expected(k, 10_000, upper=True) >= 0.8 * observed


def test_histograms_are_pooled_and_the_json_round_trips():
    a, b = {"1": 30, "2": 10, "5": 1}, {1: 20, 3: 4}
    null = NullModel.fit([a, b], tokens=400, source="two texts")
    assert null.histogram == {1: 50, 2: 10, 3: 4, 5: 1}
    assert null.texts == 2
    back = NullModel.from_dict(null.to_dict())
    assert back == null
    assert back.chance_p(9, 1_000) == null.chance_p(9, 1_000)


def test_no_control_tokens_is_refused_in_one_sentence():
    with pytest.raises(ValueError, match="no control tokens"):
        NullModel.fit([], tokens=0, source="none")
