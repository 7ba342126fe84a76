"""ScanQueue: the queue's order of work, without widgets."""

from __future__ import annotations

from gui.models import QueueEntry
from gui.scan_queue import ScanQueue


def _entries() -> list[QueueEntry]:
    return [
        QueueEntry(path="a.txt", document=object()),
        QueueEntry(path="b.txt", document=object(), result=object()),  # scanned already
        QueueEntry(path="c.txt"),  # still being read
        QueueEntry(path="d.txt", document=object()),
        QueueEntry(path="e.pages", error="e.pages is an Apple Pages document."),
    ]


def test_plan_scans_the_selected_one_then_the_ready_unscanned_ones_in_order() -> None:
    entries = _entries()
    queue = ScanQueue()
    queue.plan(entries[3], entries)
    assert queue.pending == ["a.txt"]
    assert queue.start("d.txt") is None and queue.scanning == "d.txt"
    assert queue.stop() == "d.txt" and queue.scanning is None
    assert queue.take_next() == "a.txt"
    assert queue.take_next() is None


def test_starting_another_path_returns_the_one_to_unmark() -> None:
    queue = ScanQueue()
    queue.start("a.txt")
    assert queue.start("a.txt") is None  # a restart of the same manuscript
    assert queue.start("b.txt") == "a.txt"


def test_discard_and_clear_drop_waiting_manuscripts_only() -> None:
    entries = _entries()
    queue = ScanQueue()
    queue.plan(entries[1], entries)
    assert queue.pending == ["a.txt", "d.txt"]
    queue.start("b.txt")
    queue.discard("a.txt")
    queue.discard("not-queued.txt")
    assert queue.pending == ["d.txt"]
    queue.clear()
    assert queue.pending == [] and queue.scanning == "b.txt"


def test_refusal_says_why_scan_cannot_start() -> None:
    entries = _entries()
    assert ScanQueue.refusal(entries[0], entries) == ""
    assert ScanQueue.refusal(entries[4], entries) == "e.pages is an Apple Pages document."
    assert ScanQueue.refusal(entries[2], entries).startswith("The manuscript is still being read")
    assert ScanQueue.refusal(None, entries).startswith("The manuscript is still being read")
    assert ScanQueue.refusal(None, []).startswith("Open a manuscript first")
