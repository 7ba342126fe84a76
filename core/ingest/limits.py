"""Limits on what ingest will expand, and a ZIP reader that enforces them on bytes actually read.

DOCX, EPUB and ODT are ZIP archives, so a small file can expand to gigabytes (a zip bomb). Every
member is read in bounded chunks and refused as soon as a limit is crossed, never after.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from core.ingest.document import IngestError

MAX_INPUT_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_RATIO = 100
# A member smaller than this is never a bomb, whatever its ratio (a few KB of repetitive XML can exceed 100:1).
RATIO_GRACE_BYTES = 1024 * 1024
CHUNK = 64 * 1024
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
)


def _mib(n: int) -> str:
    return f"{n // (1024 * 1024)} MB"


class SafeZip:
    """A ZIP archive held in memory whose members can only be read within the limits above."""

    def __init__(self, raw: bytes, name: str) -> None:
        self.name = name
        try:
            self._zf = zipfile.ZipFile(io.BytesIO(raw))
            infos = self._zf.infolist()
        except _ZIP_ERRORS as exc:
            raise IngestError(f"{name} is a damaged ZIP archive and cannot be opened.") from exc
        if len(infos) > MAX_ZIP_ENTRIES:
            raise IngestError(f"{name} holds {len(infos)} files, more than the limit of {MAX_ZIP_ENTRIES}.")
        if any(i.flag_bits & 0x1 for i in infos):
            raise IngestError(f"{name} is encrypted (password-protected); save an unprotected copy.")
        ordered = sorted(infos, key=lambda i: i.header_offset)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.header_offset + a.compress_size > b.header_offset:
                raise IngestError(f"{name} has overlapping entries, a zip-bomb trick, and was refused.")
        self._infos = {i.filename: i for i in infos}
        self._read_total = 0

    def names(self) -> list[str]:
        """Member names, in archive order."""
        return list(self._infos)

    def has(self, member: str) -> bool:
        """Whether the archive holds `member`."""
        return member in self._infos

    def read(self, member: str) -> bytes:
        """The member's bytes, refused once it or the archive expands past the limits."""
        info = self._infos.get(member)
        if info is None:
            raise IngestError(f"{self.name} lacks {member}, so it is not a complete document.")
        chunks: list[bytes] = []
        got = 0
        try:
            with self._zf.open(info) as f:
                while chunk := f.read(CHUNK):
                    got += len(chunk)
                    self._read_total += len(chunk)
                    if got > RATIO_GRACE_BYTES and got > MAX_RATIO * max(info.compress_size, 1):
                        raise IngestError(
                            f"{self.name} expands more than {MAX_RATIO}:1 ({member}), like a zip bomb, and was refused."
                        )
                    if self._read_total > MAX_UNCOMPRESSED_BYTES:
                        raise IngestError(
                            f"{self.name} expands past the limit of {_mib(MAX_UNCOMPRESSED_BYTES)} and was refused."
                        )
                    chunks.append(chunk)
        except IngestError:
            raise  # a ValueError too: must not be reported as damage
        except _ZIP_ERRORS as exc:
            raise IngestError(f"{self.name} is a damaged ZIP archive ({member} cannot be read).") from exc
        return b"".join(chunks)

    def read_all_checked(self) -> None:
        """Expand every member within the limits and refuse any DTD in XML, before another library opens it.

        Office formats (OOXML, ODF) never carry a DOCTYPE, so one is a sign of an entity attack.
        """
        from core.ingest.xmlsafe import check_no_dtd_subset

        for member in self._infos:
            data = self.read(member)
            if member.lower().endswith((".xml", ".rels")):
                check_no_dtd_subset(data, f"{self.name} ({member})", refuse_any_doctype=True)
