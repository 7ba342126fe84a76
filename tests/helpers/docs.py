"""Build core.ingest.Document objects from strings (for scans of texts that never touch disk)."""

from __future__ import annotations

import hashlib

from core.ingest import Document


def document(text: str, name: str = "manuscript.txt") -> Document:
    """A Document whose text is exactly `text`."""
    raw = text.encode("utf-8")
    return Document(
        path=name, sha256=hashlib.sha256(raw).hexdigest(), size_bytes=len(raw), format="txt",
        encoding="utf-8", text=text,
    )
