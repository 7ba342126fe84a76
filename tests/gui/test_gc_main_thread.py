"""Garbage is collected on the GUI thread: automatic collection is off while the collector runs."""

from __future__ import annotations

import gc

from gui.gc_main_thread import MainThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_collector_turns_automatic_collection_off_and_collects_due_generations(qapp) -> None:
    collector = MainThreadCollector()
    try:
        assert not gc.isenabled()
        gc.collect()
        for _ in range(gc.get_threshold()[0] + 10):
            _Cycle()
        assert gc.get_count()[0] > gc.get_threshold()[0], "nothing collected them automatically"
        assert collector.check() > 0, "the GUI-thread check frees the cycles"
    finally:
        collector.stop()
    # The session's collector (tests/gui/conftest.py) is still running: collection stays manual.
    gc.disable()
