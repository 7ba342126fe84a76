#!/usr/bin/env bash
# Set up, then run every test (the real-model tests included) headless.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
# The native GGUF backend is tested too: llama-cpp-python builds from source once (about 9 minutes on
# an idle 2-core machine; pip keeps the wheel, so later runs take seconds).
python -m pip install -q -e ".[native]"
export QT_QPA_PLATFORM=offscreen
lint-imports
ruff check .
python -m pytest "$@"
