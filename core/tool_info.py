"""Which Verbatim, Python and machine produced a record: the part every report's provenance shares.

A scan (core/scan/provenance.py) and a match (core/match/run.py) both state the tool's version and source
commit, Python, the platform and the versions of the libraries their figures depend on.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import core


def version(dist: str) -> str | None:
    """An installed distribution's version, or None when it is not installed."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The source checkout's commit, when Verbatim runs from one."""
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def tool_info(components: Iterable[str]) -> dict[str, Any]:
    """Tool version and commit, Python, platform, machine, and the versions of `components` installed."""
    return {
        "tool": "verbatim",
        "tool_version": core.__version__,
        "tool_commit": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "components": {d: v for d in components if (v := version(d))},
    }
