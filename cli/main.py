"""The `verbatim` command line: a thin front end over core (and gui.report_pdf for --pdf).

This module holds the parser and the small commands; `scan` is in cli/scan.py, `match` in cli/match.py,
the scan summary in cli/summary.py. Every failure a user can cause ends in one sentence on stderr and
exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cli.common import EXIT_BAD_INPUT, EXIT_DIFFERS, CliError
from cli.match import cmd_match, format_match_summary
from cli.scan import cmd_scan
from cli.summary import format_summary
from core.errors import describe

__all__ = ["build_parser", "format_match_summary", "format_summary", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The stable CLI (docs/design.md §2.3)."""
    parser = argparse.ArgumentParser(
        prog="verbatim", description="Did this open-weights model memorize my text, and can I show it?"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("scan", help="scan a manuscript (or a folder of them) for verbatim reproduction")
    p.add_argument("manuscript", type=Path, help="a manuscript file, or a folder: every manuscript in it")
    p.add_argument("--model", action="append", default=[],
                   help="model path or name (default: the embedded Gemma 3 270M); repeat to compare models")
    p.add_argument("--out-dir", type=Path, default=Path("verbatim-results"),
                   help="with a folder or several models: where each pair's JSON and the matrix go")
    p.add_argument("--json", dest="json_out", type=Path, help="write the result as JSON")
    p.add_argument("--pdf", dest="pdf_out", type=Path, help="write the PDF evidence report")
    p.add_argument("--reference", metavar="MODEL",
                   help="a model you declare was NOT trained on this work (e.g. released before it was "
                        "published): passages it reproduces too are set aside as common phrases")
    p.add_argument("--own-unpublished", action="append", type=Path, default=[], metavar="FILE|DIR",
                   help="your own writing that was never published (drafts, later chapters, letters): the "
                        "strongest control, used first for the chance model (repeatable)")
    p.add_argument("--control", action="append", type=Path, default=[], help="a control text (repeatable)")
    p.add_argument("--no-bundled-controls", action="store_true", help="skip the controls shipped with Verbatim")
    p.add_argument("--chunk", type=int, help="triage window length in tokens")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], help="where the model runs")
    p.add_argument("--backend", choices=["auto", "transformers", "llama.cpp", "remote"], default="auto",
                   help="what runs the model (auto: llama.cpp for GGUF when installed; remote: --model URL)")
    p.add_argument("--server-concurrency", type=int, metavar="N",
                   help="through a server: up to N requests in flight, where its numerics do not depend on "
                        "batching (llama-server started with -np N or more); other servers: one at a time")
    p.add_argument("--server-batch-invariant", action="store_true",
                   help="declare that the vLLM server runs with VLLM_BATCH_INVARIANT=1 (its API does not say)")
    p.add_argument("--confirm-by", choices=["draft", "generate"],
                   help="draft: verified greedy decoding in one pass (default); generate: generate() for all")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--checkpoint", type=Path, help="save progress to this SQLite file, or resume from it")
    p.add_argument("--chat", action="store_true",
                   help="also probe the model through its chat template (reported apart; not part of the verdict)")
    p.add_argument("--title", help="with --chat: the work's title, for title prompts (needs --author)")
    p.add_argument("--author", help="with --chat: the work's author, for title prompts (needs --title)")
    p.add_argument("--reconstruct", action="store_true",
                   help="after the scan, let the model rebuild the work from its opening (and each chapter's)")
    p.add_argument("--reconstruct-assisted", action="store_true",
                   help="with --reconstruct: re-seed from your text wherever the model leaves it")
    p.add_argument("--reconstruct-seed", type=int, default=50, metavar="N",
                   help="tokens of your text the reconstruction starts from (default 50)")
    p.add_argument("--reconstruct-max", type=int, default=4096, metavar="N",
                   help="tokens the reconstruction may generate for the whole work (default 4096)")

    p = sub.add_parser("extract", help="print the normalized text exactly as it is scanned")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="add the normalization record and location map")

    sub.add_parser("models", help="list the models Verbatim can find on this machine")

    p = sub.add_parser("match", help="find where a model's output replicates your manuscripts")
    p.add_argument("output", help="the text the model produced: a file, or - for standard input")
    p.add_argument("--against", action="append", type=Path, required=True, metavar="MANUSCRIPT|DIR",
                   help="a manuscript, or a folder of them (searched recursively); repeatable")
    p.add_argument("--json", dest="json_out", type=Path, help="write the match result as JSON")
    p.add_argument("--pdf", dest="pdf_out", type=Path, help="write the PDF match report")
    p.add_argument("--index-cache", type=Path, metavar="FILE",
                   help="keep the manuscripts' index in FILE and reuse it while they are unchanged (SHA-256)")
    p.add_argument("--min-words", type=int, help="shortest span reported, in words of the output (default 20)")
    p.add_argument("--min-similarity", type=float,
                   help="least word similarity of a span, 0-100 (default 90: about one word in ten changed)")

    p = sub.add_parser("verify", help="re-hash inputs and replay the probes of a report")
    p.add_argument("report", type=Path)
    p.add_argument("--all", action="store_true", help="replay every passage, not a sample")

    sub.add_parser("gui", help="start the desktop app")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `verbatim` console script."""
    args = build_parser().parse_args(argv)
    try:
        handler = {
            "scan": cmd_scan,
            "extract": _cmd_extract,
            "models": _cmd_models,
            "verify": _cmd_verify,
            "match": cmd_match,
            "gui": _cmd_gui,
        }[args.command]
        return handler(args)
    except CliError as exc:
        print(f"verbatim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValueError, OSError) as exc:
        # IngestError, UnsafeModelError and GGUFError are ValueErrors with one-sentence messages.
        print(f"verbatim: {describe(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT


# -- extract, models, verify, gui ------------------------------------------------------------------
def _cmd_extract(args: argparse.Namespace) -> int:
    from core.ingest.isolated import load_document_isolated

    doc = load_document_isolated(args.file)
    if args.json:
        from core.ingest import document_to_dict

        print(json.dumps(document_to_dict(doc), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(doc.text)
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from core.model.discovery import discover_models, format_model_table

    print(format_model_table(discover_models()))
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from core.model.loader import load_backend
    from core.settings import ScanSettings
    from core.verify import load_report, verify_report

    settings = ScanSettings.from_dict(load_report(args.report).settings)

    def loader(info: Any) -> Any:
        print(f"Loading model {info.name} to replay the probes…", file=sys.stderr, flush=True)
        from core.model.loader import BACKENDS

        return load_backend(info.path, settings, backend=info.backend if info.backend in BACKENDS else "auto")

    outcome = verify_report(args.report, replay_all=args.all, backend_loader=loader)
    print("\n".join(outcome.lines()))
    return 0 if outcome.ok else EXIT_DIFFERS


def _cmd_gui(args: argparse.Namespace) -> int:
    from gui.app import main as gui_main

    return int(gui_main())


if __name__ == "__main__":
    sys.exit(main())
