"""A real reconstruction, shared by the tests that need one: Gemma 3 270M (llama.cpp) rebuilding KJV Genesis 1.

Gemma has memorized the KJV; from the chapter's first 50 tokens it continues a few words on the text. Run
once per test session (about a minute and a half on a loaded 2-core CPU).
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def gemma_llamacpp() -> Any:
    """The embedded default on llama.cpp (the fastest backend on CPU)."""
    from core.model.loader import load_backend
    from core.settings import ScanSettings

    return load_backend(None, ScanSettings(device="cpu"), backend="llama.cpp")


def genesis_1() -> str:
    from tests.helpers.texts import kjv_chapter

    return kjv_chapter("Genesis", 1)


def run(gen: Any) -> Any:
    """Drain a core generator and return its value."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


@cache
def kjv_reconstruction() -> dict[str, Any]:
    """The unassisted reconstruction record of Genesis 1 by Gemma (llama.cpp)."""
    from core.reconstruct import ReconstructOptions, reconstruct

    return dict(run(reconstruct(genesis_1(), gemma_llamacpp(), ReconstructOptions())))
