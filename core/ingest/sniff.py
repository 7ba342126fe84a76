"""Tell a file's format from its content, then check the content agrees with its extension."""

from __future__ import annotations

from core.ingest.document import IngestError
from core.ingest.limits import SafeZip

EXTENSIONS = {
    ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".pdf": "pdf",
    ".epub": "epub", ".odt": "odt", ".rtf": "rtf", ".html": "html", ".htm": "html", ".xhtml": "html",
}  # fmt: skip
DESCRIBED = {
    "txt": "plain text", "md": "plain text", "html": "HTML", "docx": "a Word (.docx) document",
    "pdf": "a PDF", "epub": "an EPUB book", "odt": "an OpenDocument (.odt) text", "rtf": "an RTF document",
}  # fmt: skip
SUPPORTED = "txt, md, docx, pdf, epub, odt, rtf or html"
_ODT_MIME = b"application/vnd.oasis.opendocument.text"
_IMAGES = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
           (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"))  # fmt: skip


def _sniff_zip(raw: bytes, name: str) -> str:
    z = SafeZip(raw, name)
    mimetype = z.read("mimetype").strip() if z.has("mimetype") else b""
    if mimetype == b"application/epub+zip":
        return "epub"
    if mimetype == _ODT_MIME:
        return "odt"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        raise IngestError(
            f"{name} is an OpenDocument file but not a text document; Verbatim reads {SUPPORTED}."
        )
    if z.has("word/document.xml"):
        return "docx"
    raise IngestError(f"{name} is a ZIP archive but not a DOCX, EPUB or ODT document.")


def _unsupported(raw: bytes, name: str) -> None:
    """Raise for binary formats we recognise but do not read, with what to do instead."""
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(f"{name} is a legacy Office file (such as .doc); save it as .docx and try again.")
    if raw[60:68] in (b"BOOKMOBI", b"TEXtREAd"):
        raise IngestError(f"{name} is a Kindle (MOBI/AZW) book; convert it to EPUB and try again.")
    for magic, what in _IMAGES:
        if raw.startswith(magic):
            raise IngestError(f"{name} is {what}, which has no text to read; Verbatim reads {SUPPORTED}.")


def _looks_like_html(raw: bytes) -> bool:
    head = raw[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml"):
        return b"<html" in head
    return head.startswith((b"<!doctype html", b"<html"))


def sniff(raw: bytes, name: str) -> str:
    """The format the content says: docx, epub, odt, pdf, rtf, html or text."""
    if raw.startswith(b"PK\x03\x04"):
        return _sniff_zip(raw, name)
    if raw.startswith(b"PK\x05\x06"):
        raise IngestError(f"{name} is an empty ZIP archive and contains no text.")
    if b"%PDF-" in raw[:1024]:
        return "pdf"
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf"
    _unsupported(raw, name)
    return "html" if _looks_like_html(raw) else "text"


def resolve_format(raw: bytes, name: str, suffix: str) -> str:
    """The reader to use; IngestError when the content contradicts the extension."""
    found = sniff(raw, name)
    expected = EXTENSIONS.get(suffix.lower())
    if expected is None:
        return "txt" if found == "text" else found
    if found == "text" and expected in ("txt", "md", "html"):
        return expected
    if found == expected:
        return found
    what = DESCRIBED["txt" if found == "text" else found]
    raise IngestError(f"{name} is named {suffix} but contains {what}; rename it or export it again.")
