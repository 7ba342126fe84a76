"""Controls and statistics: the scan on texts the model cannot have seen, and the same work in other models.

The statistics core.evidence.controls records are shown with plain labels (`statistics_rows`) and
summed up in a sentence (`statistics_sentence`); the controls table and the membership scores go with
them; the comparison table lists the same work scanned with several models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.report import wording
from core.report.style import (
    MUTED,
    RULE,
    SOFT,
    VERDICT_COLOURS,
    Layout,
    e,
    kv_table,
    mono,
    plural,
    scalar,
    table,
)
from core.results import ScanResult

CONTROL_SOURCES = {
    "own-unpublished": "the author's own unpublished writing",
    "user": "supplied by the user",
    "bundled": "bundled with Verbatim",
}


def _pretty(key: str) -> str:
    return key.replace("_", " ").capitalize()


STATISTICS_LABELS = {
    "controls": "Control texts scanned",
    "control_tokens": "Tokens in the control texts",
    "reference_group": "Texts the chance model and the tests use",
    "false_positives": "Controls given a verdict other than No evidence",
    "false_positive_rate": "False-alarm rate of the verdict rule",
    "false_positive_interval": "False-alarm rate, 95 % interval (exact)",
    "memorized_false_positives": "Controls judged Memorized",
    "memorized_false_positive_interval": "Rate of Memorized on controls, 95 % interval (exact)",
    "block_tokens": "Block size of the tests (tokens)",
    "share_test": "Share of reproduced tokens, work vs controls",
    "membership_test": "Min-K%++ per block, work vs controls",
    "window_score": "Score compared",
    "manuscript_windows": "Windows of the work compared",
    "control_windows": "Windows of the controls compared",
    "test": "Test",
    "p_value": "p-value",
    "auc": "Chance that a window of the work scores higher than a control window (AUC)",
    "manuscript_window_median": "Median window score of the work",
    "control_window_median": "Median window score of the controls",
    "control_window_p05": "Controls' window scores, lowest 5 % below",
    "control_window_p95": "Controls' window scores, highest 5 % above",
    "incomplete": "Note",
}
"""Plain labels for the statistics core.evidence.controls records; an unknown key is spelled out."""


def _stat_value(key: str, value: Any, stats: dict[str, Any]) -> str:
    """One statistic as a reader wants it: names listed, rates in per cent, p-values readable."""
    if value is None:
        return "not computed"
    if key == "false_positives":
        names = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        return e(", ".join(names)) if names else "none"
    if key == "false_positive_rate" and isinstance(value, int | float):
        n = stats.get("controls")
        bad = stats.get("false_positives")
        of = f" ({len(bad)} of {n})" if isinstance(bad, list | tuple) and isinstance(n, int) else ""
        return wording.percent(float(value)) + of
    if key == "p_value" and isinstance(value, int | float):
        return "below 0.0001" if value < 1e-4 else f"{value:.4f}"
    if key in ("false_positive_interval", "memorized_false_positive_interval") and isinstance(value, dict):
        return f"{wording.percent(float(value['low']))} to {wording.percent(float(value['high']))}"
    if key in ("share_test", "membership_test") and isinstance(value, dict):
        p = value.get("p_value")
        if p is None:
            note = str(value.get("note") or "not computed")
            return e(note[:1].upper() + note[1:])
        out = (f"p = {'below 0.0001' if p < 1e-4 else f'{p:.4f}'} (one-sided permutation test, "
               f"{value['manuscript_blocks']} blocks of the work against {value['control_blocks']} of the controls; "
               f"the smallest p possible is {value['smallest_possible_p']:.4f})")
        if "difference" in value:
            out += (f"; difference of means {value['difference']:.3g}, 95 % interval "
                    f"{value['difference_low']:.3g} to {value['difference_high']:.3g}")
        return e(out)
    if key == "auc" and isinstance(value, int | float):
        return f"{value:.2f} (0.50 is chance, 1.00 means every window of the work scores higher)"
    if key == "window_score" and isinstance(value, str):
        return e(value.replace("(k=20%)", "(k = 20 %)"))
    if isinstance(value, str):
        return e(value[:1].upper() + value[1:])
    return scalar(value)


_UNSHOWN = frozenset({"test", "p_value"})
"""Kept in the JSON for older readers; the block tests' rows say the same in full."""

PLAIN_STATISTICS = frozenset({
    "controls", "control_tokens", "reference_group", "false_positives", "false_positive_rate",
    "false_positive_interval", "memorized_false_positives", "memorized_false_positive_interval", "incomplete",
})
"""The statistics every reader needs; the others (block tests, AUC, window scores, raw p-values) are research
figures, shown in the Advanced section."""


def statistics_rows(stats: dict[str, Any], part: str = "all") -> list[tuple[str, str]]:
    """The control statistics as (plain label, value) rows, in the order a reader needs them.

    `part`: "plain" (the false-alarm figures), "advanced" (the research figures) or "all".
    """
    hidden = _UNSHOWN if "membership_test" in stats else frozenset()
    order = [k for k in STATISTICS_LABELS if k in stats and k not in hidden] + [
        k for k in stats if k not in STATISTICS_LABELS]
    if part != "all":
        order = [k for k in order if (k in PLAIN_STATISTICS) == (part == "plain")]
    return [(STATISTICS_LABELS.get(k, _pretty(k)), _stat_value(k, stats[k], stats)) for k in order]


def statistics_sentence(stats: dict[str, Any]) -> str:
    """The controls' lesson in one or two sentences, or "" when there is nothing to say."""
    n = stats.get("controls")
    bad = stats.get("false_positives")
    if not isinstance(n, int) or not n or not isinstance(bad, list | tuple):
        return ""
    out = (
        f"Of the {plural(n, 'control text')}, {'none' if not bad else len(bad)} "
        f"got a verdict other than No evidence, so the verdict rule raised "
        f"{'no false alarm' if not bad else plural(len(bad), 'false alarm')} on text the model cannot have seen."
    )
    interval = stats.get("false_positive_interval")
    if isinstance(interval, dict):
        out += (f" With {n} controls the false-alarm rate could still be as high as "
                f"{wording.percent(float(interval['high']))} (95 % exact interval): add your own texts to narrow it.")
    return out


def membership_sentence(stats: dict[str, Any]) -> str:
    """The window scores' AUC and p-value in one sentence (a research figure), or ""."""
    auc, p = stats.get("auc"), stats.get("p_value")
    if isinstance(auc, int | float) and isinstance(p, int | float):
        return (
            f"The work's 50-token windows score higher than the controls' in {auc:.0%} of pairs "
            f"(p-value {'below 0.0001' if p < 1e-4 else f'{p:.4f}'}); this is weak evidence on its own."
        )
    return ""


def controls_section(result: ScanResult, layout: Layout) -> str:
    """Controls, statistics and membership scores, or a plain statement that none were run."""
    out = "<h2>Controls and statistics</h2>"
    if result.controls:
        out += (
            "<p>The same scan on texts this model cannot have memorized. Anything they show is what the "
            "method reports by chance.</p>"
        )
        head = (
            f'<thead><tr><td width="36%" class="label" bgcolor="{SOFT}">Control text</td>'
            f'<td width="18%" class="label" bgcolor="{SOFT}">Source</td>'
            f'<td width="10%" class="label" bgcolor="{SOFT}" align="right">Tokens</td>'
            f'<td width="14%" class="label" bgcolor="{SOFT}" align="right">Longest verbatim</td>'
            f'<td width="22%" class="label" bgcolor="{SOFT}">Verdict</td></tr></thead>'
        )
        line = f"border-top: 1px solid {RULE};"
        rows = [
            f'<tr><td style="{line}">{e(c.name)}<br/>{mono(c.sha256)}</td>'
            f'<td style="{line}">{CONTROL_SOURCES.get(c.kind, "bundled with Verbatim")}</td>'
            f'<td style="{line}" align="right">{c.tokens:,}</td>'
            f'<td style="{line}" align="right">{c.longest_verbatim_tokens:,} tokens</td>'
            f'<td style="{line}">{e(wording.verdict_title(c.verdict))}</td></tr>'
            for c in result.controls
        ]
        out += table([head, *rows], layout, pad=4)
    else:
        out += (
            "<p><b>No control texts were scanned.</b> Without controls the false-alarm rate of this scan "
            "is not measured; the verbatim passages above stand on their own, the membership scores (Advanced "
            "section) do not.</p>"
        )
    if result.statistics:
        summary = statistics_sentence(result.statistics)
        plain_rows = statistics_rows(result.statistics, "plain")
        out += (
            "<h3>Statistics</h3>"
            + (f"<p>{e(summary)}</p>" if summary else "")
            + (kv_table(plain_rows, layout, "40%") if plain_rows else "")
            + '<p class="caption">The block tests, window scores and membership scores are research figures: '
            "they are in the Advanced section at the end of this report.</p>"
        )
    return out


def comparisons_section(result: ScanResult, comparisons: Sequence[ScanResult], layout: Layout) -> str:
    """The same work scanned with several models: one row per model, this report's model marked."""
    if not comparisons:
        return ""
    line = f"border-top: 1px solid {RULE};"
    head = (
        f'<thead><tr><td width="36%" class="label" bgcolor="{SOFT}">Model</td>'
        f'<td width="22%" class="label" bgcolor="{SOFT}">Verdict</td>'
        f'<td width="14%" class="label" bgcolor="{SOFT}" align="right">Longest run</td>'
        f'<td width="14%" class="label" bgcolor="{SOFT}" align="right">Share</td>'
        f'<td width="14%" class="label" bgcolor="{SOFT}" align="right">In-context coverage @ 1 %</td></tr></thead>'
    )
    rows = []
    for other in comparisons:
        s = other.summary
        colour = VERDICT_COLOURS.get(s.verdict, MUTED)
        this = other.model.sha256 == result.model.sha256 and other.model.name == result.model.name
        name = e(other.model.name) + (' <span class="muted">(this report)</span>' if this else "")
        if not other.complete:
            name += ' <span class="muted">(incomplete)</span>'
        rows.append(
            f'<tr><td style="{line}">{name}<br/>{mono(other.model.sha256 or "not recorded")}</td>'
            f'<td style="{line} color:{colour}">{e(wording.verdict_title(s.verdict))}</td>'
            f'<td style="{line}" align="right">{s.longest_verbatim_tokens:,} tokens</td>'
            f'<td style="{line}" align="right">{wording.percent(s.verbatim_token_share)}</td>'
            f'<td style="{line}" align="right">{_coverage_1pct(s.coverage)}</td></tr>'
        )
    return (
        "<h2>Several models</h2>"
        f"<p>{e(wording.comparisons_sentence(len(comparisons)))}</p>"
        + table([head, *rows], layout, pad=4)
        + f'<p class="caption">{e(wording.COMPARISONS_CAPTION)}</p>'
    )


def _coverage_1pct(coverage: dict[str, float]) -> str:
    value = coverage.get("1%")
    return "n/a" if value is None else wording.percent(value)
