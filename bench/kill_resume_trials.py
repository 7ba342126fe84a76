"""kill -9 a checkpointed scan at random moments, resume it, and check what survived.

    python bench/kill_resume_trials.py [--trials 10] [--commit-trials 5] [--seed 0]

Scan trials: a child process scans a ~2,000-word text with FakeBackend(delay_s=0.05), one checkpoint
commit per triage batch; it is SIGKILLed after a random delay, then the scan is resumed here. Each trial
records the batches committed, the batches the child had scored (so "redone" = scored - committed),
the batches scored on resume, and whether the final JSON equals an uninterrupted scan's.
Commit trials: a child commits 200,000-position batches in a tight loop and is killed at a random
moment, most likely inside a commit; the file must pass integrity_check and every row must decode.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "core")]

from hardening import resume_child as child  # noqa: E402

from core.model.fake import FakeBackend  # noqa: E402
from core.report.jsonio import result_to_dict  # noqa: E402
from core.scan.engine import run_scan  # noqa: E402
from core.store import ScanStore  # noqa: E402
from tests.helpers.docs import document  # noqa: E402


def comparable(result: object) -> dict:
    data = result_to_dict(result)  # type: ignore[arg-type]
    for key in ("started_utc", "finished_utc", "timings"):
        data["provenance"].pop(key)
    return data


def start(mode: str, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(child.__file__)), mode, str(path)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )


def scan_trial(folder: Path, delay_s: float, reference: dict) -> dict:
    path = folder / "scan.sqlite"
    proc = start("scan", path)
    time.sleep(delay_s)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    scored_before = proc.stdout.read().count("scored") if proc.stdout else 0
    again = child.CountingBackend()
    with ScanStore.resume_or_create(path, child.plan()) as store:
        committed, total = store.progress()
        result = run_scan(document(child.TEXT), again, child.SETTINGS, store=store)
    return {
        "kill_after_s": round(delay_s, 2),
        "batches_total": total,
        "committed_at_kill": committed,
        "scored_before_kill": scored_before,
        "redone": max(0, scored_before - committed),
        "scored_on_resume": again.triage_batches,
        "identical_to_uninterrupted": comparable(result) == reference,
    }


def commit_trial(folder: Path, delay_s: float) -> dict:
    path = folder / "hammer.sqlite"
    proc = start("hammer", path)
    time.sleep(delay_s)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    reported = proc.stdout.read().split().count("committed") if proc.stdout else 0
    if not path.exists() or path.stat().st_size == 0:
        return {"kill_after_s": round(delay_s, 2), "note": "killed before the checkpoint existed", "ok": True}
    with sqlite3.connect(path) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    with ScanStore.open(path) as store:
        rows = store.done_batches()
    whole = all(b.pos.shape == (200_000,) for b in rows.values()) and sorted(rows) == list(range(len(rows)))
    return {
        "kill_after_s": round(delay_s, 2),
        "integrity_check": integrity,
        "rows": len(rows),
        "commits_reported": reported,
        "ok": integrity == "ok" and whole and len(rows) >= reported,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--commit-trials", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    reference = comparable(run_scan(document(child.TEXT), FakeBackend(memorized=(child.MEMORIZED,)), child.SETTINGS))
    scans, commits = [], []
    for _ in range(args.trials):
        with TemporaryDirectory() as tmp:
            scans.append(scan_trial(Path(tmp), rng.uniform(0.6, 2.8), reference))
            print(json.dumps(scans[-1]), flush=True)
    for _ in range(args.commit_trials):
        with TemporaryDirectory() as tmp:
            commits.append(commit_trial(Path(tmp), rng.uniform(1.0, 3.0)))
            print(json.dumps(commits[-1]), flush=True)
    summary = {
        "scan_trials": len(scans),
        "resumed_identical": sum(t["identical_to_uninterrupted"] for t in scans),
        "max_redone": max((t["redone"] for t in scans), default=0),
        "resume_scored_exactly_the_rest": all(
            t["scored_on_resume"] == t["batches_total"] - t["committed_at_kill"] for t in scans
        ),
        "commit_trials": len(commits),
        "commit_trials_consistent": sum(t["ok"] for t in commits),
    }
    print(json.dumps(summary))
    ok = summary["resumed_identical"] == len(scans) and summary["max_redone"] <= 1
    return 0 if ok and summary["commit_trials_consistent"] == len(commits) else 1


if __name__ == "__main__":
    sys.exit(main())
