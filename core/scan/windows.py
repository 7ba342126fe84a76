"""Index arithmetic of the scan, as pure functions of integers and arrays.

Conventions: token positions index the manuscript's token array (0..n-1). A window fed to the model is
[BOS] + ids[start:start+length]; its score column c predicts token start + c, so every token of a window,
the first included, is scored with BOS plus the window's earlier tokens as context.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Chunk:
    """A triage window: tokens [start, start + length), scoring positions [score_from, start + length)."""

    start: int
    length: int
    score_from: int

    @property
    def end(self) -> int:
        """One past the last token in the window."""
        return self.start + self.length


def plan_chunks(n_tokens: int, chunk: int, overlap: int) -> list[Chunk]:
    """Cover positions 0..n-1 exactly once with windows of one length.

    Every position after the first window sees at least `overlap` tokens of left context. The last
    window is shifted left to end at n, so all windows have equal length (no padding, so a position's
    score does not depend on what it was batched with).
    """
    if chunk <= overlap:
        raise ValueError("chunk must exceed overlap")
    if n_tokens <= 0:
        return []
    length = min(chunk, n_tokens)
    chunks = [Chunk(0, length, 0)]
    next_pos = length
    while next_pos < n_tokens:
        start = min(next_pos - overlap, n_tokens - length)
        chunks.append(Chunk(start, length, next_pos))
        next_pos = start + length
    return chunks


def hit_runs(hits: npt.NDArray[np.bool_], min_len: int) -> list[tuple[int, int]]:
    """Maximal runs [start, end) of True with length >= min_len, in order."""
    if hits.size == 0:
        return []
    padded = np.concatenate(([False], hits.astype(bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e - s >= min_len]


def split_run(start: int, end: int, max_len: int) -> list[tuple[int, int]]:
    """Cut [start, end) into consecutive pieces of at most max_len (the last may be shorter)."""
    return [(s, min(s + max_len, end)) for s in range(start, end, max_len)]


def leading_matches(predicted: npt.NDArray[np.int64], actual: npt.NDArray[np.int64]) -> int:
    """How many tokens match from the start before the first difference."""
    n = min(predicted.shape[0], actual.shape[0])
    diff = np.flatnonzero(predicted[:n] != actual[:n])
    return int(diff[0]) if diff.size else n


def char_span(offsets: npt.NDArray[np.int64], start_tok: int, end_tok: int) -> tuple[int, int]:
    """Character span [start, end) of tokens [start_tok, end_tok); empty span at start_tok if empty."""
    n = offsets.shape[0]
    if n == 0:
        return 0, 0
    if end_tok <= start_tok:
        pos = int(offsets[start_tok, 0]) if start_tok < n else int(offsets[-1, 1])
        return pos, pos
    return int(offsets[start_tok, 0]), int(offsets[min(end_tok, n) - 1, 1])


def window_sums(values: npt.NDArray[np.float64], width: int) -> npt.NDArray[np.float64]:
    """Sum over every window of `width` consecutive values (length n - width + 1; -inf propagates)."""
    n = values.shape[0]
    if n < width or width <= 0:
        return np.empty(0, dtype=np.float64)
    finite = np.isfinite(values)
    csum = np.concatenate(([0.0], np.cumsum(np.where(finite, values, 0.0))))
    bad = np.concatenate(([0], np.cumsum(~finite)))
    sums = csum[width:] - csum[:-width]
    has_bad = (bad[width:] - bad[:-width]) > 0
    return np.where(has_bad, -np.inf, sums)


def covered_tokens(window_ok: npt.NDArray[np.bool_], width: int, n_tokens: int) -> npt.NDArray[np.bool_]:
    """Tokens lying under at least one window start w (covering [w, w+width)) where window_ok[w]."""
    delta = np.zeros(n_tokens + 1, dtype=np.int64)
    starts = np.flatnonzero(window_ok)
    np.add.at(delta, starts, 1)
    np.add.at(delta, np.minimum(starts + width, n_tokens), -1)
    return np.cumsum(delta[:-1]) > 0


def token_mask_to_char_share(
    mask: npt.NDArray[np.bool_], offsets: npt.NDArray[np.int64], n_chars: int
) -> float:
    """Share of the text's characters that lie in tokens selected by mask."""
    if n_chars <= 0:
        return 0.0
    covered = int((offsets[mask, 1] - offsets[mask, 0]).sum())
    return min(1.0, covered / n_chars)


def heat_bins(
    strength: npt.NDArray[np.float64], offsets: npt.NDArray[np.int64], n_chars: int, bins: int
) -> tuple[float, ...]:
    """Max strength per equal character bin of the text, over the tokens whose characters fall in it.

    A token colours every bin its characters reach, so a short text (more bins than tokens) shows a
    memorized run as one stretch, not as a comb of its tokens' first characters.
    """
    return tuple(round(float(x), 4) for x in bin_max(strength, offsets, n_chars, bins))


def bin_max(
    values: npt.NDArray[np.floating] | npt.NDArray[np.integer], offsets: npt.NDArray[np.int64], n_chars: int,
    bins: int,
) -> npt.NDArray[np.float64]:
    """The largest positive value per equal character bin, over the tokens whose characters reach the bin.

    The one binning behind the heatmap and its set-aside codes (core/scan/heat.py); 0 where none reaches.
    """
    out = np.zeros(bins, dtype=np.float64)
    if n_chars <= 0 or values.size == 0:
        return out
    first = np.minimum((offsets[:, 0] * bins) // n_chars, bins - 1)
    last = np.minimum((np.maximum(offsets[:, 1] - 1, offsets[:, 0]) * bins) // n_chars, bins - 1)
    for i in np.flatnonzero(values > 0):
        a, b = int(first[i]), int(last[i]) + 1
        out[a:b] = np.maximum(out[a:b], float(values[i]))
    return out


def context_copy_mask(ids: npt.NDArray[np.int64], lookback: int, ngram: int) -> npt.NDArray[np.bool_]:
    """Tokens the model could copy from the text before them, not recall from training.

    Token i is a context copy when the `ngram` tokens ending at i (token i and the ngram - 1 before it)
    already occurred, ending at some j with i - lookback <= j < i: a model that has seen those earlier
    tokens in its context can continue the repeat by copying (a chorus, a refrain, a repeated legal
    definition). The first occurrence is never a copy. `lookback` is the longest context any probe of the
    scan gives the model (the triage chunk), so nothing copyable in any probe is credited as memory.
    """
    n = int(ids.shape[0])
    out = np.zeros(n, dtype=bool)
    if ngram < 1 or n < ngram:
        return out
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    # grams[k] is the n-gram ending at position k + ngram - 1; equal n-grams get equal rows.
    grams = np.lib.stride_tricks.sliding_window_view(ids, ngram)
    # Sorted by the n-gram itself (exactly, no hashing: token ids fit 32 bits, so two ids make one key),
    # then by position.
    keys = [(grams[:, c] << 32) | grams[:, c + 1] for c in range(0, ngram - 1, 2)]
    if ngram % 2:
        keys.append(grams[:, ngram - 1])
    order = np.lexsort((np.arange(grams.shape[0]), *reversed(keys)))
    ranked = np.stack([k[order] for k in keys], axis=1)
    same = (ranked[1:] == ranked[:-1]).all(axis=1)
    later, earlier = order[1:][same], order[:-1][same]  # each occurrence and the one just before it
    near = later - earlier <= lookback
    out[later[near] + ngram - 1] = True
    return out


def run_length_histogram(mask: npt.NDArray[np.bool_]) -> dict[int, int]:
    """How many maximal runs of True there are of each length (the data a chance model is fitted to)."""
    padded = np.concatenate(([False], mask.astype(bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    lengths, counts = np.unique(edges[1::2] - edges[0::2], return_counts=True)
    return {int(k): int(v) for k, v in zip(lengths, counts, strict=True)}


def longest_run_within(mask: npt.NDArray[np.bool_], start: int, end: int) -> int:
    """Length of the longest run of True inside [start, end)."""
    runs = hit_runs(mask[max(0, start) : max(start, end)], 1)
    return max((e - s for s, e in runs), default=0)
