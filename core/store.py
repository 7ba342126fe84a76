"""Checkpoints: long scans survive a crash, a kill or a power cut and resume where they stopped.

One SQLite file per scan, in WAL mode with full sync, so every committed batch survives and a kill in
the middle of a commit leaves the file as it was before that commit. The file holds first the plan (the
hashes of every input, the exact settings, the tool version, and a hash of all of them), then the triage
results, one row and one transaction per batch. Resuming refuses, naming what changed, when any input or
setting differs from the plan, so a resumed scan is the same scan.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

import core
from core.errors import UserError
from core.ingest import Document
from core.results import ModelInfo
from core.scores import COLUMNS, BatchScores
from core.settings import ScanSettings

FORMAT = 1
_ARRAYS = COLUMNS  # BatchScores field -> dtype of its BLOB
_SCHEMA = f"""
CREATE TABLE scan (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    format INTEGER NOT NULL,
    plan_json TEXT NOT NULL,
    plan_sha256 TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    batches_total INTEGER,
    finished_utc TEXT
);
CREATE TABLE batch (
    idx INTEGER PRIMARY KEY,
    {", ".join(f"{name} BLOB NOT NULL" for name, _ in _ARRAYS)},
    saved_utc TEXT NOT NULL
);
"""


class CheckpointError(UserError):
    """A checkpoint file that cannot be used; the message is one sentence for the user."""


class ResumeRefused(CheckpointError):
    """The checkpoint belongs to a different scan (an input or a setting changed)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ScanPlan:
    """Everything a scan's result depends on, by hash: what a resumed scan must match exactly."""

    manuscript_path: str
    """Where the manuscript was (shown to the user, not compared: a moved file is the same file)."""
    manuscript_sha256: str
    text_sha256: str
    model_files: tuple[tuple[str, str], ...]
    """(path, sha256) of every model file."""
    settings: dict[str, Any]
    tool_version: str

    @classmethod
    def for_scan(cls, document: Document, model: ModelInfo, settings: ScanSettings) -> ScanPlan:
        """The plan of scanning `document` with `model` under `settings`."""
        return cls(
            manuscript_path=document.path,
            manuscript_sha256=document.sha256,
            text_sha256=document.text_sha256,
            model_files=tuple((f.path, f.sha256) for f in model.files),
            settings=settings.to_dict(),
            tool_version=core.__version__,
        )

    def to_json(self) -> str:
        """Canonical JSON (sorted keys), the form that is stored and hashed."""
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ScanPlan:
        data = json.loads(text)
        data["model_files"] = tuple((str(p), str(h)) for p, h in data["model_files"])
        return cls(**data)

    @property
    def sha256(self) -> str:
        """One hash of all inputs, settings and the tool version."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _show(value: Any) -> str:
    return "unset" if value is None else str(value)


def plan_difference(old: ScanPlan, new: ScanPlan) -> str | None:
    """What changed from `old` to `new`, as the end of a sentence; None when they are the same scan."""
    if old.manuscript_sha256 != new.manuscript_sha256:
        return "the manuscript changed since the checkpoint"
    if old.text_sha256 != new.text_sha256:
        return "the manuscript's text is read differently than at the checkpoint"
    old_files, new_files = dict(old.model_files), dict(new.model_files)
    if old_files.keys() != new_files.keys():
        return "the model is not the one the checkpoint was made with"
    for path, digest in new.model_files:
        if old_files[path] != digest:
            return f"the model file {Path(path).name} changed since the checkpoint"
    old_s, new_s = _flat(old.settings), _flat(new.settings)
    for key in sorted(old_s.keys() | new_s.keys()):
        if old_s.get(key) != new_s.get(key):
            return f"the setting {key} changed from {_show(old_s.get(key))} to {_show(new_s.get(key))}"
    if old.tool_version != new.tool_version:
        return f"Verbatim changed from version {old.tool_version} to {new.tool_version} since the checkpoint"
    if old.sha256 != new.sha256:
        return "the scan plan differs from the checkpoint's"
    return None


@dataclass(frozen=True)
class Unfinished:
    """A checkpoint whose scan has not finished, for a front end to offer resuming."""

    path: Path
    manuscript_path: str
    batches_done: int
    batches_total: int | None
    created_utc: str


class ScanStore:
    """One scan's checkpoint file. Not shared between threads at the same time."""

    def __init__(self, path: Path, conn: sqlite3.Connection, plan: ScanPlan) -> None:
        self.path = path
        self.plan = plan
        self._conn = conn

    # -- opening ------------------------------------------------------------------------------------
    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a committed batch survives a power cut too
        except sqlite3.Error as exc:
            raise CheckpointError(f"{path.name} cannot be used as a checkpoint ({exc}).") from exc
        return conn

    @classmethod
    def create(cls, path: str | Path, plan: ScanPlan) -> ScanStore:
        """Start a new checkpoint at `path` (which must not hold one already), writing the plan first."""
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            raise CheckpointError(f"{path.name} already exists; resume from it or choose another file.")
        conn = cls._connect(path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA.split(";"):
                if statement.strip():  # one by one: executescript would commit the open transaction
                    conn.execute(statement.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
            conn.execute(
                "INSERT INTO scan (id, format, plan_json, plan_sha256, created_utc) VALUES (1, ?, ?, ?, ?)",
                (FORMAT, plan.to_json(), plan.sha256, _now()),
            )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.close()
            raise CheckpointError(f"The checkpoint {path.name} could not be written ({exc}).") from exc
        return cls(path, conn, plan)

    @classmethod
    def open(cls, path: str | Path) -> ScanStore:
        """Open an existing checkpoint; CheckpointError when it is not one or is damaged."""
        path = Path(path)
        if not path.is_file():
            raise CheckpointError(f"{path} is not a checkpoint file.")
        conn = cls._connect(path)
        try:
            row = conn.execute("SELECT format, plan_json, plan_sha256 FROM scan WHERE id = 1").fetchone()
        except sqlite3.Error:
            row = None
        if row is None:
            conn.close()
            raise CheckpointError(f"{path.name} is not a Verbatim checkpoint.")
        fmt, plan_json, plan_sha = row
        if fmt != FORMAT:
            conn.close()
            raise CheckpointError(f"{path.name} was written by another version of Verbatim (format {fmt}).")
        plan = ScanPlan.from_json(plan_json)
        if plan.sha256 != plan_sha:
            conn.close()
            raise CheckpointError(f"{path.name} is damaged: its plan does not match its own hash.")
        return cls(path, conn, plan)

    @classmethod
    def resume_or_create(cls, path: str | Path, plan: ScanPlan) -> ScanStore:
        """Resume from `path` if it holds this scan's checkpoint, start one if there is none.

        ResumeRefused when it holds a different scan's checkpoint. An empty file (a kill before the plan
        was committed) counts as none.
        """
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            store = cls.open(path)
            try:
                store.check_plan(plan)
            except ResumeRefused:
                store.close()
                raise
            return store
        return cls.create(path, plan)

    def check_plan(self, plan: ScanPlan) -> None:
        """Raise ResumeRefused, naming what changed, unless `plan` is the checkpoint's plan."""
        change = plan_difference(self.plan, plan)
        if change is not None:
            raise ResumeRefused(f"Cannot resume from {self.path.name}: {change}.")

    # -- batches ------------------------------------------------------------------------------------
    def set_batch_count(self, total: int) -> None:
        """Record how many triage batches the whole scan has (known once the text is tokenized)."""
        self._conn.execute("UPDATE scan SET batches_total = ? WHERE id = 1", (total,))

    def save_batch(self, index: int, scores: BatchScores) -> None:
        """Commit one batch's results (one transaction: after a kill it is there whole or not at all)."""
        blobs = [np.ascontiguousarray(getattr(scores, name), dtype=dt).tobytes() for name, dt in _ARRAYS]
        names = ", ".join(name for name, _ in _ARRAYS)
        marks = ", ".join("?" for _ in range(len(_ARRAYS) + 2))
        self._conn.execute(
            f"INSERT OR REPLACE INTO batch (idx, {names}, saved_utc) VALUES ({marks})", (index, *blobs, _now())
        )

    def done_batches(self) -> dict[int, BatchScores]:
        """Every committed batch, by index."""
        names = ", ".join(name for name, _ in _ARRAYS)
        out: dict[int, BatchScores] = {}
        for idx, *blobs in self._conn.execute(f"SELECT idx, {names} FROM batch ORDER BY idx"):
            arrays: dict[str, np.ndarray[Any, Any]] = {
                name: np.frombuffer(b, dtype=dt).copy() for (name, dt), b in zip(_ARRAYS, blobs, strict=True)
            }
            if len({a.shape[0] for a in arrays.values()}) != 1:
                raise CheckpointError(f"{self.path.name} is damaged: batch {idx} has arrays of different lengths.")
            out[int(idx)] = BatchScores(**arrays)
        return out

    def progress(self) -> tuple[int, int | None]:
        """(batches committed, batches in the whole scan or None before triage started)."""
        done = self._conn.execute("SELECT COUNT(*) FROM batch").fetchone()[0]
        total = self._conn.execute("SELECT batches_total FROM scan WHERE id = 1").fetchone()[0]
        return int(done), None if total is None else int(total)

    def mark_finished(self) -> None:
        """Record that the scan completed, so it is no longer offered for resuming."""
        self._conn.execute("UPDATE scan SET finished_utc = ? WHERE id = 1", (_now(),))

    @property
    def finished(self) -> bool:
        return self._conn.execute("SELECT finished_utc FROM scan WHERE id = 1").fetchone()[0] is not None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ScanStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def find_unfinished(folder: str | Path, pattern: str = "*.sqlite") -> list[Unfinished]:
    """Checkpoints in `folder` whose scans did not finish, oldest first; unreadable files are skipped."""
    found = []
    for path in sorted(Path(folder).glob(pattern)):
        try:
            store = ScanStore.open(path)
        except CheckpointError:
            continue
        with store:
            if store.finished:
                continue
            done, total = store.progress()
            created = store._conn.execute("SELECT created_utc FROM scan WHERE id = 1").fetchone()[0]
            found.append(Unfinished(path, store.plan.manuscript_path, done, total, created))
    return sorted(found, key=lambda u: u.created_utc)
