"""The report's pages as HTML in the subset Qt's rich text understands (tables, spans, simple CSS).

Plain Python, so it is testable without Qt; gui.report_pdf lays it out and paints it. Every piece of
user or model text goes through html.escape. Lengths are in the paint device's pixels: the caller
passes `px_per_pt` (Qt: 96 / 72, it scales HTML pixels to the device) and `u(pt)` converts.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.ingest.document import Location
from core.report import wording
from core.report.cite import cite, report_order
from core.results import Passage, ScanResult
from core.scan.sweep import is_generate_only, limitation
from core.settings import ScanSettings

VERBATIM_BG = "#f6d58e"
"""Text the model reproduced exactly (same colour as the app's verbatim highlight)."""
COMMON_BG = "#e3e5e8"
TEXT = "#1f2328"
MUTED = "#6a737d"
RULE = "#d0d7de"
SOFT = "#f6f8fa"
ACCENT = "#2f5f8a"
INCOMPLETE_BG = "#fff1f0"
INCOMPLETE_FG = "#a4262c"
CONTROL_SOURCES = {
    "own-unpublished": "the author's own unpublished writing",
    "user": "supplied by the user",
    "bundled": "bundled with Verbatim",
}
VERDICT_COLOURS = {"memorized": "#a4262c", "inconclusive": "#9a6700", "no-evidence": "#1a7f37"}

SANS = "DejaVu Sans"
SERIF = "DejaVu Serif"
MONO = "DejaVu Sans Mono"

HEATMAP_URL = "verbatim://heatmap.png"


@dataclass(frozen=True)
class Layout:
    """Device geometry the HTML is written for."""

    px_per_pt: float
    heatmap_size: tuple[int, int] | None = None
    """Width and height of the heatmap image in device pixels; None leaves the image out."""

    def u(self, pt: float) -> int:
        """Points to device pixels."""
        return max(0, round(pt * self.px_per_pt))


def e(value: object) -> str:
    """Escape any text for HTML (quotes included)."""
    return html.escape(str(value), quote=True)


def ordered_passages(result: ScanResult) -> list[Passage]:
    """Strongest first: counted passages by verbatim length, then common phrases (numbered 1, 2, ...)."""
    return report_order(result.passages)


def work_name(result: ScanResult) -> str:
    """The manuscript's file name."""
    return os.path.basename(result.manuscript.path) or result.manuscript.path


def highlighted(text: str, spans: Sequence[tuple[int, int]], colour: str = VERBATIM_BG) -> str:
    """Escaped text with `spans` on a coloured background; newlines become line breaks."""
    out: list[str] = []
    pos = 0
    for a, b in sorted((max(0, a), min(len(text), b)) for a, b in spans):
        if b <= pos:
            continue
        a = max(a, pos)
        out.append(_lines(text[pos:a]))
        out.append(f'<span style="background-color:{colour}">{_lines(text[a:b])}</span>')
        pos = b
    out.append(_lines(text[pos:]))
    return "".join(out)


PILCROW = f'<span style="color:{MUTED}">¶</span>'


def _lines(text: str) -> str:
    """Escaped text with each line break shown as a pilcrow (whitespace is evidence too)."""
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    return e(body).replace("\n", PILCROW + "<br/>") + PILCROW * trailing


def _css(layout: Layout) -> str:
    u = layout.u
    return f"""
body {{ font-family: '{SANS}'; font-size: 9pt; color: {TEXT}; }}
p {{ margin-top: 0px; margin-bottom: {u(6)}px; line-height: 125%; }}
h1 {{ font-size: 20pt; font-weight: bold; margin-top: 0px; margin-bottom: {u(2)}px; }}
h2 {{ font-size: 13pt; font-weight: bold; color: {ACCENT}; margin-top: {u(16)}px; margin-bottom: {u(6)}px; }}
h3 {{ font-size: 10pt; font-weight: bold; margin-top: {u(12)}px; margin-bottom: {u(3)}px; }}
.eyebrow {{ font-size: 8pt; color: {MUTED}; letter-spacing: 1px; margin-bottom: {u(4)}px; }}
.muted {{ color: {MUTED}; }}
.small {{ font-size: 7.5pt; }}
.mono {{ font-family: '{MONO}'; font-size: 7pt; }}
.figure {{ font-size: 17pt; font-weight: bold; }}
.caption {{ font-size: 7.5pt; color: {MUTED}; }}
.reading {{ font-family: '{SERIF}'; font-size: 8.5pt; }}
.label {{ color: {MUTED}; font-size: 7.5pt; }}
li {{ margin-bottom: {u(3)}px; }}
"""


def _table(
    rows: Iterable[str], layout: Layout, *, width: str = "100%", pad: float = 3, border: bool = False
) -> str:
    border_css = (
        f"border-width: 1px; border-style: solid; border-color: {RULE};" if border else "border-width: 0px;"
    )
    return (
        f'<table width="{width}" cellspacing="0" cellpadding="{layout.u(pad)}" '
        f'style="border-collapse: collapse; {border_css} margin-bottom: {layout.u(4)}px">'
        + "".join(rows)
        + "</table>"
    )


def _kv_rows(
    pairs: Iterable[tuple[str, str]], layout: Layout, label_width: str = "28%", *, dense: bool = False
) -> list[str]:
    """Key/value rows with a hairline between them; values are already HTML (`dense`: 8 pt values)."""
    line = f"border-bottom: 1px solid {RULE};"
    size = " font-size: 8pt;" if dense else ""
    return [
        f'<tr><td width="{label_width}" style="{line}" class="label">{e(k)}</td>'
        f'<td style="{line}{size}">{v}</td></tr>'
        for k, v in pairs
    ]


def _kv_table(pairs: Sequence[tuple[str, str]], layout: Layout, label_width: str = "28%") -> str:
    """A dense key/value table (provenance, statistics)."""
    return _table(_kv_rows(pairs, layout, label_width, dense=True), layout, pad=2.2)


def _two_columns(pairs: Sequence[tuple[str, str]], layout: Layout, label_width: str = "55%") -> str:
    """A long key/value list split into two tables side by side."""
    half = (len(pairs) + 1) // 2
    return (
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td width="48%" valign="top">{_kv_table(pairs[:half], layout, label_width)}</td>'
        '<td width="4%"></td>'
        f'<td width="48%" valign="top">{_kv_table(pairs[half:], layout, label_width)}</td>'
        "</tr></table>"
    )


def _mono(value: object) -> str:
    return f'<span class="mono">{e(value)}</span>'


# --- summary page ---------------------------------------------------------------------------------


def _incomplete_banner(result: ScanResult, layout: Layout) -> str:
    if result.complete:
        return ""
    return _table(
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
    return _table(
        [
            f'<tr><td bgcolor="{SOFT}" style="border-left: {layout.u(3)}px solid {ACCENT};">'
            '<span style="font-weight:bold">Generate-only scan.</span> '
            f"{e(limitation(ScanSettings.from_dict(result.settings)))}</td></tr>"
        ],
        layout,
        pad=8,
    )


def _verdict_block(result: ScanResult, layout: Layout) -> str:
    s = result.summary
    colour = VERDICT_COLOURS.get(s.verdict, MUTED)
    badge = (
        f'<td width="27%" bgcolor="{colour}" align="center" valign="middle">'
        f'<span style="color:#ffffff; font-size:8pt">VERDICT</span><br/>'
        f'<span style="color:#ffffff; font-size:15pt; font-weight:bold">{e(wording.verdict_title(s.verdict))}'
        "</span></td>"
    )
    words = (
        f'<td bgcolor="{SOFT}" valign="middle" style="padding-left:{layout.u(10)}px">'
        f'<span style="font-size:10pt">{e(wording.verdict_sentence(s.verdict, s.rule))}</span><br/>'
        f'<span class="caption">Rule applied: {e(s.reason)}.</span></td>'
    )
    return _table([f"<tr>{badge}{words}</tr>"], layout, pad=9)


def _key_figures(result: ScanResult, layout: Layout) -> str:
    s = result.summary
    words = round(s.longest_verbatim_tokens / 1.3)
    cov_items = list(s.coverage.items())
    strongest_tau = cov_items[-1] if cov_items else None
    cov_text = ", ".join(f"{wording.percent(v)} at {e(k)}" for k, v in cov_items) or "not measured"
    figures = [
        (
            f"{s.longest_verbatim_tokens:,}",
            f"tokens in the longest passage reproduced word for word (about {words:,} words)",
        ),
        (wording.percent(s.verbatim_token_share), "of the work's tokens lie in confirmed verbatim passages"),
        (
            wording.percent(strongest_tau[1]) if strongest_tau else "n/a",
            f"of the text extractable with at least {e(strongest_tau[0])} chance per attempt"
            if strongest_tau
            else "coverage not measured",
        ),
        (
            f"{s.confirmed - s.common_phrases:,}",
            f"passages confirmed by real generation ({s.candidates:,} candidates; "
            f"{s.common_phrases:,} set aside as {'a common phrase' if s.common_phrases == 1 else 'common phrases'})",
        ),
    ]
    cells = "".join(
        f'<td width="25%" valign="top" style="border-top: {layout.u(2)}px solid {ACCENT};">'
        f'<span class="figure">{fig}</span><br/><span class="caption">{cap}</span></td>'
        for fig, cap in figures
    )
    return _table([f"<tr>{cells}</tr>"], layout, pad=6) + (
        f'<p class="caption">Coverage at each threshold τ (share of characters under some 50-token window the '
        f"model reproduces with probability at least τ): {cov_text}.</p>"
    )


def _identity(result: ScanResult, layout: Layout) -> str:
    m, mod = result.manuscript, result.model
    model_kind = mod.format + (f", {mod.quantization}" if mod.quantization else "")
    left = _kv_rows(
        [
            ("File", e(work_name(result))),
            ("Length", f"{m.characters:,} characters, {m.tokens:,} tokens"),
            ("Format", e(m.format)),
            ("SHA-256", _mono(m.sha256)),
        ],
        layout,
        "26%",
    )
    right = _kv_rows(
        [
            ("Model", e(mod.name)),
            ("Kind", f"{e(model_kind)}, {e(wording.parameters(mod.parameters))} parameters"),
            ("Run on", f"{e(mod.device)}, {e(mod.dtype)} ({e(mod.backend_label)})"),
            ("SHA-256", _mono(mod.sha256 or "not recorded")),
        ],
        layout,
        "26%",
    )
    gap = layout.u(12)
    return (
        f'<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td width="49%" valign="top"><h3>The work</h3>{_table(left, layout)}</td>'
        f'<td width="2%" style="padding-left:{gap}px"></td>'
        f'<td width="49%" valign="top"><h3>The model</h3>{_table(right, layout)}</td>'
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
        + _table([head, body], layout, pad=4)
        + f'<p class="caption">{p.verbatim_tokens:,} tokens reproduced exactly before the first difference; '
        f"similarity {p.similarity:.1f} %. Highlighted: text the model reproduced exactly. "
        "All passages follow on the next pages.</p>"
    )


def summary_page(result: ScanResult, layout: Layout) -> str:
    """Page 1: the work, the model, the verdict in plain words, key figures, the strongest passage."""
    started = wording.utc(result.provenance.get("started_utc", ""))
    return (
        '<p class="eyebrow">VERBATIM · MEMORIZATION REPORT</p>'
        f"<h1>{e(work_name(result))}</h1>"
        f'<p class="muted">Tested against {e(result.model.name)}'
        + (f" · scanned {e(started)}" if started else "")
        + "</p>"
        + _incomplete_banner(result, layout)
        + _generate_only_banner(result, layout)
        + _verdict_block(result, layout)
        + _key_figures(result, layout)
        + _identity(result, layout)
        + _strongest(result, layout)
    )


# --- heatmap and passages -------------------------------------------------------------------------


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
        "The darker the red, the longer the runs the model reproduced word for word there. Numbered marks "
        f"show where the {shown} passages below begin.</p>"
    )


def _place(p: Passage, result: ScanResult, locations: Sequence[Location]) -> str:
    """The passage's citation ("p. 12, para. 3"); paragraphs are counted in the text when it is known."""
    if not locations and not result.text:
        return ""
    return cite(p.start_char, result.text, locations)


def _passage_block(
    n: int, p: Passage, result: ScanResult, layout: Layout, locations: Sequence[Location] = ()
) -> str:
    where = p.start_char / result.manuscript.characters if result.manuscript.characters else 0.0
    place = _place(p, result, locations)
    queries = p.queries_for_half
    q_text = "never (p_extract is 0)" if queries is None else f"{queries:,}"
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
    chance = "" if p.chance_p is None else f" · chance of a run this long in unseen text <b>{wording.probability(p.chance_p)}</b>"
    window = (
        "standard 50+50 window and p_extract not measured (generate-only scan)"
        if is_generate_only(result)
        else f"standard 50+50 window: {p.matched_suffix_tokens} of 50 tokens matched"
        f"{' (exact)' if p.exact_suffix_match else ''}, p_extract <b>{wording.probability(p.p_extract)}</b>, "
        f"attempts for 50 % odds: <b>{q_text}</b>"
        + (f" · {p.fragile_positions} near-tie positions" if p.fragile_positions else "")
    )
    facts = (
        f'<p class="small" style="color:{colour}">'
        f"<b>{p.verbatim_tokens:,}</b> tokens reproduced exactly ({p.evidence:,} counted){chance} · "
        f"similarity <b>{p.similarity:.1f} %</b> · "
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
    prompt = "…" + _lines(p.prompt) if p.prompt else '<span class="muted">(start of the work)</span>'
    row = (
        f'<tr><td {cell}><span style="color:{MUTED}">{prompt}</span></td>'
        f"<td {cell}>{highlighted(p.original, p.original_spans, span_bg)}</td>"
        f"<td {cell}>{highlighted(p.generated, p.generated_spans, span_bg)}</td></tr>"
    )
    return title + note + facts + _table([head, row], layout, pad=4, border=True)


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
        f"<p>Confirmed by real generation: {_count(len(result.passages), 'passage')} "
        f"({counted:,} counted, {_count(len(result.passages) - counted, 'common phrase')}). "
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
        "JSON attached to this PDF.</p>" + _table([head, *rows], layout, pad=3)
    )


# --- controls, method, provenance, verification ----------------------------------------------------


def _count(n: int, noun: str) -> str:
    """Count and noun, plural unless 1 ("1 passage", "3 passages")."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _pretty(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _value(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "true" if v is True else "false" if v is False else "null"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, int):
        return f"{v:,}"
    return e(v)


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
            return "not computed"
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
    return _value(value)


_UNSHOWN = frozenset({"test", "p_value"})
"""Kept in the JSON for older readers; the block tests' rows say the same in full."""


def statistics_rows(stats: dict[str, Any]) -> list[tuple[str, str]]:
    """The control statistics as (plain label, value) rows, in the order a reader needs them."""
    hidden = _UNSHOWN if "membership_test" in stats else frozenset()
    order = [k for k in STATISTICS_LABELS if k in stats and k not in hidden] + [
        k for k in stats if k not in STATISTICS_LABELS]
    return [(STATISTICS_LABELS.get(k, _pretty(k)), _stat_value(k, stats[k], stats)) for k in order]


def statistics_sentence(stats: dict[str, Any]) -> str:
    """The controls' lesson in one or two sentences, or "" when there is nothing to say."""
    n = stats.get("controls")
    bad = stats.get("false_positives")
    if not isinstance(n, int) or not n or not isinstance(bad, list | tuple):
        return ""
    out = (
        f"Of the {_count(n, 'control text')}, {'none' if not bad else len(bad)} "
        f"got a verdict other than No evidence, so the verdict rule raised "
        f"{'no false alarm' if not bad else _count(len(bad), 'false alarm')} on text the model cannot have seen."
    )
    interval = stats.get("false_positive_interval")
    if isinstance(interval, dict):
        out += (f" With {n} controls the false-alarm rate could still be as high as "
                f"{wording.percent(float(interval['high']))} (95 % exact interval): add your own texts to narrow it.")
    auc, p = stats.get("auc"), stats.get("p_value")
    if isinstance(auc, int | float) and isinstance(p, int | float):
        out += (
            f" The work's 50-token windows score higher than the controls' in {auc:.0%} of pairs "
            f"(p-value {'below 0.0001' if p < 1e-4 else f'{p:.4f}'}); this is weak evidence on its own."
        )
    return out


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
            f'<tr><td style="{line}">{e(c.name)}<br/>{_mono(c.sha256)}</td>'
            f'<td style="{line}">{CONTROL_SOURCES.get(c.kind, "bundled with Verbatim")}</td>'
            f'<td style="{line}" align="right">{c.tokens:,}</td>'
            f'<td style="{line}" align="right">{c.longest_verbatim_tokens:,} tokens</td>'
            f'<td style="{line}">{e(wording.verdict_title(c.verdict))}</td></tr>'
            for c in result.controls
        ]
        out += _table([head, *rows], layout, pad=4)
    else:
        out += (
            "<p><b>No control texts were scanned.</b> Without controls the false-alarm rate of this scan "
            "is not measured; the verbatim passages above stand on their own, the membership scores below "
            "do not.</p>"
        )
    if result.statistics:
        summary = statistics_sentence(result.statistics)
        out += (
            "<h3>Statistics</h3>"
            + (f"<p>{e(summary)}</p>" if summary else "")
            + _kv_table(statistics_rows(result.statistics), layout, "40%")
        )
    mem = result.membership
    if mem is not None:
        out += (
            "<h3>Membership scores</h3>"
            + _kv_table(
                [
                    ("Loss (mean NLL per token)", f"{mem.loss:.4g} nats"),
                    ("zlib ratio", f"{mem.zlib_ratio:.4g}"),
                    ("Min-K% (k = 20 %)", f"{mem.min_k:.4g}"),
                    ("Min-K%++ (k = 20 %)", f"{mem.min_k_pp:.4g}"),
                ],
                layout,
            )
            + '<p class="caption">Membership scores are weak evidence on their own (close to chance when the '
            "work differs in style from the controls); read them only against the controls above.</p>"
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
        f'<td width="14%" class="label" bgcolor="{SOFT}" align="right">Coverage @ 1 %</td></tr></thead>'
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
            f'<tr><td style="{line}">{name}<br/>{_mono(other.model.sha256 or "not recorded")}</td>'
            f'<td style="{line} color:{colour}">{e(wording.verdict_title(s.verdict))}</td>'
            f'<td style="{line}" align="right">{s.longest_verbatim_tokens:,} tokens</td>'
            f'<td style="{line}" align="right">{wording.percent(s.verbatim_token_share)}</td>'
            f'<td style="{line}" align="right">{_coverage_1pct(s.coverage)}</td></tr>'
        )
    return (
        "<h2>Several models</h2>"
        f"<p>{e(wording.comparisons_sentence(len(comparisons)))}</p>"
        + _table([head, *rows], layout, pad=4)
        + f'<p class="caption">{e(wording.COMPARISONS_CAPTION)}</p>'
    )


def _coverage_1pct(coverage: dict[str, float]) -> str:
    value = coverage.get("1%")
    return "n/a" if value is None else wording.percent(value)


def method_section(result: ScanResult | None = None) -> str:
    """How the scan works and what it cannot show, in plain words (with the reference-model test if used)."""
    method, limitations = list(wording.METHOD), list(wording.LIMITATIONS)
    if result is not None and is_generate_only(result):
        first_step, limit = wording.generate_only_sentences(ScanSettings.from_dict(result.settings))
        method = [first_step] + [m for m in method[1:] if m != wording.STANDARD_PROTOCOL]
        limitations.insert(0, limit)
    if result is not None:
        method.append(wording.verdict_rule(ScanSettings.from_dict(result.settings)))
        method.append(wording.chance_sentence(result))
    record = result.provenance.get("reference_model") if result is not None else None
    if isinstance(record, dict):
        extra_method, extra_limit = wording.reference_sentences(record)
        method.insert(method.index(wording.SWAPPED_CONTEXT) + 1, extra_method)
        limitations.append(extra_limit)
    return (
        "<h2>Method</h2>"
        + "".join(f"<p>{e(t)}</p>" for t in method)
        + "<h2>Limitations</h2><ul>"
        + "".join(f"<li>{e(t)}</li>" for t in limitations)
        + "</ul>"
    )


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(data, dict):
        out: list[tuple[str, Any]] = []
        for k, v in data.items():
            out.extend(_flatten(v, f"{prefix}{k}."))
        return out
    if isinstance(data, list | tuple) and data and all(isinstance(v, dict) for v in data):
        # A list of records (a reference model's files): one row per field, numbered from 1.
        return [row for i, v in enumerate(data) for row in _flatten(v, f"{prefix}{i + 1}.")]
    return [(prefix.rstrip("."), data)]


def provenance_section(result: ScanResult, layout: Layout) -> str:
    """Hashes and sizes of every input, versions, device, every setting, UTC times."""
    m, mod = result.manuscript, result.model
    text_hash = (
        _mono(m.text_sha256) + '<br/><span class="caption">UTF-8 of the normalized text, '
        "as printed by <i>verbatim extract</i></span>"
    )
    work = [
        ("Path", e(m.path)),
        ("File SHA-256", _mono(m.sha256)),
        ("File size", e(wording.size(m.size_bytes))),
        ("Scanned text SHA-256", text_hash),
        ("Scanned text", f"{m.characters:,} characters, {m.tokens:,} tokens"),
        ("Format, encoding", f"{e(m.format)}, {e(m.encoding)}"),
        ("Normalizations", e("; ".join(m.normalizations) or "none")),
        ("Positions scored", f"{result.positions_scored:,} of {result.positions_total:,}"),
        ("Scan complete", "yes" if result.complete else "<b>no — cancelled</b>"),
    ]
    model = [
        ("Name", e(mod.name)),
        ("Path", e(mod.path)),
        ("Format, quantization", f"{e(mod.format)}, {e(mod.quantization or 'not quantized')}"),
        ("Parameters", f"{mod.parameters:,}" if mod.parameters else "unknown"),
        ("Backend, tokenizer", f"{e(mod.backend_label)}, {e(mod.tokenizer or 'not recorded')}"),
        ("Device, dtype", f"{e(mod.device)}, {e(mod.dtype)}"),
    ]
    model += [
        (f"File {i + 1}", f"{e(f.path)}<br/>{_mono(f.sha256)} · {e(wording.size(f.size_bytes))}")
        for i, f in enumerate(mod.files)
    ]
    times = [(k, e(wording.utc(v))) for k, v in result.provenance.items() if k.endswith("_utc")]
    rest = [(k, _value(v)) for k, v in _flatten(result.provenance) if not k.endswith("_utc")]
    settings = [(k, _value(v)) for k, v in _flatten(result.settings)]
    return (
        '<h2 style="page-break-before: always">Provenance</h2>'
        "<p>Everything needed to reproduce this scan and to check that its inputs are unchanged.</p>"
        + "<h3>The work</h3>"
        + _kv_table(work, layout, "24%")
        + "<h3>The model</h3>"
        + _kv_table(model, layout, "24%")
        + "<h3>Software, machine and time</h3>"
        + _two_columns(times + rest, layout, "48%")
        + "<h3>Settings</h3>"
        + _two_columns(settings, layout, "62%")
    )


def verify_section(layout: Layout) -> str:
    """How a reader checks this report independently."""
    return (
        "<h2>How to verify this report</h2>"
        "<p>This PDF carries the complete scan result as an attached file, "
        '<span class="mono">verbatim-result.json</span> (open your PDF reader\'s attachments panel). '
        "Anyone with the manuscript and the model file can check it:</p><ol>"
        '<li>Run <span class="mono">verbatim verify REPORT.pdf</span>. It re-computes the SHA-256 of the '
        "manuscript and of every model file listed above and says which, if any, differ.</li>"
        "<li>It then loads the model and replays the listed passages: it gives the model each prompt, "
        "lets it write greedily, and compares the output with the model's output recorded here.</li>"
        "<li>Greedy generation is deterministic for a given model file, software version and device, "
        "so on the same setup every passage must come out identically; it names any that do not.</li>"
        "</ol>"
    )


def report_html(
    result: ScanResult,
    layout: Layout,
    *,
    max_passages: int = 20,
    comparisons: Sequence[ScanResult] = (),
    locations: Sequence[Location] = (),
) -> str:
    """The whole report body as one HTML document.

    `comparisons`: the work scanned with other models. `locations`: where each stretch of the text came
    from (the Document's), so passages are cited by page or chapter; without them paragraphs are counted.
    The first `max_passages` passages are shown in full, every other one in an appendix.
    """
    shown = min(max_passages, len(result.passages))
    return (
        f"<html><head><style>{_css(layout)}</style></head><body>"
        + summary_page(result, layout)
        + heatmap_section(result, layout, shown)
        + passages_section(result, layout, max_passages, locations)
        + controls_section(result, layout)
        + comparisons_section(result, comparisons, layout)
        + method_section(result)
        + verify_section(layout)
        + provenance_section(result, layout)
        + appendix_section(result, layout, max_passages, locations)
        + "</body></html>"
    )


def _sentence(reason: str) -> str:
    """A reason recorded as a clause ("also reproduced ...") written as a sentence."""
    reason = reason.strip()
    if not reason:
        return ""
    return reason[0].upper() + reason[1:] + ("" if reason.endswith(".") else ".")
