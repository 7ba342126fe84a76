"""GGUF for transformers: dequantized once with transformers and cached as safetensors under the file's SHA-256.

The cache folder is found by `default_cache_dir` alone (the GUI watches it while a first conversion
runs). A conversion writes into a hidden temporary folder and renames it into place, so an interrupted
one never leaves a half-written model under the final name.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path


def default_cache_dir() -> Path:
    """Where converted GGUF models live: core.paths.models_cache() (under $VERBATIM_CACHE when set)."""
    from core.paths import models_cache

    return models_cache()


def convert_gguf(gguf: Path, sha256: str, cache_dir: Path) -> Path:
    """Dequantize a GGUF with transformers once and save it as safetensors under its SHA-256.

    The first conversion of a 270M model takes about a minute and 3 GB; later loads read the cache.
    """
    import torch
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target = cache_dir / sha256
    if (target / "complete").is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{sha256[:12]}-", dir=cache_dir))
    try:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        # transformers marks the model as GGUF-quantized and will not save it; the tensors are plain fp32.
        save_model(model, str(tmp / "model.safetensors"))
        config = model.config.to_dict()
        config.pop("quantization_config", None)
        config["architectures"] = [type(model).__name__]
        (tmp / "config.json").write_text(json.dumps(config, indent=2))
        tok.save_pretrained(str(tmp))
        (tmp / "complete").write_text(json.dumps({"gguf": str(gguf), "sha256": sha256}))
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
