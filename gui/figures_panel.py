"""The results pane's Plots tab: the report's figures (gui.plots) painted on widgets, as in the PDF.

Extraction odds by number of queries, how much of the work the model rebuilt from its opening, and the
heatmap one row per chapter; each figure widget paints from the ScanResult it was given and says plainly
when its data was not measured (no p_z, no --reconstruct).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from core.ingest.document import Location
from core.report.figures import chapter_spans
from core.results import ScanResult
from gui import plots

TITLES = {
    "extraction": "Extraction odds by number of queries",
    "reconstruction": "How much of the work comes out (reconstruction from its opening)",
    "chapters": "Chapter by chapter",
}


class FigureView(QWidget):
    """One gui.plots figure, painted at the widget's width."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._result: ScanResult | None = None
        self._locations: tuple[Location, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(TITLES[name])

    def pt(self) -> float:
        """Device pixels per typographic point on this screen."""
        return self.logicalDpiX() / 72.0

    def set_result(self, result: ScanResult | None, locations: Sequence[Location] = ()) -> None:
        self._result, self._locations = result, tuple(locations)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        """The figure's height for its rows; any width."""
        rows = len(chapter_spans(self._result, self._locations)) if self._result is not None else 1
        return QSize(480, round(plots.figure_height(self.name, self.pt(), rows)))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        if self._result is None:
            return
        p = QPainter(self)
        try:
            plots.paint_figure(self.name, p, QRectF(self.rect()).adjusted(4, 2, -4, -2), self._result, self.pt(),
                               self._locations)
        finally:
            p.end()


class FiguresPanel(QWidget):
    """The three figures under their titles."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.views = {name: FigureView(name) for name in plots.FIGURES}
        layout = QVBoxLayout(self)
        for name, view in self.views.items():
            title = QLabel(f"<b>{TITLES[name]}</b>")
            layout.addWidget(title)
            layout.addWidget(view)
        layout.addStretch(1)

    def show_result(self, result: ScanResult | None, locations: Sequence[Location] = ()) -> None:
        """Paint `result`'s figures (None: empty)."""
        for view in self.views.values():
            view.set_result(result, locations)
