"""What kind of inference server answers, how it is set up, and how many requests it may have in flight.

A server's numerics can depend on what it batches together, so the remote backend sends requests one at
a time unless the server computes each request alone whatever else it runs: llama.cpp's own server
(llama-server) started with at least one slot per request in flight (`-np N`; /props reports
`total_slots`), or vLLM in its batch-invariant mode (VLLM_BATCH_INVARIANT=1), which its API does not
report, so the user declares it and the report says it was declared. Any other server gets one request
at a time and a note saying why. What the server reports (its kind, build, slots, model file) goes into
the report's provenance with the concurrency that was used.
"""

from __future__ import annotations

import urllib.error
from dataclasses import dataclass, field
from typing import Any

from core.model.remote.transport import Http, RemoteError

NO_PENALTIES: dict[str, float] = {"repeat_penalty": 1.0, "frequency_penalty": 0.0, "presence_penalty": 0.0}
"""Sent with every generation request (OpenAI completions and Ollama's options alike): llama-cpp-python's
server and Ollama default repeat_penalty to 1.1, applied before top_k 1, which is then not greedy."""


@dataclass(frozen=True)
class ServerSetup:
    """The server as it describes itself, and the requests in flight the backend will use with it."""

    kind: str
    """"llama-server", "vLLM", "Ollama" or "OpenAI-compatible" (a server that does not say, such as
    llama-cpp-python's)."""
    reported: dict[str, Any] = field(default_factory=dict)
    """What the server reported about its setup (build, slots, model file), as it reported it."""
    concurrency: int = 1
    """Requests in flight at once (1: one at a time, in order)."""
    note: str = ""
    """Why fewer requests are in flight than were asked for; "" when none were refused."""
    batch_invariant: str = ""
    """How the per-request numerics are known not to depend on batching: "" for one request at a time."""

    @property
    def model_path(self) -> str:
        """The model file the server says it loaded ("" when it does not say)."""
        return str(self.reported.get("model_path") or "")

    def provenance(self) -> dict[str, Any]:
        """The record a report keeps (provenance["decoding"]["server"])."""
        out: dict[str, Any] = {"kind": self.kind, **self.reported, "requests_in_flight": self.concurrency}
        if self.batch_invariant:
            out["batch_invariant"] = self.batch_invariant
        if self.note:
            out["concurrency_note"] = self.note
        return out


def _get(http: Http, path: str) -> dict[str, Any] | None:
    """GET `path` as a JSON object, or None when the server has no such endpoint (or answers otherwise)."""
    try:
        out = http.request(path)
    except (urllib.error.HTTPError, RemoteError):
        return None
    return out if isinstance(out, dict) else None


def describe(http: Http, is_ollama: bool) -> tuple[str, dict[str, Any]]:
    """The server's kind and what it reports about its setup (llama-server's /props, vLLM's /version)."""
    if is_ollama:
        version = _get(http, "/api/version") or {}
        return "Ollama", {"version": version.get("version", "")}
    props = _get(http, "/props")
    if props is not None and "total_slots" in props:
        settings = props.get("default_generation_settings") or {}
        return "llama-server", {
            "build": props.get("build_info", ""),
            "total_slots": int(props["total_slots"]),
            "slot_context_tokens": settings.get("n_ctx"),
            "model_path": props.get("model_path", ""),
        }
    served = _get(http, "/version")
    if served is not None and "version" in served:
        return "vLLM", {"version": str(served["version"])}
    return "OpenAI-compatible", {}


def setup(http: Http, is_ollama: bool, asked: int, declared_invariant: bool = False) -> ServerSetup:
    """The server's setup and the concurrency to use: `asked` where its numerics allow, else 1 with a note."""
    if asked < 1:
        raise RemoteError("--server-concurrency must be at least 1.")
    kind, reported = describe(http, is_ollama)
    if asked == 1:
        return ServerSetup(kind, reported)
    if kind == "llama-server":
        slots = int(reported["total_slots"])
        if slots >= asked:
            return ServerSetup(kind, reported, asked, batch_invariant=(
                f"one slot per request: {slots} slots for {asked} requests in flight"))
        return ServerSetup(kind, reported, note=(
            f"llama-server at {http.base} has {slots} slot{'s' if slots != 1 else ''}, fewer than the {asked} "
            f"requests asked for, so requests go one at a time (start it with -np {asked})."))
    if kind == "vLLM" and declared_invariant:
        return ServerSetup(kind, reported, asked, batch_invariant=(
            "declared by the user (VLLM_BATCH_INVARIANT=1); vLLM's API does not report it"))
    why = {
        "vLLM": "vLLM does not report whether it runs in batch-invariant mode (declare it with "
                "--server-batch-invariant when it was started with VLLM_BATCH_INVARIANT=1)",
        "Ollama": "Ollama does not report batch-invariant numerics",
    }.get(kind, "this server does not report batch-invariant numerics (llama-cpp-python's runs one request at "
                "a time and reuses the prompt it cached last, so arrival order could change the figures)")
    return ServerSetup(kind, reported, note=f"{why}, so requests to {http.base} go one at a time.")
