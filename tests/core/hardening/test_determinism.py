"""The same scan on the same machine gives the same JSON (apart from clock times and timings)."""

import pytest

from core.model.fake import FakeBackend
from core.report.jsonio import result_to_dict
from core.scan.engine import run_scan
from core.settings import ScanSettings
from hardening import resume_child as child
from tests.helpers.docs import document

SMALL = ScanSettings(
    chunk_tokens=32, overlap_tokens=8, prefix_tokens=8, suffix_tokens=8, batch_size=3, device="cpu", dtype="float32"
)


def comparable(result):
    data = result_to_dict(result)
    for key in ("started_utc", "finished_utc", "timings"):
        data["provenance"].pop(key)
    return data


def test_fake_backend_scan_is_reproducible():
    runs = [
        comparable(run_scan(document(child.TEXT), FakeBackend(memorized=(child.MEMORIZED,)), child.SETTINGS))
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert runs[0]["passages"], "the comparison must cover confirmed passages too"


def test_tiny_transformers_scan_is_reproducible(tmp_path):
    pytest.importorskip("torch")
    from core.model.hf import load_transformers
    from tests.helpers.tiny_model import CORPUS, build_tiny_model

    folder = build_tiny_model(tmp_path / "tiny")
    text = " ".join(CORPUS * 3)
    runs = [
        comparable(run_scan(document(text), load_transformers(folder, device="cpu", dtype="float32"), SMALL))
        for _ in range(2)  # the model is loaded afresh each time, as a second `verbatim scan` would
    ]
    assert runs[0] == runs[1]
    assert runs[0]["positions_scored"] == runs[0]["positions_total"] > 50
