"""Word .docx via docx2python, which keeps tracked insertions, table text and footnotes.

Tracked deletions, headers, footers and comments are not part of the text a reader reads.
"""

from __future__ import annotations

import io
import re
from typing import Any

from docx2python import docx2python

from core.ingest.document import IngestError
from core.ingest.limits import SafeZip
from core.ingest.normalize import Block, Extracted, Normalizer

# docx2python's inline markers for note references and images.
_MARKERS_RE = re.compile(r"----(?:foot|end)note\d+----|----media/[^\s]*?----|----Image alt text---->.*?<")
_NOTE_PREFIX_RE = re.compile(r"^(?:foot|end)note\d+\)\s*")


def _par_text(par: Any) -> str:
    return _MARKERS_RE.sub("", "".join(par.run_strings))


def _body_blocks(tables: Any) -> list[Block]:
    """docx2python nests everything as tables; lineage tells a real table row from a plain paragraph."""
    texts: list[str] = []
    for table in tables:
        for row in table:
            pars = [p for cell in row for p in cell]
            if pars and pars[0].lineage[1] == "tbl":
                texts.append("\t".join(" ".join(_par_text(p) for p in cell).strip() for cell in row))
            else:
                texts.extend(_par_text(p) for p in pars)
    return [Block(t, f"paragraph {i}") for i, t in enumerate((t for t in texts if t.strip()), 1)]


def _note_blocks(tables: Any, kind: str) -> list[Block]:
    notes: list[str] = []
    for table in tables:
        for row in table:
            for cell in row:
                text = " ".join(_NOTE_PREFIX_RE.sub("", _par_text(p)) for p in cell).strip()
                if text:
                    notes.append(text)
    return [Block(t, f"{kind} {i}") for i, t in enumerate(notes, 1)]


def read_docx(raw: bytes, name: str, norm: Normalizer) -> Extracted:
    """A .docx file: body (tables row by row), then footnotes, then endnotes."""
    SafeZip(raw, name).read_all_checked()
    try:
        with docx2python(io.BytesIO(raw)) as doc:
            blocks = _body_blocks(doc.body_pars)
            blocks += _note_blocks(doc.footnotes_pars, "footnote")
            blocks += _note_blocks(doc.endnotes_pars, "endnote")
    except IngestError:
        raise
    except Exception as exc:  # docx2python raises many kinds on malformed parts
        raise IngestError(f"{name} is a damaged Word document ({type(exc).__name__}).") from exc
    return Extracted(blocks, "utf-8")
