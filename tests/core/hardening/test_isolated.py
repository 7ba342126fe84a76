"""The worker-process loader: limits turn hangs, blow-ups and crashes into one IngestError sentence."""

import sys
import time
from pathlib import Path

import pytest

from core.ingest import IngestError, load_document
from core.ingest.isolated import load_document_isolated, run_isolated
from hardening import hostile

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ingest"


def test_same_document_as_in_process():
    path = FIXTURES / "known.docx"
    assert load_document_isolated(path) == load_document(path)


def test_ingest_errors_come_back_with_their_message(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match=r"^empty.txt contains no text\.$"):
        load_document_isolated(empty)
    with pytest.raises(IngestError, match=r"^The stand-in reader refused the file\.$"):
        load_document_isolated(empty, _target=hostile.refuses)


def test_a_hanging_reader_is_stopped_at_the_time_limit(tmp_path):
    t = time.monotonic()
    with pytest.raises(IngestError, match=r"^Reading book.epub took longer than 1.5 s and was stopped\.$"):
        load_document_isolated(tmp_path / "book.epub", timeout_s=1.5, _target=hostile.sleeps)
    assert time.monotonic() - t < 8


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory cap uses RLIMIT_AS (Linux)")
def test_a_reader_that_blows_memory_is_stopped():
    with pytest.raises(IngestError, match=r"^Reading bomb.docx needed more than 512 MB of memory and was stopped\.$"):
        load_document_isolated("bomb.docx", memory_bytes=512 * 1024**2, _target=hostile.allocates)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_crashing_reader_is_named_with_its_signal():
    with pytest.raises(IngestError, match=r"^The reader for odd.pdf crashed \(signal 11\)\.$"):
        load_document_isolated("odd.pdf", _target=hostile.segfaults)


def test_a_reader_bug_is_still_one_sentence():
    with pytest.raises(IngestError, match=r"^The reader for x.txt failed unexpectedly \(KeyError: 'missing'\)\.$"):
        load_document_isolated("x.txt", _target=hostile.has_a_bug)


def test_peak_memory_of_the_worker_is_reported():
    outcome = run_isolated(FIXTURES / "known.pdf", timeout_s=60, memory_bytes=2 * 1024**3)
    assert outcome.document is not None and outcome.error is None
    assert 10 * 1024**2 < outcome.peak_rss_bytes < 2 * 1024**3


def test_many_paragraphs_assemble_in_linear_time(tmp_path):
    # Found by bench/isolated_worker_memory.py: a 40 MB text hit the 60 s limit because assembling
    # re-summed every earlier paragraph's length for each new one.
    path = tmp_path / "long.txt"
    path.write_text("A short paragraph of prose.  \n\n" * 60_000, encoding="utf-8")
    t = time.monotonic()
    doc = load_document(path)
    assert time.monotonic() - t < 10
    assert doc.text.count("\n\n") == 59_999 and not any(line.endswith(" ") for line in doc.text.split("\n"))
