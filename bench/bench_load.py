"""Model load times: the first load of a GGUF with transformers (dequantize + cache) vs later loads.

Uses a fresh cache folder, so the first load really converts. Each load runs in its own process, as a
user's would. Prints seconds and peak memory; medians of --repeats for the cached load.

    python bench/bench_load.py [--model default] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, sys, time
t = time.perf_counter()
from core.model.loader import load_backend
b = load_backend(sys.argv[1] if sys.argv[1] != 'default' else None, backend=sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t, "internal": b.load_seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "name": b.info.name}))
"""


def load_once(model: str, backend: str, cache: str) -> dict:
    env = {**os.environ, "VERBATIM_CACHE": cache}
    out = subprocess.run([sys.executable, "-c", CHILD, model, backend], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="default")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        first = load_once(args.model, "transformers", cache)
        later = [load_once(args.model, "transformers", cache) for _ in range(args.repeats)]
    print(f"model: {first['name']}")
    print(f"transformers, first load (dequantize GGUF, write cache): {first['seconds']:.1f} s "
          f"(peak {first['peak_mb']:.0f} MB)")
    med = statistics.median(r["seconds"] for r in later)
    print(f"transformers, cached load, median of {args.repeats}: {med:.1f} s "
          f"(of which model load {statistics.median(r['internal'] for r in later):.1f} s; "
          f"peak {max(r['peak_mb'] for r in later):.0f} MB)")
    try:
        native = [load_once(args.model, "llama.cpp", "/nonexistent") for _ in range(args.repeats)]
        print(f"llama.cpp, median of {args.repeats}: {statistics.median(r['seconds'] for r in native):.1f} s "
              f"(peak {max(r['peak_mb'] for r in native):.0f} MB)")
    except subprocess.CalledProcessError as exc:
        print(f"llama.cpp: not available ({exc.stderr.strip().splitlines()[-1] if exc.stderr else exc})")


if __name__ == "__main__":
    main()
