"""The order of work in the queue: which manuscript is being scanned and which wait their turn.

Plain Python, no widgets, so the rules are tested on their own (tests/gui/test_scan_queue.py). Scan
starts with the selected manuscript, then takes the ready ones not scanned yet in queue order; a
cancel, a failure or a cancelled scan drops the rest; a manuscript taken out of the queue drops out.
The window keeps the Qt side: it marks entries in the QueueModel and starts the controller.
"""

from __future__ import annotations

from collections.abc import Iterable

from gui.models import QueueEntry


class ScanQueue:
    """The path being scanned (`scanning`) and the paths waiting after it (`pending`), in order."""

    def __init__(self) -> None:
        self.scanning: str | None = None
        """The manuscript the controller is scanning now, if any."""
        self.pending: list[str] = []
        """Manuscripts to scan after it, first first."""

    @staticmethod
    def refusal(current: QueueEntry | None, entries: Iterable[QueueEntry]) -> str:
        """Why Scan cannot start with `current` selected, in one sentence; "" when it can."""
        if current is not None and current.document is not None:
            return ""
        if current is not None and current.error:
            return current.error
        if not any(e.document is not None for e in entries):
            return "Open a manuscript first (Ctrl+O or drop a file on the window)."
        return "The manuscript is still being read; try again in a moment."

    def plan(self, current: QueueEntry, entries: Iterable[QueueEntry]) -> None:
        """Scan `current` first, then every other ready entry that has no result yet."""
        self.pending = [
            e.path for e in entries if e.document is not None and e.result is None and e.path != current.path
        ]

    def start(self, path: str) -> str | None:
        """`path` is being scanned now; returns the path that was scanning before, to unmark, if another."""
        previous = self.scanning if self.scanning is not None and self.scanning != path else None
        self.scanning = path
        return previous

    def stop(self) -> str | None:
        """No manuscript is being scanned any more; returns the one that was."""
        path, self.scanning = self.scanning, None
        return path

    def take_next(self) -> str | None:
        """The next manuscript to scan, taken off the list; None when none waits."""
        return self.pending.pop(0) if self.pending else None

    def discard(self, path: str) -> None:
        """`path` left the queue: it will not be scanned."""
        if path in self.pending:
            self.pending.remove(path)

    def clear(self) -> None:
        """Drop the waiting manuscripts (cancel, failure, closing); the running scan is not touched."""
        self.pending.clear()
