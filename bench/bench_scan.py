"""Scan throughput against its limit and against the research scripts' method, in one run.

For each manuscript, on the same model and machine:
  bare forward  model(ids).logits over the same chunks as the triage pass: the limit
  verbatim      the whole scan (triage + confirmation by generation + standard windows + common phrases)
  peer          batched greedy generate() over 50+50 windows at stride 100 (as research scripts do)
  peer batch-1  the same, one window at a time, on a sample of windows
"Covered positions" are manuscript tokens whose verbatim reproduction was tested: every token for a
teacher-forced pass, the 50 suffix tokens of each window for the peers. Medians of --repeats rounds.

With `--backend remote --model http://HOST:PORT` the same runs go through an inference server. For a
server with prompt log-probabilities the limit is scoring the triage chunks through it; a generate-only
server (llama-server, Ollama) has no such limit, and its sweep covers every position in the sense that
every verbatim run of 2c-1 tokens or more is found wherever it lies (the positions it proved one by one
are given beside it).

With `--server-concurrency N` (and a server URL) only the whole scan runs, one request at a time and with
up to N in flight (where the server allows it: core/model/remote/servers.py), in interleaved rounds, and
the table says whether the two found the same passages, token for token. `--max-tokens` cuts each
manuscript to its first tokens (a short run on a loaded machine).

    python bench/bench_scan.py [--model smollm2] [--backend llama.cpp] [--only fresh] [--repeats 3] [--out FILE]
    python bench/bench_scan.py --backend remote --model http://HOST:PORT --server-concurrency 4 --max-tokens 800
    python bench/bench_scan.py --backend llama.cpp --manuscript LONG.txt --skip-peer --repeats 1
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.model.loader import load_backend  # noqa: E402
from core.scan.engine import run_scan  # noqa: E402
from core.scan.sweep import can_score  # noqa: E402
from core.scan.triage import with_bos  # noqa: E402
from core.scan.windows import plan_chunks  # noqa: E402
from core.settings import ScanSettings  # noqa: E402
from tests.helpers import texts  # noqa: E402
from tests.helpers.docs import document  # noqa: E402


def manuscripts() -> dict[str, str]:
    fresh = "\n\n".join(texts.control_texts()[k] for k in ("dialogue_fiction", "essay", "news"))
    return {
        "sample: KJV Genesis 1-3 (memorized in part)": (REPO / "assets/samples/genesis-1-3-kjv.txt").read_text(),
        "fresh prose: 3 control texts (never published)": fresh,
    }


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bare_forward(backend, ids, settings: ScanSettings) -> None:
    chunks = plan_chunks(len(ids), settings.chunk_tokens, settings.overlap_tokens)
    if backend.info.backend.startswith("remote"):
        # The server's own forward pass, echoing the prompt's log-probabilities (no local statistics beyond it).
        for c in chunks:
            backend.score(with_bos(ids[None, c.start : c.end], backend.bos_id), settings.top_k)
        return
    if backend.info.backend == "llama.cpp":
        # llama.cpp's own forward pass with logits for every position, no statistics.
        for c in chunks:
            backend._eval(with_bos(ids[None, c.start : c.end], backend.bos_id)[0])
        return
    with torch.inference_mode():
        for b in range(0, len(chunks), settings.batch_size):
            rows = np.stack([ids[c.start : c.end] for c in chunks[b : b + settings.batch_size]])
            _ = backend.model(input_ids=torch.from_numpy(with_bos(rows, backend.bos_id)), use_cache=False).logits


def peer_windows(n: int) -> list[int]:
    return list(range(50, n - 50 + 1, 100))


def peer(backend, ids, starts: list[int], batch: int) -> None:
    for i in range(0, len(starts), batch):
        prompts = np.stack([ids[s - 50 : s] for s in starts[i : i + batch]])
        backend.generate(with_bos(prompts, backend.bos_id), 50)


def passages_of(result) -> list[tuple[int, int, int, str]]:
    return [(p.start_token, p.end_token, p.verbatim_tokens, p.generated) for p in result.passages]


def server_concurrency(args, settings: ScanSettings, chosen: dict[str, str], lines: list[str]) -> None:
    """Whole scans one request at a time and with up to N in flight: seconds, speed-up, same passages."""
    one = load_backend(args.model, settings, backend="remote")
    many = load_backend(args.model, replace(settings, server_concurrency=args.server_concurrency), backend="remote")
    server = many.decoding["server"]
    lines[0] += f"; server: {server}"
    if many.concurrency_note:
        lines.append(f"Note: {many.concurrency_note}")
    lines[2:4] = ["| manuscript | tokens | requests in flight | seconds | tokens/s | speed-up | same passages |",
                  "|---|---:|---:|---:|---:|---:|---|"]
    for name, text in chosen.items():
        n = len(one.tokenize(text).ids)
        seq, par, found = [], [], {}
        for _ in range(args.repeats):  # interleaved, so load from other jobs hits both alike
            for backend, times in ((one, seq), (many, par)):
                t = time.perf_counter()
                found[backend] = run_scan(document(text), backend, settings)
                times.append(time.perf_counter() - t)
        seq_s, par_s = statistics.median(seq), statistics.median(par)
        same = passages_of(found[one]) == passages_of(found[many]) and found[one].summary == found[many].summary
        lines += [
            f"| {name} | {n} | 1 | {seq_s:.2f} | {n / seq_s:,.1f} | 1.00x | |",
            f"| | | {server['requests_in_flight']} | {par_s:.2f} | {n / par_s:,.1f} | {seq_s / par_s:.2f}x | "
            f"{'yes' if same else 'NO'} ({len(found[one].passages)} passages) |",
        ]
        print("\n".join(lines[-2:]), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peer-batch", type=int, default=8)
    ap.add_argument("--backend", default="transformers", choices=("transformers", "llama.cpp", "remote"))
    ap.add_argument("--only", choices=("sample", "fresh"), help="one manuscript instead of both")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--server-concurrency", type=int, help="through a server: compare 1 and N requests in flight")
    ap.add_argument("--max-tokens", type=int, help="cut each manuscript to about its first N tokens")
    ap.add_argument("--manuscript", type=Path, action="append",
                    help="scan this text file instead of the two built-in manuscripts (repeatable)")
    ap.add_argument("--skip-peer", action="store_true",
                    help="bare forward and the whole scan only (a long manuscript; the peer's windows take long)")
    ap.add_argument("--no-near-verbatim", action="store_true",
                    help="scan without the near-verbatim measurement (its replays' cost, by difference)")
    args = ap.parse_args()
    settings = ScanSettings(device="cpu", common_phrase_check=True, near_verbatim=not args.no_near_verbatim)
    backend = load_backend(args.model, settings, backend=args.backend)
    lines = [
        f"Model: {backend.info.name} ({backend.info.quantization or backend.info.format}, {backend.info.backend_label}, "
        f"{backend.info.dtype} on {backend.info.device}); torch threads {torch.get_num_threads()}; "
        f"machine: {platform.machine()}, {platform.platform()}; medians of {args.repeats} interleaved rounds",
        "",
        "| manuscript | tokens | method | covered positions | seconds | covered positions/s | ratio |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    chosen = {k: v for k, v in manuscripts().items() if args.only is None or k.startswith(args.only)}
    if args.manuscript:
        chosen = {path.name: path.read_text(encoding="utf-8") for path in args.manuscript}
    if args.max_tokens:
        chosen = {f"{k} (first {args.max_tokens} tokens)": backend.decode(backend.tokenize(v).ids[: args.max_tokens])
                  for k, v in chosen.items()}
    if args.server_concurrency:
        server_concurrency(args, settings, chosen, lines)
        chosen = {}
    for name, text in chosen.items():
        ids = backend.tokenize(text).ids
        n = len(ids)
        starts = peer_windows(n)
        sample = starts[:8]
        # Rounds interleave the methods, so load from other jobs on this shared machine hits all alike.
        fwd, scans, peers, results = [], [], [], []
        limit = can_score(backend)  # a generate-only server has no forward pass to compare with
        for _ in range(args.repeats):
            if limit:
                fwd.append(timed(lambda ids=ids: bare_forward(backend, ids, settings), 1))
            scans.append(timed(lambda text=text, results=results: results.append(
                run_scan(document(text), backend, settings)), 1))
            if not args.skip_peer:
                peers.append(timed(lambda ids=ids, starts=starts: peer(backend, ids, starts, args.peer_batch), 1))
        scan_s = statistics.median(scans)
        r = results[-1]
        timings = r.provenance["timings"]
        confirm = r.provenance.get("confirmation", {})
        stages = (f"(last scan's stages, s: triage {timings['triage_s']}, confirm {timings['confirm_s']}, "
                  f"generate() replay {timings.get('generate_s', 0)}, common phrases {timings['common_phrase_s']}; "
                  f"{r.summary.candidates} candidates, {confirm.get('full_windows', '-')} full windows after "
                  f"the short draft, {r.summary.confirmed} confirmed, "
                  f"{confirm.get('generate_replays', 0)} replayed with generate(), "
                  f"{confirm.get('generate_disagreements', 0)} disagreements; peak resident memory of this "
                  f"process so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB)")
        if args.skip_peer and limit:
            fwd_s = statistics.median(fwd)
            lines += [
                f"| {name} | {n} | bare forward (limit) | {n} | {fwd_s:.2f} | {n / fwd_s:,.0f} | 1.00 of limit |",
                f"| | | **Verbatim whole scan** | {n} | {scan_s:.2f} | {n / scan_s:,.0f} | "
                f"**{fwd_s / scan_s:.2f} of limit** |",
                f"| | | {stages} | | | | |",
            ]
            print("\n".join(lines[-3:]), flush=True)
            continue
        peer_s = statistics.median(peers)
        peer1_s = timed(lambda ids=ids, sample=sample: peer(backend, ids, sample, 1), 1)
        scan_rate = n / scan_s
        peer_rate = 50 * len(starts) / peer_s
        peer1_rate = 50 * len(sample) / peer1_s
        if limit:
            fwd_s = statistics.median(fwd)
            fwd_rate = n / fwd_s
            lines += [
                f"| {name} | {n} | bare forward (limit) | {n} | {fwd_s:.2f} | {fwd_rate:,.0f} | 1.00 of limit |",
                f"| | | **Verbatim whole scan** | {n} | {scan_s:.2f} | {scan_rate:,.0f} | "
                f"**{scan_rate / fwd_rate:.2f} of limit, {scan_rate / peer_rate:.1f}x peer** |",
            ]
        else:
            c = settings.thresholds.candidate_run_tokens
            lines += [
                f"| {name} | {n} | bare forward (limit) | - | - | - | not available: generate-only server |",
                f"| | | **Verbatim whole scan, generate-only sweep** (runs of {2 * c - 1}+ tokens found anywhere; "
                f"{r.positions_scored:,} positions proven one by one) | {n} | {scan_s:.2f} | {scan_rate:,.0f} | "
                f"**{scan_rate / peer_rate:.1f}x peer** |",
            ]
        lines += [
            f"| | | peer: batched generate, 50+50 stride 100, batch {args.peer_batch} | {50 * len(starts)} | "
            f"{peer_s:.2f} | {peer_rate:,.0f} | 1.0x |",
            f"| | | peer: batch-1 generate (sample of {len(sample)} windows) | {50 * len(sample)} | {peer1_s:.2f} | "
            f"{peer1_rate:,.0f} | {peer1_rate / peer_rate:.2f}x |",
            f"| | | {stages} | | | | |",
        ]
        print("\n".join(lines[-5:]), flush=True)
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
