"""Frozen result dataclasses: what a scan produces and what the GUI, JSON and PDF consume.

Nothing here computes; `core.scan` fills these, `core.report.jsonio` serializes them, `gui` wraps them
in Qt item models, and the PDF renderer reads them. All character offsets index the scanned (normalized)
text, which `verbatim extract` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA = "verbatim.scan/1"

Verdict = Literal["memorized", "inconclusive", "no-evidence"]


@dataclass(frozen=True)
class ManuscriptInfo:
    """Where the scanned text came from and how it was normalized."""

    path: str
    sha256: str
    """SHA-256 of the file as read from disk."""
    size_bytes: int
    text_sha256: str
    """SHA-256 of the normalized text (UTF-8) that was scanned."""
    characters: int
    tokens: int
    format: str = "txt"
    encoding: str = "utf-8"
    normalizations: tuple[str, ...] = ()
    """Every normalization applied, in order, in words."""


@dataclass(frozen=True)
class ModelFile:
    """One file that makes up a model, with its hash."""

    path: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class ModelInfo:
    """The model a scan ran on, as a report must state it."""

    name: str
    path: str
    format: str
    """"gguf", "safetensors" or "fake"."""
    backend: str
    """"transformers", "llama.cpp", "remote" or "fake"."""
    parameters: int | None = None
    quantization: str | None = None
    files: tuple[ModelFile, ...] = ()
    device: str = "cpu"
    dtype: str = "float32"
    tokenizer: str = ""

    @property
    def sha256(self) -> str:
        """The main file's hash (GGUF file or first weights file)."""
        return self.files[0].sha256 if self.files else ""


@dataclass(frozen=True)
class Passage:
    """A stretch of the manuscript the model reproduced, proven by real generation."""

    start_char: int
    end_char: int
    start_token: int
    end_token: int
    prompt: str
    """The author's text given to the model (the prefix_tokens before start_token)."""
    original: str
    """The author's text the model was asked to continue with (the generated span's length)."""
    generated: str
    """What the model actually produced by greedy decoding from `prompt`."""
    verbatim_tokens: int
    """Tokens the generation reproduced exactly before its first divergence."""
    similarity: float
    """Normalized Indel similarity of generated vs original, 0-100 (rapidfuzz ratio)."""
    longest_common_chars: int
    """Length of the longest common substring of generated and original."""
    original_spans: tuple[tuple[int, int], ...]
    """Character spans within `original` that the generation reproduces verbatim."""
    generated_spans: tuple[tuple[int, int], ...]
    """The matching character spans within `generated`."""
    p_extract: float
    """p_z of the standard window: product of top-k renormalized probabilities over the suffix."""
    p_extract_untruncated: float
    """The same product without top-k truncation."""
    matched_suffix_tokens: int
    """Standard window: suffix tokens matched by greedy prediction before the first divergence."""
    exact_suffix_match: bool
    """Standard window: all suffix tokens are the greedy continuation (Carlini et al. "extractable")."""
    fragile_positions: int = 0
    """Positions in the reproduced span whose top-2 gap is a near-tie."""
    common_phrase: bool = False
    common_phrase_reason: str = ""

    @property
    def queries_for_half(self) -> int | None:
        """Sampling queries needed to extract the suffix with 50 % probability (None if p is 0)."""
        return queries_needed(self.p_extract, 0.5)


def queries_needed(p_z: float, target: float) -> int | None:
    """ceil(log(1 - target) / log(1 - p_z)): queries to see the suffix at least once with `target` odds."""
    import math

    if p_z <= 0.0:
        return None
    if p_z >= 1.0:
        return 1
    return max(1, math.ceil(math.log(1.0 - target) / math.log1p(-p_z)))


@dataclass(frozen=True)
class Membership:
    """Per-work membership-inference scores (weak alone: always shown beside controls)."""

    loss: float
    """Mean negative log-likelihood per token (nats)."""
    zlib_ratio: float
    """Total NLL (nats) divided by zlib-compressed length in bytes (Carlini et al. 2021)."""
    min_k: float
    """Min-K% (k=20 %): mean log p of the lowest 20 % of tokens."""
    min_k_pp: float
    """Min-K%++ (k=20 %): mean of the lowest 20 % standardized log-probabilities."""


@dataclass(frozen=True)
class Summary:
    """The headline: verdict and the figures that produced it."""

    verdict: Verdict
    score: float
    """Higher = more memorized: the longest confirmed non-common run over memorized_tokens, capped at 1."""
    longest_verbatim_tokens: int
    verbatim_token_share: float
    """Share of the work's tokens inside confirmed, non-common passages."""
    coverage: dict[str, float]
    """Coverage@tau: share of characters under some 50-token window with p_z >= tau."""
    candidates: int
    confirmed: int
    common_phrases: int
    reason: str
    """The rule that fired, in words, with its thresholds."""


@dataclass(frozen=True)
class ControlResult:
    """The same scan on a text the model cannot have seen."""

    name: str
    sha256: str
    tokens: int
    longest_verbatim_tokens: int
    verdict: Verdict
    bundled: bool


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan of one manuscript against one model found."""

    manuscript: ManuscriptInfo
    model: ModelInfo
    settings: dict[str, Any]
    summary: Summary
    passages: tuple[Passage, ...]
    membership: Membership | None
    heatmap: tuple[float, ...]
    """Memorization strength 0-1 over equal character bins of the work."""
    complete: bool
    """False when the scan was cancelled: the figures cover `positions_scored` only."""
    positions_scored: int
    positions_total: int
    provenance: dict[str, Any]
    text: str = field(default="", repr=False, compare=False)
    """The scanned text (kept in memory for display; not written to JSON)."""
    controls: tuple[ControlResult, ...] = ()
    statistics: dict[str, Any] = field(default_factory=dict)
    """Control statistics (false-positive rate, p-value) when controls were scanned."""
    window_scores: tuple[float, ...] = ()
    """Min-K%++ (k=20 %) of each consecutive suffix_tokens window: what controls are compared on."""
    schema: str = SCHEMA
