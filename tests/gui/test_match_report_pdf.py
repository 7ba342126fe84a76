"""The match report PDF: read back with pypdf, its JSON attachment round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.match import output_record, run_match
from core.report.attach import ATTACHMENT_NAME, AttachmentError, extract_json
from core.report.match_content import ATTACHMENT_NAME as MATCH_ATTACHMENT
from gui.report_pdf import export_match_report
from tests.helpers.generators import drain
from tests.helpers.manuscripts import back_list, pasted_passage
from tests.helpers.texts import control_texts, kjv_chapter


def pdf_pages(path: Path) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(path).pages]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("match-report")
    folder = back_list(root / "books")
    text = pasted_passage(kjv_chapter("John", 1), 40, 80, (9, 31, 58)).text
    text += "\n\n" + pasted_passage(kjv_chapter("Genesis", 2), 30, 40, ()).text
    _, result = drain(run_match(output_record(text, "chatbot-answer.txt"), [folder]))
    path = root / "match.pdf"
    export_match_report(result, path)
    return result, path


def test_the_pdf_states_the_finding_the_spans_and_every_hash(report) -> None:  # type: ignore[no-untyped-def]
    result, path = report
    pages = pdf_pages(path)
    text = " ".join(pages)
    assert "OUTPUT MATCH REPORT" in text and "chatbot-answer.txt" in text
    assert "2 stretches of this output replicate text of 2 of the 5 manuscripts searched" in text
    assert "Span 1 · john.epub" in text and "Span 2 · genesis.docx" in text
    assert result.output.sha256 in text and result.output.text_sha256 in text
    for m in result.manuscripts:
        assert m.sha256 in text
    assert "96.2" in text and "100.0" in text
    for i, page in enumerate(pages, 1):
        assert f"page {i} of {len(pages)}" in page


def test_the_attached_json_round_trips(report) -> None:  # type: ignore[no-untyped-def]
    result, path = report
    assert extract_json(path, MATCH_ATTACHMENT) == json.loads(json.dumps(result.to_dict()))
    with pytest.raises(AttachmentError):  # not mistaken for a scan result by `verbatim verify`
        extract_json(path, ATTACHMENT_NAME)
    meta = PdfReader(path).metadata
    assert meta is not None and "2 spans in 2 manuscripts" in str(meta.subject)


def test_a_report_without_spans_says_so(tmp_path: Path) -> None:
    folder = back_list(tmp_path / "books")
    _, result = drain(run_match(output_record(next(iter(control_texts().values()))), [folder]))
    path = tmp_path / "none.pdf"
    export_match_report(result, path)
    text = " ".join(pdf_pages(path))
    assert "No stretch of this output replicates any of the 5 manuscripts searched" in text
    assert "Span 1" not in text
    assert extract_json(path, MATCH_ATTACHMENT)["spans"] == []
