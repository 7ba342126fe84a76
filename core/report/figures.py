"""The report's figure sections: extraction odds by number of queries, the reconstruction, the chapters.

Plain HTML with one placeholder paragraph per figure (`figure_mark`): gui.report_pdf replaces each with
an object that gui.plots paints straight onto the PDF page (vector), the same painting the app shows.
The captions state what each figure measures and its limits: the decoding scheme beside the extraction
curves, the mode (unassisted or assisted) beside the reconstruction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.ingest.document import Location
from core.reconstruct import chapters
from core.report import wording
from core.report.style import RULE, SOFT, Layout, e, plural, table
from core.results import ScanResult
from core.stats.extraction import DECODING


def chapter_spans(result: ScanResult, locations: Sequence[Location] = ()) -> list[tuple[str, int, int]]:
    """(label, start_char, end_char) per chapter: the reconstruction's when recorded, else ingest's locations."""
    recorded = result.reconstruction.get("chapters") or []
    if recorded and all("end_char" in c for c in recorded):
        return [(str(c["chapter"]), int(c["start_char"]), int(c["end_char"])) for c in recorded]
    return [(c.label, c.start_char, c.end_char) for c in chapters(result.manuscript.characters, locations)]


def figure_mark(name: str) -> str:
    """The placeholder text gui.report_pdf replaces with the figure `name` (gui.plots.FIGURES)."""
    return f"[[verbatim-figure:{name}]]"


def _figure(name: str) -> str:
    return f"<p>{figure_mark(name)}</p>"


def extraction_figure_section(result: ScanResult, layout: Layout) -> str:
    """How likely sampling pulls the text out, by number of queries, for the work and the top passages."""
    if not result.extraction and not any(p.p_extract > 0 for p in result.passages):
        return ""
    return (
        "<h2>Extraction odds by number of queries</h2>" + _figure("extraction")
        + '<p class="caption">Each passage curve is 1 − (1 − p<sub>z</sub>)<sup>n</sup>: the probability that at '
        "least one of n sampled continuations of the author's preceding text reproduces the passage exactly "
        f"(Hayes et al. 2025), with p<sub>z</sub> measured under {DECODING}. The black curve is the expected "
        "share of the work's characters that n queries per window would reproduce. Other prompts, other "
        "decoding settings or a chat template can make the text easier or harder to extract.</p>"
    )


def reconstruction_section(result: ScanResult, layout: Layout) -> str:
    """How much of the work the model rebuilt from its opening: figures, the bar, a table per chapter."""
    rec = result.reconstruction
    if not rec:
        return ""
    assisted = rec.get("mode") == "assisted"
    mode = ("Assisted: wherever the model left the text, it was given the author's text up to and including "
            "the word it got wrong, and continued from there." if assisted else
            "Unassisted: the model continued alone from each opening and stopped at its first divergence "
            "beyond the near-verbatim tolerance.")
    stopped = ""
    if not rec.get("complete", True):
        why = ("the scan was cancelled" if rec.get("stopped") == "cancelled" else
               f"the bound of {rec.get('max_generated_tokens', 0):,} generated tokens was reached")
        stopped = f" <b>Incomplete:</b> {e(why)}; the figures cover the chapters reached."
    rows = [_chapter_row(c) for c in rec.get("chapters", [])]
    return (
        "<h2>How much of the work comes out</h2>"
        f"<p>From only the first {rec.get('seed_tokens', 0):,} tokens of the work"
        f"{' and of each chapter' if len(rows) > 1 else ''}, the model reproduced "
        f"<b>{wording.percent(float(rec.get('verbatim_share', 0.0)))}</b> of the work's "
        f"{int(rec.get('work_tokens', 0)):,} tokens exactly and "
        f"<b>{wording.percent(float(rec.get('near_verbatim_share', 0.0)))}</b> near-verbatim (at most "
        f"{wording.percent(float(rec.get('tolerance', 0.1)))} of the tokens changed, left out or added), "
        f"generating {plural(int(rec.get('generated_tokens', 0)), 'token')}. {mode}{stopped}</p>"
        + _figure("reconstruction")
        + '<p class="caption">The bar is the work from its first character (left) to its last (right); '
        "ticks mark where chapters begin. Blue: the opening given to the model; red: stretches it reproduced "
        "exactly; amber: near-verbatim stretches. After Cooper et al. 2025's whole-book reconstruction; "
        "greedy decoding, so the same model file gives the same text (verbatim verify replays it).</p>"
        + table([_row(HEAD, "label", f' bgcolor="{SOFT}"'), *rows], layout, pad=3)
    )


def reconstruction_lines(result: ScanResult) -> list[str]:
    """The CLI's block under the summary for `--reconstruct` ([] when no reconstruction was asked for)."""
    rec = result.reconstruction
    if not rec:
        return []
    chapters = list(rec.get("chapters", ()))
    out = [
        "",
        f"Reconstruction       : {rec.get('mode', 'unassisted')}, from the first {int(rec.get('seed_tokens', 0)):,} "
        f"tokens{' of each chapter' if len(chapters) > 1 else ''}: "
        f"{wording.percent(float(rec.get('verbatim_share', 0.0)))} of the work's {int(rec.get('work_tokens', 0)):,} "
        f"tokens reproduced exactly, {wording.percent(float(rec.get('near_verbatim_share', 0.0)))} near-verbatim; "
        f"{plural(int(rec.get('generated_tokens', 0)), 'token')} generated (apart from the verdict above)",
    ]
    if not rec.get("complete", True):
        out.append(f"  incomplete: stopped at {rec.get('stopped') or 'the bound'}; the figures cover the chapters reached")
    for c in chapters:
        out.append(f"  {c['chapter']}: {int(c['verbatim_tokens']):,} of {int(c['tokens']):,} tokens verbatim, "
                   f"{int(c['near_verbatim_tokens']):,} near-verbatim, {int(c['generated_tokens']):,} generated")
    return out


HEAD = ("Chapter", "Tokens", "Seed", "Generated", "Verbatim", "Near-verbatim")


def _row(cells: Sequence[str], cls: str = "", extra: str = "") -> str:
    line = f"border-top: 1px solid {RULE};"
    tds = [f'<td{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}{extra} style="{line}"'
           f'{"" if i == 0 else " align=" + chr(34) + "right" + chr(34)}>{c}</td>' for i, c in enumerate(cells)]
    return "<tr>" + "".join(tds) + "</tr>"


def _chapter_row(c: dict[str, Any]) -> str:
    return _row([e(str(c.get("chapter", ""))), f"{int(c.get('tokens', 0)):,}", f"{int(c.get('seed_tokens', 0)):,}",
                 f"{int(c.get('generated_tokens', 0)):,}", f"{int(c.get('verbatim_tokens', 0)):,}",
                 f"{int(c.get('near_verbatim_tokens', 0)):,}"])


def chapters_section(result: ScanResult, layout: Layout, locations: Sequence[Location] = ()) -> str:
    """The heatmap one row per chapter, when the manuscript names more than one."""
    chapter_count = len(chapter_spans(result, locations))
    if chapter_count < 2 or not result.heatmap:
        return ""
    return (
        "<h2>Chapter by chapter</h2>" + _figure("chapters")
        + f'<p class="caption">The heatmap above, one row per chapter ({chapter_count:,} chapters named by the '
        "manuscript), each row the chapter's own length. The darker the red, the longer the runs the model "
        "reproduced word for word there.</p>"
    )
