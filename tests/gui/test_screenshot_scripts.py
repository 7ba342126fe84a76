"""The README's pictures come from real scans only: the fake-backend layout script refuses docs/."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_layout_shots_from_the_fake_never_go_into_docs(tmp_path):
    before = {p: p.stat().st_mtime_ns for p in (ROOT / "docs" / "screenshots").glob("*.png")}
    done = subprocess.run([sys.executable, "scripts/screenshots.py", "--out", "docs/screenshots"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={"QT_QPA_PLATFORM": "offscreen",
                                                                            "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert "docs/ takes real scans only" in done.stderr
    assert {p: p.stat().st_mtime_ns for p in (ROOT / "docs" / "screenshots").glob("*.png")} == before
