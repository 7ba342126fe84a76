"""Render tests/fixtures/ingest/known.md to every format Verbatim reads, with real tools.

Needs pandoc, LibreOffice (soffice) and the Python packages reportlab, python-docx and Pillow:
    apt-get install -y pandoc libreoffice-writer-nogui
    pip install reportlab python-docx pillow
The outputs are committed, so tests and CI never need these tools. Run from the repository root:
    python scripts/build_ingest_fixtures.py
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ingest"
SOURCE = OUT / "known.md"
FONT_DIRS = [
    Path(__file__).resolve().parent.parent / "assets" / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
]

# The docx gets this sentence as a tracked insertion, and a tracked deletion that must not be read.
INSERTED = "She did not use the word impossible. "
DELETED = "This struck sentence was deleted in review. "
RUNNING_HEAD = "THE LAMP AT CORRIGAN POINT"


def parse_source(md: str) -> tuple[list[tuple[str, str]], str]:
    """Split known.md into (kind, text) blocks (heading, para, table) and the footnote text."""
    footnote = ""
    blocks: list[tuple[str, str]] = []
    for chunk in md.strip().split("\n\n"):
        chunk = chunk.strip()
        if chunk.startswith("[^1]:"):
            footnote = chunk[len("[^1]:") :].strip()
        elif chunk.startswith("# "):
            blocks.append(("heading", chunk[2:]))
        elif chunk.startswith("|"):
            rows = [r for r in chunk.splitlines() if not r.startswith("|---")]
            cells = ["\t".join(c.strip() for c in r.strip("|").split("|")) for r in rows]
            blocks.append(("table", "\n".join(cells)))
        else:
            blocks.append(("para", chunk))
    return blocks, footnote


def plain(s: str) -> str:
    """Markdown inline markup -> the words a reader reads."""
    return s.replace("[^1]", "").replace("*", "")


def expected_text(blocks: list[tuple[str, str]], footnote: str) -> str:
    """The reference text: paragraphs, table rows (cells tab-separated), then the footnote."""
    parts: list[str] = []
    for kind, text in blocks:
        parts.extend(text.split("\n") if kind == "table" else [plain(text)])
    parts.append(footnote)
    return "\n\n".join(parts) + "\n"


def wrapped_text(blocks: list[tuple[str, str]], footnote: str) -> str:
    """The .txt fixture: the same text hard-wrapped at 68 columns, as old manuscripts are."""
    parts: list[str] = []
    for kind, text in blocks:
        if kind == "table":
            parts.append(text)
        else:
            parts.append(textwrap.fill(plain(text), 68, break_on_hyphens=False))
    parts.append(textwrap.fill(footnote, 68, break_on_hyphens=False))
    return "\n\n".join(parts) + "\n"


def pandoc(src: Path, dst: Path, *extra: str) -> None:
    """Convert with pandoc (standalone, so html/rtf are whole documents)."""
    subprocess.run(["pandoc", str(src), "-s", "-o", str(dst), *extra], check=True)


def add_tracked_changes_and_header(docx: Path) -> None:
    """Make INSERTED a tracked insertion, add a tracked deletion, a running head and a PAGE footer."""
    with zipfile.ZipFile(docx) as zin:
        items = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    xml = items["word/document.xml"].decode("utf-8")
    assert INSERTED.strip() in xml, "source sentence for the tracked insertion not found"
    ins = (
        '</w:t></w:r><w:ins w:id="9001" w:author="Editor" w:date="2024-03-01T10:00:00Z">'
        f'<w:r><w:t xml:space="preserve">{INSERTED}</w:t></w:r></w:ins>'
        '<w:del w:id="9002" w:author="Editor" w:date="2024-03-01T10:00:00Z">'
        f'<w:r><w:delText xml:space="preserve">{DELETED}</w:delText></w:r></w:del>'
        '<w:r><w:t xml:space="preserve">'
    )
    xml = xml.replace(INSERTED, ins, 1)
    items["word/document.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items.items():
            zout.writestr(name, data)

    import docx as python_docx  # python-docx keeps the w:ins/w:del it does not understand

    doc = python_docx.Document(str(docx))
    section = doc.sections[0]
    section.header.paragraphs[0].text = RUNNING_HEAD
    footer_p = section.footer.paragraphs[0]
    fld = python_docx.oxml.parse_xml(
        '<w:fldSimple xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'
    )
    footer_p._p.append(fld)
    doc.save(str(docx))


def find_font(name: str) -> Path:
    """A DejaVu font: the bundled copy if present, else the system one."""
    for d in FONT_DIRS:
        for p in d.rglob(name):
            return p
    raise SystemExit(f"font {name} not found in {FONT_DIRS}")


def typeset_pdf(blocks: list[tuple[str, str]], footnote: str, dst: Path) -> None:
    """A book-like PDF: running heads, page numbers, end-of-line hyphenation, ligatures, a footnote."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("Serif", str(find_font("DejaVuSerif.ttf"))))
    pdfmetrics.registerFont(TTFont("SerifBold", str(find_font("DejaVuSerif-Bold.ttf"))))
    width, height = 360.0, 540.0  # a small trade paperback: many pages, many hyphens
    left, right, top, bottom = 48.0, 48.0, 60.0, 64.0
    size, leading = 10.0, 13.5
    measure = width - left - right
    c = canvas.Canvas(str(dst), pagesize=(width, height), invariant=1)
    c.setTitle("Known text")
    state = {"page": 1, "y": height - top, "chapter": "", "opening": True}

    def sw(s: str, font: str = "Serif", fs: float = size) -> float:
        return pdfmetrics.stringWidth(s, font, fs)

    def finish_page() -> None:
        c.setFont("Serif", 8)
        if not state["opening"]:
            head = RUNNING_HEAD if state["page"] % 2 == 0 else state["chapter"].upper()
            c.drawCentredString(width / 2, height - 34, head)
        c.drawCentredString(width / 2, 30, str(state["page"]))
        c.showPage()
        state["page"] += 1
        state["y"] = height - top
        state["opening"] = False

    def need(h: float) -> None:
        if state["y"] - h < bottom:
            finish_page()

    def lines_of(text: str, indent: float) -> list[str]:
        words, lines, cur = text.split(), [], ""
        avail = measure - indent
        for w in words:
            trial = f"{cur} {w}" if cur else w
            if sw(trial) <= avail:
                cur = trial
                continue
            core = re.match(r"[A-Za-z]+", w)
            split = None
            if core and len(core.group()) >= 7:
                for k in range(len(core.group()) - 3, 2, -1):
                    if sw(f"{cur} {w[:k]}-" if cur else f"{w[:k]}-") <= avail:
                        split = k
                        break
            if split:
                lines.append(f"{cur} {w[:split]}-" if cur else f"{w[:split]}-")
                cur = w[split:]
            else:
                lines.append(cur)
                cur = w
            avail = measure
        if cur:
            lines.append(cur)
        return lines

    def lig(s: str) -> str:
        return s.replace("fi", "\ufb01").replace("fl", "\ufb02")

    for kind, text in blocks:
        if kind == "heading":
            if state["chapter"]:
                finish_page()
                state["opening"] = True
            state["chapter"] = text.split(": ", 1)[-1]
            state["y"] -= 40
            c.setFont("SerifBold", 15)
            c.drawString(left, state["y"], text)
            state["y"] -= 2 * leading
            continue
        if kind == "table":
            rows = [r.split("\t") for r in text.split("\n")]
            need(leading * (len(rows) + 1))
            cols = [left, left + 60, left + 185]
            for i, row in enumerate(rows):
                c.setFont("SerifBold" if i == 0 else "Serif", 9)
                for x, cell in zip(cols, row, strict=True):
                    c.drawString(x, state["y"], cell)
                state["y"] -= leading
            state["y"] -= leading / 2
            continue
        body = plain(text)
        has_note = "[^1]" in text
        for i, line in enumerate(lines_of(body, 14.0)):
            need(leading)
            c.setFont("Serif", size)
            x = left + (14.0 if i == 0 else 0.0)
            c.drawString(x, state["y"], lig(line))
            if has_note and line.endswith("counsel."):
                c.setFont("Serif", 6)
                c.drawString(x + sw(lig(line)) + 1, state["y"] + 4, "1")
            state["y"] -= leading
        state["y"] -= 3
    # The footnote sits at the foot of the last page, above the folio.
    note_lines = lines_of(footnote, 0.0)
    y = bottom + 6 + 10.5 * len(note_lines)
    c.line(left, y + 8, left + 60, y + 8)
    c.setFont("Serif", 8)
    for i, line in enumerate(note_lines):
        c.drawString(left, y - i * 10.5, ("1 " if i == 0 else "") + line)
    finish_page()
    c.save()


def image_only_pdf(dst: Path) -> None:
    """A scanned page: a picture of text, no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(img).text((20, 80), "A scanned page has pixels, not letters.", fill=0)
    c = canvas.Canvas(str(dst), pagesize=(600, 200), invariant=1)
    c.drawImage(ImageReader(img), 0, 0, 600, 200)
    c.showPage()
    c.save()


def libreoffice_pdf(docx: Path, dst: Path) -> None:
    """LibreOffice's PDF of the docx: its header and PAGE footer become running head and folio."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(docx),
            ],
            check=True,
            capture_output=True,
        )
        shutil.move(Path(tmp) / (docx.stem + ".pdf"), dst)


def main() -> int:
    """Build every fixture next to known.md."""
    blocks, footnote = parse_source(SOURCE.read_text("utf-8"))
    (OUT / "expected.txt").write_text(expected_text(blocks, footnote), "utf-8")
    (OUT / "known.txt").write_text(wrapped_text(blocks, footnote), "utf-8")
    meta = ["--metadata", "title=The Lamp at Corrigan Point", "--metadata", "lang=en-GB"]
    pandoc(SOURCE, OUT / "known.docx")
    add_tracked_changes_and_header(OUT / "known.docx")
    pandoc(SOURCE, OUT / "known.odt")
    pandoc(SOURCE, OUT / "known.epub", *meta, "--epub-chapter-level=1")
    pandoc(SOURCE, OUT / "known.html", *meta)
    pandoc(SOURCE, OUT / "known.rtf")
    typeset_pdf(blocks, footnote, OUT / "known.pdf")
    libreoffice_pdf(OUT / "known.docx", OUT / "known-libreoffice.pdf")
    image_only_pdf(OUT / "scanned.pdf")
    for p in sorted(OUT.iterdir()):
        print(f"{p.stat().st_size:>8}  {p.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
