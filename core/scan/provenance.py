"""What a report must state about the software and machine that produced it."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import core
from core.model.backend import Backend

_COMPONENTS = ("torch", "transformers", "tokenizers", "accelerate", "gguf", "numpy", "rapidfuzz", "llama-cpp-python")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The source checkout's commit, when Verbatim runs from one."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def environment(backend: Backend) -> dict[str, Any]:
    """Tool version and commit, Python and component versions, platform, device and dtype."""
    return {
        "tool": "verbatim",
        "tool_version": core.__version__,
        "tool_commit": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "components": {d: v for d in _COMPONENTS if (v := _version(d))},
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
