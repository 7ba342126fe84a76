"""What a report must state about the software and machine that produced it."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import core

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


def environment(backend: object) -> dict[str, Any]:
    """Tool version and commit, Python and component versions, platform, device and dtype."""
    info = getattr(backend, "info", None)
    return {
        "tool": "verbatim",
        "tool_version": core.__version__,
        "tool_commit": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "components": {d: v for d in _COMPONENTS if (v := _version(d))},
        "device": getattr(info, "device", "cpu"),
        "dtype": getattr(info, "dtype", "float32"),
    }


def decoding(backend: object, precision: str, near_tie_gap: float) -> dict[str, Any]:
    """How the model decoded, as the backend states it, and the near-tie threshold that applied.

    `precision` is core.model.backend.numeric_precision's; the threshold is Thresholds.near_tie's for it.
    """
    stated = getattr(backend, "decoding", None)
    out: dict[str, Any] = dict(stated) if isinstance(stated, dict) else {"method": "argmax", "ties": "lowest token id"}
    out.setdefault("bos_token_id", getattr(backend, "bos_id", None))
    out["precision"] = precision
    out["near_tie_gap"] = near_tie_gap
    return out
