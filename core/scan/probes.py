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

from core.model.backend import Backend, FloatArray, IntArray, WindowScores
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


@dataclass(frozen=True, eq=False)
class Columns:
    """Teacher-forced statistics of the author's tokens from one start on, under the generation's prompt.

    Column j describes the author's token start + j given the prompt and the author's tokens before it,
    which is also the context of greedy generation for as long as the generation stays verbatim.
    """

    greedy: IntArray
    gap: FloatArray
    logp: FloatArray
    logp_topk: FloatArray

    def __len__(self) -> int:
        return int(self.greedy.shape[0])


def window_figures(verbatim: int, cols: Columns, suffix_tokens: int, near_tie_gap: float) -> StandardWindow:
    """The standard window's figures for a generation that reproduced `verbatim` tokens (pure).

    Greedy generation from the 50-token prefix is the 50+50 window's greedy continuation, so matched and
    exact follow from the generation the report shows; p_z is the teacher-forced product over the suffix
    (clipped at the end of the text); fragile counts the near-ties along the reproduced span and the
    position where it ends.
    """
    s = min(suffix_tokens, len(cols))
    span = min(verbatim + 1, len(cols))
    return StandardWindow(
        matched=min(verbatim, s),
        exact=verbatim >= suffix_tokens,
        p_z=math.exp(float(np.sum(cols.logp_topk[:s], dtype=np.float64))),
        p_untruncated=math.exp(float(np.sum(cols.logp[:s], dtype=np.float64))),
        fragile=int((cols.gap[:span] < near_tie_gap).sum()),
    )


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


def teacher_forced(
    ids: IntArray,
    requests: Sequence[tuple[int, int]],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
) -> Generator[int, None, dict[int, Columns]]:
    """Score the author's `length` tokens from each (start, length) under the prefix_tokens before it.

    The prefix is clipped at the text's start and the scored tokens at its end.
    """
    n = int(ids.shape[0])
    P = settings.prefix_tokens
    bos = backend.bos_id
    items = []
    for r, length in sorted(dict(requests).items()):
        p = min(P, r)
        s = min(length, n - r)
        if s > 0 and (p > 0 or bos is not None):
            items.append((r, p, s))
    out: dict[int, Columns] = {}
    for batch in _grouped(items, settings.confirm_batch_size * 2):
        if cancel is not None and cancel.cancelled:
            break
        rows = np.stack([ids[r - p : r + s] for r, p, s in batch])
        shift = 0 if bos is not None else 1
        # One shape per batch: the prefix is context only, scored from its last token on.
        scores = backend.score(with_bos(rows, bos), settings.top_k, batch[0][1] - shift)
        for row, (r, _p, s) in enumerate(batch):
            out[r] = _columns(scores, row, s)
        yield len(out)
    return out


def _columns(scores: WindowScores, row: int, length: int) -> Columns:
    return Columns(
        greedy=scores.greedy[row, :length].copy(),
        gap=scores.gap[row, :length].copy(),
        logp=scores.logp[row, :length].copy(),
        logp_topk=scores.logp_topk[row, :length].copy(),
    )


def standard_windows(
    ids: IntArray,
    starts: Sequence[int],
    backend: Backend,
    settings: ScanSettings,
    cancel: CancelToken | None = None,
    near_tie_gap: float | None = None,
) -> Generator[int, None, dict[int, StandardWindow]]:
    """Score the 50+50 window at each start (prefix clipped at the text's start, suffix at its end).

    `matched` is what teacher forcing predicts greedy generation reproduces; `near_tie_gap` defaults to
    the fp32 threshold.
    """
    gap = settings.thresholds.near_tie_gap if near_tie_gap is None else near_tie_gap
    S = settings.suffix_tokens
    cols = yield from teacher_forced(ids, [(r, S) for r in starts], backend, settings, cancel)
    return {
        r: window_figures(leading_matches(c.greedy, ids[r : r + len(c)]), c, S, gap) for r, c in cols.items()
    }


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
    # Batch by prompt length only; each batch generates its longest request. Few large batches beat many
    # small ones (each step reads all the weights, however many rows it has), so requests are only sorted
    # by length, for when there are more than a batch holds (bench/RESULTS-scan.md, "Novel length").
    by_len = [(r, p, 0) for r, p, _ in sorted(items, key=lambda it: (it[2], it[0]))]
    wanted = {r: new for r, _, new in items}
    out: dict[int, Generation] = {}
    for batch in _grouped(by_len, settings.generate_batch_size):
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
) -> Generator[int, None, dict[int, tuple[Generation, Columns]]]:
    """Greedy generation verified in one forward pass, with the author's text as the draft.

    For each (start, new_tokens) request, feed [BOS] + prompt + the author's next tokens and accept them
    while each is the model's argmax: the accepted tokens plus the model's first different token are
    exactly what step-by-step greedy decoding of new_tokens produces (speculative decoding, Leviathan et
    al. 2023). Verification stops at new_tokens, as generate_from_prefix does. With `window`, the draft
    is at least suffix_tokens long, so the same pass gives the standard window's columns; without it
    (the common-phrase test) the draft is only as long as asked.
    """
    n = int(ids.shape[0])
    S = settings.suffix_tokens
    floor = S if window else 0
    bos = backend.bos_id
    shift = 0 if bos is not None else 1
    prompts = _prompts(ids, [r for r, _ in requests], backend, settings, prompt_for)
    wanted = dict(requests)
    # Drafts rounded up to a multiple of 16 (and at least the window's suffix) so most rows share a shape and batch.
    items = [(r, int(prompts[r].shape[0]), min(n - r, _bucket(new) if new > floor else floor)) for r, new in requests
             if r in prompts and n - r > 0]
    out: dict[int, tuple[Generation, Columns]] = {}
    for batch in _grouped(items, settings.confirm_batch_size):
        if cancel is not None and cancel.cancelled:
            break
        rows = np.stack([np.concatenate([prompts[r], ids[r : r + d]]) for r, _, d in batch])
        # The prompt is context only: the output head runs from its last token (predicting the draft's first).
        scores = backend.score(with_bos(rows, bos), settings.top_k, batch[0][1] - shift)
        for row, (r, p, d) in enumerate(batch):
            cols = _columns(scores, row, d)
            h = min(wanted[r], d)  # the generation horizon, as generate_from_prefix has it
            v = leading_matches(cols.greedy[:h], ids[r : r + h])
            produced = cols.greedy[: min(h, v + 1)]  # the accepted tokens, then the model's own next token
            out[r] = (Generation(start=r, prompt_start=r - p, tokens=produced, verbatim=v), cols)
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
