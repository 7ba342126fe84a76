"""Fixtures for ingest tests."""

from __future__ import annotations

import pytest
from ingest_helpers import FIXTURES


@pytest.fixture(scope="session")
def expected() -> str:
    """The words every fixture was rendered from."""
    return (FIXTURES / "expected.txt").read_text("utf-8")
