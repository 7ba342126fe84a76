"""The Document record that ingest produces, and the error it raises for unreadable input."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from core.errors import UserError


class IngestError(UserError):
    """A manuscript that cannot be read; the message is one sentence for the user."""


@dataclass(frozen=True)
class Location:
    """A span of the normalized text and where it sits in the source ("page 3", "chapter 2")."""

    start_char: int
    end_char: int
    label: str


@dataclass(frozen=True)
class Document:
    """A manuscript as scanned: normalized text plus how it got there."""

    path: str
    sha256: str
    size_bytes: int
    format: str
    encoding: str
    text: str
    normalizations: tuple[str, ...] = ()
    locations: tuple[Location, ...] = ()

    @property
    def text_sha256(self) -> str:
        """SHA-256 of the normalized text as UTF-8."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()
