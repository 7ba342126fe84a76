"""The built Linux bundle (dist/verbatim from packaging/build_linux.sh): skipped when it is absent.

Building takes many minutes, so neither CI nor scripts/test.sh builds it; run these after a build.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Path(os.environ.get("VERBATIM_BUNDLE", ROOT / "dist" / "verbatim"))

pytestmark = pytest.mark.skipif(
    not (BUNDLE / "verbatim-gui").is_file(), reason=f"no built bundle at {BUNDLE} (packaging/build_linux.sh)"
)


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A new user's environment: an empty home, offscreen, nothing from this venv."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CONFIG_HOME": str(home / "cfg"),
            "XDG_CACHE_HOME": str(home / "cache"), "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8", **extra}


def test_bundle_ships_the_default_model_and_assets() -> None:
    internal = BUNDLE / "_internal"
    assert (internal / "models" / "gemma-3-270m-q4_k_m.gguf").stat().st_size > 200_000_000
    for part in ("assets/samples/genesis-1-3-kjv.txt", "assets/fonts/DejaVuSans.ttf",
                 "assets/controls/contract.txt", "assets/icons/verbatim-256.png"):
        assert (internal / part).is_file(), part


def test_bundled_gui_shows_its_window(tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    out = subprocess.run([str(BUNDLE / "verbatim-gui")], env=_clean_env(tmp_path, VERBATIM_SMOKE_SCREENSHOT=str(shot)),
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert shot.stat().st_size > 1000


def test_bundled_cli_finds_its_embedded_model(tmp_path: Path) -> None:
    out = subprocess.run([str(BUNDLE / "verbatim"), "models"], env=_clean_env(tmp_path), cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "gemma-3-270m (embedded default)" in out.stdout
    assert str(BUNDLE / "_internal" / "models") in out.stdout


@pytest.mark.slow
def test_smoke_script_scans_the_sample_to_pdf(tmp_path: Path) -> None:
    out = subprocess.run(["bash", str(ROOT / "packaging" / "smoke_test.sh"), str(BUNDLE), str(tmp_path)],
                         capture_output=True, text=True, timeout=1500)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "sample.pdf").read_bytes()[:4] == b"%PDF"
