"""Manuscript files -> the exact normalized text that gets scanned (see DESIGN.md, core/ingest)."""

from core.ingest.document import Document, IngestError, Location, load_document

__all__ = ["Document", "IngestError", "Location", "load_document"]
