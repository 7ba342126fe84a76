import json
import math

import pytest

from core.report.jsonio import (
    ResultFormatError,
    read_json,
    result_from_dict,
    result_from_json,
    result_to_dict,
    result_to_json,
    write_json,
)
from core.results import SCHEMA
from tests.helpers.results import make_passage, make_result


def test_round_trip_equals_original() -> None:
    result = make_result()
    again = result_from_dict(json.loads(result_to_json(result)))
    assert again == result


def test_contract_fields_present() -> None:
    d = result_to_dict(make_result())
    assert d["schema"] == SCHEMA
    assert {"path", "sha256", "characters", "tokens", "text_sha256", "size_bytes"} <= d["manuscript"].keys()
    assert {"name", "path", "sha256", "format", "parameters", "files"} <= d["model"].keys()
    assert d["model"]["sha256"] == d["model"]["files"][0]["sha256"]
    assert {"verdict", "score", "longest_verbatim_tokens", "verbatim_token_share", "coverage"} <= d[
        "summary"
    ].keys()
    p = d["passages"][0]
    assert {
        "start_char",
        "end_char",
        "prompt",
        "original",
        "generated",
        "verbatim_tokens",
        "similarity",
        "p_extract",
        "common_phrase",
        "queries_for_half",
        "original_spans",
    } <= p.keys()
    assert p["original_spans"] == [[0, len(p["original"])]]
    for key in ("settings", "controls", "statistics", "membership", "heatmap", "complete", "provenance"):
        assert key in d
    assert d["positions_scored"] <= d["positions_total"]
    assert "text" not in d  # the scanned text stays out of the evidence file


def test_queries_for_half_matches_passage() -> None:
    result = make_result()
    d = result_to_dict(result)
    assert [p["queries_for_half"] for p in d["passages"]] == [p.queries_for_half for p in result.passages]
    assert d["passages"][0]["queries_for_half"] == 1  # p_extract 0.91


def test_non_finite_numbers_become_null_and_nan() -> None:
    from dataclasses import replace

    result = make_result()
    result = replace(result, membership=replace(result.membership, min_k=float("-inf")))
    text = result_to_json(result)  # strict JSON: no NaN/Infinity tokens
    assert "Infinity" not in text
    again = result_from_json(text)
    assert again.membership is not None and math.isnan(again.membership.min_k)


def test_unicode_kept_readable(tmp_path) -> None:
    text = "Ἐν ἀρχῇ ἦν ὁ λόγος. В начале было Слово. " * 5
    result = make_result(text=text, passages=(make_passage(text, 40, 120),))
    path = tmp_path / "r.json"
    write_json(result, path)
    raw = path.read_text("utf-8")
    assert "λόγος" in raw and "Слово" in raw
    assert read_json(path) == result


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema="other/2"), "schema"),
        (lambda d: d["manuscript"].pop("sha256"), "manuscript"),
        (lambda d: d.pop("passages"), "passages"),
        (lambda d: d["passages"][0].pop("prompt"), r"passages\[0\]"),
        (lambda d: d.update(summary=[]), "summary"),
    ],
)
def test_malformed_documents_are_refused(mutate, message) -> None:
    d = result_to_dict(make_result())
    mutate(d)
    with pytest.raises(ResultFormatError, match=message):
        result_from_dict(d)


def test_invalid_json_text() -> None:
    with pytest.raises(ResultFormatError, match="not valid JSON"):
        result_from_json("{nope")


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    d = result_to_dict(make_result())
    d["passages"][0]["new_metric"] = 3
    d["future_section"] = {}
    assert result_from_dict(d) == make_result()


def test_round_trip_of_a_real_fake_backend_scan() -> None:
    from core.model.fake import FakeBackend
    from core.scan.engine import run_scan
    from tests.helpers.docs import document
    from tests.helpers.results import SAMPLE_TEXT

    result = run_scan(
        document(SAMPLE_TEXT + "\nnew words at the end\n"), FakeBackend(memorized=(SAMPLE_TEXT,))
    )
    assert result.passages and result.membership is not None
    assert result_from_json(result_to_json(result)) == result
