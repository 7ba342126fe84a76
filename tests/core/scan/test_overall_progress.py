"""One overall progress across stages (issue 19, item 4): measured, never backwards, in words."""

from __future__ import annotations

from core.scan.progress import STAGE_WORDS, OverallProgress, ScanProgress


def report(stage: str, done: int, total: int, positions: int, n: int = 1000, rate: float = 0.0) -> ScanProgress:
    return ScanProgress(stage, done, total, positions, n, rate, None)


def test_a_simulated_scan_reports_a_monotonic_fraction_and_an_eta_that_comes_true() -> None:
    """Triage at 100 tokens/s for 10 s, 20 passages at 0.1 s each, then 4 controls of 3 s each (24 s)."""
    est = OverallProgress(text_chars=4000, controls_chars=4000)
    clock = 0.0
    first = est.scan(report("tokenize", 1, 1, 0), clock)
    assert not first.measured and first.eta_s is None and first.fraction == 0.0
    assert first.stage == "Reading the manuscript" and first.counter == ""
    seen = []
    for step in range(1, 11):
        clock = float(step)
        seen.append(est.scan(report("triage", 100 * step, 1000, 100 * step, rate=100.0), clock))
    assert seen[0].measured and seen[0].counter == "100 of 1,000 tokens"
    assert seen[0].stage == "Testing every passage"
    for i in range(1, 21):
        clock = 10.0 + 0.1 * i
        seen.append(est.scan(report("generate", i, 20, 1000), clock))
    assert seen[-1].stage == "Replaying passages" and seen[-1].counter == "20 of 20 passages"
    for i in range(4):
        clock = 12.0 + 3.0 * i
        seen.append(est.controls(i, 4, clock))
    assert seen[-1].stage == "Scanning control texts" and seen[-1].counter == "3 of 4 texts"
    fractions = [o.fraction for o in seen]
    assert fractions == sorted(fractions), "the bar never goes backwards"
    assert all(0.0 <= f < 1.0 for f in fractions)
    # Half-way through the first pass, the whole scan (24 s) is estimated within a factor of 1.5: the
    # controls are costed at the manuscript's measured speed per character.
    total_estimate = 5.0 + seen[4].eta_s
    assert 24 / 1.5 <= total_estimate <= 24 * 1.5, total_estimate
    # During the replays, the time left counts the passages still to replay at their measured pace.
    replay = seen[10 + 9]  # 10 of 20 replayed, 0.1 s each
    assert replay.counter == "10 of 20 passages" and replay.eta_s > 1.0
    # During the controls, the time left follows their own measured pace (3 s a text).
    assert abs(seen[-1].eta_s - 3.0) < 0.01


def test_a_slower_stage_holds_the_bar_instead_of_moving_it_back() -> None:
    est = OverallProgress(text_chars=1000)
    est.scan(report("triage", 500, 1000, 500, rate=100.0), 5.0)
    done = est.scan(report("triage", 1000, 1000, 1000, rate=100.0), 10.0)
    # The confirmations turn out slow: 10 s for the first of 30 passages.
    slow = est.scan(report("confirm", 1, 30, 1000), 20.0)
    assert slow.fraction >= done.fraction
    assert slow.eta_s is not None and slow.eta_s > 200  # 29 more at 10 s each, said honestly


def test_every_stage_has_words_and_no_internal_name_shows() -> None:
    est = OverallProgress(text_chars=100)
    for stage in ("tokenize", "triage", "confirm", "generate", "protocol", "common-phrases", "reference"):
        out = est.scan(report(stage, 1, 2, 10, n=10, rate=1.0), 1.0)
        assert out.stage == STAGE_WORDS[stage] and out.stage[0].isupper()
        assert "-" not in out.stage and out.stage.lower() != stage
    assert STAGE_WORDS["generate"] == "Replaying passages"
