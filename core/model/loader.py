"""From a model name or path to a loaded Backend: the one place that picks a backend."""

from __future__ import annotations

from pathlib import Path

from core.model.backend import Backend
from core.settings import ScanSettings

BACKENDS = ("auto", "transformers", "llama.cpp", "remote")
NATIVE_FROM_PARAMETERS = 1_000_000_000
"""With backend "auto", GGUF models at least this large run on llama.cpp when it is installed."""


def load_backend(spec: str | None, settings: ScanSettings | None = None, backend: str = "auto",
                 server_batch_invariant: bool = False) -> Backend:
    """Resolve `spec` (None/"default", "smollm2", a path, a discovered name, or a server URL) and load it.

    `backend` "auto" runs a GGUF of 1B parameters or more with llama.cpp when llama-cpp-python is
    installed, and smaller ones (or all, without it) with transformers (dequantized once, cached); an http(s) URL means a remote server. Slow: imports the
    inference library and may convert a GGUF on its first use.
    """
    settings = settings or ScanSettings()
    if backend not in BACKENDS:
        raise ValueError(f"Unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}.")
    is_url = (spec or "").startswith(("http://", "https://"))
    if backend == "remote" or (backend == "auto" and is_url):
        from core.model.remote import load_remote

        if not is_url:
            raise ValueError("The remote backend needs --model http://HOST:PORT (an OpenAI-compatible server).")
        # Requests in flight: settings.server_concurrency where the server allows it (the user's word
        # `server_batch_invariant` for a vLLM server); see core/model/remote/servers.py.
        return load_remote(str(spec), concurrency=settings.server_concurrency,
                           declared_invariant=server_batch_invariant)

    from core.model.discovery import resolve_model

    entry = resolve_model(spec)
    if entry.expected_sha256 and entry.source == "ollama":
        from core.model.sources import verify_ollama_blob

        verify_ollama_blob(entry.path, entry.expected_sha256)  # a blob is named by its content hash
    if entry.format == "gguf" and backend != "transformers":
        from core.model.llamacpp import llama_cpp_available, load_llamacpp

        # Measured here (bench/RESULTS-backends.md): below ~1B parameters torch's fp32 GEMM scores faster
        # than llama.cpp's quantized kernels on a CPU, and the dequantized copy is small; above, the
        # native quantization is what makes the model fit at all.
        small = entry.parameters is not None and entry.parameters < NATIVE_FROM_PARAMETERS
        if backend == "llama.cpp" or (llama_cpp_available() and not small):
            # The longest window the scan evaluates: a triage chunk, or a prompt plus a confirmation.
            need = max(settings.chunk_tokens, settings.prefix_tokens + settings.max_passage_tokens
                       + settings.confirm_extra_tokens + 64) + 1
            return load_llamacpp(Path(entry.path), n_ctx=max(1024, need), name=entry.name)
    elif backend == "llama.cpp":
        raise ValueError(f"{entry.path} is not a GGUF file; llama.cpp runs GGUF models only.")
    from core.model.hf import load_transformers

    return load_transformers(Path(entry.path), device=settings.device, dtype=settings.dtype, name=entry.name)
