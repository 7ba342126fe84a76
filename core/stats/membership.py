"""Membership-inference scores of a work (weak alone: always shown beside controls)."""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

from core.results import Membership


def membership_scores(
    logp: npt.NDArray[np.float32],
    mean_logp: npt.NDArray[np.float32],
    std_logp: npt.NDArray[np.float32],
    text: str,
    k: float = 0.2,
) -> Membership | None:
    """Loss, zlib ratio, Min-K% and Min-K%++ over the finite (scored) positions."""
    ok = np.isfinite(logp)
    if not ok.any():
        return None
    lp = logp[ok].astype(np.float64)
    nll = -lp
    n_low = max(1, int(np.ceil(k * lp.size)))
    min_k = float(np.sort(lp)[:n_low].mean())
    z = (lp - mean_logp[ok]) / np.maximum(std_logp[ok], 1e-6)
    min_k_pp = float(np.sort(z)[:n_low].mean())
    zlen = len(zlib.compress(text.encode("utf-8")))
    return Membership(
        loss=round(float(nll.mean()), 6),
        zlib_ratio=round(float(nll.sum() / max(zlen, 1)), 6),
        min_k=round(min_k, 6),
        min_k_pp=round(min_k_pp, 6),
    )


def window_min_k_pp(
    logp: npt.NDArray[np.float32],
    mean_logp: npt.NDArray[np.float32],
    std_logp: npt.NDArray[np.float32],
    width: int,
    k: float = 0.2,
) -> tuple[float, ...]:
    """Min-K%++ of each consecutive, non-overlapping `width`-token window of scored positions."""
    ok = np.isfinite(logp)
    z = ((logp - mean_logp) / np.maximum(std_logp, 1e-6))[ok].astype(np.float64)
    out = []
    n_low = max(1, int(np.ceil(k * width)))
    for start in range(0, z.size - width + 1, width):
        out.append(round(float(np.sort(z[start : start + width])[:n_low].mean()), 5))
    return tuple(out)


def block_min_k_pp(
    logp: npt.NDArray[np.float32],
    mean_logp: npt.NDArray[np.float32],
    std_logp: npt.NDArray[np.float32],
    blocks: list[tuple[int, int]],
    k: float = 0.2,
) -> tuple[float, ...]:
    """Min-K%++ of each block [start, end) of token positions over its finite (scored) positions.

    A block with no scored position gets NaN (written as null in JSON).
    """
    z = (logp.astype(np.float64) - mean_logp) / np.maximum(std_logp, 1e-6)
    out = []
    for a, b in blocks:
        part = z[a:b][np.isfinite(z[a:b])]
        if part.size == 0:
            out.append(float("nan"))
            continue
        n_low = max(1, int(np.ceil(k * part.size)))
        out.append(round(float(np.sort(part)[:n_low].mean()), 5))
    return tuple(out)
