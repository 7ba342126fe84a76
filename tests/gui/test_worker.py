"""TaskRunner: outcomes arrive on the main thread after the worker thread stopped."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from gui.worker import TaskRunner, describe_error


def test_result_arrives_after_thread_stopped(qtbot) -> None:
    runner = TaskRunner()
    seen: list[object] = []
    worker_threads: list[int] = []

    def job():  # type: ignore[no-untyped-def]
        worker_threads.append(threading.get_ident())
        yield from range(3)
        return "done"

    with qtbot.waitSignal(runner.idle, timeout=5_000):
        runner.start(job, on_yield=seen.append, on_return=seen.append)
    assert seen[-1] == "done"
    assert seen[0] == 0  # the first item always gets through the throttle
    assert worker_threads[0] != threading.get_ident()
    assert not runner.is_running()


def test_failure_is_one_sentence(qtbot) -> None:
    runner = TaskRunner()
    errors: list[str] = []

    def job():  # type: ignore[no-untyped-def]
        yield None
        raise KeyError("vocab")

    with qtbot.waitSignal(runner.idle, timeout=5_000):
        runner.start(job, on_fail=errors.append)
    assert errors == ["Unexpected error (KeyError): 'vocab'."]


def test_describe_error_keeps_user_sentences() -> None:
    assert describe_error(ValueError("book.pdf has no text layer")) == "book.pdf has no text layer."
    assert describe_error(ValueError("Refused.")) == "Refused."


def test_forgotten_task_reports_nothing_and_wait_all_joins(qtbot) -> None:
    runner = TaskRunner()
    gate = threading.Event()
    seen: list[object] = []

    def job():  # type: ignore[no-untyped-def]
        yield None
        gate.wait(5)
        return "late"

    job_id = runner.start(job, on_return=seen.append)
    runner.forget(job_id)
    gate.set()
    runner.wait_all()
    assert seen == [] and not runner.is_running()
    assert QThread.currentThread() is not None


def test_progress_is_throttled_but_stage_changes_get_through(qtbot) -> None:
    from core.scan.progress import ScanProgress

    runner = TaskRunner(interval_s=0.5)
    seen: list[ScanProgress] = []

    def job():  # type: ignore[no-untyped-def]
        for i in range(2000):
            yield ScanProgress("triage", i, 2000, i, 2000, 100.0, 1.0)
        yield ScanProgress("confirm", 0, 5, 2000, 2000, 0.0, None)
        return None

    with qtbot.waitSignal(runner.idle, timeout=10_000):
        runner.start(job, on_yield=seen.append)
    assert 2 <= len(seen) < 20
    assert seen[0].done == 0 and seen[-1].stage == "confirm"
