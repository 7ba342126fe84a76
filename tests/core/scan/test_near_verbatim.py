"""Near-verbatim stretches: small edits kept inside, divergence and trailing noise left out."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.scan.near_verbatim import near_verbatim

AUTHOR = list(range(100, 140))  # 40 distinct "tokens"


def test_identical_output_is_one_stretch_without_edits():
    nv = near_verbatim(AUTHOR, AUTHOR)
    assert (nv.original_tokens, nv.generated_tokens, nv.edits, nv.differences) == (40, 40, 0, ())


def test_a_changed_word_does_not_end_the_stretch():
    out = list(AUTHOR)
    out[12] = 7  # one substitution in 40 tokens: 2.5 %
    nv = near_verbatim(AUTHOR, out)
    assert nv.original_tokens == 40 and nv.edits == 1
    assert [(d.kind, d.original, d.generated) for d in nv.differences] == [("replace", (12, 13), (12, 13))]


def test_a_left_out_and_an_added_token_are_edits_on_their_own_side():
    out = AUTHOR[:10] + AUTHOR[11:30] + [5] + AUTHOR[30:]
    nv = near_verbatim(AUTHOR, out)
    assert nv.original_tokens == 40 and nv.generated_tokens == 40 and nv.edits == 2
    kinds = {d.kind: (d.original, d.generated) for d in nv.differences}
    assert kinds["delete"] == ((10, 11), (10, 10))
    assert kinds["insert"] == ((30, 30), (29, 30))


def test_the_stretch_ends_where_the_output_leaves_the_text():
    out = AUTHOR[:25] + list(range(500, 515))  # 25 agreeing tokens, then the model's own words
    nv = near_verbatim(AUTHOR, out)
    assert nv.original_tokens == 25 and nv.edits == 0 and nv.differences == ()


def test_edits_beyond_the_tolerance_end_the_stretch():
    # 20 agreeing tokens, then every fourth token differs: 1 edit per 4 tokens soon passes 10 %.
    out = AUTHOR[:20] + [t if i % 4 else -t for i, t in enumerate(AUTHOR[20:])]
    nv = near_verbatim(AUTHOR, out, tolerance=0.10)
    assert 20 <= nv.original_tokens < 40
    assert nv.edits <= 0.10 * nv.original_tokens
    # A looser tolerance keeps more of the same output.
    assert near_verbatim(AUTHOR, out, tolerance=0.5).original_tokens == 40


def test_a_lone_shared_word_after_the_model_left_the_text_does_not_extend_the_stretch():
    # 30 agreeing tokens, two wrong ones, one shared word (a "the"), then the model's own words.
    out = AUTHOR[:30] + [1, 2, AUTHOR[32]] + list(range(600, 607))
    assert near_verbatim(AUTHOR, out).original_tokens == 30
    # Three agreeing tokens in a row are a return to the text.
    back = AUTHOR[:30] + [1, 2] + AUTHOR[32:35] + list(range(600, 605))
    assert near_verbatim(AUTHOR, back).original_tokens == 35


def test_zero_tolerance_is_the_exact_run():
    out = list(AUTHOR)
    out[17] = 3
    assert near_verbatim(AUTHOR, out, tolerance=0.0).original_tokens == 17


def test_tolerance_out_of_range_is_refused():
    with pytest.raises(ValueError, match="tolerance"):
        near_verbatim(AUTHOR, AUTHOR, tolerance=1.0)


def _leading(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


@given(
    st.lists(st.integers(0, 6), max_size=60),
    st.lists(st.integers(0, 6), max_size=60),
    st.sampled_from([0.0, 0.05, 0.1, 0.25]),
)
def test_never_shorter_than_the_exact_run_and_always_within_tolerance(a, b, tol):
    nv = near_verbatim(a, b, tol)
    assert nv.original_tokens >= _leading(a, b)
    assert nv.edits <= tol * nv.original_tokens + 1e-9
    assert nv.original_tokens <= len(a) and nv.generated_tokens <= len(b)
    for d in nv.differences:
        assert d.original[1] <= nv.original_tokens and d.generated[1] <= nv.generated_tokens
