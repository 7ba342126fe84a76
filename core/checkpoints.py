"""Checkpoints kept by a front end: one file per manuscript and model in a folder, found again by name.

The CLI names its checkpoint file itself; the desktop app keeps them in a per-user folder instead, so
it needs a name it can compute before the model loads (the plan's model hashes come only after). The
name is derived from the manuscript's hash and the model as the user chose it; whether the checkpoint
really belongs to this scan is still decided by core.store's plan check when the scan starts.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.ingest import Document
from core.store import ScanPlan, ScanStore, Unfinished, find_unfinished

PREFIX = "scan-"
SUFFIX = ".sqlite"


def checkpoint_path(folder: str | Path, document: Document, model_spec: str | None) -> Path:
    """Where the checkpoint of scanning `document` with `model_spec` (None: embedded default) lives."""
    key = hashlib.sha256(f"{document.sha256}\x00{model_spec or ''}".encode()).hexdigest()[:24]
    return Path(folder) / f"{PREFIX}{key}{SUFFIX}"


def unfinished_for(folder: str | Path, document: Document, model_spec: str | None) -> Unfinished | None:
    """The unfinished checkpoint for this manuscript and model, if there is one."""
    path = checkpoint_path(folder, document, model_spec)
    if not path.is_file():
        return None
    found = find_unfinished(path.parent, path.name)
    return found[-1] if found else None


def remove_checkpoint(path: str | Path) -> None:
    """Delete a checkpoint and SQLite's side files (missing ones are fine)."""
    path = Path(path)
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)


def open_checkpoint(path: str | Path, plan: ScanPlan, fresh: bool) -> ScanStore:
    """Resume the checkpoint at `path`, or with `fresh` discard it and start over.

    ResumeRefused (one sentence) when resuming and the checkpoint belongs to a different scan.
    """
    path = Path(path)
    if fresh:
        remove_checkpoint(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return ScanStore.resume_or_create(path, plan)
