"""Garbage collection on the GUI thread only.

Python's cyclic garbage collector runs in whichever thread happens to allocate when a generation's
threshold is reached. When that is a scan's worker thread, unreachable cycles that hold Qt objects
(a closed dialog, a model of a finished result) are destroyed off the GUI thread, which Qt does not
allow and which can crash the process. qutebrowser meets the same hazard the same way: automatic
collection is switched off and a timer on the GUI thread collects whatever generation is due.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadCollector(QObject):
    """Disables automatic collection and collects on a GUI-thread timer instead."""

    INTERVAL_MS = 500

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    def check(self) -> int:
        """Collect the oldest generation whose allocation count passed its threshold; objects freed."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                return gc.collect(generation)
        return 0

    def stop(self) -> None:
        """Stop the timer and give automatic collection back (tests; the app keeps it to the end)."""
        self._timer.stop()
        gc.enable()
