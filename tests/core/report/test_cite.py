"""Passage locations as people cite them (issue 19, item 6): pages, chapters, paragraphs, numbering."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from core.ingest import Location, load_document
from core.report.cite import cite, passage_numbers, report_order
from tests.helpers.results import make_result

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ingest"


def test_pdf_pages_count_paragraphs_from_the_top_of_the_page() -> None:
    doc = load_document(FIXTURES / "known.pdf")
    page3 = next(loc for loc in doc.locations if loc.label == "page 3")
    assert cite(page3.start_char, doc.text, doc.locations) == "p. 3, para. 1"
    second = doc.text.index("\n\n", page3.start_char) + 2
    assert second < page3.end_char
    assert cite(second + 5, doc.text, doc.locations) == "p. 3, para. 2"
    assert cite(len(doc.text) - 1, doc.text, doc.locations).startswith("p. 7, para. ")


def test_epub_chapters_are_named_by_their_titles() -> None:
    doc = load_document(FIXTURES / "known.epub")
    two = next(loc for loc in doc.locations if loc.label.startswith("Chapter Two"))
    third = two.start_char
    for _ in range(2):
        third = doc.text.index("\n\n", third) + 2
    assert cite(third + 1, doc.text, doc.locations) == "Chapter Two: The Correspondence, para. 3"
    assert cite(0, doc.text, doc.locations) == "The Lamp at Corrigan Point, para. 1"


def test_docx_and_text_paragraphs_are_numbered_through_the_work() -> None:
    for name in ("known.docx", "known.txt"):
        doc = load_document(FIXTURES / name)
        fifth = next(loc for loc in doc.locations if loc.label == "paragraph 5")
        assert cite(fifth.start_char + 10, doc.text, doc.locations) == "para. 5", name


def test_edge_cases_long_titles_file_names_notes_and_no_locations() -> None:
    text = "First paragraph.\n\nSecond one.\n\nThird."
    assert cite(0, text) == "para. 1"
    assert cite(text.index("Third"), text) == "para. 3"
    assert cite(10_000, text) == "para. 3"  # clamped to the text
    long_title = "A Very Long Chapter Title That Goes On and On Past Any Margin"
    chapters = (Location(0, 16, "OEBPS/front.xhtml"), Location(18, 29, "OEBPS/ch01.xhtml"),
                Location(31, 37, long_title))
    assert cite(20, text, chapters) == "Section 2, para. 1"
    shortened = cite(32, text, chapters)
    assert shortened.endswith("…, para. 1") and len(shortened.split(",")[0]) <= 40
    notes = (Location(0, 16, "paragraph 1"), Location(18, 37, "footnote 4"))
    assert cite(20, text, notes) == "footnote 4"


def test_numbers_follow_the_report_order_strongest_first_common_phrases_last() -> None:
    result = make_result()
    passages = result.passages
    assert len(passages) >= 2
    flagged = (replace(passages[0], common_phrase=True, verbatim_tokens=999), *passages[1:])
    numbers = passage_numbers(flagged)
    order = report_order(flagged)
    assert [numbers[(p.start_char, p.end_char)] for p in order] == list(range(1, len(order) + 1))
    counted = [numbers[(p.start_char, p.end_char)] for p in flagged if not p.common_phrase]
    common = [numbers[(p.start_char, p.end_char)] for p in flagged if p.common_phrase]
    assert counted and common and max(counted) < min(common)  # 999 tokens, but a common phrase: after
    assert order[0].verbatim_tokens == max(p.verbatim_tokens for p in flagged if not p.common_phrase)
