"""Measure what the verdict thresholds are chosen from: seen texts vs never-published texts.

Runs the full scan (triage + confirmation) on public-domain texts a model has surely seen (KJV,
Shakespeare, the MIT licence) and on the bundled controls and a test story written for Verbatim.
Prints a markdown table; the figures behind the README's thresholds are kept in
bench/RESULTS-calibration.md.

    python bench/calibrate.py [--model smollm2] [--out bench/RESULTS-calibration.md]
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.ingest import Document  # noqa: E402
from core.model.loader import load_backend  # noqa: E402
from core.scan.engine import run_scan  # noqa: E402
from core.settings import ScanSettings  # noqa: E402
from tests.helpers import texts  # noqa: E402


def seen_texts() -> dict[str, str]:
    return {
        "KJV Genesis 1": texts.kjv_chapter("Genesis", 1),
        "KJV Psalm 23": texts.kjv_chapter("Psalms", 23),
        "KJV John 1": texts.kjv_chapter("John", 1),
        "KJV Matthew 6": texts.kjv_chapter("Matthew", 6),
        "KJV 1 Corinthians 13": texts.kjv_chapter("1 Corinthians", 13),
        "Hamlet III.1": texts.shakespeare_scene("hamlet", "III", "I"),
        "Romeo and Juliet II.2": texts.shakespeare_scene("romeo-and-juliet", "II", "II"),
        "MIT licence": texts.MIT_LICENSE,
    }


def unseen_texts() -> dict[str, str]:
    out = {f"control: {k}": v for k, v in texts.control_texts().items()}
    out["test story (unpublished)"] = texts.UNPUBLISHED_STORY.read_text(encoding="utf-8")
    return out


def as_document(name: str, text: str) -> Document:
    raw = text.encode("utf-8")
    return Document(name, hashlib.sha256(raw).hexdigest(), len(raw), "txt", "utf-8", text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    settings = ScanSettings()
    t0 = time.perf_counter()
    backend = load_backend(args.model, settings)
    rows = [
        f"Model: {backend.info.name} ({backend.info.quantization or backend.info.format}), "
        f"machine: {platform.machine()} {platform.processor() or ''}, loaded in {time.perf_counter() - t0:.1f} s",
        "",
        "| text | kind | tokens | candidates | confirmed | longest confirmed (any) | longest (own) | common | share | verdict |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for kind, group in (("seen", seen_texts()), ("unseen", unseen_texts())):
        for name, text in group.items():
            result = run_scan(as_document(name, text), backend, settings)
            longest_any = max((p.verbatim_tokens for p in result.passages), default=0)
            s = result.summary
            rows.append(
                f"| {name} | {kind} | {result.manuscript.tokens} | {s.candidates} | {s.confirmed} | {longest_any} | "
                f"{s.longest_verbatim_tokens} | {s.common_phrases} | "
                f"{s.verbatim_token_share:.1%} | {s.verdict} |"
            )
            print(rows[-1], flush=True)
    report = "\n".join(rows) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
