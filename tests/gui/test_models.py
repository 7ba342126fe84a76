"""Every Qt item model passes qtmodeltester, and sorts/filters on the raw values."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from PySide6.QtCore import Qt

from gui.models import (
    EMBEDDED_DEFAULT,
    OBJECT_ROLE,
    ModelChoice,
    ModelListModel,
    PassageFilterProxy,
    PassageTableModel,
    QueueModel,
    format_probability,
    human_count,
    human_size,
)
from tests.helpers.results import SAMPLE_TEXT, make_result, sample_passages


def test_passage_model_passes_modeltester(qtmodeltester) -> None:
    model = PassageTableModel()
    model.set_passages(sample_passages(), len(SAMPLE_TEXT))
    assert model.rowCount() == len(sample_passages()) > 0
    qtmodeltester.check(model, force_py=True)


def test_empty_passage_model_passes_modeltester(qtmodeltester) -> None:
    qtmodeltester.check(PassageTableModel(), force_py=True)


def test_proxy_sorts_numerically_and_hides_common_phrases(qtmodeltester) -> None:
    passages = sample_passages()
    common = dataclasses.replace(
        passages[0], common_phrase=True, verbatim_tokens=999, common_phrase_reason="x"
    )
    rows = (common, *passages[1:])
    model = PassageTableModel()
    model.set_passages(rows, len(SAMPLE_TEXT))
    proxy = PassageFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)

    proxy.sort(PassageTableModel.TOKENS, Qt.SortOrder.DescendingOrder)
    tokens = [proxy.index(r, 0).data(OBJECT_ROLE).verbatim_tokens for r in range(proxy.rowCount())]
    assert tokens == sorted(tokens, reverse=True)
    assert tokens[0] == 999
    # Common phrases are greyed.
    assert proxy.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None

    proxy.set_hide_common(True)
    assert proxy.rowCount() == sum(not p.common_phrase for p in rows) > 0
    assert all(not proxy.index(r, 0).data(OBJECT_ROLE).common_phrase for r in range(proxy.rowCount()))


def test_model_list_keeps_default_first_and_drops_duplicates(qtmodeltester) -> None:
    model = ModelListModel()
    entry = SimpleNamespace(
        name="SmolLM2-135M",
        path="/m/smol.gguf",
        format="gguf",
        size_bytes=105_000_000,
        parameters=135_000_000,
        quantization="Q4_1",
        source="lm-studio",
    )
    choice = ModelChoice.from_entry(entry)
    model.set_choices([choice, choice, ModelChoice(spec="/m/other", name="other", format="safetensors")])
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 3
    assert model.index(0, 0).data(OBJECT_ROLE) == EMBEDDED_DEFAULT
    label = model.index(1, 0).data()
    assert "SmolLM2-135M" in label and "GGUF" in label and "105 MB" in label and "135M params" in label


def test_queue_model_updates_entries(qtmodeltester) -> None:
    model = QueueModel()
    qtmodeltester.check(model, force_py=True)
    assert model.add("/a.txt") == 0
    assert model.add("/b.txt") == 1
    assert model.add("/a.txt") == 0
    model.update("/b.txt", error="b.txt contains no text.")
    model.update("/a.txt", result=make_result())
    qtmodeltester.check(model, force_py=True)
    assert model.entry(0).status == "scanned"
    assert model.entry(1).status == "failed"
    assert "scanned" in model.index(0, 0).data()


def test_formatting_helpers() -> None:
    assert human_size(253_000_000) == "253 MB"
    assert human_size(2_700_000_000) == "2.7 GB"
    assert human_size(None) == "—"
    assert human_count(270_000_000) == "270M"
    assert human_count(2_700_000_000) == "2.7B"
    assert format_probability(0.8123) == "0.81"
    assert format_probability(3.1e-5) == "3.1e-05"
    assert format_probability(0.0) == "0"
