"""Issue 19, item 4: one honest progress in words, busy feedback, model preparation, early verdict."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt

from core.job import PREPARING
from core.scan.progress import STAGE_WORDS
from tests.gui.conftest import fake_factory
from tests.gui.test_window import open_and_wait

INTERNAL = ("Generate", "generate", "tokenize", "triage", "common-phrases", "positions", "protocol")


def test_progress_speaks_in_words_with_units_and_never_goes_backwards(qtbot, make_window, long_manuscript) -> None:
    window = make_window(delay_s=0.01, small_chunks=True)
    open_and_wait(qtbot, window, long_manuscript)
    seen: list[tuple[int, int, str]] = []

    def record(_item: object) -> None:  # runs after the window's own slot: what the user sees now
        seen.append((window.progress_bar.maximum(), window.progress_bar.value(), window.progress_label.text()))

    window.controller.progress.connect(record)
    with qtbot.waitSignal(window.controller.finished, timeout=120_000):
        window.start_scan()
    assert seen
    labels = [label for _, _, label in seen]
    for label in labels:
        assert not any(word in label for word in INTERNAL), label
        assert label.split("  ·  ")[0] in STAGE_WORDS.values(), label
    values = [value for maximum, value, _ in seen if maximum > 0]
    assert values and values == sorted(values), "the bar never goes backwards"
    assert any(" of " in label and label.split("  ·  ")[1].endswith(" tokens") for label in labels)
    assert any(label.endswith(" left") for label in labels), "a time left for the whole scan"
    passages = [label for label in labels if label.split("  ·  ")[0] != STAGE_WORDS["triage"]]
    assert all("passages" in label for label in passages if label.count("  ·  ") >= 2 and " of " in label)
    # Before the first pass has measured anything the bar is busy and a clock runs (never frozen at 0).
    first_maximum, _, first_label = seen[0]
    assert first_maximum == 0 and "measuring the model's speed" in first_label


def test_the_model_preparation_is_shown_in_the_window(
    qtbot, make_window, manuscript, tmp_path: Path, monkeypatch
) -> None:
    cache = tmp_path / "models"
    cache.mkdir()
    monkeypatch.setitem(__import__("sys").modules, "core.model.hf", SimpleNamespace(default_cache_dir=lambda: cache))
    release = threading.Event()

    def converting(spec, settings):  # type: ignore[no-untyped-def]
        (cache / ".0123456789ab-tmp").mkdir()  # what core.model.hf.convert_gguf writes while it works
        release.wait(10)
        return fake_factory()(spec, settings)

    window = make_window(factory=converting)
    open_and_wait(qtbot, window, manuscript)
    messages: list[str] = []
    window.controller.loadingModel.connect(messages.append)
    window.start_scan()
    qtbot.waitUntil(lambda: PREPARING in messages, timeout=10_000)
    assert PREPARING in window.progress_label.text()
    assert window.progress_bar.maximum() == 0  # busy, not a fake percentage
    with qtbot.waitSignal(window.controller.finished, timeout=60_000):
        release.set()


def test_the_verdict_shows_while_the_controls_still_run(qtbot, make_window, manuscript) -> None:
    window = make_window(controls=True, delay_s=0.002)
    open_and_wait(qtbot, window, manuscript)
    with qtbot.waitSignal(window.controller.resultReady, timeout=120_000):
        window.start_scan()
    assert window.controller.busy  # the controls are still being scanned
    assert window.result is not None and window.result.controls == ()
    # Before the controls there is no chance model, so the verdict is provisional and at most inconclusive.
    assert window.badge.verdict_label.text() == "Inconclusive (provisional)"  # named as the PDF names it
    assert "control texts are still being scanned" in window.badge.pending()
    assert "Provisional verdict for salt-road.txt: Inconclusive" in window.last_announcement
    assert window.export_action.isEnabled()
    window.table.selectRow(1)
    chosen = window.detail.passage
    with qtbot.waitSignal(window.controller.finished, timeout=120_000) as blocker:
        pass
    assert blocker.args[0].controls and window.result.controls  # the comparison arrived
    assert window.badge.pending() == "" and "(provisional)" not in window.badge.verdict_label.text()
    # The reader's place in the table is kept: the same passage, now with its chance figure.
    assert (window.detail.passage.start_char, window.detail.passage.end_char) == (chosen.start_char, chosen.end_char)
    assert window.detail.passage.chance_p is not None
    assert window.table.selectionModel().selectedRows()[0].row() == 1
    assert window.progress_bar.isHidden()
    assert window.queue_model.entry(0).status == "scanned"
    assert window.scan_action.isEnabled()
    assert window.table.model().index(1, 0).data(Qt.ItemDataRole.DisplayRole) == "2"


def test_the_preparation_probe_never_fails_the_load(tmp_path: Path, monkeypatch) -> None:
    """The loader's thread may be half-way through importing core.model.hf when the probe looks."""
    import sys

    from core.job import _converting_since

    monkeypatch.setitem(sys.modules, "core.model.hf", SimpleNamespace())  # no functions yet
    assert _converting_since(0.0) is False
    missing = tmp_path / "no-such-folder"
    monkeypatch.setitem(sys.modules, "core.model.hf", SimpleNamespace(default_cache_dir=lambda: missing))
    assert _converting_since(0.0) is False
    (tmp_path / ".0123456789ab-x").mkdir()
    monkeypatch.setitem(sys.modules, "core.model.hf", SimpleNamespace(default_cache_dir=lambda: tmp_path))
    assert _converting_since(0.0) is True
