"""`verbatim match`: find where a model's output replicates the author's manuscripts, and say so."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import fail

if TYPE_CHECKING:
    from core.match import MatchResult


def cmd_match(args: argparse.Namespace) -> int:
    """Match an output against manuscripts; print the spans, write JSON and PDF when asked."""
    from core.match import MatchSettings, output_record, read_output, run_match
    from core.scan.progress import finish

    overrides: dict[str, Any] = {}
    if args.min_words is not None:
        overrides["min_words"] = args.min_words
    if args.min_similarity is not None:
        overrides["min_similarity"] = args.min_similarity
    settings = MatchSettings(**overrides)
    settings.validate()
    for out in (args.json_out, args.pdf_out):
        if out is not None and not out.parent.exists():
            fail(f"the folder {out.parent} for {out.name} does not exist.")
    if args.output == "-":
        raw = sys.stdin.buffer.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            fail("standard input is not UTF-8 text.")
        output = output_record(text, "-", raw)
    else:
        output = read_output(args.output)
    if args.index_cache is not None and not args.index_cache.parent.exists():
        fail(f"the folder {args.index_cache.parent} for {args.index_cache.name} does not exist.")
    result = finish(run_match(output, args.against, settings, args.index_cache))  # status words only: seconds
    if args.json_out:
        from core.atomic import atomic_write_text

        atomic_write_text(args.json_out, json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    if args.pdf_out:
        from gui.report_pdf import export_match_report

        export_match_report(result, args.pdf_out)
    print(format_match_summary(result))
    for path, reason in result.skipped:
        print(f"verbatim: skipped {path}: {reason}", file=sys.stderr)
    if args.json_out:
        print(f"JSON written to {args.json_out}")
    if args.pdf_out:
        print(f"PDF report written to {args.pdf_out}")
    return 0


def format_match_summary(result: MatchResult) -> str:
    """The terminal summary of a match: inputs, then each span with where, how long, how similar."""
    s = result.summary()
    n_ms = len(result.manuscripts)
    lines = [
        f"Output      : {result.output.source} ({result.output.words:,} words)",
        f"Manuscripts : {n_ms:,} searched" + (f", {len(result.skipped)} skipped" if result.skipped else "")
        + (" (index reused from the cache)" if result.provenance.get("index_cache", {}).get("reused") else ""),
        f"Spans       : {s['spans']} in {s['manuscripts_matched']} "
        f"{'manuscript' if s['manuscripts_matched'] == 1 else 'manuscripts'}, covering "
        f"{s['output_share_covered']:.0%} of the output"
        + ("" if s["spans"] else " (nothing replicates a manuscript at these settings)"),
    ]
    for i, sp in enumerate(result.spans, 1):
        where = f"chars {sp.manuscript_start:,}-{sp.manuscript_end:,}" + (f", {sp.location}" if sp.location else "")
        snippet = " ".join(sp.output_text.split())[:80]
        lines.append(
            f"  {i}. {Path(sp.manuscript).name} ({where}): {sp.words} words, {sp.verbatim_words} verbatim, "
            f"similarity {sp.similarity:.1f}; output chars {sp.output_start:,}-{sp.output_end:,}: “{snippet}…”"
        )
    return "\n".join(lines)
