"""The heatmap's set-aside codes (core/scan/heat.py), with plain integers (issue 15 item 7)."""

from dataclasses import replace

import numpy as np

from core.scan.heat import COMMON_PHRASE, CONTEXT_COPY, NOTHING, set_aside_bins, set_aside_tokens
from tests.helpers.results import make_passage

TEXT = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"


def _passage(start_token: int, verbatim: int, common: bool):
    p = make_passage(TEXT, 0, 20, common=common)
    return replace(p, start_token=start_token, end_token=start_token + verbatim, verbatim_tokens=verbatim)


def test_common_phrases_and_copies_inside_passages_are_coded_and_the_rest_is_not():
    copied = np.zeros(20, dtype=bool)
    copied[[3, 12, 18]] = True  # 18 lies in no passage: a copy nobody reproduced is not drawn
    passages = [_passage(2, 4, common=False), _passage(10, 4, common=True)]
    codes = set_aside_tokens(passages, copied)
    expected = np.zeros(20, dtype=np.int8)
    expected[3] = CONTEXT_COPY
    expected[10:14] = COMMON_PHRASE
    expected[12] = CONTEXT_COPY
    assert codes.tolist() == expected.tolist()


def test_bins_keep_the_largest_code_of_the_tokens_reaching_them():
    # Four tokens of 5 characters each over a 20-character text, 4 bins: one token per bin.
    offsets = np.array([[0, 5], [5, 10], [10, 15], [15, 20]], dtype=np.int64)
    codes = np.array([NOTHING, COMMON_PHRASE, CONTEXT_COPY, NOTHING], dtype=np.int8)
    assert set_aside_bins(codes, offsets, 20, 4) == (0, 1, 2, 0)
    # Two bins: tokens 0-1 and 2-3; a copy outranks a common phrase where both meet.
    assert set_aside_bins(np.array([1, 0, 1, 2], dtype=np.int8), offsets, 20, 2) == (1, 2)
    assert set_aside_bins(np.zeros(0, dtype=np.int8), offsets[:0], 0, 3) == (0, 0, 0)
