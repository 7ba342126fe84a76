"""Issue 19, items 5, 8 and 10: hard to lose work, bad files in the queue, the status bar's wording."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.documents import MIN_MANUSCRIPT_CHARS
from gui.status import plural
from tests.gui.test_window import open_and_wait, show_active


class Recorder:
    """Stands in for the window's yes/no question: records each question, answers as told."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, title: str, question: str) -> bool:
        self.questions.append(question)
        return self.answer


def start_and_wait_for_progress(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.controller.progress, timeout=30_000):
        window.start_scan()


def test_scan_is_disabled_while_a_scan_runs_and_ctrl_r_asks_nothing(qtbot, make_window, long_manuscript) -> None:
    window = make_window(delay_s=0.05, small_chunks=True)
    show_active(qtbot, window)
    open_and_wait(qtbot, window, long_manuscript)
    assert window.scan_action.isEnabled()
    ask = Recorder(answer=False)
    window.ask = ask
    started = []
    window.controller.stateChanged.connect(lambda state: started.append(state) if state == "loading" else None)
    start_and_wait_for_progress(qtbot, window)
    assert started == ["loading"]
    started.clear()
    assert not window.scan_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert ask.questions == []  # no "resume the running scan?" question
    assert started == []  # and no restart from zero
    assert window.controller.state == "scanning"
    window.confirm_cancel_after_s = float("inf")
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.cancel_action.trigger()
    assert window.scan_action.isEnabled()


def test_cancelling_a_long_scan_asks_first(qtbot, make_window, long_manuscript) -> None:
    window = make_window(delay_s=0.05, small_chunks=True)
    show_active(qtbot, window)
    open_and_wait(qtbot, window, long_manuscript)
    window.confirm_cancel_after_s = 0.0  # every scan counts as long here
    window.ask = no = Recorder(answer=False)
    start_and_wait_for_progress(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert len(no.questions) == 1 and "Stop it now?" in no.questions[0]
    assert "long.txt" in no.questions[0]
    assert window.controller.state == "scanning"  # answered No: the scan goes on
    window.ask = yes = Recorder(answer=True)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
        assert len(yes.questions) == 1
    assert not blocker.args[0].complete


def test_failed_file_says_why_and_can_be_removed(qtbot, make_window, tmp_path: Path, manuscript) -> None:
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip at all, just words pretending to be a Word document")
    window = make_window()
    show_active(qtbot, window)
    open_and_wait(qtbot, window, manuscript)
    open_and_wait(qtbot, window, bad)
    entry = window.current_entry()
    assert entry.status == "failed"
    placeholder = window.manuscript.placeholderText()
    assert "Reading" not in placeholder and entry.error in placeholder
    assert window.badge.verdict_label.text() == "Cannot scan this file"
    assert "Press Scan" not in window.badge.reason_label.text()
    assert not window.scan_action.isEnabled()
    # Delete in the queue, the context menu's action and the Remove button all take it out.
    assert window.remove_action in window.queue_view.actions()
    assert window.queue_view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    assert window.remove_button.isEnabled()
    window.queue_view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.queue_view)
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Delete)
    assert [e.path for e in window.queue_model.entries()] == [str(manuscript)]
    assert window.current_entry().path == str(manuscript)
    assert window.manuscript.toPlainText()
    qtbot.mouseClick(window.remove_button, Qt.MouseButton.LeftButton)
    assert window.queue_model.rowCount() == 0
    assert window.badge.verdict_label.text() == "No scan yet"


def test_unsupported_or_tiny_files_are_never_ready(qtbot, make_window, tmp_path: Path) -> None:
    pages = tmp_path / "notes.pages"
    pages.write_text("notes", encoding="utf-8")
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("Five words and no more.", encoding="utf-8")
    window = make_window()
    window.open_paths([str(pages)])
    entry = window.current_entry()
    assert entry.status == "failed" and "Apple Pages" in entry.error
    assert "Apple Pages" in window.message_bar.text()
    open_and_wait(qtbot, window, tiny)
    entry = window.current_entry()
    assert entry.status == "failed"
    assert f"at least {MIN_MANUSCRIPT_CHARS}" in entry.error and "tiny.txt" in entry.error
    assert window.message_bar.text() == entry.error + " (1 more in the queue)"  # notes.pages
    assert not window.scan_action.isEnabled()
    assert "Press Scan" not in window.badge.reason_label.text()


def test_status_bar_counts_and_names_verdicts_in_words(qtbot, make_window, tmp_path: Path, manuscript) -> None:
    assert plural(1, "manuscript") == "1 manuscript" and plural(2, "manuscript") == "2 manuscripts"
    window = make_window()
    window.open_paths([str(manuscript)])
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "1 manuscript ready.")
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        window.start_scan()
    # No controls, so no chance model: at most inconclusive, and named in words.
    assert blocker.args[0].summary.verdict == "inconclusive"
    assert window.statusBar().currentMessage() == "Scan of salt-road.txt finished: Inconclusive."
    assert window.last_announcement == window.statusBar().currentMessage()
    reason = window.badge.reason_label.text()
    assert reason[0].isupper() and reason.endswith(".")
    others = []
    for name in ("second.txt", "third.txt"):
        others.append(tmp_path / name)
        others[-1].write_text(manuscript.read_text(encoding="utf-8") + name, encoding="utf-8")
    window.open_paths([str(p) for p in others])
    assert window.statusBar().currentMessage() == "Reading 2 manuscripts…"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "2 manuscripts ready.")
