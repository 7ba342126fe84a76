"""Resume from a checkpoint, controls after the scan, and several models, end to end with FakeBackend."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

from core.checkpoints import checkpoint_path, unfinished_for
from core.model.fake import FakeBackend
from core.report.jsonio import result_to_dict
from core.scan.engine import run_scan
from core.settings import ScanSettings
from tests.gui.conftest import MEMORIZED
from tests.gui.test_window import open_and_wait
from tests.helpers.generators import drain

SMALL = ScanSettings(chunk_tokens=48, overlap_tokens=16, batch_size=1)


def comparable(result) -> dict:  # type: ignore[no-untyped-def]
    """The result without times (provenance), which differ between any two runs."""
    data = result_to_dict(result)
    data.pop("provenance")
    return data


def test_cancelled_scan_offers_resume_and_gives_the_uninterrupted_result(
    qtbot, make_window, long_manuscript, data_dir
) -> None:
    window = make_window(delay_s=0.02, small_chunks=True)
    open_and_wait(qtbot, window, long_manuscript)
    document = window.current_entry().document
    with qtbot.waitSignal(window.controller.progress, timeout=30_000):
        window.start_scan()
    qtbot.waitUntil(lambda: (u := unfinished_for(data_dir / "checkpoints", document, None)) is not None
                    and u.batches_done >= 3, timeout=30_000)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000) as blocker:
        window.cancel_scan()
    assert not blocker.args[0].complete
    unfinished = unfinished_for(data_dir / "checkpoints", document, None)
    assert unfinished is not None and 0 < unfinished.batches_done < unfinished.batches_total

    questions: list[str] = []
    window.ask = lambda title, question: questions.append(question) or True
    with qtbot.waitSignal(window.controller.finished, timeout=120_000) as blocker:
        window.start_scan()
    assert questions == [
        f"Resume the unfinished scan ({unfinished.batches_done} of {unfinished.batches_total} batches done)?"
    ]
    resumed = blocker.args[0]
    assert resumed.complete
    uninterrupted = run_scan(document, FakeBackend(memorized=(MEMORIZED,)), SMALL)
    assert comparable(resumed) == comparable(uninterrupted)
    # A finished scan leaves no checkpoint behind.
    assert not checkpoint_path(data_dir / "checkpoints", document, None).exists()


def test_declining_resume_starts_fresh(qtbot, make_window, manuscript, data_dir) -> None:
    window = make_window()
    open_and_wait(qtbot, window, manuscript)
    document = window.current_entry().document
    _leave_unfinished(window, document, data_dir)
    window.ask = lambda title, question: False
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        window.start_scan()
    assert blocker.args[0].complete
    assert unfinished_for(data_dir / "checkpoints", document, None) is None


def test_refused_resume_says_why_and_offers_a_fresh_scan(qtbot, make_window, manuscript, data_dir) -> None:
    window = make_window()
    open_and_wait(qtbot, window, manuscript)
    document = window.current_entry().document
    _leave_unfinished(window, document, data_dir, settings=ScanSettings(chunk_tokens=64, overlap_tokens=16))
    questions: list[str] = []
    window.ask = lambda title, question: questions.append(question) or True
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        window.start_scan()
    assert blocker.args[0].complete
    assert questions[0].startswith("Resume the unfinished scan")
    assert "the setting chunk_tokens changed from 64 to" in questions[1]
    assert questions[1].endswith("Start a fresh scan instead?")


def test_dropping_a_manuscript_with_an_unfinished_scan_offers_resume(
    qtbot, make_window, manuscript, data_dir
) -> None:
    from tests.gui.test_window import drop

    first = make_window()
    open_and_wait(qtbot, first, manuscript)
    _leave_unfinished(first, first.current_entry().document, data_dir)
    first.close()
    window = make_window()
    questions: list[str] = []
    window.ask = lambda title, question: questions.append(question) or True
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        drop(window.drop_zone, [manuscript])
    assert questions and "salt-road.txt: Resume the unfinished scan (1 of" in questions[0]
    assert blocker.args[0].complete


def test_start_offers_to_reopen_an_unfinished_scan(qtbot, make_window, manuscript, data_dir) -> None:
    first = make_window()
    open_and_wait(qtbot, first, manuscript)
    _leave_unfinished(first, first.current_entry().document, data_dir)
    first.close()
    window = make_window()
    window.ask = lambda title, question: True
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        assert window.offer_unfinished()
    assert blocker.args[0].complete and blocker.args[0].manuscript.path == str(manuscript)


def _leave_unfinished(window, document, data_dir, settings=None) -> None:  # type: ignore[no-untyped-def]
    """Write a checkpoint with one committed batch, as a scan killed early would leave it."""
    from core.scan.triage import plan_chunks, score_batch
    from core.store import ScanPlan, ScanStore

    settings = settings or window.scan_settings
    backend = FakeBackend(memorized=(MEMORIZED,))
    path = checkpoint_path(data_dir / "checkpoints", document, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = backend.tokenize(document.text).ids
    chunks = plan_chunks(len(ids), settings.chunk_tokens, settings.overlap_tokens)
    with ScanStore.create(path, ScanPlan.for_scan(document, backend.info, settings)) as store:
        store.set_batch_count(len(range(0, len(chunks), settings.batch_size)))
        store.save_batch(0, score_batch(chunks[: settings.batch_size], ids, backend, settings.top_k))


# ----- controls -----------------------------------------------------------------------------------


def test_controls_after_scan_fill_the_panel(qtbot, make_window, manuscript, tmp_path) -> None:
    mine = tmp_path / "my-unpublished.txt"
    mine.write_text("A letter I wrote last week and never sent. " * 40, encoding="utf-8")
    window = make_window(controls=True)
    assert window.controls_options.enabled.isChecked()
    window.controls_options.add_paths([str(mine)])
    open_and_wait(qtbot, window, manuscript)
    messages: list[str] = []
    window.controller.controlsProgress.connect(lambda done, total, message: messages.append(message))
    with qtbot.waitSignal(window.controller.finished, timeout=120_000) as blocker:
        window.start_scan()
    result = blocker.args[0]
    assert messages and messages[0].startswith("Scanning control texts…")
    assert result.controls[0].name == "my-unpublished.txt" and not result.controls[0].bundled
    assert len(result.controls) == 8 and all(c.verdict == "no-evidence" for c in result.controls)
    panel = window.controls_panel
    assert panel.model.rowCount() == 8
    assert panel.figure("fpr") == "0 of 8 controls (0%), 95 % up to 37%"
    assert panel.figure("p") not in ("—", "not computed")
    assert panel.figure("effect") == f"{result.statistics['membership_test']['difference']:+.2f}" + (
        f" [{result.statistics['membership_test']['difference_low']:+.2f}, "
        f"{result.statistics['membership_test']['difference_high']:+.2f}]")
    text = panel.membership_label.text()
    assert "this manuscript, median" in text and "control texts, median" in text and "Min-K%++" in text


def test_controls_are_cancellable(qtbot, make_window, manuscript) -> None:
    window = make_window(controls=True, delay_s=0.01, small_chunks=True)
    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.controlsProgress, timeout=60_000):
        window.start_scan()
    with qtbot.waitSignal(window.controller.finished, timeout=10_000) as blocker:
        window.cancel_scan()
    result = blocker.args[0]
    assert result.complete  # the manuscript was scanned in full; only the controls stopped
    assert "incomplete" in result.statistics


def test_without_controls_membership_is_not_shown_alone(qtbot, make_window, manuscript) -> None:
    window = make_window(controls=False)
    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        window.start_scan()
    assert blocker.args[0].membership is not None and not blocker.args[0].controls
    assert "not shown" in window.controls_panel.membership_label.text()
    assert str(round(blocker.args[0].membership.loss, 2)) not in window.controls_panel.membership_label.text()


def test_control_table_model(qtmodeltester) -> None:
    from gui.controls_view import ControlTableModel
    from tests.helpers.results import make_result

    model = ControlTableModel()
    model.set_controls(make_result().controls)
    qtmodeltester.check(model)


def test_scan_controls_matches_with_controls() -> None:
    from core.evidence.control_scan import scan_controls, with_controls
    from core.evidence.controls import bundled_controls
    from tests.helpers.docs import document
    from tests.helpers.results import SAMPLE_TEXT

    backend = FakeBackend(memorized=(MEMORIZED,))
    result = run_scan(document(SAMPLE_TEXT), backend)
    docs = bundled_controls()[:3]
    steps, ours = drain(scan_controls(result, docs, backend, ScanSettings()))
    theirs = with_controls(result, docs, backend, ScanSettings())
    assert [s.done for s in steps] == [0, 1, 2]
    assert ours.controls == theirs.controls
    assert ours.statistics == theirs.statistics  # with_controls is this generator run to its end
    assert ours.statistics["control_window_p05"] <= ours.statistics["control_window_median"]


# ----- several models -----------------------------------------------------------------------------


def two_model_factory():  # type: ignore[no-untyped-def]
    """The embedded default memorized chapter two; "other" memorized nothing."""

    def factory(spec, settings):  # type: ignore[no-untyped-def]
        backend = FakeBackend(memorized=(MEMORIZED,) if spec is None else ())
        if spec is not None:
            backend.info = dataclasses.replace(backend.info, name=f"fake-{spec}")
        return backend

    return factory


def test_compare_models_matrix_opens_each_pair(qtbot, make_window, manuscript, tmp_path, qtmodeltester) -> None:
    from gui.compare import ModelChecklist
    from gui.models import ModelChoice

    window = make_window(factory=two_model_factory())
    open_and_wait(qtbot, window, manuscript)
    other = ModelChoice(spec="other", name="Other model")
    checklist = ModelChecklist([*window.picker.model.choices(), other], [None])
    qtbot.addWidget(checklist)
    assert [c.spec for c in checklist.chosen()] == [None]
    checklist.set_checked([None, "other"])
    specs = [c.spec for c in checklist.chosen()]
    assert specs == [None, "other"]

    window.compare_models(specs)
    dialog = window.compare_dialog
    with qtbot.waitSignal(dialog.catalogueFinished, timeout=120_000) as blocker:
        pass
    rows = blocker.args[0]
    assert len(rows) == 2
    model = dialog.model
    qtmodeltester.check(model)
    assert model.rowCount() == 1 and model.columnCount() == 2
    assert model.headerData(1, Qt.Orientation.Horizontal) == "fake-other"
    assert model.headerData(0, Qt.Orientation.Vertical) == "salt-road.txt"
    memorized = model.index(0, 0).data()
    assert memorized.startswith("Memorized") and "tokens" in memorized and "%" in memorized
    assert model.index(0, 1).data().startswith("No evidence")

    with qtbot.waitSignal(dialog.pairActivated):
        dialog.table.activated.emit(model.index(0, 1))
    assert window.result.model.name == "fake-other"
    assert window.result.text == window.current_entry().document.text

    # The PDF of the shown result carries both models.
    comparisons = window.comparisons_for(window.result)
    assert sorted(c.model.name for c in comparisons) == ["fake-ngram-3", "fake-other"]


def test_pdf_has_several_models_section(tmp_path) -> None:
    from pypdf import PdfReader

    from gui.report_pdf import export_report
    from tests.helpers.results import make_result

    main = make_result()
    other = make_result(verdict="no-evidence", passages=())
    other = dataclasses.replace(other, model=dataclasses.replace(other.model, name="HuggingFaceTB/SmolLM2-135M"))
    path = tmp_path / "report.pdf"
    export_report(main, path, comparisons=[main, other])
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)
    assert "Several models" in text
    assert "HuggingFaceTB/SmolLM2-135M" in text and "(this report)" in text
    assert "coverage @ 1 %" in text  # "In-context coverage @ 1 %" (the header may wrap at its hyphen)
    plain = tmp_path / "plain.pdf"
    export_report(main, plain)
    assert "Several models" not in " ".join(p.extract_text() for p in PdfReader(plain).pages)


def reference_factory():  # type: ignore[no-untyped-def]
    """The embedded default and "ref" both memorized chapter two; each its own file hash and name."""
    import hashlib

    from core.results import ModelFile

    def factory(spec, settings):  # type: ignore[no-untyped-def]
        backend = FakeBackend(memorized=(MEMORIZED,))
        name = "default" if spec is None else str(spec)
        file = ModelFile(path=name, sha256=hashlib.sha256(name.encode()).hexdigest(), size_bytes=0)
        backend.info = dataclasses.replace(backend.info, name=f"fake-{name}", files=(file,))
        return backend

    return factory


def test_compare_models_with_a_reference_model(qtbot, make_window, manuscript) -> None:
    from core.report.jsonio import read_json
    from gui.compare import ModelChecklist
    from gui.models import ModelChoice

    window = make_window(factory=reference_factory())
    open_and_wait(qtbot, window, manuscript)
    ref = ModelChoice(spec="ref", name="Older model")
    checklist = ModelChecklist([*window.picker.model.choices(), ref], [None, "ref"])
    qtbot.addWidget(checklist)
    assert checklist.reference() is None and checklist.reference_spec() is None  # none unless chosen
    assert checklist.reference_box.count() == checklist.list.count() + 1
    checklist.set_reference(None)
    assert checklist.reference_spec() == "default"  # the embedded model, as the catalogue names it
    checklist.set_reference("ref")
    assert checklist.reference() == ref and checklist.reference_spec() == "ref"

    window.compare_models([c.spec for c in checklist.chosen()], checklist.reference_spec())
    dialog = window.compare_dialog
    with qtbot.waitSignal(dialog.catalogueFinished, timeout=120_000) as blocker:
        pass
    rows = {r.model: r for r in blocker.args[0]}
    # The reference knows chapter two as well: the default model's long passages are contested (the
    # declaration is in doubt), so its verdict stays inconclusive; the reference is not checked against itself.
    assert rows["fake-default"].verdict == "inconclusive" and rows["fake-default"].contested_by_reference > 0
    assert rows["fake-ref"].verdict == "memorized" and rows["fake-ref"].set_aside_by_reference == 0
    assert dialog.model.index(0, 0).data().startswith("Inconclusive")
    n, c = rows["fake-default"].set_aside_by_reference, rows["fake-default"].contested_by_reference
    assert dialog.status_label.text().startswith(
        f"2 pairs compared. The reference model set aside {n} {'passage' if n == 1 else 'passages'} as common "
        f"phrases. It also reproduced {c} long")
    assert read_json(rows["fake-default"].json_path).provenance["reference_model"]["name"] == "fake-ref"


def test_catalogue_job_loads_the_default_reference_as_the_embedded_model(tmp_path, manuscript) -> None:
    from core.scan.progress import CancelToken, finish
    from gui.compare import catalogue_job

    asked: list[str | None] = []
    factory = reference_factory()

    def loader(spec, settings):  # type: ignore[no-untyped-def]
        asked.append(spec)
        return factory(spec, settings)

    rows = finish(catalogue_job([str(manuscript)], ["ref"], loader, ScanSettings(), tmp_path, CancelToken(),
                                "default"))
    assert asked == [None, "ref"]  # the reference first, as the embedded model (spec None)
    assert rows[0].model == "fake-ref" and rows[0].set_aside_by_reference + rows[0].contested_by_reference > 0


def test_a_single_scan_with_a_reference_model(qtbot, make_window, manuscript) -> None:
    from types import SimpleNamespace

    older = SimpleNamespace(name="Older model", path="ref", format="gguf")  # as discovery reports a model
    window = make_window(factory=reference_factory(), discover=lambda: [older])
    picker = window.reference_picker
    assert picker.spec() is None  # no reference unless one is chosen
    qtbot.waitUntil(lambda: picker.set_spec("ref"), timeout=5000)  # listed once discovery has run
    assert picker.spec() == "ref"
    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.finished, timeout=60_000) as blocker:
        window.start_scan()
    result = blocker.args[0]
    record = result.provenance["reference_model"]
    # The reference knows chapter two too: its long passages are contested, the shorter ones set aside.
    assert record["name"] == "fake-ref"
    assert record["passages_set_aside"] + record["passages_contested"] == len(result.passages) > 0
    assert result.summary.verdict == "inconclusive" and record["passages_contested"] > 0
    assert all((p.common_phrase and "fake-ref" in p.common_phrase_reason) or (p.contested and "fake-ref" in
               p.contested_reason) for p in result.passages)
    # The scanned model as its own reference is refused in one sentence, before any scanning.
    assert picker.set_spec("default") and picker.spec() == "default"
    with qtbot.waitSignal(window.controller.failed, timeout=30_000) as failed:
        window.start_scan()
    assert "The reference model is the model being scanned" in failed.args[0]
    picker.clear_choice()
    assert picker.spec() is None


def test_your_unpublished_writing_is_kept_apart_and_passed_first(qtbot, make_window, manuscript, tmp_path) -> None:
    window = make_window(controls=True)
    draft, other = tmp_path / "chapter-12-draft.txt", tmp_path / "later.txt"
    draft.write_text("A draft chapter nobody has read. " * 60, encoding="utf-8")
    other.write_text("A text written after the model was trained. " * 60, encoding="utf-8")
    options = window.controls_options
    options.add_paths([str(other)])
    options.add_paths([str(draft)], own=True)
    assert options.own_unpublished() == (str(draft),) and options.user_controls() == (str(other),)
    labels = [options.user_list.item(i).text() for i in range(options.user_list.count())]
    assert "chapter-12-draft.txt — your unpublished writing" in labels
    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.finished, timeout=120_000) as blocker:
        window.start_scan()
    result = blocker.args[0]
    assert [c.kind for c in result.controls[:2]] == ["own-unpublished", "user"]
    assert window.controls_panel.model.index(0, 1).data() == "your unpublished writing"
