"""Where in the work and what the model wrote: the heatmap section, the passages in full, the appendix.

Passages are numbered as in the app, strongest first (`ordered_passages`); each is shown as prompt,
the author's text and the model's output side by side, with the exactly reproduced words highlighted.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.generate_only import is_generate_only
from core.ingest.document import Location
from core.report import glossary, wording
from core.report.cite import cite, report_order
from core.report.style import (
    COMMON_BG,
    MUTED,
    RULE,
    SOFT,
    TEXT,
    VERBATIM_BG,
    Layout,
    e,
    highlighted,
    lines,
    plural,
    table,
)
from core.results import Passage, ScanResult

NBSP_PERCENT = "&nbsp;%"
"""A per-cent sign that stays on the line of its number ("84.7 %" never breaks before the sign)."""

HEATMAP_URL = "verbatim://heatmap.png"
"""Where the PDF's QTextDocument finds the heatmap image (gui.report_pdf adds it as a resource)."""


def ordered_passages(result: ScanResult) -> list[Passage]:
    """Strongest first: counted passages by verbatim length, then common phrases (numbered 1, 2, ...)."""
    return report_order(result.passages)


def heatmap_section(result: ScanResult, layout: Layout, shown: int) -> str:
    """Where in the work the model reproduces text, with the numbered passages marked."""
    out = '<h2 style="page-break-before: always">Where in the work</h2>'
    if layout.heatmap_size is None or not result.heatmap:
        return out + "<p>No heatmap was recorded for this scan.</p>"
    w, h = layout.heatmap_size
    bins = len(result.heatmap)
    return (
        out + f'<p><img src="{HEATMAP_URL}" width="{w}" height="{h}"/></p>'
        f'<p class="caption">The strip runs from the first character of the work (left) to the last (right), '
        f"in {bins:,} equal slices of about {max(1, result.manuscript.characters // max(1, bins)):,} characters. "
        "The darker the red, the longer the confirmed passages the model reproduced word for word there. "
        + _set_aside_caption(result)
        + f"Numbered marks show where the {shown} passages below begin.</p>"
    )


def _set_aside_caption(result: ScanResult) -> str:
    """What the grey bins mean, when the scan recorded any (older reports have no such record)."""
    codes = set(result.heatmap_set_aside)
    if not result.heatmap_set_aside:
        return ""
    parts = []
    if 1 in codes:
        parts.append("solid grey marks common phrases (reproduced after unrelated text too)")
    if 2 in codes:
        parts.append("hatched grey marks text the model could copy from earlier in the work")
    if not parts:
        return "No reproduced text was set aside as a common phrase or context copy. "
    return "Reproduced but not counted: " + "; ".join(parts) + ". "


def _place(p: Passage, result: ScanResult, locations: Sequence[Location]) -> str:
    """The passage's citation ("p. 12, para. 3"); paragraphs are counted in the text when it is known."""
    if not locations and not result.text:
        return ""
    return cite(p.start_char, result.text, locations)


def _near_verbatim(p: Passage, result: ScanResult) -> str:
    """"N tokens near-verbatim (E edits) · " where the output went on past a small difference, else ""."""
    if p.near_verbatim_tokens <= p.verbatim_tokens:
        return ""
    tolerance = float(result.settings.get("near_verbatim_tolerance", 0.10))
    edits = f"{p.near_verbatim_edits} token{'s' if p.near_verbatim_edits != 1 else ''} changed, left out or added"
    return (f"<b>{p.near_verbatim_tokens:,}</b> tokens near-verbatim ({edits}; at most "
            f"{wording.percent(tolerance)} of the tokens may differ; not counted toward the verdict) · ")


def _window_label(p: Passage) -> str:
    """"standard 50+50 window", or "12+50-token window (clipped: 12-token prefix)" near the work's ends."""
    if not p.clipped_window:
        return "standard 50+50 window"
    return f"{p.window_prefix_tokens}+{p.window_suffix_tokens}-token window ({p.clipped_window}, not a standard 50+50)"


def _passage_block(
    n: int, p: Passage, result: ScanResult, layout: Layout, locations: Sequence[Location] = ()
) -> str:
    where = p.start_char / result.manuscript.characters if result.manuscript.characters else 0.0
    place = _place(p, result, locations)
    grey = p.common_phrase
    colour = MUTED if grey else TEXT
    title = (
        f'<h3 style="color:{colour}">Passage {n} · ' + (f"{e(place)} · " if place else "")
        + f"characters {p.start_char:,}–{p.end_char:,} "
        f'<span class="muted" style="font-weight:normal">({wording.percent(where)} into the work)</span></h3>'
    )
    note = ""
    if grey:
        note = (
            f'<p class="small" style="color:{MUTED}"><b>Common phrase — not counted toward the verdict.</b> '
            f"{e(_sentence(p.common_phrase_reason) or 'Reproduced without the work-specific context.')}</p>"
        )
    if p.contested:
        note += (
            f'<p class="small"><b>Contested — neither counted nor discounted.</b> {e(_sentence(p.contested_reason))}</p>'
        )
    if p.context_copy_tokens:
        note += (
            f'<p class="small" style="color:{MUTED}">{p.context_copy_tokens:,} of these tokens repeat text that '
            "appears shortly before them in the work (a refrain, a repeated phrase); the model could copy them "
            "from its context, so they are not counted as evidence.</p>"
        )
    chance = (
        "" if p.chance_p is None
        else f" · {glossary.term('chance_p').name.lower()} in unseen text <b>{glossary.probability(p.chance_p)}</b>"
    )
    window = (
        "standard 50+50 window and p_extract not measured (generate-only scan)"
        if is_generate_only(result)
        else f"{_window_label(p)}: {p.matched_suffix_tokens} of {p.window_suffix_tokens if p.clipped_window else 50} "
        "tokens matched"
        f"{' (exact)' if p.exact_suffix_match else ''}, extraction chance per attempt "
        f"<b>{glossary.extraction_chance(p.p_extract)}</b>, "
        f"attempts for 50{NBSP_PERCENT} odds: <b>{glossary.attempts(p.queries_for_half)}</b>"
        + (f" · {p.fragile_positions} near-tie positions" if p.fragile_positions else "")
    )
    facts = (
        f'<p class="small" style="color:{colour}">'
        f"<b>{p.verbatim_tokens:,}</b> tokens reproduced exactly ({p.evidence:,} counted){chance} · "
        f"{_near_verbatim(p, result)}"
        f"similarity <b>{glossary.similarity(p.similarity).replace(' %', NBSP_PERCENT)}</b> · "
        f"longest common stretch {p.longest_common_chars:,} characters · {window}</p>"
    )
    span_bg = COMMON_BG if grey else VERBATIM_BG
    line = f"border-top: 1px solid {RULE};"
    cell = f'valign="top" class="reading" style="{line} color:{colour}"'
    head = (
        "<thead><tr>"
        f'<td width="28%" class="label" bgcolor="{SOFT}">Prompt given to the model (author\'s preceding text)</td>'
        f'<td width="36%" class="label" bgcolor="{SOFT}">The author\'s text</td>'
        f'<td width="36%" class="label" bgcolor="{SOFT}">The model\'s output</td>'
        "</tr></thead>"
    )
    prompt = "…" + lines(p.prompt) if p.prompt else '<span class="muted">(start of the work)</span>'
    row = (
        f'<tr><td {cell}><span style="color:{MUTED}">{prompt}</span></td>'
        f"<td {cell}>{highlighted(p.original, p.original_spans, span_bg)}</td>"
        f"<td {cell}>{highlighted(p.generated, p.generated_spans, span_bg)}</td></tr>"
    )
    return title + note + facts + table([head, row], layout, pad=4, border=True)


def passages_section(
    result: ScanResult, layout: Layout, max_passages: int, locations: Sequence[Location] = ()
) -> str:
    """The top passages side by side: prompt | author's text | model's output; the rest in the appendix."""
    ordered = ordered_passages(result)
    shown = ordered[:max_passages]
    out = "<h2>Passages the model reproduced</h2>"
    if not shown:
        return out + "<p>The model reproduced no passage of this work.</p>"
    counted = sum(not p.common_phrase for p in result.passages)
    out += (
        f"<p>Confirmed by real generation: {plural(len(result.passages), 'passage')} "
        f"({counted:,} counted, {plural(len(result.passages) - counted, 'common phrase')}). "
        + (
            f"The {len(shown)} strongest are shown in full here; passages {len(shown) + 1:,} to "
            f"{len(ordered):,} follow in the appendix at the end of this report, with the same numbers. "
            if len(shown) < len(ordered)
            else ""
        )
        + "Passages are numbered as in the app, strongest first, and located by page, chapter or "
        "paragraph of the file as read. "
        + f'Text on a <span style="background-color:{VERBATIM_BG}">yellow background</span> was reproduced '
        "exactly, in the same colour on both sides; unmarked text differs.</p>"
    )
    return out + "".join(_passage_block(i + 1, p, result, layout, locations) for i, p in enumerate(shown))


def appendix_section(
    result: ScanResult, layout: Layout, max_passages: int, locations: Sequence[Location] = ()
) -> str:
    """Every passage after the first `max_passages`, one compact row each, numbered as in the app."""
    rest = ordered_passages(result)[max_passages:]
    if not rest:
        return ""
    line = f"border-top: 1px solid {RULE};"
    head = (
        "<thead><tr>"
        f'<td width="6%" class="label" bgcolor="{SOFT}">No.</td>'
        f'<td width="16%" class="label" bgcolor="{SOFT}">Where</td>'
        f'<td width="10%" class="label" bgcolor="{SOFT}" align="right">Tokens reproduced</td>'
        f'<td width="34%" class="label" bgcolor="{SOFT}">The author\'s text</td>'
        f'<td width="34%" class="label" bgcolor="{SOFT}">The model\'s output</td>'
        "</tr></thead>"
    )
    rows = []
    for n, p in enumerate(rest, max_passages + 1):
        colour = MUTED if p.common_phrase else TEXT
        bg = COMMON_BG if p.common_phrase else VERBATIM_BG
        place = _place(p, result, locations) or f"character {p.start_char:,}"
        note = '<br/><span class="small">common phrase, not counted</span>' if p.common_phrase else ""
        rows.append(
            f'<tr><td valign="top" style="{line} color:{colour}">{n:,}</td>'
            f'<td valign="top" style="{line} color:{colour}">{e(place)}{note}</td>'
            f'<td valign="top" align="right" style="{line} color:{colour}">{p.verbatim_tokens:,}</td>'
            f'<td valign="top" class="reading" style="{line} color:{colour}">'
            f"{highlighted(p.original, p.original_spans, bg)}</td>"
            f'<td valign="top" class="reading" style="{line} color:{colour}">'
            f"{highlighted(p.generated, p.generated_spans, bg)}</td></tr>"
        )
    return (
        '<h2 style="page-break-before: always">Appendix: the other passages</h2>'
        f"<p>Passages {max_passages + 1:,} to {max_passages + len(rest):,}, in the same order and with the same "
        "numbers as in the app. The prompts and the standard-window figures of every passage are in the "
        "JSON attached to this PDF.</p>" + table([head, *rows], layout, pad=3)
    )


def _sentence(reason: str) -> str:
    """A reason recorded as a clause ("also reproduced ...") written as a sentence."""
    reason = reason.strip()
    if not reason:
        return ""
    return reason[0].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
