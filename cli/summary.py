"""The terminal summary of a scan: verdict, key figures, the rule and chance model, the top passages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.results import ScanResult


def format_summary(result: ScanResult) -> str:
    """The terminal summary: verdict, key figures, the top passages."""
    from core.report.glossary import term
    from core.report.wording import untested_candidates

    s = result.summary

    def named(key: str) -> str:  # the figures' names as the app and the PDF print them
        return f"{term(key).name:<21}"

    lines = [
        f"Manuscript : {result.manuscript.path} ({result.manuscript.tokens:,} tokens)",
        f"Model      : {result.model.name} [{result.model.format}, {result.model.backend_label}]",
        f"Verdict    : {s.verdict.upper()} — {s.reason}",
        f"{named('longest_run')}: {s.longest_verbatim_tokens} tokens",
        f"{named('share')}: {s.verbatim_token_share:.2%} of tokens",
        f"{named('coverage')}: " + (", ".join(f"{k}: {v:.1%}" for k, v in s.coverage.items()) or "not measured")
        + (" (τ: share under 50-token stretches predicted with ≥ τ given the text before)" if s.coverage else ""),
        f"{named('confirmed')}: {s.confirmed} of {s.candidates} candidates{untested_candidates(result)}"
        f" ({s.common_phrases} {'common phrase' if s.common_phrases == 1 else 'common phrases'})",
    ]
    ref = result.provenance.get("reference_model")
    if isinstance(ref, dict):
        n = int(ref.get("passages_set_aside", 0))
        lines.append(
            f"Reference model      : {ref.get('name')} set aside {n} {'passage' if n == 1 else 'passages'} "
            f"as {'a common phrase' if n == 1 else 'common phrases'} (it reproduces {ref.get('passages_reproduced', 0)} of "
            f"{ref.get('passages_checked', 0)} checked)"
        )
    lines.extend(_chance_lines(result))
    if result.statistics:
        st = result.statistics
        fpr = st.get("false_positive_interval") or {}
        lines.append(
            f"Controls             : {_count(st.get('controls', 0), 'never-published text')} "
            f"({st.get('reference_group', '')}); "
            + ("false-positive rate n/a" if not fpr.get("trials") else
               f"{fpr['events']} of {fpr['trials']} judged inconclusive or memorized "
               f"(95 % interval {fpr['low']:.0%}-{fpr['high']:.0%})")
        )
        for key, label in (("share_test", "Share vs controls"), ("membership_test", "Min-K%++ vs controls")):
            test = st.get(key)
            if isinstance(test, dict) and test.get("p_value") is None and test.get("note"):
                lines.append(f"{label:<21}: {test['note']}")
            elif isinstance(test, dict) and test.get("p_value") is not None:
                lines.append(
                    f"{label:<21}: p = {test['p_value']:.3g} over blocks of {st.get('block_tokens')} tokens "
                    f"({test['manuscript_blocks']} vs {test['control_blocks']}), difference "
                    f"{test['difference']:.3g} [{test['difference_low']:.3g}, {test['difference_high']:.3g}]"
                )
    if not result.complete:
        lines.append(
            f"INCOMPLETE: cancelled after {result.positions_scored:,} of {result.positions_total:,} positions."
        )
    top = sorted(result.passages, key=lambda p: (p.common_phrase, -p.evidence))[:5]
    for i, p in enumerate(top, 1):
        flag = " [common phrase]" if p.common_phrase else " [contested]" if p.contested else ""
        chance = "" if p.chance_p is None else f", chance {p.chance_p:.2g}"
        copies = f", {p.context_copy_tokens} copied from context" if p.context_copy_tokens else ""
        if p.near_verbatim_tokens > p.verbatim_tokens:
            copies += f", near-verbatim {p.near_verbatim_tokens} ({p.near_verbatim_edits} differ)"
        snippet = " ".join(p.original.split())[:90]
        lines.append(f"  {i}. chars {p.start_char}-{p.end_char}: {p.evidence} tokens{copies}{chance}{flag}: “{snippet}…”")
    return "\n".join(lines)


def _chance_lines(result: ScanResult) -> list[str]:
    """The rule and the chance model behind the verdict, in two or three lines."""
    s, t = result.summary, result.settings.get("thresholds", {})
    lines = [
        f"Rule                 : memorized needs a passage of at least {t.get('memorized_tokens')} tokens "
        f"whose chance is below alpha = {t.get('alpha')}; or, with at least {t.get('share_min_tokens')} such "
        f"tokens, more passages of {t.get('candidate_run_tokens')}+ tokens than chance allows (p < alpha; "
        f"inconclusive at p < {t.get('inconclusive_alpha')}) or a "
        f"share above the controls' (block permutation test, p < {t.get('share_alpha')})"
    ]
    null = result.null_model
    if null is None:
        lines.append("Chance model         : none (no never-published controls were scanned)")
        return lines
    lines.append(
        f"Chance model         : fitted on {null['tokens']:,} tokens of {null['source']}; "
        f"runs reach {null['k0']} tokens at {null['rate']:.3g} per token and continue with probability "
        f"{null['q']:.2f} (upper bound {null['q_upper']:.2f})"
    )
    if s.expected_chance_passages is not None and s.expected_chance_interval is not None:
        low, high = s.expected_chance_interval
        lines.append(
            f"Passages of {t.get('inconclusive_tokens')}+ tokens: {s.observed_passages} found; chance alone "
            f"expects {s.expected_chance_passages:.2g} (95 % interval {low:.2g}-{high:.2g}) in a text this long"
        )
    if s.context_copy_tokens:
        lines.append(f"Context copies       : {s.context_copy_tokens:,} tokens repeat the text before them "
                     "and are never counted")
    return lines


def _count(n: int, noun: str) -> str:
    """"1 text", "2 texts"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
