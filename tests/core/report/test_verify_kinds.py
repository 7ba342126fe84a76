"""`verbatim verify` on a report of each kind Verbatim writes (issue 15), with real models.

Kinds: a teacher-forced scan with near-verbatim fields (through the CLI), a catalogue entry with a
bundled control, the same report read as the old schema verbatim.scan/1, a generate-only scan through
llama.cpp's own server, and a match report, which verify refuses in one sentence (it records no model
or prompts). Reports with a reference model are covered in test_verify.py (the hashes are what verify
checks there). The embedded Gemma runs through llama.cpp; the server serves the embedded SmolLM2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import UserError
from core.ingest import load_document
from core.report.jsonio import read_json, write_json
from core.scan.engine import run_scan
from core.settings import ScanSettings
from core.verify import verify_report
from tests.helpers import texts

pytestmark = pytest.mark.slow

SETTINGS = ScanSettings(device="cpu")


@pytest.fixture(scope="module")
def gemma():
    pytest.importorskip("llama_cpp")
    from core.model.loader import load_backend

    return load_backend(None, SETTINGS, backend="llama.cpp")


@pytest.fixture(scope="module")
def manuscript(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("verify") / "genesis-1.txt"
    path.write_text(texts.kjv_chapter("Genesis", 1)[:1800], encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scan_report(gemma, manuscript) -> Path:
    result = run_scan(load_document(manuscript), gemma, SETTINGS)
    assert result.passages, "Gemma reproduces Genesis 1: there must be passages to replay"
    assert any(p.near_verbatim_tokens >= p.verbatim_tokens for p in result.passages), "near-verbatim measured"
    report = manuscript.with_suffix(".json")
    write_json(result, report)
    return report


def test_a_teacher_forced_scan_is_replayed_through_the_cli(scan_report, capsys):
    from cli.main import main

    passages = len(read_json(scan_report).passages)
    assert main(["verify", str(scan_report), "--all"]) == 0
    out = capsys.readouterr().out
    assert f"verified: {passages} passage(s) replayed" in out
    assert "DIFFERS" not in out and "CHANGED" not in out


def test_an_old_schema_1_report_of_a_real_scan_is_replayed(scan_report, gemma, tmp_path):
    data = json.loads(scan_report.read_text(encoding="utf-8"))
    data["schema"] = "verbatim.scan/1"
    for p in data["passages"]:
        for key in ("context_copy_tokens", "evidence_tokens", "chance_p", "contested", "contested_reason",
                    "near_verbatim_tokens", "near_verbatim_edits", "window_prefix_tokens", "window_suffix_tokens"):
            p.pop(key, None)
    for key in ("run_histogram", "block_min_k_pp", "null_model", "extraction", "heatmap_set_aside"):
        data.pop(key, None)
    old = tmp_path / "schema-1.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    outcome = verify_report(old, replay_all=True, backend_loader=lambda info: gemma)
    assert outcome.ok, outcome.lines()
    assert outcome.replayed == len(data["passages"]) > 0


def test_a_catalogue_entry_with_a_bundled_control_is_replayed_and_its_control_rehashed(gemma, manuscript, tmp_path):
    from core.catalogue import run_catalogue
    from core.evidence.controls import bundled_controls
    from core.scan.progress import finish

    control = next(d for d in bundled_controls() if Path(d.path).name == "poetry.txt")
    rows = finish(run_catalogue([manuscript], [None], lambda spec: gemma, tmp_path / "cat", SETTINGS,
                                controls=[control], user_controls=0))
    (row,) = rows
    entry = Path(row.json_path)
    result = read_json(entry)
    assert [(c.name, c.kind) for c in result.controls] == [("poetry.txt", "bundled")]
    outcome = verify_report(entry, replay_all=True, backend_loader=lambda info: gemma)
    assert outcome.ok, outcome.lines()
    assert outcome.replayed == len(result.passages) > 0
    (check,) = [c for c in outcome.checks if c.subject == "control poetry.txt"]
    assert check.status == "ok"
    # A report whose control text is not the one shipped here says so.
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["controls"][0]["sha256"] = "0" * 64
    entry.write_text(json.dumps(data), encoding="utf-8")
    outcome = verify_report(entry)
    assert [(c.subject, c.status) for c in outcome.problems] == [("control poetry.txt", "changed")]


def test_a_generate_only_scan_through_a_server_is_replayed_through_the_server(tmp_path):
    from core.model.loader import load_backend
    from tests.core.model.test_llama_server import llama_server
    from tests.core.model.test_server_concurrency import served_text

    # SmolLM2 reproduces little of the KJV (bench/RESULTS-calibration.md), so the text holds the served
    # model's own greedy continuation: a passage the sweep must find and verify must replay.
    path = tmp_path / "served.txt"
    with llama_server("smollm2-verify") as url:
        remote = load_backend(url, ScanSettings(), backend="remote")
        assert not remote.can_score
        path.write_text(served_text(remote)[0], encoding="utf-8")
        result = run_scan(load_document(path), remote, ScanSettings())
        assert result.provenance["probe"] != "teacher-forced"
        assert result.passages, "the served model's own continuation is found"
        report = tmp_path / "remote.json"
        write_json(result, report)
        # As the CLI does: the report names the server, and verify loads it from there.
        loaded = read_json(report)
        outcome = verify_report(report, replay_all=True,
                                backend_loader=lambda info: load_backend(info.path, ScanSettings(), backend="remote"))
    assert loaded.model.path == url
    assert outcome.ok, outcome.lines()
    assert outcome.replayed == len(result.passages)


def test_a_match_report_is_refused_in_one_sentence(tmp_path):
    from core.match import run_match
    from core.match.inputs import output_record
    from core.scan.progress import finish

    book = tmp_path / "book.txt"
    book.write_text(texts.kjv_chapter("John", 1), encoding="utf-8")
    chat = output_record("As the model wrote: " + texts.kjv_chapter("John", 1)[200:700])
    result = finish(run_match(chat, [book]))
    assert result.spans, "the pasted chapter is found"
    report = tmp_path / "match.json"
    report.write_text(json.dumps(result.to_dict()), encoding="utf-8")
    with pytest.raises(UserError, match=r"is a match report \(verbatim\.match/1\).*run `verbatim match`"):
        verify_report(report)
