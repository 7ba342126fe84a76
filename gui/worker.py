"""Run Qt-free generators from core in a QThread and hand their results back to the main thread.

A job is a zero-argument callable returning a generator: it yields progress and returns a result.
`TaskRunner` owns the threads: it starts a job, relays throttled progress, and reports the outcome
only after the thread has really stopped, so "finished" also means "no thread left behind".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from core.errors import describe as describe_error

log = logging.getLogger(__name__)

__all__ = ["GeneratorWorker", "Job", "TaskRunner", "describe_error"]

Job = Callable[[], Generator[Any, None, Any]]


class GeneratorWorker(QObject):
    """Iterates one job's generator in its thread; never touches widgets.

    Signals:
        yielded(int, object): job id, a progress item (throttled: at most one per `interval_s`,
            but every change of progress kind or stage gets through).
        returned(int, object): job id, the generator's return value.
        failed(int, str): job id, the error in one sentence.
        done(int): job id; emitted last, whatever happened.
    """

    yielded = Signal(int, object)
    returned = Signal(int, object)
    failed = Signal(int, str)
    done = Signal(int)

    def __init__(self, job_id: int, job: Job, interval_s: float = 0.1) -> None:
        super().__init__()
        self._job_id = job_id
        self._job = job
        self._interval_s = interval_s

    @Slot()
    def run(self) -> None:
        """Iterate the generator to its end (cancellation is the job's business, via its token)."""
        last_emit = 0.0
        last_key: object = None
        try:
            gen = self._job()
            while True:
                try:
                    item = next(gen)
                except StopIteration as stop:
                    self.returned.emit(self._job_id, stop.value)
                    break
                key = (type(item), getattr(item, "stage", None))
                now = time.monotonic()
                if key != last_key or now - last_emit >= self._interval_s:
                    self.yielded.emit(self._job_id, item)
                    last_emit, last_key = now, key
        except Exception as exc:  # noqa: BLE001 - every failure becomes one sentence; the app stays alive
            log.exception("job %d failed", self._job_id)
            self.failed.emit(self._job_id, describe_error(exc))
        finally:
            self.done.emit(self._job_id)


@dataclass
class _Task:
    thread: QThread
    worker: GeneratorWorker
    on_yield: Callable[[Any], None] | None
    on_return: Callable[[Any], None] | None
    on_fail: Callable[[str], None] | None
    outcome: list[tuple[str, Any]] = field(default_factory=list)


class TaskRunner(QObject):
    """Owns worker threads; callbacks run on the main thread, outcomes after the thread stopped.

    Signals:
        idle(): no task is running any more.
    """

    idle = Signal()

    def __init__(self, parent: QObject | None = None, interval_s: float = 0.1) -> None:
        super().__init__(parent)
        self._tasks: dict[int, _Task] = {}
        self._next_id = 1
        self._interval_s = interval_s

    def start(
        self,
        job: Job,
        on_yield: Callable[[Any], None] | None = None,
        on_return: Callable[[Any], None] | None = None,
        on_fail: Callable[[str], None] | None = None,
    ) -> int:
        """Start `job` in a new thread and return its id."""
        job_id = self._next_id
        self._next_id += 1
        thread = QThread()
        thread.setObjectName(f"verbatim-job-{job_id}")
        worker = GeneratorWorker(job_id, job, self._interval_s)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.yielded.connect(self._on_worker_yielded)
        worker.returned.connect(self._on_worker_returned)
        worker.failed.connect(self._on_worker_failed)
        # Direct: QThread.quit is thread-safe, and wait_all blocks the main thread, so a queued quit never runs.
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._on_thread_finished)
        self._tasks[job_id] = _Task(thread, worker, on_yield, on_return, on_fail)
        thread.start()
        return job_id

    def is_running(self, job_id: int | None = None) -> bool:
        """Whether `job_id` (or any task, when None) has not finished yet."""
        return bool(self._tasks) if job_id is None else job_id in self._tasks

    def forget(self, job_id: int) -> None:
        """Drop the callbacks of a task we no longer care about; its thread still ends on its own."""
        task = self._tasks.get(job_id)
        if task is not None:
            task.on_yield = task.on_return = task.on_fail = None

    def wait_all(self) -> None:
        """Block until every thread stopped (callers cancel first); outcomes are dropped."""
        for job_id in list(self._tasks):
            self.forget(job_id)
            task = self._tasks[job_id]
            task.thread.wait()
            self._finish(job_id)

    @Slot(int, object)
    def _on_worker_yielded(self, job_id: int, item: object) -> None:
        task = self._tasks.get(job_id)
        if task is not None and task.on_yield is not None:
            task.on_yield(item)

    @Slot(int, object)
    def _on_worker_returned(self, job_id: int, value: object) -> None:
        task = self._tasks.get(job_id)
        if task is not None:
            task.outcome.append(("return", value))

    @Slot(int, str)
    def _on_worker_failed(self, job_id: int, message: str) -> None:
        task = self._tasks.get(job_id)
        if task is not None:
            task.outcome.append(("fail", message))

    @Slot()
    def _on_thread_finished(self) -> None:
        # Queued after the worker's own signals, so the outcome is already recorded.
        sender = self.sender()
        for job_id, task in list(self._tasks.items()):
            if task.thread is sender:
                task.thread.wait()
                self._finish(job_id)

    def _finish(self, job_id: int) -> None:
        task = self._tasks.pop(job_id, None)
        if task is None:
            return
        task.worker.deleteLater()
        task.thread.deleteLater()
        for kind, value in task.outcome:
            if kind == "return" and task.on_return is not None:
                task.on_return(value)
            elif kind == "fail" and task.on_fail is not None:
                task.on_fail(value)
        if not self._tasks:
            self.idle.emit()
