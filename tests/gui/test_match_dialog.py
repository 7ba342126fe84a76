"""The "Check a model's output…" dialog: a real match in a worker thread, shown in three columns."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from core.report.attach import extract_json
from core.report.match_content import ATTACHMENT_NAME
from gui.match_dialog import MatchDialog
from tests.helpers.manuscripts import back_list, pasted_passage, write_docx
from tests.helpers.texts import kjv_chapter

SHOTS = os.environ.get("VERBATIM_SCREENSHOTS")
"""A folder to save screenshots into (unset: none are saved)."""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return back_list(tmp_path_factory.mktemp("backlist"))


def test_the_dialog_finds_the_pasted_paragraph_and_marks_the_changed_words(qtbot, folder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dialog = MatchDialog([str(folder)])
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.export_button.isEnabled()
    pasted = pasted_passage(kjv_chapter("John", 1), 40, 80, (9, 31, 58))
    dialog.set_output_text(pasted.text)
    assert dialog.run_button.isEnabled()
    with qtbot.waitSignal(dialog.matched, timeout=60_000) as blocker:
        qtbot.mouseClick(dialog.run_button, qtbot_left())
    result = blocker.args[0]
    assert dialog.match_result is result and len(result.spans) == 1
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text() == "john.epub"
    assert dialog.table.item(0, 4).text() == "96.2"
    assert dialog.output_pane.text.toPlainText() == result.spans[0].output_text
    assert dialog.output_pane.marked() == ["lantern"] * 3
    assert len(dialog.manuscript_pane.marked()) == 3
    assert "lantern" not in "".join(dialog.manuscript_pane.marked())
    assert "96.2" in dialog.figures.text() and "80" in dialog.figures.text()
    assert "1 stretch of this output replicates text of 1 of the 5 manuscripts" in dialog.status()
    if SHOTS:
        dialog.resize(1280, 860)
        dialog.grab().save(str(Path(SHOTS) / "match-dialog.png"))
    pdf = tmp_path / "match.pdf"
    assert dialog.export_pdf(pdf)
    assert extract_json(pdf, ATTACHMENT_NAME)["spans"][0]["words"] == 80


def test_an_output_loaded_from_a_docx_is_recorded_with_its_file_hash(qtbot, folder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    answer = write_docx(tmp_path / "answer.docx", [pasted_passage(kjv_chapter("Genesis", 2), 30, 40, ()).text])
    dialog = MatchDialog([str(folder / "genesis.docx")])
    qtbot.addWidget(dialog)
    assert dialog.load_output(answer)
    assert "Certainly!" in dialog.output_edit.toPlainText() and "answer.docx" in dialog.status()
    with qtbot.waitSignal(dialog.matched, timeout=60_000) as blocker:
        dialog.run()
    result = blocker.args[0]
    assert result.output.source == str(answer)
    assert result.output.sha256 == hashlib.sha256(answer.read_bytes()).hexdigest()
    assert [s.similarity for s in result.spans] == [100.0]
    dialog.set_output_text(dialog.output_edit.toPlainText() + " An edit after loading.")
    with qtbot.waitSignal(dialog.matched, timeout=60_000) as blocker:
        dialog.run()
    assert blocker.args[0].output.source == "pasted"  # edited text is no longer the file's


def test_bad_input_is_one_sentence_in_the_dialog(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty"
    empty.mkdir()
    dialog = MatchDialog([str(empty)])
    qtbot.addWidget(dialog)
    dialog.set_output_text("Some text a model wrote about nothing in particular.")
    with qtbot.waitSignal(dialog.failed, timeout=30_000) as blocker:
        dialog.run()
    assert "contains no manuscripts" in blocker.args[0] and blocker.args[0].endswith(".")
    assert dialog.status() == blocker.args[0] and dialog.match_result is None
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"\x00\x01 not a document" * 50)
    assert not dialog.load_output(junk)
    assert "junk.docx" in dialog.status()


def test_the_menu_action_opens_the_dialog_with_the_queued_manuscripts(qtbot, make_window, manuscript) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.open_paths([str(manuscript)])
    window.match_action.trigger()
    dialog = window.match_dialog
    assert isinstance(dialog, MatchDialog) and dialog.isVisible()
    assert dialog.manuscripts() == [str(manuscript)]
    dialog.set_output_text(manuscript.read_text(encoding="utf-8"))
    dialog.run()
    assert dialog.is_running()
    window.close()  # the match is waited for: the conftest fails any test that leaves a thread running
    assert not dialog.is_running()


def qtbot_left():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
