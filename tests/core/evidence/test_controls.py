"""Controls on the fake backend: false-positive rate, the one-sided test, and the cache."""

import pytest

from core.evidence.controls import bundled_controls, control_statistics, with_controls
from core.evidence.verdict import decide
from core.model.fake import FakeBackend
from core.results import ControlResult
from core.scan.engine import run_scan
from core.settings import ScanSettings, Thresholds
from tests.helpers.docs import document

SMALL = ScanSettings(chunk_tokens=32, overlap_tokens=8, prefix_tokens=8, suffix_tokens=8)


def test_bundled_controls_are_real_texts():
    docs = bundled_controls()
    assert len(docs) >= 6
    assert all(len(d.text.split()) >= 500 for d in docs)


def test_statistics_count_false_positives_and_test_direction():
    controls = [
        ControlResult("a.txt", "0" * 64, 100, 3, "no-evidence", True),
        ControlResult("b.txt", "1" * 64, 100, 40, "memorized", True),
    ]
    high = [1.0, 1.2, 0.9, 1.1, 1.3]
    low = [-2.0, -1.5, -1.8, -2.2, -1.9, -2.1]
    stats = control_statistics(high, controls, low)
    assert stats["false_positive_rate"] == pytest.approx(0.5)
    assert stats["false_positives"] == ["b.txt"]
    assert stats["p_value"] < 0.01 and stats["auc"] == pytest.approx(1.0)
    reverse = control_statistics(low, controls, high)
    assert reverse["p_value"] > 0.9


def test_with_controls_on_fake_backend(tmp_path, monkeypatch):
    monkeypatch.setenv("VERBATIM_CACHE", str(tmp_path))
    memorized = " ".join(f"word{i} of the remembered ballad" for i in range(40))
    backend = FakeBackend(memorized=(memorized,))
    result = run_scan(document("An unrelated opening line. " + memorized), backend, SMALL)
    controls = [document(d.text, d.path) for d in bundled_controls()[:3]]
    out = with_controls(result, controls, backend, SMALL, user_controls=1)
    assert len(out.controls) == 3
    assert [c.bundled for c in out.controls] == [False, True, True]
    assert out.statistics["false_positive_rate"] == 0.0
    assert out.statistics["controls"] == 3
    # Bundled results are cached: the second run reads them back identically.
    again = with_controls(result, controls, backend, SMALL, user_controls=1)
    assert again.controls == out.controls and again.statistics == out.statistics
    assert len(list((tmp_path / "controls").glob("*.json"))) == 2


def test_verdict_rule_thresholds():
    t = Thresholds()
    assert decide(t.memorized_tokens, 0.0, t)[0] == "memorized"
    assert decide(t.memorized_tokens - 1, 0.0, t)[0] == "inconclusive"
    assert decide(t.inconclusive_tokens - 1, 0.0, t)[0] == "no-evidence"
    assert decide(0, t.memorized_share, t)[0] == "memorized"
