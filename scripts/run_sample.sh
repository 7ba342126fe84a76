#!/usr/bin/env bash
# Set up, then scan the bundled public-domain sample (KJV Genesis 1-3) with the embedded default model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
mkdir -p out
verbatim scan assets/samples/genesis-1-3-kjv.txt --json out/sample.json --pdf out/sample.pdf
