"""Locating a chat answer in the manuscript: pure index math on plain integers."""

from core.chatprobe.align import NgramIndex, locate

WORK = list(range(100, 200))  # a manuscript of 100 distinct tokens


def test_an_answer_with_a_preamble_is_found_where_it_joins_the_text():
    answer = [1, 2, 3] + WORK[40:70]  # "Sure! Here it is:" then 30 tokens of the work
    where = locate(NgramIndex(WORK), answer, expected=40)
    assert where.found
    assert (where.start, where.end) == (40, 70)
    assert (where.output_start, where.output_end) == (3, 33)
    assert where.verbatim_tokens == where.near_verbatim_tokens == 30
    assert where.near_verbatim_edits == 0


def test_one_changed_token_ends_the_exact_run_but_not_the_near_verbatim_stretch():
    answer = WORK[10:30] + [7] + WORK[31:50]  # token 30 replaced
    where = locate(NgramIndex(WORK), answer, expected=10)
    assert where.verbatim_tokens == 20
    assert where.near_verbatim_tokens == 40 and where.near_verbatim_edits == 1
    assert (where.start, where.end) == (10, 50)


def test_the_longest_exact_run_counts_even_when_it_is_not_the_first():
    answer = WORK[0:5] + [7, 8] + WORK[7:37]
    where = locate(NgramIndex(WORK), answer, expected=0)
    assert where.verbatim_tokens == 30
    assert where.near_verbatim_tokens >= 30


def test_an_answer_sharing_no_four_tokens_is_not_found():
    where = locate(NgramIndex(WORK), [1, 2, 3, 4, 5, 100, 101, 102, 9], expected=0)
    assert not where.found
    assert where.verbatim_tokens == where.near_verbatim_tokens == 0


def test_a_repeated_text_is_matched_at_the_place_the_prompt_points_at():
    refrain = [1, 2, 3, 4, 5, 6, 7, 8]
    work = refrain + list(range(100, 140)) + refrain + list(range(200, 240))
    near_second = locate(NgramIndex(work), refrain, expected=48)
    near_first = locate(NgramIndex(work), refrain, expected=0)
    assert (near_second.start, near_first.start) == (48, 0)
    assert locate(NgramIndex(work), refrain, expected=None).start == 0  # a title prompt: the earliest
