"""The report's house style in HTML: colours, fonts, the page geometry, escaping and the table helpers.

Every page of the scan report and of the match report is written with these, in the subset of HTML
Qt's rich text understands (tables, spans, simple CSS). Every piece of user or model text goes through
`e` (html.escape). Lengths are in the paint device's pixels: the caller passes `px_per_pt` (Qt: 96 / 72,
it scales HTML pixels to the device) and `Layout.u(pt)` converts.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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
VERDICT_COLOURS = {"memorized": "#a4262c", "inconclusive": "#9a6700", "no-evidence": "#1a7f37"}

SANS = "DejaVu Sans"
SERIF = "DejaVu Serif"
MONO = "DejaVu Sans Mono"


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


def highlighted(text: str, spans: Sequence[tuple[int, int]], colour: str = VERBATIM_BG) -> str:
    """Escaped text with `spans` on a coloured background; newlines become line breaks."""
    out: list[str] = []
    pos = 0
    for a, b in sorted((max(0, a), min(len(text), b)) for a, b in spans):
        if b <= pos:
            continue
        a = max(a, pos)
        out.append(lines(text[pos:a]))
        out.append(f'<span style="background-color:{colour}">{lines(text[a:b])}</span>')
        pos = b
    out.append(lines(text[pos:]))
    return "".join(out)


PILCROW = f'<span style="color:{MUTED}">¶</span>'


def lines(text: str) -> str:
    """Escaped text with each line break shown as a pilcrow (whitespace is evidence too)."""
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    return e(body).replace("\n", PILCROW + "<br/>") + PILCROW * trailing


def css(layout: Layout) -> str:
    """The style sheet every report page uses: fonts, headings, captions, spacing in device pixels."""
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


def table(
    rows: Iterable[str], layout: Layout, *, width: str = "100%", pad: float = 3, border: bool = False
) -> str:
    """A table of ready-made rows (`pad` in points; `border`: a hairline around it)."""
    border_css = (
        f"border-width: 1px; border-style: solid; border-color: {RULE};" if border else "border-width: 0px;"
    )
    return (
        f'<table width="{width}" cellspacing="0" cellpadding="{layout.u(pad)}" '
        f'style="border-collapse: collapse; {border_css} margin-bottom: {layout.u(4)}px">'
        + "".join(rows)
        + "</table>"
    )


def kv_rows(
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


def kv_table(pairs: Sequence[tuple[str, str]], layout: Layout, label_width: str = "28%") -> str:
    """A dense key/value table (provenance, statistics)."""
    return table(kv_rows(pairs, layout, label_width, dense=True), layout, pad=2.2)


def two_columns(pairs: Sequence[tuple[str, str]], layout: Layout, label_width: str = "55%") -> str:
    """A long key/value list split into two tables side by side."""
    half = (len(pairs) + 1) // 2
    return (
        '<table width="100%" cellspacing="0" cellpadding="0"><tr>'
        f'<td width="48%" valign="top">{kv_table(pairs[:half], layout, label_width)}</td>'
        '<td width="4%"></td>'
        f'<td width="48%" valign="top">{kv_table(pairs[half:], layout, label_width)}</td>'
        "</tr></table>"
    )


def mono(value: object) -> str:
    """Escaped text in the monospaced font (hashes, commands)."""
    return f'<span class="mono">{e(value)}</span>'


def plural(n: int, noun: str) -> str:
    """Count and noun, plural unless 1 ("1 passage", "3 passages")."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def scalar(v: Any) -> str:
    """A JSON value as the report shows it: true/false/null, 4 significant digits, thousands separated."""
    if isinstance(v, bool) or v is None:
        return "true" if v is True else "false" if v is False else "null"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, int):
        return f"{v:,}"
    return e(v)


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """A nested mapping as (dotted.key, value) rows, in order (provenance and settings tables)."""
    if isinstance(data, dict):
        out: list[tuple[str, Any]] = []
        for k, v in data.items():
            out.extend(flatten(v, f"{prefix}{k}."))
        return out
    if isinstance(data, list | tuple) and data and all(isinstance(v, dict) for v in data):
        # A list of records (a reference model's files): one row per field, numbered from 1.
        return [row for i, v in enumerate(data) for row in flatten(v, f"{prefix}{i + 1}.")]
    return [(prefix.rstrip("."), data)]
