"""Stand-in readers for the isolated loader's tests; top-level functions so a spawned worker can import them."""

from __future__ import annotations

import os
import signal
import time

from core.ingest import Document, IngestError


def sleeps(path: str) -> Document:
    time.sleep(60)
    raise AssertionError("not stopped")


def allocates(path: str) -> Document:
    hog = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GB, far over the test's cap
    raise AssertionError(f"not stopped ({len(hog)})")


def segfaults(path: str) -> Document:
    os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(5)
    raise AssertionError("not stopped")


def refuses(path: str) -> Document:
    raise IngestError("The stand-in reader refused the file.")


def has_a_bug(path: str) -> Document:
    return {}["missing"]  # type: ignore[no-any-return]
