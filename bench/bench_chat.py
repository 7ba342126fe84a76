"""What `--chat` adds to a scan's time: the same loaded model scans a KJV chapter, then runs the chat probes.

One process, one model load; the scan (no controls) and the chat probes are timed separately, with the
answer tokens generated, so the cost can be read per probe and per generated token. Prints a markdown
table row per text (bench/RESULTS-chat.md records them with the machine's state).

    python bench/bench_chat.py [--model smollm2] [--backend auto] [--text Psalms:23 --text Genesis:1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.chatprobe.probes import ChatRequest, run_chat_probes  # noqa: E402
from core.model.loader import load_backend  # noqa: E402
from core.scan.engine import run_scan  # noqa: E402
from core.scan.progress import finish  # noqa: E402
from core.settings import ScanSettings  # noqa: E402
from tests.helpers.docs import document  # noqa: E402
from tests.helpers.texts import kjv_chapter  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--text", action="append", default=[], help="BOOK:CHAPTER of the KJV (repeatable)")
    args = ap.parse_args()
    settings = ScanSettings()
    started = time.perf_counter()
    backend = load_backend(args.model, settings, backend=args.backend)
    print(f"model {backend.info.name} on {backend.info.backend_label}, loaded in {time.perf_counter() - started:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    # The same machine's plain greedy generation speed right now, for scale: 64 tokens after 50 of text.
    ids = backend.tokenize(kjv_chapter("Genesis", 1)).ids[:50]
    t = time.perf_counter()
    backend.generate(ids[None, :], 64)
    print(f"plain generate(): {(time.perf_counter() - t) / 64:.3f} s per token (64 tokens after a 50-token prompt)")
    print("| text | tokens | scan s | probes | answer tokens | chat s | chat / scan | s per answer token |")
    print("|---|---|---|---|---|---|---|---|")
    for spec in args.text or ["Psalms:23"]:
        book, chapter = spec.split(":")
        doc = document(kjv_chapter(book, int(chapter)), f"{book}-{chapter}.txt")
        t = time.perf_counter()
        result = run_scan(doc, backend, settings)
        scan_s = time.perf_counter() - t
        request = ChatRequest(title=f"The Book of {book}, chapter {chapter}", author="the King James Bible")
        t = time.perf_counter()
        probed = finish(run_chat_probes(result, backend, settings, request))
        chat_s = time.perf_counter() - t
        assert probed.chat is not None
        answer = sum(int(p["generated_tokens"]) for p in probed.chat["probes"])
        n = len(probed.chat["probes"])
        print(f"| {book} {chapter} | {result.manuscript.tokens:,} | {scan_s:.1f} | {n} | {answer:,} | {chat_s:.1f} | "
              f"{chat_s / scan_s:.2f} | {chat_s / max(1, answer):.3f} |", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
