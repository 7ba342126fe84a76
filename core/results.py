"""Frozen result dataclasses: what a scan produces and what the GUI, JSON and PDF consume.

Nothing here computes; `core.scan` fills these, `core.report.jsonio` serializes them, `gui` wraps them
in Qt item models, and the PDF renderer reads them. All character offsets index the scanned (normalized)
text, which `verbatim extract` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA = "verbatim.scan/2"
OLD_SCHEMAS = ("verbatim.scan/1",)
"""Earlier schemas the reader still accepts (their missing fields take the defaults below)."""

Verdict = Literal["memorized", "inconclusive", "no-evidence", "not-determined"]

BackendId = Literal["transformers", "llama.cpp", "remote", "fake"]
"""Which code ran the model (core.model.<hf, llamacpp, remote, fake>)."""
BACKEND_IDS: tuple[BackendId, ...] = ("transformers", "llama.cpp", "remote", "fake")


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
    backend: BackendId
    parameters: int | None = None
    quantization: str | None = None
    files: tuple[ModelFile, ...] = ()
    device: str = "cpu"
    dtype: str = "float32"
    tokenizer: str = ""
    backend_note: str = ""
    """What a reader needs to know about the backend, written right after its id in `backend_label`:
    " (top-20 log-probabilities)", ", generate-only"; "" for none."""

    @property
    def sha256(self) -> str:
        """The main file's hash (GGUF file or first weights file)."""
        return self.files[0].sha256 if self.files else ""

    @property
    def backend_label(self) -> str:
        """The backend as reports show it and the JSON records it: "remote (top-20 log-probabilities)"."""
        return self.backend + self.backend_note


def split_backend_label(label: str) -> tuple[BackendId, str]:
    """The inverse of ModelInfo.backend_label: ("remote", " (top-20 log-probabilities)"); ValueError if unknown."""
    for backend in sorted(BACKEND_IDS, key=len, reverse=True):
        if label.startswith(backend):
            return backend, label[len(backend) :]
    raise ValueError(f"unknown backend {label!r}")


KEY_COVERAGE_TAU = "1%"
"""The τ of the coverage figure shown as a key figure everywhere (Summary.key_coverage)."""
COVERAGE_NAME = "in-context coverage"
"""What Summary.coverage is called wherever it is shown: it is not Cooper et al.'s coverage (each 50-token
suffix under exactly its own 50-token prefix) but the same product over the scan's context (docs/design.md)."""
COVERAGE_MEANING = (
    "share of the work's characters lying in some 50-token stretch that the model predicts with a joint "
    "(top-k) probability of at least τ, each token given the work's text before it as the scan reads it "
    "(64 to 512 tokens, not exactly 50 as in Cooper et al.'s coverage)"
)

STANDARD_WINDOW_TOKENS = 50
"""Prefix and suffix of the literature's standard window (Carlini et al., Cooper et al.), which reports
name "50+50"; a passage whose window is shorter on either side says so (Passage.clipped_window)."""


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
    context_copy_tokens: int = 0
    """Tokens of the verbatim span the model could copy from the text before them (a chorus, a refrain)."""
    evidence_tokens: int = -1
    """The longest stretch of the verbatim span that is not a context copy: what the verdict counts
    (-1 in results read from schema 1, which had no such field; the reader fills in verbatim_tokens)."""
    chance_p: float | None = None
    """Probability (upper bound) that a run of evidence_tokens arises by chance anywhere in a never-seen
    work of this length for this model (core/stats/null.py); None without a chance model."""
    contested: bool = False
    """The declared reference model reproduced this long passage too: the declaration is in doubt."""
    contested_reason: str = ""
    near_verbatim_tokens: int = -1
    """The longest stretch from the passage's start that the output reproduces with at most
    near_verbatim_tolerance edits per token (core/scan/near_verbatim.py); at least verbatim_tokens when
    measured, -1 when not (results read from older reports, or the setting off). Not used by the verdict."""
    near_verbatim_edits: int = 0
    """Token edits (changed, left-out or added tokens) inside that stretch."""
    window_prefix_tokens: int = -1
    """Tokens of the author's text before the passage in its window (the prompt): 50 in a standard
    50+50 window, fewer where the work starts sooner; -1 when not recorded (older reports)."""
    window_suffix_tokens: int = -1
    """Tokens of the author's text the window's p_extract and match are measured over: 50, fewer where
    the work ends sooner; -1 when not recorded."""

    @property
    def evidence(self) -> int:
        """evidence_tokens, or verbatim_tokens for a passage that predates the field."""
        return self.verbatim_tokens if self.evidence_tokens < 0 else self.evidence_tokens

    @property
    def clipped_window(self) -> str:
        """"clipped: 12-token prefix" (and/or suffix) when the window is short of the standard 50+50, else ""."""
        parts = [f"{n}-token {side}" for n, side in ((self.window_prefix_tokens, "prefix"),
                                                      (self.window_suffix_tokens, "suffix"))
                 if 0 <= n < STANDARD_WINDOW_TOKENS]
        return "clipped: " + ", ".join(parts) if parts else ""

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
    """Evidence tokens of the longest confirmed passage that is neither a common phrase nor contested."""
    verbatim_token_share: float
    """Share of the work's tokens that are evidence tokens of such passages."""
    coverage: dict[str, float]
    """In-context coverage@tau (COVERAGE_MEANING): share of characters under some 50-token window whose
    p_z under the triage pass's context (64-512 tokens, not Cooper et al.'s exact 50) is >= tau."""
    candidates: int
    confirmed: int
    common_phrases: int
    reason: str
    """The rule that fired, in words, with its thresholds."""
    rule: str = ""
    """Which rule fired: "passage", "passages" (too many for chance; memorized below alpha, inconclusive below inconclusive_alpha), "share", "share-other-genre", "contested", "no-chance-model", "chance" (chance explains the
    longest passage), "none", "too-short", "cancelled" ("" in schema 1 results)."""
    alpha: float | None = None
    """The family-wise chance level a passage must beat to make the verdict memorized."""
    observed_passages: int = 0
    """Confirmed non-common passages with at least inconclusive_tokens evidence tokens."""
    expected_chance_passages: float | None = None
    """How many such passages the chance model expects in a never-seen work of this length (None
    without a chance model)."""
    expected_chance_interval: tuple[float, float] | None = None
    """Its 95 % interval."""
    context_copy_tokens: int = 0
    """Tokens of the work the model could copy from the text before them: never counted as evidence."""

    @property
    def key_coverage(self) -> float | None:
        """Coverage at KEY_COVERAGE_TAU, None when not measured.

        The one coverage figure the app, the PDF's key figures, the CLI summary and the matrix all show.
        """
        return self.coverage.get(KEY_COVERAGE_TAU)


@dataclass(frozen=True)
class ControlResult:
    """The same scan on a text the model cannot have seen."""

    name: str
    sha256: str
    tokens: int
    longest_verbatim_tokens: int
    verdict: Verdict
    bundled: bool
    kind: str = "bundled"
    """"own-unpublished" (the author's own never-published writing), "user" or "bundled"."""
    scored_tokens: int = 0
    run_histogram: dict[str, int] = field(default_factory=dict)
    """Maximal evidential greedy-hit runs by length: the chance model's data."""
    block_share: tuple[float, ...] = ()
    """Per block of block_tokens: share of tokens in confirmed non-common passages' evidence."""
    block_min_k_pp: tuple[float, ...] = ()
    """Per block: Min-K%++ (k=20 %) over the block's scored, non-copied tokens."""
    passage_evidence: tuple[int, ...] = ()
    """Evidence tokens of each confirmed non-common passage (what the verdict rule reads)."""


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
    """Min-K%++ (k=20 %) of each consecutive suffix_tokens window (context copies left out)."""
    run_histogram: dict[str, int] = field(default_factory=dict)
    """Maximal runs of greedy hits not copyable from context, by length (what a chance model is fitted to)."""
    block_min_k_pp: tuple[float, ...] = ()
    """Min-K%++ (k=20 %) per block of thresholds.block_tokens tokens: the unit of the membership test."""
    null_model: dict[str, Any] | None = None
    """The chance model the verdict used (core/stats/null.py NullModel.to_dict), None without controls."""
    extraction: dict[str, Any] = field(default_factory=dict)
    """Extraction risk under sampling for the whole work (core/stats/extraction.py): `decoding`,
    `window_tokens`, `windows`, and `share` {n: expected share of the work's characters that n samples per
    window reproduce}; {} when p_z was not measured (generate-only scans, older reports)."""
    chat: dict[str, Any] | None = None
    """Chat probes through the model's chat template (core/chatprobe): `template_sha256`, `template_source`,
    `selection`, `probes` [{kind, prompt, generated, verbatim_tokens, near_verbatim_tokens, similarity,
    match_start_char, ...}]; None when not asked. Reported apart; the verdict never reads it."""
    reconstruction: dict[str, Any] = field(default_factory=dict)
    """How much of the work the model rebuilt from its opening (core/reconstruct.py, `--reconstruct`):
    mode, seed_tokens, generated_tokens, verbatim_share, near_verbatim_share, chapters; {} when not run."""
    heatmap_set_aside: tuple[int, ...] = ()
    """Per heatmap bin, reproduced text that does not count (core/scan/heat.py): 0 nothing, 1 a common
    phrase, 2 a context copy; () in older reports."""
    schema: str = SCHEMA
