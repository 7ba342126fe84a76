"""Extraction time for a ~100,000-word DOCX, PDF and EPUB (median of 3), built here at bench time.

The prose is the ingest fixture's sentences shuffled into new paragraphs, so files look like a novel
without being committed. The PDF needs reportlab (`pip install reportlab`); run from the repo root:
    python bench/bench_ingest.py
"""

from __future__ import annotations

import platform
import random
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.ingest import load_document  # noqa: E402

WORDS = 100_000
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def chapters() -> list[tuple[str, list[str]]]:
    """About WORDS words of fixture-like prose in 25 chapters of shuffled sentences."""
    text = (ROOT / "tests/fixtures/ingest/expected.txt").read_text("utf-8")
    sentences = [s.strip() + "." for s in text.replace("\n", " ").split(". ") if len(s.split()) > 4]
    rng = random.Random(7)
    out: list[tuple[str, list[str]]] = []
    total = 0
    while total < WORDS:
        paras = []
        for _ in range(40):
            para = " ".join(rng.sample(sentences, rng.randint(3, 7)))
            paras.append(para)
            total += len(para.split())
        out.append((f"Chapter {len(out) + 1}", paras))
    return out


def build_docx(book: list[tuple[str, list[str]]], path: Path) -> None:
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>'
        for title, paras in book
        for p in [title, *paras]
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            f'<?xml version="1.0"?><w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{body}</w:body></w:document>',
        )


def build_epub(book: list[tuple[str, list[str]]], path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
            '<rootfiles><rootfile full-path="OPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
        )
        items, refs = [], []
        for i, (title, paras) in enumerate(book, 1):
            body = f"<h1>{escape(title)}</h1>" + "".join(f"<p>{escape(p)}</p>" for p in paras)
            z.writestr(
                f"OPS/c{i}.xhtml",
                f'<?xml version="1.0"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}</title></head><body>{body}</body></html>',
            )
            items.append(f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>')
            refs.append(f'<itemref idref="c{i}"/>')
        z.writestr(
            "OPS/book.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata/>'
            f"<manifest>{''.join(items)}</manifest><spine>{''.join(refs)}</spine></package>",
        )


def build_pdf(book: list[tuple[str, list[str]]], path: Path) -> bool:
    try:
        from reportlab.lib.pagesizes import A5
        from reportlab.lib.styles import getSampleStyleSheet
        from reportlab.platypus import Paragraph, SimpleDocTemplate
    except ImportError:
        return False
    styles = getSampleStyleSheet()

    def furniture(canvas, doc) -> None:  # running head and folio on every page, as in a book
        canvas.setFont("Times-Roman", 8)
        canvas.drawCentredString(A5[0] / 2, A5[1] - 30, "THE LAMP AT CORRIGAN POINT")
        canvas.drawCentredString(A5[0] / 2, 25, str(doc.page))

    flow = [
        Paragraph(escape(p), styles["Heading1" if j == 0 else "BodyText"])
        for title, paras in book
        for j, p in enumerate([title, *paras])
    ]
    SimpleDocTemplate(str(path), pagesize=A5).build(flow, onFirstPage=furniture, onLaterPages=furniture)
    return True


def main() -> int:
    book = chapters()
    print(f"{sum(len(p.split()) for _, ps in book for p in ps):,} words, {len(book)} chapters")
    print(
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, {platform.platform()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        files = {"docx": Path(tmp, "book.docx"), "epub": Path(tmp, "book.epub"), "pdf": Path(tmp, "book.pdf")}
        build_docx(book, files["docx"])
        build_epub(book, files["epub"])
        if not build_pdf(book, files["pdf"]):
            print("pdf: skipped (reportlab not installed)")
            del files["pdf"]
        for fmt, path in files.items():
            times, words = [], 0
            for _ in range(3):
                t0 = time.perf_counter()
                doc = load_document(path)
                times.append(time.perf_counter() - t0)
                words = len(doc.text.split())
            print(
                f"{fmt:5} {path.stat().st_size / 1e6:6.2f} MB  {words:>7,} words  median {statistics.median(times):6.2f} s  "
                f"(runs {', '.join(f'{t:.2f}' for t in times)})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
