"""The chat probes, reported apart from the raw-continuation protocol: the PDF section and the CLI block.

`chat_section` is the PDF's "Chat probes" section (each probe's prompt, the model's answer and the
author's text it matched, shared words highlighted); `chat_lines` is the same record as the lines the
CLI prints under the summary. Both read only `result.chat` (core/chatprobe), so a report read back from
JSON renders the same; both say that the probes do not change the verdict.
"""

from __future__ import annotations

from typing import Any

from core.report.style import MUTED, RULE, SOFT, VERBATIM_BG, Layout, e, highlighted, lines, plural, table
from core.results import ScanResult
from core.scan.probes import align

KIND_NAMES = {"continuation": "Continuation", "title": "Title prompt", "chapter": "Chapter prompt"}


def probe_heading(n: int, probe: dict[str, Any]) -> str:
    """"Probe 3 · Chapter prompt (Chapter Two)" in plain text."""
    label = f" ({probe['label']})" if probe.get("label") else ""
    return f"Probe {n} · {KIND_NAMES.get(str(probe.get('kind')), str(probe.get('kind')))}{label}"


def probe_figures(probe: dict[str, Any]) -> str:
    """The measured figures of one probe in one plain sentence."""
    where = (
        f"matched the author's text at characters {probe['match_start_char']:,}–{probe['match_end_char']:,}"
        + ("" if probe.get("at_expected_place", True) else " (not where the prompt pointed)")
        if probe.get("match_start_char") is not None
        else "met the author's text nowhere (no 4 tokens in a row in common)"
    )
    echo = ""
    if probe.get("match_start_char") is not None and "unprompted_tokens" in probe:
        unprompted = int(probe["unprompted_tokens"])
        near = int(probe["near_verbatim_tokens"])
        echo = f"; {unprompted} of the {near} tokens not already in the prompt" if unprompted < near else ""
    return (
        f"{probe['verbatim_tokens']} tokens verbatim, {probe['near_verbatim_tokens']} near-verbatim with "
        f"{plural(int(probe.get('near_verbatim_edits', 0)), 'edit')}, similarity "
        f"{float(probe['similarity']):.1f} %{echo}; {where}"
    )


def headline(probes: list[dict[str, Any]]) -> str:
    """The longest verbatim answer, and the longest stretch of the author's text the prompt did not hold."""
    best = max((int(p["verbatim_tokens"]) for p in probes), default=0)
    unprompted = max((int(p.get("unprompted_tokens", p["near_verbatim_tokens"])) for p in probes), default=0)
    return (f"longest verbatim answer {best} tokens; longest stretch of the work not already in the prompt "
            f"{unprompted} tokens")


def _intro(chat: dict[str, Any]) -> str:
    title = f"“{chat['title']}” by {chat['author']}" if chat.get("title") else ""
    return (
        f"{chat.get('note', '')} Template: {chat.get('template_source', '')}, SHA-256 "
        f"{chat.get('template_sha256', '')}. Continuations come from the {chat.get('selection', '')}"
        + (f"; title prompts name {title}" if title else "")
        + f". Decoding: {chat.get('decoding', 'greedy')}."
        + ("" if chat.get("complete", True) else " The probes were cancelled before all ran.")
    )


def chat_lines(result: ScanResult) -> list[str]:
    """The CLI's block under the summary ([] when no chat probes were asked for)."""
    chat = result.chat
    if not chat:
        return []
    probes = list(chat.get("probes", ()))
    out = [
        "",
        f"Chat probes          : {plural(len(probes), 'probe')} through the model's chat template; "
        f"{headline(probes)} (apart from the verdict above, which they do not change)",
        f"  template {chat.get('template_source')} sha256 {str(chat.get('template_sha256'))[:16]}…; "
        f"continuations from the {chat.get('selection')}",
    ]
    for n, probe in enumerate(probes, 1):
        snippet = " ".join(str(probe["generated"]).split())[:80]
        out.append(f"  {probe_heading(n, probe)}: {probe_figures(probe)}: “{snippet}…”")
    return out


def _probe_block(n: int, probe: dict[str, Any], layout: Layout) -> str:
    generated, matched = str(probe["generated"]), str(probe.get("matched", ""))
    spans = align(matched, generated) if matched else None
    head = (
        "<thead><tr>"
        f'<td width="28%" class="label" bgcolor="{SOFT}">User turn (rendered through the template)</td>'
        f'<td width="36%" class="label" bgcolor="{SOFT}">The model\'s answer</td>'
        f'<td width="36%" class="label" bgcolor="{SOFT}">The author\'s text it matched</td>'
        "</tr></thead>"
    )
    cell = f'valign="top" class="reading" style="border-top: 1px solid {RULE};"'
    answer = highlighted(generated, spans.generated_spans if spans else (), VERBATIM_BG)
    author = (highlighted(matched, spans.original_spans, VERBATIM_BG) if spans
              else '<span class="muted">(no match in the work)</span>')
    row = (f'<tr><td {cell}><span style="color:{MUTED}">{lines(str(probe["prompt"]))}</span></td>'
           f"<td {cell}>{answer}</td><td {cell}>{author}</td></tr>")
    return (f"<h3>{e(probe_heading(n, probe))}</h3>"
            f'<p class="small">{e(probe_figures(probe))}.</p>' + table([head, row], layout, pad=4, border=True))


def chat_section(result: ScanResult, layout: Layout) -> str:
    """The PDF's "Chat probes" section ("" when none were asked for)."""
    chat = result.chat
    if not chat:
        return ""
    probes = list(chat.get("probes", ()))
    body = "".join(_probe_block(n, p, layout) for n, p in enumerate(probes, 1))
    return (
        '<h2 style="page-break-before: always">Chat probes</h2>'
        f'<p class="small">{e(_intro(chat))}</p>'
        + (body or "<p>No probe ran.</p>")
    )
