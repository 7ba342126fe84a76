"""The report's figures, painted with QPainter from a scan's result: one module for the app and the PDF.

Three figures: the extraction curves (probability that n sampled queries reproduce a passage, for the top
passages, and the expected share of the work, on a log axis of queries), the reconstruction bar (the work
as a bar, the stretches the model rebuilt from its opening coloured verbatim or near-verbatim), and the
per-chapter heatmap (one row per chapter from ingest's locations). Every figure is drawn from the result's
JSON fields only, into a rectangle, with sizes in typographic points scaled by `pt` (device pixels per
point): gui/figures_panel.py paints them on widgets, gui/report_pdf.py on the PDF's QPdfWriter as vector
graphics. The geometry (where a number or a stretch lands) is plain functions, tested with plain numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen

from core.ingest.document import Location
from core.report import wording
from core.report.figures import chapter_spans
from core.report.passages import ordered_passages
from core.report.style import MUTED, RULE, TEXT
from core.results import ScanResult
from core.stats.extraction import DECODING, QUERIES
from gui import assets

FIGURES = ("extraction", "reconstruction", "chapters")
"""The figures this module paints, by name (the PDF's placeholders and the app's panel use these)."""
TOP_PASSAGES = 5
"""Passages drawn as their own curve (strongest p_z first)."""
MAX_ROWS = 30
"""Chapters shown in the per-chapter heatmap; the rest are counted below it."""
N_MIN, N_MAX = 1, 10_000
VERBATIM = "#c2412d"
NEAR = "#e9a23b"
SEED = "#8fb3d9"
EMPTY = "#eef1f4"
WORK = "#1f2328"
PASSAGE_COLOURS = ("#2f5f8a", "#1a7f37", "#8250df", "#bf8700", "#cf222e")


# -- geometry (pure) -------------------------------------------------------------------------------
def log_fraction(n: float, lo: float = N_MIN, hi: float = N_MAX) -> float:
    """Where `n` queries sit on a log axis from `lo` to `hi`, 0-1 (clamped)."""
    if n <= lo:
        return 0.0
    if n >= hi:
        return 1.0
    return math.log10(n / lo) / math.log10(hi / lo)


def curve_samples(p_z: float, points: int = 41) -> list[tuple[float, float]]:
    """(n, probability that one of n samples reproduces the passage) at log-spaced n from N_MIN to N_MAX."""
    out = []
    for i in range(points):
        n = N_MIN * (N_MAX / N_MIN) ** (i / (points - 1))
        out.append((n, _discoverable(p_z, n)))
    return out


def _discoverable(p_z: float, n: float) -> float:
    """core.stats.extraction.discoverable at a real n (the curve between whole numbers of queries)."""
    if p_z >= 1.0:
        return 1.0
    return -math.expm1(n * math.log1p(-p_z))


def bar_spans(stretches: Sequence[Sequence[Any]], characters: int, width: float) -> list[tuple[float, float, str]]:
    """(x0, x1, kind) of each [start_char, end_char, kind] stretch on a bar `width` wide; at least 1 wide."""
    if characters <= 0:
        return []
    out = []
    for start, end, kind in stretches:
        x0 = max(0.0, min(width, int(start) / characters * width))
        x1 = max(0.0, min(width, int(end) / characters * width))
        out.append((x0, max(x1, min(width, x0 + 1.0)), str(kind)))
    return out


def chapter_cells(
    heatmap: Sequence[float], characters: int, start: int, end: int
) -> list[tuple[float, float, float]]:
    """(f0, f1, value) for each heatmap bin overlapping [start, end), as fractions of that chapter's row."""
    n = len(heatmap)
    if n == 0 or characters <= 0 or end <= start:
        return []
    size = characters / n
    first, last = int(start // size), min(n - 1, int(math.ceil(end / size)) - 1)
    out = []
    for i in range(first, last + 1):
        a, b = max(start, i * size), min(end, (i + 1) * size)
        if b > a:
            out.append(((a - start) / (end - start), (b - start) / (end - start), float(heatmap[i])))
    return out


# -- what the figures show, from the result ---------------------------------------------------------
@dataclass(frozen=True)
class Curve:
    """One line of the extraction figure."""

    label: str
    points: tuple[tuple[float, float], ...]
    colour: str
    work: bool = False


def extraction_curves(result: ScanResult) -> list[Curve]:
    """The work's expected extractable share, then the top passages by p_z (numbered as in the report)."""
    out: list[Curve] = []
    share = result.extraction.get("share") or {}
    if share:
        pts = sorted((float(n), float(v)) for n, v in share.items())
        out.append(Curve("whole work (expected share)", tuple(pts), WORK, work=True))
    numbered = [(i, p) for i, p in enumerate(ordered_passages(result), start=1) if p.p_extract > 0]
    numbered.sort(key=lambda item: -item[1].p_extract)
    for k, (number, p) in enumerate(numbered[:TOP_PASSAGES]):
        out.append(Curve(f"passage {number} (p_z {p.p_extract:.2g})", tuple(curve_samples(p.p_extract)),
                         PASSAGE_COLOURS[k % len(PASSAGE_COLOURS)]))
    return out


def figure_height(name: str, pt: float, rows: int = 1) -> float:
    """Height in device pixels a figure needs (its width is the page's or the widget's)."""
    if name == "extraction":
        return 190 * pt
    if name == "reconstruction":
        return 74 * pt
    return (26 + 12 * min(rows, MAX_ROWS) + (12 if rows > MAX_ROWS else 0)) * pt


# -- painting ----------------------------------------------------------------------------------------
def _font(pt: float, size: float, bold: bool = False) -> QFont:
    font = QFont(assets.SANS)
    font.setPixelSize(max(1, round(size * pt)))
    font.setBold(bold)
    return font


def _text(p: QPainter, rect: QRectF, text: str, align: Qt.AlignmentFlag, colour: str = TEXT) -> None:
    p.setPen(QColor(colour))
    p.drawText(rect, int(align), text)


def _empty(p: QPainter, rect: QRectF, pt: float, message: str) -> None:
    p.setFont(_font(pt, 8))
    p.setPen(QPen(QColor(RULE), 0.75 * pt))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(rect.adjusted(0, 0, -1, -1))
    _text(p, rect, message, Qt.AlignmentFlag.AlignCenter, MUTED)


def paint_extraction(p: QPainter, rect: QRectF, result: ScanResult, pt: float) -> None:
    """Probability vs number of queries (log x): the work's expected share and the top passages' curves."""
    curves = extraction_curves(result)
    if not curves:
        _empty(p, rect, pt, "Extraction odds were not measured in this scan (no p_z).")
        return
    legend_w = min(rect.width() * 0.38, 170 * pt)
    plot = QRectF(rect.left() + 30 * pt, rect.top() + 16 * pt, rect.width() - 36 * pt - legend_w,
                  rect.height() - 46 * pt)
    p.setFont(_font(pt, 7.5))
    _text(p, QRectF(rect.left(), rect.top(), rect.width(), 12 * pt), f"Sampling: {DECODING}, one query = one "
          "sampled continuation of the author's preceding text", Qt.AlignmentFlag.AlignLeft, MUTED)
    p.setPen(QPen(QColor(RULE), 0.5 * pt))
    for y in (0.0, 0.25, 0.5, 0.75, 1.0):
        yy = plot.bottom() - y * plot.height()
        p.drawLine(QPointF(plot.left(), yy), QPointF(plot.right(), yy))
        _text(p, QRectF(rect.left(), yy - 6 * pt, 26 * pt, 12 * pt), f"{y:.2g}",
              Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, MUTED)
        p.setPen(QPen(QColor(RULE), 0.5 * pt))
    for n in QUERIES:
        x = plot.left() + log_fraction(n) * plot.width()
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        _text(p, QRectF(x - 20 * pt, plot.bottom() + 2 * pt, 40 * pt, 11 * pt), f"{n:,}",
              Qt.AlignmentFlag.AlignHCenter, MUTED)
        p.setPen(QPen(QColor(RULE), 0.5 * pt))
    _text(p, QRectF(plot.left(), plot.bottom() + 13 * pt, plot.width(), 11 * pt),
          "number of queries (log scale)", Qt.AlignmentFlag.AlignHCenter, MUTED)
    p.setPen(QPen(QColor(MUTED), 0.75 * pt))
    p.drawRect(plot)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for c in curves:
        path = QPainterPath()
        for i, (queries, v) in enumerate(c.points):
            pt_xy = QPointF(plot.left() + log_fraction(queries) * plot.width(), plot.bottom() - v * plot.height())
            if i:
                path.lineTo(pt_xy)
            else:
                path.moveTo(pt_xy)
        p.setPen(QPen(QColor(c.colour), (2.0 if c.work else 1.1) * pt))
        p.drawPath(path)
        if c.work:
            p.setBrush(QColor(c.colour))
            for queries, v in c.points:
                p.drawEllipse(QPointF(plot.left() + log_fraction(queries) * plot.width(),
                                      plot.bottom() - v * plot.height()), 1.8 * pt, 1.8 * pt)
            p.setBrush(Qt.BrushStyle.NoBrush)
    lx, ly = plot.right() + 8 * pt, plot.top()
    for c in curves:
        p.setPen(QPen(QColor(c.colour), (2.0 if c.work else 1.1) * pt))
        p.drawLine(QPointF(lx, ly + 5 * pt), QPointF(lx + 14 * pt, ly + 5 * pt))
        _text(p, QRectF(lx + 18 * pt, ly, legend_w - 20 * pt, 11 * pt), c.label,
              Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        ly += 12 * pt
    _text(p, QRectF(lx, ly + 2 * pt, legend_w - 4 * pt, plot.bottom() - ly), "y: probability that at least "
          "one of n queries reproduces the passage (for the work: expected share of its characters)",
          Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, MUTED)


def paint_reconstruction(p: QPainter, rect: QRectF, result: ScanResult, pt: float) -> None:
    """The work as a bar; seeds, verbatim and near-verbatim stretches of the reconstruction coloured."""
    rec: Mapping[str, Any] = result.reconstruction
    if not rec:
        _empty(p, rect, pt, "The work was not reconstructed in this scan (verbatim scan --reconstruct).")
        return
    total = result.manuscript.characters
    p.setFont(_font(pt, 7.5))
    mode = "assisted (re-seeded from your text where the model left it)" if rec.get("mode") == "assisted" \
        else "unassisted (the model continues alone until it leaves your text)"
    _text(p, QRectF(rect.left(), rect.top(), rect.width(), 12 * pt),
          f"From the first {rec.get('seed_tokens', 0)} tokens of "
          f"{'each chapter' if len(rec.get('chapters', [])) > 1 else 'the work'}, {mode}",
          Qt.AlignmentFlag.AlignLeft, MUTED)
    bar = QRectF(rect.left(), rect.top() + 15 * pt, rect.width(), 22 * pt)
    p.fillRect(bar, QColor(EMPTY))
    for chapter in rec.get("chapters", []):
        seed_end = chapter.get("segments", [{}])[0].get("start_char") if chapter.get("segments") else None
        if seed_end is not None:
            for x0, x1, _ in bar_spans([[chapter["start_char"], seed_end, "seed"]], total, bar.width()):
                p.fillRect(QRectF(bar.left() + x0, bar.top(), x1 - x0, bar.height()), QColor(SEED))
        for x0, x1, kind in bar_spans(chapter.get("stretches", []), total, bar.width()):
            colour = VERBATIM if kind == "verbatim" else NEAR
            p.fillRect(QRectF(bar.left() + x0, bar.top(), x1 - x0, bar.height()), QColor(colour))
        x = bar.left() + int(chapter.get("start_char", 0)) / max(1, total) * bar.width()
        p.setPen(QPen(QColor(TEXT), 0.75 * pt))
        p.drawLine(QPointF(x, bar.top() - 3 * pt), QPointF(x, bar.bottom()))
    p.setPen(QPen(QColor(MUTED), 0.75 * pt))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(bar)
    _text(p, QRectF(bar.left(), bar.bottom() + 2 * pt, 60 * pt, 11 * pt), "start", Qt.AlignmentFlag.AlignLeft,
          MUTED)
    _text(p, QRectF(bar.right() - 60 * pt, bar.bottom() + 2 * pt, 60 * pt, 11 * pt), "end",
          Qt.AlignmentFlag.AlignRight, MUTED)
    x, y = rect.left(), bar.bottom() + 16 * pt
    v, nv = float(rec.get("verbatim_share", 0.0)), float(rec.get("near_verbatim_share", 0.0))
    for colour, label in ((SEED, "given to the model (seed)"), (VERBATIM, f"reproduced exactly ({wording.percent(v)})"),
                          (NEAR, f"near-verbatim, small edits ({wording.percent(max(0.0, nv - v))})")):
        p.fillRect(QRectF(x, y + 2 * pt, 9 * pt, 7 * pt), QColor(colour))
        width = p.fontMetrics().horizontalAdvance(label) + 24 * pt
        _text(p, QRectF(x + 12 * pt, y, width, 11 * pt), label, Qt.AlignmentFlag.AlignLeft)
        x += width


def paint_chapters(
    p: QPainter, rect: QRectF, result: ScanResult, pt: float, locations: Sequence[Location] = ()
) -> None:
    """The heatmap one row per chapter, each row the chapter's own length."""
    rows = chapter_spans(result, locations)
    if not result.heatmap or not rows:
        _empty(p, rect, pt, "No heatmap was recorded for this scan.")
        return
    p.setFont(_font(pt, 7))
    label_w = min(rect.width() * 0.28, 130 * pt)
    strip_x, strip_w = rect.left() + label_w + 6 * pt, rect.width() - label_w - 6 * pt
    _text(p, QRectF(strip_x, rect.top(), strip_w, 11 * pt),
          "each row runs from the chapter's first character (left) to its last (right)",
          Qt.AlignmentFlag.AlignLeft, MUTED)
    y = rect.top() + 14 * pt
    for label, start, end in rows[:MAX_ROWS]:
        name = p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(label_w))
        _text(p, QRectF(rect.left(), y, label_w, 10 * pt), name,
              Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # no seams between adjacent bins
        for f0, f1, value in chapter_cells(result.heatmap, result.manuscript.characters, start, end):
            p.fillRect(QRectF(strip_x + f0 * strip_w, y, max(0.5 * pt, (f1 - f0) * strip_w), 10 * pt), heat(value))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(RULE), 0.5 * pt))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(strip_x, y, strip_w, 10 * pt))
        y += 12 * pt
    if len(rows) > MAX_ROWS:
        _text(p, QRectF(strip_x, y, strip_w, 11 * pt), f"… and {len(rows) - MAX_ROWS} more chapters",
              Qt.AlignmentFlag.AlignLeft, MUTED)


def heat(value: float) -> QColor:
    """Pale grey to calm red, the end points of the app's and the PDF's heatmap."""
    low, high = QColor(EMPTY), QColor(VERBATIM)
    t = min(1.0, max(0.0, float(value))) if value == value else 0.0
    return QColor(round(low.red() + t * (high.red() - low.red())), round(low.green() + t * (high.green() - low.green())),
                  round(low.blue() + t * (high.blue() - low.blue())))


def paint_figure(
    name: str, p: QPainter, rect: QRectF, result: ScanResult, pt: float, locations: Sequence[Location] = ()
) -> None:
    """Paint the figure `name` (one of FIGURES) into `rect`."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    try:
        if name == "extraction":
            paint_extraction(p, rect, result, pt)
        elif name == "reconstruction":
            paint_reconstruction(p, rect, result, pt)
        elif name == "chapters":
            paint_chapters(p, rect, result, pt, locations)
        else:
            raise ValueError(f"unknown figure {name!r}")
    finally:
        p.restore()
