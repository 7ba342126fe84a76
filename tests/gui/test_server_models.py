"""Models on an inference server: the picker's "Connect to a server…", and generate-only results shown as such.

The server itself is core's business (core/model/remote.py); here the picker must hand its URL on as the
spec, and a result from a server that only generates must say what it did not measure.
"""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from core.model.fake import FakeBackend
from core.scan.engine import run_scan
from core.scan.sweep import PROBE, limitation
from core.settings import ScanSettings
from gui import style
from gui.compare import ModelMatrixDialog
from gui.help import show_help
from gui.model_picker import SERVER_EXAMPLE, ModelPicker
from gui.models import OBJECT_ROLE, SORT_ROLE, ModelListModel, PassageTableModel, format_probability
from gui.results_view import VerdictBadge
from gui.welcome import WelcomeView
from tests.gui.conftest import MEMORIZED
from tests.gui.test_window import open_and_wait
from tests.helpers.docs import document
from tests.helpers.results import SAMPLE_TEXT, make_result

URL = "http://127.0.0.1:8080"


def answer_dialog(monkeypatch: pytest.MonkeyPatch, text: str, ok: bool = True) -> list[tuple[object, ...]]:
    """Replace QInputDialog.getText (a modal dialog would block) with one that answers `text`; return its calls."""
    calls: list[tuple[object, ...]] = []

    def get_text(*args: object, **kwargs: object) -> tuple[str, bool]:
        calls.append(args)
        return text, ok

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    return calls


@pytest.fixture
def picker(qtbot, qsettings) -> ModelPicker:  # type: ignore[no-untyped-def]
    widget = ModelPicker(qsettings, discover=lambda: [])
    qtbot.addWidget(widget)
    return widget


def test_connect_to_server_adds_selects_and_remembers_the_url(qtbot, picker, qsettings, monkeypatch) -> None:
    calls = answer_dialog(monkeypatch, " HTTP://127.0.0.1:8080/ ")
    assert "Connect to a &server…" in [a.text() for a in picker.browse_button.menu().actions()]
    with qtbot.waitSignal(picker.modelChanged) as blocker:
        picker.server_action.trigger()
    assert calls and SERVER_EXAMPLE in calls[0], "the dialog offers the usual local address to edit"
    assert blocker.args == [URL]
    assert picker.current_spec() == URL
    choice = picker.current_choice()
    assert (choice.name, choice.format, choice.source, choice.size_bytes) == (
        "Server 127.0.0.1:8080", "server", "server", None
    )
    assert picker.combo.currentText() == "Server 127.0.0.1:8080  —  remote"
    assert picker.recent()[0] == URL

    # Not a path on disk, yet it stays listed, and a new picker on the same settings selects it again.
    again = ModelPicker(qsettings, discover=lambda: [])
    qtbot.addWidget(again)
    assert again.current_spec() == URL
    assert again.combo.currentText() == "Server 127.0.0.1:8080  —  remote"


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("127.0.0.1:8080", "must start with http:// or https://"),
        ("ftp://models.example.org", "must start with http:// or https://"),
        ("http://", "name a host"),
        ("http://127.0.0.1:99999", "no valid port"),
        ("   ", "Type the server's address"),
    ],
)
def test_invalid_server_address_says_why_and_adds_nothing(qtbot, picker, monkeypatch, address, says) -> None:
    answer_dialog(monkeypatch, address)
    rows = picker.combo.count()
    with qtbot.assertNotEmitted(picker.modelChanged), qtbot.waitSignal(picker.errorOccurred) as blocker:
        picker.server_action.trigger()
    message = blocker.args[0]
    assert says in message and message.endswith(".") and message.count(". ") == 0, message
    assert picker.combo.count() == rows
    assert picker.current_spec() is None
    assert picker.recent() == []


def test_cancelled_server_dialog_changes_nothing(qtbot, picker, monkeypatch) -> None:
    answer_dialog(monkeypatch, URL, ok=False)
    with qtbot.assertNotEmitted(picker.modelChanged), qtbot.assertNotEmitted(picker.errorOccurred):
        picker.server_action.trigger()
    assert picker.recent() == [] and picker.current_spec() is None


def test_server_entry_in_the_list_model(qtmodeltester, picker) -> None:
    assert picker.choose_server("https://user:secret@gpu.example.org:8000/v1/")
    model: ModelListModel = picker.model
    row = model.row_of("https://user:secret@gpu.example.org:8000/v1")
    assert row == 1
    index = model.index(row, 0)
    assert model.data(index) == "Server gpu.example.org:8000  —  remote", "no credentials, no size"
    tip = model.data(index, 3)  # ToolTipRole
    assert "https://gpu.example.org:8000/v1" in tip and "sent to it" in tip and "secret" not in tip
    qtmodeltester.check(model, force_py=True)


def generate_only_result():  # type: ignore[no-untyped-def]
    backend = FakeBackend(memorized=(MEMORIZED,), can_score=False)
    return run_scan(document(SAMPLE_TEXT), backend, ScanSettings())


def test_badge_shows_what_a_generate_only_scan_did_not_measure(qtbot) -> None:
    result = generate_only_result()
    assert result.provenance["probe"] == PROBE and result.summary.coverage == {}
    assert result.passages, "the fake memorized chapter two: the sweep must find it"
    badge = VerdictBadge()
    qtbot.addWidget(badge)
    badge.show()
    badge.show_result(result)
    assert badge.notice_label.isVisible()
    assert badge.notice() == limitation(ScanSettings.from_dict(result.settings))
    assert "Generate-only scan." in badge.notice_label.text()
    assert badge.figure("coverage") == "not measured"
    assert badge.figure("longest") == f"{result.summary.longest_verbatim_tokens:,} tokens"

    # The same badge then shows a teacher-forced result of the same text: no notice, a real coverage.
    normal = run_scan(document(SAMPLE_TEXT), FakeBackend(memorized=(MEMORIZED,)), ScanSettings())
    assert normal.provenance["probe"] == "teacher-forced"
    badge.show_result(normal)
    assert not badge.notice_label.isVisible() and badge.notice() == ""
    assert badge.figure("coverage").endswith("%")

    badge.show_result(result)
    badge.clear()
    assert badge.notice() == "" and badge.figure("coverage") == "—"


def test_older_results_without_the_probe_key(qtbot) -> None:
    badge = VerdictBadge()
    qtbot.addWidget(badge)
    old = make_result()
    assert "probe" not in old.provenance
    badge.show_result(old)
    assert badge.notice() == "" and badge.figure("coverage") == "33.0 %"  # as the PDF writes it

    # An older generate-only result is known by its backend, and its settings need not be readable.
    model = dataclasses.replace(old.model, backend="remote, generate-only (llama-server)")
    badge.show_result(dataclasses.replace(old, model=model, settings={"no such setting": 1}))
    assert badge.notice() == limitation(ScanSettings())
    assert badge.figure("coverage") == "not measured"


def test_window_scans_a_generate_only_server_end_to_end(qtbot, make_window, manuscript, monkeypatch) -> None:
    specs: list[str | None] = []

    def server(spec, settings):  # type: ignore[no-untyped-def]
        specs.append(spec)
        return FakeBackend(memorized=(MEMORIZED,), can_score=False)

    window = make_window(factory=server)
    answer_dialog(monkeypatch, URL)
    window.picker.server_action.trigger()
    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        window.start_scan()
    assert specs == [URL]
    assert blocker.args[0].provenance["probe"] == PROBE
    assert window.badge.notice().startswith("This model's server returns log-probabilities only")
    assert window.badge.figure("coverage") == "not measured"


def test_help_names_the_servers_and_the_probe_length(qtbot) -> None:
    dialog = show_help(None, "method")  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    text = " ".join(dialog.text().split())
    c = ScanSettings().thresholds.candidate_run_tokens
    assert f"every verbatim run of {2 * c - 1} tokens or more" in text, "the help must match core's sweep"
    for name in ("vLLM", "llama-cpp-python", "Ollama", "llama-server", "Connect to a server"):
        assert name in text


# ----- what a generate-only result did not measure: the table, the detail, the matrix ------------------


def cell(window, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
    """A cell of the passages table as the user sees it (through the sorting proxy)."""
    return window.passage_proxy.index(row, column).data(role)


def p_extract_column(window) -> list[str]:  # type: ignore[no-untyped-def]
    return [cell(window, r, PassageTableModel.P_EXTRACT) for r in range(window.passage_proxy.rowCount())]


def test_table_and_detail_say_p_extract_was_not_measured(qtbot, make_window) -> None:
    window = make_window()
    window.show()
    result = generate_only_result()
    assert all(p.p_extract == 0.0 for p in result.passages), "the sweep measures no p_extract"
    window.show_result(result)
    rows = window.passage_proxy.rowCount()
    assert rows == len(result.passages) > 0
    col = PassageTableModel.P_EXTRACT
    assert window.passage_model.headerData(col, Qt.Orientation.Horizontal) == "p_extract"
    assert p_extract_column(window) == ["—"] * rows
    assert cell(window, 0, col, Qt.ItemDataRole.ToolTipRole) == "not measured: generate-only scan"
    assert "Not measured in this scan" in window.passage_model.headerData(
        col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    first = cell(window, 0, 0, OBJECT_ROLE)
    assert cell(window, 0, PassageTableModel.TOKENS) == f"{first.verbatim_tokens:,}", "the other columns are figures"

    # The first row is selected: its detail line says the same, and no "0" probability or sample count.
    shown = window.detail.passage
    assert shown is not None
    summary = window.detail.summary_label.text()
    assert "p_extract <i>not measured</i> (generate-only scan)" in summary
    assert "extraction chance per attempt <b>" not in summary and "attempts for 50&nbsp;% odds" not in summary
    assert f"<b>{shown.verbatim_tokens}</b> tokens verbatim" in summary
    assert window.detail.summary_label.toolTip().startswith("p_extract not measured: generate-only scan\n\n")

    # Sorting on the column still works: every row stays, and the other sorts are untouched.
    window.table.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    assert window.passage_proxy.rowCount() == rows and p_extract_column(window) == ["—"] * rows
    window.table.sortByColumn(PassageTableModel.WHERE, Qt.SortOrder.AscendingOrder)
    starts = [cell(window, r, 0, OBJECT_ROLE).start_char for r in range(rows)]
    assert starts == sorted(starts)


def test_a_teacher_forced_result_after_it_shows_numbers_again(qtbot, make_window) -> None:
    window = make_window()
    window.show_result(generate_only_result())
    normal = run_scan(document(SAMPLE_TEXT), FakeBackend(memorized=(MEMORIZED,)), ScanSettings())
    assert any(p.p_extract > 0 for p in normal.passages)
    window.show_result(normal)
    col = PassageTableModel.P_EXTRACT
    assert window.passage_model.measured
    rows = window.passage_proxy.rowCount()
    window.table.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    shown = [cell(window, r, col, OBJECT_ROLE).p_extract for r in range(rows)]
    assert shown == sorted(shown, reverse=True), "sorted on the raw probability"
    assert p_extract_column(window) == [format_probability(p) if p > 0 else "never (top-40)" for p in shown]
    assert "—" not in p_extract_column(window)
    assert cell(window, 0, col, Qt.ItemDataRole.ToolTipRole) != "not measured: generate-only scan"

    window.table.selectRow(0)
    top = window.detail.passage
    assert top is not None and top.p_extract == shown[0]
    summary = window.detail.summary_label.text()
    chance = format_probability(top.p_extract) if top.p_extract > 0 else "not extractable by top-40 sampling"
    assert f"extraction chance per attempt <b>{chance}</b>" in summary and "not measured" not in summary
    assert "not measured" not in window.detail.summary_label.toolTip()

    # Back to "no result": the next result starts measured.
    window.show_result(generate_only_result())
    window.clear_result()
    assert window.passage_model.measured and window.passage_proxy.rowCount() == 0


def test_passage_model_not_measured_is_a_valid_model(qtmodeltester) -> None:
    result = generate_only_result()
    model = PassageTableModel()
    model.set_passages(result.passages, len(SAMPLE_TEXT), measured=False)
    qtmodeltester.check(model, force_py=True)
    index = model.index(0, PassageTableModel.P_EXTRACT)
    assert model.data(index) == "—" and model.data(index, SORT_ROLE) == 0.0
    assert model.data(index, Qt.ItemDataRole.ForegroundRole).color() == style.MUTED
    model.set_passages(result.passages, len(SAMPLE_TEXT))
    # A measured 0 reads as what it means (issue 19, item 2), never as "not measured".
    assert model.data(index) == "never (top-40)"


def server_and_local_factory():  # type: ignore[no-untyped-def]
    """The embedded default scores given text; the server (URL) only generates. Both memorized chapter two."""

    def factory(spec, settings):  # type: ignore[no-untyped-def]
        backend = FakeBackend(memorized=(MEMORIZED,), can_score=spec is None)
        if spec is not None:
            backend.info = dataclasses.replace(backend.info, name="server-model")
        return backend

    return factory


def test_matrix_says_coverage_not_measured_for_a_generate_only_model(qtbot, tmp_path, manuscript) -> None:
    dialog = ModelMatrixDialog(server_and_local_factory(), tmp_path / "comparisons")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.catalogueFinished, timeout=120_000) as blocker:
        dialog.start([str(manuscript)], [None, URL], ScanSettings())
    rows = {r.model: r for r in blocker.args[0]}
    server, local = rows["server-model"], rows[FakeBackend().info.name]
    assert server.coverage_1pct is None, "not measured, not 0"
    model = dialog.model
    assert model.headerData(1, Qt.Orientation.Horizontal) == "server-model"
    server_cell, local_cell = model.index(0, 1), model.index(0, 0)
    assert server_cell.data() == (
        f"Memorized  ·  {server.longest_verbatim_tokens:,} tokens  ·  coverage not measured"
    )
    assert "In-context coverage @ 1 %: not measured (generate-only scan)" in server_cell.data(Qt.ItemDataRole.ToolTipRole)
    assert local_cell.data().endswith(f"tokens  ·  {local.coverage_1pct:.1%} in-context coverage")
    assert local.coverage_1pct > 0
    assert "not measured" not in local_cell.data(Qt.ItemDataRole.ToolTipRole)

    # Opening the pair shows the same result as a single scan would: generate-only.
    from core.report.jsonio import read_json

    assert read_json(server.json_path).provenance["probe"] == PROBE


def test_welcome_does_not_promise_that_nothing_is_uploaded(qtbot) -> None:
    view = WelcomeView()
    qtbot.addWidget(view)
    note = view.privacy_note.text()
    assert "nothing is uploaded" not in note
    assert note == "Your manuscript stays on this computer unless you choose a model on a server."
