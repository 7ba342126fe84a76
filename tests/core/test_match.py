"""core.match: a model's output against a folder of real manuscripts in several formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.ingest import IngestError, load_document
from core.match import (
    SCHEMA,
    MatchIndex,
    MatchSettings,
    difference_ranges,
    load_manuscripts,
    output_record,
    run_match,
)
from tests.helpers.generators import drain
from tests.helpers.manuscripts import back_list, pasted_passage
from tests.helpers.texts import control_texts, kjv_chapter

CHANGES = (9, 31, 58)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return back_list(tmp_path_factory.mktemp("backlist"))


@pytest.fixture(scope="module")
def index(folder: Path) -> MatchIndex:
    _, (docs, skipped) = drain(load_manuscripts([folder]))
    assert not skipped and len(docs) == 5
    return MatchIndex(docs)


def john() -> str:
    return kjv_chapter("John", 1)


def test_a_pasted_kjv_paragraph_with_words_changed_is_found_in_the_epub(index: MatchIndex) -> None:
    pasted = pasted_passage(john(), 40, 80, CHANGES)
    spans = index.match(pasted.text)
    assert len(spans) == 1
    span = spans[0]
    assert Path(span.manuscript).name == "john.epub"
    assert span.output_start == pasted.start
    assert pasted.text[span.output_end : pasted.end].strip(".,;:") == ""
    assert span.words == span.manuscript_words == pasted.words
    assert span.similarity == pytest.approx(100 * (pasted.words - pasted.changed) / pasted.words, abs=0.01)
    assert span.verbatim_words == pasted.longest_exact
    assert [e.kind for e in span.edits] == ["replace"] * pasted.changed
    # Every difference names the word put in and the word of the manuscript it replaced.
    doc = load_document(span.manuscript)
    original = john().split()[40:120]
    for edit, at in zip(span.edits, CHANGES, strict=True):
        assert pasted.text[edit.output_start : edit.output_end] == "lantern"
        assert doc.text[edit.manuscript_start : edit.manuscript_end] in original[at]
    # The span's texts are the stretches its offsets name, and the differences lie inside them.
    assert doc.text[span.manuscript_start : span.manuscript_end] == span.manuscript_text
    out_diff, ms_diff = difference_ranges(span)
    assert [span.output_text[a:b] for a, b in out_diff] == ["lantern"] * 3
    assert len(ms_diff) == 3
    assert span.location  # the EPUB records chapters


def test_verbatim_copy_ignores_case_and_punctuation(index: MatchIndex) -> None:
    pasted = pasted_passage(kjv_chapter("Genesis", 1), 100, 60, ())
    flattened = pasted.text.replace(",", "").replace(":", " —").replace(";", "").lower()
    (span,) = index.match(flattened)
    assert Path(span.manuscript).name == "genesis.docx"
    assert span.similarity == 100.0 and span.verbatim_words == span.words == 60 and not span.edits


def test_too_many_changes_or_too_short_is_not_reported(index: MatchIndex) -> None:
    # One word in four changed: far below a similarity of 90.
    assert index.match(pasted_passage(john(), 40, 80, tuple(range(2, 80, 4))).text) == ()
    # Twelve words copied exactly: below the 20-word minimum.
    assert index.match(pasted_passage(john(), 40, 12, ()).text) == ()
    strict = MatchIndex(index.documents, MatchSettings(min_words=10))
    assert len(strict.match(pasted_passage(john(), 40, 12, ()).text)) == 1


def test_an_output_that_shares_nothing_gives_no_spans(index: MatchIndex) -> None:
    for text in control_texts().values():
        assert index.match(text) == ()


def test_two_passages_from_two_manuscripts_are_both_found(index: MatchIndex) -> None:
    a = pasted_passage(john(), 200, 50, (20,))
    b = pasted_passage(kjv_chapter("Genesis", 2), 30, 40, ())
    spans = index.match(a.text + "\n\nAnd from Genesis:\n\n" + b.text)
    assert [Path(s.manuscript).name for s in spans] == ["john.epub", "genesis.docx"]
    assert spans[0].similarity == pytest.approx(98.0) and spans[1].similarity == 100.0


def test_the_result_json_has_hashes_versions_and_time(folder: Path) -> None:
    pasted = pasted_passage(john(), 40, 80, CHANGES)
    _, result = drain(run_match(output_record(pasted.text), [folder]))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["schema"] == SCHEMA
    assert len(data["output"]["sha256"]) == 64 and data["output"]["text"] == pasted.text
    assert {Path(m["path"]).name for m in data["manuscripts"]} == {
        "genesis.docx", "john.epub", "hamlet.txt", "lighthouse.pdf", "lighthouse.odt"
    }
    assert all(len(m["sha256"]) == 64 and len(m["text_sha256"]) == 64 for m in data["manuscripts"])
    assert data["summary"]["spans"] == 1 and data["summary"]["manuscripts_matched"] == 1
    assert data["settings"] == MatchSettings().to_dict()
    prov = data["provenance"]
    assert prov["tool"] == "verbatim" and "rapidfuzz" in prov["components"]
    assert prov["matched_utc"].endswith("Z") and prov["timings"]["match_s"] >= 0
    assert data["spans"][0]["edits"][0]["kind"] == "replace"


def test_a_bad_file_in_a_folder_is_skipped_but_a_named_one_is_an_error(tmp_path: Path, folder: Path) -> None:
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "junk.docx").write_bytes(junk.read_bytes())
    (mixed / "john.txt").write_text(john(), encoding="utf-8")
    _, (docs, skipped) = drain(load_manuscripts([mixed]))
    assert [Path(d.path).name for d in docs] == ["john.txt"]
    assert [Path(p).name for p, _ in skipped] == ["junk.docx"] and skipped[0][1].endswith(".")
    with pytest.raises(IngestError):
        drain(load_manuscripts([junk]))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="contains no manuscripts"):
        drain(load_manuscripts([empty]))
    with pytest.raises(ValueError, match="empty"):
        output_record("  \n ")


def test_settings_are_validated() -> None:
    for bad in (MatchSettings(min_similarity=120), MatchSettings(ngram_words=0), MatchSettings(min_words=3)):
        with pytest.raises(ValueError):
            bad.validate()


def test_the_index_cache_is_reused_until_a_manuscript_changes(tmp_path: Path) -> None:
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    (shelf / "john.txt").write_text(john(), encoding="utf-8")
    (shelf / "genesis.md").write_text("# Genesis\n\n" + kjv_chapter("Genesis", 1), encoding="utf-8")
    (shelf / "junk.docx").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    cache = tmp_path / "index.npz"
    output = output_record(pasted_passage(john(), 40, 80, CHANGES).text)
    _, fresh = drain(run_match(output, [shelf], cache=cache))
    assert fresh.provenance["index_cache"] == {"path": str(cache), "reused": False} and cache.is_file()
    messages, again = drain(run_match(output, [shelf], cache=cache))
    assert again.provenance["index_cache"]["reused"] and not any(m.startswith("Indexing") for m in messages)
    assert again.spans == fresh.spans and again.manuscripts == fresh.manuscripts
    assert again.skipped == fresh.skipped and len(again.skipped) == 1
    (shelf / "john.txt").write_text(john().replace("light", "lamp"), encoding="utf-8")
    _, changed = drain(run_match(output, [shelf], cache=cache))
    assert not changed.provenance["index_cache"]["reused"]
    assert changed.spans[0].manuscript_sha256 != fresh.spans[0].manuscript_sha256
    not_an_index = shelf / "john.txt"
    with pytest.raises(ValueError, match="is not a Verbatim match index"):
        drain(run_match(output, [shelf], cache=not_an_index))
    assert not_an_index.read_text(encoding="utf-8").startswith("In the beginning")


def test_a_change_next_to_either_end_stays_inside_the_span(index: MatchIndex) -> None:
    # Seeds of five words cannot reach these changes; the span still covers every word of the passage.
    pasted = pasted_passage(john(), 40, 60, (2, 57))
    (span,) = index.match(pasted.text)
    assert span.output_start == pasted.start and span.words == 60
    assert span.similarity == pytest.approx(100 * 58 / 60, abs=0.01)
    assert [pasted.text[e.output_start : e.output_end] for e in span.edits] == ["lantern", "lantern"]
