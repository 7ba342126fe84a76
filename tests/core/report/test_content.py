from dataclasses import replace

from core.report import advanced, content, passages, statistics, style, wording
from tests.helpers.results import make_passage, make_result

LAYOUT = style.Layout(px_per_pt=96 / 72, heatmap_size=(600, 90))


def test_highlight_marks_spans_and_escapes() -> None:
    out = style.highlighted("a <b> & c", [(2, 5)])
    assert out == 'a <span style="background-color:#f6d58e">&lt;b&gt;</span> &amp; c'


def test_highlight_handles_overlap_and_out_of_range_spans() -> None:
    out = style.highlighted("abcdef", [(4, 99), (0, 2), (1, 3)])
    assert out.count("<span") == 3
    assert "ef</span>" in out


def test_line_breaks_are_visible() -> None:
    assert style.highlighted("one\ntwo\n\n", []) == f"one{style.PILCROW}<br/>two{style.PILCROW * 2}"


def test_ordered_passages_strongest_first_common_last() -> None:
    result = make_result()
    ordered = passages.ordered_passages(result)
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
    # Every other passage is in the appendix, numbered on from 6 (issue 19, item 6).
    appendix = html[html.index("Appendix: the other passages") :]
    assert "Passages 6 to 30" in appendix
    for p in passages.ordered_passages(make_result(passages=many))[5:]:
        assert style.highlighted(p.original, p.original_spans) in appendix


def test_passages_are_cited_by_page_and_paragraph() -> None:
    from core.ingest import Location

    result = make_result()
    text = result.text
    half = len(text) // 2
    pages = (Location(0, half, "page 11"), Location(half + 1, len(text), "page 12"))
    html = content.report_html(result, LAYOUT, locations=pages)
    first = passages.ordered_passages(result)[0]
    page = "11" if first.start_char < half + 1 else "12"
    assert f"Passage 1 · p. {page}, para. " in html
    # Without locations (a result opened from JSON) paragraphs are still counted in the text.
    assert "Passage 1 · para. " in content.report_html(result, LAYOUT)


def test_statistics_read_as_labelled_prose_not_a_dump() -> None:
    stats = {
        "controls": 8, "control_tokens": 19_000, "false_positives": [], "false_positive_rate": 0.0,
        "window_score": "Min-K%++ (k=20%) per 50-token window", "manuscript_windows": 40,
        "control_windows": 300, "test": "one-sided Mann-Whitney U: manuscript windows score higher",
        "p_value": 0.00001, "auc": 0.71, "manuscript_window_median": -1.2, "control_window_median": -1.9,
        "control_window_p05": -2.5, "control_window_p95": -1.1,
    }  # fmt: skip
    html = statistics.controls_section(make_result(statistics=stats), LAYOUT)
    for dump in ("False positives", "[]", "Auc", "Control window p05", "P value", "0.0001 p"):
        assert dump not in html, dump
    assert "Of the 8 control texts, none got a verdict other than No evidence" in html
    assert "False-alarm rate of the verdict rule" in html and "0 % (0 of 8)" in html
    assert "Controls given a verdict other than No evidence</td>" in html
    # Research figures (AUC, raw p-values, window scores) are in the Advanced section, not here (issue 19, item 2).
    assert "0.71" not in html and "Median window score" not in html
    advanced_html = advanced.advanced_section(make_result(statistics=stats), LAYOUT)
    assert "below 0.0001" in advanced_html and "0.71 (0.50 is chance" in advanced_html
    for dump in ("Auc", "Control window p05", "P value"):
        assert dump not in advanced_html, dump
    rows = dict(statistics.statistics_rows({**stats, "false_positives": ["a.txt"], "new_figure": 3}))
    assert rows["Controls given a verdict other than No evidence"] == "a.txt"
    assert rows["New figure"] == "3"


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
    assert wording.percent(0.00001) == "under 0.1 %"
    assert wording.probability(0.000034) == "3.4e-05"
    assert wording.size(536_223_056) == "536.2 MB (536,223,056 bytes)"
    assert wording.utc("2025-11-27T14:02:11+00:00") == "2025-11-27 14:02:11 UTC"


def test_reference_model_test_is_explained_and_named_only_when_used() -> None:
    import dataclasses

    from core.evidence.reference import with_reference
    from core.model.fake import FakeBackend
    from core.scan.engine import run_scan
    from core.settings import ScanSettings
    from tests.helpers.docs import document

    phrase = "all the king's horses and all the king's men could not put the lamp together again"
    text = "The ferry left at noon and came back empty, as it did every week. " + phrase + ". The end came."
    settings = ScanSettings(chunk_tokens=32, overlap_tokens=8, prefix_tokens=8, suffix_tokens=8,
                            common_phrase_check=False)
    result = run_scan(document(text), FakeBackend(memorized=(phrase,)), settings)
    plain = content.report_html(result, LAYOUT)
    assert "reference model" not in plain

    reference = FakeBackend(memorized=(phrase,))
    reference.info = dataclasses.replace(reference.info, name="Old-Model-2019")
    checked = with_reference(result, reference)
    html = content.report_html(checked, LAYOUT)
    method = html[html.index("<h2>Method</h2>") : html.index("How to verify this report")]
    assert "the reference model Old-Model-2019 (SHA-256 " + reference.info.sha256 + ")" in method
    assert "It reproduced 1 of the 1 passages checked; 1 of them" in method
    assert "rests on the declaration that Old-Model-2019 was not trained on this work" in method
    # The passage is greyed with the reference's reason, and its files are listed field by field.
    assert "Common phrase — not counted toward the verdict.</b> The reference model Old-Model-2019" in html
    assert "reference_model.files.1.sha256" in html


def test_near_verbatim_stretch_is_stated_beside_the_exact_count_only_when_it_goes_further() -> None:
    result = make_result()
    first = result.passages[0]
    longer = replace(first, near_verbatim_tokens=first.verbatim_tokens + 12, near_verbatim_edits=2)
    html = content.report_html(replace(result, passages=(longer, *result.passages[1:])), LAYOUT)
    assert f"<b>{first.verbatim_tokens + 12:,}</b> tokens near-verbatim (2 tokens changed, left out or added" in html
    assert "not counted toward the verdict" in html
    # Not measured (-1, older reports) or no further than the exact run: nothing is claimed.
    assert "tokens near-verbatim" not in content.report_html(result, LAYOUT)
    same = replace(first, near_verbatim_tokens=first.verbatim_tokens)
    assert "tokens near-verbatim" not in content.report_html(replace(result, passages=(same,)), LAYOUT)


def test_extraction_by_sampling_is_stated_with_its_decoding_only_when_measured() -> None:
    result = make_result()
    assert "Extraction by sampling" not in content.report_html(result, LAYOUT)
    measured = replace(result, extraction={"decoding": "top-k 40, temperature 1", "window_tokens": 50, "windows": 3,
                                           "share": {"1": 0.02, "10": 0.1, "100": 0.25, "1000": 0.3, "10000": 0.31}})
    html = content.report_html(measured, LAYOUT)
    assert "Extraction by sampling (top-k 40, temperature 1, each 50-token stretch" in html
    assert "2.0 % within 1 sample, 25.0 % within 100 samples, 31.0 % within 10,000 samples" in html


def test_a_tiny_reconstruction_share_is_worded_not_eaten_as_a_tag() -> None:
    import dataclasses
    import re

    from core.report.figures import reconstruction_lines, reconstruction_section
    from core.report.style import Layout

    chapter = {"chapter": "whole work", "start_char": 0, "end_char": 900, "tokens": 2536, "seed_tokens": 50,
               "generated_tokens": 48, "verbatim_tokens": 2, "near_verbatim_tokens": 2, "stretches": []}
    record = {"mode": "unassisted", "seed_tokens": 50, "max_generated_tokens": 4096, "tolerance": 0.1,
              "work_tokens": 2536, "generated_tokens": 48, "verbatim_tokens": 2, "near_verbatim_tokens": 2,
              "verbatim_share": 2 / 2536, "near_verbatim_share": 2 / 2536, "complete": True, "chapters": [chapter]}
    result = dataclasses.replace(make_result(), reconstruction=record)
    shown = re.sub(r"<[^>]*>", "", reconstruction_section(result, Layout(px_per_pt=1.0)))
    assert "the model reproduced under 0.1 % of the work's 2,536 tokens exactly" in shown
    assert any("under 0.1 % of the work's 2,536 tokens reproduced exactly" in line
               for line in reconstruction_lines(result))


def test_the_verdict_sentence_follows_the_verdict_as_well_as_the_rule() -> None:
    # The passage-count rule fires at two levels; only the memorized one may say "memorized the work".
    assert "memorized the work" in wording.verdict_sentence("memorized", "passages")
    weak = wording.verdict_sentence("inconclusive", "passages")
    assert "memorized the work" not in weak and "not by the margin" in weak
    assert wording.verdict_sentence("no-evidence", "chance") == wording.verdict_sentence("no-evidence")


def test_a_candidate_limit_that_left_candidates_untested_is_said_everywhere() -> None:
    from cli.summary import format_summary

    result = make_result()
    assert wording.untested_candidates(result) == ""
    limit = result.summary.candidates - 1
    capped = replace(result, settings={**result.settings, "max_candidates": limit})
    said = f"the longest {limit:,} of {result.summary.candidates:,} tested"
    assert said in wording.untested_candidates(capped)
    assert said in content.report_html(capped, LAYOUT)
    assert said in format_summary(capped)

