"""The results pane's Plots tab: the report's figures (gui.plots) painted on widgets, as in the PDF.

Extraction odds by number of queries, how much of the work the model rebuilt from its opening, and the
heatmap one row per chapter; each figure widget paints from the ScanResult it was given and says plainly
when its data was not measured (no p_z, no --reconstruct). `ReconstructChoice` (under the queue) asks a
scan for the reconstruction the second figure shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from core.ingest.document import Location
from core.reconstruct import ReconstructOptions
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


class ReconstructChoice(QWidget):
    """Whether a scan also rebuilds the work from its opening (`--reconstruct`), and whether assisted.

    `enabled` is the check box (its owner places it, beside "Chat probes"); this widget is the row holding
    "assisted", shown only while it is ticked. Seed and budget are the CLI's defaults. Not remembered between
    sessions: it adds minutes to a scan, so each scan asks for it. Signals: none.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox("Reconstruct")  # every letter of it is another Alt key
        self.enabled.setToolTip("After the scan, let the model continue from the opening of the work and of each "
                                "chapter alone, and measure how much of the work it writes out (the figure "
                                "\u201cHow much of the work comes out\u201d; it does not change the verdict).")
        self.assisted = QCheckBox("Assisted (re-seed where it leaves my text)")
        budget = ReconstructOptions().max_generated_tokens
        self.assisted.setToolTip(f"Re-seed from your text at each divergence and go on (at most {budget:,} "
                                 "generated tokens in all); unticked, each chapter stops where the model first leaves "
                                 "the text. The report says which.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.assisted)
        self.enabled.toggled.connect(self._on_enabled_toggled)
        self._on_enabled_toggled(False)

    def _on_enabled_toggled(self, on: bool) -> None:
        self.setVisible(on)

    def request(self, tolerance: float) -> ReconstructOptions | None:
        """The reconstruction asked for (near-verbatim `tolerance` from the scan settings), or None."""
        if not self.enabled.isChecked():
            return None
        return ReconstructOptions(assisted=self.assisted.isChecked(), tolerance=tolerance)
