"""HTML (and the XHTML inside EPUBs): the visible text, one paragraph per block element.

Scripts, styles and hidden elements are dropped, and so are footnote reference marks and back-links,
which are navigation rather than prose.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning
from bs4.element import CData, NavigableString, PageElement

from core.ingest.encoding import decode_text
from core.ingest.normalize import Block, Extracted, Normalizer, tidy_lines

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption dd details div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr legend li main nav ol p pre section summary table tbody tfoot thead "
    "tr ul".split()
)
SKIP_TAGS = frozenset(
    "script style noscript template head title iframe object embed svg canvas button select".split()
)
_NOTE_MARKS = frozenset(
    {"doc-noteref", "doc-backlink", "noteref", "footnote-ref", "footnote-backref", "footnote-back"}
)
_SPACE_RE = re.compile(r"[ \t\n\r\f]+")  # HTML whitespace only: a no-break space is text
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_:.-]+)""", re.IGNORECASE)


def _skipped(tag: Tag) -> bool:
    if tag.name in SKIP_TAGS or tag.has_attr("hidden"):
        return True
    marks = (
        {str(tag.get("role", ""))}
        | set(tag.get_attribute_list("class"))
        | set(str(tag.get("epub:type", "")).split())
    )
    return bool(marks & _NOTE_MARKS)


class _Collector:
    """Gathers text into paragraphs as the walk enters and leaves elements."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self._buf: list[str] = []
        self._pre = 0
        self._cell = 0
        self._cells_in_row = 0

    def flush(self) -> None:
        text = "".join(self._buf)
        self._buf = []
        text = "\n".join(line.rstrip() for line in text.split("\n")) if self._pre else tidy_lines(text)
        if text.strip():
            self.paragraphs.append(text.strip("\n"))

    def start(self, tag: Tag) -> None:
        name = tag.name
        if name == "br":
            self._buf.append("\n")
        elif name in ("td", "th"):
            if self._cells_in_row:
                self._buf.append("\t")
            self._cells_in_row += 1
            self._cell += 1
        elif name in BLOCK_TAGS:
            if self._cell:
                self._buf.append(" ")
                return
            if name == "tr":
                self._cells_in_row = 0
            self.flush()
            self._pre += name == "pre"

    def end(self, tag: Tag) -> None:
        name = tag.name
        if name in ("td", "th"):
            self._cell -= 1
        elif name in BLOCK_TAGS and not self._cell:
            self.flush()
            self._pre -= name == "pre"

    def text(self, s: str) -> None:
        self._buf.append(s if self._pre else _SPACE_RE.sub(" ", s))


def html_paragraphs(markup: str) -> list[str]:
    """The paragraphs a reader sees in an HTML document, in order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # EPUB XHTML is read as HTML on purpose
        soup = BeautifulSoup(markup, "lxml")
    root: Tag = soup.body or soup
    out = _Collector()
    # An explicit stack, not recursion: pathological nesting must not overflow Python's stack.
    stack: list[tuple[PageElement, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, Tag):
            if leaving:
                out.end(node)
            elif not _skipped(node):
                out.start(node)
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.contents))
        elif type(node) in (NavigableString, CData):
            out.text(str(node))
    out.flush()
    return out.paragraphs


def declared_charset(raw: bytes) -> str | None:
    """The charset a <meta> tag declares near the top, if any."""
    m = _META_CHARSET_RE.search(raw[:4096])
    return m.group(1).decode("ascii") if m else None


def read_html(raw: bytes, name: str, norm: Normalizer) -> Extracted:
    """An .html file."""
    markup, encoding = decode_text(raw, name, norm, declared=declared_charset(raw))
    paragraphs = html_paragraphs(markup)
    return Extracted([Block(p, f"paragraph {i}") for i, p in enumerate(paragraphs, 1)], encoding)
