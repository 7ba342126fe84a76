"""Probes of one candidate: the standard 50+50 window, real generation, and the common-phrase test.

Teacher forcing finds; generation proves. Every passage that enters a result was regenerated for real
by the model from the author's preceding text, and aligned with the original by rapidfuzz.
"""

from __future__ import annotations

import difflib
import math
from collections import defaultdict
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from core.model.backend import Backend, IntArray
from core.scan.progress import CancelToken
from core.scan.triage import with_bos
from core.scan.windows import leading_matches
from core.settings import ScanSettings

# Unrelated context for the common-phrase test: plain, generic prose about nothing in particular.
NEUTRAL_CONTEXT = (
    "The committee met on a Tuesday to review the quarterly figures for the regional depots. "
    "Attendance was good, the coffee was cold, and most of the discussion concerned delivery "
    "schedules, the price of diesel and a broken loading door at the northern site. "
)


@dataclass(frozen=True)
class StandardWindow:
    """Carlini et al.'s window at a candidate start: prefix_tokens before, suffix_tokens after."""

    matched: int
    exact: bool
    p_z: float
    p_untruncated: float
    fragile: int


@dataclass(frozen=True)
class Generation:
    """A real greedy generation from the author's prefix and how far it stayed verbatim."""

    start: int
    """Token position where the generation starts (the candidate's first token)."""
    prompt_start: int
    tokens: IntArray
    """Generated ids, cut at end-of-sequence."""
    verbatim: int


def _grouped(
    items: Sequence[tuple[int, int, int]], batch: int
) -> list[list[tuple[int, int, int]]]:
    """Group (key, prompt_len, suffix_len) items by equal shape, then cut into batches."""
    groups: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for item in items:
        groups[(item[1], item[2])].append(item)
    out: list[list[tuple[int, int, int]]] = []
    for shape in sorted(groups):
        g = groups[shape]
        out.extend(g[i : i + batch] for i in range(0, len(g), batch))
    return out


def standard_windows(
    ids: IntArray,
    starts: Sequence[int],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
) -> Generator[int, None, dict[int, StandardWindow]]:
    """Score the 50+50 window at each start (prefix clipped at the text's start, suffix at its end)."""
    n = int(ids.shape[0])
    P, S = settings.prefix_tokens, settings.suffix_tokens
    bos = backend.bos_id
    items = []
    for r in sorted(set(starts)):
        p = min(P, r)
        s = min(S, n - r)
        if s > 0 and (p > 0 or bos is not None):
            items.append((r, p, s))
    out: dict[int, StandardWindow] = {}
    for batch in _grouped(items, settings.confirm_batch_size * 2):
        if cancel is not None and cancel.cancelled:
            break
        rows = np.stack([ids[r - p : r + s] for r, p, s in batch])
        shift = 0 if bos is not None else 1
        # One shape per batch: the prefix is context only, scored from its last token on.
        scores = backend.score(with_bos(rows, bos), settings.top_k, batch[0][1] - shift)
        for row, (r, _p, s) in enumerate(batch):
            cols = np.arange(s)
            target = ids[r : r + s]
            matched = leading_matches(scores.greedy[row, cols], target)
            fragile_cols = cols[: min(matched + 1, s)]
            out[r] = StandardWindow(
                matched=matched,
                exact=matched == s == S,
                p_z=math.exp(float(np.sum(scores.logp_topk[row, cols], dtype=np.float64))),
                p_untruncated=math.exp(float(np.sum(scores.logp[row, cols], dtype=np.float64))),
                fragile=int((scores.gap[row, fragile_cols] < settings.thresholds.near_tie_gap).sum()),
            )
        yield len(out)
    return out


def _prompts(
    ids: IntArray, starts: Sequence[int], backend: Backend, settings: ScanSettings,
    prompt_for: Callable[[int], IntArray] | None,
) -> dict[int, IntArray]:
    """The prompt for each start: the prefix_tokens of the author's text before it, or `prompt_for`'s.

    Starts with nothing to condition on (an empty prompt and no BOS) are left out.
    """
    P = settings.prefix_tokens
    out: dict[int, IntArray] = {}
    for r in starts:
        prompt = prompt_for(r) if prompt_for is not None else ids[max(0, r - P) : r]
        if prompt.shape[0] > 0 or backend.bos_id is not None:
            out[r] = prompt
    return out


def generate_from_prefix(
    ids: IntArray,
    requests: Sequence[tuple[int, int]],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
    prompt_for: Callable[[int], IntArray] | None = None,
) -> Generator[int, None, dict[int, Generation]]:
    """Greedy generation for each (start, new_tokens) request, compared with the author's tokens.

    By default the prompt is the prefix_tokens of the author's text before `start`; `prompt_for`
    replaces it (the common-phrase test swaps in unrelated context).
    """
    n = int(ids.shape[0])
    bos = backend.bos_id
    prompts = _prompts(ids, [r for r, _ in requests], backend, settings, prompt_for)
    items = [(r, int(prompts[r].shape[0]), new) for r, new in requests if r in prompts]
    # Batch by prompt length only; each batch generates its longest request.
    by_len: list[tuple[int, int, int]] = [(r, p, 0) for r, p, _ in items]
    wanted = {r: new for r, _, new in items}
    out: dict[int, Generation] = {}
    for batch in _grouped(by_len, settings.confirm_batch_size):
        if cancel is not None and cancel.cancelled:
            break
        rows = np.stack([prompts[r] for r, _, _ in batch])
        new_tokens = max(wanted[r] for r, _, _ in batch)
        gen = backend.generate(with_bos(rows, bos), new_tokens)
        for row, (r, p, _) in enumerate(batch):
            g = gen[row, : wanted[r]]
            stop = np.flatnonzero(g < 0)
            g = g[: int(stop[0])] if stop.size else g
            actual = ids[r : min(n, r + wanted[r])]
            out[r] = Generation(start=r, prompt_start=r - p, tokens=g, verbatim=leading_matches(g, actual))
        yield len(out)
    return out


def _bucket(length: int, step: int = 16) -> int:
    """Round a draft length up so most windows share a length and batch without padding."""
    return -(-length // step) * step


def draft_verify(
    ids: IntArray,
    requests: Sequence[tuple[int, int]],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
    prompt_for: Callable[[int], IntArray] | None = None,
    window: bool = True,
) -> Generator[int, None, dict[int, tuple[Generation, StandardWindow]]]:
    """Greedy generation verified in one forward pass, with the author's text as the draft.

    For each (start, new_tokens) request, feed [BOS] + prompt + the author's next tokens and accept them
    while each is the model's argmax: the accepted tokens plus the model's first different token are
    exactly what step-by-step greedy decoding produces (speculative decoding, Leviathan et al. 2023).
    With `window`, the draft is at least suffix_tokens long and the same pass gives the standard
    window's figures; without it (the common-phrase test) the draft is only as long as asked.
    """
    n = int(ids.shape[0])
    S = settings.suffix_tokens
    floor = S if window else 0
    bos = backend.bos_id
    shift = 0 if bos is not None else 1
    prompts = _prompts(ids, [r for r, _ in requests], backend, settings, prompt_for)
    # Drafts rounded up to a multiple of 16 (and at least the window's suffix) so most rows share a shape and batch.
    items = [(r, int(prompts[r].shape[0]), min(n - r, max(floor, _bucket(new)))) for r, new in requests
             if r in prompts and n - r > 0]
    out: dict[int, tuple[Generation, StandardWindow]] = {}
    for batch in _grouped(items, settings.confirm_batch_size):
        if cancel is not None and cancel.cancelled:
            break
        rows = np.stack([np.concatenate([prompts[r], ids[r : r + d]]) for r, _, d in batch])
        # The prompt is context only: the output head runs from its last token (predicting the draft's first).
        scores = backend.score(with_bos(rows, bos), settings.top_k, batch[0][1] - shift)
        for row, (r, p, d) in enumerate(batch):
            cols = np.arange(d)
            greedy = scores.greedy[row, cols]
            v = leading_matches(greedy, ids[r : r + d])
            produced = greedy[: min(d, v + 1)]  # the accepted tokens, then the model's own next token
            s = min(S, d)
            head = cols[:s]
            figures = StandardWindow(
                matched=min(v, s),
                exact=v >= S,
                p_z=math.exp(float(np.sum(scores.logp_topk[row, head], dtype=np.float64))),
                p_untruncated=math.exp(float(np.sum(scores.logp[row, head], dtype=np.float64))),
                fragile=int((scores.gap[row, cols[: min(v + 1, d)]] < settings.thresholds.near_tie_gap).sum()),
            )
            out[r] = (Generation(start=r, prompt_start=r - p, tokens=produced, verbatim=v), figures)
        yield len(out)
    return out


@dataclass(frozen=True)
class Alignment:
    """Character-level comparison of the author's text with the model's output."""

    similarity: float
    longest_common: int
    original_spans: tuple[tuple[int, int], ...]
    generated_spans: tuple[tuple[int, int], ...]


def align(original: str, generated: str, min_span: int = 8) -> Alignment:
    """Indel similarity, longest common substring, and the verbatim spans on both sides.

    Spans shorter than `min_span` characters (a stray " is " matching by chance) are not highlighted.
    """
    orig_spans: list[tuple[int, int]] = []
    gen_spans: list[tuple[int, int]] = []
    for op in Indel.opcodes(original, generated):
        if op.tag == "equal" and op.src_end - op.src_start >= min_span:
            orig_spans.append((op.src_start, op.src_end))
            gen_spans.append((op.dest_start, op.dest_end))
    lcs = difflib.SequenceMatcher(None, original, generated, autojunk=False).find_longest_match(
        0, len(original), 0, len(generated)
    )
    return Alignment(
        similarity=round(float(fuzz.ratio(original, generated)), 2),
        longest_common=int(lcs.size),
        original_spans=tuple(orig_spans),
        generated_spans=tuple(gen_spans),
    )
