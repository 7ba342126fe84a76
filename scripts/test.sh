#!/usr/bin/env bash
# Set up, then run every test (the real-model tests included) headless.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export QT_QPA_PLATFORM=offscreen
lint-imports
ruff check .
python -m pytest "$@"
