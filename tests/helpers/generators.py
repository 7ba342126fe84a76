"""Driving the generators that core's long jobs are (scan, controls, reference test, catalogue)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any


def drain(gen: Generator[Any, None, Any]) -> tuple[list[Any], Any]:
    """Every item the generator yields, and the value it returns."""
    items: list[Any] = []
    while True:
        try:
            items.append(next(gen))
        except StopIteration as stop:
            return items, stop.value
