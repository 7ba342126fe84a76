import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.report.attach import extract_json
from core.report.jsonio import result_from_dict, result_to_dict
from gui import report_pdf
from gui.report_pdf import export_report, render_pdf
from tests.helpers.results import make_passage, make_result


def pdf_text(path: Path) -> str:
    """All pages' text with whitespace collapsed (the PDF breaks lines where the layout did)."""
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)


def page_texts(path: Path) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(path).pages]


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    result = make_result()
    path = tmp_path_factory.mktemp("report") / "report.pdf"
    export_report(result, path)
    return result, path


def test_report_states_verdict_hashes_and_passages(sample_report) -> None:
    result, path = sample_report
    text = pdf_text(path)
    assert "Memorized" in text
    assert result.manuscript.sha256 in text
    assert result.manuscript.text_sha256 in text
    assert result.model.files[0].sha256 in text
    strongest = result.passages[0]
    assert " ".join(strongest.original[:120].split()) in text
    assert "verbatim verify REPORT.pdf" in text


def test_every_page_is_numbered(sample_report) -> None:
    _, path = sample_report
    pages = page_texts(path)
    assert len(pages) >= 3
    for i, text in enumerate(pages, start=1):
        assert f"page {i} of {len(pages)}" in text


def test_attached_json_round_trips(sample_report) -> None:
    result, path = sample_report
    data = extract_json(path)
    assert data == result_to_dict(result)
    assert result_from_dict(data) == result


def test_metadata(sample_report) -> None:
    _, path = sample_report
    meta = PdfReader(path).metadata
    assert "The Salt Road" in meta.title
    assert meta.author == "Verbatim"
    assert "Memorized" in meta.subject
    assert meta.creator.startswith("Verbatim")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_pages_render_and_are_not_blank(sample_report, tmp_path) -> None:
    from PySide6.QtGui import QImage

    _, path = sample_report
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True, timeout=60)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == len(PdfReader(path).pages)
    for png in pngs:
        img = QImage(str(png))
        assert not img.isNull()
        # Count inked pixels in the body only: header and footer alone would make a blank page pass.
        top, bottom = int(img.height() * 0.1), int(img.height() * 0.88)
        dark = sum(
            1 for y in range(top, bottom) for x in range(img.width()) if img.pixelColor(x, y).value() < 230
        )
        assert dark > 1000, f"{png.name} looks blank"
    # Page 1 carries the coloured verdict badge.
    first = QImage(str(pngs[0]))
    reds = sum(
        1
        for y in range(first.height())
        for x in range(first.width())
        if (c := first.pixelColor(x, y)).red() > 140 and c.green() < 70 and c.blue() < 70
    )
    assert reds > 200


def test_greek_and_cyrillic_render(tmp_path) -> None:
    text = (
        "Ἐν ἀρχῇ ἦν ὁ λόγος, καὶ ὁ λόγος ἦν πρὸς τὸν θεόν. "
        "В начале было Слово, и Слово было у Бога, и Слово было Бог. "
        "Ἐν ἀρχῇ ἦν ὁ λόγος. В начале было Слово. " * 3
    )
    result = make_result(
        text=text, path="/tmp/Евангелие ευαγγέλιον.txt", passages=(make_passage(text, 10, 160),)
    )
    path = tmp_path / "unicode.pdf"
    export_report(result, path)
    extracted = pdf_text(path)
    assert "λόγος" in extracted
    assert "Слово" in extracted
    assert "Евангелие" in extracted


def test_incomplete_scan_is_marked_on_every_page(tmp_path) -> None:
    path = tmp_path / "partial.pdf"
    export_report(make_result(complete=False), path)
    pages = page_texts(path)
    assert all("INCOMPLETE SCAN (cancelled)" in t for t in pages)
    assert "was not examined" in pages[0]
    assert "(incomplete)" in PdfReader(path).metadata.subject


def test_no_evidence_report_without_passages_or_heatmap(tmp_path) -> None:
    from dataclasses import replace

    result = replace(make_result(passages=()), heatmap=())
    path = tmp_path / "clean.pdf"
    export_report(result, path)
    text = pdf_text(path)
    assert "No evidence of memorization" in text
    assert "reproduced no passage" in text


def test_markup_in_user_text_is_shown_literally(tmp_path) -> None:
    text = "Opening line. She wrote <b>not bold</b> & <i>signed</i> it at the end of the letter."
    result = make_result(text=text, path="/tmp/a<b>&c.txt", passages=(make_passage(text, 14, len(text)),))
    path = tmp_path / "markup.pdf"
    render_pdf(result, path)
    extracted = pdf_text(path)
    assert "<b>not bold</b> &" in extracted
    assert "a<b>&c.txt" in extracted


def test_failed_export_keeps_previous_report(tmp_path, monkeypatch) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF previous report")

    def broken_attach(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_pdf, "attach_json", broken_attach)
    with pytest.raises(OSError, match="No space left"):
        export_report(make_result(), path)
    assert path.read_bytes() == b"%PDF previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_unwritable_destination_is_one_clear_error(tmp_path) -> None:
    with pytest.raises(OSError, match="Could not write"):
        export_report(make_result(), tmp_path / "missing-dir" / "report.pdf")


def test_report_of_a_real_fake_backend_scan(tmp_path) -> None:
    from core.model.fake import FakeBackend
    from core.scan.engine import run_scan
    from tests.helpers.docs import document
    from tests.helpers.results import SAMPLE_TEXT, judged

    text = SAMPLE_TEXT + "\n\nA closing paragraph nobody has read before, added this morning by the author.\n"
    result = judged(run_scan(document(text, "/tmp/salt-road.txt"), FakeBackend(memorized=(SAMPLE_TEXT,))))
    path = tmp_path / "scan.pdf"
    export_report(result, path)
    extracted = pdf_text(path)
    assert "Memorized" in extracted
    longest_line = max(result.passages[0].generated.splitlines(), key=len)  # line breaks show as pilcrows
    assert " ".join(longest_line[:80].split()) in extracted
    assert result_from_dict(extract_json(path)) == result


def test_report_shows_chance_contested_and_context_copies(tmp_path) -> None:
    import dataclasses
    import unicodedata

    from tests.helpers.results import judged

    result = judged(make_result())
    first, *rest = result.passages
    marked = dataclasses.replace(first, contested=True, contested_reason="the reference model also wrote it",
                                 context_copy_tokens=5)
    result = dataclasses.replace(result, passages=(marked, *rest))
    path = tmp_path / "marked.pdf"
    export_report(result, path)
    text = " ".join(unicodedata.normalize("NFKC", pdf_text(path)).split())  # the PDF's "fi" is a ligature
    assert "Contested — neither counted nor discounted. The reference model also wrote it." in text
    assert "5 of these tokens repeat text" in text
    assert "chance of a run this long in unseen text" in text
    assert "The chance model was fitted on" in text and "The verdict rule." in text


def test_every_passage_is_in_the_pdf_cited_by_page_and_numbered_as_in_the_app(tmp_path, qtbot) -> None:
    """Issue 19, items 6 and 10: 25 passages, 20 in full and 5 in the appendix; prose statistics."""
    from core.ingest import Location
    from core.report.passages import ordered_passages
    from gui.models import PassageTableModel
    from tests.helpers.results import SAMPLE_TEXT

    text = "\n\n".join([SAMPLE_TEXT] * 3)
    step = (len(text) - 400) // 25
    passages = tuple(make_passage(text, 300 + i * step, 300 + i * step + 60 + i) for i in range(25))
    stats = {"controls": 8, "false_positives": [], "false_positive_rate": 0.0, "auc": 0.6, "p_value": 0.2}
    result = make_result(text=text, passages=passages, statistics=stats)
    third = len(text) // 3
    pages = (Location(0, third, "page 1"), Location(third + 2, 2 * third, "page 2"),
             Location(2 * third + 2, len(text), "page 3"))  # fmt: skip
    path = tmp_path / "many.pdf"
    export_report(result, path, locations=pages)
    extracted = unicodedata.normalize("NFKC", pdf_text(path))  # the PDF's "ﬁ" ligature reads as "fi"
    assert "Appendix: the other passages" in extracted and "Passages 21 to 25" in extracted
    for p in ordered_passages(result):  # each passage's own words are in the PDF, not only the first 20
        line = max(p.original.split("\n"), key=len)  # line breaks show as pilcrows
        assert len(line) > 20 and " ".join(line[:40].split()) in extracted
    model = PassageTableModel()
    model.set_passages(result.passages, len(text), text=text, locations=pages)
    for row in range(model.rowCount()):
        n, place = model.number(row), model.place(row)
        assert place.startswith("p. ")
        if n <= 20:
            assert f"Passage {n} · {place} ·" in extracted
    for dump in ("False positives", "Auc", "[]"):
        assert dump not in extracted
    assert "False-alarm rate of the verdict rule" in extracted
    if shutil.which("pdftoppm"):  # the appendix page renders (not blank): the table fits the page
        last = len(PdfReader(path).pages)
        out = tmp_path / "appendix"
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", str(last), "-l", str(last), str(path), str(out)],
                       check=True, timeout=60)
        assert any(tmp_path.glob("appendix*.png"))
