"""Requests in flight at once (--server-concurrency) against real servers on loopback.

llama.cpp's own server (llama-server) started with four slots may take four requests at once: its setup
is read from /props and recorded, and a scan made with four requests in flight must find exactly what
the same scan finds one request at a time. A server that does not say its numerics are batch-invariant
(llama-cpp-python's) gets one request at a time and a note saying why.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

import numpy as np
import pytest

from core.model.remote import load_remote
from core.scan.engine import run_scan
from core.scan.triage import with_bos
from core.settings import ScanSettings
from tests.core.model.test_llama_server import CLOSING, OPENING
from tests.helpers.docs import document
from tests.helpers.llama_server import binary_path
from tests.helpers.servers import free_port, serving

pytestmark = pytest.mark.slow

SLOTS = 4
TIMEOUT_S = 600.0
"""Per request: the tests share a loaded 2-core machine, where one generation can take minutes."""


def served_text(remote: object) -> tuple[str, int]:
    """The opening and the served model's own 24-token greedy continuation; and where that begins (tokens).

    Shorter than test_llama_server's: the text is scanned five times here.
    """
    from core.model.remote import RemoteBackend

    assert isinstance(remote, RemoteBackend)
    ids = remote.tokenize(OPENING.rstrip()).ids
    out = remote.generate(with_bos(ids[None, :], remote.bos_id), 24)[0]
    return OPENING.rstrip() + remote.decode(out[out >= 0]), len(ids)


def connect(url: str, concurrency: int = 1):
    return load_remote(url, timeout=TIMEOUT_S, concurrency=concurrency)


def llama_server_with_slots(slots: int) -> AbstractContextManager[str]:
    """llama-server serving the embedded SmolLM2 with `slots` slots of 1024 tokens each; yields its URL."""
    from core.model.embedded import embedded_smollm2_path

    binary = binary_path()
    if not binary.is_file():
        raise FileNotFoundError(f"{binary} is missing: run `python -m tests.helpers.llama_server` (scripts/test.sh does).")
    port = free_port()
    # One thread: on a loaded shared machine, two threads that wait for each other at every step crawl.
    command = [str(binary), "-m", str(embedded_smollm2_path()), "--host", "127.0.0.1", "--port", str(port),
               "--alias", "smollm2-slots", "-c", str(1024 * slots), "-t", "1", "-np", str(slots),
               "-ctk", "f32", "-ctv", "f32"]  # fp32 KV cache, as the local backend uses
    return serving(command, f"http://127.0.0.1:{port}", "llama-server", ready_path="/health")


@pytest.fixture(scope="module")
def slots_url():
    with llama_server_with_slots(SLOTS) as url:
        yield url


def test_the_servers_setup_is_read_and_recorded(slots_url):
    from core.model.embedded import embedded_smollm2_path
    from core.model.safety import sha256_file

    backend = connect(slots_url, SLOTS)
    server = backend.decoding["server"]
    assert server["kind"] == "llama-server" and server["total_slots"] == SLOTS
    assert server["slot_context_tokens"] == 1024 and server["requests_in_flight"] == SLOTS
    assert server["model_path"] == str(embedded_smollm2_path())
    assert "one slot per request" in server["batch_invariant"] and backend.concurrency_note == ""
    # The server names its model file and it is on this machine: the weights are known by their hash.
    assert backend.info.sha256 == sha256_file(embedded_smollm2_path())
    # More requests than slots: one at a time, and the note says how to start the server instead.
    over = connect(slots_url, SLOTS + 1)
    assert over.decoding["server"]["requests_in_flight"] == 1
    assert over.concurrency_note == (f"llama-server at {slots_url} has {SLOTS} slots, fewer than the {SLOTS + 1} "
                                     f"requests asked for, so requests go one at a time (start it with -np {SLOTS + 1}).")


def test_concurrent_and_sequential_scans_find_the_same_passages(slots_url):
    one = connect(slots_url)
    four = connect(slots_url, SLOTS)
    text, begins = served_text(one)
    ids = one.tokenize(text).ids
    # Generation itself: 6 prompts, the same tokens whichever way they were sent.
    prompts = np.stack([with_bos(ids[None, s : s + 16], one.bos_id)[0] for s in range(0, 48, 8)])
    assert four.generate(prompts, 8).tolist() == one.generate(prompts, 8).tolist()
    # Whole scans (the generate-and-compare sweep, confirmation, common-phrase test): the same passages,
    # token for token, and the same per-position figures (positions proved, the heat map built from them).
    settings = ScanSettings()
    a = run_scan(document(text, "lighthouse.txt"), one, settings)
    b = run_scan(document(text, "lighthouse.txt"), four, settings)
    assert a.complete and b.complete and a.passages
    assert any(p.start_token <= begins < p.end_token for p in a.passages)
    assert [(p.start_token, p.end_token, p.verbatim_tokens, p.generated, p.near_verbatim_tokens) for p in a.passages] \
        == [(p.start_token, p.end_token, p.verbatim_tokens, p.generated, p.near_verbatim_tokens) for p in b.passages]
    assert a.positions_scored == b.positions_scored and a.heatmap == b.heatmap
    assert a.summary == b.summary
    assert a.provenance["decoding"]["server"]["requests_in_flight"] == 1
    assert b.provenance["decoding"]["server"]["requests_in_flight"] == SLOTS
    print(f"sequential {a.provenance['timings']['scan_s']:.1f} s, {SLOTS} in flight "
          f"{b.provenance['timings']['scan_s']:.1f} s (shared, loaded machine)")


def test_a_server_that_does_not_say_it_is_batch_invariant_gets_one_request_at_a_time():
    """llama-cpp-python's server runs one request at a time and reuses its cached prompt: no concurrency."""
    pytest.importorskip("llama_cpp.server.app")
    from core.model.embedded import embedded_smollm2_path

    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_smollm2_path()), "--host",
               "127.0.0.1", "--port", str(port), "--n_ctx", "512", "--n_threads", "1", "--verbose", "false"]
    with serving(command, f"http://127.0.0.1:{port}", "llama-cpp-python server") as url:
        backend = connect(url, SLOTS)
    server = backend.decoding["server"]
    assert server["kind"] == "OpenAI-compatible" and server["requests_in_flight"] == 1
    assert backend.concurrency_note.startswith("this server does not report batch-invariant numerics")
    assert backend.concurrency_note.endswith(f"so requests to {url} go one at a time.")


def test_a_catalogue_spread_over_two_servers_finds_what_one_server_finds(slots_url, tmp_path):
    """Two llama-server instances serving the same GGUF: one column, pairs on both, results as on one."""
    from core.catalogue import run_catalogue
    from core.report.jsonio import read_json
    from tests.helpers.generators import drain

    works = tmp_path / "works"
    works.mkdir()
    (works / "a-served.txt").write_text(served_text(connect(slots_url))[0], encoding="utf-8")
    (works / "b-fresh.txt").write_text(CLOSING.strip(), encoding="utf-8")
    paths = sorted(works.iterdir())
    settings = ScanSettings()
    with llama_server_with_slots(1) as first, llama_server_with_slots(1) as second:
        alone = drain(run_catalogue(paths, [first], connect, tmp_path / "one", settings, controls=[]))[1]
        items, spread = drain(run_catalogue(paths, [first, second], connect, tmp_path / "two", settings,
                                            controls=[]))
        again = drain(run_catalogue(paths, [first, second], connect, tmp_path / "two", settings, controls=[]))[1]
    assert f"{second} serves the same weights as {first}" in " ".join(i for i in items if isinstance(i, str))
    assert [r.manuscript for r in spread] == [r.manuscript for r in alone] == ["a-served.txt", "b-fresh.txt"]
    ran = [read_json(r.json_path) for r in spread]
    ref = [read_json(r.json_path) for r in alone]
    assert {res.model.path for res in ran} == {first, second}  # each endpoint took one pair
    assert ran[0].passages  # the served model's own continuation is found
    for a, b in zip(ref, ran, strict=True):
        assert [(p.start_token, p.end_token, p.verbatim_tokens, p.generated) for p in a.passages] == \
            [(p.start_token, p.end_token, p.verbatim_tokens, p.generated) for p in b.passages]
        assert a.summary == b.summary and a.heatmap == b.heatmap and a.positions_scored == b.positions_scored
        assert a.model.sha256 == b.model.sha256 != ""
    assert all(r.reused for r in again)  # resumable: a rerun over both endpoints reuses every pair
