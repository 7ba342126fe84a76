"""OpenDocument text (.odt): content.xml walked with lxml, entities and DTDs refused.

Footnotes go after the body; tracked-change records (which hold deleted text) and annotations are skipped.
"""

from __future__ import annotations

from lxml import etree

from core.ingest.limits import SafeZip
from core.ingest.normalize import Block, Extracted, Normalizer, tidy_lines
from core.ingest.xmlsafe import parse_xml

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_SKIP = {
    f"{{{TEXT}}}tracked-changes",
    f"{{{TEXT}}}note-citation",
    f"{{{OFFICE}}}annotation",
    f"{{{TEXT}}}sequence-decls",
}
_PARAGRAPHS = {f"{{{TEXT}}}p", f"{{{TEXT}}}h"}


def _inline(el: etree._Element, notes: list[str]) -> str:
    """Text of a paragraph: spaces, tabs and line breaks expanded; notes moved out to `notes`."""
    out: list[str] = [el.text or ""]
    for child in el:
        tag = child.tag
        if tag == f"{{{TEXT}}}s":
            out.append(" " * int(child.get(f"{{{TEXT}}}c", "1") or 1))
        elif tag == f"{{{TEXT}}}tab":
            out.append("\t")
        elif tag == f"{{{TEXT}}}line-break":
            out.append("\n")
        elif tag == f"{{{TEXT}}}note":
            body = child.find(f"{{{TEXT}}}note-body")
            if body is not None:
                notes.append(" ".join(_inline(p, notes) for p in body.iter(*_PARAGRAPHS)))
        elif tag not in _SKIP and isinstance(tag, str):
            out.append(_inline(child, notes))
        out.append(child.tail or "")
    return "".join(out)


def _walk(root: etree._Element, paragraphs: list[str], notes: list[str]) -> None:
    """Paragraphs and headings in order; a table row becomes one paragraph with tab-separated cells."""
    stack = [root]
    while stack:
        el = stack.pop()
        if el.tag in _PARAGRAPHS:
            paragraphs.append(_inline(el, notes))
        elif el.tag == f"{{{TABLE}}}table-row":
            cells = el.iter(f"{{{TABLE}}}table-cell")
            paragraphs.append(
                "\t".join(" ".join(_inline(p, notes) for p in c.iter(*_PARAGRAPHS)) for c in cells)
            )
        elif el.tag not in _SKIP:
            stack.extend(reversed([c for c in el if isinstance(c.tag, str)]))


def read_odt(raw: bytes, name: str, norm: Normalizer) -> Extracted:
    """An .odt file: body paragraphs, then footnotes and endnotes."""
    zf = SafeZip(raw, name)
    zf.read_all_checked()
    root = parse_xml(zf.read("content.xml"), f"{name} (content.xml)")
    body = root.find(f"{{{OFFICE}}}body/{{{OFFICE}}}text")
    paragraphs: list[str] = []
    notes: list[str] = []
    if body is not None:
        _walk(body, paragraphs, notes)
    texts = [t for t in (tidy_lines(p) for p in paragraphs) if t.strip()]
    blocks = [Block(t, f"paragraph {i}") for i, t in enumerate(texts, 1)]
    blocks += [Block(tidy_lines(n), f"footnote {i}") for i, n in enumerate(notes, 1)]
    return Extracted(blocks, "utf-8")
