"""XML parsing that never expands entities, never reads a DTD and never touches the network or disk."""

from __future__ import annotations

import re

from lxml import etree

from core.ingest.document import IngestError

_DOCTYPE_RE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ENTITY_RE = re.compile(r"<!ENTITY", re.IGNORECASE)


def _as_text(data: bytes) -> str:
    """Decode enough to look for markup; UTF-16/32 XML would hide `<!DOCTYPE` from a byte search."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32", errors="replace")  # only scanned for markup, never returned as text
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data[:2] in (b"<\x00", b"\x00<"):
        return data.decode("utf-16-le" if data[0:1] == b"<" else "utf-16-be", errors="replace")
    return data.decode("latin-1")


def check_no_dtd_subset(data: bytes, where: str, *, refuse_any_doctype: bool = False) -> None:
    """Refuse entity declarations and DOCTYPEs with an internal subset (billion laughs, XXE)."""
    text = _as_text(data)
    if _ENTITY_RE.search(text):
        raise IngestError(f"{where} declares XML entities, which Verbatim refuses for safety.")
    m = _DOCTYPE_RE.search(text)
    if m is None:
        return
    end = text.find(">", m.end())
    if refuse_any_doctype or "[" in text[m.end() : end if end >= 0 else len(text)]:
        raise IngestError(f"{where} contains a DOCTYPE declaration, which Verbatim refuses for safety.")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse untrusted XML safely; IngestError when it is malformed or declares a DTD subset."""
    check_no_dtd_subset(data, where)
    try:
        return etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise IngestError(f"{where} is damaged (not well-formed XML).") from exc
