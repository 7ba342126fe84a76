"""Find the models already on this computer, and resolve --model to one: embedded defaults, then other apps'.

Embedded models come from core.model.embedded, the other apps' folders from core.model.sources, and each
candidate becomes a checked entry through core.model.entries; a bad or unreadable candidate is skipped
and described in `Discovery.problems` instead of breaking the listing. `resolve_model` is the one place
that says which model a --model argument means.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.model.embedded import (
    GEMMA_FILE,
    GEMMA_NAME,
    SMOLLM2_FILE,
    SMOLLM2_NAME,
    embedded_gemma,
    embedded_gemma_path,
    embedded_smollm2,
    embedded_smollm2_path,
)
from core.model.entries import ModelEntry, entry_for_path, format_model_table, human_bytes, human_count
from core.model.sources import SOURCES, find_ollama_model, problem, verify_ollama_blob

__all__ = [  # the names the CLI, the GUI and the packaging specs import from here
    "GEMMA_FILE", "GEMMA_NAME", "SMOLLM2_FILE", "SMOLLM2_NAME", "Discovery", "ModelEntry", "discover_models",
    "embedded_gemma_path", "embedded_smollm2_path", "entry_for_path", "find_models", "find_ollama_model",
    "format_model_table", "human_bytes", "human_count", "resolve_model", "verify_ollama_blob",
]


@dataclass(frozen=True)
class Discovery:
    """What discovery found, and one sentence for each candidate it skipped."""

    entries: tuple[ModelEntry, ...]
    problems: tuple[str, ...]


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
    seen: set[Path] = {e.path.resolve() for e in entries}
    for candidates in SOURCES:
        try:
            for path, source, name, digest in candidates(home_path, environ, problems):
                try:
                    entry = entry_for_path(path, source, name, digest)
                except (OSError, ValueError) as e:
                    problems.append(problem(path, e))
                    continue
                if entry.architecture == "clip":  # a vision projector, not a language model
                    continue
                key = entry.path.resolve()
                if key not in seen:
                    seen.add(key)
                    entries.append(entry)
        except OSError as e:
            problems.append(f"{candidates.__name__.removesuffix('_candidates')}: {e}")
    return Discovery(tuple(entries), tuple(problems))


def discover_models(home: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
                    include_embedded: bool = True) -> list[ModelEntry]:
    """The models `verbatim models` lists, embedded defaults first (see find_models for the skipped ones)."""
    return list(find_models(home, env, include_embedded).entries)


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
