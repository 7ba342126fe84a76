"""`load_document`: the single entry point from a file path to the Document that gets scanned.

It is a pure function of the file's bytes, so it can later run in a worker process with limits.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path

from core.ingest.document import Document, IngestError
from core.ingest.limits import MAX_INPUT_BYTES
from core.ingest.normalize import Extracted, Normalizer, assemble
from core.ingest.sniff import resolve_format

# format -> (module, reader function); modules are imported on first use.
READERS = {
    "txt": ("core.ingest.txt", "read_txt"),
    "md": ("core.ingest.markdown", "read_markdown"),
    "html": ("core.ingest.html", "read_html"),
    "docx": ("core.ingest.docx", "read_docx"),
    "pdf": ("core.ingest.pdf", "read_pdf"),
    "epub": ("core.ingest.epub", "read_epub"),
    "odt": ("core.ingest.odt", "read_odt"),
    "rtf": ("core.ingest.rtf", "read_rtf"),
}


def _read_bytes(p: Path) -> bytes:
    if not p.is_file():
        raise IngestError(f"{p} is not a readable file.")
    size = p.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise IngestError(f"{p.name} is {size // 2**20} MB, over the limit of {MAX_INPUT_BYTES // 2**20} MB.")
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise IngestError(f"{p.name} could not be read ({exc.strerror}).") from exc
    if len(raw) > MAX_INPUT_BYTES:
        raise IngestError(f"{p.name} is over the limit of {MAX_INPUT_BYTES // 2**20} MB.")
    return raw


def load_document(path: str | Path) -> Document:
    """Read a manuscript file and return its normalized text; IngestError on bad input."""
    p = Path(path)
    raw = _read_bytes(p)
    if not raw.strip():
        raise IngestError(f"{p.name} contains no text.")
    fmt = resolve_format(raw, p.name, p.suffix)
    module, func = READERS[fmt]
    norm = Normalizer()
    extracted: Extracted = getattr(importlib.import_module(module), func)(raw, p.name, norm)
    text, locations = assemble(extracted.blocks, norm)
    if not text.strip():
        raise IngestError(f"{p.name} has no text layer." if fmt == "pdf" else f"{p.name} contains no text.")
    return Document(
        path=str(p.resolve()),
        sha256=hashlib.sha256(raw).hexdigest(),
        size_bytes=len(raw),
        format=fmt,
        encoding=extracted.encoding,
        text=text,
        normalizations=norm.record(),
        locations=locations,
    )
