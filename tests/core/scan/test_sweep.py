"""The generate-and-compare sweep (for servers without prompt log-probabilities) on the fake backend.

The teacher-forced scan is the reference: the sweep must find every run it finds of at least
2 * candidate_run_tokens - 1 tokens, with the same boundaries, and say what it did not measure.
"""

import dataclasses

import numpy as np
import pytest

from core.model.fake import FakeBackend
from core.scan.engine import run_scan, scan
from core.scan.progress import CancelToken
from core.scan.sweep import PROBE, sweep
from core.scan.triage import triage
from tests.core.scan.test_engine_fake import FRESH, MEMORIZED, SMALL
from tests.helpers.docs import document
from tests.helpers.generators import drain
from tests.helpers.results import judged

# Memorized pieces of several lengths (words are the fake's tokens; it recalls after 3 of them) between never-seen sentences.
PIECES = (
    MEMORIZED,  # 60+ tokens
    "Seven lamplighters argued all night about whether the moon counted as a street lamp, and at dawn "
    "they agreed that it did not, except in winter.",  # 26 words: a run of 23 hits
    "The ferry leaves at nine and returns at four.",  # a run of 6 hits: shorter than 2c-1, may be missed
)
FILLER = [
    "Marguerite sorted the buttons by colour first and then by the number of holes.",
    "Her brother insisted that four-holed buttons were older, a claim nobody had ever checked.",
    "On Sundays the bakery sold only rye, and the queue reached the church steps by eight.",
]


def manuscript() -> str:
    parts = []
    for i, piece in enumerate(PIECES):
        parts += [FILLER[i % 3], FILLER[(i + 1) % 3], piece]
    return " ".join(parts + FILLER)


def runs(hit: np.ndarray, scored: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for i, h in enumerate(np.append(hit & scored, False)):
        if h and start is None:
            start = i
        elif not h and start is not None:
            out.append((start, i))
            start = None
    return out


@pytest.mark.parametrize("offset", range(8))
def test_sweep_finds_every_long_run_with_its_exact_boundaries(offset):
    # Shifting the text by 0..7 words moves the probes across every phase of the runs.
    text = " ".join(["word"] * offset) + " " + manuscript()
    model = FakeBackend(memorized=PIECES, can_score=True)
    ids = model.tokenize(text).ids
    c = SMALL.thresholds.candidate_run_tokens
    teacher = drain(triage(ids, model, SMALL))[1]
    generate_only = FakeBackend(memorized=PIECES, can_score=False)
    assert np.array_equal(generate_only.tokenize(text).ids, ids)
    swept = drain(sweep(ids, generate_only, SMALL))[1]
    # Every position the sweep proved agrees with teacher forcing.
    assert swept.scored.any()
    assert np.array_equal(swept.hit[swept.scored], teacher.hit[swept.scored])
    long_runs = [(s, e) for s, e in runs(teacher.hit, teacher.scored) if e - s >= 2 * c - 1]
    assert len(long_runs) >= 2
    found = runs(swept.hit, swept.scored)
    for run in long_runs:
        assert run in found, f"run {run} missed at offset {offset}"
    assert np.isnan(swept.logp).all()


def test_generate_only_scan_gives_the_same_passages_and_says_what_it_skipped():
    text = manuscript()
    settings = dataclasses.replace(SMALL, confirm_by="generate")
    full = run_scan(document(text), FakeBackend(memorized=PIECES), settings)
    only = run_scan(document(text), FakeBackend(memorized=PIECES, can_score=False), SMALL)
    c = SMALL.thresholds.candidate_run_tokens
    long = [(p.start_token, p.end_token, p.generated) for p in full.passages if p.verbatim_tokens >= 2 * c - 1]
    assert long and set(long) <= {(p.start_token, p.end_token, p.generated) for p in only.passages}
    assert judged(only).summary.verdict == judged(full).summary.verdict == "memorized"
    assert only.complete and only.positions_scored < only.positions_total
    assert only.provenance["probe"] == PROBE and full.provenance["probe"] == "teacher-forced"
    assert only.provenance["confirmation"]["method"] == "generate"
    # Nothing that needs log-probabilities is reported as if it had been measured.
    assert only.summary.coverage == {} and only.membership is None and only.window_scores == ()
    assert all(p.p_extract == 0.0 and p.matched_suffix_tokens == 0 for p in only.passages)


def test_generate_only_fresh_text_gives_no_evidence():
    result = run_scan(document(FRESH * 6), FakeBackend(memorized=PIECES, can_score=False), SMALL)
    assert result.summary.verdict == "no-evidence" and result.passages == () and result.complete


def test_generate_only_scan_can_be_cancelled_and_is_then_incomplete():
    cancel = CancelToken()
    gen = scan(document(FRESH * 20 + MEMORIZED), FakeBackend(memorized=PIECES, can_score=False),
               dataclasses.replace(SMALL, confirm_batch_size=2), cancel)
    next(gen)  # tokenized
    next(gen)  # the first slice of probes
    cancel.cancel()
    result = drain(gen)[1]
    assert not result.complete
    assert "cancelled" in result.summary.reason


def test_the_fake_refuses_to_score_when_generate_only():
    model = FakeBackend(can_score=False)
    with pytest.raises(RuntimeError, match="only generates"):
        model.score(np.zeros((1, 4), dtype=np.int64), 5)


def test_report_and_controls_say_what_a_generate_only_scan_did_not_measure(tmp_path):
    from core.evidence.control_scan import with_controls
    from core.report.content import report_html
    from core.report.method import method_section
    from core.report.passages import passages_section
    from core.report.wording import STANDARD_PROTOCOL

    model = FakeBackend(memorized=PIECES, can_score=False)
    result = run_scan(document(manuscript()), model, SMALL)
    result = with_controls(result, [document(FRESH * 4, str(tmp_path / "control.txt"))], model, SMALL,
                           user_controls=1)
    assert result.statistics["false_positive_rate"] == 0.0
    assert result.statistics["test"] == "not computed: a generate-only scan measures no log-probabilities"
    html = report_html(result, _layout())
    assert "Generate-only scan." in html and "every verbatim run of 15 tokens or more" in html
    assert "p_extract not measured (generate-only scan)" in html
    method = method_section(result)
    assert "every 8 tokens" in method and STANDARD_PROTOCOL not in method
    # A teacher-forced result keeps the standard protocol and has no such notice.
    full = run_scan(document(manuscript()), FakeBackend(memorized=PIECES), SMALL)
    assert STANDARD_PROTOCOL in method_section(full) and "Generate-only scan." not in report_html(full, _layout())
    assert "extraction chance per attempt <b>" in passages_section(full, _layout(), 5)


def _layout():
    from core.report.style import Layout

    return Layout(px_per_pt=1.0)


class _CountingGenerator(FakeBackend):
    """The generate-only fake, counting the rows it generates for."""

    def __init__(self) -> None:
        super().__init__(memorized=PIECES, can_score=False)
        self.rows = 0

    def generate(self, prompts, max_new_tokens):
        self.rows += prompts.shape[0]
        return super().generate(prompts, max_new_tokens)


def test_a_cancelled_generate_only_scan_resumes_from_its_checkpoint(tmp_path):
    from core.store import ScanPlan, ScanStore

    text = manuscript()
    settings = dataclasses.replace(SMALL, confirm_batch_size=2)
    whole = run_scan(document(text), FakeBackend(memorized=PIECES, can_score=False), settings)
    path = tmp_path / "scan.sqlite"
    plan = ScanPlan.for_scan(document(text), FakeBackend(memorized=PIECES, can_score=False).info, settings)
    cancel = CancelToken()
    with ScanStore.create(path, plan) as store:
        gen = scan(document(text), FakeBackend(memorized=PIECES, can_score=False), settings, cancel, store)
        for _ in range(4):  # tokenize + 3 slices of probes
            next(gen)
        cancel.cancel()
        assert not drain(gen)[1].complete
        done, total = store.progress()
        assert done == 3 and total > 3
    again = _CountingGenerator()
    with ScanStore.resume_or_create(path, plan) as store:
        resumed = run_scan(document(text), again, settings, store=store)
        assert store.finished
    assert resumed.passages == whole.passages and resumed.summary == whole.summary
    fresh = _CountingGenerator()
    run_scan(document(text), fresh, settings)
    assert again.rows == fresh.rows - 3 * 2  # the three committed slices of two probes were not redone
