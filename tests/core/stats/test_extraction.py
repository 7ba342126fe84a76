"""Extraction risk: (n, p)-discoverability from p_z, for a passage and for a work."""

import math

import pytest

from core.stats.extraction import QUERIES, curve, discoverable, work_share


def test_one_sample_is_p_z_itself_and_more_samples_raise_the_odds():
    assert discoverable(0.2, 1) == pytest.approx(0.2)
    assert discoverable(0.2, 10) == pytest.approx(1 - 0.8**10)
    values = list(curve(0.01).values())
    assert values == sorted(values) and values[0] == pytest.approx(0.01)


def test_tiny_probabilities_are_not_lost_to_rounding():
    # 1 - (1 - 1e-18) ** 1000 is 0.0 in naive floating point; the true value is 1e-15.
    assert 1 - (1 - 1e-18) ** 1000 == 0.0
    assert discoverable(1e-18, 1000) == pytest.approx(1e-15, rel=1e-9)


def test_edges_and_bad_input():
    assert discoverable(0.0, 10_000) == 0.0
    assert discoverable(1.0, 1) == 1.0 and discoverable(1.0, 0) == 0.0
    assert discoverable(0.5, 0) == 0.0
    with pytest.raises(ValueError, match="probability"):
        discoverable(1.5, 1)
    with pytest.raises(ValueError, match="samples"):
        discoverable(0.5, -1)


def test_work_share_weights_windows_by_their_characters():
    # A 300-character window certain to come out and a 100-character one that never does: 75 % at any n >= 1.
    share = work_share([(300, 1.0), (100, 0.0)])
    assert set(share) == set(QUERIES)
    assert all(v == pytest.approx(0.75) for v in share.values())
    mixed = work_share([(100, 0.5), (100, 0.0)], queries=(1, 2))
    assert mixed == {1: pytest.approx(0.25), 2: pytest.approx(0.375)}
    assert work_share([]) == dict.fromkeys(QUERIES, 0.0)
    assert math.isclose(work_share([(0, 1.0), (50, 0.0)])[1], 0.0)
