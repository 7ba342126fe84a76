"""core.job: the one scan job the CLI, the GUI and the catalogue drive, end to end with FakeBackend."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from core.errors import UserError, describe
from core.evidence.control_scan import ControlsProgress
from core.job import (
    JobOptions,
    LoadingModel,
    ModelReady,
    ResultReady,
    ResumeRefusal,
    Resuming,
    SameModelError,
    Status,
    WorkPlan,
    same_model,
    scan_job,
)
from core.model.fake import FakeBackend
from core.results import ModelFile
from core.scan.progress import CancelToken, ScanProgress
from core.settings import ScanSettings
from tests.helpers.docs import document
from tests.helpers.generators import drain
from tests.helpers.results import SAMPLE_TEXT

SMALL = ScanSettings(chunk_tokens=48, overlap_tokens=16, batch_size=1)
MEMORIZED = SAMPLE_TEXT.split("\n\n")[1]


def _factory(memories: dict[str | None, tuple[str, ...]]):  # type: ignore[no-untyped-def]
    """A loader of fake models, each with its own file hash (as real model files have)."""

    def load(spec: str | None, settings: ScanSettings) -> FakeBackend:
        backend = FakeBackend(memorized=memories[spec])
        file = ModelFile(path=str(spec), sha256=hashlib.sha256(str(spec).encode()).hexdigest(), size_bytes=0)
        backend.info = dataclasses.replace(backend.info, name=str(spec), files=(file,))
        return backend

    return load


def test_the_job_loads_scans_checks_the_reference_and_scans_controls(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VERBATIM_CACHE", str(tmp_path / "cache"))
    load = _factory({None: (MEMORIZED,), "old": (MEMORIZED,)})
    control = document("A letter about the weather and the garden, never published. " * 30, "letter.txt")
    options = JobOptions(reference="old", controls=True, user_controls=(control,), bundled_controls=False)
    items, result = drain(scan_job(document(SAMPLE_TEXT), None, SMALL, CancelToken(), options, load=load))
    kinds = [type(i) for i in items]
    # Loaded first (the reference before any work), then the plan, the scan, the reference test, the controls.
    assert kinds[0] is LoadingModel and [i.reference for i in items if isinstance(i, ModelReady)] == [False, True]
    assert kinds.index(WorkPlan) < kinds.index(ScanProgress) < kinds.index(ResultReady) < kinds.index(
        ControlsProgress)
    statuses = [i.message for i in items if isinstance(i, Status)]
    assert statuses[0].startswith("Checking") and statuses[1] == "Scanning 1 control texts (the chance model)…"
    assert result.complete and result.provenance["reference_model"]["name"] == "old"
    assert [c.kind for c in result.controls] == ["user"]


def test_a_reference_that_is_the_scanned_model_is_refused_before_the_scan() -> None:
    load = _factory({None: (), "same": ()})
    gen = scan_job(document(SAMPLE_TEXT), "same", SMALL, CancelToken(), JobOptions(reference="same"), load=load)
    with pytest.raises(SameModelError) as refused:
        drain(gen)
    assert isinstance(refused.value, UserError)
    assert describe(refused.value).startswith("The reference model is the model being scanned")
    a = FakeBackend()
    assert same_model(a, a) and same_model(a, FakeBackend()) and not same_model(a, FakeBackend(memorized=("x",)))


def test_a_checkpoint_resumes_and_one_of_another_scan_is_refused(tmp_path) -> None:
    load = _factory({None: (MEMORIZED,)})
    path = tmp_path / "scan.sqlite"
    cancel = CancelToken()
    gen = scan_job(document(SAMPLE_TEXT), None, SMALL, cancel, JobOptions(checkpoint=path), load=load)
    for item in gen:  # cancel after the first batches: the checkpoint holds them
        if isinstance(item, ScanProgress) and item.stage == "triage" and item.done:
            cancel.cancel()
    items, result = drain(scan_job(document(SAMPLE_TEXT), None, SMALL, CancelToken(),
                                   JobOptions(checkpoint=path), load=load))
    assert any(isinstance(i, Resuming) and i.done > 0 for i in items)
    assert result.complete and path.exists()  # the CLI keeps its checkpoint file
    _, refusal = drain(scan_job(document(SAMPLE_TEXT + " More."), None, SMALL, CancelToken(),
                                JobOptions(checkpoint=path), load=load))
    assert isinstance(refusal, ResumeRefusal) and "manuscript changed" in refusal.message
    _, again = drain(scan_job(document(SAMPLE_TEXT), None, SMALL, CancelToken(),
                              JobOptions(checkpoint=path, remove_finished_checkpoint=True), load=load))
    assert again.complete and not path.exists()  # the app removes a finished scan's checkpoint


def test_cancelled_while_loading_returns_nothing() -> None:
    cancel = CancelToken()

    def load(spec: str | None, settings: ScanSettings) -> FakeBackend:
        cancel.cancel()
        return FakeBackend()

    _, result = drain(scan_job(document(SAMPLE_TEXT), None, SMALL, cancel, load=load))
    assert result is None


def test_describe_names_internal_errors_as_unexpected() -> None:
    assert describe(UserError("book.pdf has no text layer")) == "book.pdf has no text layer."
    assert describe(FileNotFoundError(2, "No such file", "/x/y.txt")) == "/x/y.txt does not exist."
    assert describe(KeyError("offsets")) == "Unexpected error (KeyError): 'offsets'."
