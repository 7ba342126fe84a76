#!/usr/bin/env bash
# Build the Linux one-folder bundle dist/verbatim/ (verbatim-gui + verbatim) with PyInstaller.
#
#   bash packaging/build_linux.sh            # trimmed bundle (what ships)
#   VERBATIM_TRIM=0 bash packaging/build_linux.sh          # untrimmed, to measure what trimming saves
#   VERBATIM_BUNDLE_SMOLLM2=1 bash packaging/build_linux.sh  # also ship the optional SmolLM2 model
#
# Heavy (minutes, GBs of I/O): not part of CI or scripts/test.sh. Needs the project's .venv
# (bash scripts/setup.sh). Prints the build time and the bundle size at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[ -x .venv/bin/python ] || { echo "build_linux.sh: run 'bash scripts/setup.sh' first (no .venv)." >&2; exit 2; }
. .venv/bin/activate
python -m pip install --quiet "pyinstaller>=6.10"
QT_QPA_PLATFORM=offscreen python scripts/make_icons.py >/dev/null
start=$(date +%s)
pyinstaller --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/verbatim.spec
end=$(date +%s)
echo "build time: $((end - start)) s"
echo "bundle size: $(du -sh dist/verbatim | cut -f1) ($(du -sb dist/verbatim | cut -f1) bytes; trim=${VERBATIM_TRIM:-1})"
echo "run: dist/verbatim/verbatim-gui   or   dist/verbatim/verbatim scan FILE --pdf out.pdf"
