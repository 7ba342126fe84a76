"""The scan, from a manuscript's text to a ScanResult, as one generator that yields progress.

    tokenize once -> triage (every position, teacher-forced; on a server that cannot score given
      text, the generate-and-compare sweep of core/scan/sweep.py) -> candidate runs
      -> standard 50+50 windows (exact match, p_z) -> real generation confirms
      -> common-phrase test -> verdict, coverage, membership, heatmap

Front ends iterate it (`for progress in gen`) and read the result from StopIteration, or use
`run_scan` which does that. Cancelling between batches returns a partial result marked incomplete.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from core.errors import UserError
from core.ingest import Document
from core.model.backend import Backend, IntArray, numeric_precision
from core.results import ManuscriptInfo, Passage, ScanResult
from core.scan import probes
from core.scan.heat import set_aside_bins, set_aside_tokens
from core.scan.near_verbatim import near_verbatim
from core.scan.progress import CancelToken, ScanProgress, finish
from core.scan.provenance import decoding, environment
from core.scan.sweep import PROBE, can_score, sweep
from core.scan.triage import TokenTrace, triage
from core.scan.windows import (
    char_span,
    context_copy_mask,
    covered_tokens,
    heat_bins,
    hit_runs,
    longest_run_within,
    run_length_histogram,
    split_run,
    token_mask_to_char_share,
    window_sums,
)
from core.scores import BatchStore
from core.settings import ScanSettings
from core.stats.blocks import block_bounds
from core.stats.extraction import DECODING, QUERIES, work_share
from core.stats.membership import block_min_k_pp, membership_scores, window_min_k_pp
from core.stats.verdict import summarize

COVERAGE_TAUS = {"0.1%": 0.001, "1%": 0.01, "10%": 0.1, "50%": 0.5}
HEATMAP_BINS = 400


def candidate_segments(trace: TokenTrace, settings: ScanSettings) -> list[tuple[int, int]]:
    """Runs of greedy hits long enough to test, cut to max_passage_tokens, longest first."""
    runs = hit_runs(trace.hit & trace.scored, settings.thresholds.candidate_run_tokens)
    segments = [seg for s, e in runs for seg in split_run(s, e, settings.max_passage_tokens)]
    segments.sort(key=lambda se: (-(se[1] - se[0]), se[0]))
    return segments


def coverage(
    trace: TokenTrace, offsets: IntArray, n_chars: int, width: int, copied: npt.NDArray[np.bool_] | None = None
) -> dict[str, float]:
    """Coverage@tau from the triage pass: characters under a `width`-token window with p_z >= tau.

    A window holding a token the model could copy from the text before it (`copied`) is not counted:
    a repeated chorus is predictable from context, not evidence of memory.
    """
    n = int(offsets.shape[0])
    usable = trace.scored if copied is None else trace.scored & ~copied
    log_pz = window_sums(np.where(usable, trace.logp_topk, -np.inf).astype(np.float64), min(width, n))
    out = {}
    for name, tau in COVERAGE_TAUS.items():
        ok = log_pz >= math.log(tau)
        out[name] = round(token_mask_to_char_share(covered_tokens(ok, min(width, n), n), offsets, n_chars), 6)
    return out


def extraction_risk(
    trace: TokenTrace, offsets: IntArray, width: int, copied: npt.NDArray[np.bool_]
) -> dict[str, Any]:
    """The work's expected extractable share under sampling, from the triage pass's p_z of tiled windows.

    The text is cut into consecutive `width`-token windows (the last partial one left out); each window's
    p_z is the product of its tokens' top-k probabilities under the triage context (at least
    overlap_tokens of the author's text, as coverage@tau), and a window holding a context copy counts 0.
    """
    n = int(offsets.shape[0])
    if n < width:
        return {}
    usable = trace.scored & ~copied
    log_pz = window_sums(np.where(usable, trace.logp_topk, -np.inf).astype(np.float64), width)
    starts = range(0, n - width + 1, width)
    tiles = [(int(offsets[s + width - 1, 1] - offsets[s, 0]), float(np.exp(log_pz[s]))) for s in starts]
    share = work_share(tiles, QUERIES)
    return {
        "decoding": DECODING,
        "window_tokens": width,
        "windows": len(tiles),
        "share": {str(k): round(v, 6) for k, v in share.items()},
    }


def fit_batches(settings: ScanSettings, backend: Backend) -> ScanSettings:
    """The settings with batch sizes raised to what a GPU's free memory holds (never lowered).

    The backend says how many rows fit (`suggest_batch_size`, None on a CPU), once per row length. A
    batch that still does not fit is split by the backend after an out-of-memory error, so this only
    keeps a GPU busy: rows are of equal length and unpadded, so no result depends on it.
    """
    suggest = backend.suggest_batch_size
    triage_rows = suggest(settings.chunk_tokens + 1)
    if triage_rows is None:
        return settings
    window = 1 + settings.prefix_tokens + settings.confirm_horizon(settings.suffix_tokens)
    confirm_rows = suggest(window) or settings.confirm_batch_size
    return replace(
        settings,
        batch_size=max(settings.batch_size, triage_rows),
        confirm_batch_size=max(settings.confirm_batch_size, confirm_rows),
        generate_batch_size=max(settings.generate_batch_size, confirm_rows),
    )


def _progress(stage: str, done: int, total: int, trace_done: int, n: int, msg: str) -> ScanProgress:
    return ScanProgress(stage, done, total, trace_done, n, 0.0, None, msg)


def scan(
    document: Document,
    backend: Backend,
    settings: ScanSettings | None = None,
    cancel: CancelToken | None = None,
    store: BatchStore | None = None,
) -> Generator[ScanProgress, None, ScanResult]:
    """Scan one manuscript with one model; yield progress, return the result.

    With a checkpoint `store` (core.store), triage resumes from its committed batches and commits new ones.
    """
    settings = settings or ScanSettings()
    settings.validate()
    # Rows per forward pass, fitted to the device. They never change a result, so the result (and a
    # checkpoint's plan) records the settings as given.
    fitted = fit_batches(settings, backend)
    started = datetime.now(UTC)
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    text = document.text

    t = time.perf_counter()
    tokens = backend.tokenize(text)
    ids, offsets = tokens.ids, tokens.offsets
    n = len(tokens)
    timings["tokenize_s"] = time.perf_counter() - t
    if n < 2:
        raise UserError("The manuscript is too short to scan (fewer than 2 tokens).")
    # Tokens the model could copy from its context (a chorus, a refrain) are never evidence of memory.
    copied = context_copy_mask(ids, settings.chunk_tokens, settings.thresholds.context_copy_ngram)
    yield _progress("tokenize", 1, 1, 0, n, f"{n:,} tokens")

    # A server that cannot score given text gets the generate-and-compare sweep instead of the one pass,
    # and every later step generates too (core/scan/sweep.py says what that does not measure).
    scores = can_score(backend)
    method = settings.confirm_by if scores else "generate"
    if scores:
        trace = yield from triage(ids, backend, settings, cancel, store, rows_per_pass=fitted.batch_size)
    else:
        trace = yield from sweep(ids, backend, settings, cancel, store)
    timings["triage_s"] = trace.seconds

    def cancelled() -> bool:
        return cancel is not None and cancel.cancelled

    segments = candidate_segments(trace, settings)
    n_candidates = len(segments)
    segments = segments[: settings.max_candidates]

    # Teacher forcing found candidates; greedy generation from the author's 50-token prefix proves them,
    # to one horizon whichever way it is confirmed (ScanSettings.confirm_horizon).
    t = time.perf_counter()
    horizon = {s: settings.confirm_horizon(e - s) for s, e in segments}
    requests = list(horizon.items())
    precision = numeric_precision(backend.info)
    near_tie = settings.thresholds.near_tie(precision)
    generations: dict[int, probes.Generation] = {}
    columns: dict[int, probes.Columns] = {}
    if not cancelled() and method == "draft":
        # Most candidates leave the author's text within a few tokens of the 50-token prefix. A short draft
        # settles those (verification stops at the first difference, so their generation is the same as a
        # full draft's), and only the candidates it cannot reject get the full draft: the horizon, and the
        # standard window's 50 suffix tokens for its figures.
        confirm_tokens = settings.thresholds.confirm_tokens
        short_asks = [(r, min(h, confirm_tokens + 1)) for r, h in requests]
        gen_s = probes.draft_verify(ids, short_asks, backend, fitted, cancel, window=False)
        screened = yield from _relay(gen_s, "confirm", len(requests), trace, n, "Confirming greedy generation")
        generations = {r: g for r, (g, _) in screened.items() if g.verbatim < confirm_tokens}
        survivors = [(r, h) for r, h in requests if r in screened and r not in generations]
        gen_d = probes.draft_verify(ids, survivors, backend, fitted, cancel)
        checked = yield from _relay(gen_d, "protocol", len(survivors), trace, n, "Standard 50+50 windows")
        generations.update({r: g for r, (g, _) in checked.items()})
        columns = {r: c for r, (_, c) in checked.items()}
    elif not cancelled():
        # Step by step, every generation runs past the horizon when near-verbatim stretches are measured;
        # the exact count stops at the horizon, as in draft mode.
        extra = settings.near_verbatim_extra_tokens if settings.near_verbatim else 0
        gen_g = probes.generate_from_prefix(ids, [(r, h + extra) for r, h in requests], backend, fitted, cancel)
        generated = yield from _relay(gen_g, "confirm", len(requests), trace, n, "Confirming by generation")
        generations = {r: replace(g, verbatim=min(g.verbatim, horizon[r])) for r, g in generated.items()}
    timings["confirm_s"] = time.perf_counter() - t  # with confirm_by "draft", the short and the full drafts
    confirmed = [g for g in generations.values() if g.verbatim >= settings.thresholds.confirm_tokens]

    # The deciding passages are replayed with the model's own step-by-step generation, to the same horizon;
    # its output is what the report shows, and every figure of the passage is computed from it. Any
    # disagreement with the one-pass verification is counted and reported.
    t = time.perf_counter()
    replay_stats = {"replayed": 0, "disagreements": 0}
    if method == "draft" and confirmed and not cancelled():
        ranked = sorted(confirmed, key=lambda g: (-g.verbatim, g.start))
        # The passages that can raise the verdict on their own (and always the longest one).
        deciding = [g for g in ranked if g.verbatim >= settings.thresholds.inconclusive_tokens] or ranked[:1]
        top = deciding[: settings.generate_top]
        extra = 0
        if settings.near_verbatim:
            # Every other passage too, and further: the one-pass verification stops at the first divergence,
            # and the near-verbatim stretch needs the model's own output past it.
            chosen = {g.start for g in top}
            top += [g for g in ranked if g.start not in chosen]
            extra = settings.near_verbatim_extra_tokens
        gen_r = probes.generate_from_prefix(ids, [(g.start, horizon[g.start] + extra) for g in top], backend,
                                            fitted, cancel)
        replayed = yield from _relay(gen_r, "generate", len(top), trace, n, "Replaying with generate()")
        # The exact count stops at the confirmation horizon whatever was generated past it.
        replayed = {r: replace(g, verbatim=min(g.verbatim, horizon[r])) for r, g in replayed.items()}
        replay_stats["replayed"] = len(replayed)
        replay_stats["disagreements"] = sum(replayed[g.start].verbatim != g.verbatim for g in top
                                            if g.start in replayed)
        generations.update(replayed)
        confirmed = [generations[g.start] for g in confirmed
                     if generations[g.start].verbatim >= settings.thresholds.confirm_tokens]
    timings["generate_s"] = time.perf_counter() - t

    # In "generate" mode the literature's 50+50 window needs its own pass, only where a passage was confirmed:
    # the suffix, and the whole reproduced span for its near-ties.
    t = time.perf_counter()
    if method == "generate" and scores and confirmed and not cancelled():
        # Lengths rounded up to a multiple of 16 so most rows share a shape and batch (columns past the span are unread).
        asks = [(g.start, max(settings.suffix_tokens, -(-(g.verbatim + 1) // 16) * 16)) for g in confirmed]
        gen_w = probes.teacher_forced(ids, asks, backend, fitted, cancel)
        columns = yield from _relay(gen_w, "protocol", len(asks), trace, n, "Standard 50+50 windows")
    windows = {g.start: probes.window_figures(g.verbatim, columns[g.start], settings.suffix_tokens, near_tie)
               for g in confirmed if g.start in columns}
    timings["protocol_s"] = time.perf_counter() - t

    t = time.perf_counter()
    common: dict[int, probes.Generation] = {}
    # Long passages are never discounted as generic (see Passage.common_phrase), so only short ones are tested.
    short = [g for g in confirmed if g.verbatim < settings.thresholds.memorized_tokens]
    if settings.common_phrase_check and short and not cancelled():
        neutral = backend.tokenize(probes.NEUTRAL_CONTEXT).ids
        keep = settings.common_phrase_keep_tokens

        def swapped_prompt(r: int) -> IntArray:
            return np.concatenate([neutral, ids[max(0, r - keep) : r]])

        asks = [(g.start, g.verbatim) for g in short]
        if method == "draft":
            gen_c = probes.draft_verify(ids, asks, backend, fitted, cancel, swapped_prompt, window=False)
            checked_c = yield from _relay(gen_c, "common-phrases", len(short), trace, n, "Common-phrase test")
            common = {r: g for r, (g, _) in checked_c.items()}
        else:
            gen_c2 = probes.generate_from_prefix(ids, asks, backend, fitted, cancel, swapped_prompt)
            common = yield from _relay(gen_c2, "common-phrases", len(short), trace, n, "Common-phrase test")
    timings["common_phrase_s"] = time.perf_counter() - t

    passages = tuple(
        sorted(
            (_passage(g, text, ids, offsets, backend, settings, windows.get(g.start), common.get(g.start),
                      copied)
             for g in confirmed),
            key=lambda p: p.start_char,
        )
    )
    scorable = n if backend.bos_id is not None else n - 1  # without BOS the first token has no context
    # The sweep leaves positions after each miss unknown by design; it is complete when every probe ran.
    complete = not cancelled() and (not scores or trace.positions_scored == scorable)
    if store is not None and complete:
        store.mark_finished()
    cov = coverage(trace, offsets, len(text), settings.suffix_tokens, copied) if scores else {}
    summary = summarize(passages, n, cov, n_candidates, settings.thresholds, complete,
                        context_copy_tokens=int(copied.sum()))
    strength = _passage_strength(passages, copied, settings)
    # Membership scores and their blocks leave out what the model could copy from context.
    logp = np.where(copied, np.float32(np.nan), trace.logp)
    finished = datetime.now(UTC)
    timings["scan_s"] = time.perf_counter() - t_start
    provenance: dict[str, Any] = {
        "started_utc": started.isoformat(timespec="seconds"),
        "finished_utc": finished.isoformat(timespec="seconds"),
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "candidates_confirmed_limit": settings.max_candidates,
        "rows_per_pass": {"triage": fitted.batch_size, "confirm": fitted.confirm_batch_size,
                          "generate": fitted.generate_batch_size},
        "probe": "teacher-forced" if scores else PROBE,
        "confirmation": {
            "method": method,
            "full_windows": len(columns),
            "generate_replays": replay_stats["replayed"],
            "generate_disagreements": replay_stats["disagreements"],
        },
        "decoding": decoding(backend, precision, near_tie),
        **environment(backend),
    }
    load_s = backend.load_seconds
    if load_s is not None:
        provenance["timings"]["model_load_s"] = round(float(load_s), 3)
    return ScanResult(
        manuscript=ManuscriptInfo(
            path=document.path,
            sha256=document.sha256,
            size_bytes=document.size_bytes,
            text_sha256=document.text_sha256,
            characters=len(text),
            tokens=n,
            format=document.format,
            encoding=document.encoding,
            normalizations=document.normalizations,
        ),
        model=backend.info,
        settings=settings.to_dict(),
        summary=summary,
        passages=passages,
        membership=membership_scores(logp, trace.mean_logp, trace.std_logp, text),
        heatmap=heat_bins(strength, offsets, len(text), HEATMAP_BINS),
        heatmap_set_aside=set_aside_bins(set_aside_tokens(passages, copied), offsets, len(text), HEATMAP_BINS),
        complete=complete,
        positions_scored=trace.positions_scored,
        positions_total=n,
        provenance=provenance,
        text=text,
        window_scores=window_min_k_pp(logp, trace.mean_logp, trace.std_logp, settings.suffix_tokens),
        run_histogram={str(k): v for k, v in run_length_histogram(trace.hit & trace.scored & ~copied).items()},
        block_min_k_pp=block_min_k_pp(logp, trace.mean_logp, trace.std_logp,
                                      block_bounds(n, settings.thresholds.block_tokens)),
        extraction=extraction_risk(trace, offsets, settings.suffix_tokens, copied) if scores else {},
    )


def run_scan(
    document: Document,
    backend: Backend,
    settings: ScanSettings | None = None,
    cancel: CancelToken | None = None,
    store: BatchStore | None = None,
) -> ScanResult:
    """Run `scan` to completion, discarding progress."""
    return finish(scan(document, backend, settings, cancel, store))


def _relay(
    gen: Generator[int, None, Any], stage: str, total: int, trace: TokenTrace, n: int, label: str
) -> Generator[ScanProgress, None, Any]:
    """Turn a probe generator's counts into ScanProgress and hand back its return value."""
    while True:
        try:
            done = next(gen)
        except StopIteration as stop:
            return stop.value
        yield _progress(stage, done, total, trace.positions_scored, n, f"{label}: {done} of {total}")


def _passage_strength(
    passages: tuple[Passage, ...], copied: npt.NDArray[np.bool_], settings: ScanSettings
) -> np.ndarray:
    """Per-token heat from confirmed passages only: evidence length over memorized_tokens.

    Common phrases and context copies add no heat: the strip shows only what the model regenerated
    verbatim and could not have copied or guessed.
    """
    strength = np.zeros(copied.shape[0], dtype=np.float64)
    for p in passages:
        if not p.common_phrase:
            span = slice(p.start_token, p.start_token + p.verbatim_tokens)
            level = min(1.0, p.evidence / settings.thresholds.memorized_tokens)
            strength[span] = np.where(copied[span], 0.0, level)
    return strength


def _passage(
    g: probes.Generation,
    text: str,
    ids: IntArray,
    offsets: IntArray,
    backend: Backend,
    settings: ScanSettings,
    window: probes.StandardWindow | None,
    swapped: probes.Generation | None,
    copied: npt.NDArray[np.bool_],
) -> Passage:
    """Assemble a confirmed passage: texts, alignment, standard-window figures, common-phrase flag."""
    n = int(ids.shape[0])
    r, v = g.start, g.verbatim
    span_end = min(n, r + len(g.tokens))
    prompt_a = char_span(offsets, g.prompt_start, r)[0]
    orig_a, orig_b = char_span(offsets, r, span_end)
    # The prompt is the author's text up to the first generated token's start (whitespace included).
    prompt = text[prompt_a:orig_a]
    original = text[orig_a:orig_b]
    generated = backend.decode(g.tokens)
    al = probes.align(original, generated)
    near = None
    if settings.near_verbatim:
        near = near_verbatim(ids[r : r + len(g.tokens)].tolist(), g.tokens.tolist(), settings.near_verbatim_tolerance)
    common, reason = False, ""
    if swapped is not None:
        again = swapped.verbatim
        if again >= max(settings.thresholds.confirm_tokens, math.ceil(0.8 * v)) and (
            v < settings.thresholds.memorized_tokens
        ):
            common = True
            reason = (
                f"also reproduced ({again} of {v} tokens) after unrelated text with only "
                f"{settings.common_phrase_keep_tokens} tokens of the author's context: a generic phrase"
            )
    return Passage(
        start_char=orig_a,
        end_char=char_span(offsets, r, r + v)[1],
        start_token=r,
        end_token=r + v,
        prompt=prompt,
        original=original,
        generated=generated,
        verbatim_tokens=v,
        similarity=al.similarity,
        longest_common_chars=al.longest_common,
        original_spans=al.original_spans,
        generated_spans=al.generated_spans,
        p_extract=window.p_z if window else 0.0,
        p_extract_untruncated=window.p_untruncated if window else 0.0,
        matched_suffix_tokens=window.matched if window else 0,
        exact_suffix_match=window.exact if window else False,
        fragile_positions=window.fragile if window else 0,
        common_phrase=common,
        common_phrase_reason=reason,
        context_copy_tokens=int(copied[r : r + v].sum()),
        evidence_tokens=longest_run_within(~copied, r, r + v),
        near_verbatim_tokens=max(v, near.original_tokens) if near else -1,
        near_verbatim_edits=near.edits if near and near.original_tokens >= v else 0,
        window_prefix_tokens=r - g.prompt_start,
        window_suffix_tokens=min(settings.suffix_tokens, n - r),
    )
