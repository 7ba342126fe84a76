import numpy as np
import pytest

from core.errors import UserError
from core.ingest.document import Document, Location
from core.model.fake import FakeBackend
from core.reconstruct import (
    ReconstructOptions,
    _Segment,
    _stretches,
    chapters,
    exact_run,
    options_from_record,
    reconstruct,
    replay_differences,
)
from core.verify import _reconstruction_check
from tests.helpers.reconstruction import gemma_llamacpp, genesis_1, kjv_reconstruction, run

WORDS = " ".join(f"w{i}" for i in range(400))


def test_chapters_from_generic_locations_are_the_whole_work():
    locs = [Location(0, 10, "paragraph 1"), Location(11, 30, "page 2"), Location(31, 40, "footnote 1")]
    assert [(c.label, c.start_char, c.end_char) for c in chapters(40, locs)] == [("whole work", 0, 40)]


def test_named_chapters_tile_the_text_from_its_start():
    locs = [Location(3, 20, "One"), Location(20, 50, "Two"), Location(50, 90, "Three")]
    assert [(c.label, c.start_char, c.end_char) for c in chapters(90, locs)] == [
        ("One", 0, 20), ("Two", 20, 50), ("Three", 50, 90)]


def test_exact_run_and_stretches_in_characters():
    assert exact_run([1, 2, 3, 4], [1, 2, 9, 4]) == 2
    assert exact_run([1, 2], [1, 2, 3]) == 2
    offsets = np.array([[i * 3, i * 3 + 2] for i in range(20)])
    segs = [_Segment(2, [], verbatim=3, near=5), _Segment(8, [], verbatim=0, near=0), _Segment(9, [], 2, 2)]
    assert _stretches(segs, offsets) == [[6, 14, "verbatim"], [15, 20, "near-verbatim"], [27, 32, "verbatim"]]


def test_options_refuse_what_cannot_work():
    with pytest.raises(UserError, match="seed"):
        ReconstructOptions(seed_tokens=0).validate()
    with pytest.raises(UserError, match="max"):
        ReconstructOptions(max_generated_tokens=0).validate()


def _changed(text: str, every: int) -> str:
    words = text.split(" ")
    return " ".join("CHANGED" if i % every == every - 1 else w for i, w in enumerate(words))


def test_unassisted_stops_where_the_model_leaves_the_text_and_assisted_goes_on():
    # The fake model memorized the work with every 60th word changed, then the rest of it differs.
    memorized = _changed(" ".join(WORDS.split(" ")[:200]), 60)
    backend = FakeBackend((memorized,), order=3)
    alone = run(reconstruct(WORDS, backend, ReconstructOptions(seed_tokens=10)))
    ch = alone["chapters"][0]
    assert alone["mode"] == "unassisted" and alone["complete"] and len(ch["segments"]) == 1
    # Exact until word 59 (the first changed one), near-verbatim (1 edit in 60) to word 199.
    assert ch["verbatim_tokens"] == 59 - 10
    assert ch["near_verbatim_tokens"] == pytest.approx(200 - 10, abs=3)
    assert ch["stretches"][0] == [WORDS.index(" w10 "), WORDS.index(" w58 ") + 4, "verbatim"]  # tokens: " w10"
    assert ch["stretches"][1][2] == "near-verbatim"


def test_assisted_is_reseeded_past_what_the_model_does_not_know():
    # The fake model memorized the work with words 100-119 replaced: alone it stops at word 99.
    words = WORDS.split(" ")
    backend = FakeBackend((" ".join(words[:100] + [f"J{i}" for i in range(20)] + words[120:]),), order=3)
    alone = run(reconstruct(WORDS, backend, ReconstructOptions(seed_tokens=10)))
    assert alone["chapters"][0]["verbatim_tokens"] == 90
    helped = run(reconstruct(WORDS, backend, ReconstructOptions(seed_tokens=10, assisted=True,
                                                                max_generated_tokens=2000)))
    ch = helped["chapters"][0]
    assert helped["mode"] == "assisted" and helped["complete"]
    # Re-seeded one author word further each time, it picks the text up again once its 3-word context
    # is the memorized one (from word 123) and goes on to the end.
    assert ch["verbatim_tokens"] == pytest.approx(90 + (400 - 123), abs=2)
    assert ch["stretches"][-1][1] == len(WORDS)
    assert len(ch["segments"]) > 2
    assert helped["verbatim_share"] > alone["verbatim_share"]


def test_the_bound_on_generated_tokens_is_recorded():
    backend = FakeBackend((WORDS,), order=3)
    rec = run(reconstruct(WORDS, backend, ReconstructOptions(seed_tokens=10, max_generated_tokens=40)))
    assert rec["generated_tokens"] == 40 and rec["chapters"][0]["verbatim_tokens"] == 40
    assert rec["complete"] is True  # unassisted: the one generation per chapter was cut, not skipped
    helped = run(reconstruct(WORDS + " x y z", FakeBackend((WORDS[:300],), order=3),
                             ReconstructOptions(seed_tokens=10, assisted=True, max_generated_tokens=100)))
    assert helped["complete"] is False and helped["stopped"] == "max_generated_tokens"


def test_each_chapter_is_seeded_with_its_own_opening():
    text = WORDS
    second = text.index("w200")
    locs = [Location(0, second, "One"), Location(second, len(text), "Two")]
    rec = run(reconstruct(text, FakeBackend((text,), order=3), ReconstructOptions(seed_tokens=10), locs))
    one, two = rec["chapters"]
    assert (one["chapter"], two["chapter"]) == ("One", "Two")
    assert two["segments"][0]["start_char"] == text.index(" w210")
    assert one["verbatim_tokens"] == 190 and two["verbatim_tokens"] == 190
    assert rec["verbatim_share"] == pytest.approx(380 / 400)


def test_replay_names_a_changed_generation():
    rec = run(reconstruct(WORDS, FakeBackend((WORDS,), order=3), ReconstructOptions(seed_tokens=10,
                                                                                    max_generated_tokens=30)))
    assert replay_differences(rec, rec) == []
    other = {**rec, "chapters": [{**rec["chapters"][0], "segments": [{"start_char": 40, "generated": " w10 x"}]}]}
    assert "differs from character 5" in replay_differences(rec, other)[0]
    assert options_from_record(rec) == ReconstructOptions(seed_tokens=10, max_generated_tokens=30)


@pytest.mark.slow
def test_gemma_reconstructs_the_opening_of_genesis():
    pytest.importorskip("llama_cpp")
    text, rec = genesis_1(), kjv_reconstruction()
    backend = gemma_llamacpp()
    tokens = backend.tokenize(text)
    assert rec["mode"] == "unassisted" and rec["seed_tokens"] == 50 and rec["complete"] is True
    assert rec["work_tokens"] == len(tokens)
    (ch,) = rec["chapters"]
    assert ch["chapter"] == "whole work" and ch["seed_tokens"] == 50
    seg = ch["segments"][0]
    assert seg["start_char"] == int(tokens.offsets[50][0])
    # Gemma knows Genesis 1: it goes on with the author's words past the seed, then leaves them.
    assert ch["verbatim_tokens"] >= 5
    assert 0 < rec["generated_tokens"] <= 4096
    assert ch["near_verbatim_tokens"] >= ch["verbatim_tokens"]
    start, end, kind = ch["stretches"][0]
    assert (start, kind) == (seg["start_char"], "verbatim")
    assert seg["generated"].startswith(text[start:end])
    assert rec["verbatim_share"] == pytest.approx(ch["verbatim_tokens"] / len(tokens))
    assert rec["seconds"] > 0


@pytest.mark.slow
def test_verify_replays_gemmas_reconstruction(tmp_path):
    pytest.importorskip("llama_cpp")
    import dataclasses

    from tests.helpers.results import make_result

    result = dataclasses.replace(make_result(text=genesis_1()), reconstruction=kjv_reconstruction())
    doc = Document(path="genesis.txt", sha256="", size_bytes=0, format="txt", encoding="utf-8", text=genesis_1())
    check = _reconstruction_check(result, gemma_llamacpp(), doc)
    assert check.status == "ok", check.detail
    ch = result.reconstruction["chapters"][0]
    seg = ch["segments"][0]
    tampered = {**result.reconstruction, "chapters": [{**ch, "segments": [{**seg, "generated": seg["generated"] + "!"}]}]}
    check = _reconstruction_check(dataclasses.replace(result, reconstruction=tampered), gemma_llamacpp(), doc)
    assert check.status == "differs"
