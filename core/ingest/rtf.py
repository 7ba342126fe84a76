"""RTF via striprtf, with footnotes (which striprtf drops as a destination) lifted out first."""

from __future__ import annotations

import re

from striprtf.striprtf import rtf_to_text

from core.ingest.document import IngestError
from core.ingest.normalize import Block, Extracted, Normalizer, tidy_lines

_FOOTNOTE_RE = re.compile(r"\{(?:\\\*)?\\footnote(?![a-z])")
_CELL, _ROW = "\ue000", "\ue001"  # private-use sentinels for table structure, removed below
_CELL_RE = re.compile(r"\\(?:nest)?cell(?![a-z])")
_ROW_RE = re.compile(r"\\(?:nest)?row(?![a-z])")
_CODEPAGE_RE = re.compile(rb"\\ansicpg(\d+)")


def _group_end(src: str, start: int) -> int:
    """Index just past the group opened at `start`, honouring escaped braces and backslashes."""
    depth, i = 0, start
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(src)


def _lift_footnotes(src: str) -> tuple[str, list[str]]:
    """The RTF without its footnote groups, and each footnote as a small RTF document of its own."""
    notes: list[str] = []
    out: list[str] = []
    pos = 0
    for m in _FOOTNOTE_RE.finditer(src):
        if m.start() < pos:
            continue  # nested inside a footnote already lifted
        end = _group_end(src, m.start())
        out.append(src[pos : m.start()])
        notes.append("{\\rtf1\\ansi " + src[m.end() : end - 1] + "}")
        pos = end
    out.append(src[pos:])
    return "".join(out), notes


def _to_text(src: str, encoding: str) -> str:
    src = _ROW_RE.sub(r"\\u-8191?", _CELL_RE.sub(r"\\u-8192?", src))
    text: str = rtf_to_text(src, encoding=encoding, errors="strict")  # type: ignore[no-untyped-call]
    text = re.sub(rf"\s*{_CELL}\s*{_ROW}", "\n\n", text)
    return re.sub(rf"\s*{_CELL}\s*", "\t", text).replace(_ROW, "\n\n")


def read_rtf(raw: bytes, name: str, norm: Normalizer) -> Extracted:
    """An .rtf file: paragraphs in order, table rows with tab-separated cells, then footnotes."""
    m = _CODEPAGE_RE.search(raw[:4096])
    encoding = f"cp{int(m.group(1))}" if m else "cp1252"
    # RTF is 7-bit ASCII by specification; 8-bit bytes are read in the declared code page.
    try:
        src = raw.decode(encoding)
        body, notes = _lift_footnotes(src)
        text = _to_text(body, encoding)
        note_texts = [" ".join(_to_text(n, encoding).split()) for n in notes]
    except (UnicodeDecodeError, LookupError) as exc:
        raise IngestError(
            f"{name} has text in an encoding its code page ({encoding}) does not cover."
        ) from exc
    paragraphs = [tidy_lines(p) for p in text.split("\n")]
    blocks = [Block(p, f"paragraph {i}") for i, p in enumerate((p for p in paragraphs if p.strip()), 1)]
    blocks += [Block(n, f"footnote {i}") for i, n in enumerate((n for n in note_texts if n), 1)]
    return Extracted(blocks, encoding)
