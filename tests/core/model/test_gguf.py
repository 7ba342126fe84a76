"""The bounded GGUF header reader on real files, tiny written files, and crafted hostile files."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import pytest
from gguf import GGUFReader

from core.model import gguf as gguf_mod
from core.model.gguf import GGUFError, file_type_name, read_gguf_header

U8, U32, STRING, ARRAY, U64 = 0, 4, 8, 9, 10


def s(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def kv(key: str, vtype: int, payload: bytes) -> bytes:
    return s(key) + struct.pack("<I", vtype) + payload


def tensor(name: str, dims: list[int], ggml_type: int = 0, offset: int = 0) -> bytes:
    packed_dims = b"".join(struct.pack("<Q", d) for d in dims)
    return s(name) + struct.pack("<I", len(dims)) + packed_dims + struct.pack("<IQ", ggml_type, offset)


def gguf_file(tmp_path: Path, kvs: tuple[bytes, ...] | list[bytes] = (), tensors: tuple[bytes, ...] | list[bytes] = (), *, kv_count: int | None = None,
              tensor_count: int | None = None, version: int = 3, data: bytes = b"", pad_to: int = 32) -> Path:
    """Hand-assembled GGUF bytes, so each test can lie in exactly one field."""
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors) if tensor_count is None else tensor_count,
                                 len(kvs) if kv_count is None else kv_count)
    body = head + b"".join(kvs) + b"".join(tensors)
    if data:
        body += b"\0" * (-len(body) % pad_to) + data
    path = tmp_path / "crafted.gguf"
    path.write_bytes(body)
    return path


# -- real files ------------------------------------------------------------------------------------

def test_gemma_header(gemma_path: Path) -> None:
    h = read_gguf_header(gemma_path)
    assert h.version == 3
    assert h.architecture == "gemma3"
    assert h.quantization == "Q4_K_M"
    assert h.parameter_count == pytest.approx(268e6, rel=0.02)
    assert h.context_length == 32768
    assert h.tokenizer_model == "llama"
    assert h.array_lengths["tokenizer.ggml.tokens"] == 262144
    assert "tokenizer.ggml.tokens" not in h.metadata
    assert h.file_size == gemma_path.stat().st_size


def test_smollm2_header(smollm2_path: Path) -> None:
    h = read_gguf_header(smollm2_path)
    assert h.architecture == "llama"
    assert h.quantization == "Q4_1"
    assert h.parameter_count == pytest.approx(135e6, rel=0.02)
    assert h.context_length == 8192
    assert h.tokenizer_model == "gpt2"
    assert h.array_lengths["tokenizer.ggml.tokens"] == 49152


def test_tiny_written_file_matches_gguf_py(tmp_path: Path, make_gguf) -> None:
    path = make_gguf(tmp_path / "tiny.gguf", name="tiny test")
    h = read_gguf_header(path)
    ref = GGUFReader(path)  # safe here: a file we just wrote ourselves
    assert h.tensor_count == len(ref.tensors) == 2
    assert h.parameter_count == sum(int(t.n_elements) for t in ref.tensors) == 24 + 64
    assert h.data_offset == ref.data_offset
    assert h.name == "tiny test"
    assert h.context_length == 256
    assert h.array_lengths == {"tokenizer.ggml.tokens": 5, "tokenizer.ggml.scores": 5}
    assert h.quantization == "Q4_K_M"


def test_missing_file_type_gives_no_quantization(tmp_path: Path, make_gguf) -> None:
    assert read_gguf_header(make_gguf(tmp_path / "t.gguf", file_type=None)).quantization is None


@pytest.mark.parametrize(("code", "name"), [(0, "F32"), (1, "F16"), (3, "Q4_1"), (15, "Q4_K_M"),
                                            (7, "Q8_0"), (32, "BF16"), (15 | 1024, "Q4_K_M"), (999, "file_type 999")])
def test_file_type_names(code: int, name: str) -> None:
    assert file_type_name(code) == name


def test_crafted_valid_file_with_one_tensor(tmp_path: Path) -> None:
    path = gguf_file(tmp_path, [kv("general.architecture", STRING, s("x"))], [tensor("t", [4, 2])],
                     data=b"\0" * 32)
    h = read_gguf_header(path)
    assert (h.parameter_count, h.architecture, h.data_offset % 32) == (8, "x", 0)


# -- hostile files: each rejected quickly with one sentence -----------------------------------------

def hostile(tmp_path: Path, case: str) -> Path:
    array_of = lambda etype, n: struct.pack("<IQ", etype, n)  # noqa: E731
    cases: dict[str, tuple[list[bytes], list[bytes], dict[str, int]]] = {
        # The classic 49-byte file: one string array claiming 2^63 - 1 elements.
        "49-byte": ([kv("a", ARRAY, array_of(STRING, 2**63 - 1))], [], {}),
        "array 2^63": ([kv("a", ARRAY, array_of(U8, 2**63))], [], {}),
        "u64 array": ([kv("a", ARRAY, array_of(U64, 2**61))], [], {}),
        "string beyond file": ([kv("k", STRING, struct.pack("<Q", 1000) + b"short")], [], {}),
        "string 2^64-1": ([kv("k", STRING, struct.pack("<Q", 2**64 - 1))], [], {}),
        "huge kv count": ([], [], {"kv_count": 2**62}),
        "huge tensor count": ([], [], {"tensor_count": 2**60}),
        "dims overflow": ([], [tensor("t", [2**32, 2**32])], {}),
        "dim 2^63": ([], [tensor("t", [2**63])], {}),
        "9 dims": ([], [tensor("t", [1] * 9)], {}),
        "bad alignment": ([kv("general.alignment", U32, struct.pack("<I", 3))], [], {}),
        "zero alignment": ([kv("general.alignment", U32, struct.pack("<I", 0))], [], {}),
        "offset beyond file": ([], [tensor("t", [4], offset=1 << 40)], {}),
        "unaligned offset": ([], [tensor("t", [4], offset=3)], {}),
        "unknown tensor type": ([], [tensor("t", [4], ggml_type=999)], {}),
        "overlap": ([], [tensor("a", [8]), tensor("b", [8], offset=0)], {}),
        "duplicate key": ([kv("k", U8, b"\1"), kv("k", U8, b"\2")], [], {}),
        "unknown value type": ([kv("k", 77, b"\0" * 8)], [], {}),
        "nested arrays": ([kv("a", ARRAY, array_of(ARRAY, 1) + array_of(ARRAY, 1) + array_of(ARRAY, 1)
                              + array_of(ARRAY, 1) + array_of(U8, 0))], [], {}),
        "version 1": ([], [], {"version": 1}),
        "big-endian": ([], [], {"version": 3 << 24}),
    }
    kvs, tensors, counts = cases[case]
    return gguf_file(tmp_path, kvs, tensors, data=b"\0" * 64 if tensors else b"", **counts)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("case", [
    "49-byte", "array 2^63", "u64 array", "string beyond file", "string 2^64-1", "huge kv count",
    "huge tensor count", "dims overflow", "dim 2^63", "9 dims", "bad alignment", "zero alignment",
    "offset beyond file", "unaligned offset", "unknown tensor type", "overlap", "duplicate key",
    "unknown value type", "nested arrays", "version 1", "big-endian",
])
def test_hostile_header_rejected_quickly(tmp_path: Path, case: str) -> None:
    path = hostile(tmp_path, case)
    start = time.perf_counter()
    with pytest.raises(GGUFError) as info:
        read_gguf_header(path)
    elapsed = time.perf_counter() - start
    message = str(info.value)
    assert message.endswith(".") and "\n" not in message
    assert elapsed < 1.0, f"{case} took {elapsed:.2f} s"


def test_49_byte_file_is_49_bytes(tmp_path: Path) -> None:
    assert hostile(tmp_path, "49-byte").stat().st_size == 49


@pytest.mark.timeout(10)
def test_bad_magic(tmp_path: Path) -> None:
    path = tmp_path / "x.gguf"
    path.write_bytes(b"GGML" + b"\0" * 60)
    with pytest.raises(GGUFError, match="magic"):
        read_gguf_header(path)


@pytest.mark.timeout(10)
def test_too_short(tmp_path: Path) -> None:
    path = tmp_path / "x.gguf"
    path.write_bytes(b"GGUF")
    with pytest.raises(GGUFError, match="too short"):
        read_gguf_header(path)


@pytest.mark.timeout(10)
def test_truncated_download_is_named(tmp_path: Path, make_gguf) -> None:
    path = make_gguf(tmp_path / "t.gguf")
    path.write_bytes(path.read_bytes()[:-16])
    with pytest.raises(GGUFError, match="truncated"):
        read_gguf_header(path)


@pytest.mark.timeout(10)
def test_string_array_walk_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gguf_mod, "MAX_LOOP_ITEMS", 10)
    path = gguf_file(tmp_path, [kv("a", ARRAY, struct.pack("<IQ", STRING, 11) + s("") * 11)])
    with pytest.raises(GGUFError, match="more than 10"):
        read_gguf_header(path)


@pytest.mark.timeout(10)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.gguf"
    os.mkfifo(fifo)
    with pytest.raises(GGUFError, match="not a regular file"):
        read_gguf_header(fifo)
