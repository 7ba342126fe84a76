"""From a model name or path to a loaded Backend: the one place that picks a backend."""

from __future__ import annotations

from pathlib import Path

from core.model.backend import Backend
from core.settings import ScanSettings


def load_backend(spec: str | None, settings: ScanSettings | None = None) -> Backend:
    """Resolve `spec` (None/"default", "smollm2", a path, or a discovered name) and load it.

    Slow: imports torch and transformers, and converts a GGUF on its first use.
    """
    from core.model.discovery import resolve_model
    from core.model.hf import load_transformers

    settings = settings or ScanSettings()
    entry = resolve_model(spec)
    return load_transformers(Path(entry.path), device=settings.device, dtype=settings.dtype, name=entry.name)
