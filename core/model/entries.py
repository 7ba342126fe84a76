"""One model file or folder -> a ModelEntry: checked for safety, its header read, described for the lists.

Every entry passes core.model.safety before it exists, so whatever the user picks from a list is safe to
hand to a loader. A GGUF's entry is cached on its path, size, mtime and inode, so listing the same models
again costs a stat each. `format_model_table` is how `verbatim models` prints entries.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.model.gguf import read_gguf_header
from core.model.safety import UnsafeModelError, check_model_path, read_safetensors_header


@dataclass(frozen=True)
class ModelEntry:
    """One model Verbatim can load, as listed by `verbatim models` and the GUI's model picker."""

    name: str
    path: Path
    """The GGUF file, or the folder holding config.json and the safetensors weights."""
    format: str
    """"gguf" or "safetensors"."""
    size_bytes: int
    parameters: int | None
    quantization: str | None
    """GGUF file type (Q4_K_M, ...), or the main safetensors dtype (BF16, ...) or quantization method."""
    source: str
    """"embedded", "hf-cache", "lm-studio", "ollama", "gpt4all" or "path"."""
    architecture: str | None = None
    expected_sha256: str | None = None
    """The hash this file must have (Ollama blob name, embedded model's published hash), if known."""


def entry_for_path(path: str | os.PathLike[str], source: str = "path", name: str | None = None,
                   expected_sha256: str | None = None) -> ModelEntry:
    """Check a model file or folder for safety and describe it; raises UnsafeModelError (a ValueError)."""
    p = Path(path).expanduser()
    if p.is_dir() and (p / "snapshots").is_dir():
        p = hf_snapshot(p) or p  # a Hugging Face cache repository folder: use its current snapshot
    if p.suffix.lower() == ".safetensors" and not p.is_dir():
        p = p.parent
    if p.is_dir():
        ggufs = sorted(p.glob("*.gguf"))
        if not any(p.glob("*.safetensors")) and len(ggufs) == 1:
            p = ggufs[0]
    if p.is_dir():
        check_model_path(p)
        return _safetensors_entry(p, source, name)
    st = os.stat(p)
    return _gguf_entry(str(p.absolute()), st.st_size, st.st_mtime_ns, st.st_ino, source, name, expected_sha256)


@lru_cache(maxsize=512)
def _gguf_entry(path: str, size: int, mtime_ns: int, inode: int, source: str, name: str | None,
                expected_sha256: str | None) -> ModelEntry:
    """A GGUF file's entry, cached on (path, size, mtime, inode) so repeated discovery costs a stat."""
    p = Path(path)
    check_model_path(p)
    header = read_gguf_header(p)
    return ModelEntry(
        name=name or p.stem,
        path=p,
        format="gguf",
        size_bytes=size,
        parameters=header.parameter_count,
        quantization=header.quantization,
        source=source,
        architecture=header.architecture,
        expected_sha256=expected_sha256,
    )


def _safetensors_entry(folder: Path, source: str, name: str | None) -> ModelEntry:
    shards = sorted(folder.glob("*.safetensors"))
    if not shards:
        raise UnsafeModelError(f"{folder} holds several GGUF files; choose one of them.")
    infos = [read_safetensors_header(f) for f in shards]
    config = _read_config(folder / "config.json")
    quant = config.get("quantization_config")
    method = quant.get("quant_method") if isinstance(quant, dict) else None
    dtypes: dict[str, int] = {}
    for info in infos:
        for dtype, n in info.elements_by_dtype.items():
            dtypes[dtype] = dtypes.get(dtype, 0) + n
    archs, model_type = config.get("architectures"), config.get("model_type")
    return ModelEntry(
        name=name or folder.name,
        path=folder,
        format="safetensors",
        size_bytes=sum(f.stat().st_size for f in shards),
        parameters=sum(i.parameter_count for i in infos),
        quantization=str(method) if method else max(dtypes, key=lambda d: dtypes[d], default=None),
        source=source,
        architecture=str(archs[0]) if isinstance(archs, list) and archs else _str_or_none(model_type),
    )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _read_config(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_bytes()) if path.is_file() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def hf_snapshot(repo: Path) -> Path | None:
    """The snapshot refs/main points to, else the most recently written one."""
    try:
        rev = (repo / "refs" / "main").read_text(encoding="ascii").strip()
        if rev and (repo / "snapshots" / rev).is_dir() and "/" not in rev and ".." not in rev:
            return repo / "snapshots" / rev
    except (OSError, UnicodeDecodeError):
        pass
    snapshots = [s for s in (repo / "snapshots").iterdir() if s.is_dir()] if (repo / "snapshots").is_dir() else []
    return max(snapshots, key=lambda s: s.stat().st_mtime, default=None)


# -- listing ---------------------------------------------------------------------------------------

def format_model_table(entries: Sequence[ModelEntry], problems: Sequence[str] = ()) -> str:
    """`verbatim models` output: a header, then one model a line; skipped candidates after."""
    if not entries:
        lines = ["No models found."]
    else:
        rows = [("NAME", "FORMAT", "SIZE", "PARAMS", "QUANT", "PATH")]
        rows += [(e.name, e.format, human_bytes(e.size_bytes), human_count(e.parameters),
                  e.quantization or "-", str(e.path)) for e in entries]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = ["  ".join([c.ljust(w) for c, w in zip(r[:5], widths, strict=True)] + [r[5]]) for r in rows]
    if problems:
        lines += ["", f"Skipped {len(problems)}:"] + [f"  {p}" for p in problems]
    return "\n".join(lines)


def human_bytes(n: int) -> str:
    """253113024 -> "253 MB"."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{n} B"


def human_count(n: int | None) -> str:
    """268098176 -> "268M"; None -> "-"."""
    if n is None:
        return "-"
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return str(n)
