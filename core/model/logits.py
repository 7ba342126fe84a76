"""From logits to the per-position statistics the scan reads (WindowScores), written once for every backend.

Four ways compute the same six statistics (STATS): the numpy reference `scores_from_logits` (float64, plain
and slow: the one every fast path is tested against), the numpy fast path `numpy_stats` (llama.cpp's
logits, fp32, bounded slices), and two torch paths for transformers that share their last step
(`_torch_columns`): `blocked_stats` over full logits, and `streamed_stats`, which never builds full logits
(an online softmax over vocabulary blocks). The greedy token is always the first maximum of the raw
logits, the lowest id on an exact tie. torch is imported only by the torch paths, so llama.cpp and the
fake never load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from core.model.backend import IntArray, WindowScores

if TYPE_CHECKING:
    import torch

STATS = ("greedy", "logp", "logp_topk", "gap", "mean", "std")
"""The statistics, in WindowScores' order, as the fast paths name them:
greedy (argmax id), logp (log p of the actual next token), logp_topk (its log probability renormalized over
the top-k, -inf outside it), gap (log p of the top-1 minus the top-2), mean and std (of log p under p, for
Min-K%++; WindowScores.mean_logp and std_logp)."""

LOGIT_ELEMENTS = 32 * 1024 * 1024
"""Logit slices are bounded to this many elements (rows x positions x vocabulary) to cap memory: Gemma's 262k
vocabulary makes full logits of one 512-token window 0.5 GB in fp32."""


def to_window_scores(stats: dict[str, Any]) -> WindowScores:
    """WindowScores from arrays named as STATS (numpy, any dtype)."""
    greedy, *floats = (np.asarray(stats[name]) for name in STATS)
    return WindowScores(greedy.astype(np.int64), *(f.astype(np.float32) for f in floats))


# -- numpy --------------------------------------------------------------------------------------------

def scores_from_logits(logits: npt.NDArray[np.float32], targets: IntArray, top_k: int) -> WindowScores:
    """Reference implementation of WindowScores from raw logits (numpy float64, used in tests).

    logits: (B, T-1, V) predictions; targets: (B, T-1) the actual next tokens.
    """
    x = logits.astype(np.float64)
    m = x.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
    logprobs = x - lse
    probs = np.exp(logprobs)
    greedy = x.argmax(axis=-1)  # the first maximum of the raw logits: the lowest id on an exact tie
    logp = np.take_along_axis(logprobs, targets[..., None], axis=-1)[..., 0]
    k = min(top_k, x.shape[-1])
    part = np.sort(logprobs, axis=-1)[..., ::-1]
    top = part[..., :k]
    kth = top[..., -1]
    top_lse = np.log(np.exp(top).sum(axis=-1))
    in_topk = logp >= kth
    logp_topk = np.where(in_topk, logp - top_lse, -np.inf)
    gap = part[..., 0] - part[..., 1] if x.shape[-1] > 1 else np.full(logp.shape, np.inf)
    mean = (probs * logprobs).sum(axis=-1)
    var = (probs * logprobs**2).sum(axis=-1) - mean**2
    return to_window_scores({"greedy": greedy, "logp": logp, "logp_topk": logp_topk, "gap": gap, "mean": mean,
                             "std": np.sqrt(np.maximum(var, 0.0))})


def numpy_stats(logits: npt.NDArray[np.float32], targets: IntArray, top_k: int) -> dict[str, npt.NDArray[Any]]:
    """STATS from fp32 logits (R, V) and targets (R,): the fast numpy path (fp32, a partition for the top-k)."""
    greedy = np.argmax(logits, axis=-1)  # on the raw logits: the lowest id on an exact tie
    x = np.array(logits, dtype=np.float32, copy=True)
    x -= x.max(axis=-1, keepdims=True)
    x -= np.log(np.exp(x).sum(axis=-1, keepdims=True, dtype=np.float32))  # x is now log p
    r, v = x.shape
    k = min(max(top_k, 2), v)
    top = np.partition(x, v - k, axis=-1)[:, v - k :]
    top = -np.sort(-top, axis=-1)  # descending
    logp = x[np.arange(r), targets]
    kth = top[:, top_k - 1] if top_k <= k else top[:, -1]
    head = top[:, :top_k]
    hm = head[:, :1]
    top_lse = (hm + np.log(np.exp(head - hm).sum(axis=-1, keepdims=True)))[:, 0]
    p = np.exp(x)
    mean = np.einsum("ij,ij->i", p, x)
    p *= x
    second = np.einsum("ij,ij->i", p, x)
    var = second - mean * mean
    return {
        "greedy": greedy,
        "logp": logp,
        "logp_topk": np.where(logp >= kth, logp - top_lse, -np.inf).astype(np.float32),
        "gap": top[:, 0] - top[:, 1],
        "mean": mean,
        "std": np.sqrt(np.maximum(var, 0.0)),
    }


# -- torch --------------------------------------------------------------------------------------------

class TopK(NamedTuple):
    """Values (descending) and indices of the k largest entries along the last axis."""

    values: torch.Tensor
    indices: torch.Tensor


def blocked_topk(x: torch.Tensor, k: int, block: int = 512) -> TopK:
    """Exact top-k over a large last axis, much faster than torch.topk on a CPU for 100k+ vocabularies.

    The k largest entries lie in the k blocks with the largest block maxima, so one max pass over
    the vocabulary and a top-k over k * block candidates replace a top-k over the whole vocabulary.
    """
    import torch

    v = x.shape[-1]
    if v <= 4 * k * block:
        t = torch.topk(x, k, dim=-1)
        return TopK(t.values, t.indices)
    pad = (-v) % block
    xp = torch.nn.functional.pad(x, (0, pad), value=float("-inf")) if pad else x
    blocks = xp.reshape(*x.shape[:-1], -1, block)
    best_blocks = blocks.amax(-1).topk(k, dim=-1).indices  # (..., k)
    cand = torch.gather(blocks, -2, best_blocks.unsqueeze(-1).expand(*best_blocks.shape, block))
    vals, pos = cand.reshape(*x.shape[:-1], k * block).topk(k, dim=-1)
    idx = torch.gather(best_blocks, -1, pos // block) * block + pos % block
    return TopK(vals, idx)


def fp32_product(h: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """H @ weight.T with fp32 products, fp32 accumulation and an fp32 result, whatever the dtypes.

    With bf16/fp16 weights on a GPU the product of two half-precision numbers is exact in fp32, so a
    half-precision matrix product that accumulates and returns fp32 (`torch.mm(..., out_dtype=float32)`)
    computes exactly what casting both to fp32 would, at the tensor cores' speed. Where that is not
    available (a CPU, an older torch) both are cast to fp32.
    """
    import torch

    if h.is_cuda and h.dtype == weight.dtype and h.dtype in (torch.bfloat16, torch.float16):
        try:
            return torch.mm(h, weight.T, out_dtype=torch.float32)  # type: ignore[call-arg]
        except (TypeError, RuntimeError):
            pass
    return h.float() @ weight.float().T


def _torch_columns(greedy: torch.Tensor, target: torch.Tensor, top_v: torch.Tensor, log_z: torch.Tensor,
                   mean_s: torch.Tensor, mean_s2: torch.Tensor, top_k: int) -> dict[str, torch.Tensor]:
    """STATS from what both torch paths reduce the logits to, per position.

    target: the actual token's logit; top_v: the largest logits, descending (at least 2); with s = logit -
    max: log_z = log sum e^s, mean_s = E_p[s], mean_s2 = E_p[s^2]. var_p(log p) = var_p(s), so the spread
    needs no log-softmax over the vocabulary.
    """
    import torch

    n_top = min(top_k, top_v.shape[-1])
    logp = target - top_v[..., 0] - log_z
    in_topk = target >= top_v[..., n_top - 1]
    return {
        "greedy": greedy,
        "logp": logp,
        "logp_topk": torch.where(
            in_topk, target - torch.logsumexp(top_v[..., :n_top], dim=-1), torch.full_like(logp, float("-inf"))
        ),
        "gap": top_v[..., 0] - top_v[..., 1],
        "mean": mean_s - log_z,
        "std": (mean_s2 - mean_s.square()).clamp_min(0).sqrt(),
    }


def blocked_stats(logits: torch.Tensor, targets: torch.Tensor, top_k: int) -> dict[str, torch.Tensor]:
    """STATS from fp32 logits (B, T, V) and targets (B, T); modifies `logits`.

    Works on s = logits - max (so exp never overflows): two dot products over the vocabulary give the
    mean and spread, about half the memory traffic of a full log-softmax.
    """
    import torch

    k = min(max(top_k, 2), logits.shape[-1])
    greedy = torch.argmax(logits, dim=-1)  # the first maximum: the lowest id on an exact tie
    top = blocked_topk(logits, k)
    target_logit = torch.gather(logits, -1, targets.unsqueeze(-1)).squeeze(-1)
    s = logits.sub_(top.values[..., :1])
    e = s.exp()
    z = e.sum(-1)
    mean_s = torch.einsum("...v,...v->...", e, s) / z
    mean_s2 = torch.einsum("...v,...v->...", e.mul_(s), s) / z
    return _torch_columns(greedy, target_logit, top.values, z.log(), mean_s, mean_s2, top_k)


def streamed_stats(
    hidden: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    targets: torch.Tensor,
    top_k: int,
    softcap: float | None = None,
    vocab_block: int = 16384,
) -> dict[str, torch.Tensor]:
    """The same statistics as `blocked_stats`, computed block by block over the vocabulary (online softmax).

    The product with the head is computed in fp32 (hidden states and weights cast), so bf16 weights
    round nothing after the last layer; the greedy token is the first maximum (the lowest id on a tie).

    hidden (B, T, H), weight (V, H), targets (B, T). Running sums Z = sum e, A1 = sum e*s and
    A2 = sum e*s^2, with e = exp(s) and s = logit - running max, are carried to each new maximum
    exactly; top-k candidates are merged block by block. Memory is O(B * T * vocab_block), and the
    output head is read once (slicing positions instead re-reads it for every slice).
    """
    import torch

    shape = targets.shape
    h = hidden.reshape(-1, hidden.shape[-1])  # the output head runs in fp32 whatever the weights' dtype
    tgt = targets.reshape(-1)
    k = min(max(top_k, 2), weight.shape[0])
    m = z = a1 = a2 = t_logit = top_v = best = None
    for v0 in range(0, weight.shape[0], vocab_block):
        x = fp32_product(h, weight[v0 : v0 + vocab_block])
        if bias is not None:
            x += bias[v0 : v0 + vocab_block].float()
        if softcap:
            x = torch.tanh(x / softcap) * softcap
        width = x.shape[1]
        bt = torch.topk(x, min(k, width), dim=-1)
        # The greedy token is the first maximum (lowest id on an exact tie); topk orders ties arbitrarily.
        first_max = torch.argmax(x, dim=-1) + v0
        in_block = (tgt >= v0) & (tgt < v0 + width)
        here = x.gather(1, (tgt - v0).clamp(0, width - 1).unsqueeze(1)).squeeze(1)
        if m is None:
            m_new = bt.values[:, 0]
            top_v, best = bt.values, first_max
            t_logit = torch.where(in_block, here, torch.full_like(here, float("-inf")))
        else:
            assert top_v is not None and best is not None and t_logit is not None
            m_new = torch.maximum(m, bt.values[:, 0])
            best = torch.where(bt.values[:, 0] > m, first_max, best)  # a tie keeps the earlier, lower id
            keep = torch.topk(torch.cat([top_v, bt.values], dim=1), k, dim=-1)
            top_v = keep.values
            t_logit = torch.where(in_block, here, t_logit)
        x -= m_new.unsqueeze(1)  # s, relative to the new running maximum
        e = x.exp()
        zb = e.sum(1)
        es = e.mul_(x)
        a1b = es.sum(1)
        a2b = torch.einsum("rv,rv->r", es, x)
        if m is None:
            z, a1, a2 = zb, a1b, a2b
        else:
            assert z is not None and a1 is not None and a2 is not None
            d = m - m_new  # <= 0: old s becomes s + d, old e becomes e * exp(d)
            c = torch.exp(d)
            z, a1, a2 = (
                c * z + zb,
                c * (a1 + d * z) + a1b,
                c * (a2 + 2 * d * a1 + d * d * z) + a2b,
            )
        m = m_new
    assert m is not None and z is not None and a1 is not None and a2 is not None
    assert top_v is not None and best is not None and t_logit is not None
    mean_s = a1 / z
    out = _torch_columns(best, t_logit, top_v, z.log(), mean_s, a2 / z, top_k)
    return {key: value.reshape(shape) for key, value in out.items()}
