"""What the heatmap sets aside: common phrases and context copies, per bin, beside the evidence heat.

The heatmap's strength (ScanResult.heatmap) comes from confirmed passages' evidence tokens only.
Reproduced text that does not count is not left blank: each bin also carries a code
(ScanResult.heatmap_set_aside) saying that a confirmed passage there was a common phrase (the model
reproduced it after unrelated text too) or that the tokens the model reproduced there could be copied
from the text before them (a chorus, a refrain). The PDF and the GUI draw both from these codes, in the
same neutral colour and hatching, so the red strip shows evidence and the grey shows what was set aside.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from core.results import Passage
from core.scan.windows import bin_max

NOTHING, COMMON_PHRASE, CONTEXT_COPY = 0, 1, 2
"""Bin codes; where a bin holds both, the context copy's code (the larger) is kept."""
SET_ASIDE_LABELS = {COMMON_PHRASE: "common phrase (not counted)", CONTEXT_COPY: "context copy (not counted)"}


def set_aside_tokens(passages: Sequence[Passage], copied: npt.NDArray[np.bool_]) -> npt.NDArray[np.int8]:
    """Per token, what was reproduced but not counted (pure).

    COMMON_PHRASE over a common phrase's verbatim span, CONTEXT_COPY over any confirmed passage's
    copied tokens, NOTHING elsewhere.
    """
    codes = np.zeros(copied.shape[0], dtype=np.int8)
    for p in passages:
        span = slice(p.start_token, p.start_token + p.verbatim_tokens)
        if p.common_phrase:
            codes[span] = np.maximum(codes[span], COMMON_PHRASE)
        codes[span] = np.where(copied[span], CONTEXT_COPY, codes[span])
    return codes


def set_aside_bins(
    codes: npt.NDArray[np.int8], offsets: npt.NDArray[np.int64], n_chars: int, bins: int
) -> tuple[int, ...]:
    """The largest code per equal character bin, over the tokens whose characters reach it (as heat_bins)."""
    return tuple(int(x) for x in bin_max(codes, offsets, n_chars, bins))
