"""Where Verbatim keeps things: the cache folders, the bundled assets, the manuscript suffixes.

One source for each: the converted-model cache and the control-result cache both live under
`cache_root()` ($VERBATIM_CACHE when set, else $XDG_CACHE_HOME/verbatim, else ~/.cache/verbatim);
`asset_dir()` finds assets/ both in a source checkout and in an installed wheel (where it is the
package `verbatim_assets`, mapped from assets/ by pyproject.toml); `MANUSCRIPT_SUFFIXES` lists the
files a folder scan, the match command and the GUI's file dialogs accept.
"""

from __future__ import annotations

import os
from pathlib import Path

MANUSCRIPT_SUFFIXES: tuple[str, ...] = (
    ".txt", ".md", ".markdown", ".docx", ".pdf", ".epub", ".odt", ".rtf", ".html", ".htm",
)
"""File suffixes read as manuscripts (lower case, with the dot), in the order dialogs list them."""

ASSETS_PACKAGE = "verbatim_assets"
"""The name assets/ is installed under (pyproject.toml's package-dir)."""


def cache_root() -> Path:
    """Verbatim's cache folder: $VERBATIM_CACHE, else $XDG_CACHE_HOME/verbatim, else ~/.cache/verbatim."""
    env = os.environ.get("VERBATIM_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "verbatim"


def models_cache() -> Path:
    """Where GGUF models converted for transformers are kept (under cache_root())."""
    return cache_root() / "models"


def controls_cache() -> Path:
    """Where the bundled controls' scan results are kept, per model and settings (under cache_root())."""
    return cache_root() / "controls"


def asset_dir(*parts: str) -> Path:
    """The bundled assets folder (or a path inside it): the source checkout's, else the installed one.

    Does not check that the path exists; callers say what is missing in their own words.
    """
    # A checkout (or a PyInstaller bundle) has assets/ beside core/; checked by its contents, since an
    # unrelated package may have left a folder of that name in site-packages.
    source = Path(__file__).resolve().parents[1] / "assets"
    if (source / "controls").is_dir():
        return source.joinpath(*parts)
    import importlib.util

    spec = importlib.util.find_spec(ASSETS_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    return source.joinpath(*parts)
