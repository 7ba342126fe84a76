"""The reference-model common-phrase test on the deterministic fake backend, and its character mapping."""

import dataclasses

import numpy as np
import pytest

from core.evidence.reference import (
    PROVENANCE_KEY,
    check_reference,
    needed_chars,
    reference_targets,
    reproduced_chars,
    with_reference,
)
from core.model.fake import FakeBackend
from core.report.jsonio import result_from_json, result_to_json
from core.scan.engine import run_scan
from core.settings import ScanSettings, Thresholds
from tests.helpers.docs import document
from tests.helpers.generators import drain
from tests.helpers.results import judged

STORY = (
    "Tom Bombadil walked the long road past seven mills where the river bends twice before the sea, "
    "carrying a lantern of green glass that his grandmother had bought from a tinker in exchange for "
    "three geese, a promise, and the recipe for a pie that nobody in the valley could ever reproduce."
)
PHRASE = "all the king's horses and all the king's men could not put the lamp together again"
FRESH = (
    "Marguerite sorted the buttons by colour first and then by the number of holes, because her "
    "brother insisted that four-holed buttons were older, a claim nobody had ever checked. "
)
MORE = "The ferry left at noon and came back empty, as it had done every Thursday since the flood. "
TEXT = FRESH + STORY + " " + MORE + PHRASE + ". " + FRESH
# Without the swapped-context test, so that only the reference decides what is a common phrase.
SETTINGS = ScanSettings(chunk_tokens=32, overlap_tokens=8, prefix_tokens=8, suffix_tokens=8,
                        common_phrase_check=False)


@pytest.fixture(scope="module")
def scanned():
    result = judged(run_scan(document(TEXT), FakeBackend(memorized=(STORY, PHRASE)), SETTINGS))
    assert result.summary.verdict == "memorized" and len(result.passages) == 2
    assert not any(p.common_phrase for p in result.passages)
    return result


def in_story(p):
    a = TEXT.index(STORY)
    return a <= p.start_char < a + len(STORY)


def test_reference_that_knows_one_phrase_flags_only_that_passage(scanned):
    reference = FakeBackend(memorized=(PHRASE,))
    reference.info = dataclasses.replace(reference.info, name="old-reference-model")
    out = with_reference(scanned, reference)
    story = [p for p in out.passages if in_story(p)]
    phrase = [p for p in out.passages if not in_story(p)]
    assert len(story) == 1 and len(phrase) == 1
    assert not story[0].common_phrase and story[0].common_phrase_reason == ""
    p = phrase[0]
    assert p.common_phrase
    chars = len(TEXT[p.start_char : p.end_char].strip())
    assert p.common_phrase_reason == (
        f"the reference model old-reference-model, named as not trained on this work, also reproduces "
        f"{chars} of {chars} characters from the same prompt: predictable text, not evidence of memorizing "
        "this work"
    )
    # The summary is recomputed: the phrase no longer counts, the story still makes the verdict.
    assert out.summary.common_phrases == 1 and scanned.summary.common_phrases == 0
    assert out.summary.verdict == "memorized"
    assert out.summary.verbatim_token_share < scanned.summary.verbatim_token_share
    record = out.provenance[PROVENANCE_KEY]
    assert record["name"] == "old-reference-model"
    assert record["sha256"] == reference.info.sha256 and record["files"][0]["sha256"] == reference.info.sha256
    assert (record["passages"], record["passages_checked"], record["passages_set_aside"]) == (2, 2, 1)
    assert record["verdict_before"] == "memorized"
    # Nothing else about the scan changes, and the original result is untouched (frozen).
    assert out.heatmap == scanned.heatmap and out.settings == scanned.settings
    assert [q.start_char for q in out.passages] == [q.start_char for q in scanned.passages]
    assert PROVENANCE_KEY not in scanned.provenance


@pytest.mark.parametrize("knows", [(PHRASE,), (STORY, PHRASE), ()])
def test_a_generate_only_reference_reaches_the_same_outcome(scanned, knows):
    """A reference behind Ollama or llama-server cannot score: it generates step by step, same greedy decoding."""
    scoring = with_reference(scanned, FakeBackend(memorized=knows))
    generating = with_reference(scanned, FakeBackend(memorized=knows, can_score=False))
    assert generating.passages == scoring.passages and generating.summary == scoring.summary
    for key in ("passages_checked", "passages_reproduced", "passages_set_aside"):
        assert generating.provenance[PROVENANCE_KEY][key] == scoring.provenance[PROVENANCE_KEY][key]


def test_reference_that_memorized_nothing_flags_nothing(scanned):
    out = with_reference(scanned, FakeBackend())
    assert out.passages == scanned.passages
    assert out.summary == scanned.summary
    record = out.provenance[PROVENANCE_KEY]
    assert record["passages_checked"] == 2 and record["passages_reproduced"] == 0
    assert record["passages_set_aside"] == 0


def test_a_long_passage_the_reference_also_reproduces_is_contested_not_erased(scanned):
    """A model declared ignorant of the work that reproduces a memorized-length passage casts doubt on the
    declaration: the passage is contested (neither evidence nor discounted) and the verdict stays inconclusive."""
    story = next(p for p in scanned.passages if in_story(p))
    assert story.verbatim_tokens >= SETTINGS.thresholds.memorized_tokens
    out = with_reference(scanned, FakeBackend(memorized=(STORY, PHRASE)))
    long_one = next(p for p in out.passages if in_story(p))
    short_one = next(p for p in out.passages if not in_story(p))
    assert long_one.contested and not long_one.common_phrase and "declaration" in long_one.contested_reason
    assert short_one.common_phrase and not short_one.contested
    assert (out.summary.verdict, out.summary.rule) == ("inconclusive", "contested")
    record = out.provenance[PROVENANCE_KEY]
    assert record["passages_set_aside"] == 1 and record["passages_contested"] == 1
    assert record["verdict_before"] == "memorized"


def test_a_passage_the_swapped_context_test_flagged_keeps_its_reason():
    settings = dataclasses.replace(SETTINGS, common_phrase_check=True)
    result = run_scan(document(TEXT), FakeBackend(memorized=(STORY, PHRASE)), settings)
    phrase = next(p for p in result.passages if not in_story(p))
    assert phrase.common_phrase and "unrelated" in phrase.common_phrase_reason  # the fake recites from any cue
    out = with_reference(result, FakeBackend(memorized=(PHRASE,)))
    again = next(p for p in out.passages if not in_story(p))
    assert again.common_phrase
    assert again.common_phrase_reason.startswith(phrase.common_phrase_reason + "; and the reference model ")
    record = out.provenance[PROVENANCE_KEY]
    assert record["passages_reproduced"] == 1 and record["passages_set_aside"] == 0  # it was set aside already
    assert out.summary == result.summary


def test_partial_reproduction_below_80_percent_is_not_a_common_phrase(scanned):
    # The reference knows only the first half of the phrase: it stops well short of 80 % of it.
    half = " ".join(PHRASE.split()[:9])
    out = with_reference(scanned, FakeBackend(memorized=(half,)))
    assert not any(p.common_phrase for p in out.passages)
    assert out.provenance[PROVENANCE_KEY]["passages_reproduced"] == 0


def test_progress_counts_and_json_round_trip(scanned):
    steps, out = drain(check_reference(scanned, FakeBackend(memorized=(PHRASE,))))
    assert [s.stage for s in steps] == ["reference"] * len(steps)
    assert steps[0].done == 0 and steps[-1].done == steps[-1].total == 2
    assert all(0.9 <= s.fraction <= 1.0 for s in steps)
    back = result_from_json(result_to_json(out))
    assert back.passages == out.passages and back.summary == out.summary
    assert back.provenance[PROVENANCE_KEY] == out.provenance[PROVENANCE_KEY]


def test_refuses_the_wrong_text_a_missing_text_and_a_second_reference(scanned):
    back = result_from_json(result_to_json(scanned))  # JSON does not carry the text
    with pytest.raises(ValueError, match="needs the scanned text"):
        with_reference(back, FakeBackend())
    with pytest.raises(ValueError, match="not the text that was scanned"):
        with_reference(back, FakeBackend(), text=TEXT + " ")
    assert with_reference(back, FakeBackend(), text=TEXT).provenance[PROVENANCE_KEY]["passages_checked"] == 2
    once = with_reference(scanned, FakeBackend())
    with pytest.raises(ValueError, match="already checked"):
        with_reference(once, FakeBackend())


# ----- character mapping between tokenizers (pure functions) --------------------------------------


def _passage(text, start, end, tokens=10):
    from core.results import Passage

    return Passage(start, end, 0, tokens, "", text[start:end], text[start:end], tokens, 100.0,
                   end - start, (), (), 0.0, 0.0, 0, False)


def test_targets_follow_characters_not_tokens():
    text = "Once upon a time there was a king."
    #        0123456789012345678901234567890123
    # Reference tokens that keep the space inside the next token (" upon"), and one token ("atime")
    # that straddles the passage's start.
    offsets = np.array([[0, 4], [4, 9], [9, 11], [11, 16], [16, 22], [22, 26], [26, 28], [28, 33], [33, 34]])
    # The passage starts at " time" (char 11, its leading space included by the scanned model's tokens).
    p = _passage(text, 11, 34)
    (t,) = reference_targets(text, [p], offsets)
    assert (t.start_char, t.end_char) == (12, 34)  # whitespace at the edge left out
    assert t.start_token == 3  # " time" starts with whitespace only before the passage: it counts
    assert t.end_token == 9
    # A token that begins with the author's text before the passage is not the start: the next one is.
    straddle = np.array([[0, 13], [13, 16], [16, 34]])  # "Once upon a t" | "ime" | " there was a king."
    (s,) = reference_targets(text, [p], straddle)
    assert s.start_token == 1 and s.start_char == 12
    assert reproduced_chars(s, straddle, 1) == 16 - 13  # only what lies inside the passage counts
    # Two tokens from " time" reproduce "time there": 10 characters of the passage.
    assert reproduced_chars(t, offsets, 0) == 0
    assert reproduced_chars(t, offsets, 2) == 22 - 12
    assert reproduced_chars(t, offsets, 99) == 34 - 12  # clipped to the passage


def test_needed_chars_is_80_percent_or_the_whole_of_a_barely_confirmed_passage():
    t = Thresholds(confirm_tokens=8)
    text = "x" * 200
    assert needed_chars(_passage(text, 0, 100, tokens=8), 100, t) == 100
    assert needed_chars(_passage(text, 0, 100, tokens=40), 100, t) == 80
    assert needed_chars(_passage(text, 0, 100, tokens=9), 100, t) == 89
