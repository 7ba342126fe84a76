"""Checkpoints: plan first, one transaction per batch, resume after kill -9, refuse changed inputs."""

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.model.fake import FakeBackend
from core.report.jsonio import result_to_dict
from core.scan.engine import run_scan, scan
from core.scan.progress import CancelToken
from core.store import CheckpointError, ResumeRefused, ScanPlan, ScanStore, find_unfinished
from hardening import resume_child as child
from tests.helpers.docs import document

ROOT = Path(__file__).parents[3]


def comparable(result):
    """The result's JSON without what legitimately differs between runs (times and timings)."""
    data = result_to_dict(result)
    for key in ("started_utc", "finished_utc", "timings"):
        data["provenance"].pop(key)
    return data


@pytest.fixture(scope="module")
def uninterrupted():
    return comparable(run_scan(document(child.TEXT), FakeBackend(memorized=(child.MEMORIZED,)), child.SETTINGS))


def test_batches_round_trip_exactly(tmp_path):
    path = tmp_path / "scan.sqlite"
    with ScanStore.create(path, child.plan()) as store:
        store.set_batch_count(9)
        store.save_batch(3, child.big_batch(3, n=50))
    with ScanStore.open(path) as store:
        assert store.progress() == (1, 9)
        got = store.done_batches()[3]
        want = child.big_batch(3, n=50)
        for f in dataclasses.fields(want):
            a, b = getattr(got, f.name), getattr(want, f.name)
            assert a.dtype == b.dtype and np.array_equal(a, b)


def test_changed_inputs_are_named(tmp_path):
    path = tmp_path / "scan.sqlite"
    ScanStore.create(path, child.plan()).close()
    store = ScanStore.open(path)
    store.check_plan(child.plan())  # same scan: accepted
    p = child.plan()
    with pytest.raises(ResumeRefused, match=r"^Cannot resume from scan.sqlite: the manuscript changed since the checkpoint\.$"):
        store.check_plan(dataclasses.replace(p, manuscript_sha256="0" * 64))
    other_model = dataclasses.replace(p, model_files=(("(memory)", "f" * 64),))
    with pytest.raises(ResumeRefused, match=r"the model file \(memory\) changed since the checkpoint\.$"):
        store.check_plan(other_model)
    smaller = dataclasses.replace(p, settings=dataclasses.replace(child.SETTINGS, chunk_tokens=20).to_dict())
    with pytest.raises(ResumeRefused, match=r"the setting chunk_tokens changed from 23 to 20\.$"):
        store.check_plan(smaller)
    stricter = {**p.settings, "thresholds": {**p.settings["thresholds"], "memorized_tokens": 40}}
    with pytest.raises(ResumeRefused, match=r"the setting thresholds.memorized_tokens changed from 32 to 40\.$"):
        store.check_plan(dataclasses.replace(p, settings=stricter))
    store.close()


def test_resume_refuses_a_changed_manuscript(tmp_path):
    path = tmp_path / "scan.sqlite"
    ScanStore.create(path, child.plan()).close()
    edited = document(child.TEXT + " One more sentence.")
    plan = ScanPlan.for_scan(edited, FakeBackend(memorized=(child.MEMORIZED,)).info, child.SETTINGS)
    with pytest.raises(ResumeRefused, match="the manuscript changed since the checkpoint"):
        ScanStore.resume_or_create(path, plan)


def test_not_a_checkpoint_is_one_sentence(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 10)
    with pytest.raises(CheckpointError, match=r"^junk.sqlite cannot be used as a checkpoint|^junk.sqlite is not a Verbatim checkpoint\.$"):
        ScanStore.open(junk)
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")  # killed before the plan was committed: counts as no checkpoint
    ScanStore.resume_or_create(empty, child.plan()).close()


def test_cancelled_scan_resumes_to_the_same_result(tmp_path, uninterrupted):
    path = tmp_path / "scan.sqlite"
    cancel = CancelToken()
    first = child.CountingBackend()
    with ScanStore.create(path, child.plan()) as store:
        gen = scan(document(child.TEXT), first, child.SETTINGS, cancel, store)
        for _ in range(6):  # tokenize + 5 triage batches
            next(gen)
        cancel.cancel()
        with pytest.raises(StopIteration):
            while True:
                next(gen)
        assert store.progress()[0] == 5 and not store.finished
    assert [u.batches_done for u in find_unfinished(tmp_path)] == [5]

    again = child.CountingBackend()
    with ScanStore.resume_or_create(path, child.plan()) as store:
        done, total = store.progress()
        result = run_scan(document(child.TEXT), again, child.SETTINGS, store=store)
        assert store.finished
    assert again.triage_batches == total - done  # nothing redone
    assert comparable(result) == uninterrupted
    assert find_unfinished(tmp_path) == []


class RoomyBackend(child.CountingBackend):
    """Says six triage rows fit in one pass, as a GPU's free memory would."""

    def suggest_batch_size(self, row_tokens):
        return 6


def test_a_checkpoint_resumes_in_bigger_passes_and_still_commits_batch_by_batch(tmp_path, uninterrupted):
    path = tmp_path / "scan.sqlite"
    cancel = CancelToken()
    with ScanStore.create(path, child.plan()) as store:
        gen = scan(document(child.TEXT), child.CountingBackend(), child.SETTINGS, cancel, store)
        for _ in range(4):  # tokenize + 3 triage batches
            next(gen)
        cancel.cancel()
        with pytest.raises(StopIteration):
            while True:
                next(gen)
    roomy = RoomyBackend()
    with ScanStore.resume_or_create(path, child.plan()) as store:
        done, total = store.progress()
        result = run_scan(document(child.TEXT), roomy, child.SETTINGS, store=store)
        assert store.progress() == (total, total) and store.finished
    # Three checkpoint batches of two chunks per forward pass; each batch still committed alone.
    assert roomy.triage_batches == -(-(total - done) // 3)
    assert result.provenance["rows_per_pass"]["triage"] == 6
    assert result.settings["batch_size"] == child.SETTINGS.batch_size  # the plan's settings, as given
    got, want = comparable(result), dict(uninterrupted)
    got["provenance"].pop("rows_per_pass")
    want["provenance"] = {k: v for k, v in want["provenance"].items() if k != "rows_per_pass"}
    assert got == want


def _committed(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM batch").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet


def _start(mode: str, path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(Path(child.__file__)), mode, str(path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def kill_after(proc: subprocess.Popen, path: Path, batches: int, timeout_s: float = 30) -> None:
    """SIGKILL `proc` once `path` holds at least `batches` committed batches."""
    deadline = time.monotonic() + timeout_s
    while _committed(path) < batches:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the child never committed enough batches"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_kill_9_mid_scan_resumes_with_at_most_one_batch_redone(tmp_path, uninterrupted):
    path = tmp_path / "scan.sqlite"
    proc = _start("scan", path)
    kill_after(proc, path, batches=4)
    scored_before_kill = proc.stdout.read().count("scored")
    assert proc.returncode == -signal.SIGKILL

    again = child.CountingBackend()
    with ScanStore.resume_or_create(path, child.plan()) as store:
        done, total = store.progress()
        assert 4 <= done < total
        result = run_scan(document(child.TEXT), again, child.SETTINGS, store=store)
    assert scored_before_kill - done <= 1  # at most the batch in flight is lost
    assert again.triage_batches == total - done
    assert comparable(result) == uninterrupted


def test_kill_9_during_commits_leaves_a_consistent_file(tmp_path):
    path = tmp_path / "hammer.sqlite"
    proc = _start("hammer", path)
    kill_after(proc, path, batches=2)
    printed = proc.stdout.read().split()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with ScanStore.open(path) as store:
        batches = store.done_batches()  # every row decodes whole
    assert sorted(batches) == list(range(len(batches)))
    assert all(b.pos.shape == (200_000,) for b in batches.values())
    # Every commit the child reported finished is in the file.
    assert len(batches) >= printed.count("committed")
