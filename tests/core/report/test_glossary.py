"""Issue 19, item 2: one source of figure names and definitions, and figures that read as what they mean."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.report import advanced, content, glossary, passages, style
from tests.helpers.results import make_result

LAYOUT = style.Layout(px_per_pt=96 / 72, heatmap_size=(600, 90))

ISSUE_TERMS = (
    "verbatim_tokens", "near_verbatim_tokens", "similarity", "p_extract", "attempts", "coverage", "common_phrase",
    "context_copy", "chance_p", "expected_chance_passages", "auc", "min_k_pp", "extraction_risk",
    "block_test", "membership_scores", "window_percentiles", "p_value",
)  # fmt: skip


def test_every_figure_the_issue_names_has_a_caption_and_a_definition() -> None:
    for key in ISSUE_TERMS:
        t = glossary.term(key)
        assert t.name and t.caption and len(t.definition) > len(t.caption), key
        assert "\n" not in t.caption, key
    assert len({t.key for t in glossary.TERMS}) == len(glossary.TERMS)
    assert {t.key for t in glossary.advanced_terms()} == {
        "auc", "min_k_pp", "membership_scores", "window_percentiles", "block_test", "p_value"}
    with pytest.raises(KeyError):
        glossary.term("no-such-figure")


def test_probabilities_read_as_what_they_mean() -> None:
    assert glossary.extraction_chance(0.0) == "not extractable by top-40 sampling"
    assert glossary.extraction_chance(5.1e-08) == "5.1e-08"
    assert glossary.extraction_chance(0.5) == "0.50"
    assert glossary.attempts(None) == "never (not extractable by top-40 sampling)"
    assert glossary.attempts(13_676_061) == "13,676,061"
    assert glossary.attempts(glossary.PRACTICALLY_NEVER) == "1,000,000,000"
    big = glossary.attempts(355_500_046_915_730)
    assert big == "practically never by sampling (over 1,000,000,000 attempts)"
    assert "355" not in big


def test_similarity_has_one_format() -> None:
    assert glossary.similarity(85.3) == "85.3 %"
    assert glossary.similarity(100.0) == "100.0 %"
    assert glossary.similarity(float("nan")) == "n/a"


def test_verdict_names_with_their_qualifiers() -> None:
    assert glossary.verdict_name("no-evidence") == "No evidence of memorization"
    assert glossary.verdict_name("memorized", complete=False) == "Memorized (incomplete)"
    assert glossary.verdict_name("inconclusive", provisional=True) == "Inconclusive (provisional)"
    assert glossary.verdict_name("not-determined", complete=False, provisional=True) == "Not determined (incomplete)"


def test_report_words_extreme_figures_plainly_and_keeps_the_numbers_in_advanced() -> None:
    result = make_result()
    first, second, *rest = passages.ordered_passages(result)
    never = replace(first, p_extract=0.0)
    huge = replace(second, p_extract=1.95e-15)  # about 355 trillion attempts for even odds
    result = replace(result, passages=(never, huge, *rest))
    assert huge.queries_for_half is not None and huge.queries_for_half > 3e14
    exact = f"{huge.queries_for_half:,}"
    html = content.report_html(result, LAYOUT)
    body = html[: html.index("Advanced: research figures")]
    assert "<b>not extractable by top-40 sampling</b>" in body
    assert "practically never by sampling (over 1,000,000,000 attempts)" in body
    assert exact not in body
    adv = html[html.index("Advanced: research figures") : html.index("Appendix") if "Appendix" in html else None]
    assert exact in adv and "none suffices (p_extract is 0)" in adv
    assert f"similarity <b>{glossary.similarity(huge.similarity).replace(' %', '&nbsp;%')}</b>" in body


def test_plain_sections_come_first_then_definitions_then_advanced() -> None:
    html = content.report_html(make_result(), LAYOUT)
    order = [html.index(h) for h in ("Passages the model reproduced", "Controls and statistics",
                                     ">What the figures mean</h2>", "<h2>Method</h2>", "Advanced: research figures")]
    assert order == sorted(order)
    figures = html[html.index(">What the figures mean</h2>") : html.index("<h2>Method</h2>")]
    for t in glossary.plain_terms():
        assert style.e(t.definition) in figures, t.key
    adv = html[html.index("Advanced: research figures") :]
    for t in glossary.advanced_terms():
        assert style.e(t.definition) in adv, t.key
    # Membership scores and Min-K%++ are no longer among the plain controls.
    plain = html[html.index("Controls and statistics") : html.index(">What the figures mean</h2>")]
    assert "Min-K%++ (k = 20 %)" not in plain and "Min-K%++ (k = 20 %)" in adv


def test_advanced_section_says_so_when_nothing_was_measured() -> None:
    result = make_result(controls=(), statistics={}, membership=None, passages=())
    html = advanced.advanced_section(result, LAYOUT)
    assert "Advanced: research figures" in html and "Membership scores</h3>" not in html
