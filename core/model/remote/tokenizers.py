"""The served model's tokenizer: its GGUF on this machine when there is one, otherwise the server's own.

Verbatim compares text token for token, so it needs the exact tokenizer of the served model. A
llama-cpp-python server names its model by the GGUF's path and an Ollama server by a name its store on
this machine resolves: then the file's vocabulary is loaded with llama.cpp (no weights) and hashed for
the report. Otherwise the server tokenizes: /tokenize and /detokenize (vLLM, llama-server) or /extras/*
(llama-cpp-python).
"""

from __future__ import annotations

import urllib.error
from pathlib import Path
from typing import Protocol

import numpy as np

from core.model.backend import IntArray, Tokens, added_prefix
from core.model.remote.transport import Http, RemoteError
from core.results import ModelFile


class Tokenizer(Protocol):
    """What the remote backend needs from a tokenizer (a llama.cpp vocabulary or a ServerTokenizer)."""

    @property
    def bos_id(self) -> int | None: ...

    def tokenize(self, text: str) -> Tokens: ...

    def decode(self, ids: IntArray | list[int]) -> str: ...


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


def tokenizer_for(http: Http, model: str) -> tuple[Tokenizer, tuple[ModelFile, ...], str]:
    """The server model's tokenizer, its local files (hashed) when they are on this machine, and its name.

    llama-cpp-python names a model by its GGUF path; Ollama by a name its store on this machine resolves.
    Otherwise the server tokenizes (vLLM, llama-server, llama-cpp-python's /extras).
    """
    from core.model.llamacpp import load_vocab
    from core.model.remote.ollama import stored_model
    from core.model.safety import sha256_file

    local: Path | None = Path(model)
    expected = None
    if local is not None and local.suffix.lower() == ".gguf" and local.is_file():
        name = "llama.cpp (local copy of the server's GGUF)"
    else:
        local, expected = stored_model(model) or (None, None)
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
