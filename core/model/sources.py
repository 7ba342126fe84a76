"""Where other apps keep models on this computer: Hugging Face's cache, LM Studio, Ollama and GPT4All.

Each source yields candidates (path, source, name, expected SHA-256) and writes a sentence for anything it
cannot read; core.model.discovery turns candidates into checked entries. The other apps' folders follow
their own environment variables (HF_HUB_CACHE, HF_HOME, OLLAMA_MODELS, XDG_*), looked up in one small
function per app.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from core.model.entries import hf_snapshot
from core.model.safety import UnsafeModelError, sha256_file

OLLAMA_MODEL_MEDIA_TYPE = "application/vnd.ollama.image.model"
_MAX_MANIFEST_BYTES = 1 << 20
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


Candidate = tuple[Path, str, str, str | None]
"""(path, source, name, expected sha256)"""


def problem(path: Path, error: Exception) -> str:
    """One line for a skipped candidate, naming its path once."""
    text = str(error)
    return text if str(path) in text else f"{path}: {text}"


def hf_hub_dir(home: Path, env: Mapping[str, str]) -> Path:
    """Where huggingface_hub keeps downloads: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub."""
    if env.get("HF_HUB_CACHE"):
        return Path(env["HF_HUB_CACHE"]).expanduser()
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]).expanduser() / "hub"
    cache = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else home / ".cache"
    return cache / "huggingface" / "hub"


def hf_candidates(home: Path, env: Mapping[str, str], problems: list[str]) -> Iterator[Candidate]:
    """Each cached repository's current snapshot: its safetensors folder and its GGUF files (no projectors)."""
    hub = hf_hub_dir(home, env)
    if not hub.is_dir():
        return
    for repo in sorted(hub.glob("models--*")):
        repo_name = repo.name.removeprefix("models--").replace("--", "/", 1)
        snapshot = hf_snapshot(repo)
        if snapshot is None:
            continue
        if (snapshot / "config.json").exists() and any(snapshot.glob("*.safetensors")):
            yield snapshot, "hf-cache", repo_name, None
        for gguf in sorted(snapshot.glob("*.gguf")) + sorted(snapshot.glob("*/*.gguf")):
            if not gguf.name.lower().startswith("mmproj"):
                yield gguf, "hf-cache", f"{repo_name}/{gguf.relative_to(snapshot).as_posix()}", None


def lmstudio_candidates(home: Path, env: Mapping[str, str], problems: list[str]) -> Iterator[Candidate]:
    """LM Studio's GGUF files (publisher/model/file.gguf), in its current and its older folder."""
    for root in (home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"):
        if root.is_dir():
            for gguf in sorted(root.glob("*/*/*.gguf")):
                if not gguf.name.lower().startswith("mmproj"):
                    yield gguf, "lm-studio", f"{gguf.parent.parent.name}/{gguf.stem}", None


def ollama_dir(home: Path, env: Mapping[str, str]) -> Path:
    """Ollama's model store: $OLLAMA_MODELS, else ~/.ollama/models."""
    return Path(env["OLLAMA_MODELS"]).expanduser() if env.get("OLLAMA_MODELS") else home / ".ollama" / "models"


def ollama_candidates(home: Path, env: Mapping[str, str], problems: list[str]) -> Iterator[Candidate]:
    """The model blob each Ollama manifest names, with the digest the blob must have."""
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
            problems.append(problem(manifest, e))
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
    for blob, _, listed, digest in ollama_candidates(home_path, os.environ if env is None else env, problems):
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


def gpt4all_candidates(home: Path, env: Mapping[str, str], problems: list[str]) -> Iterator[Candidate]:
    """GPT4All's GGUF files, in its data folder on Linux, macOS and Windows."""
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


Source = Callable[[Path, Mapping[str, str], list[str]], Iterator[Candidate]]
SOURCES: tuple[Source, ...] = (hf_candidates, lmstudio_candidates, ollama_candidates, gpt4all_candidates)
"""Every source, in the order their models are listed."""
