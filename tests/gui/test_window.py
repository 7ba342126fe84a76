"""The main window end to end with FakeBackend: open, pick a model, scan, cancel, close, export."""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication

from gui.models import OBJECT_ROLE, PassageTableModel
from tests.gui.conftest import MEMORIZED
from tests.helpers.results import SAMPLE_TEXT, make_result


def drop(widget, paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    """Drag `paths` in from a file manager: Qt delivers a drop only after an accepted drag enter."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, buttons, mods))


def show_active(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Shortcuts only reach the active window."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def open_and_wait(qtbot, window, path: Path) -> None:  # type: ignore[no-untyped-def]
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: window.current_entry() is not None and window.current_entry().status != "loading")


def test_dropped_file_shows_its_text(qtbot, make_window, manuscript) -> None:
    window = make_window()
    drop(window.drop_zone, [manuscript])
    qtbot.waitUntil(lambda: window.manuscript.toPlainText() == SAMPLE_TEXT.strip())
    assert window.queue_model.rowCount() == 1
    assert window.scan_action.isEnabled()
    assert manuscript.name in window.windowTitle()


def test_dropped_folder_queues_every_manuscript(qtbot, make_window, tmp_path) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    for name in ("a.txt", "b.md", "notes.xyz"):
        (folder / name).write_text(f"Text of {name}. " * 20, encoding="utf-8")  # long enough to scan
    window = make_window()
    drop(window.manuscript.viewport(), [folder])
    qtbot.waitUntil(lambda: window.queue_model.rowCount() == 2 and window.current_entry().status == "ready")
    assert window.manuscript.toPlainText() == ("Text of a.txt. " * 20).strip()
    window.queue_view.setCurrentIndex(window.queue_model.index(1, 0))
    assert window.manuscript.toPlainText() == ("Text of b.md. " * 20).strip()


def test_bad_file_is_one_sentence_and_window_lives(qtbot, make_window, tmp_path, manuscript) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    window = make_window()
    open_and_wait(qtbot, window, empty)
    message = window.message_bar.text()
    assert "empty.txt" in message and message.endswith(".") and "\n" not in message
    assert not window.scan_action.isEnabled()
    open_and_wait(qtbot, window, manuscript)
    assert window.manuscript.toPlainText() == SAMPLE_TEXT.strip()


def test_model_picker_lists_discovered_models_and_remembers_choice(
    qtbot, make_window, qsettings, tmp_path
) -> None:
    entry = SimpleNamespace(
        name="SmolLM2-135M-Instruct",
        path=str(tmp_path / "smol.gguf"),
        format="gguf",
        size_bytes=105_000_000,
        parameters=135_000_000,
        quantization="Q4_1",
        source="LM Studio",
    )
    window = make_window(discover=lambda: [entry])
    combo = window.picker.combo
    assert combo.count() == 2
    assert combo.itemText(0).startswith("Embedded default")
    assert "SmolLM2-135M-Instruct" in combo.itemText(1) and "135M params" in combo.itemText(1)
    assert window.picker.current_spec() is None

    weights = tmp_path / "my-model.gguf"
    weights.write_bytes(b"GGUF")
    with qtbot.waitSignal(window.picker.modelChanged) as blocker:
        assert window.picker.choose_path(str(weights))
    assert blocker.args == [str(weights)]
    assert window.picker.recent()[0] == str(weights)

    # A second window with the same settings comes back with that choice.
    window.close()
    again = make_window(discover=lambda: [entry])
    assert again.picker.current_spec() == str(weights)


def test_model_drop_refuses_pickles(qtbot, make_window, tmp_path) -> None:
    window = make_window()
    pickle = tmp_path / "pytorch_model.bin"
    pickle.write_bytes(b"\x80\x04")
    with qtbot.waitSignal(window.picker.errorOccurred) as blocker:
        drop(window.picker, [pickle])
    assert "pytorch_model.bin" in blocker.args[0]
    assert window.picker.current_spec() is None


def test_scan_fills_verdict_table_heatmap_text_and_detail(qtbot, make_window, manuscript) -> None:
    window = make_window()
    show_active(qtbot, window)
    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    result = blocker.args[0]
    assert result.complete
    assert result.passages, "the fake model memorized chapter two: the scan must find it"
    assert window.result is result
    assert window.badge.verdict_label.text()
    assert window.table.model().rowCount() == len(result.passages)
    assert max(window.heatmap.values()) > 0
    assert len(window.manuscript.highlighted()) == len(result.passages)
    # Everything found lies in the memorized chapter.
    start = SAMPLE_TEXT.index(MEMORIZED)
    assert all(p.start_char >= start for p in result.passages)
    # The top row is selected and shown side by side, spans highlighted on both sides.
    shown = window.detail.passage
    assert shown is not None
    assert window.detail.original.text.toPlainText() == shown.original
    assert window.detail.generated.text.toPlainText() == shown.generated
    assert window.detail.original.highlighted_ranges()
    assert window.detail.generated.highlighted_ranges()
    assert window.queue_model.entry(0).status == "scanned"
    assert window.export_action.isEnabled()


def test_table_sorts_and_heatmap_click_selects_passage(qtbot, make_window, manuscript) -> None:
    window = make_window()
    window.open_paths([str(manuscript)])
    qtbot.waitUntil(lambda: window.current_entry().status == "ready")
    window.show_result(make_result())
    window.table.sortByColumn(PassageTableModel.WHERE, Qt.SortOrder.AscendingOrder)
    starts = [window.table.model().index(r, 0).data(OBJECT_ROLE).start_char for r in range(3)]
    assert starts == sorted(starts)
    window.table.clearSelection()
    target = max(window.result.passages, key=lambda p: p.start_char)
    window.heatmap.resize(800, 24)
    x = round((target.start_char + 2) / len(SAMPLE_TEXT) * window.heatmap.width())
    qtbot.mouseClick(window.heatmap, Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    assert window.detail.passage == target
    assert abs(window.manuscript.textCursor().position() - target.start_char) <= 1


def test_cancel_mid_scan_keeps_partial_result_marked_incomplete(qtbot, make_window, long_manuscript) -> None:
    window = make_window(delay_s=0.05, small_chunks=True)
    show_active(qtbot, window)
    open_and_wait(qtbot, window, long_manuscript)
    with qtbot.waitSignal(window.controller.progress, timeout=30_000):
        window.start_scan()
    qtbot.waitUntil(lambda: window.progress_bar.maximum() > 0 and "tokens" in window.progress_label.text())
    window.confirm_cancel_after_s = float("inf")  # a cancel a moment after starting asks nothing
    with qtbot.waitSignal(window.controller.finished, timeout=5_000) as blocker:
        cancelled_at = time.monotonic()
        qtbot.keyClick(window, Qt.Key.Key_Escape)
        assert window.controller.state == "cancelling"
    assert time.monotonic() - cancelled_at < 2.0
    result = blocker.args[0]
    assert not result.complete
    assert result.positions_scored < result.positions_total
    assert "incomplete" in window.badge.verdict_label.text()
    assert window.queue_model.entry(0).status == "partial"
    assert not window.controller.busy


def test_close_mid_scan_leaves_no_thread(qtbot, make_window, long_manuscript) -> None:
    window = make_window(delay_s=0.05, small_chunks=True)
    open_and_wait(qtbot, window, long_manuscript)
    with qtbot.waitSignal(window.controller.progress, timeout=30_000):
        window.start_scan()
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 3.0
    assert not window.controller.busy
    assert not window.controller.threads_running()
    # The autouse fixture fails this test if any QThread is still running.


def test_new_scan_cancels_the_running_one(qtbot, make_window, long_manuscript, manuscript) -> None:
    window = make_window(delay_s=0.02, small_chunks=True)
    window.open_paths([str(long_manuscript), str(manuscript)])
    qtbot.waitUntil(lambda: all(e.status == "ready" for e in window.queue_model.entries()))
    results = []
    window.controller.finished.connect(results.append)
    with qtbot.waitSignal(window.controller.progress, timeout=30_000):
        window.start_scan()
    window.queue_view.setCurrentIndex(window.queue_model.index(1, 0))
    with qtbot.waitSignal(window.controller.finished, timeout=60_000):
        window.start_scan()
    assert len(results) == 1 and results[0].manuscript.path == str(manuscript)
    qtbot.waitUntil(lambda: not window.controller.threads_running(), timeout=5_000)


def test_scan_without_manuscript_says_so(qtbot, make_window) -> None:
    window = make_window()
    window.start_scan()
    assert "Open a manuscript" in window.message_bar.text()


def test_backend_failure_is_one_sentence(qtbot, make_window, manuscript, qsettings) -> None:
    from gui.app import create_main_window

    def broken(spec, settings):  # type: ignore[no-untyped-def]
        raise ValueError("model.safetensors has a header larger than 100 MB")

    window = create_main_window(broken, settings=qsettings, discover=lambda: [])
    qtbot.addWidget(window)
    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.failed, timeout=10_000):
        window.start_scan()
    assert window.message_bar.text() == "model.safetensors has a header larger than 100 MB."
    assert not window.controller.busy
    window.close()


def test_export_csv_and_missing_pdf(qtbot, make_window, manuscript, tmp_path, monkeypatch) -> None:
    window = make_window()
    assert not window.export_to(str(tmp_path / "none.csv"))
    window.show_result(make_result())
    out = tmp_path / "passages.csv"
    assert window.export_to(str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert len(rows) == len(window.result.passages)
    assert rows[0]["original"] == window.result.passages[0].original

    monkeypatch.setitem(sys.modules, "gui.report_pdf", None)
    assert not window.export_to(str(tmp_path / "report.pdf"))
    assert window.message_bar.text() == "PDF export is not available in this build."
    assert not (tmp_path / "report.pdf").exists()


def test_export_json_round_trips(qtbot, make_window, tmp_path) -> None:
    jsonio = __import__("pytest").importorskip("core.report.jsonio")
    window = make_window()
    window.show_result(make_result())
    out = tmp_path / "result.json"
    assert window.export_to(str(out))
    assert jsonio.read_json(out).summary == window.result.summary


def test_shortcuts_and_mnemonics(make_window) -> None:
    window = make_window()
    assert window.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert window.scan_action.shortcut() == QKeySequence("Ctrl+R")
    assert window.cancel_action.shortcut() == QKeySequence("Esc")
    assert window.export_action.shortcut() == QKeySequence("Ctrl+E")
    for action in (window.open_action, window.scan_action, window.cancel_action, window.export_action):
        assert "&" in action.text()
    assert not window.cancel_action.isEnabled()


def test_cancel_while_model_loads(qtbot, make_window, manuscript, qsettings) -> None:
    import threading

    from gui.app import create_main_window
    from tests.gui.conftest import fake_factory

    release = threading.Event()

    def slow_loader(spec, settings):  # type: ignore[no-untyped-def]
        release.wait(10)
        return fake_factory()(spec, settings)

    window = create_main_window(slow_loader, settings=qsettings, discover=lambda: [])
    qtbot.addWidget(window)
    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.loadingModel):
        window.start_scan()
    assert window.progress_bar.maximum() == 0  # indeterminate while loading
    assert "Loading model" in window.progress_label.text()
    window.cancel_scan()
    assert window.controller.state == "cancelling"
    with qtbot.waitSignal(window.controller.cancelled, timeout=5_000):
        release.set()
    assert window.result is None and not window.controller.busy
    assert window.queue_model.entry(0).status == "ready"
    window.close()


def test_table_cites_passages_like_the_report_and_numbers_them_strongest_first(
    qtbot, make_window, manuscript
) -> None:
    """Issue 19, item 6: "para. 7" rather than a character offset; No. 1 is the PDF's Passage 1."""
    from core.report.cite import cite
    from core.report.passages import ordered_passages

    window = make_window()
    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000):
        window.start_scan()
    doc = window.current_entry().document
    result = window.result
    proxy, model = window.passage_proxy, PassageTableModel
    rows = proxy.rowCount()
    assert rows == len(result.passages) > 0
    assert proxy.headerData(model.WHERE, Qt.Orientation.Horizontal) == "Where"
    shown = [proxy.index(r, 0).data(OBJECT_ROLE) for r in range(rows)]
    assert shown == ordered_passages(result)  # the default order is the report's
    assert [proxy.index(r, model.NUMBER).data() for r in range(rows)] == [str(n) for n in range(1, rows + 1)]
    for r, p in enumerate(shown):
        assert proxy.index(r, model.WHERE).data() == cite(p.start_char, doc.text, doc.locations)
        assert proxy.index(r, model.WHERE).data().startswith("para. ")
