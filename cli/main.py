"""The `verbatim` command line: a thin front end over core (and gui.report_pdf for --pdf).

Every failure a user can cause ends in one sentence on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

EXIT_BAD_INPUT = 2
EXIT_DIFFERS = 1


class CliError(Exception):
    """A user-facing failure: the message is printed as is."""


def _fail(message: str) -> NoReturn:
    raise CliError(message)


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
    p.add_argument("--confirm-by", choices=["draft", "generate"],
                   help="draft: verified greedy decoding in one pass (default); generate: generate() for all")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--checkpoint", type=Path, help="save progress to this SQLite file, or resume from it")

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
            "scan": _cmd_scan,
            "extract": _cmd_extract,
            "models": _cmd_models,
            "verify": _cmd_verify,
            "match": _cmd_match,
            "gui": _cmd_gui,
        }[args.command]
        return handler(args)
    except CliError as exc:
        print(f"verbatim: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValueError, OSError) as exc:
        # IngestError, UnsafeModelError and GGUFError are ValueErrors with one-sentence messages.
        print(f"verbatim: {_sentence(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _sentence(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"{exc.filename} does not exist."
    if isinstance(exc, PermissionError) and exc.filename:
        return f"permission denied for {exc.filename}."
    text = str(exc).strip() or type(exc).__name__
    return text if text.endswith((".", "!", "?")) else text + "."


# -- scan ------------------------------------------------------------------------------------------
def _settings(args: argparse.Namespace) -> Any:
    from core.settings import ScanSettings

    overrides: dict[str, Any] = {}
    if args.chunk:
        overrides["chunk_tokens"] = args.chunk
    if args.device:
        overrides["device"] = args.device
    if args.confirm_by:
        overrides["confirm_by"] = args.confirm_by
    settings = ScanSettings(**overrides)
    settings.validate()
    return settings


def _check_reference(spec: str | None) -> None:
    """Resolve --reference before any model loads, so a bad name costs no scan."""
    if spec is None or spec.startswith(("http://", "https://")):
        return
    from core.model.discovery import resolve_model

    try:
        resolve_model(spec)
    except (ValueError, OSError) as exc:
        _fail(f"--reference: {_sentence(exc)}")


def _load_reference(spec: str, settings: Any, args: argparse.Namespace) -> Any:
    from core.model.loader import load_backend

    _status(f"Loading reference model {spec}…", args.quiet)
    try:
        return load_backend(spec, settings, backend=args.backend)
    except (ValueError, OSError) as exc:
        _fail(f"--reference: {_sentence(exc)}")


def _cmd_scan(args: argparse.Namespace) -> int:
    if args.manuscript.is_dir() or len(args.model) > 1:
        return _cmd_catalogue(args)
    from core.ingest.isolated import load_document_isolated

    doc = load_document_isolated(args.manuscript)  # bad input fails here, before the model loads
    model = args.model[0] if args.model else None
    settings = _settings(args)
    _check_reference(args.reference)
    for out in (args.json_out, args.pdf_out):
        if out is not None and not out.parent.exists():
            _fail(f"the folder {out.parent} for {out.name} does not exist.")
    own = [load_document_isolated(f) for f in _own_unpublished_files(args.own_unpublished)]
    controls = [load_document_isolated(c) for c in args.control]

    from core.model.loader import load_backend
    from core.scan.engine import scan
    from core.scan.progress import CancelToken

    _status(f"Loading model {model or '(embedded default)'}…", args.quiet)
    backend = load_backend(model, settings, backend=args.backend)
    _status(f"Model {backend.info.name} loaded in {backend.load_seconds or 0:.1f} s.", args.quiet)
    _note_generate_only(backend, settings)
    reference = _load_reference(args.reference, settings, args) if args.reference else None
    if reference is not None and reference.info.sha256 and reference.info.sha256 == backend.info.sha256:
        _fail("the reference model is the model being scanned; name a model that was not trained on this work.")

    store = None
    if args.checkpoint:
        from core.store import ScanPlan, ScanStore

        store = ScanStore.resume_or_create(args.checkpoint, ScanPlan.for_scan(doc, backend.info, settings))
        done, total = store.progress()
        if done:
            print(f"Resuming: {done} of {total} batches already done.", file=sys.stderr, flush=True)

    cancel = CancelToken()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.cancel())
    try:
        result = _drive(scan(doc, backend, settings, cancel, store), args.quiet)
        if reference is not None and result.complete:
            from core.evidence.reference import check_reference

            _status(f"Checking {len(result.passages)} passages against the reference model…", args.quiet)
            result = _drive(check_reference(result, reference, settings, cancel), args.quiet)
        if own or controls or not args.no_bundled_controls:
            from core.evidence.control_scan import scan_controls
            from core.evidence.controls import bundled_controls

            docs = own + controls + ([] if args.no_bundled_controls else bundled_controls())
            _status(f"Scanning {len(docs)} control texts (the chance model)…", args.quiet)
            result = _drive(scan_controls(result, docs, backend, settings, cancel, user_controls=len(controls),
                                          own_unpublished=len(own)), args.quiet)
    finally:
        signal.signal(signal.SIGINT, previous)
        if store is not None:
            store.close()

    if args.json_out:
        from core.report.jsonio import write_json

        write_json(result, args.json_out)
    if args.pdf_out:
        from gui.report_pdf import export_report

        export_report(result, args.pdf_out, locations=doc.locations)  # passages cited by page, chapter
    print(format_summary(result))
    if args.json_out:
        print(f"JSON written to {args.json_out}")
    if args.pdf_out:
        print(f"PDF report written to {args.pdf_out}")
    return 0 if result.complete else 130


def _cmd_catalogue(args: argparse.Namespace) -> int:
    """Every manuscript against every model: one JSON per pair in --out-dir, and a matrix."""
    from core.atomic import atomic_write_text
    from core.catalogue import format_matrix, manuscripts_in, run_catalogue
    from core.model.loader import load_backend
    from core.scan.progress import CancelToken, ScanProgress

    if args.json_out or args.pdf_out or args.checkpoint:
        _fail("with a folder or several models, results go to --out-dir (one JSON per pair); "
              "--json, --pdf and --checkpoint are for one manuscript and one model.")
    from core.ingest.isolated import load_document_isolated

    paths = manuscripts_in(args.manuscript)
    models = args.model or [None]
    settings = _settings(args)
    _check_reference(args.reference)
    # The same controls as a single scan: your unpublished writing first, then yours, then the bundled ones.
    own = [load_document_isolated(f) for f in _own_unpublished_files(args.own_unpublished)]
    mine = [load_document_isolated(c) for c in args.control]
    controls = None
    if own or mine or args.no_bundled_controls:
        from core.evidence.controls import bundled_controls

        controls = own + mine + ([] if args.no_bundled_controls else bundled_controls())
    cancel = CancelToken()

    def load(spec: str | None) -> Any:
        _status(f"Loading model {spec or '(embedded default)'}…", args.quiet)
        backend = load_backend(spec, settings, backend=args.backend)
        _note_generate_only(backend, settings)
        return backend

    gen = run_catalogue(paths, models, load, args.out_dir, settings, cancel, reference=args.reference,
                        controls=controls, own_unpublished=len(own), user_controls=len(mine))
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.cancel())
    try:
        while True:
            try:
                item = next(gen)
            except StopIteration as stop:
                rows = stop.value
                break
            if not isinstance(item, ScanProgress):
                _status(item, args.quiet)
    finally:
        signal.signal(signal.SIGINT, previous)
    matrix = format_matrix(rows)
    atomic_write_text(args.out_dir / "matrix.txt", matrix + "\n")
    print(matrix)
    if args.reference:
        n = sum(r.set_aside_by_reference for r in rows)
        print(f"Reference model {args.reference}: {n} {'passage' if n == 1 else 'passages'} set aside as "
              "common phrases across the results (each JSON names them)")
    print(f"{len(rows)} results in {args.out_dir} (matrix.txt, one JSON per manuscript and model)")
    done = len(paths) * len(models)
    return 0 if len(rows) == done and not cancel.cancelled else 130


def _note_generate_only(backend: Any, settings: Any) -> None:
    """Say, even with --quiet, when the model's server allows only the generate-and-compare probe."""
    from core.scan.sweep import can_score, limitation

    if not can_score(backend):
        print(f"Note: {limitation(settings)}", file=sys.stderr, flush=True)


def _status(message: str, quiet: bool) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def _drive(gen: Any, quiet: bool) -> Any:
    """Run a scan generator, drawing a throttled progress bar on stderr."""
    last = 0.0
    tty = sys.stderr.isatty()
    while True:
        try:
            progress = next(gen)
        except StopIteration as stop:
            if not quiet and tty:
                print(file=sys.stderr)
            return stop.value
        now = time.monotonic()
        if quiet or now - last < (0.2 if tty else 5.0):
            continue
        last = now
        width = 30
        filled = int(progress.fraction * width)
        eta = f", ETA {progress.eta_s:.0f} s" if progress.eta_s is not None else ""
        rate = f", {progress.tokens_per_s:,.0f} tok/s" if progress.tokens_per_s else ""
        line = f"[{'#' * filled}{'.' * (width - filled)}] {progress.fraction:4.0%} {progress.message}{rate}{eta}"
        print(("\r" + line.ljust(110)) if tty else line, end="" if tty else "\n", file=sys.stderr, flush=True)


def _own_unpublished_files(paths: list[Path]) -> list[Path]:
    """--own-unpublished takes files and folders (every manuscript directly inside a folder)."""
    from core.catalogue import manuscripts_in

    files: list[Path] = []
    for path in paths:
        if not path.exists():
            _fail(f"--own-unpublished: {path} does not exist.")
        found = manuscripts_in(path)
        if not found:
            _fail(f"--own-unpublished: no readable manuscript in the folder {path}.")
        files.extend(found)
    return files


def format_summary(result: Any) -> str:
    """The terminal summary: verdict, key figures, the top passages."""
    s = result.summary
    lines = [
        f"Manuscript : {result.manuscript.path} ({result.manuscript.tokens:,} tokens)",
        f"Model      : {result.model.name} [{result.model.format}, {result.model.backend_label}]",
        f"Verdict    : {s.verdict.upper()} — {s.reason}",
        f"Longest verbatim run : {s.longest_verbatim_tokens} tokens",
        f"Reproduced share     : {s.verbatim_token_share:.2%} of tokens",
        "Coverage@tau         : " + (", ".join(f"{k}: {v:.1%}" for k, v in s.coverage.items()) or "not measured"),
        f"Passages             : {s.confirmed} confirmed of {s.candidates} candidates"
        f" ({s.common_phrases} {'common phrase' if s.common_phrases == 1 else 'common phrases'})",
    ]
    ref = result.provenance.get("reference_model")
    if isinstance(ref, dict):
        n = int(ref.get("passages_set_aside", 0))
        lines.append(
            f"Reference model      : {ref.get('name')} set aside {n} {'passage' if n == 1 else 'passages'} "
            f"as {'a common phrase' if n == 1 else 'common phrases'} (it reproduces {ref.get('passages_reproduced', 0)} of "
            f"{ref.get('passages_checked', 0)} checked)"
        )
    lines.extend(_chance_lines(result))
    if result.statistics:
        st = result.statistics
        fpr = st.get("false_positive_interval") or {}
        lines.append(
            f"Controls             : {_count(st.get('controls', 0), 'never-published text')} "
            f"({st.get('reference_group', '')}); "
            + ("false-positive rate n/a" if not fpr.get("trials") else
               f"{fpr['events']} of {fpr['trials']} judged inconclusive or memorized "
               f"(95 % interval {fpr['low']:.0%}-{fpr['high']:.0%})")
        )
        for key, label in (("share_test", "Share vs controls"), ("membership_test", "Min-K%++ vs controls")):
            test = st.get(key)
            if isinstance(test, dict) and test.get("p_value") is not None:
                lines.append(
                    f"{label:<21}: p = {test['p_value']:.3g} over blocks of {st.get('block_tokens')} tokens "
                    f"({test['manuscript_blocks']} vs {test['control_blocks']}), difference "
                    f"{test['difference']:.3g} [{test['difference_low']:.3g}, {test['difference_high']:.3g}]"
                )
    if not result.complete:
        lines.append(
            f"INCOMPLETE: cancelled after {result.positions_scored:,} of {result.positions_total:,} positions."
        )
    top = sorted(result.passages, key=lambda p: (p.common_phrase, -p.evidence))[:5]
    for i, p in enumerate(top, 1):
        flag = " [common phrase]" if p.common_phrase else " [contested]" if p.contested else ""
        chance = "" if p.chance_p is None else f", chance {p.chance_p:.2g}"
        copies = f", {p.context_copy_tokens} copied from context" if p.context_copy_tokens else ""
        snippet = " ".join(p.original.split())[:90]
        lines.append(f"  {i}. chars {p.start_char}-{p.end_char}: {p.evidence} tokens{copies}{chance}{flag}: “{snippet}…”")
    return "\n".join(lines)


# -- match -----------------------------------------------------------------------------------------
def _cmd_match(args: argparse.Namespace) -> int:
    from core.match import MatchSettings, output_record, read_output, run_match

    overrides: dict[str, Any] = {}
    if args.min_words is not None:
        overrides["min_words"] = args.min_words
    if args.min_similarity is not None:
        overrides["min_similarity"] = args.min_similarity
    settings = MatchSettings(**overrides)
    settings.validate()
    for out in (args.json_out, args.pdf_out):
        if out is not None and not out.parent.exists():
            _fail(f"the folder {out.parent} for {out.name} does not exist.")
    if args.output == "-":
        raw = sys.stdin.buffer.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            _fail("standard input is not UTF-8 text.")
        output = output_record(text, "-", raw)
    else:
        output = read_output(args.output)
    if args.index_cache is not None and not args.index_cache.parent.exists():
        _fail(f"the folder {args.index_cache.parent} for {args.index_cache.name} does not exist.")
    result = _drive_messages(run_match(output, args.against, settings, args.index_cache))
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


def _drive_messages(gen: Any) -> Any:
    """Run a generator that yields status words (no progress bar: matching takes seconds)."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def format_match_summary(result: Any) -> str:
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



def _chance_lines(result: Any) -> list[str]:
    """The rule and the chance model behind the verdict, in two or three lines."""
    s, t = result.summary, result.settings.get("thresholds", {})
    lines = [
        f"Rule                 : memorized needs a passage of at least {t.get('memorized_tokens')} tokens "
        f"whose chance is below alpha = {t.get('alpha')}; or, with at least {t.get('share_min_tokens')} such "
        f"tokens, more passages of {t.get('candidate_run_tokens')}+ tokens than chance allows (p < alpha) or a "
        f"share above the controls' (block permutation test, p < {t.get('share_alpha')})"
    ]
    null = result.null_model
    if null is None:
        lines.append("Chance model         : none (no never-published controls were scanned)")
        return lines
    lines.append(
        f"Chance model         : fitted on {null['tokens']:,} tokens of {null['source']}; "
        f"runs reach {null['k0']} tokens at {null['rate']:.3g} per token and continue with probability "
        f"{null['q']:.2f} (upper bound {null['q_upper']:.2f})"
    )
    if s.expected_chance_passages is not None and s.expected_chance_interval is not None:
        low, high = s.expected_chance_interval
        lines.append(
            f"Passages of {t.get('inconclusive_tokens')}+ tokens: {s.observed_passages} found; chance alone "
            f"expects {s.expected_chance_passages:.2g} (95 % interval {low:.2g}-{high:.2g}) in a text this long"
        )
    if s.context_copy_tokens:
        lines.append(f"Context copies       : {s.context_copy_tokens:,} tokens repeat the text before them "
                     "and are never counted")
    return lines


def _count(n: int, noun: str) -> str:
    """"1 text", "2 texts"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

if __name__ == "__main__":
    sys.exit(main())
