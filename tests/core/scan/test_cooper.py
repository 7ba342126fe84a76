"""Cooper et al.'s coverage@tau from scored windows (core/scan/cooper.py), with plain integers (issue 15 item 6)."""

import math

import numpy as np
import pytest

from core.scan.cooper import coverage_from_windows, window_starts

# Ten tokens of two characters each: a 20-character text.
OFFSETS = np.array([[2 * i, 2 * i + 2] for i in range(10)], dtype=np.int64)


def test_only_whole_windows_are_scored_and_the_last_one_always():
    # prefix 3, suffix 2 over 10 tokens: suffix starts 3..8.
    assert window_starts(10, 3, 2, 1) == [3, 4, 5, 6, 7, 8]
    assert window_starts(10, 3, 2, 4) == [3, 7, 8]
    assert window_starts(10, 3, 2, 5) == [3, 8]
    assert window_starts(4, 3, 2, 1) == []  # no whole window fits
    with pytest.raises(ValueError):
        window_starts(10, 3, 2, 0)


def test_coverage_counts_the_suffixes_of_windows_at_or_above_tau():
    log_pz = {3: math.log(0.5), 5: math.log(0.02), 7: math.log(0.0005)}
    cov = coverage_from_windows(log_pz, OFFSETS, 20, 2, taus={"1%": 0.01, "10%": 0.1, "50%": 0.5})
    # tau 1 %: windows 3 and 5 -> tokens 3,4,5,6 = 8 of 20 characters; tau 10 % and 50 %: window 3 only.
    assert cov == {"1%": 0.4, "10%": 0.2, "50%": 0.2}


def test_a_window_holding_a_context_copy_counts_zero():
    copied = np.zeros(10, dtype=bool)
    copied[6] = True
    log_pz = {3: math.log(0.5), 5: math.log(0.5)}
    cov = coverage_from_windows(log_pz, OFFSETS, 20, 2, copied, taus={"1%": 0.01})
    assert cov == {"1%": 0.2}  # window 5 covers tokens 5-6, and token 6 is a copy
