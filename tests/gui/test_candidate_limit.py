"""A scan whose candidate limit left candidates untested says so in the window (the PDF and the CLI:
tests/core/report/test_content.py): its passage count and share are lower bounds."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import replace

from gui.results_view import VerdictBadge
from tests.helpers.results import make_result


def test_the_key_figure_counts_the_tested_candidates_and_the_tooltip_says_how_many_were_found(qtbot):
    result = make_result()
    s = result.summary
    badge = VerdictBadge()
    qtbot.addWidget(badge)
    badge.show_result(result)
    assert badge.figure("confirmed").startswith(f"{s.confirmed:,} of {s.candidates:,}")
    assert "tested" not in badge.figure("confirmed")
    capped = replace(result, settings={**result.settings, "max_candidates": s.candidates - 2})
    badge.show_result(capped)
    assert badge.figure("confirmed").startswith(f"{s.confirmed:,} of {s.candidates - 2:,} tested")
    assert f"the longest {s.candidates - 2:,} of {s.candidates:,} tested" in badge._values["confirmed"].toolTip()
