"""`verbatim verify` replays the chat probes: the same template (by SHA-256) and the same answers."""

import dataclasses
import json

from core.chatprobe.probes import ChatRequest, run_chat_probes
from core.ingest import load_document
from core.model.fake import FakeBackend
from core.report.jsonio import write_json
from core.scan.engine import run_scan
from core.settings import ScanSettings
from core.verify import verify_report
from tests.helpers.generators import drain
from tests.helpers.results import SAMPLE_TEXT


def probed_report(tmp_path):
    """A fake model with a chat template on disk, its scan with chat probes, and the JSON."""
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "chat_template.jinja").write_text("{{ messages[-1]['content'] }}", encoding="utf-8")
    backend = FakeBackend(memorized=(SAMPLE_TEXT,))
    backend.info = dataclasses.replace(backend.info, path=str(model_dir))
    manuscript = tmp_path / "salt-road.txt"
    manuscript.write_text(SAMPLE_TEXT, encoding="utf-8")
    result = run_scan(load_document(manuscript), backend)
    settings = ScanSettings.from_dict(result.settings)
    result = drain(run_chat_probes(result, backend, settings, ChatRequest(title="Salt", author="Me")))[1]
    report = tmp_path / "result.json"
    write_json(result, report)
    return report, backend, result, model_dir


def chat_lines(outcome):
    return [c for c in outcome.checks if c.subject.startswith("chat")]


def test_every_probe_is_replayed_through_the_same_template(tmp_path):
    report, backend, result, _ = probed_report(tmp_path)
    outcome = verify_report(report, backend_loader=lambda info: backend)
    checks = chat_lines(outcome)
    assert [c.status for c in checks] == ["ok"] * (1 + len(result.chat["probes"]))
    assert checks[0].subject == "chat template" and "the same SHA-256" in checks[0].detail
    assert outcome.ok


def test_a_changed_template_is_named_and_nothing_is_replayed(tmp_path):
    report, backend, _, model_dir = probed_report(tmp_path)
    (model_dir / "chat_template.jinja").write_text("{{ messages[0]['content'] }}!", encoding="utf-8")
    outcome = verify_report(report, backend_loader=lambda info: backend)
    checks = chat_lines(outcome)
    assert [(c.subject, c.status) for c in checks] == [("chat template", "changed")]
    assert not outcome.ok


def test_a_different_answer_is_reported_where_it_differs(tmp_path):
    report, backend, _, _ = probed_report(tmp_path)
    data = json.loads(report.read_text(encoding="utf-8"))
    data["chat"]["probes"][0]["generated"] = data["chat"]["probes"][0]["generated"][:10] + "XYZ"
    report.write_text(json.dumps(data), encoding="utf-8")
    outcome = verify_report(report, backend_loader=lambda info: backend)
    first = chat_lines(outcome)[1]
    assert first.status == "differs" and "differs from character 10" in first.detail
    assert not outcome.ok
