"""Remote backend: an OpenAI-compatible server's `/v1/completions` with `echo` and `logprobs`.

Scoring sends each window with `echo=true, logprobs=N, max_tokens=1` and reads back the
log-probability of every prompt token plus the server's top-N alternatives, so:
- top-k quantities (p_z's renormalized top-k, the near-tie gap) use at most N alternatives, the most the
  server returns (vLLM's default cap is 20); ModelInfo.backend says which N was used;
- the mean and spread of log p over the vocabulary are not returned: they are NaN, so Min-K%++ is
  not available (loss, zlib and Min-K% still are);
- a position whose alternatives are keyed by text (llama-cpp-python) gets greedy id -1 when the
  top alternative is not the author's token and its id cannot be recovered from the text.
Prompts go as token ids where the server takes them (vLLM) and otherwise as text with special
tokens written out (llama-cpp-python's server re-tokenizes it; positions after any difference are
NaN).

Ollama and llama.cpp's own server (llama-server) return log-probabilities only for generated tokens.
With them the backend is generate-only (`can_score` False) and the scan runs the generate-and-compare
sweep (core/scan/sweep.py), which says what it does not measure. Tokenization then comes from the
model's GGUF on this machine (llama-cpp-python names it by path; an Ollama model name is looked up in
Ollama's store) or from llama-server's /tokenize. Ollama's /v1/completions puts the prompt into the
model's chat template, so with Ollama generation goes through its own /api/generate with `raw`, which
continues the author's text as it stands.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from core.model.backend import BaseBackend, IntArray, Tokens, WindowScores
from core.results import ModelFile, ModelInfo

DEFAULT_LOGPROBS = 20
"""How many alternatives per position are asked for; vLLM refuses more than its --max-logprobs (20)."""
_RETRIES = 3
_BACKOFF_S = 0.5


_Answer = tuple[dict[str, Any], bool]
"""A completion and whether its prompt was sent as token ids."""


class RemoteError(ValueError):
    """The server is unreachable or cannot do what scoring needs; the message is one sentence."""


class _Tokenizer(Protocol):
    @property
    def bos_id(self) -> int | None: ...

    def tokenize(self, text: str) -> Tokens: ...

    def decode(self, ids: IntArray | list[int]) -> str: ...


class Http:
    """JSON over HTTP with a timeout and bounded retries (connection errors and 5xx, with backoff)."""

    def __init__(self, base_url: str, timeout: float = 120.0, retries: int = _RETRIES) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries

    def request(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """GET (no body) or POST `path`; returns the decoded JSON, raises RemoteError or HTTPError (4xx)."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json"} if data is not None else {}
        for attempt in range(self.retries):
            req = urllib.request.Request(self.base + path, data=data, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - user's own server
                    return json.loads(resp.read().decode("utf-8"))
            except urllib.error.HTTPError as e:
                if e.code < 500 or attempt + 1 == self.retries:
                    raise
            except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
                if attempt + 1 == self.retries:
                    raise RemoteError(f"No inference server answers at {self.base}.") from e
            except ValueError as e:
                raise RemoteError(f"The server at {self.base} answered {path} with something other than JSON.") from e
            time.sleep(_BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable")


class ServerTokenizer:
    """Tokenization by the server: /tokenize and /detokenize (vLLM, llama-server) or /extras/* (llama-cpp-python).

    Character offsets come from aligning each token's text with the manuscript (pieces detokenized one
    id at a time, cached).
    """

    def __init__(self, http: Http, model: str) -> None:
        self.http = http
        self.model = model
        self._pieces: dict[int, str] = {}
        try:
            # vLLM reads "prompt", llama-server "content"; only vLLM's answer counts the tokens.
            out = http.request("/tokenize", {"model": model, "prompt": "a", "content": "a",
                                             "add_special_tokens": False})
            if not isinstance(out.get("tokens"), list):
                raise TypeError("/tokenize answered without tokens")
            self.flavor = "vllm" if "count" in out else "llama-server"
        except urllib.error.HTTPError:
            self.flavor = "llama-cpp-python"
        self._bos: int | None = None
        if self.flavor == "llama-server":
            # It adds no BOS to an empty text; a BOS is what it puts before a word (only if the model's
            # tokenizer adds one, as the local backends decide).
            from core.model.backend import added_prefix

            self._bos = added_prefix(self._ids("a", special=True), self._ids("a"))
        else:
            with_special = self._ids("", special=True)
            self._bos = with_special[0] if with_special else None

    @property
    def bos_id(self) -> int | None:
        return self._bos

    def _ids(self, text: str, special: bool = False) -> list[int]:
        if self.flavor == "vllm":
            out = self.http.request("/tokenize", {"model": self.model, "prompt": text, "add_special_tokens": special})
            return [int(t) for t in out["tokens"]]
        if self.flavor == "llama-server":
            out = self.http.request("/tokenize", {"content": text, "add_special": special})
            return [int(t) for t in out["tokens"]]
        ids = [int(t) for t in self.http.request("/extras/tokenize", {"input": text})["tokens"]]
        if not special and ids and ids[0] == self._bos:  # /extras/tokenize adds BOS when the model asks for it
            ids = ids[1:]
        return ids

    def tokenize(self, text: str) -> Tokens:
        from core.model.llamacpp import align_pieces

        ids = self._ids(text)
        pieces = [self._piece(t) for t in ids]
        return Tokens(ids=np.asarray(ids, dtype=np.int64), offsets=align_pieces(pieces, text))

    def _piece(self, token: int) -> str:
        if token not in self._pieces:
            try:
                self._pieces[token] = self.decode([token])
            except urllib.error.HTTPError:  # a lone byte of a multi-byte character
                self._pieces[token] = ""
        return self._pieces[token]

    def decode(self, ids: IntArray | list[int]) -> str:
        tokens = [int(i) for i in ids]
        if self.flavor == "vllm":
            return str(self.http.request("/detokenize", {"model": self.model, "tokens": tokens})["prompt"])
        if self.flavor == "llama-server":
            return str(self.http.request("/detokenize", {"tokens": tokens})["content"])
        return str(self.http.request("/extras/detokenize", {"tokens": tokens})["text"])


class RemoteBackend(BaseBackend):
    """Scores and generates through a server; tokenizes locally when the server's GGUF is on this machine.

    `can_score` is False for a server that returns no prompt log-probabilities: then only `generate` works.
    """

    def __init__(self, http: Http, model: str, tokenizer: _Tokenizer, info: ModelInfo, load_seconds: float,
                 logprobs: int = DEFAULT_LOGPROBS, can_score: bool = True, ollama: bool = False) -> None:
        self.can_score = can_score
        self.ollama = ollama
        self.http = http
        self.model = model
        self.tokenizer = tokenizer
        self.info = info
        self.load_seconds = load_seconds
        self.logprobs = logprobs
        self._ids_ok = True  # send prompts as token ids until the server refuses them

    @property
    def bos_id(self) -> int | None:
        return self.tokenizer.bos_id

    @property
    def decoding(self) -> dict[str, Any]:
        """The effective decoding, as a report states it (provenance["decoding"])."""
        return {
            "method": "the server's greedy decoding (temperature 0, top_k 1)",
            "ties": "as the server breaks them",
            "output_head": "the server's",
            "bos_token_id": self.bos_id,
        }

    def tokenize(self, text: str) -> Tokens:
        return self.tokenizer.tokenize(text)

    def decode(self, ids: IntArray | list[int]) -> str:
        return self.tokenizer.decode(ids)

    # -- requests ------------------------------------------------------------------------------
    def _complete(self, prompt: IntArray, **params: Any) -> _Answer:
        """The server's completion of `prompt`, and whether the prompt went as token ids (else as text)."""
        body: dict[str, Any] = {"model": self.model, "temperature": 0.0, "top_k": 1, "seed": 0,
                                "return_tokens_as_token_ids": True, **params}
        if self._ids_ok:
            try:
                out: dict[str, Any] = self.http.request("/v1/completions", {**body, "prompt": [int(t) for t in prompt]})
                return out, True
            except urllib.error.HTTPError:
                # vLLM takes token ids; llama-cpp-python's server answers 500 to anything but text.
                self._ids_ok = False
        render = getattr(self.tokenizer, "decode_special", self.tokenizer.decode)
        try:
            out = self.http.request("/v1/completions", {**body, "prompt": render(prompt)})
        except urllib.error.HTTPError as e:
            raise RemoteError(f"The server at {self.http.base} refused a completion (HTTP {e.code}).") from e
        return out, False

    def _generate_raw(self, prompt: IntArray, max_new_tokens: int) -> str:
        """Ollama's own API, without its chat template: the text the model writes after `prompt`."""
        ids = [int(t) for t in prompt]
        if ids and ids[0] == self.bos_id and getattr(self.tokenizer, "adds_bos", False):
            ids = ids[1:]  # Ollama puts BOS before the text itself for such a model: not twice
        render = getattr(self.tokenizer, "decode_special", self.tokenizer.decode)
        body = {"model": self.model, "prompt": render(ids), "raw": True, "stream": False,
                "options": {"temperature": 0.0, "top_k": 1, "seed": 0, "num_predict": max_new_tokens}}
        try:
            out = self.http.request("/api/generate", body)
        except urllib.error.HTTPError as e:
            raise RemoteError(f"The Ollama server at {self.http.base} refused to generate (HTTP {e.code}).") from e
        return str(out.get("response") or "")

    def _tokens_of(self, generated: str) -> list[int]:
        """Generated text back to ids by re-tokenizing (a server that returns no ids; the last may differ)."""
        return [int(i) for i in self.tokenizer.tokenize(generated).ids]

    def score(self, windows: IntArray, top_k: int, first: int = 0) -> WindowScores:
        if not self.can_score:
            raise RemoteError(_NO_ECHO.format(base=self.http.base))
        b, t = windows.shape
        nan = np.full((b, t - 1), np.nan, dtype=np.float32)
        greedy = np.full((b, t - 1), -1, dtype=np.int64)
        logp, logp_topk, gap = nan.copy(), nan.copy(), nan.copy()
        n = min(top_k, self.logprobs)
        # One request at a time, in order: a server's numerics can depend on what it batches together and
        # on which prompt its cache holds, and a scan must not depend on either.
        for row in range(b):
            out, ids_sent = self._complete(windows[row], echo=True, logprobs=n, max_tokens=1)
            lp = _logprobs_of(out, self.http.base)
            cols = _columns(lp, windows[row], ids_sent, self.tokenizer)
            for col, entry in cols:
                actual, top = entry
                target = int(windows[row, col + 1])
                vals = sorted(top.values(), reverse=True)
                logp[row, col] = actual
                if not vals:
                    continue
                gap[row, col] = vals[0] - vals[1] if len(vals) > 1 else math.inf
                k = max(1, min(n, len(vals)))
                head = np.asarray(vals[:k], dtype=np.float64)
                lse = float(head[0] + np.log(np.exp(head - head[0]).sum()))
                logp_topk[row, col] = actual - lse if actual >= vals[k - 1] else -math.inf
                if actual >= vals[0] - 1e-5:
                    greedy[row, col] = target
                else:
                    greedy[row, col] = _token_id(max(top, key=lambda key: top[key]))
        return WindowScores(greedy=greedy, logp=logp, logp_topk=logp_topk, gap=gap, mean_logp=nan.copy(),
                            std_logp=nan.copy()).columns_from(first)

    def generate(self, prompts: IntArray, max_new_tokens: int) -> IntArray:
        result = np.full((prompts.shape[0], max_new_tokens), -1, dtype=np.int64)
        if max_new_tokens <= 0:
            return result
        for row in range(prompts.shape[0]):
            if self.ollama:
                ids = self._tokens_of(self._generate_raw(prompts[row], max_new_tokens))
            else:
                out, _ = self._complete(prompts[row], max_tokens=max_new_tokens, logprobs=1)
                choice = out["choices"][0]
                ids = _generated_ids(choice.get("logprobs") or {})
                if not ids or min(ids) < 0:  # tokens given as text
                    ids = self._tokens_of(str(choice.get("text") or ""))
            ids = ids[:max_new_tokens]
            result[row, : len(ids)] = ids
        return result


_NO_ECHO = ("The server at {base} does not return log-probabilities of the prompt (echo), as Ollama and "
            "llama.cpp's own server do not: only the generate-and-compare probe applies.")


def _echoed(out: dict[str, Any]) -> dict[str, Any] | None:
    """The completion's log-probabilities of the prompt, or None when the server did not echo them."""
    try:
        lp = out["choices"][0]["logprobs"]
        if lp and isinstance(lp.get("token_logprobs"), list) and len(lp["token_logprobs"]) >= 2:
            return dict(lp)
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return None


def _logprobs_of(out: dict[str, Any], base: str) -> dict[str, Any]:
    lp = _echoed(out)
    if lp is None:
        raise RemoteError(_NO_ECHO.format(base=base))
    return lp


def _columns(lp: dict[str, Any], window: IntArray, ids_sent: bool,
             tokenizer: _Tokenizer) -> list[tuple[int, tuple[float, dict[str, float]]]]:
    """(column, (log p of the token, top alternatives)) for each echoed prompt token we can place.

    The echo covers the whole prompt (vLLM, ids sent), or the prompt without a leading BOS
    (llama-cpp-python re-tokenizing text); its first entry is null either way. Entries after the first
    token that differs from ours are dropped.
    """
    t = int(window.shape[0])
    tokens = list(lp.get("tokens") or [])
    values = list(lp["token_logprobs"])
    tops = list(lp.get("top_logprobs") or [None] * len(values))
    skip = 0 if ids_sent else _echo_offset(tokens, window, tokenizer, len(values))  # entry j is window[j + skip]
    out = []
    for j in range(max(0, -skip), min(len(values), t - skip)):
        pos = j + skip  # window index of the token this entry scores
        if pos <= 0 or values[j] is None:
            continue
        if j < len(tokens) and not _same_token(tokens[j], int(window[pos]), tokenizer):
            break
        out.append((pos - 1, (float(values[j]), {str(k): float(v) for k, v in (tops[j] or {}).items()})))
    return out


def _echo_offset(tokens: list[Any], window: IntArray, tokenizer: _Tokenizer, entries: int) -> int:
    """Where a re-tokenized echo starts in our window: entry j is window[j + offset].

    A server that re-tokenizes the prompt text adds a BOS or not by its own rule, and our window has one or
    not by the tokenizer's: +1 when the window's BOS is missing from the echo, -1 when the echo has a BOS the
    window lacks, 0 when both agree. Read from the echoed tokens where the server returns them (the first
    three that can be compared must match), otherwise from the lengths.
    """
    t = int(window.shape[0])
    if tokens:
        for offset in (0, 1, -1):
            pairs = [(j, j + offset) for j in range(len(tokens)) if 0 <= j + offset < t][:3]
            if pairs and all(_same_token(tokens[j], int(window[pos]), tokenizer) for j, pos in pairs):
                return offset
    return 0 if entries - 1 >= t else 1


def _same_token(echoed: str, token: int, tokenizer: _Tokenizer) -> bool:
    parsed = _token_id(echoed)
    if parsed >= 0:
        return parsed == token
    return echoed == tokenizer.decode([token]).replace("\ufffd", "") or "\ufffd" in tokenizer.decode([token])


def _generated_ids(logprobs: dict[str, Any]) -> list[int]:
    """The generated token ids: vLLM's "token_id:N" strings, or llama-server's per-token "id"; [] if neither."""
    if logprobs.get("tokens"):
        return [_token_id(str(tok)) for tok in logprobs["tokens"]]
    content = logprobs.get("content")
    if isinstance(content, list) and content and all(isinstance(e, dict) and "id" in e for e in content):
        return [int(e["id"]) for e in content]
    return []


def _token_id(key: str) -> int:
    """Parse "token_id:123" (vLLM with return_tokens_as_token_ids) -> 123; any other text -> -1."""
    if key.startswith("token_id:"):
        try:
            return int(key.removeprefix("token_id:"))
        except ValueError:
            return -1
    return -1


def load_remote(url: str, logprobs: int = DEFAULT_LOGPROBS, timeout: float = 120.0) -> RemoteBackend:
    """Connect to an OpenAI-compatible server; generate-only when it does not echo prompt log-probabilities."""
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
    echoes = _echoed(probe) is not None
    ollama = not echoes and _is_ollama(http)
    tokenizer, files, tok_name = _tokenizer_for(http, model)
    info = ModelInfo(
        name=model,
        path=base,
        format="gguf" if files else "remote",
        backend="remote",
        backend_note=f" (top-{logprobs} log-probabilities)" if echoes
        else f", generate-only (the {'Ollama ' if ollama else ''}server returns no log-probabilities of given text)",
        files=files,
        device="remote",
        dtype="server",
        tokenizer=tok_name,
    )
    return RemoteBackend(http, model, tokenizer, info, time.perf_counter() - t0, logprobs, can_score=echoes,
                         ollama=ollama)


def _is_ollama(http: Http) -> bool:
    """Whether the server is Ollama: it alone answers /api/version with its version."""
    try:
        answer = http.request("/api/version")
    except (urllib.error.HTTPError, RemoteError):
        return False
    return isinstance(answer, dict) and "version" in answer


def _tokenizer_for(http: Http, model: str) -> tuple[_Tokenizer, tuple[ModelFile, ...], str]:
    """The server model's tokenizer, its local files (hashed) when they are on this machine, and its name.

    llama-cpp-python names a model by its GGUF path; Ollama by a name its store on this machine resolves.
    Otherwise the server tokenizes (vLLM, llama-server, llama-cpp-python's /extras).
    """
    from core.model.discovery import find_ollama_model
    from core.model.llamacpp import load_vocab
    from core.model.safety import sha256_file

    local: Path | None = Path(model)
    expected = None
    if local is not None and local.suffix.lower() == ".gguf" and local.is_file():
        name = "llama.cpp (local copy of the server's GGUF)"
    else:
        local, expected = find_ollama_model(model) or (None, None)
        name = "llama.cpp (the Ollama model's GGUF on this machine)"
    if local is not None:
        digest = sha256_file(local)
        if expected and digest != expected:
            raise RemoteError(f"The Ollama model file {local} does not have the SHA-256 its name promises; "
                              "pull the model again with ollama.")
        files = (ModelFile(str(local), digest, local.stat().st_size),)
        return load_vocab(local), files, name
    try:
        server = ServerTokenizer(http, model)
    except RemoteError:
        raise
    except (urllib.error.HTTPError, KeyError, TypeError, ValueError) as e:
        raise RemoteError(
            f"The server at {http.base} cannot tokenize text and its model {model!r} is not on this computer; "
            "Verbatim needs the model's tokenizer to compare text token for token."
        ) from e
    return server, (), f"server ({server.flavor})"
