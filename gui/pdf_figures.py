"""The report's figures inside the PDF's QTextDocument, painted as vector graphics by gui.plots.

core.report.figures leaves a placeholder paragraph per figure; `insert_figures` swaps each for a text
object of FIGURE_TYPE, and the handler registered for that type paints the figure with the painter that
lays out the page (the QPdfWriter's), so the PDF holds lines and text, not a picture.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, QRectF, QSizeF
from PySide6.QtGui import QPainter, QPyTextObject, QTextCharFormat, QTextDocument, QTextFormat

from core.ingest.document import Location
from core.report.figures import chapter_spans, figure_mark
from core.results import ScanResult
from gui import plots

FIGURE_TYPE = QTextFormat.ObjectTypes.UserObject + 17
FIGURE_NAME = QTextFormat.Property.UserProperty + 17


class FigureObject(QPyTextObject):
    """Paints gui.plots figures where the document holds a FIGURE_TYPE object; its width is the text's."""

    def __init__(self, result: ScanResult, width: float, pt: float, locations: Sequence[Location]) -> None:
        super().__init__()
        self._result, self._width, self._pt, self._locations = result, width, pt, tuple(locations)

    def _rows(self) -> int:
        return len(chapter_spans(self._result, self._locations))

    def intrinsicSize(self, doc: QTextDocument, posInDocument: int, format: QTextFormat) -> QSizeF:  # noqa: N802, N803, A002 - Qt's names
        name = str(format.property(FIGURE_NAME))
        return QSizeF(self._width, plots.figure_height(name, self._pt, self._rows()))

    def drawObject(  # noqa: N802 - Qt's name
        self, painter: QPainter, rect: QRectF | QRect, doc: QTextDocument, posInDocument: int, format: QTextFormat  # noqa: N803, A002
    ) -> None:
        plots.paint_figure(str(format.property(FIGURE_NAME)), painter, QRectF(rect), self._result, self._pt,
                           self._locations)


def insert_figures(doc: QTextDocument, handler: FigureObject) -> int:
    """Replace every figure placeholder in `doc` with a figure object; returns how many were placed.

    The caller keeps `handler` alive as long as `doc` is painted (Qt does not own it).
    """
    doc.documentLayout().registerHandler(int(FIGURE_TYPE), handler)
    placed = 0
    for name in plots.FIGURES:
        cursor = doc.find(figure_mark(name))
        while not cursor.isNull():
            fmt = QTextCharFormat()
            fmt.setObjectType(int(FIGURE_TYPE))
            fmt.setProperty(int(FIGURE_NAME), name)
            cursor.insertText("\ufffc", fmt)
            placed += 1
            cursor = doc.find(figure_mark(name), cursor)
    return placed
