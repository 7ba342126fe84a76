"""Chat probes' logic with the deterministic fake model: what is asked, how answers are measured, the record."""

import dataclasses

import pytest

from core.chatprobe.probes import (
    EVEN_WINDOWS,
    ChatRequest,
    ChatUnavailable,
    chapters,
    model_template,
    plan_probes,
    run_chat_probes,
)
from core.errors import UserError
from core.ingest import Location
from core.job import JobOptions, scan_job
from core.model.chat import ChatTemplate
from core.model.fake import FakeBackend
from core.report.chat import chat_lines, chat_section
from core.report.jsonio import read_json, write_json
from core.report.style import Layout
from core.scan.engine import run_scan
from core.scan.progress import CancelToken
from core.settings import ScanSettings
from tests.helpers.docs import document
from tests.helpers.generators import drain

SMALL = ScanSettings(chunk_tokens=24, overlap_tokens=6, prefix_tokens=8, suffix_tokens=8, batch_size=2)
FRESH = "Morning fog lifted over the harbour while gulls argued about nothing in particular today. "
MEMORIZED = ("It was a bright cold day in April and the clocks were striking thirteen while the wind "
             "carried dust and paper along the empty street past the old glass doors of the mansions")
# A template that gives the model the user's words alone: the fake then continues the author's text.
PLAIN = ChatTemplate(source="test", text="{{ messages[-1]['content'] }}")


def scanned(text):
    return run_scan(document(text), FakeBackend(memorized=(MEMORIZED,)), SMALL)


def test_each_confirmed_passage_is_asked_through_the_template_and_measured_where_it_matched():
    text = FRESH * 3 + MEMORIZED + " " + FRESH * 2
    result = scanned(text)
    assert result.passages
    backend = FakeBackend(memorized=(MEMORIZED,))
    items, out = drain(run_chat_probes(result, backend, SMALL, ChatRequest(), template=PLAIN))
    chat = out.chat
    assert (items[0].done, items[-1].done, items[-1].total) == (0, len(chat["probes"]), len(chat["probes"]))
    assert chat["template_sha256"] == PLAIN.sha256 and chat["template_source"] == "test"
    assert chat["selection"] == "confirmed passages" and chat["complete"]
    assert out.summary == result.summary  # the verdict is untouched
    first = chat["probes"][0]
    strongest = max(result.passages, key=lambda p: p.evidence)
    assert first["kind"] == "continuation"
    assert first["prompt"].startswith("Continue this text exactly") and first["prompt"].endswith(strongest.prompt)
    assert first["match_start_char"] == strongest.start_char and first["at_expected_place"]
    assert first["unprompted_tokens"] == first["near_verbatim_tokens"]  # it continued; it did not echo the prompt
    assert first["verbatim_tokens"] >= strongest.verbatim_tokens
    assert first["near_verbatim_tokens"] >= first["verbatim_tokens"]
    assert first["matched"] == text[first["match_start_char"] : first["match_end_char"]]
    assert first["generated"].startswith(first["matched"])
    # The answer runs past the memorized text into the fake's filler (" the the…"), which lowers similarity.
    assert first["match_end_char"] == text.index(MEMORIZED) + len(MEMORIZED)
    assert " the the" in first["generated"][len(first["matched"]) :]
    assert 50 < first["similarity"] < 100


def test_without_a_confirmed_passage_evenly_spaced_places_are_probed_and_the_record_says_so():
    result = scanned(FRESH * 8)
    assert not result.passages
    out = drain(run_chat_probes(result, FakeBackend(), SMALL, ChatRequest(), template=PLAIN))[1]
    probes = out.chat["probes"]
    assert out.chat["selection"].startswith("evenly spaced places")
    assert len(probes) == EVEN_WINDOWS
    starts = [p["expected_char"] for p in probes]
    assert starts == sorted(starts) and len(set(starts)) == EVEN_WINDOWS
    for p in probes:  # the fake says " the the the…": nowhere in the work
        assert p["match_start_char"] is None and p["verbatim_tokens"] == 0
        assert 0 <= p["similarity"] < 50


def test_title_and_chapter_prompts_name_the_work_and_each_chapter():
    text = FRESH * 6
    result = scanned(text)
    tokens = FakeBackend().tokenize(text)
    locations = (Location(0, 200, "Chapter One: The Harbour"), Location(200, 400, "page 3"),
                 Location(400, len(text), "The Gulls"))
    _, probes = plan_probes(result, tokens, SMALL, ChatRequest(title="Fog", author="A. Writer"), locations)
    kinds = [p.kind for p in probes]
    assert kinds.count("title") == 1 and kinds.count("chapter") == 2
    title = next(p for p in probes if p.kind == "title")
    assert title.prompt == "Recite the opening of Fog by A. Writer, word for word."
    chapter = [p for p in probes if p.kind == "chapter"][1]
    assert chapter.label == "The Gulls" and chapter.expected_char == 400
    assert "the opening of The Gulls of Fog by A. Writer" in chapter.prompt
    assert text[: int(tokens.offsets[chapter.expected_token, 0])].__len__() >= 400 - len(" ")


def test_only_named_parts_of_the_structure_are_chapters():
    locs = [Location(0, 1, "paragraph 1"), Location(1, 2, "page 4"), Location(2, 3, "footnote 2"),
            Location(3, 4, "EPUB/text/ch001.xhtml"), Location(4, 5, "Chapter Two: The Correspondence")]
    assert [c.label for c in chapters(locs)] == ["Chapter Two: The Correspondence"]


def test_title_prompts_need_both_title_and_author():
    with pytest.raises(UserError, match="both the title and the author"):
        ChatRequest(title="Fog")


def test_a_model_without_a_chat_template_is_one_sentence():
    with pytest.raises(ChatUnavailable, match="has no chat template") as err:
        model_template(FakeBackend())
    assert str(err.value).count(". ") == 0


def test_the_job_refuses_chat_for_a_model_without_a_template_before_scanning():
    scans = []

    def scan_function(*args, **kwargs):
        scans.append(1)
        raise AssertionError("must not scan")

    job = scan_job(document(FRESH * 4), None, SMALL, CancelToken(), JobOptions(chat=ChatRequest()),
                   load=lambda spec, settings: FakeBackend(), scan_function=scan_function)
    with pytest.raises(ChatUnavailable):
        drain(job)
    assert scans == []


def test_the_chat_record_travels_through_json_and_old_reports_have_none(tmp_path):
    text = FRESH * 3 + MEMORIZED + " " + FRESH * 2
    result = scanned(text)
    out = drain(run_chat_probes(result, FakeBackend(memorized=(MEMORIZED,)), SMALL,
                                ChatRequest(title="Fog", author="A. Writer"), template=PLAIN))[1]
    write_json(out, tmp_path / "r.json")
    back = read_json(tmp_path / "r.json")
    assert back.chat == out.chat
    write_json(result, tmp_path / "plain.json")
    assert read_json(tmp_path / "plain.json").chat is None


def test_the_report_section_and_the_cli_block_show_each_probe_apart_from_the_verdict():
    text = FRESH * 3 + MEMORIZED + " " + FRESH * 2
    result = scanned(text)
    out = drain(run_chat_probes(result, FakeBackend(memorized=(MEMORIZED,)), SMALL,
                                ChatRequest(title="Fog", author="A. Writer"), template=PLAIN))[1]
    html = chat_section(out, Layout(px_per_pt=1.0))
    assert "Chat probes" in html and "do not change the verdict" in html
    assert "Recite the opening of Fog by A. Writer" in html
    assert out.chat["probes"][0]["matched"][:30] in html
    lines = chat_lines(out)
    assert any("Chat probes" in line and "do not change" in line for line in lines)
    assert sum(line.strip().startswith("Probe ") for line in lines) == len(out.chat["probes"])
    assert chat_section(result, Layout(px_per_pt=1.0)) == "" and chat_lines(result) == []
    assert dataclasses.replace(out, chat=None).chat is None


def test_the_job_runs_the_probes_after_the_scan_and_reports_their_progress(tmp_path):
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "chat_template.jinja").write_text(PLAIN.text, encoding="utf-8")
    backend = FakeBackend(memorized=(MEMORIZED,))
    backend.info = dataclasses.replace(backend.info, path=str(model_dir))
    job = scan_job(document(FRESH * 3 + MEMORIZED + " " + FRESH * 2), None, SMALL, CancelToken(),
                   JobOptions(chat=ChatRequest()), load=lambda spec, settings: backend)
    items, result = drain(job)
    chat_items = [i for i in items if getattr(i, "stage", "") == "chat"]
    n = len(result.chat["probes"])
    assert [(i.done, i.total) for i in chat_items] == [(k, n) for k in range(n + 1)]
    assert chat_items[-1].fraction == 1.0 and chat_items[-1].message.startswith("Chat probes")
    assert result.chat["template_sha256"] == PLAIN.sha256 and result.chat["template_source"] == "chat_template.jinja"
