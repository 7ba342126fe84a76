"""The report's first page: the work, the model, the verdict in plain words, key figures, strongest passage.

Also the banners that warn a reader first: an incomplete (cancelled) scan, a generate-only scan.
"""

from __future__ import annotations

import os

from core.generate_only import is_generate_only, limitation
from core.report import glossary, wording
from core.report.passages import ordered_passages
from core.report.style import (
    ACCENT,
    INCOMPLETE_BG,
    INCOMPLETE_FG,
    MUTED,
    RULE,
    SOFT,
    VERDICT_COLOURS,
    Layout,
    e,
    highlighted,
    kv_rows,
    mono,
    table,
)
from core.results import KEY_COVERAGE_TAU, ScanResult
from core.settings import ScanSettings


def work_name(result: ScanResult) -> str:
    """The manuscript's file name."""
    return os.path.basename(result.manuscript.path) or result.manuscript.path


def _incomplete_banner(result: ScanResult, layout: Layout) -> str:
    if result.complete:
        return ""
    return table(
        [
            f'<tr><td bgcolor="{INCOMPLETE_BG}" style="border-left: {layout.u(3)}px solid {INCOMPLETE_FG};">'
            f'<span style="color:{INCOMPLETE_FG}; font-weight:bold; font-size:12pt">'
            "INCOMPLETE SCAN (cancelled)</span><br/>"
            f"{e(wording.incomplete_sentence(result))}</td></tr>"
        ],
        layout,
        pad=8,
    )


def _generate_only_banner(result: ScanResult, layout: Layout) -> str:
    if not is_generate_only(result):
        return ""
    return table(
        [
            f'<tr><td bgcolor="{SOFT}" style="border-left: {layout.u(3)}px solid {ACCENT};">'
            '<span style="font-weight:bold">Generate-only scan.</span> '
            f"{e(limitation(ScanSettings.from_dict(result.settings)))}</td></tr>"
        ],
        layout,
        pad=8,
    )


def _verdict_block(result: ScanResult, layout: Layout, provisional: bool = False) -> str:
    """The verdict across the full width (its name never breaks mid-word), then what it means and the rule."""
    s = result.summary
    colour = VERDICT_COLOURS.get(s.verdict, MUTED)
    name = glossary.verdict_name(s.verdict, complete=result.complete, provisional=provisional)
    badge = (
        f'<tr><td bgcolor="{colour}" style="padding-left:{layout.u(10)}px">'
        f'<span style="color:#ffffff; font-size:8pt">VERDICT</span><br/>'
        f'<span style="color:#ffffff; font-size:15pt; font-weight:bold">{e(name)}</span></td></tr>'
    )
    pending = (
        '<br/><span class="caption"><b>Provisional:</b> the control texts were still being scanned when this '
        "report was made, so the chance figures are not yet known; export again when the scan has finished.</span>"
        if provisional
        else ""
    )
    words = (
        f'<tr><td bgcolor="{SOFT}" style="padding-left:{layout.u(10)}px">'
        f'<span style="font-size:10pt">{e(wording.verdict_sentence(s.verdict, s.rule))}</span><br/>'
        f'<span class="caption">Rule applied: {e(s.reason)}.</span>{pending}</td></tr>'
    )
    return table([badge, words], layout, pad=9)


def _key_figures(result: ScanResult, layout: Layout) -> str:
    s = result.summary
    words = round(s.longest_verbatim_tokens / 1.3)
    cov_items = list(s.coverage.items())
    key_cov = s.key_coverage  # the same τ as the app's key figure
    cov_text = ", ".join(f"{wording.percent(v)} at {e(k)}" for k, v in cov_items) or "not measured"
    coverage = glossary.term("coverage")
    figures = [
        (
            f"{s.longest_verbatim_tokens:,}",
            f"{e(glossary.term('longest_run').caption)} (about {words:,} words)",
        ),
        (wording.percent(s.verbatim_token_share), e(glossary.term("share").caption)),
        (
            wording.percent(key_cov) if key_cov is not None else "n/a",
            f"of the text in 50-token stretches the model predicts with at least {KEY_COVERAGE_TAU} probability "
            f"given the text before them ({e(coverage.name.lower())} @ {KEY_COVERAGE_TAU})"
            if key_cov is not None
            else f"{e(coverage.name)}: not measured",
        ),
        (
            f"{s.confirmed - s.common_phrases:,}",
            f"passages confirmed by real generation ({s.candidates:,} candidates{e(wording.untested_candidates(result))}; "
            f"{s.common_phrases:,} set aside as {'a common phrase' if s.common_phrases == 1 else 'common phrases'})",
        ),
    ]
    cells = "".join(
        f'<td width="25%" valign="top" style="border-top: {layout.u(2)}px solid {ACCENT};">'
        f'<span class="figure">{fig}</span><br/><span class="caption">{cap}</span></td>'
        for fig, cap in figures
    )
    return table([f"<tr>{cells}</tr>"], layout, pad=6) + (
        f'<p class="caption">{e(coverage.name)} at each threshold τ ({e(coverage.caption)}): '
        f"{cov_text}.{_extraction_sentence(result)} Every figure is defined under "
        "“What the figures mean”.</p>"
    )


def _extraction_sentence(result: ScanResult) -> str:
    """" Sampling: x % of the text is expected to come out in 1 sample per window, …" ("" when not measured)."""
    ex = result.extraction
    share = ex.get("share") if isinstance(ex, dict) else None
    if not share:
        return ""
    parts = [f"{wording.percent(float(v))} within {int(k):,} sample{'s' if int(k) != 1 else ''}"
             for k, v in share.items() if int(k) in (1, 100, 10_000)]
    return (
        f" Extraction by sampling ({e(str(ex.get('decoding', '')))}, each {ex.get('window_tokens')}-token "
        f"stretch prompted with the author's preceding text): of the work's characters, {', '.join(parts)} "
        "per stretch are expected to come out word for word. Other prompts or settings may do better or worse."
    )


def _identity(result: ScanResult, layout: Layout) -> str:
    m, mod = result.manuscript, result.model
    model_kind = mod.format + (f", {mod.quantization}" if mod.quantization else "")
    left = kv_rows(
        [
            ("File", e(work_name(result))),
            ("Length", f"{m.characters:,} characters, {m.tokens:,} tokens"),
            ("Format", e(m.format)),
            ("SHA-256", mono(m.sha256)),
        ],
        layout,
        "26%",
    )
    right = kv_rows(
        [
            ("Model", e(mod.name)),
            ("Kind", f"{e(model_kind)}, {e(wording.parameters(mod.parameters))} parameters"),
            ("Run on", f"{e(mod.device)}, {e(mod.dtype)} ({e(mod.backend_label)})"),
            ("SHA-256", mono(mod.sha256 or "not recorded")),
        ],
        layout,
        "26%",
    )
    gap = layout.u(12)
    return (
        f'<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td width="49%" valign="top"><h3>The work</h3>{table(left, layout)}</td>'
        f'<td width="2%" style="padding-left:{gap}px"></td>'
        f'<td width="49%" valign="top"><h3>The model</h3>{table(right, layout)}</td>'
        "</tr></table>"
    )


def _strongest(result: ScanResult, layout: Layout) -> str:
    counted = [p for p in ordered_passages(result) if not p.common_phrase]
    if not counted:
        return "<h3>The strongest passage</h3><p>No passage of the work was reproduced beyond common phrases.</p>"
    p = counted[0]
    words = round(len(p.prompt.split()))
    head = (
        f'<tr><td width="50%" class="label">The author\'s text</td>'
        f'<td width="50%" class="label">What the model wrote, given the {words:,} preceding words</td></tr>'
    )
    body = (
        f'<tr><td valign="top" class="reading" style="border-top: 1px solid {RULE};">'
        f"{highlighted(p.original, p.original_spans)}</td>"
        f'<td valign="top" class="reading" style="border-top: 1px solid {RULE};">'
        f"{highlighted(p.generated, p.generated_spans)}</td></tr>"
    )
    return (
        "<h3>The strongest passage</h3>"
        + table([head, body], layout, pad=4)
        + f'<p class="caption">{p.verbatim_tokens:,} tokens reproduced exactly before the first difference; '
        f"similarity {glossary.similarity(p.similarity)}. Highlighted: text the model reproduced exactly. "
        "All passages follow on the next pages.</p>"
    )


def summary_page(result: ScanResult, layout: Layout, provisional: bool = False) -> str:
    """Page 1: the work, the model, the verdict in plain words, key figures, the strongest passage.

    `provisional`: the controls were still running, so the verdict may change (said in the verdict box).
    """
    started = wording.utc(result.provenance.get("started_utc", ""))
    return (
        '<p class="eyebrow">VERBATIM · MEMORIZATION REPORT</p>'
        f"<h1>{e(work_name(result))}</h1>"
        f'<p class="muted">Tested against {e(result.model.name)}'
        + (f" · scanned {e(started)}" if started else "")
        + "</p>"
        + _incomplete_banner(result, layout)
        + _generate_only_banner(result, layout)
        + _verdict_block(result, layout, provisional)
        + _key_figures(result, layout)
        + _identity(result, layout)
        + _strongest(result, layout)
    )
