"""Bytes -> str for plain-text formats: BOM, strict UTF-8, a declared charset, then detection.

Nothing is ever decoded with errors="ignore": a guess is recorded in the normalizations, and a
guess that is too uncertain is refused, naming it.
"""

from __future__ import annotations

import codecs

import charset_normalizer

from core.ingest.document import IngestError
from core.ingest.normalize import Normalizer

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# charset-normalizer's "chaos" (share of odd-looking characters) above which a guess is refused.
MAX_CHAOS = 0.2


def _strict(raw: bytes, encoding: str, name: str, how: str) -> str:
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise IngestError(f"{name} is not valid {encoding} text although {how} says so.") from exc


def _wide_unicode_without_bom(raw: bytes) -> str | None:
    """UTF-16/32 without a BOM, told by where the NUL bytes fall in mostly-ASCII text."""
    sample = raw[:65536]
    n = len(sample)
    if n < 4:
        return None
    if n % 4 == 0:
        lanes = [sample[i::4].count(0) / (n / 4) for i in range(4)]
        if lanes[1] > 0.9 and lanes[2] > 0.9 and lanes[3] > 0.9 and lanes[0] < 0.1:
            return "utf-32-le"
        if lanes[0] > 0.9 and lanes[1] > 0.9 and lanes[2] > 0.9 and lanes[3] < 0.1:
            return "utf-32-be"
    even, odd = sample[0::2].count(0) / (n / 2), sample[1::2].count(0) / (n / 2)
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _prefer_cp1252(raw: bytes, text: str, encoding: str) -> str:
    """Name cp1252 when it reads the bytes identically to the guess (cp1250 and latin-1 often tie with it)."""
    try:
        return "cp1252" if raw.decode("cp1252") == text else encoding
    except UnicodeDecodeError:
        return encoding


def decode_text(raw: bytes, name: str, norm: Normalizer, declared: str | None = None) -> tuple[str, str]:
    """Decode a text file and return (text, encoding name); IngestError when it is not text."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _strict(raw[len(bom) :], encoding, name, "its byte-order mark"), encoding
    if b"\x00" in raw:
        wide = _wide_unicode_without_bom(raw)
        if wide is None:
            raise IngestError(f"{name} contains NUL bytes, so it is binary data rather than text.")
        text = _strict(raw, wide, name, "the pattern of its bytes")
        norm.note(f"decoded as {wide} (detected, no byte-order mark)")
        return text, wide
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            text = raw.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            norm.note(f"decoded as {declared} (declared)")
            return text, declared
    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        raise IngestError(
            f"{name} is not UTF-8 and its text encoding could not be recognised; save it as UTF-8."
        )
    encoding = best.encoding
    if best.chaos > MAX_CHAOS:
        raise IngestError(
            f"{name} is not UTF-8 and its encoding is uncertain (best guess {encoding}); save it as UTF-8."
        )
    text = _strict(raw, encoding, name, "detection")
    encoding = _prefer_cp1252(raw, text, encoding)
    norm.note(f"decoded as {encoding} (detected)")
    return text, encoding


def newlines_to_lf(text: str, norm: Normalizer) -> str:
    """CRLF and lone CR become LF."""
    n = text.count("\r")
    if n:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        norm.note("line endings converted to LF", n)
    return text
