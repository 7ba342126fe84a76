"""The report's reference sections: "What the figures mean" and, after the plain sections, "Advanced".

Both read core.report.glossary, the one source of the figures' names and definitions the app uses too.
The Advanced section holds what researchers check and other readers may skip: the block permutation
tests, the window scores and their AUC, the membership scores, and each passage's raw extraction
figures (the exact p_extract and number of attempts the plain sections word as "practically never").
"""

from __future__ import annotations

from core.generate_only import is_generate_only
from core.report import glossary
from core.report.passages import ordered_passages
from core.report.statistics import membership_sentence, statistics_rows
from core.report.style import RULE, SOFT, Layout, e, kv_table, table
from core.results import ScanResult


def _definitions(terms: tuple[glossary.Term, ...], layout: Layout) -> str:
    return kv_table([(t.name, e(t.definition)) for t in terms], layout, "26%")


def glossary_section(layout: Layout) -> str:
    """Every plain figure of the report with its definition, as the app's "?" buttons and Help give it."""
    return (
        '<h2>What the figures mean</h2>'
        "<p>The same definitions are behind the “?” beside each figure in the app and in its Help.</p>"
        + _definitions(glossary.plain_terms(), layout)
    )


def _raw_passages(result: ScanResult, layout: Layout) -> str:
    """Each passage's exact extraction figures, numbered as in the app and the passages section."""
    line = f"border-top: 1px solid {RULE};"
    head = (
        "<thead><tr>"
        f'<td width="10%" class="label" bgcolor="{SOFT}">No.</td>'
        f'<td width="30%" class="label" bgcolor="{SOFT}" align="right">p_extract (p_z), exact</td>'
        f'<td width="30%" class="label" bgcolor="{SOFT}" align="right">Attempts for 50 % odds, exact</td>'
        f'<td width="30%" class="label" bgcolor="{SOFT}" align="right">Chance of a run this long</td>'
        "</tr></thead>"
    )
    rows = []
    for n, p in enumerate(ordered_passages(result), 1):
        attempts = "none suffices (p_extract is 0)" if p.queries_for_half is None else f"{p.queries_for_half:,}"
        chance = "not computed" if p.chance_p is None else f"{p.chance_p:.3g}"
        rows.append(
            f'<tr><td style="{line}">{n:,}</td><td style="{line}" align="right">{p.p_extract:.4g}</td>'
            f'<td style="{line}" align="right">{attempts}</td><td style="{line}" align="right">{chance}</td></tr>'
        )
    return (
        "<h3>Each passage's extraction figures</h3>"
        f"<p>The plain sections read p_extract 0 as “{glossary.NOT_EXTRACTABLE}” and more than "
        f"{glossary.PRACTICALLY_NEVER:,} attempts as “{glossary.PRACTICALLY_NEVER_TEXT}”; here are the exact "
        "numbers, as in the JSON.</p>" + table([head, *rows], layout, pad=3)
    )


def advanced_section(result: ScanResult, layout: Layout) -> str:
    """Research figures: block tests, window scores, membership scores, raw per-passage figures, definitions."""
    out = (
        '<h2 style="page-break-before: always">Advanced: research figures</h2>'
        "<p>Figures from the research literature, for an expert who checks the method. None of them decides "
        "the verdict on its own; the plain sections above say what the scan found.</p>"
    )
    rows = statistics_rows(result.statistics, "advanced") if result.statistics else []
    if rows:
        sentence = membership_sentence(result.statistics)
        out += (
            "<h3>Tests against the controls</h3>"
            + (f"<p>{e(sentence)}</p>" if sentence else "")
            + kv_table(rows, layout, "40%")
        )
    mem = result.membership
    if mem is not None:
        out += (
            "<h3>Membership scores</h3>"
            + kv_table(
                [
                    ("Loss (mean NLL per token)", f"{mem.loss:.4g} nats"),
                    ("zlib ratio", f"{mem.zlib_ratio:.4g}"),
                    ("Min-K% (k = 20 %)", f"{mem.min_k:.4g}"),
                    ("Min-K%++ (k = 20 %)", f"{mem.min_k_pp:.4g}"),
                ],
                layout,
            )
            + '<p class="caption">Membership scores are weak evidence on their own (close to chance when the '
            "work differs in style from the controls); read them only against the controls.</p>"
        )
    if result.passages and not is_generate_only(result):
        out += _raw_passages(result, layout)
    return out + "<h3>What these figures mean</h3>" + _definitions(glossary.advanced_terms(), layout)
