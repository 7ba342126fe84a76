"""A passage whose 50+50 window is cut short by the start of the work says so (issue 15 item 6), on a real scan.

Gemma 3 270M (llama.cpp) reproduces the opening of Genesis 1 from its first tokens, so its first passage
starts with fewer than 50 tokens before it: its window is recorded with that prefix and flagged
"clipped: N-token prefix" in the report, never labelled a standard 50+50 window.
"""

import pytest

from core.report.content import report_html
from core.report.jsonio import result_from_json, result_to_json
from core.report.style import Layout
from core.scan.engine import run_scan
from core.settings import ScanSettings
from tests.helpers import texts
from tests.helpers.docs import document

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def genesis():
    pytest.importorskip("llama_cpp")
    from core.model.loader import load_backend

    backend = load_backend(None, ScanSettings(device="cpu"), backend="llama.cpp")
    text = texts.kjv_chapter("Genesis", 1)[:1500]
    return run_scan(document(text, "genesis-1.txt"), backend, ScanSettings(device="cpu"))


def test_a_passage_near_the_start_is_flagged_clipped_and_the_rest_are_standard(genesis):
    early = [p for p in genesis.passages if p.start_token < 50]
    late = [p for p in genesis.passages if 50 <= p.start_token and p.start_token + 50 <= genesis.manuscript.tokens]
    assert early and late, [(p.start_token, p.verbatim_tokens) for p in genesis.passages]
    for p in early:
        assert p.window_prefix_tokens == p.start_token
        assert p.clipped_window.startswith(f"clipped: {p.start_token}-token prefix")
    for p in late:
        assert (p.window_prefix_tokens, p.window_suffix_tokens, p.clipped_window) == (50, 50, "")
    # The fields travel in the JSON, and the report says it where it applies.
    again = result_from_json(result_to_json(genesis))
    assert [p.clipped_window for p in again.passages] == [p.clipped_window for p in genesis.passages]
    html = report_html(again, Layout(px_per_pt=96 / 72))
    for p in early:
        assert f"{p.start_token}+50-token window (clipped: {p.start_token}-token prefix" in html
    assert html.count("standard 50+50 window:") >= len(late)
