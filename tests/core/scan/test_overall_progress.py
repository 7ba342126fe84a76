"""One overall progress across stages (issue 19, item 4): measured, never backwards, in words."""

from __future__ import annotations

from core.scan.progress import STAGE_WORDS, OverallProgress, ScanProgress


def report(stage: str, done: int, total: int, positions: int, n: int = 1000, rate: float = 0.0) -> ScanProgress:
    return ScanProgress(stage, done, total, positions, n, rate, None)


def test_a_simulated_scan_reports_a_monotonic_fraction_and_an_eta_that_comes_true() -> None:
    """The real sample scan with Gemma 3 270M on two busy CPU cores, as measured: the first pass scored
    2,500 tokens at 20 tokens/s (125 s), 65 candidates took 4 s each to confirm (260 s), 25 common-phrase
    tests 7 s each (175 s); then 4 control texts of 40 s each. 720 s in all."""
    est = OverallProgress(text_chars=10_000, controls_chars=1_000)
    clock = 0.0
    first = est.scan(report("tokenize", 1, 1, 0, n=2500), clock)
    assert not first.measured and first.eta_s is None and first.fraction == 0.0
    assert first.stage == "Reading the manuscript" and first.counter == ""
    seen = []
    for step in range(1, 11):
        clock = 12.5 * step
        seen.append(est.scan(report("triage", 250 * step, 2500, 250 * step, n=2500, rate=20.0), clock))
    assert seen[0].measured and seen[0].counter == "250 of 2,500 tokens"
    assert seen[0].stage == "Testing every passage"
    for i in range(1, 66):
        clock = 125.0 + 4.0 * i
        seen.append(est.scan(report("confirm", i, 65, 2500, n=2500), clock))
    for i in range(1, 26):
        clock = 385.0 + 7.0 * i
        seen.append(est.scan(report("common-phrases", i, 25, 2500, n=2500), clock))
    assert seen[-1].stage == "Checking common phrases" and seen[-1].counter == "25 of 25 passages"
    for i in range(4):
        clock = 560.0 + 40.0 * i
        seen.append(est.controls(i, 4, clock))
    assert seen[-1].stage == "Scanning control texts" and seen[-1].counter == "3 of 4 texts"
    fractions = [o.fraction for o in seen]
    assert fractions == sorted(fractions), "the bar never goes backwards"
    assert all(0.0 <= f < 1.0 for f in fractions)
    # Half-way through the first pass the whole scan (720 s) is estimated within a factor of 1.5, not
    # "about 10 s left" with minutes to go.
    total_estimate = 62.5 + seen[4].eta_s
    assert 720 / 1.5 <= total_estimate <= 720 * 1.5, total_estimate
    # Mid-confirmation, the time left counts the candidates still to confirm at their measured pace.
    mid = seen[10 + 31]  # 32 of 65 confirmed, 4 s each
    assert mid.counter == "32 of 65 passages" and mid.eta_s >= 33 * 4.0
    # During the controls, the time left follows their own measured pace (40 s a text).
    assert abs(seen[-1].eta_s - 40.0) < 0.01


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
