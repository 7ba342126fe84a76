"""Checks run on a model before any library touches it: no pickle, no repository code, no odd files.

Loading a pickle or a model's own Python runs code the model's author wrote, so weights are taken only
from safetensors or GGUF, whose headers are validated here with bounded reads. FIFOs, devices and
symlinks leaving the model folder are refused before anything opens them for hashing or loading.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from core.errors import UserError
from core.model.gguf import MAGIC, GGUFError, GGUFHeader, open_regular_file, read_gguf_header

PICKLE_SUFFIXES = frozenset({".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib"})
"""Files in these formats are (or may be) Python pickles, which run code when loaded."""
CODE_SUFFIXES = frozenset({".py", ".pyc", ".pyo"})
MAX_SAFETENSORS_HEADER = 100_000_000
MAX_JSON_BYTES = 50_000_000
"""Largest config or index JSON read; tokenizer.json is never read here."""
MAX_FOLDER_ENTRIES = 10_000
MAX_FOLDER_DEPTH = 4
_SKIPPED_DIRS = frozenset({".git", ".cache"})

# Bits per element of every safetensors dtype.
_DTYPE_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
    "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
    "I32": 32, "U32": 32, "F32": 32,
    "I64": 64, "U64": 64, "F64": 64, "C64": 64,
    "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}
_FLOAT_DTYPES = frozenset({"F4", "F6_E2M3", "F6_E3M2", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F16", "BF16", "F32"})


class UnsafeModelError(UserError):
    """A model Verbatim refuses to load; the message is one sentence naming the file and the reason."""


class ModelTooLargeError(UnsafeModelError):
    """Loading the model would need more memory than is free."""

    def __init__(self, message: str, estimate_bytes: int, available_bytes: int) -> None:
        super().__init__(message)
        self.estimate_bytes = estimate_bytes
        self.available_bytes = available_bytes


@dataclass(frozen=True)
class SafetensorsInfo:
    """What a safetensors header says, validated against the file's size."""

    tensor_count: int
    parameter_count: int
    data_bytes: int
    elements_by_dtype: Mapping[str, int]
    metadata: Mapping[str, str]

    @property
    def main_dtype(self) -> str | None:
        """The dtype holding the most elements, e.g. "BF16"."""
        if not self.elements_by_dtype:
            return None
        return max(self.elements_by_dtype.items(), key=lambda kv: kv[1])[0]

    def load_bytes(self, bytes_per_parameter: int = 4) -> int:
        """Bytes in memory once float tensors are cast to `bytes_per_parameter` (integers stay as stored)."""
        total = 0
        for dtype, n in self.elements_by_dtype.items():
            stored = math.ceil(n * _DTYPE_BITS[dtype] / 8)
            total += max(stored, n * bytes_per_parameter) if dtype in _FLOAT_DTYPES else stored
        return total


def check_model_path(path: str | os.PathLike[str]) -> None:
    """Refuse a model file or folder that is not plain safetensors/GGUF weights; raises UnsafeModelError."""
    p = Path(path)
    try:
        if p.is_dir():
            _check_folder(p)
        else:
            _check_file(p)
    except OSError as e:
        raise UnsafeModelError(f"{p} could not be read ({e.strerror or e}).") from e


def _check_file(p: Path) -> None:
    suffix = p.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        raise UnsafeModelError(f"{p} is a pickle-format file ({suffix}), which can run code when loaded; "
                               "use a safetensors or GGUF version of the model.")
    _require_regular(p, root=None)
    if suffix == ".safetensors":
        _check_folder(p.parent)  # transformers loads the whole folder, so all of it must pass
        return
    with _open_regular(p) as f:
        head = f.read(8)
    if head[:4] == MAGIC:
        check_gguf(p)
        return
    if head[:1] == b"\x80" or head[:2] == b"PK":
        raise UnsafeModelError(f"{p} looks like a pickle or PyTorch checkpoint, which can run code when "
                               "loaded; use a safetensors or GGUF version of the model.")
    raise UnsafeModelError(f"{p} is neither a GGUF file nor a safetensors model folder.")


def check_gguf(p: Path) -> GGUFHeader:
    """Validate a GGUF file's header; a malformed one is refused as unsafe."""
    try:
        return read_gguf_header(p)
    except GGUFError as e:
        raise UnsafeModelError(f"{p} is refused: {e}") from e


def _open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    try:
        return open_regular_file(path)
    except GGUFError as e:
        raise UnsafeModelError(str(e)) from e


def _check_folder(folder: Path) -> None:
    root = _containment_root(folder)
    top_files: dict[str, Path] = {}
    for rel, entry in _walk(folder, root):
        name = entry.name.lower()
        suffix = Path(name).suffix
        if suffix in CODE_SUFFIXES:
            raise UnsafeModelError(f"model folder {folder} contains code file {rel}; Verbatim never runs "
                                   "a model's own code, so remove it or use another copy of the model.")
        if suffix in PICKLE_SUFFIXES:
            raise UnsafeModelError(f"model folder {folder} contains pickle-format file {rel}, which can run "
                                   "code when loaded; remove it or use a safetensors-only copy.")
        if "/" not in rel:
            top_files[entry.name] = entry
    for name, file in sorted(top_files.items()):
        if name.lower().endswith("config.json"):
            if _has_key(_load_json(file), "auto_map"):
                raise UnsafeModelError(f"{file} has an auto_map entry, which asks to run the model's own "
                                       "code; Verbatim refuses such models.")
    weights = [f for n, f in sorted(top_files.items()) if n.lower().endswith((".safetensors", ".gguf"))]
    if not weights:
        raise UnsafeModelError(f"model folder {folder} holds no safetensors or GGUF weights.")
    for name, file in sorted(top_files.items()):
        if name.lower().endswith(".safetensors.index.json"):
            _check_index(file, top_files)
    for file in weights:
        if file.name.lower().endswith(".gguf"):
            check_gguf(file)
        else:
            read_safetensors_header(file)


def _containment_root(folder: Path) -> Path:
    """Where symlinks may point: a Hugging Face snapshot links into its repository's blobs/ folder."""
    resolved = folder.resolve()
    if resolved.parent.name == "snapshots" and resolved.parent.parent.name.startswith("models--"):
        return resolved.parent.parent
    return resolved


def _walk(folder: Path, root: Path) -> Iterator[tuple[str, Path]]:
    """Yield (relative name, path) of every file, refusing odd files and escaping links, bounded in size."""
    stack: list[tuple[Path, str, int]] = [(folder, "", 0)]
    seen = 0
    while stack:
        directory, prefix, depth = stack.pop()
        with os.scandir(directory) as it:
            for entry in it:
                seen += 1
                if seen > MAX_FOLDER_ENTRIES:
                    raise UnsafeModelError(f"model folder {folder} holds more than {MAX_FOLDER_ENTRIES} "
                                           "files; point Verbatim at the model's own folder.")
                rel = prefix + entry.name
                path = Path(entry.path)
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _SKIPPED_DIRS and depth < MAX_FOLDER_DEPTH:
                        stack.append((path, rel + "/", depth + 1))
                    continue
                mode = _require_regular(path, root, allow_dir=True)
                if stat.S_ISREG(mode):
                    yield rel, path


def _require_regular(path: Path, root: Path | None, allow_dir: bool = False) -> int:
    """Refuse anything but a regular file (or a symlink to one inside `root`); return the target's mode."""
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        if root is not None and not target.is_relative_to(root):
            raise UnsafeModelError(f"{path} is a link to {target}, outside the model folder {root}.")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise UnsafeModelError(f"{path} does not exist (or is a broken link).") from None
    if stat.S_ISREG(mode) or (allow_dir and stat.S_ISDIR(mode)):
        return mode
    raise UnsafeModelError(f"{path} is {_kind(mode)}, not a regular file; refused before reading it.")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _load_json(path: Path) -> object:
    with _open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_JSON_BYTES:
            raise UnsafeModelError(f"{path} is {size} bytes, over the {MAX_JSON_BYTES}-byte limit for JSON.")
        raw = f.read(MAX_JSON_BYTES + 1)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise UnsafeModelError(f"{path} is not valid JSON.") from None


def _has_key(value: object, key: str, depth: int = 0) -> bool:
    """Whether `key` appears in any JSON object within `value` (configs nest sub-configs)."""
    if depth > 32:
        return False
    if isinstance(value, dict):
        return key in value or any(_has_key(v, key, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_has_key(v, key, depth + 1) for v in value)
    return False


def _check_index(index: Path, top_files: Mapping[str, Path]) -> None:
    data = _load_json(index)
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict):
        raise UnsafeModelError(f"{index} has no weight_map.")
    for shard in sorted({v for v in weight_map.values() if isinstance(v, str)}):
        if shard != Path(shard).name or not shard.endswith(".safetensors"):
            raise UnsafeModelError(f"{index} names shard {shard!r}, which is not a safetensors file in the folder.")
        if shard not in top_files:
            raise UnsafeModelError(f"shard {shard} named in {index.name} is missing from {index.parent}.")


def read_safetensors_header(path: str | os.PathLike[str]) -> SafetensorsInfo:
    """Validate a safetensors header (size, JSON, dtypes, offsets inside the file, no overlap)."""
    p = Path(path)
    with _open_regular(p) as f:
        size = os.fstat(f.fileno()).st_size
        if size < 8:
            raise UnsafeModelError(f"{p} is too short to be a safetensors file.")
        (n,) = struct.unpack("<Q", f.read(8))
        if n > MAX_SAFETENSORS_HEADER:
            raise UnsafeModelError(f"{p} claims a {n}-byte safetensors header, over the 100 MB limit "
                                   "(not a safetensors file; a renamed pickle?).")
        if 8 + n > size:
            raise UnsafeModelError(f"{p} claims a {n}-byte header but the file has only {size} bytes.")
        raw = f.read(n)
    if not raw.startswith(b"{"):
        raise UnsafeModelError(f"{p} does not start with a safetensors JSON header.")
    try:
        header = json.loads(raw)
    except (ValueError, RecursionError):
        raise UnsafeModelError(f"{p} has a safetensors header that is not valid JSON.") from None
    if not isinstance(header, dict):
        raise UnsafeModelError(f"{p} has a safetensors header that is not a JSON object.")
    return _tensor_table(p, header, size - 8 - n)


def _tensor_table(p: Path, header: dict[str, object], data_len: int) -> SafetensorsInfo:
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict):
        raise UnsafeModelError(f"{p} has a __metadata__ entry that is not a JSON object.")
    spans: list[tuple[int, int, str]] = []
    elements_by_dtype: dict[str, int] = {}
    for name, info in header.items():
        dtype, shape, offsets = _tensor_fields(p, name, info)
        begin, end = offsets
        if not 0 <= begin <= end <= data_len:
            raise UnsafeModelError(f"tensor {name!r} in {p} lies outside the file's {data_len} data bytes.")
        elements = math.prod(shape)
        if end - begin != math.ceil(elements * _DTYPE_BITS[dtype] / 8):
            raise UnsafeModelError(f"tensor {name!r} in {p} has {end - begin} bytes for shape {shape} {dtype}.")
        elements_by_dtype[dtype] = elements_by_dtype.get(dtype, 0) + elements
        spans.append((begin, end, name))
    previous_end, previous = 0, ""
    for begin, end, name in sorted(spans):
        if begin < previous_end:
            raise UnsafeModelError(f"tensors {previous!r} and {name!r} overlap in {p}.")
        previous_end, previous = end, name
    return SafetensorsInfo(
        tensor_count=len(spans),
        parameter_count=sum(elements_by_dtype.values()),
        data_bytes=data_len,
        elements_by_dtype=MappingProxyType(elements_by_dtype),
        metadata=MappingProxyType({str(k): str(v) for k, v in metadata.items()}),
    )


def _tensor_fields(p: Path, name: str, info: object) -> tuple[str, list[int], tuple[int, int]]:
    if not isinstance(info, dict):
        raise UnsafeModelError(f"tensor {name!r} in {p} is not described by a JSON object.")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in _DTYPE_BITS:
        raise UnsafeModelError(f"tensor {name!r} in {p} has unknown dtype {dtype!r}.")
    if not isinstance(shape, list) or not all(_is_uint(d) for d in shape):
        raise UnsafeModelError(f"tensor {name!r} in {p} has an invalid shape.")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_uint(o) for o in offsets):
        raise UnsafeModelError(f"tensor {name!r} in {p} has invalid data_offsets.")
    return dtype, shape, (offsets[0], offsets[1])


def _is_uint(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def sha256_file(path: str | os.PathLike[str], chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a regular file, read in chunks (a FIFO or device is refused, never streamed)."""
    digest = hashlib.sha256()
    with _open_regular(path) as f:
        while block := f.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def estimate_load_bytes(path: str | os.PathLike[str], bytes_per_parameter: int = 4) -> int:
    """Memory the weights take once loaded as floats of `bytes_per_parameter` (fp32 by default).

    A GGUF is dequantized by transformers, so a 4-bit file needs about 8x its size; safetensors are
    upcast from their stored dtype. Call after check_model_path.
    """
    p = Path(path)
    files = _weight_files(p)
    if not files:
        raise UnsafeModelError(f"{p} holds no safetensors or GGUF weights.")
    total = 0
    for file in files:
        if file.name.lower().endswith(".safetensors"):
            total += read_safetensors_header(file).load_bytes(bytes_per_parameter)
        else:
            total += check_gguf(file).parameter_count * bytes_per_parameter
    return total


def _weight_files(p: Path) -> list[Path]:
    """The weight files a loader would read for a file or folder."""
    if not p.is_dir():
        return _weight_files(p.parent) if p.suffix.lower() == ".safetensors" else [p]
    index = sorted(p.glob("*.safetensors.index.json"))
    if index:
        data = _load_json(index[0])
        weight_map = data.get("weight_map", {}) if isinstance(data, dict) else {}
        shards = sorted({v for v in weight_map.values() if isinstance(v, str)}) if isinstance(weight_map, dict) else []
        return [p / s for s in shards]
    safetensors = sorted(p.glob("*.safetensors"))
    return safetensors if safetensors else sorted(p.glob("*.gguf"))[:1]


def available_memory_bytes(meminfo: str = "/proc/meminfo") -> int | None:
    """Free RAM as the kernel estimates it (MemAvailable), psutil elsewhere, None when unknown."""
    try:
        with open(meminfo, encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil  # optional: only for systems without /proc
    except ImportError:
        return None
    return int(psutil.virtual_memory().available)


def check_memory(path: str | os.PathLike[str], available_bytes: int | None = None,
                 bytes_per_parameter: int = 4) -> int:
    """Refuse a model whose loaded weights would not fit in free RAM; return the estimate in bytes."""
    estimate = estimate_load_bytes(path, bytes_per_parameter)
    available = available_memory_bytes() if available_bytes is None else available_bytes
    if available is not None and estimate > available:
        raise ModelTooLargeError(
            f"{Path(path).name} needs about {_gb(estimate)} of memory once loaded but only "
            f"{_gb(available)} is free; close other programs or choose a smaller model.",
            estimate,
            available,
        )
    return estimate


def _gb(n: int) -> str:
    return f"{n / 1e9:.1f} GB"
