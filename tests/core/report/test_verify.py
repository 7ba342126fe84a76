import dataclasses
import hashlib

import pytest
from pypdf import PdfWriter

from core.ingest import load_document
from core.model.fake import FakeBackend
from core.report.attach import attach_json
from core.report.jsonio import result_to_json, write_json
from core.results import ModelFile
from core.scan.engine import run_scan
from core.verify import load_report, verify_report
from tests.helpers.results import SAMPLE_TEXT

UNSEEN = "\n\nThe last pages were written this winter and no model has ever read them, not even once.\n"


@pytest.fixture
def scanned(tmp_path):
    """A real fake-backend scan of a manuscript on disk, its JSON written beside it."""
    manuscript = tmp_path / "salt-road.txt"
    manuscript.write_text(SAMPLE_TEXT + UNSEEN, encoding="utf-8")
    weights = tmp_path / "weights.gguf"
    weights.write_bytes(b"GGUF fake weights")
    backend = FakeBackend(memorized=(SAMPLE_TEXT,))
    result = run_scan(load_document(manuscript), backend)
    files = (
        ModelFile(str(weights), hashlib.sha256(weights.read_bytes()).hexdigest(), weights.stat().st_size),
    )
    result = dataclasses.replace(result, model=dataclasses.replace(result.model, files=files))
    report = tmp_path / "result.json"
    write_json(result, report)
    assert result.passages, "the fake model should reproduce the memorized text"
    return report, manuscript, weights, backend, result


def test_everything_unchanged_and_replayed(scanned) -> None:
    report, _, _, backend, result = scanned
    outcome = verify_report(report, replay_all=True, backend_loader=lambda info: backend)
    assert outcome.ok, outcome.lines()
    assert outcome.replayed == len(result.passages)
    assert {c.subject for c in outcome.checks} >= {"manuscript", "scanned text", "model file", "passage 1"}
    assert outcome.lines()[-1].startswith("verified")


def test_hash_only_without_loader(scanned) -> None:
    report, *_ = scanned
    outcome = verify_report(report)
    assert outcome.ok and outcome.replayed == 0
    assert any(c.subject == "replay" and c.status == "skipped" for c in outcome.checks)


def test_changed_manuscript_is_named(scanned) -> None:
    report, manuscript, *_ = scanned
    manuscript.write_text(SAMPLE_TEXT.replace("Miriam", "Mariam") + UNSEEN, encoding="utf-8")
    outcome = verify_report(report)
    assert not outcome.ok
    (problem,) = outcome.problems
    assert problem.status == "changed" and str(manuscript) in problem.detail


def test_missing_manuscript(scanned) -> None:
    report, manuscript, *_ = scanned
    manuscript.unlink()
    outcome = verify_report(report)
    assert [c.status for c in outcome.problems] == ["missing"]
    assert "not found" in outcome.problems[0].detail


def test_changed_model_skips_replay(scanned) -> None:
    report, _, weights, backend, _ = scanned
    weights.write_bytes(b"other weights")
    outcome = verify_report(report, backend_loader=lambda info: backend)
    assert not outcome.ok and outcome.replayed == 0
    assert any(c.subject == "model file" and c.status == "changed" for c in outcome.checks)


def test_different_model_output_is_reported(scanned) -> None:
    report, *_ = scanned
    forgetful = FakeBackend(memorized=())
    outcome = verify_report(report, sample=1, backend_loader=lambda info: forgetful)
    assert outcome.replayed == 1
    (problem,) = outcome.problems
    assert problem.subject == "passage 1" and problem.status == "differs"
    assert "differs from character" in problem.detail


def test_replay_from_recorded_prompt_when_manuscript_gone(scanned) -> None:
    report, manuscript, _, backend, _ = scanned
    manuscript.unlink()
    outcome = verify_report(report, sample=2, backend_loader=lambda info: backend)
    passages = [c for c in outcome.checks if c.subject.startswith("passage")]
    assert len(passages) == 2 and all(c.status == "ok" for c in passages)
    assert "recorded prompt text" in passages[0].detail


def test_reads_the_json_inside_a_pdf(scanned, tmp_path) -> None:
    report, *_, result = scanned
    pdf = tmp_path / "report.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(pdf, "wb") as fh:
        writer.write(fh)
    attach_json(pdf, result_to_json(result).encode())
    assert load_report(pdf) == load_report(report)
    assert verify_report(pdf).ok


def test_reference_model_files_are_rehashed(scanned, tmp_path) -> None:
    from core.evidence.reference import with_reference

    _, _, _, backend, result = scanned
    ref_weights = tmp_path / "older-model.gguf"
    ref_weights.write_bytes(b"GGUF weights of an older model")
    reference = FakeBackend()
    sha = hashlib.sha256(ref_weights.read_bytes()).hexdigest()
    reference.info = dataclasses.replace(
        reference.info, files=(ModelFile(str(ref_weights), sha, ref_weights.stat().st_size),)
    )
    report = tmp_path / "with-reference.json"
    write_json(with_reference(result, reference), report)
    outcome = verify_report(report)
    assert outcome.ok, outcome.lines()
    (check,) = [c for c in outcome.checks if c.subject == "reference model file"]
    assert check.status == "ok" and sha in check.detail
    ref_weights.write_bytes(b"GGUF weights, replaced")
    outcome = verify_report(report)
    assert not outcome.ok
    (problem,) = outcome.problems
    assert problem.subject == "reference model file" and problem.status == "changed"


def test_a_schema_1_report_is_still_read_and_replayed(scanned) -> None:
    """Reports written before the chance model (schema 1) have none of its fields: verify still replays them."""
    import json

    from core.results import Passage, Summary

    report, _, _, backend, result = scanned
    data = json.loads(report.read_text(encoding="utf-8"))
    data["schema"] = "verbatim.scan/1"
    new_passage = {"context_copy_tokens", "evidence_tokens", "chance_p", "contested", "contested_reason"}
    new_summary = {"rule", "alpha", "observed_passages", "expected_chance_passages", "expected_chance_interval",
                   "context_copy_tokens"}
    assert new_passage <= {f for f in Passage.__dataclass_fields__} and new_summary <= set(Summary.__dataclass_fields__)
    for p in data["passages"]:
        for key in new_passage:
            p.pop(key)
    for key in new_summary:
        data["summary"].pop(key)
    for key in ("run_histogram", "block_min_k_pp", "null_model"):
        data.pop(key)
    report.write_text(json.dumps(data), encoding="utf-8")
    old = load_report(report)
    assert old.schema == "verbatim.scan/1"
    # A passage from before the field counts its verbatim tokens as evidence.
    assert [p.evidence for p in old.passages] == [p.verbatim_tokens for p in result.passages]
    outcome = verify_report(report, replay_all=True, backend_loader=lambda info: backend)
    assert outcome.ok, outcome.lines()
    assert outcome.replayed == len(result.passages)
