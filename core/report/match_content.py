"""The match report's pages as HTML: where a model's output replicates the author's manuscripts.

Same house style and helpers as the scan report (core.report.style); gui.report_pdf lays it out.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from core.match.results import MatchResult, MatchSpan, difference_ranges
from core.report import wording
from core.report.style import (
    ACCENT,
    MUTED,
    RULE,
    SOFT,
    Layout,
    css,
    e,
    flatten,
    kv_table,
    lines,
    mono,
    scalar,
    table,
    two_columns,
)

ATTACHMENT_NAME = "verbatim-match.json"
"""The match JSON carried inside the PDF (not verbatim-result.json: `verbatim verify` replays scans)."""

DIFF_BG = "#f4c7c3"
"""Words that differ between the output and the manuscript."""

MAX_LISTED_MANUSCRIPTS = 40
"""The PDF lists the manuscripts with spans, then others up to this many; the JSON lists them all."""

LIMITATIONS = (
    "Words are compared, not characters: capitals, punctuation and spacing are ignored, so a span can "
    "differ from the manuscript in those and still be shown as the same words.",
    "Only the manuscripts listed were searched. Text the output shares with works that were not given "
    "is not found.",
    "A paraphrase that changes more words than the tolerance allows, or a shorter span than the minimum, "
    "is not reported. Lowering either reports more, including phrases texts share by chance.",
    "A match shows that the output replicates the text, not how the model came to produce it: the text "
    "may have been in the prompt, retrieved from the web, or memorized.",
)


def name(path: str) -> str:
    """A path's file name."""
    return os.path.basename(path) or path


def subject(result: MatchResult) -> str:
    """One line for the PDF's Subject metadata."""
    s = result.summary()
    return (
        f"Match of {name(result.output.source)} against {len(result.manuscripts):,} manuscripts: "
        f"{s['spans']} spans in {s['manuscripts_matched']} manuscripts"
    )


def marked(text: str, ranges: Sequence[tuple[int, int]]) -> str:
    """Escaped text with the differing words on a pink background."""
    out: list[str] = []
    pos = 0
    for a, b in sorted(ranges):
        if b <= pos:
            continue
        a = max(a, pos)
        out.append(lines(text[pos:a]))
        out.append(f'<span style="background-color:{DIFF_BG}">{lines(text[a:b])}</span>')
        pos = b
    out.append(lines(text[pos:]))
    return "".join(out)


def headline(result: MatchResult) -> str:
    """The finding in one sentence."""
    s = result.summary()
    k = len(result.manuscripts)
    searched = f"{k:,} manuscript" + ("" if k == 1 else "s")
    if not s["spans"]:
        return (
            f"No stretch of this output replicates any of the {searched} searched, at the settings below "
            f"(at least {result.settings.min_words} words, similarity at least "
            f"{result.settings.min_similarity:g})."
        )
    spans = f"{s['spans']} stretch" + ("" if s["spans"] == 1 else "es")
    hit = f"{s['manuscripts_matched']} of the {searched} searched"
    return (
        f"{spans} of this output replicate{'s' if s['spans'] == 1 else ''} text of {hit}, covering "
        f"{wording.percent(s['output_share_covered'])} of the output; the longest is {s['longest_span_words']:,} "
        f"words, with {s['longest_verbatim_words']:,} words in a row exactly as written."
    )


def _figures(result: MatchResult, layout: Layout) -> str:
    s = result.summary()
    figures = [
        (f"{s['spans']:,}", "spans that replicate a manuscript"),
        (f"{s['manuscripts_matched']:,}", f"of {len(result.manuscripts):,} manuscripts matched"),
        (f"{s['longest_span_words']:,}", "words in the longest span"),
        (wording.percent(s["output_share_covered"]), "of the output's characters inside spans"),
    ]
    cells = "".join(
        f'<td width="25%" valign="top" style="border-top: {layout.u(2)}px solid {ACCENT};">'
        f'<span class="figure">{fig}</span><br/><span class="caption">{e(cap)}</span></td>'
        for fig, cap in figures
    )
    return table([f"<tr>{cells}</tr>"], layout, pad=6)


def _overview(result: MatchResult, layout: Layout) -> str:
    if not result.spans:
        return ""
    line = f"border-top: 1px solid {RULE};"
    head = (
        f'<thead><tr><td width="5%" class="label" bgcolor="{SOFT}">#</td>'
        f'<td width="37%" class="label" bgcolor="{SOFT}">Manuscript</td>'
        f'<td width="22%" class="label" bgcolor="{SOFT}">Where</td>'
        f'<td width="12%" class="label" bgcolor="{SOFT}" align="right">Words</td>'
        f'<td width="12%" class="label" bgcolor="{SOFT}" align="right">Verbatim</td>'
        f'<td width="12%" class="label" bgcolor="{SOFT}" align="right">Similarity</td></tr></thead>'
    )
    rows = [
        f'<tr><td style="{line}">{i}</td><td style="{line}">{e(name(sp.manuscript))}</td>'
        f'<td style="{line}">{e(where(sp))}</td>'
        f'<td style="{line}" align="right">{sp.words:,}</td>'
        f'<td style="{line}" align="right">{sp.verbatim_words:,}</td>'
        f'<td style="{line}" align="right">{sp.similarity:.1f}</td></tr>'
        for i, sp in enumerate(result.spans, 1)
    ]
    return "<h3>The spans</h3>" + table([head, *rows], layout, pad=3)


def where(span: MatchSpan) -> str:
    """Where a span sits in its manuscript, in words."""
    chars = f"characters {span.manuscript_start:,}–{span.manuscript_end:,}"
    return f"{span.location}, {chars}" if span.location else chars


def summary_page(result: MatchResult, layout: Layout) -> str:
    """Page 1: what was checked against what, the finding, key figures, the spans at a glance."""
    when = wording.utc(result.provenance.get("matched_utc", ""))
    return (
        '<p class="eyebrow">VERBATIM · OUTPUT MATCH REPORT</p>'
        f"<h1>{e(name(result.output.source))}</h1>"
        f'<p class="muted">A model\'s output checked against {len(result.manuscripts):,} '
        f"manuscript{'' if len(result.manuscripts) == 1 else 's'}"
        + (f" · {e(when)}" if when else "")
        + "</p>"
        + table(
            [f'<tr><td bgcolor="{SOFT}" style="border-left: {layout.u(3)}px solid {ACCENT};">'
             f'<span style="font-size:10pt">{e(headline(result))}</span></td></tr>'],
            layout,
            pad=9,
        )
        + _figures(result, layout)
        + _overview(result, layout)
    )


def span_block(n: int, span: MatchSpan, layout: Layout) -> str:
    """One span: output | manuscript | figures, the differing words marked on both sides."""
    out_diff, ms_diff = difference_ranges(span)
    line = f"border-top: 1px solid {RULE};"
    cell = f'valign="top" class="reading" style="{line}"'
    head = (
        "<thead><tr>"
        f'<td width="40%" class="label" bgcolor="{SOFT}">The model\'s output</td>'
        f'<td width="40%" class="label" bgcolor="{SOFT}">The manuscript</td>'
        f'<td width="20%" class="label" bgcolor="{SOFT}">Similarity, words</td>'
        "</tr></thead>"
    )
    changed = sum(1 for x in span.edits)
    facts = (
        f'<span class="figure" style="font-size:13pt">{span.similarity:.1f}</span><br/>'
        f'<span class="caption">similarity (0–100)</span><br/><br/>'
        f"<b>{span.words:,}</b> words of the output<br/>"
        f"<b>{span.manuscript_words:,}</b> words of the manuscript<br/>"
        f"<b>{span.verbatim_words:,}</b> words in a row exactly<br/>"
        f"<b>{changed:,}</b> difference{'' if changed == 1 else 's'}<br/><br/>"
        f'<span class="caption">output characters {span.output_start:,}–{span.output_end:,}</span>'
    )
    row = (
        f"<tr><td {cell}>{marked(span.output_text, out_diff)}</td>"
        f"<td {cell}>{marked(span.manuscript_text, ms_diff)}</td>"
        f'<td valign="top" style="{line}">{facts}</td></tr>'
    )
    title = (
        f"<h3>Span {n} · {e(name(span.manuscript))} "
        f'<span class="muted" style="font-weight:normal">({e(where(span))})</span></h3>'
    )
    return title + table([head, row], layout, pad=4, border=True)


def spans_section(result: MatchResult, layout: Layout) -> str:
    """Every span side by side."""
    if not result.spans:
        return ""
    return (
        "<h2>What the output replicates</h2>"
        f'<p>Words on a <span style="background-color:{DIFF_BG}">pink background</span> differ between the '
        "output and the manuscript (changed, added or left out); every other word is the same, capitals and "
        "punctuation aside.</p>"
        + "".join(span_block(i, sp, layout) for i, sp in enumerate(result.spans, 1))
    )


def manuscripts_section(result: MatchResult, layout: Layout) -> str:
    """The manuscripts searched, with their hashes (those with spans first)."""
    hit = {s.manuscript for s in result.spans}
    ordered = sorted(result.manuscripts, key=lambda m: (m.path not in hit, m.path))
    shown = ordered[: max(MAX_LISTED_MANUSCRIPTS, len(hit))]
    line = f"border-top: 1px solid {RULE};"
    head = (
        f'<thead><tr><td width="62%" class="label" bgcolor="{SOFT}">Manuscript and SHA-256 of the file</td>'
        f'<td width="14%" class="label" bgcolor="{SOFT}">Format</td>'
        f'<td width="12%" class="label" bgcolor="{SOFT}" align="right">Words</td>'
        f'<td width="12%" class="label" bgcolor="{SOFT}" align="right">Spans</td></tr></thead>'
    )
    rows = [
        f'<tr><td style="{line}">{e(m.path)}<br/>{mono(m.sha256)}</td><td style="{line}">{e(m.format)}</td>'
        f'<td style="{line}" align="right">{m.words:,}</td>'
        f'<td style="{line}" align="right">{sum(s.manuscript == m.path for s in result.spans):,}</td></tr>'
        for m in shown
    ]
    more = len(ordered) - len(shown)
    out = "<h2>Manuscripts searched</h2>" + table([head, *rows], layout, pad=3)
    if more:
        out += f'<p class="caption">And {more:,} more without spans; the attached JSON lists every one.</p>'
    if result.skipped:
        out += "<h3>Files that could not be read (not searched)</h3><ul>" + "".join(
            f"<li>{e(p)}: {e(r)}</li>" for p, r in result.skipped
        ) + "</ul>"
    return out


def method_section(result: MatchResult) -> str:
    """How the match works and what it cannot show."""
    st = result.settings
    method = (
        "The output and every manuscript are split into words (letters and digits; capitals, punctuation "
        "and spacing ignored). Every run of "
        f"{st.ngram_words} words of every manuscript is indexed; each run the output shares with a "
        "manuscript is a seed. Seeds that follow each other in both texts are joined into a stretch, "
        "which is then aligned word by word (Levenshtein alignment) to find exactly which words differ. "
        f"A stretch is reported when it covers at least {st.min_words} words of the output and its "
        f"similarity (share of words the two sides have in common, 0–100) is at least "
        f"{st.min_similarity:g}."
    )
    return (
        "<h2>Method</h2>"
        f"<p>{e(method)}</p>"
        "<h2>Limitations</h2><ul>"
        + "".join(f"<li>{e(t)}</li>" for t in LIMITATIONS)
        + "</ul>"
    )


def verify_section() -> str:
    """How a reader checks this report."""
    return (
        "<h2>How to verify this report</h2>"
        f'<p>This PDF carries the complete result as an attached file, <span class="mono">{ATTACHMENT_NAME}'
        "</span>: the output text, every span with its character offsets and differences, and the SHA-256 of "
        "the output and of every manuscript. Anyone with the same files can check it: compare the hashes "
        'listed here with <span class="mono">sha256sum</span>, then run <span class="mono">verbatim match OUTPUT '
        "--against MANUSCRIPTS</span> with the settings below; the spans come out the same.</p>"
    )


def provenance_section(result: MatchResult, layout: Layout) -> str:
    """Hashes of the output, versions, time and every setting."""
    o = result.output
    output = [
        ("Source", e(o.source)),
        ("File SHA-256", mono(o.sha256)),
        ("Text SHA-256", mono(o.text_sha256)),
        ("Text", f"{o.characters:,} characters, {o.words:,} words"),
    ]
    times = [(k, e(wording.utc(v))) for k, v in result.provenance.items() if k.endswith("_utc")]
    rest = [(k, scalar(v)) for k, v in flatten(result.provenance) if not k.endswith("_utc")]
    settings = [(k, scalar(v)) for k, v in result.settings.to_dict().items()]
    return (
        '<h2 style="page-break-before: always">Provenance</h2>'
        + "<h3>The output</h3>"
        + kv_table(output, layout, "24%")
        + "<h3>Software, machine and time</h3>"
        + two_columns(times + rest, layout, "48%")
        + "<h3>Settings</h3>"
        + two_columns(settings, layout, "62%")
    )


def report_html(result: MatchResult, layout: Layout) -> str:
    """The whole match report as one HTML document."""
    return (
        f"<html><head><style>{css(layout)}</style></head><body>"
        + summary_page(result, layout)
        + spans_section(result, layout)
        + manuscripts_section(result, layout)
        + method_section(result)
        + verify_section()
        + provenance_section(result, layout)
        + f'<p class="caption" style="color:{MUTED}">End of report.</p>'
        + "</body></html>"
    )
