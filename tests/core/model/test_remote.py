"""The remote backend: clear errors from fake endpoints, and a real llama-cpp-python server on loopback."""

import sys
import threading
from http.server import ThreadingHTTPServer

import numpy as np
import pytest

from core.model.remote import RemoteError, load_remote
from core.scan.triage import with_bos
from core.stats.membership import membership_scores
from tests.helpers.servers import JsonHandler, free_port, serving
from tests.helpers.texts import kjv_chapter


class _NoEcho(JsonHandler):
    """An Ollama-like endpoint: lists a model, completes, but never returns prompt log-probabilities."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_json({"object": "list", "data": [{"id": "fake-model", "object": "model"}]})

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_json({"choices": [{"text": " jumps", "index": 0, "logprobs": None, "finish_reason": "length"}]})


def test_server_down_is_one_clear_sentence():
    port = free_port()
    with pytest.raises(RemoteError, match=rf"^No inference server answers at http://127\.0\.0\.1:{port}\.$"):
        load_remote(f"http://127.0.0.1:{port}", timeout=2)


def test_a_server_without_echo_or_tokenizer_is_one_clear_sentence():
    """Without prompt log-probabilities the backend would be generate-only, but it must still tokenize."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoEcho)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(RemoteError, match=r"cannot tokenize text and its model 'fake-model' is not on this "
                                              r"computer; .*\.$"):
            load_remote(url, timeout=5)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_membership_without_vocabulary_statistics_has_no_min_k_pp():
    """A remote backend returns NaN mean/std: loss and Min-K% stay, Min-K%++ is NaN, nothing raises."""
    logp = np.array([-1.0, -2.0, np.nan, -0.5], dtype=np.float32)
    nan = np.full(4, np.nan, dtype=np.float32)
    m = membership_scores(logp, nan, nan, "some text")
    assert m is not None and np.isfinite(m.loss) and np.isfinite(m.min_k) and np.isnan(m.min_k_pp)


# -- a real llama-cpp-python server ----------------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    pytest.importorskip("llama_cpp.server.app")  # the [server] extra (fastapi, uvicorn)
    from core.model.discovery import embedded_smollm2_path

    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_smollm2_path()), "--host",
               "127.0.0.1", "--port", str(port), "--n_ctx", "1024", "--n_threads", "2", "--verbose", "false",
               "--type_k", "0", "--type_v", "0"]  # fp32 KV cache, as the local backend uses
    with serving(command, f"http://127.0.0.1:{port}", "llama-cpp-python server") as url:
        yield url


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "Known defect, open in issue 15: since BOS follows the tokenizer, SmolLM2 (add_bos_token false) is scored "
    "without one, and llama-cpp-python's echo of such a prompt does not agree with local llama.cpp: the "
    "echoed tokens now align (core.model.remote._echo_offset), but no greedy id is recovered from the top "
    "log-probabilities and log p differs by up to 21 nats. Scans of BOS-less models through this server are "
    "not yet trustworthy."))
def test_remote_scores_agree_with_local_llama_cpp(server):
    from core.model.loader import load_backend
    from core.settings import ScanSettings

    remote = load_backend(server, ScanSettings(), backend="remote")
    local = load_backend("smollm2", ScanSettings(device="cpu"), backend="llama.cpp")
    assert remote.info.backend.startswith("remote (top-20")
    text = kjv_chapter("Genesis", 1)
    assert (remote.tokenize(text).ids == local.tokenize(text).ids).all()
    ids = local.tokenize(text).ids
    windows = with_bos(np.stack([ids[s : s + 48] for s in (0, 200)]), local.bos_id)
    r, loc = remote.score(windows, top_k=40), local.score(windows, top_k=40)
    ok = np.isfinite(r.logp)
    print(f"\nremote scored {ok.sum()} of {ok.size} positions; hits remote {(r.greedy == windows[:, 1:])[ok].sum()} "
          f"local {(loc.greedy == windows[:, 1:])[ok].sum()}; max |dlogp| {np.abs(r.logp - loc.logp)[ok].max():.2e}")
    assert ok[:, 1:].all()  # the OpenAI echo nulls only the first prompt token
    assert (r.greedy == windows[:, 1:])[ok].tolist() == (loc.greedy == windows[:, 1:])[ok].tolist()
    assert r.logp[ok] == pytest.approx(loc.logp[ok], abs=1e-3)
    assert np.isnan(r.mean_logp).all() and np.isnan(r.std_logp).all()
    gen_r, gen_l = remote.generate(windows[:1, :20], 8), local.generate(windows[:1, :20], 8)
    assert gen_r.tolist() == gen_l.tolist()
