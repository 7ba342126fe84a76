"""The window driven end to end with the real embedded default model (Gemma 3 270M from PyPI)."""

import pytest

from tests.helpers.texts import kjv_chapter

pytestmark = pytest.mark.slow


def test_real_scan_in_the_window(qtbot, make_window, tmp_path):
    from core.model.loader import load_backend

    psalm = tmp_path / "psalm-23.txt"
    psalm.write_text(kjv_chapter("Psalms", 23), encoding="utf-8")
    # The real loader (what the window uses without injection), pinned to transformers as calibrated.
    window = make_window(factory=lambda spec, settings: load_backend(spec, settings, backend="transformers"))
    window.show()
    window.open_paths([str(psalm)])
    qtbot.waitUntil(lambda: "LORD is my shepherd" in window.manuscript.toPlainText(), timeout=60_000)
    with qtbot.waitSignal(window.controller.finished, timeout=600_000) as blocker:
        window.start_scan()
    result = blocker.args[0]
    assert result.complete and result.model.backend == "transformers"
    assert result.passages, "Gemma reproduces Psalm 23 in part: the window must show it"
    assert window.table.model().rowCount() == len(result.passages)
    assert result.summary.verdict.replace("-", " ") in window.badge.verdict_label.text().lower()
    window.grab().save(str(tmp_path / "real.png"))
