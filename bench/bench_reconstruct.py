"""What `--reconstruct` adds to a scan's time: the sample scanned, then reconstructed, with the same model.

On the bundled sample (KJV Genesis 1-3) with the embedded Gemma 3 270M on llama.cpp (CPU): the scan alone
(core.scan.engine, no controls), then the unassisted reconstruction (the default) and the assisted one
(bounded by --assisted-max generated tokens), each timed on its own. The reconstruction runs after the
scan and does not change it, so a scan with --reconstruct takes the scan's time plus the reconstruction's.

    python bench/bench_reconstruct.py [--assisted-max 512] [--out FILE] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.ingest import load_document  # noqa: E402
from core.model.loader import load_backend  # noqa: E402
from core.reconstruct import ReconstructOptions, reconstruct  # noqa: E402
from core.scan.engine import run_scan  # noqa: E402
from core.settings import ScanSettings  # noqa: E402

SAMPLE = REPO / "assets" / "samples" / "genesis-1-3-kjv.txt"


def drain(gen):  # type: ignore[no-untyped-def]
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assisted-max", type=int, default=512)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--json", type=Path, help="also write the scan's result with the unassisted reconstruction")
    args = ap.parse_args()
    settings = ScanSettings(device="cpu")
    backend = load_backend(None, settings, backend="llama.cpp")
    doc = load_document(SAMPLE)
    t = time.perf_counter()
    result = run_scan(doc, backend, settings)
    scan_s = time.perf_counter() - t
    rows = []
    for options in (ReconstructOptions(), ReconstructOptions(assisted=True, max_generated_tokens=args.assisted_max)):
        t = time.perf_counter()
        rec = drain(reconstruct(doc.text, backend, options, doc.locations))
        seconds = time.perf_counter() - t
        rows.append((options, rec, seconds))
    if args.json:
        import dataclasses

        from core.report.jsonio import write_json

        write_json(dataclasses.replace(result, reconstruction=rows[0][1]), args.json)
    load = os.getloadavg()
    lines = [
        f"Model: {backend.info.name} ({backend.info.quantization}, llama.cpp, CPU); manuscript: {SAMPLE.name}, "
        f"{result.manuscript.tokens:,} tokens; machine: {platform.machine()}, {os.cpu_count()} cores, load "
        f"average at the end {load[0]:.1f}.",
        "",
        "| run | generated tokens | verbatim share | near-verbatim share | seconds | vs the scan |",
        "|---|---:|---:|---:|---:|---:|",
        f"| scan alone (no controls) | | | | {scan_s:.1f} | 1.00 |",
    ]
    for options, rec, seconds in rows:
        what = options.mode + ("" if not options.assisted else f", at most {options.max_generated_tokens} tokens"
                               + (" (bound reached)" if not rec["complete"] else ""))
        lines.append(f"| --reconstruct ({what}) | {rec['generated_tokens']:,} | {rec['verbatim_share']:.2%} | "
                     f"{rec['near_verbatim_share']:.2%} | {seconds:.1f} | +{seconds / scan_s:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
