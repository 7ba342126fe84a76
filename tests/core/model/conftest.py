"""Fixtures for model-file tests: tiny real GGUF and safetensors files, and the two embedded models."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gguf
import numpy as np
import pytest
from safetensors.numpy import save_file

MakeGGUF = Callable[..., Path]


def write_tiny_gguf(path: Path, name: str = "tiny", file_type: int | None = 15, arch: str = "llama") -> Path:
    """A small but complete GGUF: metadata, a vocabulary array and two tensors (24 + 64 parameters)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_name(name)
    writer.add_context_length(256)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(["<unk>", "<s>", "</s>", "a", "b"])
    writer.add_token_scores([0.0] * 5)
    if file_type is not None:
        writer.add_file_type(file_type)
    writer.add_tensor("token_embd.weight", np.zeros((4, 6), dtype=np.float32))
    writer.add_tensor("output.weight", np.ones((8, 8), dtype=np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture
def make_gguf() -> MakeGGUF:
    return write_tiny_gguf


def write_safetensors_model(folder: Path, config: dict[str, object] | None = None) -> Path:
    """A transformers-style folder: config.json and one model.safetensors (F16 [4, 8] + F32 [8])."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config or {"model_type": "llama"}))
    save_file(
        {"w": np.ones((4, 8), dtype=np.float16), "b": np.zeros(8, dtype=np.float32)},
        str(folder / "model.safetensors"),
    )
    return folder


@pytest.fixture
def make_safetensors_model() -> Callable[..., Path]:
    return write_safetensors_model


@pytest.fixture
def gemma_path() -> Path:
    from core.model.embedded import embedded_gemma_path

    return embedded_gemma_path()


@pytest.fixture
def smollm2_path() -> Path:
    from core.model.embedded import embedded_smollm2_path

    return embedded_smollm2_path()
