"""Where a passage sits, written the way authors and lawyers cite a work: "p. 12, para. 3".

The readers record where each stretch of the scanned text came from (core.ingest.Location): a PDF's
pages, an EPUB's chapters, a DOCX's or a text file's paragraphs. `cite` turns a character offset of
the scanned text into that citation; `passage_numbers` gives passages the numbers the app's table and
the PDF both use. Plain Python: the GUI and the report call the same functions.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from core.ingest.document import Location
from core.ingest.normalize import PARAGRAPH_SEP as PARAGRAPH_BREAK
from core.results import Passage

TITLE_CHARS = 40
"""A chapter title longer than this is shortened with an ellipsis."""

_PAGE = re.compile(r"page (\d+)$")
_PARAGRAPH = re.compile(r"paragraph (\d+)$")
_NOTE = re.compile(r"(footnote|endnote|comment) (\d+)$")
_FILE_NAME = re.compile(r"[/\\]|\.x?html?$", re.IGNORECASE)


def _paragraph_in(text: str, start: int, offset: int) -> int:
    """1-based number of the paragraph holding `offset`, counting from `start`."""
    return text.count(PARAGRAPH_BREAK, max(0, start), max(start, offset)) + 1


def _location_at(locations: Sequence[Location], offset: int) -> tuple[int, Location] | None:
    starts = [loc.start_char for loc in locations]
    i = bisect_right(starts, offset) - 1
    if i < 0:
        return (0, locations[0]) if locations else None
    return i, locations[i]


def _chapter(label: str, index: int, locations: Sequence[Location]) -> str:
    """A chapter's name: its title, or "Section N" when the book gave only a file name."""
    if _FILE_NAME.search(label):
        seen: list[str] = []
        for loc in locations[: index + 1]:
            if loc.label not in seen:
                seen.append(loc.label)
        return f"Section {len(seen)}"
    title = " ".join(label.split())
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"


def cite(offset: int, text: str, locations: Sequence[Location] = ()) -> str:
    """Where `offset` of the scanned `text` sits: "p. 12, para. 3", "Chapter 2, para. 7", "para. 7".

    Pages (PDF) and chapters (EPUB) count paragraphs from their own start; paragraph labels (DOCX, ODT,
    RTF, text, HTML) are already numbered through the work; notes are cited by their number. Without
    locations (a result opened from JSON) paragraphs are counted through the whole text.
    """
    offset = max(0, min(offset, len(text)))
    found = _location_at(locations, offset)
    if found is None:
        return f"para. {_paragraph_in(text, 0, offset)}"
    index, loc = found
    label = loc.label.strip()
    if m := _PAGE.match(label):
        return f"p. {m.group(1)}, para. {_paragraph_in(text, loc.start_char, offset)}"
    if m := _PARAGRAPH.match(label):
        return f"para. {m.group(1)}"
    if m := _NOTE.match(label):
        return f"{m.group(1)} {m.group(2)}"
    if not label:
        return f"para. {_paragraph_in(text, 0, offset)}"
    return f"{_chapter(label, index, locations)}, para. {_paragraph_in(text, loc.start_char, offset)}"


def report_order(passages: Sequence[Passage]) -> list[Passage]:
    """Strongest first (the report's order): counted passages by the tokens that count, then common phrases."""
    return sorted(passages, key=lambda p: (p.common_phrase, -p.evidence, -p.similarity, p.start_char))


def passage_numbers(passages: Sequence[Passage]) -> dict[tuple[int, int], int]:
    """Each passage's number, 1 for the strongest, keyed by (start_char, end_char): app and PDF agree."""
    return {(p.start_char, p.end_char): i for i, p in enumerate(report_order(passages), 1)}
