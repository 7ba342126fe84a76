"""Controls on the fake backend: false-positive rate, the one-sided test, and the cache."""

import dataclasses

import pytest

from core.evidence.control_scan import with_controls
from core.evidence.controls import bundled_controls
from core.model.fake import FakeBackend
from core.scan.engine import run_scan
from core.settings import ScanSettings
from tests.helpers.docs import document

SMALL = ScanSettings(chunk_tokens=32, overlap_tokens=8, prefix_tokens=8, suffix_tokens=8)


def test_bundled_controls_are_real_texts():
    docs = bundled_controls()
    assert len(docs) >= 6
    assert all(len(d.text.split()) >= 500 for d in docs)


def test_with_controls_on_fake_backend(tmp_path, monkeypatch):
    monkeypatch.setenv("VERBATIM_CACHE", str(tmp_path))
    memorized = " ".join(f"word{i} tok{3 * i} item{7 * i}" for i in range(40))
    backend = FakeBackend(memorized=(memorized,))
    result = run_scan(document("An unrelated opening line. " + memorized), backend, SMALL)
    controls = [document(d.text, d.path) for d in bundled_controls()[:3]]
    out = with_controls(result, controls, backend, SMALL, user_controls=1)
    assert len(out.controls) == 3
    assert [c.bundled for c in out.controls] == [False, True, True]
    assert out.statistics["false_positive_rate"] == 0.0
    assert out.statistics["false_positive_interval"]["high"] == pytest.approx(1 - 0.025 ** (1 / 3), abs=1e-6)
    assert out.statistics["controls"] == 3
    # The verdict now rests on a chance model fitted on the controls, and every passage has its chance.
    assert out.null_model is not None and out.null_model["texts"] == 3
    assert out.passages and all(p.chance_p is not None for p in out.passages)
    assert out.summary.expected_chance_passages is not None
    # Bundled results are cached: the second run reads them back identically.
    again = with_controls(result, controls, backend, SMALL, user_controls=1)
    assert again.controls == out.controls and again.statistics == out.statistics
    assert len(list((tmp_path / "controls").glob("*.json"))) == 2


def test_own_unpublished_writing_comes_first(tmp_path, monkeypatch):
    monkeypatch.setenv("VERBATIM_CACHE", str(tmp_path))
    backend = FakeBackend(memorized=())
    result = run_scan(document("A short opening line of nothing at all. " * 40), backend, SMALL)
    bundled = [document(d.text, d.path) for d in bundled_controls()[:2]]
    own = [document(bundled_controls()[2].text, "/drafts/chapter-9.txt")]
    settings = SMALL
    out = with_controls(result, own + bundled, backend, settings, own_unpublished=1)
    assert [c.kind for c in out.controls] == ["own-unpublished", "bundled", "bundled"]
    blocks = len(out.controls[0].block_share)
    if blocks >= 2:
        assert out.null_model["source"].startswith("the author's own unpublished writing")
    else:
        assert "pooled" in out.statistics["reference_group"] or "under" in out.statistics["reference_group"]


def test_the_membership_p_value_is_reported_only_against_the_authors_own_writing(tmp_path, monkeypatch):
    """On never-published texts of other genres the Min-K%++ block test gave small p-values (calibration):
    it measures genre there, so its p-value is withheld unless the controls are the author's own."""
    from core.evidence.controls import MEMBERSHIP_UNTESTED, rejudge

    monkeypatch.setenv("VERBATIM_CACHE", str(tmp_path))
    backend = FakeBackend(memorized=())
    texts = [d.text for d in bundled_controls()]
    result = run_scan(document(texts[0] + "\n\n" + texts[1]), backend, SMALL)
    own = [document(t, f"/drafts/chapter-{i}.txt") for i, t in enumerate(texts[2:5])]
    mine = with_controls(result, own, backend, SMALL, own_unpublished=len(own))
    assert all(c.kind == "own-unpublished" for c in mine.controls)
    test = mine.statistics["membership_test"]
    assert test["same_author"] and test["p_value"] is not None and mine.statistics["p_value"] == test["p_value"]
    others = with_controls(result, [document(t, f"/other/{i}.txt") for i, t in enumerate(texts[2:5])], backend,
                           SMALL, user_controls=3)
    test = others.statistics["membership_test"]
    assert not test["same_author"] and test["p_value"] is None and others.statistics["p_value"] is None
    assert test["note"] == MEMBERSHIP_UNTESTED and "difference" in test  # the effect size stays, described
    # A result recorded before this rule loses the p-value when it is judged again.
    old = dataclasses.replace(others, statistics={**others.statistics, "p_value": 0.01,
                                                  "membership_test": {**test, "p_value": 0.01, "note": None}})
    again = rejudge(old, SMALL.thresholds).statistics
    assert again["p_value"] is None and again["membership_test"]["note"] == MEMBERSHIP_UNTESTED
