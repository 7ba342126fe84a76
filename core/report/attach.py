"""Carry the raw scan JSON inside the PDF report as an embedded file (pypdf; no Qt).

A report is then one file: the human-readable pages and the machine-readable evidence that
`verbatim verify` replays. The PDF is rewritten atomically, so a failure leaves the old file whole.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from core.atomic import atomic_write_bytes
from core.errors import UserError

ATTACHMENT_NAME = "verbatim-result.json"


class AttachmentError(UserError):
    """A PDF that carries no readable Verbatim result; the message is one sentence."""


def attach_json(
    pdf_path: str | os.PathLike[str],
    json_bytes: bytes,
    name: str = ATTACHMENT_NAME,
    *,
    subject: str | None = None,
    author: str = "Verbatim",
) -> None:
    """Embed `json_bytes` in the PDF at `pdf_path` as file `name` and set Subject/Author metadata."""
    reader = PdfReader(os.fspath(pdf_path))
    if name in reader.attachments:
        raise AttachmentError(f"{os.fspath(pdf_path)} already carries an attachment named {name}.")
    writer = PdfWriter(clone_from=reader)
    writer.add_attachment(name, json_bytes)
    info: dict[str, Any] = {"/Author": author}
    if subject is None:
        subject = _default_subject(json_bytes)
    if subject:
        info["/Subject"] = subject
    writer.add_metadata(info)
    buf = io.BytesIO()
    writer.write(buf)
    atomic_write_bytes(pdf_path, buf.getvalue())


def _default_subject(json_bytes: bytes) -> str:
    """Subject line "Memorization scan of <work> against <model>: <verdict>", or "" if not a result."""
    try:
        data = json.loads(json_bytes)
        work = os.path.basename(str(data["manuscript"]["path"]))
        return f"Memorization scan of {work} against {data['model']['name']}: {data['summary']['verdict']}"
    except (ValueError, KeyError, TypeError):
        return ""


def extract_json(pdf_path: str | os.PathLike[str], name: str = ATTACHMENT_NAME) -> dict[str, Any]:
    """The embedded scan JSON of a report as a dict; AttachmentError when absent or unreadable."""
    where = os.fspath(pdf_path)
    try:
        attachments = PdfReader(where).attachments
        contents = attachments.get(name)
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        raise AttachmentError(f"{where} could not be read as a PDF: {exc}.") from exc
    if not contents:
        raise AttachmentError(f"{where} carries no embedded {name}; it is not a Verbatim report.")
    if len({bytes(c) for c in contents}) > 1:
        raise AttachmentError(f"{where} carries conflicting copies of {name}.")
    try:
        data = json.loads(contents[0])
    except ValueError as exc:
        raise AttachmentError(f"The {name} embedded in {where} is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise AttachmentError(f"The {name} embedded in {where} is not a JSON object.")
    return data
