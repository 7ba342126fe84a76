"""Text normalization shared by every reader, and the record of what was changed.

Readers turn a file into Blocks (a piece of text, where it came from, and how it joins the previous
piece); `assemble` normalizes the characters and joins the blocks into the final text plus Locations.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.ingest.document import Location

PARAGRAPH_SEP = "\n\n"
LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_LIGATURE_RE = re.compile("[" + "".join(LIGATURES) + "]")
SOFT_HYPHEN = "\u00ad"
# Control characters a reader never sees (tab and newline stay).
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufeff]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class Block:
    """A piece of the text: `sep` joins it to the piece before (a paragraph break, a space, nothing)."""

    text: str
    label: str
    sep: str = PARAGRAPH_SEP


@dataclass(frozen=True)
class Extracted:
    """What a reader returns: the blocks in reading order and the encoding the source was read with."""

    blocks: list[Block]
    encoding: str


class Normalizer:
    """Applies character-level normalizations and keeps, in order, a count of every change made."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def note(self, what: str, count: int = 1) -> None:
        """Record that `what` was done `count` more times (nothing is recorded for 0)."""
        if count > 0:
            self._counts[what] = self._counts.get(what, 0) + count

    def chars(self, text: str) -> str:
        """NFC, ligatures expanded, soft hyphens and invisible control characters removed."""
        nfc = unicodedata.normalize("NFC", text)
        if nfc != text:
            self.note("Unicode NFC")
        text, n = _LIGATURE_RE.subn(lambda m: LIGATURES[m.group()], nfc)
        self.note("ligatures expanded (\ufb01 -> fi)", n)
        n = text.count(SOFT_HYPHEN)
        if n:
            text = text.replace(SOFT_HYPHEN, "")
            self.note("soft hyphens removed", n)
        text, n = _CONTROL_RE.subn("", text)
        self.note("control characters removed", n)
        return text

    def record(self) -> tuple[str, ...]:
        """The normalizations in the order first applied, each with how often ("soft hyphens removed (3)")."""
        return tuple(
            what if n == 1 and what.startswith("decoded") else f"{what} ({n})"
            for what, n in self._counts.items()
        )


def assemble(blocks: Iterable[Block], norm: Normalizer) -> tuple[str, tuple[Location, ...]]:
    """Join blocks into the final text; consecutive blocks with the same label share one Location."""
    parts: list[str] = []
    locations: list[Location] = []
    pos = 0
    for block in blocks:
        text = norm.chars(block.text).strip(" \t\n") if block.sep == PARAGRAPH_SEP else norm.chars(block.text)
        if not text.strip():
            continue
        sep = block.sep if parts else ""
        if sep == PARAGRAPH_SEP and parts:
            stripped = parts[-1].rstrip(" \t")
            pos -= len(parts[-1]) - len(stripped)  # not a re-sum over all parts: that is quadratic
            parts[-1] = stripped
        parts.append(sep + text)
        start, end = pos + len(sep), pos + len(sep) + len(text)
        if locations and locations[-1].label == block.label:
            locations[-1] = Location(locations[-1].start_char, end, block.label)
        else:
            locations.append(Location(start, end, block.label))
        pos = end
    return "".join(parts), tuple(locations)


def tidy_lines(text: str) -> str:
    """Strip spaces around each line and collapse runs of spaces a reader does not see (tabs stay)."""
    return "\n".join(re.sub(r" {2,}", " ", line).strip(" ") for line in text.split("\n"))


def vocabulary(texts: Iterable[str]) -> set[str]:
    """Lower-cased words (hyphenated compounds kept whole) seen anywhere: evidence for de-hyphenation."""
    vocab: set[str] = set()
    for t in texts:
        vocab.update(w.lower() for w in _WORD_RE.findall(t))
    return vocab


def join_wrapped(lines: Sequence[str], vocab: set[str], norm: Normalizer) -> list[tuple[str, str]]:
    """Reflow hard-wrapped lines: returns (sep, line) pairs, hyphens at line ends joined where they split a word.

    A line-end hyphen is dropped when the joined word occurs elsewhere, or when neither form does
    (typesetters hyphenate far more often than compounds fall at a line end); it is kept when the
    hyphenated compound occurs elsewhere or the next line starts with a capital.
    """
    out: list[tuple[str, str]] = []
    sep = ""
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        head = re.search(r"([^\W\d_]+)-$", line)
        tail = re.match(r"[^\W\d_]+", nxt)
        next_sep = " "
        if line.endswith(("\u2014", "\u2013")) or (head and tail and not tail.group()[0].islower()):
            next_sep = ""
        elif head and tail:
            joined, compound = head.group(1) + tail.group(), f"{head.group(1)}-{tail.group()}"
            next_sep = ""
            if joined.lower() in vocab or compound.lower() not in vocab:
                line = line[:-1]
                norm.note("end-of-line hyphenation joined")
        out.append((sep, line))
        sep = next_sep
    return out


def looks_hard_wrapped(paragraphs: Sequence[Sequence[str]]) -> bool:
    """True when lines inside paragraphs break near one fixed width (typed or exported at N columns)."""
    inner = [len(line.rstrip()) for para in paragraphs for line in para[:-1]]
    if len(inner) < 3:
        return False
    width = sorted(inner)[int(0.9 * (len(inner) - 1))]
    if not 40 <= width <= 120:
        return False
    near = sum(1 for n in inner if n >= 0.6 * width)
    return near >= 0.8 * len(inner)
