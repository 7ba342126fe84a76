from dataclasses import replace

from core.report import content, wording
from tests.helpers.results import make_passage, make_result

LAYOUT = content.Layout(px_per_pt=96 / 72, heatmap_size=(600, 90))


def test_highlight_marks_spans_and_escapes() -> None:
    out = content.highlighted("a <b> & c", [(2, 5)])
    assert out == 'a <span style="background-color:#f6d58e">&lt;b&gt;</span> &amp; c'


def test_highlight_handles_overlap_and_out_of_range_spans() -> None:
    out = content.highlighted("abcdef", [(4, 99), (0, 2), (1, 3)])
    assert out.count("<span") == 3
    assert "ef</span>" in out


def test_line_breaks_are_visible() -> None:
    assert content.highlighted("one\ntwo\n\n", []) == f"one{content.PILCROW}<br/>two{content.PILCROW * 2}"


def test_ordered_passages_strongest_first_common_last() -> None:
    result = make_result()
    ordered = content.ordered_passages(result)
    assert [p.common_phrase for p in ordered] == [False, False, True]
    assert ordered[0].verbatim_tokens >= ordered[1].verbatim_tokens


def test_user_text_is_escaped_everywhere() -> None:
    text = "Plain start. <script>alert(1)</script> & more text follows here to be reproduced."
    result = make_result(
        text=text,
        path="/tmp/<evil>&name.txt",
        passages=(make_passage(text, 13, len(text)),),
    )
    result = replace(result, model=replace(result.model, name="<img src=x>"))
    html = content.report_html(result, LAYOUT)
    assert "<script>" not in html and "<evil>" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;" in html and "&lt;evil&gt;&amp;name.txt" in html


def test_incomplete_banner_only_when_cancelled() -> None:
    assert "INCOMPLETE SCAN (cancelled)" not in content.report_html(make_result(), LAYOUT)
    html = content.report_html(make_result(complete=False), LAYOUT)
    assert "INCOMPLETE SCAN (cancelled)" in html
    assert "was not examined" in html


def test_max_passages_limits_blocks() -> None:
    text = make_result().text
    many = tuple(make_passage(text, i * 40, i * 40 + 38) for i in range(30))
    html = content.report_html(make_result(passages=many), LAYOUT, max_passages=5)
    assert "Passage 5 ·" in html and "Passage 6 ·" not in html
    assert "The 5 strongest are shown" in html


def test_no_controls_is_said_plainly() -> None:
    html = content.report_html(make_result(controls=(), statistics={}), LAYOUT)
    assert "No control texts were scanned" in html


def test_every_setting_and_model_file_listed() -> None:
    result = make_result()
    html = content.report_html(result, LAYOUT)
    for f in result.model.files:
        assert f.sha256 in html
    assert "thresholds.memorized_tokens" in html and "chunk_tokens" in html
    assert result.manuscript.text_sha256 in html


def test_wording_numbers() -> None:
    assert wording.percent(0.315) == "31.5 %"
    assert wording.percent(0.00001) == "< 0.1 %"
    assert wording.probability(0.000034) == "3.4e-05"
    assert wording.size(536_223_056) == "536.2 MB (536,223,056 bytes)"
    assert wording.utc("2025-11-27T14:02:11+00:00") == "2025-11-27 14:02:11 UTC"
