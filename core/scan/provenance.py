"""What a report must state about the software and machine that produced it."""

from __future__ import annotations

from typing import Any

from core.model.backend import Backend
from core.tool_info import git_commit as git_commit
from core.tool_info import tool_info

_COMPONENTS = ("torch", "transformers", "tokenizers", "accelerate", "gguf", "numpy", "rapidfuzz", "llama-cpp-python")


def environment(backend: Backend) -> dict[str, Any]:
    """Tool version and commit, Python and component versions, platform, device and dtype."""
    return {
        **tool_info(_COMPONENTS),
        "device": backend.info.device,
        "dtype": backend.info.dtype,
    }


def decoding(backend: Backend, precision: str, near_tie_gap: float) -> dict[str, Any]:
    """How the model decoded, as the backend states it, and the near-tie threshold that applied.

    `precision` is core.model.backend.numeric_precision's; the threshold is Thresholds.near_tie's for it.
    """
    out = dict(backend.decoding)
    out.setdefault("bos_token_id", backend.bos_id)
    out["precision"] = precision
    out["near_tie_gap"] = near_tie_gap
    return out
