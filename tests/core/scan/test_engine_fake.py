"""The scan's logic end to end on the deterministic fake backend (fast, exact)."""

import dataclasses

import pytest

from core.model.fake import FakeBackend
from core.scan.engine import run_scan, scan
from core.scan.progress import CancelToken
from core.settings import ScanSettings, Thresholds
from tests.helpers.docs import document
from tests.helpers.generators import drain
from tests.helpers.results import judged

MEMORIZED = (
    "Tom Bombadil walked the long road past seven mills where the river bends twice before the sea, "
    "carrying a lantern of green glass that his grandmother had bought from a tinker in exchange for "
    "three geese, a promise, and the recipe for a pie that nobody in the valley could ever reproduce "
    "although many had tried on long winter nights by the fire."
)
FRESH = (
    "Marguerite sorted the buttons by colour first and then by the number of holes, because her "
    "brother insisted that four-holed buttons were older, a claim nobody had ever checked. "
)
SMALL = ScanSettings(chunk_tokens=24, overlap_tokens=6, prefix_tokens=8, suffix_tokens=8, batch_size=2)


@pytest.mark.parametrize("confirm_by", ["draft", "generate"])
def test_memorized_passage_is_found_confirmed_and_located(confirm_by):
    text = FRESH * 3 + MEMORIZED + " " + FRESH * 2
    settings = dataclasses.replace(SMALL, confirm_by=confirm_by)
    scanned = run_scan(document(text), FakeBackend(memorized=(MEMORIZED,)), settings)
    # Before controls there is no chance model, and without one nothing is called memorized.
    assert (scanned.summary.verdict, scanned.summary.rule) == ("inconclusive", "no-chance-model")
    result = judged(scanned)
    assert result.complete
    assert result.summary.verdict == "memorized" and result.summary.rule == "passage"
    assert result.passages, "the memorized passage must be confirmed"
    start = text.index(MEMORIZED)
    for p in result.passages:
        # Every passage lies inside the memorized text and its verbatim span is the author's words.
        assert start <= p.start_char < p.end_char <= start + len(MEMORIZED) + 1
        assert p.generated.startswith(text[p.start_char : p.end_char])
        assert p.original.startswith(text[p.start_char : p.end_char])
        assert text[: p.start_char].endswith(p.prompt)
        assert p.similarity > 50
        assert p.original_spans and p.generated_spans
    longest = max(result.passages, key=lambda p: p.verbatim_tokens)
    assert longest.verbatim_tokens == result.summary.longest_verbatim_tokens >= 32
    assert 0 < longest.p_extract <= 1


def test_fresh_text_gives_no_evidence():
    result = run_scan(document(FRESH * 6), FakeBackend(memorized=(MEMORIZED,)), SMALL)
    assert result.summary.verdict == "no-evidence"
    assert result.passages == ()
    assert result.summary.longest_verbatim_tokens == 0
    assert result.complete and result.positions_scored == result.positions_total


def test_progress_is_monotone_and_ends_with_a_result():
    seen, result = drain(scan(document(FRESH * 5 + MEMORIZED), FakeBackend(memorized=(MEMORIZED,)), SMALL))
    triage = [p.positions_done for p in seen if p.stage == "triage"]
    assert triage == sorted(triage) and triage[-1] == result.positions_total
    assert {p.stage for p in seen} >= {"tokenize", "triage", "confirm"}
    assert all(0.0 <= p.fraction <= 1.0 for p in seen)


def test_cancel_keeps_a_partial_result_marked_incomplete():
    cancel = CancelToken()
    gen = scan(document(FRESH * 20 + MEMORIZED), FakeBackend(memorized=(MEMORIZED,)), SMALL, cancel)
    next(gen)  # tokenized
    next(gen)  # first triage batch
    cancel.cancel()
    with pytest.raises(StopIteration) as stop:
        while True:
            next(gen)
    result = stop.value.value
    assert not result.complete
    assert 0 < result.positions_scored < result.positions_total
    assert "cancelled" in result.summary.reason


def test_results_do_not_depend_on_batch_size_and_are_deterministic():
    text = FRESH * 3 + MEMORIZED + FRESH
    backend = FakeBackend(memorized=(MEMORIZED,))
    a = run_scan(document(text), backend, SMALL)
    b = run_scan(document(text), backend,
                 dataclasses.replace(SMALL, batch_size=5, confirm_batch_size=1, generate_batch_size=1))
    assert a.provenance["confirmation"]["generate_replays"] > 0  # the replays' batches were exercised
    assert a.passages == b.passages
    assert a.summary == b.summary
    assert a.heatmap == b.heatmap


def test_generic_phrase_is_flagged_and_kept_out_of_the_verdict():
    # The fake recites the boilerplate from any 3-word cue, as a real model recites legal formulae.
    boiler = "IN WITNESS WHEREOF the parties hereto have executed this Agreement as of the date first above written"
    text = FRESH * 3 + boiler + ". " + FRESH * 2
    settings = dataclasses.replace(SMALL, thresholds=Thresholds(inconclusive_tokens=10, memorized_tokens=32))
    result = run_scan(document(text), FakeBackend(memorized=(boiler,)), settings)
    assert result.passages
    assert all(p.common_phrase and "unrelated" in p.common_phrase_reason for p in result.passages)
    assert result.summary.verdict == "no-evidence"
    assert result.summary.common_phrases == len(result.passages)


def test_too_short_manuscript_is_refused():
    with pytest.raises(ValueError, match="too short"):
        run_scan(document("Hi"), FakeBackend(), SMALL)


def test_draft_verification_equals_step_by_step_generation():
    """One forward pass with the author's text as draft gives exactly what generate() gives."""
    from core.scan.probes import draft_verify, generate_from_prefix, window_figures
    from core.scan.progress import finish

    text = FRESH * 2 + MEMORIZED + " " + FRESH
    backend = FakeBackend(memorized=(MEMORIZED,))
    ids = backend.tokenize(text).ids
    requests = [(r, 12) for r in range(8, len(ids) - 4, 3)]

    drafted = finish(draft_verify(ids, requests, backend, SMALL))
    generated = finish(generate_from_prefix(ids, requests, backend, SMALL))
    assert drafted.keys() == generated.keys()
    for r, (d, cols) in drafted.items():
        g = generated[r]
        assert d.verbatim == g.verbatim  # both verify to the requested 12 tokens, no further
        k = min(len(d.tokens), len(g.tokens))
        assert (d.tokens[:k] == g.tokens[:k]).all()
        window = window_figures(d.verbatim, cols, SMALL.suffix_tokens, SMALL.thresholds.near_tie_gap)
        assert window.matched == min(d.verbatim, SMALL.suffix_tokens, len(ids) - r)


@pytest.mark.parametrize("confirm_by", ["draft", "generate"])
def test_a_changed_word_ends_the_verbatim_run_but_not_the_near_verbatim_stretch(confirm_by):
    # The author's copy differs from what the model learned in one word ("four" for "three"); the model
    # writes its own version straight through, so the near-verbatim stretch runs past the change.
    changed = MEMORIZED.replace("three geese", "four geese")
    text = FRESH * 3 + changed + " " + FRESH * 2
    settings = dataclasses.replace(SMALL, confirm_by=confirm_by, suffix_tokens=30)
    result = run_scan(document(text), FakeBackend(memorized=(MEMORIZED,)), settings)
    start = text.index(changed)
    before = [p for p in result.passages if start <= p.start_char < text.index(" four geese")]
    assert before, "the passage before the change must be confirmed"
    first = min(before, key=lambda p: p.start_char)
    assert text[first.end_char :].startswith(" four")  # the exact run stops at the changed word
    assert first.near_verbatim_edits == 1
    assert first.near_verbatim_tokens >= first.verbatim_tokens + 10
    # Off, nothing is measured and the figure says so.
    off = run_scan(document(text), FakeBackend(memorized=(MEMORIZED,)),
                   dataclasses.replace(settings, near_verbatim=False))
    assert off.passages and all(p.near_verbatim_tokens == -1 for p in off.passages)


def test_extraction_risk_rises_with_samples_and_is_zero_on_fresh_text():
    text = FRESH * 3 + MEMORIZED + " " + FRESH * 2
    result = run_scan(document(text), FakeBackend(memorized=(MEMORIZED,)), SMALL)
    share = {int(k): v for k, v in result.extraction["share"].items()}
    assert result.extraction["decoding"] == "top-k 40, temperature 1"
    assert list(share) == [1, 10, 100, 1000, 10000]
    assert 0 < share[1] <= share[100] <= share[10000] < 1  # the memorized part only, never the fresh text
    fresh = run_scan(document(FRESH * 6), FakeBackend(memorized=(MEMORIZED,)), SMALL)
    assert all(v == 0 for v in fresh.extraction["share"].values())


class _WidthRecorder(FakeBackend):
    """The fake, noting how many drafted columns each scoring call of the confirmation asks for."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.widths: list[int] = []

    def score(self, windows, top_k, first=0):
        self.widths.append(windows.shape[1] - 1 - first)
        return super().score(windows, top_k, first)


def test_only_candidates_the_short_draft_cannot_reject_get_the_full_window():
    # A 10-word memorized saying is a candidate (run >= 8) but stays under confirm_tokens 12, so the short
    # draft settles it; the long memorized passage needs the full draft (the horizon and the 50+50 figures).
    saying = "seven salty sailors sang softly south of silver sands every single sunday"
    text = FRESH * 2 + saying + " " + FRESH * 2 + MEMORIZED + " " + FRESH
    settings = dataclasses.replace(SMALL, thresholds=Thresholds(confirm_tokens=12), chunk_tokens=200, overlap_tokens=20)
    backend = _WidthRecorder(memorized=(MEMORIZED, saying))
    result = run_scan(document(text), backend, settings)
    assert result.summary.candidates >= 2
    confirmed = list(result.passages)
    assert confirmed and all(text.index(MEMORIZED) <= p.start_char for p in confirmed)
    # One full window per confirmed passage, none for the rejected saying.
    assert result.provenance["confirmation"]["full_windows"] == len(confirmed)
    # The short draft is bucketed to 16 columns; full drafts are at least the 8-token suffix and the horizon.
    assert 16 in backend.widths
