"""Fuzzing ingest (bounded for CI): any bytes give a Document or an IngestError, never another exception.

`scripts/fuzz_ingest.py` runs the same mutations for minutes and records what it tried.
"""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.ingest import Document, IngestError, load_document
from hardening import mutate

FUZZ = settings(
    max_examples=200,
    deadline=5000,  # ms per example; a parse that slow is a finding
    derandomize=True,  # the same examples on every CI run; the script explores new ones
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def load_or_refuse(path):
    try:
        return load_document(path)
    except IngestError as exc:
        message = str(exc)
        assert message and "\n" not in message and message.rstrip().endswith((".", ")")), message
        return None


@pytest.mark.timeout(240)
@FUZZ
@given(kind=st.sampled_from(mutate.KINDS), seed=st.integers(0, 2**32 - 1))
def test_mutated_fixtures_are_read_or_refused(tmp_path, kind, seed):
    name, data = mutate.mutant(kind, random.Random(seed))
    path = tmp_path / name
    path.write_bytes(data)
    doc = load_or_refuse(path)
    assert doc is None or isinstance(doc, Document)


@pytest.mark.timeout(120)
@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([f".{k}" for k in mutate.KINDS] + ["", ".bin"]))
def test_random_bytes_are_read_or_refused(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    doc = load_or_refuse(path)
    assert doc is None or isinstance(doc, Document)
