"""A small back list of real manuscript files in several formats, and model outputs built from them.

The DOCX and EPUB are the committed ingest fixtures (made by pandoc and LibreOffice) with their body
replaced by public-domain text, so they go through the same readers a user's files do.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.texts import kjv_chapter, shakespeare_scene

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
WORD = re.compile(r"[^\W_]+")
WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _rezip(archive: Path, replace: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = replace.get(info.filename, src.read(info.filename))
            kind = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            dst.writestr(info.filename, data, compress_type=kind)
    return buf.getvalue()


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    """A .docx whose body is `paragraphs` (styles, footnotes and the rest from the fixture)."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{html.escape(p, quote=False)}</w:t></w:r></w:p>' for p in paragraphs
    )
    with zipfile.ZipFile(FIXTURES / "known.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
    head, tail = xml.index("<w:body>") + len("<w:body>"), xml.rindex("<w:sectPr")
    xml = xml[:head] + body + xml[tail:]
    notes = f'<w:footnotes xmlns:w="{WORD_NS}"/>'  # the fixture's footnote would be shared by every .docx
    members = {"word/document.xml": xml.encode("utf-8"), "word/footnotes.xml": notes.encode("utf-8")}
    path.write_bytes(_rezip(FIXTURES / "known.docx", members))
    return path


def write_epub(path: Path, title: str, paragraphs: list[str]) -> Path:
    """A .epub whose second chapter is `title` and `paragraphs` (the first chapter stays the fixture's)."""
    ps = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    xhtml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        f"<title>{html.escape(title)}</title></head><body><section><h1>{html.escape(title)}</h1>{ps}"
        "</section></body></html>"
    )
    replace = {"EPUB/text/ch002.xhtml": xhtml.encode("utf-8")}
    with zipfile.ZipFile(FIXTURES / "known.epub") as z:  # the table of contents names the chapter too
        for member in ("EPUB/nav.xhtml", "EPUB/toc.ncx"):
            old = z.read(member).decode("utf-8")
            replace[member] = old.replace("Chapter Two: The Correspondence", html.escape(title)).encode("utf-8")
    path.write_bytes(_rezip(FIXTURES / "known.epub", replace))
    return path


def verses(book: str, chapter: int) -> list[str]:
    """A KJV chapter as paragraphs of about three verses (split at verse-final full stops)."""
    text = kjv_chapter(book, chapter)
    sentences = re.split(r"(?<=[.?!]) ", text)
    return [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]


def back_list(folder: Path) -> Path:
    """Five manuscripts in five formats: KJV in a .docx and an .epub, Shakespeare in .txt, the ingest
    fixture's story as .pdf and .odt."""
    folder.mkdir(parents=True, exist_ok=True)
    write_docx(folder / "genesis.docx", verses("Genesis", 1) + verses("Genesis", 2))
    write_epub(folder / "john.epub", "The Gospel of John, chapter one", verses("John", 1))
    (folder / "hamlet.txt").write_text(shakespeare_scene("hamlet", "I", "II"), encoding="utf-8")
    shutil.copy(FIXTURES / "known.pdf", folder / "lighthouse.pdf")
    shutil.copy(FIXTURES / "known.odt", folder / "lighthouse.odt")
    return folder


@dataclass(frozen=True)
class Pasted:
    """A model output with a known passage inside it, and what a match must report."""

    text: str
    start: int
    """Character offsets of the passage in `text`."""
    end: int
    words: int
    changed: int
    longest_exact: int


PREAMBLE = "Certainly! Here is the passage you asked about, quoted from memory as best I can:\n\n"
CODA = "\n\n(Quoted from memory; check an edition before citing it.)"


def pasted_passage(source: str, first: int, count: int, change_at: tuple[int, ...]) -> Pasted:
    """Words `first`..`first+count` of `source` (whitespace-separated), the words at `change_at`
    (indices into the passage) swapped for another word, pasted between a preamble and a coda."""
    tokens = source.split()[first : first + count]
    for i in change_at:
        word = WORD.search(tokens[i])
        assert word is not None and len(WORD.findall(tokens[i])) == 1
        replacement = "lantern" if word.group().casefold() != "lantern" else "harbour"
        tokens[i] = tokens[i][: word.start()] + replacement + tokens[i][word.end() :]
    passage = " ".join(tokens)
    words = len(WORD.findall(passage))
    assert words == count, "the test needs one word per token"
    bounds = [-1, *sorted(change_at), count]
    longest = max(b - a - 1 for a, b in zip(bounds, bounds[1:], strict=False))
    text = PREAMBLE + passage + CODA
    return Pasted(text, len(PREAMBLE), len(PREAMBLE) + len(passage), words, len(change_at), longest)
