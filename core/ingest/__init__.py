"""Manuscript files -> the exact normalized text that gets scanned (see docs/design.md §3.1)."""

from __future__ import annotations

from typing import Any

from core.ingest.document import Document, IngestError, Location
from core.ingest.load import load_document

__all__ = ["Document", "IngestError", "Location", "document_to_dict", "load_document"]


def document_to_dict(doc: Document) -> dict[str, Any]:
    """The JSON-ready record `verbatim extract --json` prints: the text and how it was obtained."""
    return {
        "schema": "verbatim.extract/1",
        "path": doc.path,
        "sha256": doc.sha256,
        "size_bytes": doc.size_bytes,
        "format": doc.format,
        "encoding": doc.encoding,
        "characters": len(doc.text),
        "text_sha256": doc.text_sha256,
        "normalizations": list(doc.normalizations),
        "locations": [
            {"start_char": x.start_char, "end_char": x.end_char, "label": x.label} for x in doc.locations
        ],
        "text": doc.text,
    }
