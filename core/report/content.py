"""The whole report body as one HTML document, assembled from its sections in reading order.

Plain Python, so it is testable without Qt; gui.report_pdf lays it out and paints it. The sections
live beside this module: style (house style and helpers), summary (page 1), passages (heatmap,
passages, appendix), statistics (controls and comparisons), method (method, verification, provenance),
advanced ("What the figures mean" and the research figures), all naming figures through glossary.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.ingest.document import Location
from core.report.advanced import advanced_section, glossary_section
from core.report.chat import chat_section
from core.report.figures import chapters_section, extraction_figure_section, reconstruction_section
from core.report.method import method_section, provenance_section, verify_section
from core.report.passages import appendix_section, heatmap_section, passages_section
from core.report.statistics import comparisons_section, controls_section
from core.report.style import Layout, css
from core.report.summary import summary_page
from core.results import ScanResult


def report_html(
    result: ScanResult,
    layout: Layout,
    *,
    max_passages: int = 20,
    comparisons: Sequence[ScanResult] = (),
    locations: Sequence[Location] = (),
    provisional: bool = False,
) -> str:
    """The whole report body as one HTML document.

    `comparisons`: the work scanned with other models. `locations`: where each stretch of the text came
    from (the Document's), so passages are cited by page or chapter; without them paragraphs are counted.
    The first `max_passages` passages are shown in full, every other one in an appendix. `provisional`:
    the controls were still running when the report was made (the verdict box says so).
    The plain sections come first; "What the figures mean" defines their figures, and the research
    figures follow in "Advanced" after the method and provenance.
    """
    shown = min(max_passages, len(result.passages))
    return (
        f"<html><head><style>{css(layout)}</style></head><body>"
        + summary_page(result, layout, provisional)
        + heatmap_section(result, layout, shown)
        + chapters_section(result, layout, locations)
        + passages_section(result, layout, max_passages, locations)
        + extraction_figure_section(result, layout)
        + reconstruction_section(result, layout)
        + controls_section(result, layout)
        + comparisons_section(result, comparisons, layout)
        + chat_section(result, layout)
        + glossary_section(layout)
        + method_section(result)
        + verify_section(layout)
        + provenance_section(result, layout)
        + advanced_section(result, layout)
        + appendix_section(result, layout, max_passages, locations)
        + "</body></html>"
    )
