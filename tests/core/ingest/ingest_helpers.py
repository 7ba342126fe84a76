"""Helpers for ingest tests: where the fixtures are, and small builders of hostile archives."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ingest"


def fold(text: str) -> str:
    """Whitespace folded to single spaces: layout differs between formats, words must not."""
    return " ".join(text.split())


def make_zip(members: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    """A ZIP in memory; `stored_first` is written uncompressed first (the EPUB/ODT mimetype rule)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if stored_first:
            z.writestr(zipfile.ZipInfo(stored_first), members[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            if name != stored_first:
                z.writestr(name, data)
    return buf.getvalue()


def replace_member(archive: Path, member: str, data: bytes) -> bytes:
    """A copy of a fixture archive with one member replaced (or added)."""
    with zipfile.ZipFile(archive) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    members[member] = data
    return make_zip(members, stored_first="mimetype" if "mimetype" in members else None)


def set_encrypted_flag(raw: bytes) -> bytes:
    """Mark every entry as encrypted (general-purpose flag bit 0) in local and central headers."""
    out = bytearray(raw)
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for m in re.finditer(re.escape(sig), raw):
            out[m.start() + flag_at] |= 0x01
    return bytes(out)


def point_all_entries_at_first(raw: bytes) -> bytes:
    """Rewrite every central-directory entry to share the first local header: overlapping entries."""
    out = bytearray(raw)
    for m in re.finditer(re.escape(b"PK\x01\x02"), raw):
        out[m.start() + 42 : m.start() + 46] = b"\x00\x00\x00\x00"
    return bytes(out)
