"""The one small interface every model backend implements.

A backend tokenizes with character offsets, scores batches of equal-length token windows (teacher
forcing), and generates greedily. The scan never touches torch or a tokenizer directly, so a fake
backend (core.model.fake) can stand in for GUI tests and a remote or llama.cpp backend can replace
transformers without the scan noticing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from core.results import ModelInfo

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Tokens:
    """A text tokenized once: ids and each token's [start, end) character offsets in the text."""

    ids: IntArray
    """shape (N,)"""
    offsets: IntArray
    """shape (N, 2)"""

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass(frozen=True)
class WindowScores:
    """Teacher-forced statistics for a batch of windows.

    Column t describes the prediction of token t+1 from tokens [0..t], so every array has shape
    (B, T-1) for input windows of shape (B, T). All numbers are computed from fp32 log-softmax.
    """

    greedy: IntArray
    """argmax token id."""
    logp: FloatArray
    """log p(actual next token)."""
    logp_topk: FloatArray
    """log of the actual token's top-k renormalized probability; -inf when outside the top-k."""
    gap: FloatArray
    """log p(top-1) - log p(top-2): small values are near-ties."""
    mean_logp: FloatArray
    """E_p[log p] over the vocabulary (for Min-K%++)."""
    std_logp: FloatArray
    """Standard deviation of log p under p (for Min-K%++)."""

    def columns_from(self, first: int) -> WindowScores:
        """The same statistics without the first `first` columns (for backends that computed them all)."""
        if first <= 0:
            return self
        return WindowScores(*(getattr(self, f.name)[:, first:] for f in fields(self)))

    @classmethod
    def concat(cls, parts: list[WindowScores]) -> WindowScores:
        """Rows of several batches stacked into one (batches scored in parts)."""
        if len(parts) == 1:
            return parts[0]
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts], axis=0) for f in fields(cls)))


class Backend(Protocol):
    """What the scan needs from a model: every member it reads is declared here (BaseBackend has defaults)."""

    info: ModelInfo

    @property
    def bos_id(self) -> int | None:
        """The BOS the model's tokenizer puts before a text, prepended to every window.

        None when the tokenizer puts none, even if the model defines a BOS token (Qwen's tokenizers add
        none, Gemma's and Llama's do).
        """
        ...

    @property
    def can_score(self) -> bool:
        """Whether `score` works: False for a server that returns no log-probabilities of given text.

        The scan then runs the generate-and-compare sweep (core/scan/sweep.py).
        """
        ...

    @property
    def load_seconds(self) -> float | None:
        """How long loading took, for the report's timings; None when nothing was loaded (the fake)."""
        ...

    @property
    def decoding(self) -> dict[str, Any]:
        """The effective decoding, as a report states it (provenance["decoding"])."""
        ...

    def suggest_batch_size(self, row_tokens: int) -> int | None:
        """Rows of `row_tokens` tokens that fit in the device's free memory; None where there is no limit."""
        ...

    def tokenize(self, text: str) -> Tokens:
        """Tokenize the whole text once, without special tokens, with character offsets."""
        ...

    def decode(self, ids: IntArray | list[int]) -> str:
        """Token ids back to text."""
        ...

    def score(self, windows: IntArray, top_k: int, first: int = 0) -> WindowScores:
        """Teacher-forced scores for a (B, T) batch of windows of equal length.

        Only columns `first`..T-2 are returned (shape (B, T-1-first)): the predictions of tokens
        first+1..T-1. Positions before that are context whose predictions nobody reads (a prompt, a
        chunk's overlap); a backend may skip the output head there, which is most of the cost of a
        large-vocabulary model.
        """
        ...

    def generate(self, prompts: IntArray, max_new_tokens: int) -> IntArray:
        """Greedy continuations, shape (B, max_new_tokens), for a (B, P) batch of equal-length prompts."""
        ...


class BaseBackend:
    """Defaults for the Backend members a backend may leave out; each backend overrides what it knows."""

    can_score: bool = True
    load_seconds: float | None = None

    @property
    def decoding(self) -> dict[str, Any]:
        return {"method": "argmax", "ties": "lowest token id"}

    def suggest_batch_size(self, row_tokens: int) -> int | None:
        return None


def added_prefix(with_special: list[int], plain: list[int]) -> int | None:
    """The token a tokenizer puts before a text (its BOS), or None when it puts nothing before it.

    From the same text tokenized with and without special tokens; an EOS after the text is not a BOS.
    """
    if len(with_special) > len(plain) and with_special[1 : 1 + len(plain)] == plain:
        return int(with_special[0])
    return None


def numeric_precision(info: ModelInfo) -> str:
    """How finely the model's logits are computed; Thresholds.near_tie picks the near-tie threshold by it.

    "fp32" throughout (transformers with fp32 weights, or the fake), "half" (bf16/fp16 weights, fp32
    output head), or "quantized" (llama.cpp's kernels, and a server whose precision is unknown; the
    generate-only fake stands for such a server).
    """
    if info.backend in ("transformers", "fake") and not info.backend_note:
        return "fp32" if info.dtype == "float32" else "half"
    return "quantized"
