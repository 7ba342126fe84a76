"""Which files the window accepts as manuscripts, and reading them in the background.

`unsupported_reason` and `too_short_reason` say in one sentence why a file cannot be scanned;
`load_documents_job` is the generator the window runs in a worker to read queued files, each in an
isolated process, so one bad file is one message and never a frozen or dead app.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from core.paths import MANUSCRIPT_SUFFIXES as MANUSCRIPT_SUFFIXES
from gui.status import plural
from gui.worker import describe_error

if TYPE_CHECKING:
    from core.ingest import Document, Location
    from core.results import ScanResult
    from gui.models import QueueEntry


MIN_MANUSCRIPT_CHARS = 200
"""A text shorter than this (about 40 words) cannot hold a 50-token prompt and a passage: not ready."""
UNSUPPORTED_HINTS = {
    ".pages": "an Apple Pages document; export it from Pages as Word (.docx) or PDF",
    ".doc": "a legacy Word document; save it as .docx",
    ".mobi": "a Kindle book; convert it to EPUB",
    ".azw": "a Kindle book; convert it to EPUB",
    ".azw3": "a Kindle book; convert it to EPUB",
}

Loaded = tuple[str, "Document | None", str]
"""One file read: its path, its Document (None when it failed) and the reason it failed ("" if not)."""


def unsupported_reason(path: str) -> str:
    """One sentence when `path`'s extension is not a manuscript Verbatim reads, else ""."""
    suffix = Path(path).suffix.lower()
    if suffix in MANUSCRIPT_SUFFIXES:
        return ""
    name = Path(path).name
    hint = UNSUPPORTED_HINTS.get(suffix)
    if hint:
        return f"{name} is {hint}, then open that file."
    kind = f"{suffix} files" if suffix else "files without an extension"
    return f"{name}: Verbatim cannot read {kind}; it reads .txt, .md, .docx, .pdf, .epub, .odt, .rtf and .html."


def too_short_reason(path: str, document: Document) -> str:
    """One sentence when the document's text is too short to scan, else ""."""
    n = len(document.text.strip())
    if n >= MIN_MANUSCRIPT_CHARS:
        return ""
    return (
        f"{Path(path).name} has only {plural(n, 'character')} of text; Verbatim needs at least "
        f"{MIN_MANUSCRIPT_CHARS} (about 40 words) to test a manuscript."
    )


def locations_for(entries: Iterable[QueueEntry], result: ScanResult) -> tuple[Location, ...]:
    """Where each stretch of the result's text came from (pages, chapters), if its document is queued."""
    for entry in entries:
        doc = entry.document
        if doc is not None and doc.sha256 == result.manuscript.sha256 and doc.text_sha256 == (
            result.manuscript.text_sha256
        ):
            return tuple(doc.locations)
    return ()


def load_documents_job(paths: list[str]) -> Generator[str, None, list[Loaded]]:
    """Read each manuscript; one failure does not stop the others."""
    from core.ingest import IngestError
    from core.ingest.isolated import load_document_isolated

    out: list[Loaded] = []
    for path in paths:
        yield path
        try:
            # A worker process with time and memory limits: a hostile file cannot freeze or kill the app.
            document = load_document_isolated(path)
            short = too_short_reason(path, document)
            out.append((path, None, short) if short else (path, document, ""))
        except IngestError as exc:
            out.append((path, None, str(exc)))
        except Exception as exc:  # noqa: BLE001 - a bad file is one sentence, never a dead app
            out.append((path, None, f"{Path(path).name}: {describe_error(exc)}"))
    return out
