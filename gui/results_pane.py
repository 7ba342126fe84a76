"""The results pane: the right side of the window, everything shown about one manuscript's scan.

From top to bottom: the message bar, the verdict badge, the heatmap, the manuscript's text beside the
passage table, and the tabs with one passage's detail and the controls. `show_result` fills it all
from a ScanResult and `clear` empties it; choosing a passage (table row, heatmap bin) is handled here,
so the window only decides *which* result to show.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelection, QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.ingest import Location
from core.results import Passage, ScanResult
from core.scan.sweep import is_generate_only
from gui.chat_panel import ChatPanel
from gui.controls_view import ControlsPanel
from gui.figures_panel import FiguresPanel
from gui.heatmap import HeatmapLegend, HeatmapStrip
from gui.manuscript import ManuscriptView
from gui.models import OBJECT_ROLE, PassageFilterProxy, PassageTableModel, QueueEntry
from gui.results_view import PassageDetail, VerdictBadge
from gui.status import MessageBar

PLACEHOLDER = "The manuscript's text appears here, exactly as it will be scanned."


def empty_badge(entry: QueueEntry | None, busy: bool) -> tuple[str, str]:
    """Title and one sentence for a manuscript without a result, true to what Scan can do now.

    `busy`: another scan is running, so Scan is not available for this one yet.
    """
    if entry is None:
        return "No scan yet", "Open a manuscript (Ctrl+O) or drop one on the window."
    if entry.error:
        return "Cannot scan this file", entry.error
    if entry.document is None:
        return "Reading…", "The manuscript is being read; Scan becomes available when it is ready."
    if entry.scanning:
        return "Scanning…", "Results appear here as soon as they are known; Esc stops the scan."
    if busy:
        return "Waiting", "Another manuscript is being scanned; press Scan (Ctrl+R) when it has finished."
    return "Not scanned yet", "Press Scan (Ctrl+R) to test this manuscript against the model."


class CompactHeader(QHeaderView):
    """A table header that keeps room for the sort arrow only on the sorted column. Signals: Qt's.

    QHeaderView widens every section by the arrow's room whenever sorting is on, which cost the
    passage table a whole column at the default window size.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.sortIndicatorChanged.connect(self._on_sort_indicator_changed)

    def sectionSizeFromContents(self, logicalIndex: int) -> QSize:  # noqa: N803 - Qt's name
        """The section's size, less the sort arrow's room unless it is the sorted section."""
        size = super().sectionSizeFromContents(logicalIndex)
        if self.isSortIndicatorShown() and logicalIndex != self.sortIndicatorSection():
            margin = self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, self)
            size.setWidth(max(self.minimumSectionSize(), size.width() - size.height() - margin))
        return size

    def _on_sort_indicator_changed(self, section: int, order: Qt.SortOrder) -> None:
        self.resizeSections()  # the arrow's room moves with it; each section keeps its own mode


def _titled(title: str, buddy: QWidget) -> QLabel:
    label = QLabel(title)
    label.setObjectName("paneTitle")
    label.setBuddy(buddy)
    return label


class ResultsPane(QWidget):
    """Verdict, heatmap, text, passage table, passage detail and controls for one result. Signals: none.

    Its parts are public attributes (the window's tab order, tests and scripts reach them).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: ScanResult | None = None
        self.message_bar = MessageBar()
        self.badge = VerdictBadge()
        self.heatmap = HeatmapStrip()
        self.heatmap_legend = HeatmapLegend()
        self.manuscript = ManuscriptView()
        self.passage_model = PassageTableModel(self)
        self.passage_proxy = PassageFilterProxy(self)
        self.passage_proxy.setSourceModel(self.passage_model)
        self.table = QTableView()
        self.table.setHorizontalHeader(CompactHeader(self.table))
        self.table.setModel(self.passage_proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        # Figures as wide as their contents; "Where" takes what is left, so no column is cut off.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PassageTableModel.WHERE, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(36)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.setAccessibleName("Passages")
        self.table.setTabKeyNavigation(False)
        self.table.setMinimumHeight(48)  # with the text's, keeps the minimum window low at 200 % scaling
        self.manuscript.setMinimumHeight(48)
        self.hide_common = QCheckBox("Hi&de common phrases")  # Alt+H opens the Help menu
        self.hide_common.setToolTip("Generic phrases any model reproduces are kept out of the verdict.")
        table_box = QWidget()
        tlayout = QVBoxLayout(table_box)
        tlayout.setContentsMargins(0, 0, 0, 0)
        tlayout.setSpacing(4)
        head = QHBoxLayout()
        head.addWidget(_titled("&Passages", self.table))
        head.addStretch(1)
        head.addWidget(self.hide_common)
        tlayout.addLayout(head)
        tlayout.addWidget(self.table, 1)
        text_box = QWidget()
        xlayout = QVBoxLayout(text_box)
        xlayout.setContentsMargins(0, 0, 0, 0)
        xlayout.setSpacing(4)
        xlayout.addWidget(_titled("Manuscr&ipt", self.manuscript))
        xlayout.addWidget(self.manuscript, 1)

        self.detail = PassageDetail()
        self.controls_panel = ControlsPanel()
        self.result_tabs = QTabWidget()
        self.result_tabs.setAccessibleName("Passage and controls")
        # Its tab bar is the stop; the widget itself (focus proxy: the bar) would trap Tab in the panes.
        self.result_tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.result_tabs.setDocumentMode(True)
        self.result_tabs.addTab(self.detail, "Passa&ge")
        controls_scroll = QScrollArea()  # its figures and table scroll rather than set a tall minimum window
        controls_scroll.setWidget(self.controls_panel)
        controls_scroll.setWidgetResizable(True)
        controls_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.result_tabs.addTab(controls_scroll, "Contro&ls")
        self.chat_panel = ChatPanel()
        self.result_tabs.addTab(self.chat_panel, "Chat probes")  # every letter of it is another Alt key
        self.figures_panel = FiguresPanel()
        figures_scroll = QScrollArea()
        figures_scroll.setWidget(self.figures_panel)
        figures_scroll.setWidgetResizable(True)
        figures_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.result_tabs.addTab(figures_scroll, "Fig&ures")
        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(text_box)
        upper.addWidget(table_box)
        upper.setStretchFactor(0, 2)
        upper.setStretchFactor(1, 3)
        upper.setSizes([400, 600])
        upper.setChildrenCollapsible(False)
        self.splitter = vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.addWidget(upper)
        vertical.addWidget(self.result_tabs)
        vertical.setStretchFactor(0, 2)
        vertical.setStretchFactor(1, 1)
        vertical.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 12, 12, 12)
        layout.setSpacing(8)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.badge)
        layout.addWidget(self.heatmap)
        layout.addWidget(self.heatmap_legend)
        layout.addWidget(vertical, 1)

        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.hide_common.toggled.connect(self.passage_proxy.set_hide_common)
        self.heatmap.positionActivated.connect(self._on_heatmap_position_activated)

    @property
    def result(self) -> ScanResult | None:
        """The ScanResult shown, if any."""
        return self._result

    def show_result(self, result: ScanResult, locations: Sequence[Location] = ()) -> None:
        """Fill the verdict, heatmap, table, highlights and detail; the first passage is selected."""
        self._result = result
        self.badge.show_result(result)
        text = result.text or self.manuscript.toPlainText()
        self.heatmap.set_heatmap(result.heatmap, len(text), result.heatmap_set_aside)
        self.heatmap_legend.show_for(result.heatmap_set_aside)
        measured = not is_generate_only(result)  # a generate-only scan's p_extract is 0, not measured
        self.passage_model.set_passages(
            result.passages, len(text), measured=measured, text=text, locations=tuple(locations)
        )
        self.manuscript.set_passages(result.passages)
        # Numbered strongest first, as in the PDF report.
        self.table.sortByColumn(PassageTableModel.NUMBER, Qt.SortOrder.AscendingOrder)
        self.detail.set_measured(measured)
        self.detail.show_passage(None)
        self.controls_panel.show_result(result)
        self.chat_panel.show_result(result)
        self.figures_panel.show_result(result, locations)
        if self.passage_proxy.rowCount():
            self.table.selectRow(0)

    def update_result(self, result: ScanResult, locations: Sequence[Location] = ()) -> None:
        """Show `result`; when it has the passages shown now, keep the reader's place in the table.

        That is the controls finishing after the verdict was shown: the same passages, now with their
        chance figures.
        """
        shown = self._result
        spans = [(p.start_char, p.end_char) for p in result.passages]
        same = (
            shown is not None
            and [(p.start_char, p.end_char) for p in shown.passages] == spans
            and shown.manuscript == result.manuscript
        )
        rows = self.table.selectionModel().selectedRows() if same else []
        self.show_result(result, locations)
        if rows:
            self.table.selectRow(rows[0].row())

    def show_entry(self, entry: QueueEntry | None, busy: bool, locations: Sequence[Location] = ()) -> None:
        """Show a queued manuscript: its text (or why it has none) and its result, if it has one."""
        if entry is None:
            self.manuscript.show_text("")
        elif entry.document is not None:
            self.manuscript.setPlaceholderText(PLACEHOLDER)
            self.manuscript.show_text(entry.document.text)
        else:
            self.manuscript.show_text("")
            self.manuscript.setPlaceholderText(
                f"This file cannot be scanned. {entry.error}" if entry.error else "Reading the manuscript…"
            )
        if entry is not None and entry.result is not None:
            self.show_result(entry.result, locations)
        else:
            self.clear(*empty_badge(entry, busy))

    def clear(self, title: str, detail: str) -> None:
        """No result: the badge says `title` and `detail` (what can be done next); the rest empties."""
        self._result = None
        self.badge.clear(title, detail)
        self.heatmap.set_heatmap((), 0)
        self.heatmap_legend.show_for(())
        self.passage_model.set_passages((), 1)
        self.manuscript.set_passages(())
        self.detail.set_measured(True)
        self.detail.show_passage(None)
        self.controls_panel.show_result(None)
        self.chat_panel.show_result(None)
        self.figures_panel.show_result(None)

    def tab_chain(self) -> list[QWidget]:
        """The pane's widgets in keyboard (Tab) order: the figures' "?", text, heatmap, table, the detail."""
        return [
            *self.badge.help_buttons,
            self.manuscript,
            self.heatmap,
            self.hide_common,
            self.table,
            self.result_tabs.tabBar(),
            self.detail.figures_help,
            self.detail.prompt.text,
            self.detail.original.text,
            self.detail.generated.text,
            *self.controls_panel.tab_chain(),
        ]

    def _on_table_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        passage: Passage | None = rows[0].data(OBJECT_ROLE) if rows else None
        self.detail.show_passage(passage)
        self.manuscript.select_passage(passage)
        self.heatmap.set_marker(passage.start_char if passage is not None else None)

    def _on_heatmap_position_activated(self, offset: int) -> None:
        # Select the first passage inside the clicked bin (its highlight scrolls into view), else jump.
        bin_chars = max(1, len(self.manuscript.toPlainText()) // max(1, len(self.heatmap.values())))
        best: tuple[int, int] | None = None
        for row in range(self.passage_proxy.rowCount()):
            p: Passage = self.passage_proxy.index(row, 0).data(OBJECT_ROLE)
            if (
                p.end_char > offset
                and p.start_char < offset + bin_chars
                and (best is None or p.start_char < best[1])
            ):
                best = (row, p.start_char)
        if best is not None:
            self.table.selectRow(best[0])
        else:
            self.manuscript.jump_to(offset)
        # Focus stays on the heatmap: the next hot spot is one key away (the text scrolled by itself).
