"""What a step-by-step generate() costs per token with more rows per step (the replays' batch size).

Each step of greedy decoding reads all the model's weights (Gemma's 262k-row output head included) for one
token per row, so on a CPU a step costs nearly as much with few rows as with many. This times 80 steps
from 50-token KJV prompts at several row counts, in one run, beside one teacher-forced pass over the same
rows (the cost per drafted position of the one-pass verification), and checks that rows come out the same
whatever batch they were in.

    python bench/bench_replay_rows.py [--model smollm2] [--rows 16 48 64]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.model.loader import load_backend  # noqa: E402
from core.scan.triage import with_bos  # noqa: E402
from core.settings import ScanSettings  # noqa: E402

PROMPT, NEW = 50, 80


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--rows", type=int, nargs="+", default=[16, 48, 64])
    args = ap.parse_args()
    backend = load_backend(args.model, ScanSettings(device="cpu"))
    ids = backend.tokenize((REPO / "assets/samples/genesis-1-3-kjv.txt").read_text(encoding="utf-8")).ids
    stride = max(1, (len(ids) - PROMPT - NEW) // max(args.rows))
    print(f"Model: {backend.info.name} ({backend.info.dtype} on {backend.info.device}); {NEW} steps from "
          f"{PROMPT}-token prompts of KJV Genesis 1-3\n")
    print("| rows per step | generate() s | ms per generated token | one-pass verification ms per position |")
    print("|---:|---:|---:|---:|")
    first: np.ndarray | None = None
    for rows in args.rows:
        starts = [i * stride for i in range(rows)]
        prompts = with_bos(np.stack([ids[s : s + PROMPT] for s in starts]), backend.bos_id)
        drafted = with_bos(np.stack([ids[s : s + PROMPT + NEW] for s in starts]), backend.bos_id)
        t = time.perf_counter()
        out = backend.generate(prompts, NEW)
        gen_s = time.perf_counter() - t
        t = time.perf_counter()
        backend.score(drafted, 40, PROMPT - (0 if backend.bos_id is not None else 1))
        score_s = time.perf_counter() - t
        if first is None:
            first = out
        same = bool((out[: first.shape[0]] == first).all())
        print(f"| {rows} | {gen_s:.2f} | {gen_s / (rows * NEW) * 1000:.1f} | {score_s / (rows * NEW) * 1000:.1f} |"
              + ("" if same else " rows differ from the first batch's!"))


if __name__ == "__main__":
    main()
