"""llama.cpp's own server (llama-server), real, on loopback: no prompt log-probabilities, so generate-only.

The server is built from PyPI's llama.cpp source by tests.helpers.llama_server (scripts/test.sh does it)
and serves the embedded SmolLM2 GGUF under an alias, so the backend must tokenize through the server.
The reference for every figure is the same model file run locally by llama-cpp-python.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from contextlib import AbstractContextManager
from http.server import ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from core.model.backend import BaseBackend, IntArray, Tokens
from core.model.remote import RemoteError
from core.scan.engine import run_scan
from core.scan.sweep import PROBE, sweep
from core.scan.triage import triage, with_bos
from core.settings import ScanSettings
from tests.helpers.docs import document
from tests.helpers.generators import drain
from tests.helpers.llama_server import binary_path
from tests.helpers.results import judged
from tests.helpers.servers import JsonHandler, free_port, serving

pytestmark = pytest.mark.slow

OPENING = (
    "The lighthouse keeper's daughter kept a ledger of every ship that passed, and in the winter of the "
    "great storm she wrote down a name that appeared in no registry anywhere on the coast. "
)
CLOSING = (
    " Nobody in the village believed her until the spring tides uncovered a figurehead on the shingle, "
    "carved with the same name in letters worn almost smooth by the sea."
)


def llama_server(alias: str) -> AbstractContextManager[str]:
    """llama-server serving the embedded SmolLM2 under `alias` on a free loopback port; yields its URL."""
    from core.model.embedded import embedded_smollm2_path

    binary = binary_path()
    if not binary.is_file():
        raise FileNotFoundError(f"{binary} is missing: run `python -m tests.helpers.llama_server` (scripts/test.sh does).")
    port = free_port()
    command = [str(binary), "-m", str(embedded_smollm2_path()), "--host", "127.0.0.1", "--port", str(port),
               "--alias", alias, "-c", "1024", "-t", "2", "-np", "1",
               "-ctk", "f32", "-ctv", "f32"]  # fp32 KV cache, as the local backend uses
    return serving(command, f"http://127.0.0.1:{port}", "llama-server", ready_path="/health")


@pytest.fixture(scope="module")
def server_url():
    with llama_server("smollm2-served") as url:
        yield url


@pytest.fixture(scope="module")
def remote(server_url):
    from core.model.loader import load_backend

    return load_backend(server_url, ScanSettings(), backend="remote")


@pytest.fixture(scope="module")
def local():
    from core.model.loader import load_backend

    return load_backend("smollm2", ScanSettings(device="cpu"), backend="llama.cpp")


class GenerateOnly(BaseBackend):
    """The local model with its scoring hidden: the same sweep as through the server, without a server."""

    can_score = False

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.info = backend.info

    @property
    def bos_id(self) -> int | None:
        return self.backend.bos_id

    def tokenize(self, text: str) -> Tokens:
        return self.backend.tokenize(text)

    def decode(self, ids: IntArray | list[int]) -> str:
        return self.backend.decode(ids)

    def generate(self, prompts: IntArray, max_new_tokens: int) -> IntArray:
        return self.backend.generate(prompts, max_new_tokens)


NEAR_TIE = 0.3
"""Nats between the local model's top two tokens under which the server may choose the other one. The
server is a newer llama.cpp than llama-cpp-python's, with other kernels; on this Q4_1 model two
implementations' log-probabilities differ by a median 0.035 and a 90th percentile 0.21 nats
(bench/RESULTS-backends.md), so a greedy choice can flip where the top two are that close. Measured
here: divergences at local gaps of 0.15 and 0.19 nats (the server's own gap: 0.04)."""


def agree_but_for_near_ties(local: Any, prompt: IntArray, theirs: IntArray, ours: IntArray) -> bool:
    """The two greedy continuations of `prompt` are equal, or first differ where the local model is near a tie."""
    n = min(len(theirs), len(ours))
    first = next((j for j in range(n) if theirs[j] != ours[j]), None)
    if first is None:
        return True
    row = np.concatenate([prompt, ours[: first + 1]])[None, :]
    gap = float(local.score(row, 40).gap[0, -1])  # the last column predicts ours[first]
    print(f"diverged at generated token {first}: local top-2 gap {gap:.5f} nats")
    return gap < NEAR_TIE


def served_text(remote: Any) -> tuple[str, int]:
    """A text with a stretch the served model reproduces: its own greedy continuation of the opening.

    Returns the text and the token position where the continuation starts.
    """
    ids = remote.tokenize(OPENING.rstrip()).ids
    out = remote.generate(with_bos(ids[None, :], remote.bos_id), 48)[0]
    return OPENING.rstrip() + remote.decode(out[out >= 0]) + CLOSING, len(ids)


def test_llama_server_is_generate_only_and_tokenizes_like_the_file(remote, local):
    assert remote.can_score is False
    assert remote.info.backend_label.startswith("remote, generate-only")
    assert remote.info.tokenizer == "server (llama-server)" and remote.info.name == "smollm2-served"
    text = OPENING + CLOSING
    theirs, ours = remote.tokenize(text), local.tokenize(text)
    assert theirs.ids.tolist() == ours.ids.tolist()
    assert theirs.offsets.tolist() == ours.offsets.tolist()
    assert remote.bos_id == local.bos_id
    with pytest.raises(RemoteError, match="only the generate-and-compare probe applies"):
        remote.score(np.asarray([[local.bos_id, *ours.ids[:8]]]), top_k=40)
    prompts = np.stack([with_bos(ours.ids[None, s : s + 20], local.bos_id)[0] for s in (0, 15, 30)])
    served, here = remote.generate(prompts, 12), local.generate(prompts, 12)
    for row in range(prompts.shape[0]):
        assert agree_but_for_near_ties(local, prompts[row], served[row], here[row])


def test_generate_only_scan_through_the_server_finds_the_served_models_own_text(remote, local):
    text, begins = served_text(remote)
    served = run_scan(document(text, "lighthouse.txt"), remote, ScanSettings())
    assert served.complete and served.provenance["probe"] == PROBE
    assert judged(served).summary.verdict == "memorized", served.summary.reason  # as after a control scan
    assert served.summary.coverage == {} and served.membership is None
    longest = max(served.passages, key=lambda p: p.verbatim_tokens)
    # The sweep followed the run back to its first token: where the continuation begins (or before, if the
    # model also predicts the opening's last words).
    assert longest.start_token <= begins < longest.end_token
    # Each probe sees only the 50 tokens before it, the whole opening no longer: the run may end earlier
    # than the 48 tokens the model wrote after the full opening, but not before the sweep's guarantee.
    assert longest.verbatim_tokens >= 2 * ScanSettings().thresholds.candidate_run_tokens - 1
    assert text[longest.start_char : longest.end_char].strip() in longest.generated
    # Every position the sweep proved through the server agrees with the local teacher-forced pass
    # (same context: the triage chunk's), except at near-ties.
    ids = local.tokenize(text).ids
    teacher = drain(triage(ids, local, ScanSettings()))[1]
    swept = drain(sweep(ids, remote, ScanSettings()))[1]
    both = swept.scored & teacher.scored
    differ = both & (swept.hit != teacher.hit)
    print(f"proved {both.sum()} of {len(ids)} positions; {differ.sum()} differ, local gaps {teacher.gap[differ]}")
    assert both.sum() >= len(ids) // 4
    assert (teacher.gap[differ] < NEAR_TIE).all()
    # The same scan with the same file run locally finds the same passage, up to a near-tie.
    here = run_scan(document(text, "lighthouse.txt"), GenerateOnly(local), ScanSettings())
    mine = max(here.passages, key=lambda p: p.verbatim_tokens)
    assert mine.start_token == longest.start_token
    prompt = with_bos(ids[None, max(0, mine.start_token - 50) : mine.start_token], local.bos_id)[0]
    assert agree_but_for_near_ties(local, prompt, remote.tokenize(longest.generated).ids,
                                   local.tokenize(mine.generated).ids)
def test_cli_scan_through_llama_server_says_generate_only(server_url, remote, tmp_path):
    manuscript = tmp_path / "lighthouse.txt"
    manuscript.write_text(served_text(remote)[0], encoding="utf-8")
    out = tmp_path / "r.json"
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "scan", str(manuscript), "--model", server_url, "--json", str(out),
         "--no-bundled-controls", "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "Note: This model's server returns log-probabilities only for the tokens it generates" in done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["provenance"]["probe"] == PROBE and data["summary"]["coverage"] == {}
    assert "In-context coverage  : not measured" in done.stdout


def test_a_model_named_as_ollama_names_it_is_tokenized_and_hashed_from_the_local_store(tmp_path, monkeypatch, local):
    """Ollama's server has no /tokenize: the model's name is looked up in Ollama's store on this machine."""
    from core.model.embedded import embedded_smollm2_path
    from core.model.remote import load_remote
    from tests.core.model.test_discovery import ollama_model

    store = tmp_path / "ollama-models"
    digest = ollama_model(store, embedded_smollm2_path(), "smollm2", "135m")
    monkeypatch.setenv("OLLAMA_MODELS", str(store))
    with llama_server("smollm2:135m") as url:
        remote = load_remote(url)
        assert remote.can_score is False and remote.info.name == "smollm2:135m"
        assert remote.info.tokenizer == "llama.cpp (the Ollama model's GGUF on this machine)"
        assert remote.info.format == "gguf"
        assert [f.sha256 for f in remote.info.files] == [digest]
        text = OPENING + CLOSING
        assert remote.tokenize(text).ids.tolist() == local.tokenize(text).ids.tolist()
        assert remote.bos_id == local.bos_id


class _OllamaStandIn(JsonHandler):
    """Ollama's API shape in front of the real llama-server: Ollama itself cannot be installed here.

    As Ollama does, /v1/completions puts the prompt into the model's chat template and returns no
    log-probabilities, /api/version answers, and /api/generate continues the text as it stands only with
    "raw". Every generation is the real server's.
    """

    upstream = ""
    model = "smollm2:135m"
    calls: list[tuple[str, bool]] = []

    def _llama(self, prompt: str, n: int) -> str:
        body = {"prompt": prompt, "n_predict": n, "temperature": 0.0, "top_k": 1, "seed": 0}
        req = urllib.request.Request(self.upstream + "/completion", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return str(json.loads(resp.read())["content"])

    @staticmethod
    def _templated(prompt: str) -> str:
        return f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path == "/api/version":
            self.send_json({"version": "0.12.0"})
        else:
            self.send_json({"object": "list", "data": [{"id": self.model, "object": "model", "owned_by": "library"}]})

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        raw = bool(body.get("raw"))
        self.calls.append((self.path, raw))
        if self.path == "/api/generate":
            prompt = body["prompt"] if raw else self._templated(body["prompt"])
            self.send_json({"model": self.model, "response": self._llama(prompt, body["options"]["num_predict"]),
                        "done": True})
        elif self.path == "/v1/completions":
            text = self._llama(self._templated(str(body["prompt"])), int(body.get("max_tokens") or 16))
            self.send_json({"choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": "length"}]})
        else:
            self.send_error(404)


def test_through_ollamas_api_the_sweep_generates_raw_and_finds_the_served_text(server_url, remote, tmp_path,
                                                                              monkeypatch):
    from core.model.embedded import embedded_smollm2_path
    from core.model.remote import load_remote
    from tests.core.model.test_discovery import ollama_model

    store = tmp_path / "ollama-models"
    ollama_model(store, embedded_smollm2_path(), "smollm2", "135m")
    monkeypatch.setenv("OLLAMA_MODELS", str(store))
    _OllamaStandIn.upstream, _OllamaStandIn.calls = server_url, []
    stand_in = ThreadingHTTPServer(("127.0.0.1", 0), _OllamaStandIn)
    thread = threading.Thread(target=stand_in.serve_forever, daemon=True)
    thread.start()
    try:
        ollama = load_remote(f"http://127.0.0.1:{stand_in.server_address[1]}")
        assert ollama.can_score is False and ollama.ollama
        assert ollama.info.backend_label == "remote, generate-only (the Ollama server returns no log-probabilities of given text)"
        text, begins = served_text(remote)
        result = run_scan(document(text, "lighthouse.txt"), ollama, ScanSettings())
    finally:
        stand_in.shutdown()
        stand_in.server_close()
        thread.join(5)
    generations = [raw for path, raw in _OllamaStandIn.calls if path == "/api/generate"]
    assert generations and all(generations), "every generation must bypass the chat template"
    assert [p for p, _ in _OllamaStandIn.calls].count("/v1/completions") == 1  # only the echo probe at load
    assert result.complete and result.provenance["probe"] == PROBE
    longest = max(result.passages, key=lambda p: p.verbatim_tokens)
    assert longest.start_token <= begins < longest.end_token
    assert longest.verbatim_tokens >= 2 * ScanSettings().thresholds.candidate_run_tokens - 1
    assert judged(result).summary.verdict == "memorized", result.summary.reason  # as after a control scan
