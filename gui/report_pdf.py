"""The PDF report: core.report.content's HTML laid out by QTextDocument, painted page by page.

Works headless (the CLI's --pdf): without a running Qt application one is created on the offscreen
platform. Pages are painted one at a time with a clip rectangle so every page gets a header and a
"page N of M" footer. `export_report` renders to a temp file, attaches the JSON and renames, so the
final path never holds a half-written report.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QPolygonF,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from core.atomic import WriteError, atomic_path
from core.ingest.document import Location
from core.match import MatchResult
from core.report import content, glossary, match_content, passages, style, summary
from core.report.attach import attach_json
from core.report.jsonio import result_to_json
from core.results import ScanResult
from core.scan.heat import COMMON_PHRASE, CONTEXT_COPY, SET_ASIDE_LABELS
from gui import assets
from gui.heatmap import paint_set_aside
from gui.pdf_figures import FigureObject, insert_figures

DPI = 300
MARGIN_MM = (18.0, 22.0, 18.0, 20.0)
"""Left, top, right, bottom page margins (header and footer sit inside the top/bottom ones)."""

_app: QGuiApplication | None = None


def ensure_app() -> None:
    """Make sure a Qt application exists (offscreen when we create it, e.g. from the CLI)."""
    global _app
    if QGuiApplication.instance() is not None:
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication([sys.argv[0] if sys.argv and sys.argv[0] else "verbatim"])


def _mm(mm: float) -> float:
    return mm / 25.4 * DPI


def _pt(pt: float) -> float:
    return pt * DPI / 72.0


def _font(family: str, pt: float, bold: bool = False) -> QFont:
    font = QFont(family)
    font.setPointSizeF(pt)
    font.setBold(bold)
    return font


def heatmap_image(result: ScanResult, width: int, markers: list[tuple[int, float]]) -> QImage:
    """The heat strip, an axis, numbered passage marks and a legend, `width` device pixels wide."""
    values = result.heatmap or (0.0,)
    n = len(values)
    codes = result.heatmap_set_aside if len(result.heatmap_set_aside) == n else (0,) * n
    rows = 2 if any(codes) else 1  # a second legend row for what was set aside
    strip_h, mark_h, axis_h, legend_h = round(_pt(30)), round(_pt(16)), round(_pt(12)), round(_pt(14) * rows)
    height = strip_h + mark_h + axis_h + legend_h
    img = QImage(width, height, QImage.Format.Format_RGB32)
    img.fill(QColor("#ffffff"))
    img.setDotsPerMeterX(round(DPI / 0.0254))
    img.setDotsPerMeterY(round(DPI / 0.0254))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    for i, (v, code) in enumerate(zip(values, codes, strict=True)):
        x0, x1 = round(i * width / n), round((i + 1) * width / n)
        p.fillRect(x0, 0, max(1, x1 - x0), strip_h, _heat(v))
        if not v > 0 and code:
            paint_set_aside(p, QRectF(x0, 0, max(1, x1 - x0), strip_h), code)
    p.setPen(QPen(QColor(style.RULE), 2))
    p.drawRect(0, 0, width - 1, strip_h)
    # Passage marks: a small triangle under the strip and the passage number.
    label_font = _font(assets.SANS, 6.5)
    p.setFont(label_font)
    tri = _pt(3.2)
    for number, frac in markers:
        x = min(width - tri, max(tri, frac * width))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(style.TEXT))
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(x, strip_h + 2),
                    QPointF(x - tri, strip_h + 2 + tri * 1.6),
                    QPointF(x + tri, strip_h + 2 + tri * 1.6),
                ]
            )
        )
        p.setPen(QColor(style.TEXT))
        p.drawText(
            QRectF(x - _pt(10), strip_h + tri * 1.6 + 2, _pt(20), mark_h),
            Qt.AlignmentFlag.AlignHCenter,
            str(number),
        )
    # Axis: start, quarters, end.
    p.setPen(QColor(style.MUTED))
    y = strip_h + mark_h
    for frac, label in ((0.0, "start"), (0.25, "25 %"), (0.5, "50 %"), (0.75, "75 %"), (1.0, "end")):
        x = frac * width
        align = (
            Qt.AlignmentFlag.AlignLeft
            if frac == 0
            else (Qt.AlignmentFlag.AlignRight if frac == 1 else Qt.AlignmentFlag.AlignHCenter)
        )
        rect = QRectF(x - (0 if frac == 0 else _pt(60) if frac == 1 else _pt(30)), y, _pt(60), axis_h)
        p.drawText(rect, align, label)
    # Legend: gradient from "nothing reproduced" to "long verbatim runs".
    ly = y + axis_h + _pt(3)
    lw, lh = _pt(110), _pt(7)
    grad = QLinearGradient(0, 0, lw, 0)
    grad.setColorAt(0.0, _heat(0.0))
    grad.setColorAt(1.0, _heat(1.0))
    p.setPen(QPen(QColor(style.RULE), 1))
    p.setBrush(grad)
    p.drawRect(QRectF(_pt(70), ly, lw, lh))
    p.setPen(QColor(style.MUTED))
    p.drawText(
        QRectF(0, ly - _pt(2), _pt(66), lh + _pt(4)),
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        "nothing reproduced",
    )
    p.drawText(
        QRectF(_pt(70) + lw + _pt(4), ly - _pt(2), _pt(200), lh + _pt(4)),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        "confirmed passages, 32+ tokens word for word",
    )
    # Legend, second part: what was reproduced but set aside, where the scan recorded it.
    if any(codes):
        x, ly = _pt(70), ly + _pt(12)
        for code in (COMMON_PHRASE, CONTEXT_COPY):
            swatch = QRectF(x, ly, _pt(14), lh)
            paint_set_aside(p, swatch, code)
            p.setPen(QPen(QColor(style.RULE), 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(swatch)
            p.setPen(QColor(style.MUTED))
            p.drawText(QRectF(x + _pt(17), ly - _pt(2), _pt(110), lh + _pt(4)),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, SET_ASIDE_LABELS[code])
            x += _pt(150)
    p.end()
    return img


def _heat(value: float) -> QColor:
    """Blend from a pale grey to a calm red, same end points as the app's heatmap."""
    low, high = QColor("#eef1f4"), QColor("#c2412d")
    t = min(1.0, max(0.0, float(value))) if value == value else 0.0
    return QColor(
        round(low.red() + t * (high.red() - low.red())),
        round(low.green() + t * (high.green() - low.green())),
        round(low.blue() + t * (high.blue() - low.blue())),
    )


def _markers(result: ScanResult, max_passages: int) -> list[tuple[int, float]]:
    chars = max(1, result.manuscript.characters)
    shown = passages.ordered_passages(result)[:max_passages]
    return [(i + 1, p.start_char / chars) for i, p in enumerate(shown)]


def build_document(
    result: ScanResult,
    writer: QPdfWriter,
    width: float,
    *,
    max_passages: int,
    comparisons: Sequence[ScanResult] = (),
    locations: Sequence[Location] = (),
    provisional: bool = False,
) -> QTextDocument:
    """The report as a QTextDocument laid out for `writer`'s resolution, `width` device pixels wide."""
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    doc.setDocumentMargin(0)
    doc.setUseDesignMetrics(True)
    doc.setDefaultFont(_font(assets.SANS, 9))
    heat_w = int(width)
    heat = heatmap_image(result, heat_w, _markers(result, max_passages)) if result.heatmap else None
    # Qt rich text measures HTML pixels at 96 dpi and scales them to the paint device itself.
    css_px = 96.0 / DPI
    heat_size = (round(heat.width() * css_px), round(heat.height() * css_px)) if heat else None
    layout = style.Layout(px_per_pt=96.0 / 72.0, heatmap_size=heat_size)
    if heat is not None:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(passages.HEATMAP_URL), heat)
    doc.setHtml(
        content.report_html(
            result, layout, max_passages=max_passages, comparisons=comparisons, locations=locations,
            provisional=provisional,
        )
    )
    figures = FigureObject(result, width, DPI / 72.0, locations)
    insert_figures(doc, figures)
    doc._verbatim_figures = figures  # type: ignore[attr-defined]  # Qt does not own the handler: keep it alive
    return doc


def keep_headings_with_next(doc: QTextDocument, page_h: float, room: float) -> None:
    """Move a section or passage heading to the next page when less than `room` follows it on its own.

    Qt's rich text has no page-break-inside/after: avoid, so a heading could sit alone at a page's foot.
    """
    layout = doc.documentLayout()
    block = doc.begin()
    while block.isValid():
        fmt = block.blockFormat()
        if fmt.headingLevel() in (2, 3) and QTextCursor(block).currentTable() is None:
            top = layout.blockBoundingRect(block).top()
            page_top = math.floor(top / page_h) * page_h
            if top - page_top > 1 and page_top + page_h - top < room:
                fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                QTextCursor(block).setBlockFormat(fmt)
                # The layout updates lazily and stale positions of later blocks break painting: redo it.
                doc.markContentsDirty(0, doc.characterCount())
        block = block.next()


def _chrome(
    p: QPainter,
    kind: str,
    name: str,
    footer: str,
    page: int,
    pages: int,
    page_w: float,
    page_h: float,
    banner: str = "",
) -> None:
    """Header (report kind, work name, an optional red banner) and footer (a hash, page N of M)."""
    left, top, right, bottom = (_mm(v) for v in MARGIN_MM)
    text_w = page_w - left - right
    small = _font(assets.SANS, 7)
    p.setFont(small)
    p.setPen(QColor(style.MUTED))
    head_y = top - _mm(9)
    p.drawText(QRectF(left, head_y, text_w, _pt(10)), Qt.AlignmentFlag.AlignLeft, f"Verbatim · {kind}")
    name = p.fontMetrics().elidedText(name, Qt.TextElideMode.ElideMiddle, int(text_w * 0.45))
    p.drawText(QRectF(left, head_y, text_w, _pt(10)), Qt.AlignmentFlag.AlignRight, name)
    if banner:
        p.setFont(_font(assets.SANS, 7, bold=True))
        p.setPen(QColor(style.INCOMPLETE_FG))
        p.drawText(QRectF(left, head_y, text_w, _pt(10)), Qt.AlignmentFlag.AlignHCenter, banner)
        p.setFont(small)
        p.setPen(QColor(style.MUTED))
    p.setPen(QPen(QColor(style.RULE), _pt(0.5)))
    p.drawLine(QPointF(left, head_y + _pt(11)), QPointF(page_w - right, head_y + _pt(11)))
    foot_y = page_h - bottom + _mm(7)
    p.drawLine(QPointF(left, foot_y - _pt(3)), QPointF(page_w - right, foot_y - _pt(3)))
    p.setPen(QColor(style.MUTED))
    p.setFont(_font(assets.MONO, 6))
    p.drawText(QRectF(left, foot_y, text_w, _pt(10)), Qt.AlignmentFlag.AlignLeft, footer)
    p.setFont(small)
    p.drawText(QRectF(left, foot_y, text_w, _pt(10)), Qt.AlignmentFlag.AlignRight, f"page {page} of {pages}")


def _header_footer(
    p: QPainter, result: ScanResult, page: int, pages: int, page_w: float, page_h: float
) -> None:
    _chrome(
        p,
        "memorization report",
        summary.work_name(result),
        f"work SHA-256 {result.manuscript.sha256}",
        page,
        pages,
        page_w,
        page_h,
        banner="" if result.complete else "INCOMPLETE SCAN (cancelled)",
    )


def render_pdf(
    result: ScanResult,
    path: str | os.PathLike[str],
    *,
    max_passages: int = 20,
    comparisons: Sequence[ScanResult] = (),
    locations: Sequence[Location] = (),
    provisional: bool = False,
) -> None:
    """Render the report for `result` to a PDF at `path` (atomically; no JSON attached).

    `comparisons`: the same work scanned with other models, shown as a "Several models" section.
    `locations`: the Document's, so passages are cited by page or chapter ("p. 12, para. 3").
    `provisional`: the controls are still running; the verdict box says the verdict may change.
    """
    ensure_app()
    assets.register_fonts()
    with atomic_path(path) as tmp:
        _paint(result, tmp, max_passages, comparisons, locations, provisional)


def _paint(
    result: ScanResult,
    path: Path,
    max_passages: int,
    comparisons: Sequence[ScanResult] = (),
    locations: Sequence[Location] = (),
    provisional: bool = False,
) -> None:
    writer = _writer(
        path,
        f"Verbatim report: {summary.work_name(result)} against {result.model.name}",
        str(result.provenance.get("tool_version", "")),
    )
    width = _body(writer)[0]
    doc = build_document(
        result, writer, width, max_passages=max_passages, comparisons=comparisons, locations=locations,
        provisional=provisional,
    )
    _paint_pages(writer, doc, path, lambda p, i, n, w, h: _header_footer(p, result, i, n, w, h))


def _writer(path: Path, title: str, version: str) -> QPdfWriter:
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0))
    writer.setResolution(DPI)
    writer.setTitle(title)
    writer.setCreator(f"Verbatim {version}".strip())
    return writer


def _body(writer: QPdfWriter) -> tuple[float, float]:
    """Width and height of the text area of a page, in device pixels."""
    left, top, right, bottom = (_mm(v) for v in MARGIN_MM)
    return float(writer.width()) - left - right, float(writer.height()) - top - bottom


def _paint_pages(
    writer: QPdfWriter,
    doc: QTextDocument,
    path: Path,
    chrome: Callable[[QPainter, int, int, float, float], None],
) -> None:
    """Lay `doc` out in pages and paint each with `chrome(painter, page, pages, page_w, page_h)`."""
    page_w, page_h = float(writer.width()), float(writer.height())
    left, top = _mm(MARGIN_MM[0]), _mm(MARGIN_MM[1])
    body_w, body_h = _body(writer)
    doc.setPageSize(QSizeF(body_w, body_h))
    keep_headings_with_next(doc, body_h, _pt(120))
    pages = doc.pageCount()
    painter = QPainter()
    if not painter.begin(writer):
        raise WriteError(f"Could not write the PDF report to {path}.")
    try:
        for i in range(pages):
            if i:
                writer.newPage()
            painter.save()
            painter.translate(left, top - i * body_h)
            doc.drawContents(painter, QRectF(0, i * body_h, body_w, body_h))
            painter.restore()
            chrome(painter, i + 1, pages, page_w, page_h)
    finally:
        painter.end()


def export_report(
    result: ScanResult,
    pdf_path: str | os.PathLike[str],
    *,
    max_passages: int = 20,
    comparisons: Sequence[ScanResult] = (),
    locations: Sequence[Location] = (),
    provisional: bool = False,
) -> None:
    """Render the PDF, attach the result JSON, and publish it at `pdf_path` in one atomic step.

    The first `max_passages` passages are shown in full, every other one in the appendix. `provisional`:
    the controls are still running (the verdict is named so).
    """
    payload = result_to_json(result).encode("utf-8")
    name = glossary.verdict_name(result.summary.verdict, complete=result.complete, provisional=provisional)
    subject = f"Memorization scan of {summary.work_name(result)} against {result.model.name}: {name}"
    with atomic_path(pdf_path) as tmp:
        render_pdf(result, tmp, max_passages=max_passages, comparisons=comparisons, locations=locations,
                   provisional=provisional)
        attach_json(tmp, payload, subject=subject, author="Verbatim")


def _text_document(writer: QPdfWriter, width: float, html: str) -> QTextDocument:
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    doc.setDocumentMargin(0)
    doc.setUseDesignMetrics(True)
    doc.setDefaultFont(_font(assets.SANS, 9))
    doc.setTextWidth(width)
    doc.setHtml(html)
    return doc


def render_match_pdf(result: MatchResult, path: str | os.PathLike[str]) -> None:
    """Render the match report for `result` to a PDF at `path` (atomically; no JSON attached)."""
    ensure_app()
    assets.register_fonts()
    with atomic_path(path) as tmp:
        writer = _writer(
            tmp,
            f"Verbatim match report: {match_content.name(result.output.source)}",
            str(result.provenance.get("tool_version", "")),
        )
        layout = style.Layout(px_per_pt=96.0 / 72.0)
        doc = _text_document(writer, _body(writer)[0], match_content.report_html(result, layout))
        name = match_content.name(result.output.source)
        footer = f"output SHA-256 {result.output.sha256}"
        _paint_pages(writer, doc, tmp, lambda p, i, n, w, h: _chrome(p, "output match report", name, footer,
                                                                    i, n, w, h))


def export_match_report(result: MatchResult, pdf_path: str | os.PathLike[str]) -> None:
    """Render the match PDF, attach the match JSON, and publish it at `pdf_path` in one atomic step."""
    payload = json.dumps(result.to_dict(), ensure_ascii=False, indent=2).encode("utf-8")
    with atomic_path(pdf_path) as tmp:
        render_match_pdf(result, tmp)
        attach_json(
            tmp, payload, match_content.ATTACHMENT_NAME, subject=match_content.subject(result), author="Verbatim"
        )
