"""The Document record and the single entry point `load_document`.

This first version reads .txt and .md; the other formats are added by their own readers.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path


class IngestError(ValueError):
    """A manuscript that cannot be read; the message is one sentence for the user."""


@dataclass(frozen=True)
class Location:
    """A span of the normalized text and where it sits in the source ("page 3", "chapter 2")."""

    start_char: int
    end_char: int
    label: str


@dataclass(frozen=True)
class Document:
    """A manuscript as scanned: normalized text plus how it got there."""

    path: str
    sha256: str
    size_bytes: int
    format: str
    encoding: str
    text: str
    normalizations: tuple[str, ...] = ()
    locations: tuple[Location, ...] = ()

    @property
    def text_sha256(self) -> str:
        """SHA-256 of the normalized text as UTF-8."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def load_document(path: str | Path) -> Document:
    """Read a manuscript file and return its normalized text; IngestError on bad input."""
    p = Path(path)
    if not p.is_file():
        raise IngestError(f"{p} is not a readable file.")
    raw = p.read_bytes()
    if not raw.strip():
        raise IngestError(f"{p.name} contains no text.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{p.name} is not valid UTF-8 text (byte {exc.start}).") from exc
    norms = []
    nfc = unicodedata.normalize("NFC", text)
    if nfc != text:
        norms.append("Unicode NFC")
    text = nfc.replace("\r\n", "\n")
    fmt = "md" if p.suffix.lower() in {".md", ".markdown"} else "txt"
    return Document(
        path=str(p.resolve()),
        sha256=hashlib.sha256(raw).hexdigest(),
        size_bytes=len(raw),
        format=fmt,
        encoding="utf-8",
        text=text,
        normalizations=tuple(norms),
    )
