"""The match's inputs: the manuscripts named or found in folders, and the output text to check.

Manuscripts are read with core.ingest; a file found in a folder that cannot be read is skipped with
a note, while a file named on its own that cannot be read is an error. The output is recorded with
its hashes and word count (`OutputRecord`), from a file, standard input or pasted text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterable
from pathlib import Path

from core.ingest import Document, IngestError, load_document
from core.match.results import OutputRecord
from core.match.words import WORD
from core.paths import MANUSCRIPT_SUFFIXES

SUFFIXES = frozenset(MANUSCRIPT_SUFFIXES)
"""Files a folder given with --against contributes (the formats core.ingest reads)."""


def manuscripts_in(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """Each named file, and the supported files inside each named folder (recursively, hidden skipped).

    The flag is True for files found in a folder: one of those that cannot be read is skipped with a
    note, while a file named on its own that cannot be read is an error.
    """
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise ValueError(f"{path} contains no manuscripts ({', '.join(sorted(SUFFIXES))}).")
            out += [(p, True) for p in found]
        elif path.exists():
            out.append((path, False))
        else:
            raise FileNotFoundError(2, "No such file", str(path))
    if not out:
        raise ValueError("no manuscripts were given.")
    return out


def load_manuscripts(
    paths: Iterable[str | Path],
) -> Generator[str, None, tuple[list[Document], list[tuple[str, str]]]]:
    """Read every manuscript (yielding its name first); returns the documents and the skipped files."""
    docs: list[Document] = []
    skipped: list[tuple[str, str]] = []
    for path, in_folder in manuscripts_in(paths):
        yield path.name
        try:
            docs.append(load_document(path))
        except IngestError as exc:
            if not in_folder:
                raise
            skipped.append((str(path), str(exc)))
    if not docs:
        raise ValueError("none of the manuscripts could be read.")
    return docs, skipped


def output_record(text: str, source: str = "pasted", raw: bytes | None = None) -> OutputRecord:
    """Describe the output text; `raw` is the file's bytes when it was read from one."""
    if not text.strip():
        raise ValueError("the output text is empty.")
    encoded = text.encode("utf-8")
    return OutputRecord(
        source=source,
        sha256=hashlib.sha256(raw if raw is not None else encoded).hexdigest(),
        text_sha256=hashlib.sha256(encoded).hexdigest(),
        characters=len(text),
        words=len(WORD.findall(text)),
        text=text,
    )


def read_output(path: str | Path) -> OutputRecord:
    """Read the output text from a file in any format core.ingest reads; IngestError on bad input."""
    return output_from_document(load_document(path), str(path))


def output_from_document(doc: Document, source: str) -> OutputRecord:
    """The output as read from a file by ingest (in this process or an isolated worker)."""
    return OutputRecord(
        source=source,
        sha256=doc.sha256,
        text_sha256=doc.text_sha256,
        characters=len(doc.text),
        words=len(WORD.findall(doc.text)),
        text=doc.text,
    )
