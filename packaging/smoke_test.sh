#!/usr/bin/env bash
# Smoke test of the built bundle (default dist/verbatim, from packaging/build_linux.sh), as a new user
# would meet it: an empty home (no settings, no model cache), no network variables, run from another
# folder, headless.
#   1. verbatim-gui shows its window offscreen, takes a screenshot and exits (VERBATIM_SMOKE_SCREENSHOT);
#   2. verbatim scan <bundled sample> --pdf writes a PDF (starts with %PDF) with the bundled Gemma model.
# Exit status 0 only if both pass. Usage: bash packaging/smoke_test.sh [BUNDLE_DIR] [OUT_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUNDLE="$(cd "${1:-$ROOT/dist/verbatim}" && pwd)"
OUT="${2:-$(mktemp -d)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
[ -x "$BUNDLE/verbatim-gui" ] && [ -x "$BUNDLE/verbatim" ] || {
  echo "smoke_test.sh: no bundle at $BUNDLE; build it with packaging/build_linux.sh" >&2; exit 2; }

FAKE_HOME="$(mktemp -d)"
trap 'rm -rf "$FAKE_HOME"' EXIT
run() {  # a clean environment: only PATH, the fake home and the offscreen platform
  env -i PATH=/usr/bin:/bin HOME="$FAKE_HOME" XDG_CONFIG_HOME="$FAKE_HOME/.config" \
    XDG_CACHE_HOME="$FAKE_HOME/.cache" XDG_DATA_HOME="$FAKE_HOME/.local/share" \
    QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 LANG=C.UTF-8 "$@"
}
cd "$FAKE_HOME"

echo "== 1. GUI window (offscreen)"
rm -f "$OUT/window.png"
t0=$(date +%s.%N)
run VERBATIM_SMOKE_SCREENSHOT="$OUT/window.png" timeout 120 "$BUNDLE/verbatim-gui"
t1=$(date +%s.%N)
[ -s "$OUT/window.png" ] || { echo "FAIL: the GUI did not save a screenshot" >&2; exit 1; }
echo "ok: window shown and saved to $OUT/window.png ($(python3 -c "print(f'{$t1-$t0:.2f}')") s start to exit)"

echo "== 2. CLI scan of the bundled sample to PDF"
SAMPLE="$BUNDLE/_internal/assets/samples/genesis-1-3-kjv.txt"
[ -f "$SAMPLE" ] || { echo "FAIL: the bundled sample $SAMPLE is missing" >&2; exit 1; }
rm -f "$OUT/sample.pdf" "$OUT/sample.json"
t0=$(date +%s)
run timeout 1200 "$BUNDLE/verbatim" scan "$SAMPLE" --pdf "$OUT/sample.pdf" --json "$OUT/sample.json" --quiet
t1=$(date +%s)
[ -s "$OUT/sample.pdf" ] || { echo "FAIL: no PDF written" >&2; exit 1; }
[ "$(head -c 4 "$OUT/sample.pdf")" = "%PDF" ] || { echo "FAIL: $OUT/sample.pdf is not a PDF" >&2; exit 1; }
echo "ok: $OUT/sample.pdf ($(stat -c %s "$OUT/sample.pdf") bytes) in $((t1 - t0)) s"
python3 - "$OUT/sample.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = d["model"]
print(f"   verdict {d['summary']['verdict']}; model {m['name']} ({m.get('format')}, {m.get('backend', '?')}) at {m['path']}")
PY
echo "smoke test passed"
