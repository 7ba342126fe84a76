"""The main window: queue of manuscripts, model picker, scan progress, and the results views.

The window holds no scan logic: documents load and scans run through workers (TaskRunner,
ScanController); slots only move finished data into widgets.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QModelIndex, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core.scan.progress import Overall, OverallProgress, ScanProgress
from core.scan.sweep import is_generate_only
from core.settings import ScanSettings
from gui.assets import AssetError
from gui.compare import ModelChecklist, ModelMatrixDialog
from gui.controller import BackendFactory, ScanController, ScanFunction, ScanOptions
from gui.controls_view import ControlsOptions, ControlsPanel
from gui.export import FILTERS, ExportUnavailable, export_result
from gui.heatmap import HeatmapStrip
from gui.help import install_help
from gui.manuscript import DropZone, ManuscriptView, expand_paths
from gui.model_picker import Discover, ModelPicker, ReferencePicker
from gui.models import OBJECT_ROLE, PassageFilterProxy, PassageTableModel, QueueEntry, QueueModel
from gui.results_view import PassageDetail, VerdictBadge, verdict_words
from gui.resume import Ask, default_data_dir, message_box_ask, resume_question
from gui.settings_dialog import SettingsDialog
from gui.welcome import Welcome, is_first_start, sample_path
from gui.worker import TaskRunner, describe_error

MANUSCRIPT_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf", ".epub", ".odt", ".rtf", ".html", ".htm")
SETTINGS_KEY = "scan/settings"
PLACEHOLDER = "The manuscript's text appears here, exactly as it will be scanned."
CONTROLS_PENDING = (
    "Provisional: the control texts are still being scanned. The verdict rests on how often this model "
    "reproduces never-published text by chance, so it can change when they finish."
)



CONFIRM_CANCEL_AFTER_S = 5.0
"""A cancel (Esc, Scan ▸ Cancel) of a scan running longer than this asks first."""
MIN_MANUSCRIPT_CHARS = 200
"""A text shorter than this (about 40 words) cannot hold a 50-token prompt and a passage: not ready."""
UNSUPPORTED_HINTS = {
    ".pages": "an Apple Pages document; export it from Pages as Word (.docx) or PDF",
    ".doc": "a legacy Word document; save it as .docx",
    ".mobi": "a Kindle book; convert it to EPUB",
    ".azw": "a Kindle book; convert it to EPUB",
    ".azw3": "a Kindle book; convert it to EPUB",
}


def plural(n: int, noun: str) -> str:
    """Count and noun, plural unless 1: "1 manuscript", "2 manuscripts"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def unsupported_reason(path: str) -> str:
    """One sentence when `path`'s extension is not a manuscript Verbatim reads, else ""."""
    suffix = Path(path).suffix.lower()
    if suffix in MANUSCRIPT_SUFFIXES:
        return ""
    name = Path(path).name
    hint = UNSUPPORTED_HINTS.get(suffix)
    if hint:
        return f"{name} is {hint}, then open that file."
    kind = f"{suffix} files" if suffix else "files without an extension"
    return f"{name}: Verbatim cannot read {kind}; it reads .txt, .md, .docx, .pdf, .epub, .odt, .rtf and .html."


def too_short_reason(path: str, document: Any) -> str:
    """One sentence when the document's text is too short to scan, else ""."""
    n = len(document.text.strip())
    if n >= MIN_MANUSCRIPT_CHARS:
        return ""
    return (
        f"{Path(path).name} has only {plural(n, 'character')} of text; Verbatim needs at least "
        f"{MIN_MANUSCRIPT_CHARS} (about 40 words) to test a manuscript."
    )


def format_duration(seconds: float | None) -> str:
    """Seconds as "1 h 05 min", "3 min 20 s" or "45 s"; "—" when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "—"
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"


def progress_text(o: Overall, elapsed_s: float | None = None) -> str:
    """One line in words: what is being done, how far, and the time left for the whole scan.

    Before the first pass has measured the model's speed there is no time left to give: the time the
    stage has taken so far shows instead, so the line never sits frozen.
    """
    parts = [o.stage]
    if o.counter:
        parts.append(o.counter)
    if o.measured and o.eta_s is not None:
        parts.append(f"about {format_duration(max(1.0, o.eta_s))} left")
    elif elapsed_s is not None:
        parts.append(f"measuring the model's speed… {format_duration(elapsed_s)}")
    return "  ·  ".join(parts)


def _load_documents_job(paths: list[str]) -> Generator[str, None, list[tuple[str, Any, str]]]:
    """Read each manuscript; one failure does not stop the others."""
    from core.ingest import IngestError
    from core.ingest.isolated import load_document_isolated

    out: list[tuple[str, Any, str]] = []
    for path in paths:
        yield path
        try:
            # A worker process with time and memory limits: a hostile file cannot freeze or kill the app.
            document = load_document_isolated(path)
            short = too_short_reason(path, document)
            out.append((path, None, short) if short else (path, document, ""))
        except IngestError as exc:
            out.append((path, None, str(exc)))
        except Exception as exc:  # noqa: BLE001 - a bad file is one sentence, never a dead app
            out.append((path, None, f"{Path(path).name}: {describe_error(exc)}"))
    return out


class CompactHeader(QHeaderView):
    """A table header that keeps room for the sort arrow only on the sorted column.

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


class MessageBar(QFrame):
    """A dismissible one-sentence message above the results (errors stay until closed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.setAccessibleName("Message")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("Dismiss")
        close.setFlat(True)
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str) -> None:
        """Show `text` (one sentence)."""
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        """The message shown, or "" when hidden."""
        return self.label.text() if not self.isHidden() else ""


class MainWindow(QMainWindow):
    """Verbatim's main window.

    Signals: none of its own; tests and scripts watch `controller` (ScanController) and the widgets.
    """

    def __init__(
        self,
        settings: QSettings,
        backend_factory: BackendFactory | None = None,
        scan_function: ScanFunction | None = None,
        discover: Discover | None = None,
        data_dir: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Verbatim")
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        """Per-user data: checkpoints/ of unfinished scans, comparisons/ of several-model runs."""
        self.ask: Ask = message_box_ask(self)
        """Asks the user a yes/no question (tests replace it)."""
        self._backend_factory = backend_factory
        self._resume_on_load: set[str] = set()
        self.compare_dialog: ModelMatrixDialog | None = None
        self.setAcceptDrops(False)
        self._settings = settings
        self.scan_settings = self._load_scan_settings()
        self.controller = ScanController(backend_factory, scan_function, self)
        self._doc_runner = TaskRunner(self)
        self._pending: list[str] = []
        self._scanning_path: str | None = None
        self._scan_started = 0.0
        self._overall: OverallProgress | None = None
        self._last_overall: Overall | None = None
        self._stage_started = 0.0
        self._last_stage = ""
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self.tab_chain: list[QWidget] = []
        """The widgets in keyboard (Tab) order."""
        self.last_announcement = ""
        """The last message announced to assistive technology (announce)."""
        self.confirm_cancel_after_s = CONFIRM_CANCEL_AFTER_S
        """Cancelling a scan that has run longer than this asks first (tests change it)."""
        self._shown_result: Any = None

        self._build_actions()
        self._build_ui(discover)
        self._connect()
        self.welcome = self._install_welcome()  # first start: the welcome page is in front
        self._set_tab_order()
        self._update_actions()
        self.statusBar().showMessage("Ready. Drop a manuscript or press Ctrl+O.")
        geometry = self._settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)

    # ----- construction -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        def action(text: str, shortcut: QKeySequence | str | None, tip: str) -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.setStatusTip(tip)
            act.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})" if shortcut else tip)
            self.addAction(act)
            return act

        self.open_action = action("&Open…", QKeySequence.StandardKey.Open, "Open manuscript files")
        self.open_folder_action = action("Open &folder…", None, "Queue every manuscript in a folder")
        self.scan_action = action(
            "&Scan", "Ctrl+R", "Scan the selected manuscript, then the rest of the queue"
        )
        self.cancel_action = action("&Cancel", "Esc", "Stop the scan; the partial result is kept")
        self.export_action = action("&Export…", "Ctrl+E", "Save the result as PDF, JSON or CSV")
        self.settings_action = action("Se&ttings…", "Ctrl+,", "Scan settings and thresholds")
        self.compare_action = action(
            "Compare &models…", None, "Scan the manuscripts with several models and compare them"
        )
        self.match_action = action(
            "Check a model's &output…", None, "Find where text a model wrote replicates your manuscripts"
        )
        self.match_action.triggered.connect(self._on_match_action_triggered)
        self.quit_action = action("&Quit", QKeySequence.StandardKey.Quit, "Close Verbatim")
        self.queue_action = action("Show the &queue", None, "Show or hide the queue of manuscripts")
        self.queue_action.setText("Show the &queue")
        self.queue_action.setIconText("Queue")
        self.queue_action.setCheckable(True)
        self.queue_action.setChecked(True)
        self.remove_action = QAction("&Remove from queue", self)
        self.remove_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        # Only while the queue has focus: Delete in another widget keeps its own meaning.
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.remove_action.setStatusTip("Take the selected manuscript out of the queue")

        menu = self.menuBar().addMenu("&File")
        menu.addActions([self.open_action, self.open_folder_action, self.export_action])
        menu.addSeparator()
        menu.addAction(self.queue_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        menu = self.menuBar().addMenu("&Scan")
        menu.addActions([self.scan_action, self.cancel_action])
        menu.addAction(self.compare_action)
        menu.addAction(self.match_action)
        menu.addSeparator()
        menu.addAction(self.settings_action)
        menu = self.menuBar().addMenu("&Help")
        self.help_actions = install_help(self, menu)

    def _build_ui(self, discover: Discover | None) -> None:
        toolbar = QToolBar("Main")
        toolbar.setAccessibleName("Main toolbar")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.queue_action)
        toolbar.addAction(self.open_action)
        toolbar.addSeparator()
        model_label = QLabel("&Model:")
        self.picker = ModelPicker(self._settings, discover)
        model_label.setBuddy(self.picker.combo)
        toolbar.addWidget(model_label)
        toolbar.addWidget(self.picker)
        toolbar.addAction(self.settings_action)
        toolbar.addSeparator()
        toolbar.addAction(self.scan_action)
        toolbar.addAction(self.cancel_action)
        toolbar.addSeparator()
        toolbar.addAction(self.export_action)
        self.addToolBar(toolbar)

        # Left: drop zone and queue.
        self.drop_zone = DropZone()
        self.drop_zone.setAccessibleName("Drop manuscripts here")
        self.queue_model = QueueModel(self)
        self.queue_view = QListView()
        self.queue_view.setModel(self.queue_model)
        self.queue_view.setAccessibleName("Manuscript queue")
        self.queue_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.queue_view.setAlternatingRowColors(True)
        # A long file name loses its middle, never its status ("The Salt R…  ·  scanned").
        self.queue_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.queue_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.queue_view.setMinimumHeight(40)
        self.queue_view.addAction(self.remove_action)
        self.queue_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        queue_label = QLabel("&Queue")
        queue_label.setObjectName("paneTitle")
        queue_label.setBuddy(self.queue_view)
        self.remove_button = QPushButton("Remo&ve")
        self.remove_button.setToolTip("Take the selected manuscript out of the queue (Delete)")
        self.remove_button.setAccessibleName("Remove the selected manuscript from the queue")
        self.remove_button.clicked.connect(self.remove_action.trigger)
        self.remove_action.changed.connect(
            lambda: self.remove_button.setEnabled(self.remove_action.isEnabled())
        )
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(12, 12, 6, 12)
        left_layout.setSpacing(8)
        left_layout.addWidget(self.drop_zone)
        queue_head = QHBoxLayout()
        queue_head.addWidget(queue_label)
        queue_head.addStretch(1)
        queue_head.addWidget(self.remove_button)
        left_layout.addLayout(queue_head)
        left_layout.addWidget(self.queue_view, 1)
        self.controls_options = ControlsOptions(self._settings)
        left_layout.addWidget(self.controls_options)
        self.reference_picker = ReferencePicker(self.picker.model)
        left_layout.addWidget(self.reference_picker)

        # Right: message, verdict, heatmap, text | table, detail.
        self.message_bar = MessageBar()
        self.badge = VerdictBadge()
        self.heatmap = HeatmapStrip()
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
        passages_label = QLabel("&Passages")
        passages_label.setObjectName("paneTitle")
        passages_label.setBuddy(self.table)
        table_box = QWidget()
        tlayout = QVBoxLayout(table_box)
        tlayout.setContentsMargins(0, 0, 0, 0)
        tlayout.setSpacing(4)
        head = QHBoxLayout()
        head.addWidget(passages_label)
        head.addStretch(1)
        head.addWidget(self.hide_common)
        tlayout.addLayout(head)
        tlayout.addWidget(self.table, 1)
        text_label = QLabel("Manuscr&ipt")
        text_label.setObjectName("paneTitle")
        text_label.setBuddy(self.manuscript)
        text_box = QWidget()
        xlayout = QVBoxLayout(text_box)
        xlayout.setContentsMargins(0, 0, 0, 0)
        xlayout.setSpacing(4)
        xlayout.addWidget(text_label)
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
        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(text_box)
        upper.addWidget(table_box)
        upper.setStretchFactor(0, 2)
        upper.setStretchFactor(1, 3)
        upper.setSizes([400, 600])
        upper.setChildrenCollapsible(False)
        self.results_splitter = vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.addWidget(upper)
        vertical.addWidget(self.result_tabs)
        vertical.setStretchFactor(0, 3)
        vertical.setStretchFactor(1, 2)
        vertical.setChildrenCollapsible(False)

        right = QWidget()
        rlayout = QVBoxLayout(right)
        rlayout.setContentsMargins(6, 12, 12, 12)
        rlayout.setSpacing(10)
        rlayout.addWidget(self.message_bar)
        rlayout.addWidget(self.badge)
        rlayout.addWidget(self.heatmap)
        rlayout.addWidget(vertical, 1)

        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(left)
        main.addWidget(right)
        main.setStretchFactor(0, 0)
        main.setStretchFactor(1, 1)
        main.setSizes([210, 1070])
        main.setChildrenCollapsible(False)
        self.main_splitter = main
        self.queue_pane = left
        self.setCentralWidget(main)

        self.progress_label = QLabel("")
        self.progress_label.setAccessibleName("Scan status")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedWidth(220)
        self.progress_bar.setAccessibleName("Scan progress")
        self.progress_bar.hide()
        self.statusBar().addPermanentWidget(self.progress_label)
        self.statusBar().addPermanentWidget(self.progress_bar)

    def _install_welcome(self) -> Welcome | None:
        """On a first start (nothing queued, no manuscript ever opened) put the welcome page in front."""
        if not is_first_start(self._settings) or self.queue_model.rowCount() > 0:
            return None
        welcome = Welcome(self.takeCentralWidget(), self._settings, self)
        self.setCentralWidget(welcome.stack)
        welcome.sampleRequested.connect(self.open_sample)
        welcome.openRequested.connect(self.open_action.trigger)
        self.queue_model.rowsInserted.connect(welcome.dismiss)
        return welcome

    def _set_tab_order(self) -> None:
        """Tab follows the reading order: toolbar, queue and its options, text, heatmap, table, detail.

        Set after the welcome page took the main view into its stack: reparenting resets the chain.
        """
        opts = self.controls_options
        self.tab_chain = [
            self.picker.combo,
            self.picker.browse_button,
            self.drop_zone.open_button,
            self.queue_view,
            self.remove_button,
            opts.enabled,
            opts.user_list,
            opts.own_button,
            opts.add_button,
            opts.remove_button,
            self.reference_picker.combo,
            self.manuscript,
            self.heatmap,
            self.hide_common,
            self.table,
            self.result_tabs.tabBar(),
            self.detail.prompt.text,
            self.detail.original.text,
            self.detail.generated.text,
        ]
        for a, b in zip(self.tab_chain, self.tab_chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    def _connect(self) -> None:
        self.open_action.triggered.connect(self._on_open_action_triggered)
        self.open_folder_action.triggered.connect(self._on_open_folder_action_triggered)
        self.scan_action.triggered.connect(self._on_scan_action_triggered)
        self.cancel_action.triggered.connect(self._on_cancel_action_triggered)
        self.export_action.triggered.connect(self._on_export_action_triggered)
        self.settings_action.triggered.connect(self._on_settings_action_triggered)
        self.quit_action.triggered.connect(self.close)
        self.remove_action.triggered.connect(self._on_remove_action_triggered)
        self.queue_action.toggled.connect(self._on_queue_action_toggled)
        self.queue_model.rowsInserted.connect(self._on_queue_rows_changed)
        self.queue_model.rowsRemoved.connect(self._on_queue_rows_changed)
        self.queue_model.modelReset.connect(self._on_queue_rows_changed)
        self.drop_zone.pathsDropped.connect(self.open_paths)
        self.drop_zone.openRequested.connect(self._on_open_action_triggered)
        self.manuscript.pathsDropped.connect(self.open_paths)
        self.queue_view.selectionModel().currentChanged.connect(self._on_queue_current_changed)
        self.queue_model.dataChanged.connect(self._on_queue_data_changed)
        self.picker.errorOccurred.connect(self.show_error)
        self.picker.modelChanged.connect(self._on_picker_model_changed)
        self.controller.stateChanged.connect(self._on_controller_state_changed)
        self.controller.loadingDetail.connect(self._on_controller_loading_detail)
        self.controller.plan.connect(self._on_controller_plan)
        self.controller.resultReady.connect(self._on_controller_result_ready)
        self._ticker.timeout.connect(self._on_ticker_timeout)
        self.controller.progress.connect(self._on_controller_progress)
        self.controller.finished.connect(self._on_controller_finished)
        self.controller.cancelled.connect(self._on_controller_cancelled)
        self.controller.failed.connect(self._on_controller_failed)
        self.controller.controlsProgress.connect(self._on_controller_controls_progress)
        self.controller.resumeRefused.connect(self._on_controller_resume_refused)
        self.compare_action.triggered.connect(self._on_compare_action_triggered)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.hide_common.toggled.connect(self.passage_proxy.set_hide_common)
        self.heatmap.positionActivated.connect(self._on_heatmap_position_activated)

    # ----- public API (menus, drops, tests, scripts) ----------------------------------------------

    def open_paths(self, paths: Iterable[str]) -> None:
        """Queue manuscripts (files, or folders of them) and load their text in the background."""
        files = expand_paths(paths, MANUSCRIPT_SUFFIXES)
        if not files:
            self.show_error(
                "No manuscripts found there (expected .txt, .md, .docx, .pdf, .epub, .odt, .rtf or .html)."
            )
            return
        new = [f for f in files if self.queue_model.row_of(f) < 0]
        first_row = self.queue_model.add(files[0])
        for f in files[1:]:
            self.queue_model.add(f)
        # A file of a kind Verbatim does not read is never "ready", however little text it holds.
        refused = [(f, unsupported_reason(f)) for f in new if unsupported_reason(f)]
        for f, reason in refused:
            self.queue_model.update(f, error=reason)
        new = [f for f in new if not unsupported_reason(f)]
        self.queue_view.setCurrentIndex(self.queue_model.index(first_row, 0))
        if refused:
            extra = f" ({len(refused) - 1} more in the queue)" if len(refused) > 1 else ""
            self.show_error(refused[0][1] + extra)
        if new:
            self.statusBar().showMessage(f"Reading {plural(len(new), 'manuscript')}…")
            self._doc_runner.start(
                lambda: _load_documents_job(new),
                on_return=self._on_documents_loaded,
                on_fail=self.show_error,
            )

    def open_sample(self) -> None:
        """Queue the bundled sample manuscript with the embedded default model selected."""
        try:
            path = sample_path()
        except AssetError:
            self.show_error(
                "The sample manuscript is missing from this installation; reinstall Verbatim, "
                "or open a manuscript of your own."
            )
            return
        self.picker.combo.setCurrentIndex(max(0, self.picker.model.row_of(None)))  # None: the embedded default
        self.open_paths([path])

    def start_scan(self) -> None:
        """Scan the selected manuscript, then the queued ones not scanned yet."""
        current = self.current_entry()
        ready = [e.path for e in self.queue_model.entries() if e.document is not None]
        if current is None or current.document is None:
            if current is not None and current.error:
                self.show_error(current.error)
            elif not ready:
                self.show_error("Open a manuscript first (Ctrl+O or drop a file on the window).")
            else:
                self.show_error("The manuscript is still being read; try again in a moment.")
            return
        self._pending = [
            e.path
            for e in self.queue_model.entries()
            if e.document is not None and e.result is None and e.path != current.path
        ]
        self._start_one(current.path)

    def remove_current(self) -> bool:
        """Take the selected manuscript out of the queue (not while it is being scanned); True if removed."""
        entry = self.current_entry()
        if entry is None or entry.scanning:
            return False
        row = self.queue_model.row_of(entry.path)
        if entry.path in self._pending:
            self._pending.remove(entry.path)
        self.queue_model.remove(entry.path)
        if self.queue_model.rowCount():
            self.queue_view.setCurrentIndex(self.queue_model.index(min(row, self.queue_model.rowCount() - 1), 0))
        else:
            self._show_entry(None)
        self.statusBar().showMessage(f"Removed {Path(entry.path).name} from the queue.", 6000)
        self._update_actions()
        return True

    def cancel_scan(self) -> None:
        """Stop the running scan (its partial result is kept) and the rest of the queue."""
        self._pending.clear()
        if self.controller.busy:
            self.controller.cancel()
            self.statusBar().showMessage("Cancelling…")

    def current_entry(self) -> QueueEntry | None:
        """The queue entry selected in the list."""
        index = self.queue_view.currentIndex()
        return self.queue_model.entry(index.row()) if index.isValid() else None

    def show_error(self, message: str) -> None:
        """Show one sentence in the message bar; the window stays usable."""
        self.message_bar.show_message(message)
        self.statusBar().showMessage(message, 8000)

    def show_result(self, result: Any) -> None:
        """Fill the verdict, heatmap, table, highlights and detail from a ScanResult."""
        self._shown_result = result
        self.badge.show_result(result)
        text = result.text or self.manuscript.toPlainText()
        self.heatmap.set_heatmap(result.heatmap, len(text))
        measured = not is_generate_only(result)  # a generate-only scan's p_extract is 0, not measured
        self.passage_model.set_passages(
            result.passages, len(text), measured=measured, text=text, locations=self.locations_for(result)
        )
        self.manuscript.set_passages(result.passages)
        # Numbered strongest first, as in the PDF report.
        self.table.sortByColumn(PassageTableModel.NUMBER, Qt.SortOrder.AscendingOrder)
        self.detail.set_measured(measured)
        self.detail.show_passage(None)
        self.controls_panel.show_result(result)
        if self.passage_proxy.rowCount():
            self.table.selectRow(0)
        self._update_actions()

    def locations_for(self, result: Any) -> tuple[Any, ...]:
        """Where each stretch of the result's text came from (pages, chapters), if its document is queued."""
        for entry in self.queue_model.entries():
            doc = entry.document
            if doc is not None and doc.sha256 == result.manuscript.sha256 and doc.text_sha256 == (
                result.manuscript.text_sha256
            ):
                return tuple(doc.locations)
        return ()

    def clear_result(self) -> None:
        """Back to "no result" for the shown manuscript; the badge says what can be done next."""
        self._shown_result = None
        self.badge.clear(*self._empty_badge(self.current_entry()))
        self.heatmap.set_heatmap((), 0)
        self.passage_model.set_passages((), 1)
        self.manuscript.set_passages(())
        self.detail.set_measured(True)
        self.detail.show_passage(None)
        self.controls_panel.show_result(None)
        self._update_actions()

    @property
    def result(self) -> Any:
        """The ScanResult shown, if any."""
        return self._shown_result

    def export_to(self, path: str) -> bool:
        """Export the shown result to `path` (format by suffix); False with a message on failure."""
        if self._shown_result is None:
            self.show_error("There is no result to export yet; run a scan first.")
            return False
        try:
            export_result(
                self._shown_result,
                path,
                comparisons=self.comparisons_for(self._shown_result),
                locations=self.locations_for(self._shown_result),
            )
        except ExportUnavailable as exc:
            self.show_error(str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - disk full, permissions: one sentence, window stays
            self.show_error(f"Could not save {Path(path).name}: {describe_error(exc)}")
            return False
        self.statusBar().showMessage(f"Saved {path}", 8000)
        return True

    # ----- slots ------------------------------------------------------------------------------------

    def _on_open_action_triggered(self) -> None:
        patterns = " ".join(f"*{s}" for s in MANUSCRIPT_SUFFIXES)
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open manuscripts", "", f"Manuscripts ({patterns});;All files (*)"
        )
        if paths:
            self.open_paths(paths)

    def _on_open_folder_action_triggered(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of manuscripts")
        if folder:
            self.open_paths([folder])

    def _on_scan_action_triggered(self) -> None:
        self.start_scan()

    def _on_cancel_action_triggered(self) -> None:
        if not self.controller.busy or self.controller.state == "cancelling":
            return
        running = time.monotonic() - self._scan_started
        if running >= self.confirm_cancel_after_s:
            name = Path(self._scanning_path).name if self._scanning_path else "the manuscript"
            question = (
                f"The scan of {name} has been running for {format_duration(running)}. Stop it now? "
                "What was scanned so far is kept and marked incomplete."
            )
            if not self.ask("Stop the scan?", question):
                return
        self.cancel_scan()

    def _on_queue_action_toggled(self, shown: bool) -> None:
        self.queue_pane.setVisible(shown)

    def _on_queue_rows_changed(self, *args: object) -> None:
        self.drop_zone.set_compact(self.queue_model.rowCount() > 0)

    def _on_remove_action_triggered(self) -> None:
        self.remove_current()

    def _on_export_action_triggered(self) -> None:
        if self._shown_result is None:
            self.show_error("There is no result to export yet; run a scan first.")
            return
        stem = Path(self._shown_result.manuscript.path).stem or "verbatim-report"
        path, selected = QFileDialog.getSaveFileName(self, "Export result", f"{stem}-verbatim.pdf", FILTERS)
        if not path:
            return
        if not Path(path).suffix:
            path += ".json" if "json" in selected.lower() else ".csv" if "csv" in selected.lower() else ".pdf"
        self.export_to(path)

    def _on_settings_action_triggered(self) -> None:
        dialog = SettingsDialog(self.scan_settings, self)
        if dialog.exec():
            self.scan_settings = dialog.settings()
            self._settings.setValue(SETTINGS_KEY, json.dumps(self.scan_settings.to_dict()))
            self.statusBar().showMessage("Scan settings saved; they apply to the next scan.", 6000)

    def _on_queue_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self._show_entry(self.queue_model.entry(current.row()) if current.isValid() else None)

    def _on_queue_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        current = self.queue_view.currentIndex()
        if current.isValid() and top_left.row() <= current.row() <= bottom_right.row():
            entry = self.queue_model.entry(current.row())
            # A failed file's pane says why, never "Reading…"; a loaded one shows its text.
            if entry.document is None or self.manuscript.toPlainText() != entry.document.text:
                self._show_entry(entry)
        self._update_actions()

    def _on_documents_loaded(self, loaded: list[tuple[str, Any, str]]) -> None:
        errors = []
        for path, document, error in loaded:
            self.queue_model.update(path, document=document, error=error)
            if error:
                errors.append(error)
        if errors:
            others = sum(1 for e in self.queue_model.entries() if e.error) - 1  # refused kinds included
            extra = f" ({others} more in the queue)" if others > 0 else ""
            self.show_error(errors[0] + extra)
        ok = len(loaded) - len(errors)
        self.statusBar().showMessage(
            f"{plural(ok, 'manuscript')} ready." if ok else "No manuscript could be read.", 6000
        )
        self._offer_resume_after_load([path for path, document, _ in loaded if document is not None])

    def _on_picker_model_changed(self, spec: object) -> None:
        self.statusBar().showMessage(f"Model: {self.picker.current_choice().name}", 4000)

    def _on_controller_state_changed(self, state: str) -> None:
        busy = state != "idle"
        self.progress_bar.setVisible(busy)
        if state == "loading":
            self.progress_bar.setRange(0, 0)
        if state == "cancelling":
            self.progress_label.setText("Cancelling…")
            self._ticker.stop()
        if busy and state != "cancelling":
            self._ticker.start()
        if not busy:
            self.progress_label.setText("")
            self._ticker.stop()
            self._overall, self._last_overall, self._last_stage = None, None, ""
        self._update_actions()

    def _on_controller_loading_detail(self, item: Any) -> None:
        if self.controller.state == "cancelling":
            return
        self.progress_bar.setRange(0, 0)
        name = self.picker.current_choice().name
        elapsed = f"  ·  {format_duration(item.elapsed_s)}" if item.elapsed_s >= 1 else ""
        self.progress_label.setText(f"{item.message}{elapsed}  ({name})")

    def _on_controller_plan(self, plan: Any) -> None:
        self._overall = OverallProgress(plan.text_chars, plan.controls_chars)
        self._stage_started = time.monotonic()

    def _show_overall(self, o: Overall) -> None:
        self._last_overall = o
        if o.measured:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(round(1000 * o.fraction))
            self.progress_label.setText(progress_text(o))
        else:  # a busy bar and a clock, never a frozen "0 of 2,500"
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText(progress_text(o, time.monotonic() - self._stage_started))
        self.progress_bar.setAccessibleDescription(self.progress_label.text())

    def _on_ticker_timeout(self) -> None:
        """Once a second while nothing was measured yet: the clock on the line moves."""
        o = self._last_overall
        if self.controller.state == "scanning" and o is not None and not o.measured:
            self._show_overall(o)

    def _on_controller_progress(self, p: ScanProgress) -> None:
        if self.controller.state == "cancelling":
            return
        if self._overall is None:
            self._overall = OverallProgress(max(1, p.positions_total * 4))
            self._stage_started = time.monotonic()
        if p.stage != self._last_stage:
            self._stage_started = time.monotonic()
        self._last_stage = p.stage
        self._show_overall(self._overall.scan(p, time.monotonic()))

    def _on_controller_result_ready(self, result: Any) -> None:
        """The manuscript's passages are known: show them now, the verdict provisional until the controls end."""
        path = self._scanning_path
        if path is None:
            return
        self.queue_model.update(path, result=result)
        current = self.current_entry()
        if current is not None and current.path == path:
            self.show_result(result)
            self.badge.set_pending(CONTROLS_PENDING)
        self.announce(f"Provisional verdict for {Path(path).name}: {verdict_words(result)}. The control texts are "
                      "still being scanned.")

    def announce(self, text: str) -> None:
        """Tell the user something happened without moving focus: status bar, screen reader, taskbar."""
        from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
        from PySide6.QtWidgets import QApplication

        self.last_announcement = text
        self.statusBar().showMessage(text, 10_000)
        if QAccessible.isActive():
            QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self.statusBar(), text))
        QApplication.alert(self)  # flashes the taskbar entry when the window is in the background

    def _on_controller_finished(self, result: Any) -> None:
        path = self._scanning_path
        self._scanning_path = None
        if path is not None:
            self.queue_model.update(path, result=result, scanning=False)
        current = self.current_entry()
        if current is not None and current.path == path:
            shown = self._shown_result
            spans = [(p.start_char, p.end_char) for p in result.passages]
            if shown is not None and [(p.start_char, p.end_char) for p in shown.passages] == spans and (
                shown.manuscript == result.manuscript
            ):
                # The controls finished after the verdict was shown: the same passages, now with their chance
                # figures. Show them and keep the reader's place in the table.
                rows = self.table.selectionModel().selectedRows()
                row = rows[0].row() if rows else None
                self.show_result(result)
                if row is not None:
                    self.table.selectRow(row)
            else:
                self.show_result(result)
        name = Path(path or result.manuscript.path).name
        if result.complete:
            self.announce(f"Scan of {name} finished: {verdict_words(result)}.")
            if self._pending:
                self._start_one(self._pending.pop(0))
        else:
            self._pending.clear()
            self.announce(f"Scan of {name} cancelled; the partial result is shown, marked incomplete.")

    def _on_controller_cancelled(self) -> None:
        self._stop_marking_scan()
        self._pending.clear()
        self.announce("Scan cancelled before the model finished loading.")

    def _on_controller_failed(self, message: str) -> None:
        self._stop_marking_scan()
        self._pending.clear()
        self.show_error(message)
        self.announce(f"The scan stopped: {message}")

    def _on_table_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        passage = rows[0].data(OBJECT_ROLE) if rows else None
        self.detail.show_passage(passage)
        self.manuscript.select_passage(passage)
        self.heatmap.set_marker(passage.start_char if passage is not None else None)

    def _on_heatmap_position_activated(self, offset: int) -> None:
        # Select the first passage inside the clicked bin (its highlight scrolls into view), else jump.
        bin_chars = max(1, len(self.manuscript.toPlainText()) // max(1, len(self.heatmap.values())))
        best: tuple[int, int] | None = None
        for row in range(self.passage_proxy.rowCount()):
            p = self.passage_proxy.index(row, 0).data(OBJECT_ROLE)
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

    # ----- resume, controls and several models ------------------------------------------------------

    @property
    def checkpoint_dir(self) -> Path:
        """Where unfinished scans keep their checkpoints."""
        return self.data_dir / "checkpoints"

    def offer_unfinished(self) -> bool:
        """At start: offer to reopen the manuscript of an unfinished scan and resume it; True if accepted."""
        from core.store import find_unfinished

        for unfinished in reversed(find_unfinished(self.checkpoint_dir) if self.checkpoint_dir.is_dir() else []):
            path = unfinished.manuscript_path
            if not Path(path).is_file():
                continue
            question = f"{Path(path).name}: {resume_question(unfinished)}"
            if self.ask("Unfinished scan", question):
                self._resume_on_load.add(path)
                self.open_paths([path])
                return True
            return False
        return False

    def comparisons_for(self, result: Any) -> list[Any]:
        """Results of the last several-model run for the same manuscript (for the PDF's section)."""
        from core.report.jsonio import ResultFormatError, read_json

        rows = self.compare_dialog.rows if self.compare_dialog is not None else []
        out = []
        for row in rows:
            if not row.json_path:
                continue
            try:
                other = read_json(row.json_path)
            except (OSError, ResultFormatError):
                continue
            if other.manuscript.sha256 == result.manuscript.sha256:
                out.append(other)
        return out

    def compare_models(self, specs: list[str | None], reference: str | None = None) -> None:
        """Scan the queued manuscripts with each model in `specs` and show the matrix.

        With a `reference` model ("default" for the embedded one), each other model's passages are put to it.
        """
        paths = [e.path for e in self.queue_model.entries() if e.document is not None]
        if not paths:
            self.show_error("Open a manuscript first (Ctrl+O or drop a file on the window).")
            return
        if self.compare_dialog is None:
            from gui.controller import default_backend_factory

            loader = self._backend_factory or default_backend_factory
            self.compare_dialog = ModelMatrixDialog(loader, self.data_dir / "comparisons", self)
            self.compare_dialog.pairActivated.connect(self._on_compare_dialog_pair_activated)
        self.compare_dialog.start(paths, specs, self.scan_settings, reference)
        self.compare_dialog.show()
        self.compare_dialog.raise_()

    def _scan_options(self, document: Any, fresh: bool | None) -> ScanOptions:
        """Checkpoint and controls for a scan; asks about an unfinished checkpoint when `fresh` is None."""
        from core.checkpoints import checkpoint_path, unfinished_for

        spec = self.picker.current_spec()
        if fresh is None:
            unfinished = unfinished_for(self.checkpoint_dir, document, spec)
            fresh = unfinished is None or not self.ask("Unfinished scan", resume_question(unfinished))
        return ScanOptions(
            controls=self.controls_options.enabled.isChecked(),
            user_controls=self.controls_options.user_controls(),
            own_unpublished=self.controls_options.own_unpublished(),
            checkpoint=checkpoint_path(self.checkpoint_dir, document, spec),
            fresh=fresh,
            reference=self.reference_picker.spec(),
        )

    def _offer_resume_after_load(self, paths: list[str]) -> None:
        if self.controller.busy:
            return
        from core.checkpoints import unfinished_for

        spec = self.picker.current_spec()
        for path in paths:
            entry = self.queue_model.entry(self.queue_model.row_of(path))
            unfinished = unfinished_for(self.checkpoint_dir, entry.document, spec)
            accepted = path in self._resume_on_load
            self._resume_on_load.discard(path)
            if unfinished is None:
                if accepted:
                    self.show_error(
                        f"The unfinished scan of {Path(path).name} used another model; "
                        "pick that model and press Scan to resume it."
                    )
                continue
            if accepted or self.ask("Unfinished scan", f"{Path(path).name}: {resume_question(unfinished)}"):
                self.queue_view.setCurrentIndex(self.queue_model.index(self.queue_model.row_of(path), 0))
                self._start_one(path, fresh=False)
            return

    def _on_controller_controls_progress(self, done: int, total: int, message: str) -> None:
        if self.controller.state == "cancelling":
            return
        if self._overall is None:
            self._overall = OverallProgress(1)
        self._show_overall(self._overall.controls(done, total, time.monotonic()))
        self.progress_label.setToolTip(message)

    def _on_controller_resume_refused(self, message: str) -> None:
        path = self._scanning_path
        self._stop_marking_scan()
        self.show_error(message)
        if path is not None and self.ask("Cannot resume", f"{message}\n\nStart a fresh scan instead?"):
            self._start_one(path, fresh=True)

    def _on_compare_action_triggered(self) -> None:
        dialog = ModelChecklist(self.picker.model.choices(), [self.picker.current_spec()], self)
        if dialog.exec():
            self.compare_models([c.spec for c in dialog.chosen()], dialog.reference_spec())

    def _on_match_action_triggered(self) -> None:
        from gui.match_dialog import MatchDialog

        # Non-modal, and searching the manuscripts in the queue unless the user changes them.
        self.match_dialog = MatchDialog([e.path for e in self.queue_model.entries()], parent=self)
        self.match_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.match_dialog.show()

    def _on_compare_dialog_pair_activated(self, pair: Any) -> None:
        from core.report.jsonio import ResultFormatError, read_json

        try:
            result = read_json(pair.json_path)
        except (OSError, ResultFormatError) as exc:
            self.show_error(f"Could not open that result: {describe_error(exc)}")
            return
        row = next(
            (i for i, e in enumerate(self.queue_model.entries())
             if e.document is not None and e.document.sha256 == result.manuscript.sha256),
            -1,
        )
        if row >= 0:
            self.queue_view.setCurrentIndex(self.queue_model.index(row, 0))
            result = dataclasses.replace(result, text=self.queue_model.entry(row).document.text)
        self.show_result(result)
        self.statusBar().showMessage(f"Showing {pair.manuscript} with {pair.model}.", 8000)

    # ----- helpers ----------------------------------------------------------------------------------

    def _start_one(self, path: str, fresh: bool | None = None) -> None:
        """Scan `path`; `fresh` None asks about an unfinished checkpoint, False resumes it, True discards it."""
        row = self.queue_model.row_of(path)
        entry = self.queue_model.entry(row)
        try:
            options = self._scan_options(entry.document, fresh)
            self.controller.start(entry.document, self.picker.current_spec(), self.scan_settings, options)
        except ValueError as exc:
            self.show_error(str(exc))
            return
        if self._scanning_path is not None and self._scanning_path != path:
            self.queue_model.update(self._scanning_path, scanning=False)
        self._scanning_path = path
        self.queue_model.update(path, scanning=True)
        self._scan_started = time.monotonic()
        current = self.current_entry()
        if current is not None and current.path == path:
            self.clear_result()
        self.message_bar.hide()
        self.statusBar().showMessage(f"Scanning {Path(path).name}…")

    def _stop_marking_scan(self) -> None:
        if self._scanning_path is not None:
            self.queue_model.update(self._scanning_path, scanning=False)
            current = self.current_entry()
            if current is not None and current.path == self._scanning_path:
                self._show_entry(current)
        self._scanning_path = None

    def _show_entry(self, entry: QueueEntry | None) -> None:
        if entry is None:
            self.manuscript.show_text("")
            self.setWindowTitle("Verbatim")
            self.clear_result()
            return
        self.setWindowTitle(f"{Path(entry.path).name} — Verbatim")
        if entry.document is not None:
            self.manuscript.setPlaceholderText(PLACEHOLDER)
            self.manuscript.show_text(entry.document.text)
        else:
            self.manuscript.show_text("")
            self.manuscript.setPlaceholderText(
                f"This file cannot be scanned. {entry.error}" if entry.error else "Reading the manuscript…"
            )
        if entry.result is not None:
            self.show_result(entry.result)
        else:
            self.clear_result()

    def _empty_badge(self, entry: QueueEntry | None) -> tuple[str, str]:
        """Title and one sentence for a manuscript without a result, true to what Scan can do now."""
        if entry is None:
            return "No scan yet", "Open a manuscript (Ctrl+O) or drop one on the window."
        if entry.error:
            return "Cannot scan this file", entry.error
        if entry.document is None:
            return "Reading…", "The manuscript is being read; Scan becomes available when it is ready."
        if entry.scanning:
            return "Scanning…", "Results appear here as soon as they are known; Esc stops the scan."
        if self.controller.busy:
            return "Waiting", "Another manuscript is being scanned; press Scan (Ctrl+R) when it has finished."
        return "Not scanned yet", "Press Scan (Ctrl+R) to test this manuscript against the model."

    def _update_actions(self) -> None:
        entry = self.current_entry()
        # No Scan while a scan runs: Ctrl+R would otherwise restart it (or offer to "resume" it).
        self.scan_action.setEnabled(entry is not None and entry.document is not None and not self.controller.busy)
        self.cancel_action.setEnabled(self.controller.busy)
        self.export_action.setEnabled(self._shown_result is not None)
        self.remove_action.setEnabled(entry is not None and not entry.scanning)
        if self._shown_result is None:
            self.badge.clear(*self._empty_badge(entry))

    def _load_scan_settings(self) -> ScanSettings:
        raw = self._settings.value(SETTINGS_KEY, "", type=str)
        if raw:
            try:
                return ScanSettings.from_dict(json.loads(raw))
            except (ValueError, TypeError):
                pass  # settings from an older version: fall back to defaults
        return ScanSettings()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Cancel the scan and wait for every worker before the window goes."""
        self._pending.clear()
        self.controller.shutdown()
        if self.compare_dialog is not None:
            self.compare_dialog.shutdown()
        self.picker.shutdown()
        self._doc_runner.wait_all()
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.sync()
        super().closeEvent(event)
