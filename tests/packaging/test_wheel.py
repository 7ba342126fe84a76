"""The wheel works outside the source tree: `pip wheel .`, installed in a fresh venv, finds its assets.

Slow (a build and a venv, about half a minute; the scan of the sample takes minutes on a CPU). The
fresh venv holds only the wheel; its dependencies come from this venv through PYTHONPATH (which,
unlike a site directory, does not run this venv's editable-install hook, so the source tree stays out
of reach), and every command runs from an empty folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """(the fresh venv's bin folder, the environment to run it in, an empty working folder)."""
    tmp = tmp_path_factory.mktemp("wheel")
    # A copy of the source, so the build's folders stay out of the checkout (and out of PYTHONPATH's reach).
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", ".*cache*", "__pycache__", ".venv", ".hypothesis", "tests", "bench"))
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # No build isolation: the build uses this venv's setuptools instead of fetching one.
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp / "dist")], check=True, cwd=src, env=clean, timeout=600)
    wheels = list((tmp / "dist").glob("verbatim-*.whl"))
    assert len(wheels) == 1
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheels[0])],
                   check=True, env=clean, timeout=600)
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"], "QT_QPA_PLATFORM": "offscreen",
           "VERBATIM_CACHE": str(tmp / "cache")}
    work = tmp / "elsewhere"
    work.mkdir()
    return bin_dir, env, work


def _run(installed: tuple[Path, dict[str, str], Path], *args: str, timeout: float = 300) -> str:
    bin_dir, env, work = installed
    out = subprocess.run([*args], cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_installed_wheel_finds_its_assets(installed: tuple[Path, dict[str, str], Path]) -> None:
    bin_dir, _, _ = installed
    assert "scan" in _run(installed, str(bin_dir / "verbatim"), "--help")
    probe = (
        "import json, core, gui.assets\n"
        "from core.evidence.controls import bundled_controls\n"
        "from core.paths import asset_dir\n"
        "print(json.dumps({'core': core.__file__, 'assets': str(asset_dir()), 'controls': len(bundled_controls()),"
        " 'font': str(gui.assets.asset_path('fonts', 'DejaVuSans.ttf')),"
        " 'sample': str(asset_dir('samples', 'genesis-1-3-kjv.txt'))}))\n"
    )
    found = json.loads(_run(installed, str(bin_dir / "python"), "-c", probe))
    venv = bin_dir.parent.resolve()
    for key in ("core", "assets", "font", "sample"):
        assert Path(found[key]).resolve().is_relative_to(venv), (key, found[key])  # not the source tree's
    assert found["controls"] == len(list((ROOT / "assets" / "controls").glob("*.txt")))
    text = _run(installed, str(bin_dir / "verbatim"), "extract", found["sample"])
    assert "In the beginning God created the heaven and the earth." in text


def test_the_installed_wheel_scans_the_sample(installed: tuple[Path, dict[str, str], Path]) -> None:
    """`verbatim scan` on the bundled sample, with its PDF (the bundled fonts); the bundled controls are
    left out only to keep this to minutes (the test above loads them from the installed package)."""
    bin_dir, _, work = installed
    sample = json.loads(_run(installed, str(bin_dir / "python"), "-c",
                             "import json; from core.paths import asset_dir; "
                             "print(json.dumps(str(asset_dir('samples', 'genesis-1-3-kjv.txt'))))"))
    _run(installed, str(bin_dir / "verbatim"), "scan", sample, "--no-bundled-controls", "--json", "result.json",
         "--pdf", "report.pdf", "--quiet", timeout=1800)
    result = json.loads((work / "result.json").read_text(encoding="utf-8"))
    assert result["complete"] and result["manuscript"]["path"] == sample
    assert (work / "report.pdf").read_bytes().startswith(b"%PDF")
