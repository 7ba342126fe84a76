"""Hand-built ScanResults for report tests: realistic, internally consistent, no model needed."""

from __future__ import annotations

import difflib
import hashlib
from typing import TYPE_CHECKING, Any

from core.results import (
    ControlResult,
    ManuscriptInfo,
    Membership,
    ModelFile,
    ModelInfo,
    Passage,
    ScanResult,
    Summary,
    Verdict,
)
from core.settings import ScanSettings

if TYPE_CHECKING:
    from core.stats.null import NullModel

# An original text written for these tests (no copyright issue, no model has seen it).
SAMPLE_TEXT = """\
Chapter One. The Salt Road

The caravan left Qasr al-Milh before dawn, while the stars still hung low over the dunes like lamps \
nobody had remembered to put out. Miriam walked beside the third camel, counting its steps because \
counting was the only thing that kept her from thinking about the letter folded inside her sleeve.

Her uncle had written it in the spring, in the careful hand he used for contracts and for grief. \
"Come to the coast," it said, "and bring nothing you cannot carry for forty days." She had brought \
a water skin, a knife with a bone handle, and the ledger her mother had kept for thirty years, \
every page a column of debts that would never now be paid.

By noon the heat pressed on them like a hand. The guide, a thin man called Idris who never \
seemed to sweat, raised his staff and the line of animals folded itself into the shadow of a \
ridge. Nobody spoke. Speech cost water, and water was the only currency the desert respected.

Chapter Two. The Well at Bir Tawil

They reached the well on the sixth evening and found it choked with sand. Idris knelt at the lip \
and listened for a long time, as if the stone might tell him something the rest of them could not \
hear. Then he stood and said, very quietly, that they would dig through the night.

Miriam dug beside a boy from the salt pans whose name she never learned. They worked by the light \
of a single lantern, passing baskets hand to hand, and when the first dark water seeped up between \
the stones the boy laughed so hard that he had to sit down. It was the first time she had heard \
anyone laugh since her mother's funeral, and she found, to her surprise, that she was laughing too.

In the morning the camels drank for an hour. Idris filled every skin twice and poured the last \
bucket over his own head, and the water ran down his face and into his beard like something holy.
"""

SAMPLE_MEMBERSHIP = Membership(loss=1.84, zlib_ratio=0.0061, min_k=-5.12, min_k_pp=-0.41)
MANUSCRIPT_PATH = "/home/author/Manuscripts/The Salt Road (final draft).docx"


def _words_to_tokens(text: str) -> int:
    return max(1, round(len(text.split()) * 1.3))


def make_passage(
    text: str,
    start: int,
    end: int,
    *,
    diverge_at: int | None = None,
    replacement: str = " and then the wind rose",
    prompt_chars: int = 240,
    p_extract: float = 0.62,
    common: bool = False,
    reason: str = "",
) -> Passage:
    """A passage of `text[start:end]`, reproduced verbatim up to `diverge_at` characters into it."""
    original = text[start:end]
    prompt = text[max(0, start - prompt_chars) : start]
    if diverge_at is None or diverge_at >= len(original):
        generated = original
        o_spans: tuple[tuple[int, int], ...] = ((0, len(original)),)
        g_spans = o_spans
        matched = original
    else:
        # Diverge at a word boundary and replace the next five words, as a real model would.
        d = original.find(" ", diverge_at)
        d = len(original) if d < 0 else d
        rest = original[d:].split(" ")
        e = min(len(original), d + len(" ".join(rest[:6])))
        generated = original[:d] + replacement + original[e:]
        o_spans = ((0, d), (e, len(original)))
        g_spans = ((0, d), (d + len(replacement), len(generated)))
        diverge_at = d
        matched = original[:diverge_at]
    o_spans = tuple((a, b) for a, b in o_spans if b > a)
    g_spans = tuple((a, b) for a, b in g_spans if b > a)
    tokens = _words_to_tokens(original)
    verbatim = _words_to_tokens(matched)
    return Passage(
        start_char=start,
        end_char=end,
        start_token=_words_to_tokens(text[:start]),
        end_token=_words_to_tokens(text[:start]) + tokens,
        prompt=prompt,
        original=original,
        generated=generated,
        verbatim_tokens=verbatim,
        similarity=round(difflib.SequenceMatcher(None, original, generated, autojunk=False).ratio() * 100, 2),
        longest_common_chars=max((b - a for a, b in o_spans), default=0),
        original_spans=o_spans,
        generated_spans=g_spans,
        p_extract=p_extract,
        p_extract_untruncated=p_extract * 0.97,
        matched_suffix_tokens=min(50, verbatim),
        exact_suffix_match=verbatim >= 50,
        fragile_positions=1 if diverge_at else 0,
        common_phrase=common,
        common_phrase_reason=reason,
    )


def sample_passages(text: str = SAMPLE_TEXT) -> tuple[Passage, ...]:
    """Three passages: one long verbatim run, one that diverges, one common phrase."""

    def span(phrase: str, length: int) -> tuple[int, int]:
        i = text.index(phrase)
        return i, min(len(text), i + length)

    a = span("Her uncle had written", 420)
    b = span("Miriam dug beside", 300)
    c = span("Chapter Two.", 40)
    return (
        make_passage(text, *a, p_extract=0.91),
        make_passage(text, *b, diverge_at=140, p_extract=0.034),
        make_passage(
            text,
            *c,
            p_extract=0.2,
            common=True,
            reason="still reproduced after unrelated context (generic chapter heading)",
        ),
    )


def _heatmap(text: str, passages: tuple[Passage, ...], bins: int) -> tuple[float, ...]:
    values = [0.0] * bins
    n = max(1, len(text))
    for p in passages:
        lo, hi = p.start_char * bins // n, max(p.start_char * bins // n + 1, p.end_char * bins // n)
        strength = 0.25 if p.common_phrase else min(1.0, p.verbatim_tokens / 64)
        for i in range(lo, min(hi, bins)):
            values[i] = max(values[i], strength)
    # A little background signal so the strip is not flat.
    return tuple(round(max(v, 0.04 * ((i * 7) % 5) / 4), 3) for i, v in enumerate(values))


_REASONS: dict[str, str] = {
    "memorized": "a confirmed, non-common passage of {n} tokens reaches the 32-token threshold",
    "inconclusive": "the longest confirmed, non-common passage ({n} tokens) reaches 16 but not 32 tokens",
    "no-evidence": "no confirmed, non-common passage reaches 16 tokens and under 5 % of tokens are reproduced",
    "not-determined": "the scan was cancelled before any passage was confirmed",
}


def make_result(
    *,
    text: str = SAMPLE_TEXT,
    passages: tuple[Passage, ...] | None = None,
    verdict: Verdict | None = None,
    complete: bool = True,
    path: str = MANUSCRIPT_PATH,
    controls: tuple[ControlResult, ...] | None = None,
    statistics: dict[str, Any] | None = None,
    membership: Membership | None = SAMPLE_MEMBERSHIP,
    heatmap_bins: int = 160,
) -> ScanResult:
    """A consistent ScanResult for `text`; the verdict follows the passages unless given."""
    if passages is None:
        passages = sample_passages(text) if text == SAMPLE_TEXT else ()
    real = [p for p in passages if not p.common_phrase]
    longest = max((p.verbatim_tokens for p in real), default=0)
    if verdict is None:
        verdict = "memorized" if longest >= 32 else "inconclusive" if longest >= 16 else "no-evidence"
    tokens = _words_to_tokens(text)
    raw = text.encode("utf-8")
    share = min(1.0, sum(p.verbatim_tokens for p in real) / tokens)
    if controls is None:
        controls = (
            ControlResult(
                name="contract.txt (bundled)",
                sha256=hashlib.sha256(b"contract").hexdigest(),
                tokens=2210,
                longest_verbatim_tokens=9,
                verdict="no-evidence",
                bundled=True,
            ),
            ControlResult(
                name="Unpublished short story, 2025.txt",
                sha256=hashlib.sha256(b"story").hexdigest(),
                tokens=4096,
                longest_verbatim_tokens=6,
                verdict="no-evidence",
                bundled=False,
            ),
        )
    if statistics is None:
        statistics = {
            "false_positive_rate": 0.0,
            "control_windows": 126,
            "p_value": 0.0004,
            "test": "one-sided Mann-Whitney U, manuscript vs control window p_z",
        }
    files = (
        ModelFile(
            path="/home/author/.cache/huggingface/hub/models--google--gemma-3-270m/snapshots/"
            "9b0cfec892e2bc2afd938c98eabe4e4a7b1e0ca1/model.safetensors",
            sha256=hashlib.sha256(b"weights").hexdigest(),
            size_bytes=536_223_056,
        ),
        ModelFile(
            path="/home/author/.cache/huggingface/hub/models--google--gemma-3-270m/snapshots/"
            "9b0cfec892e2bc2afd938c98eabe4e4a7b1e0ca1/tokenizer.json",
            sha256=hashlib.sha256(b"tokenizer").hexdigest(),
            size_bytes=33_384_570,
        ),
    )
    return ScanResult(
        manuscript=ManuscriptInfo(
            path=path,
            sha256=hashlib.sha256(b"docx:" + raw).hexdigest(),
            size_bytes=len(raw) + 18_211,
            text_sha256=hashlib.sha256(raw).hexdigest(),
            characters=len(text),
            tokens=tokens,
            format="docx",
            encoding="utf-8",
            normalizations=("Unicode NFC", "soft hyphens removed", "tracked insertions kept"),
        ),
        model=ModelInfo(
            name="google/gemma-3-270m",
            path="/home/author/.cache/huggingface/hub/models--google--gemma-3-270m",
            format="safetensors",
            backend="transformers",
            parameters=268_098_176,
            quantization=None,
            files=files,
            device="cpu",
            dtype="float32",
            tokenizer="GemmaTokenizerFast (262,144 tokens)",
        ),
        settings=ScanSettings().to_dict(),
        summary=Summary(
            verdict=verdict,
            score=min(1.0, longest / 32),
            longest_verbatim_tokens=longest,
            verbatim_token_share=share,
            coverage={"0.1%": 0.41, "1%": 0.33, "10%": 0.27, "50%": 0.19},
            candidates=len(passages) + 4,
            confirmed=len(passages),
            common_phrases=sum(p.common_phrase for p in passages),
            reason=_REASONS[verdict].format(n=longest),
        ),
        passages=passages,
        membership=membership,
        heatmap=_heatmap(text, passages, heatmap_bins),
        complete=complete,
        positions_scored=tokens if complete else tokens // 3,
        positions_total=tokens,
        provenance={
            "started_utc": "2025-11-27T14:02:11+00:00",
            "finished_utc": "2025-11-27T14:09:53+00:00",
            "timings": {"tokenize_s": 0.012, "triage_s": 402.5, "confirm_s": 51.3, "scan_s": 462.0},
            "candidates_confirmed_limit": 400,
            "tool": "verbatim",
            "tool_version": "0.1.0",
            "tool_commit": "d159cd6f3a0e5b2c9a41f0e7c3b8d2a1e4f5a6b7",
            "python": "3.11.7",
            "platform": "Linux-6.8.0-49-generic-x86_64-with-glibc2.39",
            "machine": "x86_64",
            "components": {
                "torch": "2.13.0",
                "transformers": "4.56.1",
                "tokenizers": "0.22.0",
                "numpy": "2.1.3",
            },
            "device": "cpu",
            "dtype": "float32",
        },
        text=text,
        controls=controls,
        statistics=statistics,
    )


def quiet_null(tokens: int = 20_000, q: float = 0.4) -> NullModel:
    """A chance model like a small model's on never-published prose: runs continue with probability q.

    For tests of what happens after controls without scanning any: fitted on an exact geometric histogram.
    """
    from core.stats.null import NullModel

    hist = {n: round(0.3 * tokens * (1 - q) * q ** (n - 1)) for n in range(1, 200)}
    return NullModel.fit([{n: c for n, c in hist.items() if c > 0}], tokens=tokens, source="test: geometric")


def judged(result: ScanResult, null: NullModel | None = None) -> ScanResult:
    """`result` judged under a chance model (quiet_null by default), as after a control scan."""
    from core.stats.verdict import judge

    settings = ScanSettings.from_dict(result.settings)
    return judge(result, settings.thresholds, null or quiet_null())
