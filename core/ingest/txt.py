"""Plain text: decode, split into paragraphs at blank lines, reflow hard-wrapped lines."""

from __future__ import annotations

import re

from core.ingest.encoding import decode_text, newlines_to_lf
from core.ingest.normalize import Block, Extracted, Normalizer, join_wrapped, looks_hard_wrapped, vocabulary


def split_paragraphs(text: str) -> list[list[str]]:
    """Paragraphs (lists of stripped lines) separated by blank lines; with no blank line at all, one per line."""
    chunks = [c for c in re.split(r"\n[ \t]*\n", text) if c.strip()]
    paragraphs = [[line.strip() for line in c.split("\n") if line.strip()] for c in chunks]
    if len(paragraphs) == 1 and not looks_hard_wrapped(paragraphs):
        return [[line] for line in paragraphs[0]]
    return paragraphs


def text_blocks(text: str, norm: Normalizer) -> list[Block]:
    """Blocks of a plain text, one per paragraph, reflowed when the text is hard-wrapped."""
    paragraphs = split_paragraphs(text)
    blocks: list[Block] = []
    if looks_hard_wrapped(paragraphs):
        vocab = vocabulary(line for para in paragraphs for line in para)
        for i, para in enumerate(paragraphs, 1):
            joined = "".join(sep + line for sep, line in join_wrapped(para, vocab, norm))
            norm.note("hard-wrapped lines reflowed", len(para) - 1)
            blocks.append(Block(joined, f"paragraph {i}"))
    else:
        blocks = [Block("\n".join(para), f"paragraph {i}") for i, para in enumerate(paragraphs, 1)]
    return blocks


def read_txt(raw: bytes, name: str, norm: Normalizer) -> Extracted:
    """A .txt file."""
    text, encoding = decode_text(raw, name, norm)
    return Extracted(text_blocks(newlines_to_lf(text, norm), norm), encoding)
