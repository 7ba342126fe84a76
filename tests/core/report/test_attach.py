import json

import pytest
from pypdf import PdfReader, PdfWriter

from core.report.attach import ATTACHMENT_NAME, AttachmentError, attach_json, extract_json
from core.report.jsonio import result_from_dict, result_to_json
from tests.helpers.results import make_result


@pytest.fixture
def blank_pdf(tmp_path):
    path = tmp_path / "report.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Verbatim report"})
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def test_attachment_round_trips(blank_pdf) -> None:
    result = make_result()
    payload = result_to_json(result).encode("utf-8")
    attach_json(blank_pdf, payload)
    data = extract_json(blank_pdf)
    assert data == json.loads(payload)
    assert result_from_dict(data) == result
    reader = PdfReader(blank_pdf)
    assert reader.attachments[ATTACHMENT_NAME] == [payload]
    meta = reader.metadata
    assert meta.title == "Verbatim report"  # existing metadata kept
    assert meta.author == "Verbatim"
    assert "The Salt Road" in meta.subject and "memorized" in meta.subject
    assert [t for t in blank_pdf.parent.iterdir() if t.name.endswith(".tmp")] == []


def test_second_attachment_of_same_name_is_refused(blank_pdf) -> None:
    attach_json(blank_pdf, b"{}")
    with pytest.raises(AttachmentError, match="already carries"):
        attach_json(blank_pdf, b'{"a": 1}')
    assert extract_json(blank_pdf) == {}


def test_pdf_without_attachment(blank_pdf) -> None:
    with pytest.raises(AttachmentError, match="not a Verbatim report"):
        extract_json(blank_pdf)


def test_not_a_pdf(tmp_path) -> None:
    bad = tmp_path / "notes.pdf"
    bad.write_text("hello")
    with pytest.raises(AttachmentError, match="could not be read as a PDF"):
        extract_json(bad)


def test_invalid_json_attachment(blank_pdf) -> None:
    attach_json(blank_pdf, b"{broken")
    with pytest.raises(AttachmentError, match="not valid JSON"):
        extract_json(blank_pdf)
