"""Scan settings: one frozen dataclass, a default and a docstring per field.

Every field is written into the result's JSON, so a report states exactly how it was produced and
`verbatim verify` can replay it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from core.errors import UserError


@dataclass(frozen=True)
class Thresholds:
    """The verdict rule's numbers (see README, "Thresholds and how they were chosen")."""

    candidate_run_tokens: int = 8
    """A run of at least this many greedy hits in the triage pass becomes a candidate passage."""

    confirm_tokens: int = 8
    """A candidate is confirmed when real greedy generation reproduces at least this many tokens."""

    memorized_tokens: int = 32
    """A confirmed, non-common passage this long (tokens) makes the verdict `memorized`."""

    inconclusive_tokens: int = 16
    """A confirmed, non-common passage this long (tokens) makes the verdict at least `inconclusive`."""


    near_tie_gap: float = 0.01
    """Positions whose top-2 log-probability gap (nats) is below this are flagged fragile (near-ties), when
    the model computes in fp32 throughout (transformers with fp32 weights). Measured on SmolLM2-135M
    (tests/core/model/test_precision.py; 12 prompts of 50 tokens from Genesis 1 and Hamlet, 32 greedy
    tokens each): a batched pass and one-token generation over the KV cache change the top-2 gap by at
    most 4e-5 nats in fp32, so 0.01 has a margin of 250."""

    near_tie_gap_half: float = 0.5
    """The same with bf16 or fp16 weights (the output head still runs in fp32). Measured the same way
    with bf16 weights: the gap changes by up to 0.43 nats (99th percentile 0.33), and 5 of 384 greedy
    choices flipped between the two computations, all below this."""

    near_tie_gap_quantized: float = 1.0
    """The same under llama.cpp's quantized kernels, and on a server of unknown precision. Measured the
    same way on the Q4_1 GGUF with an fp32 KV cache: the gap changes by up to 0.70 nats (99th percentile
    0.36), and 2 of 384 greedy choices flipped, both below this."""

    def near_tie(self, precision: str) -> float:
        """The near-tie threshold for a model computing in `precision`: "fp32", "half" or "quantized"."""
        return {"fp32": self.near_tie_gap, "half": self.near_tie_gap_half}.get(precision, self.near_tie_gap_quantized)

    alpha: float = 0.001
    """`memorized` needs a passage whose family-wise chance probability (chance_p) is below this."""

    inconclusive_alpha: float = 0.05
    """`inconclusive` needs a passage of inconclusive_tokens whose chance_p is below this."""

    share_alpha: float = 0.01
    """Or `memorized` when the share of verbatim tokens beats the controls' at this level (block
    permutation test)..."""

    share_min_tokens: int = 64
    """...and at least this many evidence tokens lie in confirmed passages."""

    block_tokens: int = 1000
    """Unit of the manuscript-vs-controls tests: blocks of about this many tokens."""

    min_tokens: int = 100
    """A text shorter than this (tokens) is too short to judge: the verdict is `not-determined`."""

    context_copy_ngram: int = 4
    """A token whose last this-many tokens already occurred within the triage chunk before it is a
    context copy: the model could copy it, so it never counts as evidence."""


RETIRED_THRESHOLDS = frozenset({"memorized_share"})
"""Thresholds schema-1 reports recorded that the rule no longer has (the bare 5 % share rule, replaced by
a block permutation test against the controls): read and ignored."""

BATCHING = ("batch_size", "confirm_batch_size", "generate_batch_size", "server_concurrency")
"""Settings that decide how rows are grouped into forward passes (or requests), never what is computed."""


@dataclass(frozen=True)
class ScanSettings:
    """How a scan runs. Defaults follow docs/design.md §3 and the literature's 50+50 protocol."""

    chunk_tokens: int = 512
    """Triage window length C (tokens, without BOS). Longer costs memory, shorter costs overlap."""

    overlap_tokens: int = 64
    """Triage left context O: every scored position sees at least this many preceding tokens."""

    batch_size: int = 4
    """Triage windows per forward pass (all of equal length, so results do not depend on batching)."""

    prefix_tokens: int = 50
    """Standard protocol: prompt length (Carlini et al. 2022; Cooper et al. 2025)."""

    suffix_tokens: int = 50
    """Standard protocol: continuation length scored for exact match and p_z."""

    top_k: int = 40
    """p_z: the author's token counts with its top-k renormalized probability (0 outside the top-k)."""

    max_passage_tokens: int = 128
    """Long runs are confirmed in segments of at most this many tokens, each with its own prompt."""

    confirm_extra_tokens: int = 8
    """Generation runs this many tokens past the triage run, to see where the model really diverges.

    The generation horizon of a candidate is max(suffix_tokens, run + confirm_extra_tokens) tokens (cut
    at the end of the text), the same for confirm_by "draft", for "generate" and for the step-by-step
    replay: a passage can be at most that long whichever way it is confirmed, and at least the standard
    suffix is always generated."""

    confirm_batch_size: int = 16
    """Candidates verified per forward pass (and probes per slice of the generate-and-compare sweep)."""

    generate_batch_size: int = 64
    """Rows per step-by-step generate() (the replays, and confirm_by "generate"). Every step reads the
    whole output head for one token per row, so more rows share that read: Gemma 3 270M on two CPU cores
    spends 15.7 ms per generated token with 16 rows and 10.1 ms with 64 (bench/bench_replay_rows.py)."""

    confirm_by: str = "draft"
    """"draft": verify greedy generation in one forward pass with the author's text as the draft
    (exactly greedy decoding, much faster), then replay the strongest passages with generate();
    "generate": step-by-step generate() for every candidate. Both generate to the same horizon (see
    confirm_extra_tokens), so they confirm the same passages up to numerical near-ties."""

    generate_top: int = 20
    """With confirm_by="draft": at most this many passages are regenerated with step-by-step generate():
    those long enough to raise the verdict on their own (inconclusive_tokens or more), and always the
    longest one. Every other passage's output is the one-pass verification's, which is the same greedy
    decoding."""

    near_verbatim: bool = True
    """Continue every confirmed passage past its first divergence (step-by-step generate() to the
    horizon, with confirm_by "draft" as well) and measure how far the output stays on the author's text
    with small edits allowed (core/scan/near_verbatim.py). Off: only the passages of generate_top are
    replayed and near_verbatim_tokens is -1 ("not measured")."""

    near_verbatim_tolerance: float = 0.10
    """Token edits allowed per token of a near-verbatim stretch (10 %: one changed word in ten)."""

    near_verbatim_extra_tokens: int = 16
    """With near_verbatim, generation runs this many tokens past the confirmation horizon (the bound on
    a near-verbatim stretch's length past it); the exact verbatim count still stops at the horizon, so a
    passage never runs into the next candidate's. Each token is one more step of generate() for every
    passage: on KJV Genesis 1 with Gemma 3 270M (llama.cpp, loaded 2-core CPU) replaying 14 passages 50
    tokens past the horizon took 786 s against 314 s for the whole confirmation, hence 16."""

    max_candidates: int = 400
    """Upper bound on candidates confirmed by generation (longest first); the rest are counted."""

    common_phrase_check: bool = True
    """Re-generate each confirmed passage after unrelated context to flag generic phrases."""

    common_phrase_keep_tokens: int = 4
    """Common-phrase test: tokens of the author's prompt kept after the unrelated context."""

    device: str = "auto"
    """"cpu", "cuda" or "auto" (CUDA when available)."""

    dtype: str = "auto"
    """"float32", "bfloat16" or "auto" (fp32 on CPU, bf16 weights on CUDA; log-softmax is always fp32)."""

    seed: int = 0
    """Seed for anything sampled (greedy decoding itself is deterministic)."""

    server_concurrency: int = 1
    """Through a server: requests in flight at once. Used only where the server computes each request
    alone (llama-server with a slot per request, vLLM declared batch-invariant); any other server gets
    one at a time, and the report's provenance says which (core/model/remote/servers.py)."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    """The verdict rule."""

    def confirm_horizon(self, run_tokens: int) -> int:
        """Tokens generated to confirm a candidate run of `run_tokens` (see confirm_extra_tokens)."""
        return max(self.suffix_tokens, run_tokens + self.confirm_extra_tokens)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping of every setting."""
        return dataclasses.asdict(self)

    def same_scan(self, recorded: dict[str, Any]) -> bool:
        """Whether a result recorded with `recorded` settings is this scan's.

        Batch sizes, which a GPU raises to fit its memory and which never change a result, are left out.
        """
        mine, theirs = self.to_dict(), dict(recorded)
        for key in BATCHING:
            mine.pop(key, None)
            theirs.pop(key, None)
        return mine == theirs

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanSettings:
        """Inverse of `to_dict`; unknown keys are an error so a replay never silently differs."""
        data = dict(data)
        recorded = {k: v for k, v in data.pop("thresholds", {}).items() if k not in RETIRED_THRESHOLDS}
        thresholds = Thresholds(**recorded)
        return cls(thresholds=thresholds, **data)

    def validate(self) -> None:
        """Raise UserError (a ValueError) with one sentence when settings cannot work together."""
        if self.overlap_tokens < 0 or self.chunk_tokens <= self.overlap_tokens:
            raise UserError("chunk_tokens must be larger than overlap_tokens, and overlap_tokens at least 0.")
        if self.prefix_tokens < 1 or self.suffix_tokens < 1:
            raise UserError("prefix_tokens and suffix_tokens must be at least 1.")
        if self.top_k < 1:
            raise UserError("top_k must be at least 1.")
        if self.confirm_by not in ("draft", "generate"):
            raise UserError('confirm_by must be "draft" or "generate".')
        if min(self.batch_size, self.confirm_batch_size, self.generate_batch_size) < 1:
            raise UserError("batch sizes must be at least 1.")
        if self.server_concurrency < 1:
            raise UserError("server_concurrency must be at least 1.")
        if self.near_verbatim_extra_tokens < 0:
            raise UserError("near_verbatim_extra_tokens must be at least 0.")
        if not 0.0 <= self.near_verbatim_tolerance < 1.0:
            raise UserError("near_verbatim_tolerance must be at least 0 and below 1.")
