"""PDF via pypdfium2, then the cleanup a reader does without noticing.

Running heads and page numbers go (the topmost and bottommost lines of a page when they repeat across
pages, are folios, or sit where heads sit), end-of-line hyphens are joined, and lines are reflowed into
paragraphs using indents and vertical gaps. Each page gets a Location.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pypdfium2 as pdfium

from core.ingest.document import IngestError
from core.ingest.normalize import Block, Extracted, Normalizer, join_wrapped, vocabulary

_FOLIO_RE = re.compile(
    r"^[-\u2013\u2014\s]*(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:of|/)\s*\d{1,4})?[-\u2013\u2014\s]*$",
    re.IGNORECASE,
)
_LINE_END_HYPHENS = "\x02\ufffe\u00ad"  # how pdfium reports a hyphen the typesetter inserted
_SENTENCE_END = (".", "!", "?", ":", '"', "'", "\u201d", "\u2019", ")")


@dataclass
class Line:
    """One text line of a page, with the geometry used to find heads and paragraphs."""

    text: str
    page: int
    left: float
    right: float
    top: float
    bottom: float


def _page_lines(page: pdfium.PdfPage, number: int) -> list[Line]:
    """The page's lines in content order, each with the box of its first and last visible character."""
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        text = textpage.get_text_range(0, n) if n else ""
        geometry = len(text) == n  # else the text and character indices disagree: keep text, lose geometry
        lines: list[Line] = []
        pos = 0
        # pdfium glues a hyphenated line to the next with U+FFFE: cut there so every Line is one visual line.
        for raw in re.split(r"(\r\n|\r|\n|(?<=\ufffe))", text):
            start, pos = pos, pos + len(raw)
            if not raw.strip():
                continue
            first = start + len(raw) - len(raw.lstrip())
            last = start + len(raw.rstrip()) - 1
            if geometry:
                (l1, b1, r1, t1), (l2, b2, r2, t2) = (
                    textpage.get_charbox(i, loose=True) for i in (first, last)
                )
                box = (min(l1, l2), max(r1, r2), max(t1, t2), min(b1, b2))
            else:
                box = (0.0, 0.0, -float(len(lines)), -float(len(lines)) - 1)
            line_text = raw.strip()
            if line_text[-1] in _LINE_END_HYPHENS:
                line_text = line_text[:-1] + "-"
            line = Line(line_text, number, *box)
            prev = lines[-1] if lines else None
            if prev and abs(prev.bottom - line.bottom) < 1 and line.left >= prev.right - 1:
                prev.text, prev.right, prev.top = (
                    f"{prev.text} {line.text}",
                    line.right,
                    max(prev.top, line.top),
                )
            else:
                lines.append(line)
        return lines
    finally:
        textpage.close()


def _mask(text: str) -> str:
    return " ".join(re.sub(r"\d+", "#", text.lower()).split())


def _edge(lines: list[Line], top: bool) -> list[Line]:
    """The topmost (or bottommost) lines of a page: all lines within 2 pt of the extreme."""
    if not lines:
        return []
    if top:
        y = max(line.top for line in lines)
        return [line for line in lines if line.top >= y - 2]
    y = min(line.bottom for line in lines)
    return [line for line in lines if line.bottom <= y + 2]


def _pitch(lines: Iterable[Line]) -> float:
    """Typical distance between consecutive baselines."""
    ordered = list(lines)
    gaps = [
        a.bottom - b.bottom
        for a, b in zip(ordered, ordered[1:], strict=False)
        if 0 < a.bottom - b.bottom < 100
    ]
    return statistics.median(gaps) if gaps else 12.0


def strip_running_heads(pages: list[list[Line]], norm: Normalizer) -> list[list[Line]]:
    """Remove running heads, running feet and page numbers from every page."""
    removed: set[int] = set()
    for top in (True, False):
        counts = Counter(_mask(line.text) for page in pages for line in _edge(page, top))
        seen_y: set[float] = set()
        for page in pages:
            for line in _edge(page, top):
                if _FOLIO_RE.match(line.text) or counts[_mask(line.text)] >= 2:
                    removed.add(id(line))
                    seen_y.add(round(line.top if top else line.bottom))
        # A head that appears once (a short chapter's title) still sits where the other heads sit.
        for page in pages:
            rest = [line for line in page if id(line) not in removed]
            pitch = _pitch(rest)
            for line in _edge(rest, top):
                others = [
                    o for o in rest if o is not line and (o.top < line.bottom if top else o.bottom > line.top)
                ]
                if not others:
                    continue
                gap = (
                    (line.bottom - max(o.top for o in others))
                    if top
                    else (min(o.bottom for o in others) - line.top)
                )
                y = round(line.top if top else line.bottom)
                if any(abs(y - s) <= 1 for s in seen_y) and gap > 1.5 * pitch - (line.top - line.bottom):
                    removed.add(id(line))
    norm.note("running heads and page numbers removed", len(removed))
    return [[line for line in page if id(line) not in removed] for page in pages]


def _starts_paragraph(prev: Line | None, line: Line, pitch: float, left: float, width: float) -> bool:
    """Whether `line` begins a new paragraph: after a gap, when indented, or after a short final line."""
    if prev is None:
        return True
    same_page = prev.page == line.page
    if same_page and prev.bottom - line.bottom > 1.2 * pitch:
        return True
    if line.left > left + 6 and line.left < left + 0.3 * width:
        return True
    short = prev.right - left < 0.6 * width
    return short and prev.text.endswith(_SENTENCE_END)


def reflow(pages: list[list[Line]], norm: Normalizer) -> list[Block]:
    """Join lines into paragraphs; a paragraph crossing a page break is split into one Block per page."""
    all_lines = [line for page in pages for line in page]
    if not all_lines:
        return []
    left = Counter(round(line.left) for line in all_lines).most_common(1)[0][0]
    right = max(line.right for line in all_lines)
    width = max(right - left, 1.0)
    pitches = {page[0].page: _pitch(page) for page in pages if page}
    paragraphs: list[list[Line]] = []
    prev: Line | None = None
    for line in all_lines:
        if _starts_paragraph(prev, line, pitches[line.page], left, width):
            paragraphs.append([])
        paragraphs[-1].append(line)
        prev = line
    vocab = vocabulary(line.text for line in all_lines)
    blocks: list[Block] = []
    for para in paragraphs:
        joined = join_wrapped([line.text for line in para], vocab, norm)
        norm.note("hard-wrapped lines reflowed", len(para) - 1)
        for i, (line, (sep, text)) in enumerate(zip(para, joined, strict=True)):
            label = f"page {line.page}"
            if i and para[i - 1].page == line.page:
                blocks[-1] = Block(blocks[-1].text + sep + text, label, blocks[-1].sep)
            else:
                blocks.append(Block(text, label, sep if i else "\n\n"))
    return blocks


def read_pdf(raw: bytes, name: str, norm: Normalizer) -> Extracted:
    """A .pdf file: its text layer, cleaned of page furniture and reflowed."""
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise IngestError(f"{name} is password-protected; save an unprotected copy.") from exc
        raise IngestError(f"{name} is a damaged PDF and cannot be opened.") from exc
    try:
        pages: list[list[Line]] = []
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                pages.append(_page_lines(page, i + 1))
            finally:
                page.close()
    except pdfium.PdfiumError as exc:
        raise IngestError(f"{name} is a damaged PDF (a page could not be read).") from exc
    finally:
        pdf.close()
    if not any(pages):
        raise IngestError(f"{name} has no text layer (it looks scanned); run OCR on it first.")
    return Extracted(reflow(strip_running_heads(pages, norm), norm), "n/a (PDF text layer)")
