"""Every format gives back the known text: footnote, table, tracked insertion kept; page furniture gone."""

from __future__ import annotations

import json
import re
from collections import Counter

import pypdfium2 as pdfium
import pytest
from ingest_helpers import FIXTURES, fold
from rapidfuzz import fuzz

from core.ingest import Document, document_to_dict, load_document

ALL = ["known.txt", "known.md", "known.docx", "known.pdf", "known-libreoffice.pdf", "known.epub",
       "known.odt", "known.rtf", "known.html"]  # fmt: skip
FOOTNOTE = "The Corrigan Point logbooks are now kept in the county archive"


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    return {name: load_document(FIXTURES / name) for name in ALL}


@pytest.mark.parametrize("name", ALL)
def test_recovers_the_known_text(docs: dict[str, Document], expected: str, name: str) -> None:
    doc = docs[name]
    assert fuzz.ratio(fold(doc.text), fold(expected)) >= 98
    assert doc.format == name.rsplit(".", 1)[1]


@pytest.mark.parametrize("name", ALL)
def test_keeps_footnote_and_table_text(docs: dict[str, Document], name: str) -> None:
    text = fold(docs[name].text)
    assert FOOTNOTE in text
    for cell in ("north-westerly, strong", "two trawlers, one ferry", "the mail boat", "southerly, moderate"):
        assert cell in text


@pytest.mark.parametrize("name", ALL)
def test_no_markup_or_layout_leaks(docs: dict[str, Document], name: str) -> None:
    text = docs[name].text
    assert not re.search(r"\*\*|^#|\|---|<[a-z]+[ >]|\\par|----footnote", text, re.MULTILINE)
    assert "\n\n\n" not in text
    assert text == text.strip()


def test_docx_keeps_tracked_insertion_and_drops_deletion_and_header(docs: dict[str, Document]) -> None:
    text = docs["known.docx"].text
    assert "She did not use the word impossible. She had been trained" in text
    assert "struck sentence" not in text
    assert "THE LAMP AT CORRIGAN POINT" not in text
    assert "Date\tWind\tVessels sighted" in text  # a table row: cells tab-separated, one paragraph


@pytest.mark.parametrize("name", ["known.pdf", "known-libreoffice.pdf"])
def test_pdf_drops_running_heads_and_page_numbers(docs: dict[str, Document], name: str) -> None:
    doc = docs[name]
    assert "THE LAMP AT CORRIGAN POINT" not in doc.text
    assert "THE LAMP ROOM" not in doc.text and "THE CORRESPONDENCE" not in doc.text
    # A folio would surface as a stray number; the only numbers left are the table's dates and the note mark.
    numbers = Counter(re.findall(r"\b\d+\b", doc.text))
    assert numbers.pop("1", 0) <= 2
    assert numbers == {"3": 1, "9": 1, "14": 1, "21": 1}
    assert any(n.startswith("running heads and page numbers removed") for n in doc.normalizations)


def test_pdf_joins_end_of_line_hyphenation(docs: dict[str, Document], expected: str) -> None:
    doc = docs["known.pdf"]
    joined = next(n for n in doc.normalizations if n.startswith("end-of-line hyphenation joined"))
    assert int(joined.rsplit("(", 1)[1].rstrip(")")) >= 10  # the typesetter hyphenated many words
    words = set(re.findall(r"[\w'-]+", fold(doc.text).lower()))
    assert words - set(re.findall(r"[\w'-]+", expected.lower())) <= {"1"}  # no "weat-", no "her" fragments
    assert "north-westerly" in doc.text and "ninety-one" in doc.text  # real compounds keep their hyphen


def test_pdf_reflows_lines_into_paragraphs(docs: dict[str, Document], expected: str) -> None:
    paragraphs = docs["known.pdf"].text.split("\n\n")
    assert "\n" not in docs["known.pdf"].text.replace("\n\n", "")
    first = expected.split("\n\n")[1]
    assert first in paragraphs  # a whole paragraph, unbroken, although typeset over nine lines


def test_pdf_locations_are_pages(docs: dict[str, Document]) -> None:
    doc = docs["known.pdf"]
    assert [loc.label for loc in doc.locations] == [f"page {i}" for i in range(1, 8)]
    assert doc.text[doc.locations[0].start_char :].startswith("Chapter One: The Lamp Room")
    pdf = pdfium.PdfDocument(FIXTURES / "known.pdf")
    page_no = next(i + 1 for i in range(len(pdf)) if "Chapter Two" in pdf[i].get_textpage().get_text_range())
    chapter_two = doc.text.index("Chapter Two")
    assert [loc.label for loc in doc.locations if loc.start_char <= chapter_two < loc.end_char] == [
        f"page {page_no}"
    ]


def test_epub_locations_are_chapters(docs: dict[str, Document]) -> None:
    doc = docs["known.epub"]
    labels = [loc.label for loc in doc.locations]
    assert labels[-2:] == ["Chapter One: The Lamp Room", "Chapter Two: The Correspondence"]
    two = doc.locations[-1]
    assert doc.text[two.start_char : two.end_char].startswith(
        "Chapter Two: The Correspondence\n\nMarisol wrote"
    )


@pytest.mark.parametrize("name", ALL)
def test_locations_tile_the_text_in_order(docs: dict[str, Document], name: str) -> None:
    doc = docs[name]
    assert doc.locations[0].start_char == 0 and doc.locations[-1].end_char == len(doc.text)
    for a, b in zip(doc.locations, doc.locations[1:], strict=False):
        assert a.start_char < a.end_char <= b.start_char
        assert doc.text[a.end_char : b.start_char].strip() == ""


def test_paragraph_locations_for_other_formats(docs: dict[str, Document]) -> None:
    doc = docs["known.docx"]
    second = doc.locations[1]
    assert second.label == "paragraph 2"
    assert doc.text[second.start_char : second.end_char].startswith("Marisol Everdeen arrived")
    assert doc.locations[-1].label == "footnote 1"


def test_document_to_dict_is_json_with_everything_extract_prints(docs: dict[str, Document]) -> None:
    doc = docs["known.pdf"]
    data = json.loads(json.dumps(document_to_dict(doc)))
    assert data["text"] == doc.text and data["sha256"] == doc.sha256 and data["format"] == "pdf"
    assert data["text_sha256"] == doc.text_sha256 and data["characters"] == len(doc.text)
    assert data["normalizations"] == list(doc.normalizations)
    assert data["locations"][0] == {"start_char": 0, "end_char": doc.locations[0].end_char, "label": "page 1"}


def test_same_file_same_document(docs: dict[str, Document]) -> None:
    again = load_document(FIXTURES / "known.epub")
    assert again == docs["known.epub"]
    assert len(again.sha256) == 64 and again.size_bytes == (FIXTURES / "known.epub").stat().st_size
