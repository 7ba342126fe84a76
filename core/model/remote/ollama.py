"""Ollama: recognizing its server, finding its model's GGUF on this machine, and generating without a template.

Ollama returns log-probabilities only for generated tokens, so through it the backend is generate-only.
Its /v1/completions puts the prompt into the model's chat template; /api/generate with `raw` continues
the author's text as it stands, which is what the generate-and-compare sweep needs.
"""

from __future__ import annotations

import urllib.error
from pathlib import Path

from core.model.remote.servers import NO_PENALTIES
from core.model.remote.transport import Http, RemoteError


def is_ollama(http: Http) -> bool:
    """Whether the server is Ollama: it alone answers /api/version with its version."""
    try:
        answer = http.request("/api/version")
    except (urllib.error.HTTPError, RemoteError):
        return False
    return isinstance(answer, dict) and "version" in answer


def stored_model(name: str) -> tuple[Path, str | None] | None:
    """The GGUF blob (and its digest) of a model Ollama names so ("llama3.2:1b"), if its store is on this machine."""
    from core.model.sources import find_ollama_model

    return find_ollama_model(name)


def generate_raw(http: Http, model: str, prompt: str, max_new_tokens: int) -> str:
    """The text the model writes after `prompt` (special tokens written out), greedily, without a chat template."""
    body = {"model": model, "prompt": prompt, "raw": True, "stream": False,
            "options": {"temperature": 0.0, "top_k": 1, "seed": 0, "num_predict": max_new_tokens, **NO_PENALTIES}}
    try:
        out = http.request("/api/generate", body)
    except urllib.error.HTTPError as e:
        raise RemoteError(f"The Ollama server at {http.base} refused to generate (HTTP {e.code}).") from e
    return str(out.get("response") or "")
