"""core.paths: one cache root for models and controls, and the bundled assets found from the checkout."""

from __future__ import annotations

from pathlib import Path

from core.paths import MANUSCRIPT_SUFFIXES, asset_dir, cache_root, controls_cache, models_cache

ROOT = Path(__file__).resolve().parents[2]


def test_models_and_controls_share_the_cache_root(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VERBATIM_CACHE", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"
    assert models_cache() == tmp_path / "mine" / "models" and controls_cache() == tmp_path / "mine" / "controls"
    monkeypatch.delenv("VERBATIM_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert models_cache() == tmp_path / "xdg" / "verbatim" / "models"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert controls_cache() == tmp_path / "home" / ".cache" / "verbatim" / "controls"


def test_assets_and_suffixes() -> None:
    assert asset_dir() == ROOT / "assets"
    assert asset_dir("samples", "genesis-1-3-kjv.txt").is_file()
    assert all(s.startswith(".") and s == s.lower() for s in MANUSCRIPT_SUFFIXES)
    assert len(set(MANUSCRIPT_SUFFIXES)) == len(MANUSCRIPT_SUFFIXES)
