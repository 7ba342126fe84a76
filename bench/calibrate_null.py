"""Validate the chance model out of sample, and the verdict rule on never-published and known texts.

For one model: the chance model is fitted on the tuning texts (tests/fixtures/unpublished/tuning) plus the
bundled controls, exactly as a scan fits it on its controls. Then, on texts it never saw:

1. held-out never-published texts (tests/fixtures/unpublished/heldout, never used to choose anything):
   expected runs of at least L tokens (with the 95 % interval) beside the observed count, per L; each
   text's verdict under the full rule (false-positive rate with its exact interval) and its p-values;
2. known texts (KJV chapters, Shakespeare scenes, the MIT licence): their verdicts and deciding figures.

    python bench/calibrate_null.py [--model smollm2|PATH] [--backend auto] [--out FILE] [--append]
                                   [--save DIR [--only-saved]]

Prints markdown; --out writes it (--append adds it to the file). --save keeps every scan's JSON and reuses
the ones already there, so a run that was stopped resumes where it stopped; --only-saved builds the tables
from the saved scans alone (no model loaded) and says how many texts of each kind were missing.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from core.evidence.controls import bundled_controls, control_from_scan, fit_null  # noqa: E402
from core.ingest import Document  # noqa: E402
from core.model.loader import load_backend  # noqa: E402
from core.report.jsonio import read_json, write_json  # noqa: E402
from core.results import ScanResult  # noqa: E402
from core.scan.engine import run_scan  # noqa: E402
from core.settings import ScanSettings  # noqa: E402
from core.stats.blocks import block_test, rate_interval  # noqa: E402
from core.stats.null import pooled_histogram  # noqa: E402
from core.stats.verdict import block_shares, judge  # noqa: E402

UNPUBLISHED = REPO / "tests" / "fixtures" / "unpublished"
LENGTHS = (4, 6, 8, 10, 12, 16, 20, 24, 32)


def as_document(name: str, text: str) -> Document:
    raw = text.encode("utf-8")
    return Document(name, hashlib.sha256(raw).hexdigest(), len(raw), "txt", "utf-8", text)


def folder(name: str) -> list[Document]:
    return [as_document(p.name, p.read_text(encoding="utf-8")) for p in sorted((UNPUBLISHED / name).glob("*.txt"))]


def known() -> list[Document]:
    """The known texts of bench/calibrate.py (KJV chapters, Shakespeare scenes, the MIT licence)."""
    from calibrate import seen_texts  # bench/calibrate.py, beside this file

    return [as_document(k, v) for k, v in seen_texts().items()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--append", action="store_true")
    ap.add_argument("--skip-known", action="store_true")
    ap.add_argument("--fit", choices=("all", "bundled"), default="all",
                    help="fit the chance model on the tuning texts and the bundled controls (all), or on the "
                         "bundled controls alone, as a scan without the user's own controls fits it")
    ap.add_argument("--save", type=Path, help="write every scan's JSON here, and reuse the ones already there")
    ap.add_argument("--only-saved", action="store_true", help="tables from the saved scans only; no model loaded")
    args = ap.parse_args()
    if args.only_saved and not args.save:
        ap.error("--only-saved needs --save DIR")
    settings = ScanSettings()
    t = settings.thresholds
    t0 = time.perf_counter()
    backend = None if args.only_saved else load_backend(args.model, settings, backend=args.backend)
    missing: dict[str, int] = {}
    model_line: list[str] = []

    def scan_or_load(d: Document, kind: str) -> ScanResult | None:
        """The saved scan of d when there is one (checked against the text's hash), else a new scan."""
        saved = args.save / f"{kind}--{Path(d.path).stem}.json" if args.save else None
        if saved is not None and saved.exists():
            r = read_json(saved)
            if r.manuscript.sha256 == d.sha256:
                return r
            print(f"  {saved.name} is of another text; scanning again", file=sys.stderr)
        if backend is None:
            missing[kind] = missing.get(kind, 0) + 1
            return None
        r = run_scan(d, backend, settings)
        if saved is not None:
            saved.parent.mkdir(parents=True, exist_ok=True)
            write_json(r, saved)
        print(f"  scanned {d.path}: {r.manuscript.tokens} tokens, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        return r

    def scan_all(docs: list[Document], kind: str) -> list:
        out = []
        for d in docs:
            kind_of_control = "user" if kind == "heldout" else kind
            r = scan_or_load(d, kind)
            if r is None:
                continue
            if not model_line:
                model_line.append(f"### {r.model.name} ({r.model.backend_label}, {r.model.dtype})")
            out.append((d, r, control_from_scan(r, d, kind_of_control)))
        return out

    # Bundled controls and held-out texts first: with --fit bundled they are all a run needs.
    fit = scan_all(bundled_controls(), "bundled")
    held = scan_all(folder("heldout"), "heldout")
    if args.fit == "all":
        fit = scan_all(folder("tuning"), "user") + fit
    fit_controls = [c for _, _, c in fit]
    fitted_on = "tuning texts + bundled controls" if args.fit == "all" else "the bundled controls alone"
    null = fit_null(fit_controls, fitted_on)
    if null is None or not held:
        sys.exit("Not enough scans for a chance model and a held-out check (see --only-saved).")
    held_tokens = sum(c.scored_tokens for _, _, c in held)
    held_hist = pooled_histogram([c.run_histogram for _, _, c in held])

    lines = [
        model_line[0],
        "",
        *([f"Partial: saved scans missing for {', '.join(f'{n} {k}' for k, n in missing.items())} "
           "text(s); the tables below use the others.", ""] if missing else []),
        f"Chance model fitted on {null.tokens:,} scored tokens ({null.texts} texts: {fitted_on}): "
        f"k0 = {null.k0}, r = {null.rate:.4g} per token (upper {null.rate_upper:.4g}), q = {null.q:.3f} "
        f"(upper {null.q_upper:.3f}).",
        "",
        f"**Out of sample** — held-out never-published texts, {len(held)} texts, {held_tokens:,} scored tokens:",
        "",
        "| runs of at least L tokens | expected (95 % interval of the mean) | 95 % prediction range "
        "(with Poisson noise) | observed | inside |",
        "|---:|---:|---:|---:|---|",
    ]
    from scipy.stats import poisson

    for length in LENGTHS:
        low, point, high = null.expected_interval(length, held_tokens)
        lo, hi = int(poisson.ppf(0.025, low)) if low > 0 else 0, int(poisson.ppf(0.975, high))
        seen = sum(c for n, c in held_hist.items() if n >= length)
        lines.append(f"| {length} | {point:.3g} ({low:.3g}-{high:.3g}) | {lo}-{hi} | {seen} | "
                     f"{'yes' if lo <= seen <= hi else ('**below**' if seen < lo else '**above**')} |")
    lines += ["", "| held-out text | tokens | longest passage (evidence tokens) | its chance_p | share test p | "
              "Min-K%++ block test p | verdict |", "|---|---:|---:|---:|---:|---:|---|"]
    flagged = memorized = 0
    fit_shares = [v for c in fit_controls for v in c.block_share]
    fit_mink = [v for c in fit_controls for v in c.block_min_k_pp]
    for d, r, _c in held:
        share = block_test("share", block_shares(r.passages, r.manuscript.tokens, t.block_tokens), fit_shares)
        member = block_test("min-k", list(r.block_min_k_pp), fit_mink)
        j = judge(r, t, null, share)
        longest = max((p for p in j.passages if not p.common_phrase), key=lambda p: p.evidence, default=None)
        flagged += j.summary.verdict in ("memorized", "inconclusive")
        memorized += j.summary.verdict == "memorized"
        lines.append(
            f"| {d.path} | {r.manuscript.tokens:,} | {longest.evidence if longest else 0} | "
            f"{'' if longest is None else f'{longest.chance_p:.3g}'} | {share['p_value']:.3g} | "
            f"{member['p_value']:.3g} | {j.summary.verdict} |")
    fl, mem = rate_interval(flagged, len(held)), rate_interval(memorized, len(held))
    lines += ["", f"False positives on held-out texts: inconclusive or memorized {flagged} of {len(held)} "
              f"(95 % interval {fl['low']:.0%}-{fl['high']:.0%}); memorized {memorized} of {len(held)} "
              f"(95 % interval {mem['low']:.0%}-{mem['high']:.0%}).", ""]
    if not args.skip_known:
        lines += ["Known texts (chance model as above):", "",
                  "| text | tokens | longest passage (evidence tokens) | chance_p | share test p | verdict (rule) |",
                  "|---|---:|---:|---:|---:|---|"]
        for d in known():
            r = scan_or_load(d, "known")
            if r is None:
                continue
            share = block_test("share", block_shares(r.passages, r.manuscript.tokens, t.block_tokens), fit_shares)
            j = judge(r, t, null, share)
            longest = max((p for p in j.passages if not p.common_phrase), key=lambda p: p.evidence, default=None)
            lines.append(
                f"| {d.path} | {r.manuscript.tokens:,} | {longest.evidence if longest else 0} | "
                f"{'' if longest is None else f'{longest.chance_p:.3g}'} | {share['p_value']:.3g} | "
                f"{j.summary.verdict} ({j.summary.rule}) |")
    lines += ["", f"({time.perf_counter() - t0:.0f} s on this machine{', from saved scans' if args.only_saved else ''}.)", ""]
    report = "\n".join(lines)
    print(report)
    if args.out:
        mode = "a" if args.append else "w"
        with args.out.open(mode, encoding="utf-8") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
