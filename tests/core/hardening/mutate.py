"""Mutations of real manuscript files for fuzzing ingest: byte damage, and damage inside ZIP members.

Byte damage alone mostly yields "damaged ZIP" for DOCX/EPUB/ODT, so the archive formats are also
rebuilt with one member damaged, which reaches the XML and HTML parsers behind the ZIP layer.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ingest"
KINDS = ("txt", "md", "html", "rtf", "pdf", "docx", "epub", "odt")
ZIPPED = ("docx", "epub", "odt")
_TOKENS = (
    b"<", b">", b"</", b"&", b";", b"&#0;", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"\x00", b"\xff\xfe",
    b"\\", b"{", b"}", b"\\u-1", b"\\bin99999", b"obj", b"endobj", b"stream", b"xref", b"trailer",
    b"/Length 999999999", b"<<", b">>", b"\r\n", b"\xe2\x80", b"%PDF-1.7", b"PK\x03\x04", b"]]>",
)


def fixture(kind: str) -> tuple[str, bytes]:
    """(file name, bytes) of the known-text fixture in `kind`."""
    path = FIXTURES / f"known.{kind}"
    return path.name, path.read_bytes()


def damage(data: bytes, rng: random.Random, edits: int | None = None) -> bytes:
    """Flip, insert, delete, duplicate or truncate at random places; sometimes splice in syntax tokens."""
    buf = bytearray(data)
    for _ in range(edits if edits is not None else rng.randint(1, 8)):
        op = rng.randrange(6)
        i = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[min(i, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[i:i] = rng.randbytes(rng.randint(1, 16))
        elif op == 2:
            del buf[i : i + rng.randint(1, 64)]
        elif op == 3 and buf:
            j = rng.randrange(len(buf))
            buf[i:i] = buf[j : j + rng.randint(1, 256)] * rng.randint(1, 4)
        elif op == 4:
            buf[i:i] = rng.choice(_TOKENS)
        else:
            del buf[max(1, i) :]
    return bytes(buf)


def damage_member(data: bytes, rng: random.Random) -> bytes:
    """Rebuild a ZIP archive with one member's bytes damaged (a valid archive, broken content)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    victim = rng.choice(names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == victim:
                body = damage(body, rng)
            dst.writestr(info, body)
    return out.getvalue()


def mutant(kind: str, rng: random.Random) -> tuple[str, bytes]:
    """A damaged file of `kind`: random bytes, byte damage of the fixture, or (ZIP formats) member damage."""
    name, data = fixture(kind)
    choice = rng.random()
    if choice < 0.1:
        return name, rng.randbytes(rng.randint(0, 4096))
    if kind in ZIPPED and choice < 0.6:
        return name, damage_member(data, rng)
    return name, damage(data, rng)
