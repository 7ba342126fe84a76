"""What the report says in plain words: verdict sentences, method, limitations, number formats.

Kept apart from layout so the GUI, the PDF and the CLI describe a result the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.report import glossary
from core.results import ScanResult, Verdict
from core.settings import ScanSettings

VERDICT_TITLES: dict[str, str] = glossary.VERDICT_NAMES
"""The verdicts' names: one source (core.report.glossary) for the app, Help and the PDF."""

_VERDICT_SENTENCES: dict[str, str] = {
    "memorized": (
        "The model reproduced long stretches of this work word for word when given only the author's "
        "preceding text. The same model, scanned the same way on never-published text, almost never does "
        "this (the chance figures below say how rarely): it is strong evidence that the work was in the "
        "model's training data and that the model memorized it."
    ),
    "inconclusive": (
        "The model reproduced some passages of this work word for word, but none long enough, and not "
        "enough of them, to conclude that it memorized the work. The passages below show exactly what it "
        "reproduced; a scan of more text or of a larger model may settle the question."
    ),
    "no-evidence": (
        "The model did not reproduce any passage of this work beyond what it also produces by chance on "
        "text it has never seen, short or generic phrases. This is not proof that the work was never used "
        "in training: models memorize only part of what they see, and this scan tests only verbatim "
        "reproduction."
    ),
    "not-determined": (
        "This scan cannot support a verdict either way; the reason is given beside it."
    ),
}

_RULE_SENTENCES: dict[tuple[str, str], str] = {
    ("memorized", "passages"): (
        "No single passage is long enough on its own, but the model regenerated many passages of this work "
        "word for word: far more than the same model produces by chance in never-published text of the same "
        "length (the chance figures below). That is evidence that the model memorized the work."
    ),
    ("memorized", "share"): (
        "No single passage is long enough on its own, but the model reproduced many shorter passages of this "
        "work word for word, far more of its text than it reproduces of the author's own unpublished writing "
        "(a test over blocks of about a thousand tokens, in the Advanced section). That is evidence that the "
        "model memorized the work."
    ),
    ("inconclusive", "passages"): (
        "No single passage is long enough on its own, and the model regenerated more passages of this work "
        "word for word than it produces by chance in never-published text of the same length, though not by "
        "the margin a finding of memorization requires. More never-published controls, best the author's own "
        "unpublished writing, make the chance figures more precise and may decide."
    ),
    ("inconclusive", "share-other-genre"): (
        "The model reproduced more of this work word for word than of the never-published control texts, but "
        "those controls are of other kinds of writing, and some kinds (contracts, manuals, formulaic text) are "
        "simply more predictable. Scan with the author's own unpublished writing as controls to decide."
    ),
    ("inconclusive", "contested"): (
        "The model reproduced long passages, but so did the reference model that was declared never to have "
        "seen this work. Either the declaration is wrong or the passages are predictable; the report keeps "
        "them visible and does not decide."
    ),
    ("inconclusive", "no-chance-model"): (
        "The model reproduced passages of this work word for word, but no never-published control texts were "
        "scanned with it, so how often it does that by chance is unknown. Scan with controls for a verdict."
    ),
}


def verdict_title(verdict: Verdict | str) -> str:
    """The verdict as a short heading."""
    return VERDICT_TITLES.get(verdict, str(verdict))


def verdict_sentence(verdict: Verdict | str, rule: str = "") -> str:
    """The verdict explained to a reader who is not a specialist, worded from the rule that fired."""
    return _RULE_SENTENCES.get((str(verdict), rule)) or _VERDICT_SENTENCES.get(verdict, "")


VERDICT_RULE = (
    "The verdict rule. A passage counts only if the model regenerated it word for word from the author's "
    "preceding text, it is not a common phrase, and its words could not be copied from earlier in the work "
    "(a repeated chorus or definition is predictable from context, not evidence of memory). For each such "
    "passage the report gives its chance: how likely this same model is to produce a run that long anywhere "
    "in a never-published text of this length, estimated from never-published control texts scanned exactly "
    "like this work. Memorized needs a passage of at least {memorized} tokens whose chance is below {alpha}; or, "
    "with at least {share_min} reproduced tokens, more passages of {candidate} tokens or more than chance allows "
    "(p below {alpha}) or a share of reproduced tokens significantly above the controls' (a test over blocks of "
    "about {block} tokens, p below {share_alpha}) when the controls are the author's own unpublished writing. "
    "Inconclusive needs a passage of at least {inconclusive} tokens whose chance is below {inconclusive_alpha}, "
    "or more passages than chance allows at p below {inconclusive_alpha} (with the same {share_min} tokens), "
    "or that share test passed against controls of other kinds of writing. Texts under {min_tokens} tokens are not "
    "judged."
)


def verdict_rule(settings: ScanSettings) -> str:
    """The rule in plain words with this scan's numbers."""
    t = settings.thresholds
    return VERDICT_RULE.format(
        memorized=t.memorized_tokens, alpha=f"{t.alpha:g}", block=f"{t.block_tokens:,}",
        share_alpha=f"{t.share_alpha:g}", share_min=t.share_min_tokens, inconclusive=t.inconclusive_tokens,
        inconclusive_alpha=f"{t.inconclusive_alpha:g}", min_tokens=t.min_tokens, candidate=t.candidate_run_tokens,
    )


def chance_sentence(result: ScanResult) -> str:
    """The chance model behind this verdict, in one or two sentences (or why there is none)."""
    null, s = result.null_model, result.summary
    if null is None:
        return ("No chance model was estimated: no never-published control texts were scanned, so no passage "
                "can make the verdict memorized.")
    floor = (result.settings.get("thresholds") or {}).get("inconclusive_tokens", "the inconclusive floor of")
    out = (
        f"The chance model was fitted on {int(null['tokens']):,} tokens of {null['source']}: for this model a run "
        f"of reproduced tokens reaches {null['k0']} tokens about {float(null['rate']) * 1000:.2g} times per "
        f"thousand tokens and then continues with probability {float(null['q']):.2f} per token (at most "
        f"{float(null['q_upper']):.2f} at 95 % confidence; the verdict uses these upper bounds)."
    )
    if s.expected_chance_passages is not None and s.expected_chance_interval is not None:
        low, high = s.expected_chance_interval
        out += (
            f" In a never-published text as long as this work it expects {s.expected_chance_passages:.2g} passages "
            f"of {floor} tokens or more by chance (95 % interval {low:.2g} to {high:.2g}); this "
            f"work has {s.observed_passages}."
        )
    return out


def incomplete_sentence(result: ScanResult) -> str:
    """Why an incomplete scan's figures cover only part of the work."""
    share = result.positions_scored / result.positions_total if result.positions_total else 0.0
    return (
        f"The scan was cancelled after {result.positions_scored:,} of {result.positions_total:,} token "
        f"positions ({percent(share)}). Every figure in this report covers only that part of the work; "
        "the rest was not examined."
    )


STANDARD_PROTOCOL = (
    "For comparison with published research, each passage is also measured with the standard protocol "
    "of Carlini et al. (2022) and Cooper et al. (2025): 50 tokens of prompt, 50 tokens of continuation, "
    "and the probability p_extract that sampling (top-k 40, temperature 1) reproduces the continuation "
    "exactly. From it follows how many attempts would extract the passage with 50 % probability."
)
SWAPPED_CONTEXT = (
    "Passages that any model would complete without having read this work — chapter headings, legal "
    "boilerplate, famous quotations — are tested by replacing the author's preceding text with unrelated "
    "text. Passages still reproduced after the swap are shown in grey and do not count toward the verdict."
)

METHOD: tuple[str, ...] = (
    "Verbatim gives the model the author's own text and checks, at every position of the work, whether "
    "the model's single most likely next word is the author's next word. Where it is, many times in a "
    "row, the model would reproduce the author's text by itself: starting from the preceding text, "
    "greedy generation (always taking the most likely word) writes the author's words exactly.",
    "Every stretch found this way is then proven by real generation: the model is given the preceding "
    "text (the prompt) and asked to continue, and its actual output is compared with the author's text "
    "character by character. Only passages the model really wrote enter this report.",
    STANDARD_PROTOCOL,
    SWAPPED_CONTEXT,
    "Control texts the model cannot have seen (written after its training, or never published) are "
    "scanned the same way; they show how often the method would raise a false alarm.",
)

LIMITATIONS: tuple[str, ...] = (
    "A model can have been trained on a work without memorizing it word for word; this scan finds only "
    "verbatim or near-verbatim reproduction. A verdict of no evidence is not proof of absence.",
    "Text that is quoted widely elsewhere (reviews, excerpts, other editions) can be memorized from "
    "those sources rather than from this manuscript.",
    "Results apply to this model file exactly as hashed below; a different quantization, fine-tune or "
    "version of the model may behave differently.",
    "Membership scores (loss, zlib ratio, Min-K%, Min-K%++) are weak on their own and are shown only "
    "beside control texts.",
    "Tokens are the model's units of text; on average one English word is about 1.3 tokens.",
)


def generate_only_sentences(settings: ScanSettings) -> tuple[str, str]:
    """The method paragraph and the limitation for a generate-only scan (a server without prompt scores)."""
    c = settings.thresholds.candidate_run_tokens
    return (
        f"This model ran on a server that returns no probabilities for given text, so the first step "
        f"was done by generation instead: every {c} tokens, the model was given the author's preceding "
        f"text and asked to continue for {c} tokens; where it wrote the author's words, the stretch was "
        "followed back to its first word and then proven as described below. The probabilities of the "
        "standard protocol (p_extract, coverage) and the membership scores could not be measured.",
        f"Generate-only scan: every verbatim run of {2 * c - 1} tokens or more is found, but shorter runs "
        f"only where a probe fell inside them, so short reproduction may be undercounted; p_extract, "
        "coverage and membership scores were not measured.",
    )


def reference_sentences(record: dict[str, Any]) -> tuple[str, str]:
    """The method paragraph and the limitation for a result checked against a reference model.

    `record` is what core.evidence.reference wrote into the provenance (name, sha256, counts).
    """
    name = record.get("name", "a reference model")
    sha = record.get("sha256") or "not recorded"
    checked = int(record.get("passages_checked", 0))
    reproduced = int(record.get("passages_reproduced", 0))
    set_aside = int(record.get("passages_set_aside", 0))
    method = (
        f"A second common-phrase test used the reference model {name} (SHA-256 {sha}), which the person who "
        "ran this scan declared was not trained on this work, for example because it was released before "
        "the work was published. Each confirmed passage was given to it with the same preceding text of the "
        "author; a passage it also reproduced (at least 80 % of its characters, and at least what the "
        "confirmation threshold covers) is predictable text rather than evidence that the scanned model "
        f"memorized this work. It reproduced {reproduced:,} of the {checked:,} passages checked; "
        f"{set_aside:,} of them, not already set aside, were moved out of the verdict and are shown in grey "
        "with this reason."
    )
    if record.get("incomplete"):
        method += f" The test was {record['incomplete']}."
    limitation = (
        f"The reference-model test rests on the declaration that {name} was not trained on this work. If it "
        "was, passages it reproduces were set aside wrongly and the verdict understates the scanned model's "
        "memorization; it can never overstate it. Unlike the swapped-context test, this one also sets aside "
        "long passages."
    )
    return method, limitation


def comparisons_sentence(models: int) -> str:
    """Introduces the "Several models" table."""
    return (
        f"The same work, with the same settings, scanned with {models} models. Each row is a separate scan; "
        "a model that reproduces the work where another does not is evidence about that model only."
    )


COMPARISONS_CAPTION = (
    "Longest run: tokens of the longest passage reproduced word for word. Share: the work's tokens inside "
    "confirmed verbatim passages. In-context coverage @ 1 %: share of the text under some 50-token stretch "
    "the model predicts with probability at least 1 % given the text before it. Models count tokens differently, so compare verdicts first."
)


def percent(share: float) -> str:
    """A share 0-1 as "31.5 %" ("under 0.1 %" for tiny non-zero shares: words, not "<", which HTML would eat)."""
    if share != share:  # NaN
        return "n/a"
    if share == 0:
        return "0 %"
    if share < 0.001:
        return "under 0.1 %"
    return f"{share * 100:.1f} %"


def probability(p: float) -> str:
    """A probability with sensible precision ("0.91", "3.4e-05", "0"); see core.report.glossary."""
    return glossary.probability(p)


def size(num_bytes: int) -> str:
    """Bytes in words: "536.2 MB (536,223,056 bytes)"."""
    value = float(num_bytes)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            head = f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
            break
        value /= 1000
    return head if num_bytes < 1000 else f"{head} ({num_bytes:,} bytes)"


def utc(stamp: object) -> str:
    """An ISO timestamp as "2025-11-27 14:02:11 UTC" (unchanged when not parseable)."""
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return str(stamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def parameters(n: int | None) -> str:
    """Parameter count as "268 million" / "7.2 billion"."""
    if not n:
        return "unknown"
    if n >= 1_000_000_000:
        return f"{n / 1e9:.1f} billion"
    if n >= 1_000_000:
        return f"{n / 1e6:.0f} million"
    return f"{n:,}"


def candidates_tested(result: ScanResult) -> int:
    """How many candidates the scan confirmed or rejected: all of them, or `max_candidates`, the longest.

    A heavily memorized long work can have more candidates than the limit, and then its passage count and
    share are lower bounds. Every front end says so.
    """
    limit = result.settings.get("max_candidates")
    found = result.summary.candidates
    return min(found, limit) if isinstance(limit, int) else found


def untested_candidates(result: ScanResult) -> str:
    """" (the longest 400 of 1,412 tested)" when the candidate limit left some untested, else ""."""
    tested, found = candidates_tested(result), result.summary.candidates
    return f" (the longest {tested:,} of {found:,} tested)" if tested < found else ""
