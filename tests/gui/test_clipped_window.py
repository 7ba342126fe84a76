"""The passage detail says "clipped: N-token prefix" where a passage's window is short of 50+50 (issue 15 item 6)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import replace

from gui.results_view import PassageDetail
from tests.helpers.results import make_result


def test_the_detail_flags_a_clipped_window_and_not_a_standard_one(qtbot):
    p = make_result().passages[0]
    detail = PassageDetail()
    qtbot.addWidget(detail)
    detail.show_passage(replace(p, window_prefix_tokens=12, window_suffix_tokens=50))
    assert "clipped: 12-token prefix; not a 50+50 window" in detail.summary_label.text()
    detail.show_passage(replace(p, window_prefix_tokens=50, window_suffix_tokens=31))
    assert "clipped: 31-token suffix" in detail.summary_label.text()
    detail.show_passage(replace(p, window_prefix_tokens=50, window_suffix_tokens=50))
    assert "clipped" not in detail.summary_label.text()
    # An older report records no window: nothing is claimed either way.
    detail.show_passage(replace(p, window_prefix_tokens=-1, window_suffix_tokens=-1))
    assert "clipped" not in detail.summary_label.text()
