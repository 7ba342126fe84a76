"""Evidence that can be checked: the result's JSON, atomic writes (from core.atomic), the JSON in the PDF.

The PDF itself is rendered in `gui.report_pdf` (Qt); everything here is plain Python.
"""

from core.atomic import WriteError, atomic_path, atomic_write_bytes, atomic_write_text
from core.report.attach import ATTACHMENT_NAME, AttachmentError, attach_json, extract_json
from core.report.jsonio import (
    ResultFormatError,
    read_json,
    result_from_dict,
    result_from_json,
    result_to_dict,
    result_to_json,
    write_json,
)

__all__ = [
    "ATTACHMENT_NAME",
    "AttachmentError",
    "ResultFormatError",
    "WriteError",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "attach_json",
    "extract_json",
    "read_json",
    "result_from_dict",
    "result_from_json",
    "result_to_dict",
    "result_to_json",
    "write_json",
]
