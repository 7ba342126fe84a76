"""Model safety checks: no pickle ever unpickled, no repository code, no odd files, honest memory estimates."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from core.model.safety import (
    ModelTooLargeError,
    UnsafeModelError,
    available_memory_bytes,
    check_memory,
    check_model_path,
    estimate_load_bytes,
    read_safetensors_header,
    sha256_file,
)


class Canary:
    """Unpickling this creates a file: proof that a payload ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.path), "w"))


def pickle_payload(canary: Path, torch_zip: bool) -> bytes:
    """A plain pickle, or the zip layout torch.save writes (data.pkl inside), carrying the canary."""
    data = pickle.dumps({"weight": Canary(canary)}, protocol=2)
    if not torch_zip:
        return data
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", data)
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


def test_canary_payload_is_real(tmp_path: Path) -> None:
    target = tmp_path / "proof"
    pickle.loads(pickle_payload(target, torch_zip=False))  # our own payload, run on purpose
    assert target.exists()


@pytest.mark.parametrize("torch_zip", [False, True])
def test_pickle_weights_refused(tmp_path: Path, torch_zip: bool, make_safetensors_model) -> None:
    canary = tmp_path / "canary"
    folder = make_safetensors_model(tmp_path / "model")
    (folder / "pytorch_model.bin").write_bytes(pickle_payload(canary, torch_zip))
    with pytest.raises(UnsafeModelError, match="pytorch_model.bin"):
        check_model_path(folder)
    with pytest.raises(UnsafeModelError, match="pickle"):
        check_model_path(folder / "pytorch_model.bin")
    assert not canary.exists()


@pytest.mark.parametrize("torch_zip", [False, True])
def test_pickle_renamed_safetensors_refused(tmp_path: Path, torch_zip: bool) -> None:
    canary = tmp_path / "canary"
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "llama"}')
    (folder / "pytorch_model.bin").write_bytes(pickle_payload(canary, torch_zip))
    (folder / "pytorch_model.bin").rename(folder / "model.safetensors")
    for target in (folder, folder / "model.safetensors"):
        with pytest.raises(UnsafeModelError, match="model.safetensors"):
            check_model_path(target)
    with pytest.raises(UnsafeModelError):
        estimate_load_bytes(folder)
    assert not canary.exists()


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".ckpt", ".pkl"])
def test_pickle_suffixes_refused(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"weights{suffix}"
    path.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(UnsafeModelError, match="pickle"):
        check_model_path(path)


def test_valid_safetensors_folder_passes(tmp_path: Path, make_safetensors_model) -> None:
    folder = make_safetensors_model(tmp_path / "model")
    check_model_path(folder)
    check_model_path(folder / "model.safetensors")
    info = read_safetensors_header(folder / "model.safetensors")
    assert (info.tensor_count, info.parameter_count, info.main_dtype) == (2, 40, "F16")
    # F16 [4, 8] upcast to fp32: 32 * 4; F32 [8]: 8 * 4.
    assert estimate_load_bytes(folder) == 32 * 4 + 8 * 4
    assert estimate_load_bytes(folder, bytes_per_parameter=2) == 32 * 2 + 8 * 4


def _raw_safetensors(path: Path, header: dict[str, object], data: bytes, claimed: int | None = None) -> Path:
    raw = json.dumps(header).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<Q", len(raw) if claimed is None else claimed) + raw + data)
    (path.parent / "config.json").write_text("{}")
    return path


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("header", "claimed", "match"), [
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, 2**62, "100 MB"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, 10_000, "has only"),
    ({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, None, "outside"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
      "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, None, "overlap"),
    ({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, None, "bytes for shape"),
    ({"a": {"dtype": "Q4", "shape": [2], "data_offsets": [0, 8]}}, None, "unknown dtype"),
    ({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, None, "invalid shape"),
    ({"a": {"dtype": "F32", "shape": [2**62, 2**62], "data_offsets": [0, 8]}}, None, "bytes for shape"),
])
def test_bad_safetensors_headers_refused(tmp_path: Path, header: dict[str, object], claimed: int | None,
                                         match: str) -> None:
    path = _raw_safetensors(tmp_path / "m" / "model.safetensors", header, b"\0" * 12, claimed)
    with pytest.raises(UnsafeModelError, match=match):
        check_model_path(path.parent)


def test_header_not_json_refused(tmp_path: Path) -> None:
    path = tmp_path / "m" / "model.safetensors"
    path.parent.mkdir()
    path.write_bytes(struct.pack("<Q", 4) + b"{{{{")
    with pytest.raises(UnsafeModelError, match="not valid JSON"):
        read_safetensors_header(path)


def test_missing_shard_refused(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    save_file({"a": np.zeros(2, dtype=np.float32)}, str(folder / "model-00001-of-00002.safetensors"))
    index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    with pytest.raises(UnsafeModelError, match="model-00002-of-00002.safetensors"):
        check_model_path(folder)


def test_index_shard_outside_folder_refused(tmp_path: Path, make_safetensors_model) -> None:
    folder = make_safetensors_model(tmp_path / "model")
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"w": "../x.safetensors"}}))
    with pytest.raises(UnsafeModelError, match="not a safetensors file in the folder"):
        check_model_path(folder)


def test_auto_map_refused_naming_config(tmp_path: Path, make_safetensors_model) -> None:
    config = {"model_type": "custom", "auto_map": {"AutoModelForCausalLM": "modeling_custom.Model"}}
    folder = make_safetensors_model(tmp_path / "model", config)
    with pytest.raises(UnsafeModelError, match=r"config\.json has an auto_map"):
        check_model_path(folder)


def test_auto_map_in_tokenizer_config_refused(tmp_path: Path, make_safetensors_model) -> None:
    folder = make_safetensors_model(tmp_path / "model")
    (folder / "tokenizer_config.json").write_text(json.dumps({"auto_map": {"AutoTokenizer": ["t.Tok", None]}}))
    with pytest.raises(UnsafeModelError, match="tokenizer_config.json"):
        check_model_path(folder)


@pytest.mark.parametrize("rel", ["modeling_custom.py", "sub/helper.py"])
def test_python_file_refused_naming_it(tmp_path: Path, make_safetensors_model, rel: str) -> None:
    folder = make_safetensors_model(tmp_path / "model")
    (folder / rel).parent.mkdir(exist_ok=True)
    (folder / rel).write_text("import os\n")
    with pytest.raises(UnsafeModelError, match=rel.replace(".", r"\.")):
        check_model_path(folder)


def test_folder_without_weights_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(UnsafeModelError, match="no safetensors or GGUF"):
        check_model_path(tmp_path)


@pytest.mark.timeout(10)
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this platform")
def test_symlink_to_dev_zero_refused(tmp_path: Path, make_safetensors_model) -> None:
    folder = make_safetensors_model(tmp_path / "model")
    (folder / "model.safetensors").unlink()
    (folder / "model.safetensors").symlink_to("/dev/zero")
    lone = tmp_path / "zero.gguf"
    lone.symlink_to("/dev/zero")
    for target in (folder, lone):
        with pytest.raises(UnsafeModelError, match="character device|outside the model folder"):
            check_model_path(target)
    with pytest.raises(UnsafeModelError, match="not a regular file"):
        sha256_file(lone)
    with pytest.raises(UnsafeModelError, match="character device"):
        check_model_path(lone)


@pytest.mark.timeout(10)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_refused_without_blocking(tmp_path: Path, make_safetensors_model) -> None:
    folder = make_safetensors_model(tmp_path / "model")
    os.mkfifo(folder / "extra.safetensors")
    with pytest.raises(UnsafeModelError, match="FIFO"):
        check_model_path(folder)
    with pytest.raises(UnsafeModelError, match="FIFO"):
        check_model_path(folder / "extra.safetensors")
    with pytest.raises(UnsafeModelError, match="not a regular file"):
        sha256_file(folder / "extra.safetensors")


def test_symlink_escaping_folder_refused(tmp_path: Path, make_safetensors_model) -> None:
    outside = make_safetensors_model(tmp_path / "elsewhere")
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").symlink_to(outside / "model.safetensors")
    with pytest.raises(UnsafeModelError, match="outside the model folder"):
        check_model_path(folder)


def test_hf_snapshot_links_into_blobs_allowed(tmp_path: Path, make_safetensors_model) -> None:
    src = make_safetensors_model(tmp_path / "src")
    repo = tmp_path / "models--org--tiny"
    snapshot = repo / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (repo / "blobs").mkdir()
    for name in ("config.json", "model.safetensors"):
        blob = repo / "blobs" / hashlib.sha256((src / name).read_bytes()).hexdigest()
        blob.write_bytes((src / name).read_bytes())
        (snapshot / name).symlink_to(Path("../..") / "blobs" / blob.name)
    check_model_path(snapshot)


def test_gguf_checks(tmp_path: Path, make_gguf) -> None:
    path = make_gguf(tmp_path / "m.gguf")
    check_model_path(path)
    assert estimate_load_bytes(path) == (24 + 64) * 4
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(path.read_bytes()[:40])
    with pytest.raises(UnsafeModelError, match="bad.gguf is refused"):
        check_model_path(bad)


def test_unknown_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(UnsafeModelError, match="neither a GGUF"):
        check_model_path(path)


def test_missing_path_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeModelError, match="does not exist"):
        check_model_path(tmp_path / "nope.gguf")


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    path = tmp_path / "f"
    data = os.urandom(3 * 1024 + 7)
    path.write_bytes(data)
    assert sha256_file(path, chunk_bytes=1024) == hashlib.sha256(data).hexdigest()


def test_check_memory_refuses_with_estimate(tmp_path: Path, make_gguf) -> None:
    path = make_gguf(tmp_path / "m.gguf")
    assert check_memory(path, available_bytes=10_000) == 352
    with pytest.raises(ModelTooLargeError, match="needs about") as info:
        check_memory(path, available_bytes=100)
    assert (info.value.estimate_bytes, info.value.available_bytes) == (352, 100)


def test_real_gguf_estimate_is_about_eight_times_a_4bit_file(gemma_path: Path) -> None:
    ratio = estimate_load_bytes(gemma_path) / gemma_path.stat().st_size
    assert ratio == pytest.approx(4.2, abs=0.5)  # Q4_K_M with a large F16/Q6 embedding: not a full 8x


def test_available_memory_from_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemAvailable:    8000000 kB\n")
    assert available_memory_bytes(str(meminfo)) == 8_000_000 * 1024
