"""The passage detail states a near-verbatim stretch beside the exact count, only where there is one."""

from __future__ import annotations

import dataclasses

from tests.helpers.results import make_result


def _selected_summary(window, result) -> str:
    window.show_result(result)
    window.table.selectRow(0)
    return window.detail.summary_label.text()


def test_near_verbatim_figure_appears_only_when_the_output_went_further(qtbot, make_window) -> None:
    window = make_window()
    result = make_result()
    assert "near-verbatim" not in _selected_summary(window, result)  # -1: not measured
    top = window.detail.passage
    assert top is not None
    longer = dataclasses.replace(top, near_verbatim_tokens=top.verbatim_tokens + 9, near_verbatim_edits=1)
    others = tuple(p for p in result.passages if p is not top and p != top)
    summary = _selected_summary(window, dataclasses.replace(result, passages=(longer, *others)))
    assert f"<b>{top.verbatim_tokens + 9}</b> near-verbatim (1 token differs;" in summary
    assert "not counted toward the verdict" in summary
