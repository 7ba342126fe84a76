"""The backend is an id with a separate note; the JSON keeps recording them as one string, and old JSON reads."""

import dataclasses
import json

import pytest

from core.model.fake import FakeBackend
from core.report.jsonio import ResultFormatError, result_from_dict, result_to_dict
from core.results import split_backend_label
from tests.helpers.results import make_result


@pytest.mark.parametrize(("label", "backend", "note"), [
    ("transformers", "transformers", ""),
    ("llama.cpp", "llama.cpp", ""),
    ("fake, generate-only", "fake", ", generate-only"),
    ("remote (top-20 log-probabilities)", "remote", " (top-20 log-probabilities)"),
    ("remote, generate-only (the Ollama server returns no log-probabilities of given text)", "remote",
     ", generate-only (the Ollama server returns no log-probabilities of given text)"),
])
def test_a_label_splits_into_the_id_and_its_note(label, backend, note):
    assert split_backend_label(label) == (backend, note)


def test_the_json_records_the_label_and_reads_back_the_id():
    info = FakeBackend(can_score=False).info
    assert (info.backend, info.backend_label) == ("fake", "fake, generate-only")
    result = dataclasses.replace(make_result(), model=info)
    data = json.loads(json.dumps(result_to_dict(result)))
    assert data["model"]["backend"] == "fake, generate-only" and "backend_note" not in data["model"]
    back = result_from_dict(data)
    assert back.model == info


def test_an_unknown_backend_in_json_is_a_format_error():
    data = result_to_dict(make_result())
    data["model"]["backend"] = "tensorrt"
    with pytest.raises(ResultFormatError, match="tensorrt"):
        result_from_dict(data)
