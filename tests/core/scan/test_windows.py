import numpy as np
import pytest

from core.scan.windows import (
    Chunk,
    char_span,
    covered_tokens,
    heat_bins,
    hit_runs,
    leading_matches,
    plan_chunks,
    split_run,
    token_mask_to_char_share,
    window_sums,
)


def scored_positions(chunks):
    out = []
    for c in chunks:
        out.extend(range(c.score_from, c.end))
    return out


@pytest.mark.parametrize("n", [1, 5, 10, 11, 37, 100, 1000, 1023])
@pytest.mark.parametrize(("chunk", "overlap"), [(10, 3), (16, 0), (64, 16), (8, 7)])
def test_plan_chunks_scores_every_position_once_with_context(n, chunk, overlap):
    chunks = plan_chunks(n, chunk, overlap)
    assert scored_positions(chunks) == list(range(n))
    assert len({c.length for c in chunks}) == 1  # equal lengths: no padding, batch-independent
    for c in chunks:
        assert 0 <= c.start and c.end <= n
        if c.start > 0:
            assert c.score_from - c.start >= overlap


def test_plan_chunks_examples():
    assert plan_chunks(0, 10, 2) == []
    assert plan_chunks(10, 4, 1) == [Chunk(0, 4, 0), Chunk(3, 4, 4), Chunk(6, 4, 7)]
    # The last window shifts left to keep its length: it starts at 10 - 4 = 6 here, not 8.
    assert plan_chunks(9, 4, 1) == [Chunk(0, 4, 0), Chunk(3, 4, 4), Chunk(5, 4, 7)]
    with pytest.raises(ValueError):
        plan_chunks(10, 3, 3)


def test_plan_chunks_cost_is_about_one_plus_overlap_over_chunk():
    n, chunk, overlap = 100_000, 1024, 128
    chunks = plan_chunks(n, chunk, overlap)
    computed = sum(c.length for c in chunks)
    assert computed / n == pytest.approx(1 + overlap / (chunk - overlap), rel=0.01)


def test_hit_runs():
    hits = np.array([1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1], dtype=bool)
    assert hit_runs(hits, 1) == [(0, 2), (3, 6), (8, 12)]
    assert hit_runs(hits, 3) == [(3, 6), (8, 12)]
    assert hit_runs(hits, 5) == []
    assert hit_runs(np.zeros(0, dtype=bool), 1) == []
    assert hit_runs(np.ones(4, dtype=bool), 4) == [(0, 4)]


def test_split_run_and_leading_matches():
    assert split_run(10, 35, 10) == [(10, 20), (20, 30), (30, 35)]
    assert split_run(0, 5, 10) == [(0, 5)]
    assert leading_matches(np.array([1, 2, 3, 9]), np.array([1, 2, 3, 4])) == 3
    assert leading_matches(np.array([1, 2]), np.array([1, 2, 3])) == 2
    assert leading_matches(np.array([5]), np.array([1])) == 0


def test_char_span_maps_tokens_back_to_characters():
    offsets = np.array([[0, 3], [3, 7], [7, 8], [8, 12]])
    assert char_span(offsets, 0, 2) == (0, 7)
    assert char_span(offsets, 1, 4) == (3, 12)
    assert char_span(offsets, 2, 2) == (7, 7)
    assert char_span(offsets, 4, 4) == (12, 12)
    assert char_span(offsets, 3, 10) == (8, 12)


def test_window_sums_and_coverage():
    v = np.array([-1.0, -1.0, -np.inf, -0.5, -0.5, -0.5])
    sums = window_sums(v, 2)
    assert sums.tolist() == [-2.0, -np.inf, -np.inf, -1.0, -1.0]
    ok = sums >= -1.0
    assert covered_tokens(ok, 2, 6).tolist() == [False, False, False, True, True, True]
    assert window_sums(v, 7).size == 0


def test_token_mask_to_char_share_and_heat_bins():
    offsets = np.array([[0, 5], [5, 10], [10, 20]])
    assert token_mask_to_char_share(np.array([True, False, True]), offsets, 20) == pytest.approx(0.75)
    bins = heat_bins(np.array([0.0, 1.0, 0.5]), offsets, 20, 4)
    assert bins == (0.0, 1.0, 0.5, 0.5)  # the last token covers characters 10-19: bins 2 and 3
    # More bins than tokens: a run stays one stretch, and a bin takes the strongest token reaching it.
    fine = heat_bins(np.array([0.0, 1.0, 0.5]), offsets, 20, 20)
    assert fine == (0.0,) * 5 + (1.0,) * 5 + (0.5,) * 10


def test_context_copy_marks_repeats_within_the_lookback_only():
    from core.scan.windows import context_copy_mask

    ids = np.array([1, 2, 3, 4, 9, 9, 1, 2, 3, 4, 5], dtype=np.int64)
    # The second "1 2 3 4": its 4th token ends a repeated 4-gram; the first occurrence is never a copy.
    assert context_copy_mask(ids, lookback=100, ngram=4).tolist() == [False] * 9 + [True, False]
    assert context_copy_mask(ids, lookback=100, ngram=2).tolist() == [False] * 7 + [True, True, True, False]
    # Too far back to be in any probe's context: not a copy.
    assert not context_copy_mask(ids, lookback=5, ngram=4).any()
    assert not context_copy_mask(ids[:3], lookback=100, ngram=4).any()


def test_run_histogram_longest_run_and_blocks():
    from core.scan.windows import longest_run_within, run_length_histogram
    from core.stats.blocks import block_bounds

    mask = np.array([1, 1, 0, 1, 1, 1, 0, 0, 1], dtype=bool)
    assert run_length_histogram(mask) == {1: 1, 2: 1, 3: 1}
    assert longest_run_within(mask, 0, 9) == 3
    assert longest_run_within(mask, 4, 9) == 2
    assert longest_run_within(mask, 6, 8) == 0
    assert block_bounds(2501, 1000) == [(0, 1250), (1250, 2501)]
    assert block_bounds(300, 1000) == [(0, 300)]
    assert block_bounds(0, 1000) == []


def test_context_copy_mask_equals_a_plain_loop_on_random_texts():
    from core.scan.windows import context_copy_mask

    def plain(ids, lookback, ngram):
        out, last = np.zeros(len(ids), dtype=bool), {}
        for i in range(ngram - 1, len(ids)):
            key = tuple(ids[i - ngram + 1 : i + 1])
            if key in last and i - last[key] <= lookback:
                out[i] = True
            last[key] = i
        return out

    rng = np.random.default_rng(7)
    for _ in range(200):
        ids = rng.integers(0, int(rng.integers(2, 12)), size=int(rng.integers(0, 200)))
        for ngram in (1, 2, 3, 4, 5):
            for lookback in (2, 30, 500):
                assert (context_copy_mask(ids, lookback, ngram) == plain(ids, lookback, ngram)).all()
