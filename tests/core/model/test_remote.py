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
    from core.model.embedded import embedded_smollm2_path

    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_smollm2_path()), "--host",
               "127.0.0.1", "--port", str(port), "--n_ctx", "1024", "--n_threads", "2", "--verbose", "false",
               "--type_k", "0", "--type_v", "0"]  # fp32 KV cache, as the local backend uses
    with serving(command, f"http://127.0.0.1:{port}", "llama-cpp-python server") as url:
        yield url


@pytest.mark.slow
def test_remote_scores_of_a_bosless_model_agree_where_returned(server):
    """Read with the server's own pairing, every figure it returns is local llama.cpp's, and only the ones it
    cannot return are NaN: the first column, and tokens outside the 20 alternatives."""
    from core.model.loader import load_backend
    from core.settings import ScanSettings

    remote = load_backend(server, ScanSettings(), backend="remote")
    local = load_backend("smollm2", ScanSettings(device="cpu"), backend="llama.cpp")
    assert local.bos_id is None
    ids = local.tokenize(kjv_chapter("Genesis", 1)).ids
    windows = np.stack([ids[s : s + 48] for s in (0, 200)])
    r, loc, loc20 = remote.score(windows, top_k=40), local.score(windows, top_k=40), local.score(windows, top_k=20)
    ok = np.isfinite(r.logp)
    outside = loc20.logp_topk == -np.inf
    assert (~ok[:, 1:] == outside[:, 1:]).all() and not ok[:, 0].any()
    assert r.logp[ok] == pytest.approx(loc.logp[ok], abs=1e-3)
    assert r.logp_topk[:, 1:] == pytest.approx(loc20.logp_topk[:, 1:], abs=1e-3)
    assert r.gap[:, 1:] == pytest.approx(loc.gap[:, 1:], abs=1e-3)
    named = r.greedy[:, 1:] >= 0  # a greedy token is known by its text unless that is not one token
    assert named.mean() > 0.9 and (r.greedy[:, 1:][named] == loc.greedy[:, 1:][named]).all()
    assert remote.generate(windows[:1, :20], 8).tolist() == local.generate(windows[:1, :20], 8).tolist()


# After the test above: this one's long echo requests leave the one-thread server busy for a while.
@pytest.mark.slow
@pytest.mark.heavy  # minutes of long echo requests; the test above checks every value the server returns
@pytest.mark.xfail(strict=True, reason=(
    "The server is at fault (issue 15): llama-cpp-python 0.3.36's echo pairs prompt token j with logits row j "
    "(llama.py, _create_completion: all_tokens without a leading BOS, zipped with logits_to_logprobs(self._scores)), "
    "which predicts token j+1 when the prompt does not begin with BOS, as SmolLM2's (add_bos_token false) does "
    "not. The backend now reads that pairing (core.model.remote.openai.pairing_from_probe) and agrees with local "
    "llama.cpp wherever the server returns the figure (79 of 94 positions here, |d log p| 0, greedy hits 50 = 50), "
    "but log p of a token outside the 20 alternatives returned (13 positions) and the first column are not in the "
    "answer at all, so they stay NaN; test_remote_scores_of_a_bosless_model_agree_where_returned checks the rest."))
def test_remote_scores_agree_with_local_llama_cpp(server):
    from core.model.loader import load_backend
    from core.settings import ScanSettings

    remote = load_backend(server, ScanSettings(), backend="remote")
    local = load_backend("smollm2", ScanSettings(device="cpu"), backend="llama.cpp")
    assert remote.info.backend_label.startswith("remote (top-20")
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

