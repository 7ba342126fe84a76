"""Peak memory and time of the ingest worker (load_document_isolated's limits) on good and hostile files.

    python bench/isolated_worker_memory.py [--text-mb 40]

Each file is read by run_isolated with the CLI's limits (60 s, 2 GB address space); the worker reports
its own peak resident memory. Hostile files are built here: a zip bomb, billion laughs in a DOCX,
a PDF with a 300 MB Flate stream, and a very large plain text.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import zipfile
import zlib
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.ingest.isolated import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S, run_isolated  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "ingest"
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode() for i in range(1, 10))
    + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
)


def with_member(docx: bytes, member: str, data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, data if info.filename == member else src.read(info), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def flate_bomb_pdf(mb: int) -> bytes:
    body = zlib.compress(b"0" * (mb * 2**20), 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--text-mb", type=int, default=40)
    args = ap.parse_args()
    rows = []
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        docx = (FIXTURES / "known.docx").read_bytes()
        hostile = {
            "zip-bomb.docx": with_member(docx, "word/document.xml", b"<a>" + b"a" * 400 * 2**20 + b"</a>"),
            "billion-laughs.docx": with_member(docx, "word/document.xml", LAUGHS),
            "flate-bomb.pdf": flate_bomb_pdf(300),
            f"large-{args.text_mb}mb.txt": (((FIXTURES / "known.txt").read_text() + "\n") * (args.text_mb * 2**20 // 8000)).encode(),
        }
        paths = sorted(p for p in FIXTURES.iterdir() if p.name.startswith(("known", "scanned")))
        for name, data in hostile.items():
            (folder / name).write_bytes(data)
            paths.append(folder / name)
        for path in paths:
            t = time.perf_counter()
            out = run_isolated(path, timeout_s=DEFAULT_TIMEOUT_S, memory_bytes=DEFAULT_MEMORY_BYTES)
            outcome = f"refused: {out.error}" if out.document is None else f"read, {len(out.document.text):,} characters"
            rows.append({
                "file": path.name,
                "size_kb": path.stat().st_size // 1024,
                "seconds": round(time.perf_counter() - t, 2),
                "peak_worker_mb": out.peak_rss_bytes // 2**20,
                "outcome": outcome,
            })
            print(json.dumps(rows[-1]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
