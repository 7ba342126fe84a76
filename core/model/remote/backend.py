"""The remote Backend: scoring and generating through a server's `/v1/completions`, and connecting to one.

Requests go one at a time, in order, with greedy settings, unless the server computes each request
alone whatever it batches (core.model.remote.servers): then up to `concurrency` rows of a batch are in
flight at once, and each row's answer is read exactly as it would be alone. What the answers mean is read
by core.model.remote.openai, the tokenizer comes from core.model.remote.tokenizers, and Ollama's own API
from core.model.remote.ollama.
"""

from __future__ import annotations

import time
import urllib.error
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from core.model.backend import BaseBackend, FloatArray, IntArray, Tokens, WindowScores
from core.model.remote import ollama, openai
from core.model.remote.servers import NO_PENALTIES, ServerSetup, setup
from core.model.remote.tokenizers import Tokenizer, tokenizer_for
from core.model.remote.transport import Http, RemoteError
from core.results import ModelFile, ModelInfo

DEFAULT_LOGPROBS = 20
"""How many alternatives per position are asked for; vLLM refuses more than its --max-logprobs (20)."""
_PROBES = 3
"""Plain completions spent on telling an echo's pairing (openai.pairing_from_probe) before assuming OpenAI's."""

_Answer = tuple[dict[str, Any], bool]
"""A completion and whether its prompt was sent as token ids."""
_Row = TypeVar("_Row")


class RemoteBackend(BaseBackend):
    """Scores and generates through a server; tokenizes locally when the server's GGUF is on this machine.

    `can_score` is False for a server that returns no prompt log-probabilities: then only `generate` works.
    """

    def __init__(self, http: Http, model: str, tokenizer: Tokenizer, info: ModelInfo, load_seconds: float,
                 logprobs: int = DEFAULT_LOGPROBS, can_score: bool = True, ollama: bool = False,
                 server: ServerSetup | None = None) -> None:
        self.can_score = can_score
        self.server = server or ServerSetup("OpenAI-compatible")
        self.ollama = ollama
        self.http = http
        self.model = model
        self.tokenizer = tokenizer
        self.info = info
        self.load_seconds = load_seconds
        self.logprobs = logprobs
        self._ids_ok = True  # send prompts as token ids until the server refuses them
        self._pairings: dict[bool, int] = {}  # per "the window begins with BOS": the echo's pairing
        self._probes = 0
        self._key_ids: dict[str, int] = {}

    @property
    def bos_id(self) -> int | None:
        return self.tokenizer.bos_id

    @property
    def decoding(self) -> dict[str, Any]:
        """The effective decoding, as a report states it (provenance["decoding"])."""
        return {
            "method": "the server's greedy decoding (temperature 0, top_k 1, no repetition penalties)",
            "ties": "as the server breaks them",
            "output_head": "the server's",
            "bos_token_id": self.bos_id,
            "server": self.server.provenance(),
        }

    @property
    def concurrency_note(self) -> str:
        """Why requests go one at a time although more were asked for ("" when none were refused)."""
        return self.server.note

    def tokenize(self, text: str) -> Tokens:
        return self.tokenizer.tokenize(text)

    def decode(self, ids: IntArray | list[int]) -> str:
        return self.tokenizer.decode(ids)

    def _decode_list(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids)

    def _render(self, ids: IntArray | list[int]) -> str:
        """A prompt as text, special tokens (BOS, ...) written out, for servers that take text."""
        render = getattr(self.tokenizer, "decode_special", self.tokenizer.decode)  # llama.cpp vocabularies have it
        return str(render(ids))

    # -- requests ------------------------------------------------------------------------------
    def _complete(self, prompt: IntArray, **params: Any) -> _Answer:
        """The server's completion of `prompt`, and whether the prompt went as token ids (else as text)."""
        # No penalties: llama-cpp-python's server applies repeat_penalty 1.1 unless told otherwise, before
        # top_k 1, which turns "greedy" into a different text (its answer left SmolLM2's argmax by 0.43 nats).
        body: dict[str, Any] = {"model": self.model, "temperature": 0.0, "top_k": 1, "seed": 0,
                                "return_tokens_as_token_ids": True, **NO_PENALTIES, **params}
        if self._ids_ok:
            try:
                out: dict[str, Any] = self.http.request("/v1/completions", {**body, "prompt": [int(t) for t in prompt]})
                return out, True
            except urllib.error.HTTPError:
                # vLLM takes token ids; llama-cpp-python's server answers 500 to anything but text.
                self._ids_ok = False
        try:
            out = self.http.request("/v1/completions", {**body, "prompt": self._render(prompt)})
        except urllib.error.HTTPError as e:
            raise RemoteError(f"The server at {self.http.base} refused a completion (HTTP {e.code}).") from e
        return out, False

    def _tokens_of(self, generated: str) -> list[int]:
        """Generated text back to ids by re-tokenizing (a server that returns no ids; the last may differ)."""
        return [int(i) for i in self.tokenizer.tokenize(generated).ids]

    def _key_id(self, key: str) -> int:
        """The token an alternative's key names: its "token_id:N", else the one token its text is, else -1."""
        parsed = openai.token_id(key)
        if parsed >= 0 or not key:
            return parsed
        if key not in self._key_ids:
            ids = [int(i) for i in self.tokenizer.tokenize(key).ids]
            self._key_ids[key] = ids[0] if len(ids) == 1 and self.tokenizer.decode(ids) == key else -1
        return self._key_ids[key]

    def _pairing(self, window: IntArray, lp: dict[str, Any], skip: int, n: int) -> int:
        """Which prediction the echo's entries carry (openai module docstring), probed once per kind of window."""
        key = bool(window.shape[0] and int(window[0]) == self.bos_id)
        if key in self._pairings:
            return self._pairings[key]
        if window.shape[0] < 3:
            return 0
        out, _ = self._complete(window[:-1], logprobs=n, max_tokens=1)
        probe = openai.first_alternatives(out)
        found = openai.pairing_from_probe(lp, window, skip, probe) if probe else None
        self._probes += 1
        if found is not None or self._probes >= _PROBES:
            self._pairings[key] = found or 0
        return found or 0

    def _rows(self, count: int, one: Callable[[int], _Row]) -> list[_Row]:
        """`one(row)` for every row, in order: the first alone, then the rest with up to `concurrency` in flight.

        The first row settles what later rows reuse (whether the server takes token ids, the echo's pairing)
        before any run beside it; every row's answer is then read exactly as if it had been sent alone.
        """
        if count == 0:
            return []
        first = one(0)
        if self.server.concurrency <= 1 or count == 1:
            return [first, *(one(row) for row in range(1, count))]
        with ThreadPoolExecutor(max_workers=min(self.server.concurrency, count - 1)) as pool:
            return [first, *pool.map(one, range(1, count))]

    def score(self, windows: IntArray, top_k: int, first: int = 0) -> WindowScores:
        if not self.can_score:
            raise RemoteError(openai.NO_ECHO.format(base=self.http.base))
        b, t = windows.shape
        nan = np.full((b, t - 1), np.nan, dtype=np.float32)
        greedy = np.full((b, t - 1), -1, dtype=np.int64)
        logp, logp_topk, gap = nan.copy(), nan.copy(), nan.copy()
        n = min(top_k, self.logprobs)

        # One request at a time, in order, unless the server computes each alone (core.model.remote.servers):
        # a server's numerics can depend on what it batches together and on which prompt its cache holds,
        # and a scan must not depend on either.
        def one(row: int) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
            out, ids_sent = self._complete(windows[row], echo=True, logprobs=n, max_tokens=1)
            lp = openai.echoed(out)
            if lp is None:
                raise RemoteError(openai.NO_ECHO.format(base=self.http.base))
            window = windows[row]
            skip = 0 if ids_sent else openai.echo_offset(list(lp.get("tokens") or []), window, self._decode_list,
                                                         len(lp["token_logprobs"]))
            pairing = 0 if ids_sent else self._pairing(window, lp, skip, n)
            entries = openai.entries(lp, window, skip, self._decode_list, pairing)
            return openai.row_scores(entries, window, n, self._key_id)

        for row, (g, lp_row, topk_row, gap_row) in enumerate(self._rows(b, one)):
            greedy[row], logp[row], logp_topk[row], gap[row] = g, lp_row, topk_row, gap_row
        return WindowScores(greedy=greedy, logp=logp, logp_topk=logp_topk, gap=gap, mean_logp=nan.copy(),
                            std_logp=nan.copy()).columns_from(first)

    def generate(self, prompts: IntArray, max_new_tokens: int) -> IntArray:
        result = np.full((prompts.shape[0], max_new_tokens), -1, dtype=np.int64)
        if max_new_tokens <= 0:
            return result

        def one(row: int) -> list[int]:
            if self.ollama:
                ids = [int(t) for t in prompts[row]]
                if ids and ids[0] == self.bos_id and getattr(self.tokenizer, "adds_bos", False):
                    ids = ids[1:]  # Ollama puts BOS before the text itself for such a model: not twice
                return self._tokens_of(ollama.generate_raw(self.http, self.model, self._render(ids), max_new_tokens))
            out, _ = self._complete(prompts[row], max_tokens=max_new_tokens, logprobs=1)
            choice = out["choices"][0]
            ids = openai.generated_ids(choice.get("logprobs") or {})
            if not ids or min(ids) < 0:  # tokens given as text
                ids = self._tokens_of(str(choice.get("text") or ""))
            return ids

        for row, ids in enumerate(self._rows(prompts.shape[0], one)):
            ids = ids[:max_new_tokens]
            result[row, : len(ids)] = ids
        return result


def _served_file(server: ServerSetup) -> tuple[ModelFile, ...]:
    """The model file the server says it loaded, hashed, when that path is a file on this machine too."""
    from core.model.safety import sha256_file

    path = Path(server.model_path) if server.model_path else None
    if path is None or not path.is_file():
        return ()
    return (ModelFile(str(path), sha256_file(path), path.stat().st_size),)


def load_remote(url: str, logprobs: int = DEFAULT_LOGPROBS, timeout: float = 120.0, concurrency: int = 1,
                declared_invariant: bool = False) -> RemoteBackend:
    """Connect to an OpenAI-compatible server; generate-only when it does not echo prompt log-probabilities.

    `concurrency` requests go in flight at once where the server's numerics allow it (servers.setup), one
    at a time otherwise; `declared_invariant` is the user's word that a vLLM server runs batch-invariant.
    """
    t0 = time.perf_counter()
    base = url.rstrip("/").removesuffix("/v1")
    http = Http(base, timeout=timeout)
    try:
        models = http.request("/v1/models")
        model = str(models["data"][0]["id"])
    except urllib.error.HTTPError as e:
        raise RemoteError(f"The server at {base} has no OpenAI-compatible /v1/models (HTTP {e.code}).") from e
    except (KeyError, IndexError, TypeError) as e:
        raise RemoteError(f"The server at {base} lists no model under /v1/models.") from e
    try:
        probe = http.request("/v1/completions", {"model": model, "prompt": "The quick brown fox", "echo": True,
                                                 "logprobs": 1, "max_tokens": 1, "temperature": 0.0})
    except urllib.error.HTTPError as e:
        raise RemoteError(f"The server at {base} refused a completion request (HTTP {e.code}).") from e
    echoes = openai.echoed(probe) is not None
    is_ollama = not echoes and ollama.is_ollama(http)
    tokenizer, files, tok_name = tokenizer_for(http, model)
    server = setup(http, is_ollama, concurrency, declared_invariant)
    # A server that names its model file (llama-server's /props): the weights are hashed when the same path
    # is on this machine, so the report and a catalogue know them by their SHA-256.
    files = files or _served_file(server)
    info = ModelInfo(
        name=model,
        path=base,
        format="gguf" if files else "remote",
        backend="remote",
        backend_note=f" (top-{logprobs} log-probabilities)" if echoes
        else f", generate-only (the {'Ollama ' if is_ollama else ''}server returns no log-probabilities of given text)",
        files=files,
        device="remote",
        dtype="server",
        tokenizer=tok_name,
    )
    return RemoteBackend(http, model, tokenizer, info, time.perf_counter() - t0, logprobs, can_score=echoes,
                         ollama=is_ollama, server=server)
