"""Coverage@tau as Cooper et al. define it: each 50-token suffix scored under exactly its own 50-token prefix.

A window starting at token r is the author's prefix_tokens before r and the suffix_tokens from r; its
p_z is the product of the suffix tokens' top-k renormalized probabilities given the prefix and the
suffix tokens before each, teacher-forced (`probes.teacher_forced`). Coverage@tau is the share of the
work's characters lying in the suffix of at least one window with p_z >= tau. Only whole windows count:
a start with fewer than prefix_tokens before it, or fewer than suffix_tokens after it, is no 50+50
window, so the work's first prefix_tokens tokens can only ever be a prefix. Windows are scored at a
stride (every `stride`-th start from prefix_tokens on), which the result states; at stride 1 it is
the sliding figure. A window holding a token the model could copy from the text before it counts 0,
as everywhere else in the scan. The pure functions here are the figure; `exact_coverage` runs the
scoring through a backend.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping

import numpy as np
import numpy.typing as npt

from core.model.backend import Backend, IntArray
from core.scan.probes import teacher_forced
from core.scan.progress import CancelToken
from core.scan.windows import covered_tokens, token_mask_to_char_share
from core.settings import ScanSettings

COVERAGE_TAUS = {"0.1%": 0.001, "1%": 0.01, "10%": 0.1, "50%": 0.5}


def window_starts(n_tokens: int, prefix: int, suffix: int, stride: int) -> list[int]:
    """Suffix starts of the whole prefix+suffix windows at `stride`: prefix, prefix+stride, ... <= n - suffix.

    The last whole window (ending at the text's end) is always included, so the end of the work is
    scored at every stride.
    """
    if stride < 1:
        raise ValueError("stride must be at least 1")
    last = n_tokens - suffix
    if last < prefix:
        return []
    starts = list(range(prefix, last + 1, stride))
    if starts[-1] != last:
        starts.append(last)
    return starts


def coverage_from_windows(
    log_pz: Mapping[int, float],
    offsets: npt.NDArray[np.int64],
    n_chars: int,
    suffix: int,
    copied: npt.NDArray[np.bool_] | None = None,
    taus: Mapping[str, float] = COVERAGE_TAUS,
) -> dict[str, float]:
    """Share of characters under the suffix [r, r+suffix) of a scored window with p_z >= tau (pure).

    `log_pz` maps each scored suffix start r to the window's log p_z; a window whose suffix holds a
    context copy (`copied`) counts 0.
    """
    n = int(offsets.shape[0])
    starts = np.array(sorted(log_pz), dtype=np.int64)
    values = np.array([log_pz[int(r)] for r in starts], dtype=np.float64)
    if copied is not None and starts.size:
        csum = np.concatenate(([0], np.cumsum(copied.astype(np.int64))))
        values = np.where(csum[np.minimum(starts + suffix, n)] - csum[starts] > 0, -np.inf, values)
    out = {}
    for name, tau in taus.items():
        ok = np.zeros(n, dtype=bool)
        ok[starts[values >= math.log(tau)]] = True
        out[name] = round(token_mask_to_char_share(covered_tokens(ok, suffix, n), offsets, n_chars), 6)
    return out


def exact_coverage(
    ids: IntArray,
    offsets: npt.NDArray[np.int64],
    n_chars: int,
    backend: Backend,
    settings: ScanSettings,
    stride: int,
    copied: npt.NDArray[np.bool_] | None = None,
    cancel: CancelToken | None = None,
) -> Generator[int, None, tuple[dict[str, float], dict[int, float]]]:
    """Score every `stride`-th whole window through the backend; yield counts, return (coverage, log p_z).

    Cancelled part-way, the coverage covers the windows scored so far (the caller marks it so).
    """
    P, S = settings.prefix_tokens, settings.suffix_tokens
    starts = window_starts(int(ids.shape[0]), P, S, stride)
    columns = yield from teacher_forced(ids, [(r, S) for r in starts], backend, settings, cancel)
    log_pz = {r: float(np.sum(c.logp_topk[:S], dtype=np.float64)) for r, c in columns.items()}
    return coverage_from_windows(log_pz, offsets, n_chars, S, copied), log_pz
