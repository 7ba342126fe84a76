"""A bounded GGUF header reader: metadata and tensor table, never the vocabulary or the weights.

gguf-py's GGUFReader materializes every array (10 s on a 250 MB file) and trusts every count, so a
crafted 49-byte file makes it hang. This reader checks each count against the bytes the file could
hold before it loops, seeks past arrays instead of reading them, and rejects a bad file in well
under a second with one sentence (GGUFError).
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType, LlamaFileType

from core.errors import UserError

Scalar = int | float | bool | str

MAGIC = b"GGUF"
MAX_DIMS = 8
"""More dimensions than any writer produces (ggml itself stops at 4)."""
MAX_KEY_BYTES = 65_535
MAX_TENSOR_NAME_BYTES = 4_096
MAX_KEPT_STRING_BYTES = 1 << 20
"""Longer string values are skipped rather than kept in `metadata`."""
MAX_ALIGNMENT = 1 << 20
MAX_COUNT = 1 << 16
"""Ceiling on key/value pairs and on tensors; real files have about 50 and at most a few thousand."""
MAX_LOOP_ITEMS = 2_000_000
"""Ceiling on string/array elements walked one by one; real vocab + merges stay well under 1M."""
MAX_ARRAY_DEPTH = 3
_INT64_LIMIT = 1 << 63
_CHUNK = 1 << 20

_U8 = struct.Struct("<B")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")

# GGUF value types -> struct format of a fixed-size element.
_FIXED: dict[int, struct.Struct] = {
    0: struct.Struct("<B"),
    1: struct.Struct("<b"),
    2: struct.Struct("<H"),
    3: struct.Struct("<h"),
    4: struct.Struct("<I"),
    5: struct.Struct("<i"),
    6: struct.Struct("<f"),
    7: struct.Struct("<?"),
    10: struct.Struct("<Q"),
    11: struct.Struct("<q"),
    12: struct.Struct("<d"),
}
_STRING = 8
_ARRAY = 9
_TYPE_NAMES = {0: "uint8", 1: "int8", 2: "uint16", 3: "int16", 4: "uint32", 5: "int32", 6: "float32",
               7: "bool", 8: "string", 9: "array", 10: "uint64", 11: "int64", 12: "float64"}


class GGUFError(UserError):
    """A file that is not a well-formed GGUF; the message is one sentence naming what is wrong."""


@dataclass(frozen=True)
class GGUFHeader:
    """What a GGUF file says about itself, read without touching the vocabulary or the weights."""

    version: int
    tensor_count: int
    metadata: Mapping[str, Scalar]
    """Scalar and string key/values (arrays are skipped; see `array_lengths`)."""
    array_lengths: Mapping[str, int]
    """Element count of every array value, e.g. the vocabulary size under tokenizer.ggml.tokens."""
    parameter_count: int
    """Sum of element counts over all tensors."""
    file_size: int
    alignment: int
    data_offset: int
    """Byte offset where tensor data starts."""

    @property
    def architecture(self) -> str | None:
        """general.architecture, e.g. "gemma3" or "llama"."""
        return _str_or_none(self.metadata.get("general.architecture"))

    @property
    def name(self) -> str | None:
        """general.name as the converter wrote it."""
        return _str_or_none(self.metadata.get("general.name"))

    @property
    def file_type(self) -> int | None:
        """general.file_type, llama.cpp's code for the dominant quantization."""
        value = self.metadata.get("general.file_type")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def quantization(self) -> str | None:
        """The file type's name (Q4_K_M, Q4_1, F16, ...), or None when the file does not say."""
        return file_type_name(self.file_type) if self.file_type is not None else None

    @property
    def context_length(self) -> int | None:
        """<architecture>.context_length: the longest context the model was trained for."""
        value = self.metadata.get(f"{self.architecture}.context_length")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def tokenizer_model(self) -> str | None:
        """tokenizer.ggml.model, e.g. "llama" (SentencePiece) or "gpt2" (BPE)."""
        return _str_or_none(self.metadata.get("tokenizer.ggml.model"))


    @property
    def adds_bos(self) -> bool | None:
        """Whether the file's tokenizer puts BOS before a text, as llama.cpp decides it.

        The tokenizer.ggml.add_bos_token flag, else True for a SentencePiece ("llama") vocabulary; None
        when the file does not say (then the tokenizer built from it decides).
        """
        flag = self.metadata.get("tokenizer.ggml.add_bos_token")
        if isinstance(flag, bool):
            return flag
        return True if self.tokenizer_model == "llama" else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def file_type_name(file_type: int) -> str:
    """llama.cpp's general.file_type code as a quantization name: 15 -> "Q4_K_M", 1 -> "F16"."""
    code = file_type & ~1024  # 1024 flags a type llama.cpp guessed
    legacy = {4: "Q4_1_SOME_F16", 5: "Q4_2", 6: "Q4_3"}
    if code in legacy:
        return legacy[code]
    try:
        name = LlamaFileType(code).name
    except ValueError:
        return f"file_type {file_type}"
    return "F32" if name == "ALL_F32" else name.removeprefix("MOSTLY_")


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a file for reading only if it is a regular file, so a FIFO or device never blocks or streams."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise GGUFError(f"{path} is not a regular file.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


class _Reader:
    """Little-endian reads at a position, buffered in 1 MiB chunks, never past the file's size."""

    def __init__(self, f: BinaryIO, size: int) -> None:
        self._f = f
        self.size = size
        self.pos = 0
        self._buf = b""
        self._start = 0
        self.items_left = MAX_LOOP_ITEMS
        """Strings/arrays inside arrays that may still be walked one by one."""

    @property
    def left(self) -> int:
        return self.size - self.pos

    def _window(self, n: int) -> int:
        """Make [pos, pos+n) buffered and return its offset in the buffer."""
        if n > self.left:
            raise GGUFError(f"the file ends at byte {self.size} but the header needs {n} bytes at {self.pos}.")
        off = self.pos - self._start
        if off < 0 or off + n > len(self._buf):
            self._f.seek(self.pos)
            self._buf = self._f.read(max(n, _CHUNK))
            self._start = self.pos
            off = 0
            if len(self._buf) < n:
                raise GGUFError("the file became shorter while it was being read.")
        return off

    def unpack(self, fmt: struct.Struct) -> object:
        off = self._window(fmt.size)
        self.pos += fmt.size
        return fmt.unpack_from(self._buf, off)[0]

    def u32(self) -> int:
        value = self.unpack(_U32)
        assert isinstance(value, int)
        return value

    def u64(self) -> int:
        value = self.unpack(_U64)
        assert isinstance(value, int)
        return value

    def take(self, n: int) -> bytes:
        off = self._window(n)
        self.pos += n
        return self._buf[off : off + n]

    def skip(self, n: int, what: str) -> None:
        if n > self.left:
            raise GGUFError(f"{what} claims {n} bytes but only {self.left} remain in the file.")
        self.pos += n

    def skip_strings(self, count: int, what: str) -> None:
        """Step over `count` length-prefixed strings, reading only their lengths (the hot loop)."""
        size, pos = self.size, self.pos
        buf, start = self._buf, self._start
        end = start + len(buf)
        unpack_from = _U64.unpack_from
        for _ in range(count):
            if pos + 8 > end or pos < start:
                self.pos = pos
                self._window(8)
                buf, start = self._buf, self._start
                end = start + len(buf)
            (n,) = unpack_from(buf, pos - start)
            pos += 8 + n
            if pos > size:
                self.pos = pos - n
                raise GGUFError(f"a string in {what} claims {n} bytes, more than the file holds.")
        self.pos = pos


def read_gguf_header(path: str | os.PathLike[str]) -> GGUFHeader:
    """Read and validate a GGUF header (metadata, tensor table, offsets) in bounded time and memory."""
    with open_regular_file(path) as f:
        size = os.fstat(f.fileno()).st_size
        return _parse(_Reader(f, size), Path(path).name)


def _parse(r: _Reader, label: str) -> GGUFHeader:
    if r.size < 24:
        raise GGUFError(f"{label} is too short ({r.size} bytes) to be a GGUF file.")
    if r.take(4) != MAGIC:
        raise GGUFError(f"{label} is not a GGUF file (no GGUF magic number at the start).")
    version = r.u32()
    if version == 1:
        raise GGUFError(f"{label} uses GGUF version 1, which is obsolete and not supported.")
    if version not in (2, 3):
        swapped = struct.unpack("<I", struct.pack(">I", version))[0]
        hint = " (a big-endian file)" if swapped in (2, 3) else ""
        raise GGUFError(f"{label} has unsupported GGUF version {version}{hint}.")
    tensor_count = r.u64()
    kv_count = r.u64()
    # Cheapest possible key/value: 8-byte key length, 1-byte key, 4-byte type, 1-byte value.
    _check_count(kv_count, 14, r, "key/value count")
    metadata: dict[str, Scalar] = {}
    arrays: dict[str, int] = {}
    for _ in range(kv_count):
        key = _read_str(r, MAX_KEY_BYTES, "a metadata key")
        if key in metadata or key in arrays:
            raise GGUFError(f"{label} repeats the metadata key {key!r}.")
        vtype = r.u32()
        if vtype == _ARRAY:
            arrays[key] = _skip_array(r, key, 1)
        else:
            value = _read_value(r, vtype, key)
            if value is not None:
                metadata[key] = value
    alignment = _alignment(metadata, label)
    # Cheapest tensor entry: 8-byte name length, 1-byte name, 4-byte n_dims, 4-byte type, 8-byte offset.
    _check_count(tensor_count, 25, r, "tensor count")
    tensors: list[tuple[int, int, str]] = []
    names: set[str] = set()
    parameters = 0
    for _ in range(tensor_count):
        name, elements, nbytes, offset = _read_tensor_info(r)
        if name in names:
            raise GGUFError(f"{label} lists tensor {name!r} twice.")
        names.add(name)
        if offset % alignment:
            raise GGUFError(f"tensor {name!r} starts at offset {offset}, not a multiple of the alignment {alignment}.")
        parameters += elements
        tensors.append((offset, nbytes, name))
    data_offset = -(-r.pos // alignment) * alignment
    _check_layout(tensors, data_offset, r.size)
    return GGUFHeader(
        version=version,
        tensor_count=tensor_count,
        metadata=MappingProxyType(metadata),
        array_lengths=MappingProxyType(arrays),
        parameter_count=parameters,
        file_size=r.size,
        alignment=alignment,
        data_offset=data_offset,
    )


def _check_count(count: int, min_bytes_each: int, r: _Reader, what: str) -> None:
    if count > MAX_COUNT or count * min_bytes_each > r.left:
        raise GGUFError(f"the header's {what} of {count} is more than the {r.size}-byte file could hold.")


def _read_str(r: _Reader, limit: int, what: str) -> str:
    return _take_str(r, r.u64(), limit, what)


def _take_str(r: _Reader, n: int, limit: int, what: str) -> str:
    if n > r.left:
        raise GGUFError(f"{what} claims {n} bytes but only {r.left} remain in the file.")
    if n > limit:
        raise GGUFError(f"{what} is {n} bytes long, over the {limit}-byte limit.")
    try:
        return r.take(n).decode("utf-8")
    except UnicodeDecodeError:
        raise GGUFError(f"{what} is not valid UTF-8.") from None


def _read_value(r: _Reader, vtype: int, key: str) -> Scalar | None:
    """One scalar value; None for a string too long to keep (it is skipped)."""
    if vtype == _STRING:
        n = r.u64()
        if n > MAX_KEPT_STRING_BYTES:
            r.skip(n, f"the string value of {key!r}")
            return None
        return _take_str(r, n, MAX_KEPT_STRING_BYTES, f"the string value of {key!r}")
    fmt = _FIXED.get(vtype)
    if fmt is None:
        raise GGUFError(f"metadata key {key!r} has unknown value type {vtype}.")
    value = r.unpack(fmt)
    assert isinstance(value, int | float | bool)
    return value


def _skip_array(r: _Reader, key: str, depth: int) -> int:
    """Step over an array value without materializing it; return its element count."""
    if depth > MAX_ARRAY_DEPTH:
        raise GGUFError(f"metadata key {key!r} nests arrays more than {MAX_ARRAY_DEPTH} deep.")
    etype = r.u32()
    count = r.u64()
    fmt = _FIXED.get(etype)
    if fmt is not None:
        if count * fmt.size > r.left:
            raise GGUFError(
                f"array {key!r} claims {count} {_TYPE_NAMES[etype]} values, more than the file holds."
            )
        r.pos += count * fmt.size
        return count
    if etype not in (_STRING, _ARRAY):
        raise GGUFError(f"array {key!r} has unknown element type {etype}.")
    min_each = 8 if etype == _STRING else 12
    if count * min_each > r.left:
        raise GGUFError(f"array {key!r} claims {count} elements, more than the file holds.")
    r.items_left -= count if etype == _STRING else count * 16  # nested arrays cost far more per element
    if r.items_left < 0:
        raise GGUFError(f"the header's arrays hold more than {MAX_LOOP_ITEMS} strings or arrays in all.")
    if etype == _STRING:
        r.skip_strings(count, f"array {key!r}")
    else:
        for _ in range(count):
            _skip_array(r, key, depth + 1)
    return count


def _alignment(metadata: Mapping[str, Scalar], label: str) -> int:
    value = metadata.get("general.alignment", 32)
    if isinstance(value, bool) or not isinstance(value, int):
        raise GGUFError(f"{label} has a general.alignment that is not an integer.")
    if value <= 0 or value & (value - 1) or value > MAX_ALIGNMENT:
        raise GGUFError(f"{label} has general.alignment {value}, which is not a power of two up to {MAX_ALIGNMENT}.")
    return value


def _read_tensor_info(r: _Reader) -> tuple[str, int, int, int]:
    """One tensor table entry -> (name, element count, byte size, data offset)."""
    name = _read_str(r, MAX_TENSOR_NAME_BYTES, "a tensor name")
    n_dims = r.u32()
    if n_dims > MAX_DIMS:
        raise GGUFError(f"tensor {name!r} has {n_dims} dimensions; at most {MAX_DIMS} are allowed.")
    dims = [r.u64() for _ in range(n_dims)]
    elements = 1
    for d in dims:
        elements *= d
        if d >= _INT64_LIMIT or elements >= _INT64_LIMIT:
            raise GGUFError(f"tensor {name!r} has dimensions {dims} whose product overflows 64 bits.")
    ggml_type = r.u32()
    offset = r.u64()
    try:
        block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(ggml_type)]
    except (ValueError, KeyError):
        raise GGUFError(f"tensor {name!r} has unknown ggml type {ggml_type}.") from None
    if dims and dims[0] % block:
        raise GGUFError(f"tensor {name!r} has a first dimension {dims[0]} not divisible by its block size {block}.")
    return name, elements, elements // block * type_size, offset


def _check_layout(tensors: list[tuple[int, int, str]], data_offset: int, size: int) -> None:
    """Every tensor's bytes lie inside the file's data section and no two tensors overlap."""
    previous_end, previous = 0, ""
    for offset, nbytes, name in sorted(tensors):
        if data_offset + offset + nbytes > size:
            raise GGUFError(
                f"tensor {name!r} ends at byte {data_offset + offset + nbytes}, past the end of the "
                f"{size}-byte file (a truncated download?)."
            )
        if offset < previous_end:
            raise GGUFError(f"tensors {previous!r} and {name!r} overlap in the file.")
        previous_end, previous = offset + nbytes, name
