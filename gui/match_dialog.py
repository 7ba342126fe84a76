"""Check a model's output: paste or load what a chatbot wrote, pick manuscripts, see what it replicates.

The matching runs in a worker thread (core.match reads, indexes and aligns); the dialog shows the spans
in a table and the chosen span in three columns: the output | the manuscript | similarity and words,
the differing words marked on both sides. The result exports as a PDF with the match JSON inside.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.match import MatchResult, MatchSettings, MatchSpan, OutputRecord, difference_ranges
from core.paths import MANUSCRIPT_SUFFIXES
from core.report.match_content import DIFF_BG, headline, where
from gui.text_pane import TextPane
from gui.worker import TaskRunner, describe_error

MANUSCRIPT_FILTER = "Manuscripts (" + " ".join(f"*{s}" for s in MANUSCRIPT_SUFFIXES) + ")"
COLUMNS = ("Manuscript", "Where", "Words", "Verbatim", "Similarity")


class MatchDialog(QDialog):
    """Find where a model's output replicates the user's manuscripts.

    Signals:
        matched(object): a MatchResult, once a match finished.
        failed(str): a match could not run; the reason in one sentence.
    """

    matched = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        manuscripts: Iterable[str] = (),
        settings: MatchSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check a model's output")
        self.settings = settings or MatchSettings()
        self.match_result: MatchResult | None = None
        """The last match, once one finished."""
        self._loaded: OutputRecord | None = None
        self._runner = TaskRunner(self)
        self._job: int | None = None
        self._build()
        if parent is not None:  # the window closing ends a running match first (no thread left behind)
            parent.installEventFilter(self)
        self.add_manuscripts(manuscripts)
        self._update()
        self.resize(1180, 820)

    # ----- construction -----------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        left = QVBoxLayout()
        out_label = QLabel("&What the model wrote")
        out_label.setObjectName("paneTitle")
        self.output_edit = QPlainTextEdit()
        self.output_edit.setPlaceholderText("Paste the model's answer here, or load it from a file.")
        self.output_edit.setAccessibleName("Model's output")
        self.output_edit.setTabChangesFocus(True)
        out_label.setBuddy(self.output_edit)
        self.load_button = QPushButton("&Load file…")
        left.addWidget(out_label)
        left.addWidget(self.output_edit, 1)
        left.addWidget(self.load_button, 0, Qt.AlignmentFlag.AlignLeft)
        right = QVBoxLayout()
        ms_label = QLabel("Your &manuscripts (files or folders)")
        ms_label.setObjectName("paneTitle")
        self.manuscript_list = QListWidget()
        self.manuscript_list.setAccessibleName("Manuscripts to search")
        self.manuscript_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        ms_label.setBuddy(self.manuscript_list)
        buttons = QHBoxLayout()
        self.add_files_button = QPushButton("Add &files…")
        self.add_folder_button = QPushButton("Add f&older…")
        self.remove_button = QPushButton("&Remove")
        for b in (self.add_files_button, self.add_folder_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        right.addWidget(ms_label)
        right.addWidget(self.manuscript_list, 1)
        right.addLayout(buttons)
        top.addLayout(left, 3)
        top.addLayout(right, 2)
        run_row = QHBoxLayout()
        self.run_button = QPushButton("Find &matches")
        self.run_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.run_button.setDefault(True)
        self.status_label = QLabel(
            f"Spans of at least {self.settings.min_words} words with a similarity of at least "
            f"{self.settings.min_similarity:g} are reported."
        )
        self.status_label.setObjectName("muted")
        self.status_label.setWordWrap(True)
        self.export_button = QPushButton("&Export PDF…")
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.status_label, 1)
        run_row.addWidget(self.export_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Spans found")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.output_pane = TextPane("The model's output", mark=QColor(DIFF_BG))
        self.manuscript_pane = TextPane("The manuscript", mark=QColor(DIFF_BG))
        self.figures = QLabel("Select a span to compare it with the manuscript.")
        self.figures.setObjectName("muted")
        self.figures.setWordWrap(True)
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.figures.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.figures.setAccessibleName("Similarity and words")
        detail = QWidget()
        row = QHBoxLayout(detail)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.output_pane, 2)
        row.addWidget(self.manuscript_pane, 2)
        fig_box = QVBoxLayout()
        fig_title = QLabel("Similarity, words")
        fig_title.setObjectName("paneTitle")
        fig_box.addWidget(fig_title)
        fig_box.addWidget(self.figures, 1)
        row.addLayout(fig_box, 1)
        inputs = QWidget()
        in_box = QVBoxLayout(inputs)
        in_box.setContentsMargins(0, 0, 0, 0)
        in_box.addLayout(top, 1)
        in_box.addLayout(run_row)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        for part in (inputs, self.table, detail):
            splitter.addWidget(part)
        splitter.setSizes([320, 150, 350])
        outer.addWidget(splitter, 1)

        self.load_button.clicked.connect(self._on_load_button_clicked)
        self.add_files_button.clicked.connect(self._on_add_files_button_clicked)
        self.add_folder_button.clicked.connect(self._on_add_folder_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.run_button.clicked.connect(self.run)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.output_edit.textChanged.connect(self._update)
        self.table.itemSelectionChanged.connect(self._on_table_item_selection_changed)

    # ----- public API (tests, the main window) ------------------------------------------------------

    def set_output_text(self, text: str) -> None:
        """Put `text` in the output box, as if pasted."""
        self.output_edit.setPlainText(text)

    def load_output(self, path: str | Path) -> bool:
        """Read the output from a file (any format Verbatim reads); False and a message when it cannot."""
        from core.ingest import IngestError
        from core.ingest.isolated import load_document_isolated
        from core.match import output_from_document

        try:
            # A worker process with time and memory limits, as for manuscripts: a hostile file cannot hang the app.
            record = output_from_document(load_document_isolated(path), str(path))
        except (IngestError, OSError) as exc:
            self._say(describe_error(exc), error=True)
            return False
        self.output_edit.setPlainText(record.text)
        self._loaded = record
        self._say(f"Loaded {Path(path).name} ({record.words:,} words).")
        return True

    def add_manuscripts(self, paths: Iterable[str | Path]) -> None:
        """Add manuscript files or folders to search (each once)."""
        have = set(self.manuscripts())
        for p in paths:
            if str(p) not in have:
                self.manuscript_list.addItem(str(p))
                have.add(str(p))
        self._update()

    def manuscripts(self) -> list[str]:
        """The files and folders to search."""
        return [self.manuscript_list.item(i).text() for i in range(self.manuscript_list.count())]

    def is_running(self) -> bool:
        """Whether a match is in progress."""
        return self._job is not None

    def run(self) -> None:
        """Match the output against the manuscripts in a worker thread."""
        if self.is_running():
            return
        from core.match import output_record, run_match

        text = self.output_edit.toPlainText()
        try:
            record = self._loaded if self._loaded is not None and self._loaded.text == text else output_record(text)
        except ValueError as exc:
            self._fail(describe_error(exc))
            return
        against = self.manuscripts()
        if not against:
            self._fail("Add at least one manuscript or folder to search.")
            return
        settings = self.settings
        self._say("Reading the manuscripts…")
        self._job = self._runner.start(
            lambda: run_match(record, against, settings),
            on_yield=self._on_job_yield,
            on_return=self._on_job_return,
            on_fail=self._fail,
        )
        self._update()

    def show_result(self, result: MatchResult) -> None:
        """Fill the table with `result`'s spans and show the first."""
        self.match_result = result
        self.table.setRowCount(len(result.spans))
        for row, sp in enumerate(result.spans):
            values = (Path(sp.manuscript).name, where(sp), f"{sp.words:,}", f"{sp.verbatim_words:,}",
                      f"{sp.similarity:.1f}")
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == 0:
                    item.setToolTip(sp.manuscript)
                self.table.setItem(row, col, item)
        skipped = f" {len(result.skipped)} files could not be read and were skipped." if result.skipped else ""
        self._say(headline(result) + skipped)
        if result.spans:
            self.table.selectRow(0)
        else:
            self.show_span(None)
        self._update()

    def show_span(self, span: MatchSpan | None) -> None:
        """Show `span` in the three columns, or clear them."""
        if span is None:
            self.output_pane.set_content("")
            self.manuscript_pane.set_content("")
            self.figures.setText("No span to show.")
            return
        out_diff, ms_diff = difference_ranges(span)
        self.output_pane.set_content(span.output_text, out_diff)
        self.manuscript_pane.set_content(span.manuscript_text, ms_diff)
        self.figures.setText(
            f'<span style="font-size:18pt; font-weight:bold">{span.similarity:.1f}</span><br/>'
            "similarity (0–100)<br/><br/>"
            f"<b>{span.words:,}</b> words of the output<br/>"
            f"<b>{span.manuscript_words:,}</b> words of the manuscript<br/>"
            f"<b>{span.verbatim_words:,}</b> words in a row exactly<br/>"
            f"<b>{len(span.edits):,}</b> differences, "
            f'<span style="background-color:{DIFF_BG}">marked</span><br/><br/>'
            f"{html.escape(Path(span.manuscript).name)}<br/>{html.escape(where(span))}<br/>"
            f"output characters {span.output_start:,}–{span.output_end:,}"
        )

    def export_pdf(self, path: str | Path) -> bool:
        """Write the result's PDF report (with the JSON inside); False and a message on failure."""
        if self.match_result is None:
            return False
        from gui.report_pdf import export_match_report

        try:
            export_match_report(self.match_result, path)
        except (OSError, ValueError) as exc:
            self._say(f"Could not write the PDF: {describe_error(exc)}", error=True)
            return False
        self._say(f"PDF report written to {path}.")
        return True

    def status(self) -> str:
        """The status line's text."""
        return self.status_label.text()

    # ----- slots ------------------------------------------------------------------------------------

    def _on_load_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load the model's output", "", MANUSCRIPT_FILTER + ";;All files (*)")
        if path:
            self.load_output(path)

    def _on_add_files_button_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add manuscripts", "", MANUSCRIPT_FILTER)
        self.add_manuscripts(paths)

    def _on_add_folder_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of manuscripts")
        if folder:
            self.add_manuscripts([folder])

    def _on_remove_button_clicked(self) -> None:
        for item in self.manuscript_list.selectedItems():
            self.manuscript_list.takeItem(self.manuscript_list.row(item))
        self._update()

    def _on_export_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the match report", "match-report.pdf",
                                              "PDF report (*.pdf)")
        if path:
            self.export_pdf(path if path.lower().endswith(".pdf") else path + ".pdf")

    def _on_table_item_selection_changed(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if self.match_result is not None and rows:
            self.show_span(self.match_result.spans[min(rows)])

    def _on_job_yield(self, item: Any) -> None:
        self._say(f"{item}…" if str(item).startswith(("Indexing", "Matching")) else f"Reading {item}…")

    def _on_job_return(self, result: MatchResult) -> None:
        self._job = None
        self.show_result(result)
        self.matched.emit(result)

    def _fail(self, message: str) -> None:
        self._job = None
        self._say(message, error=True)
        self._update()
        self.failed.emit(message)

    def _say(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #a4262c;" if error else "")

    def _update(self) -> None:
        running = self.is_running()
        ready = bool(self.output_edit.toPlainText().strip()) and self.manuscript_list.count() > 0
        self.run_button.setEnabled(ready and not running)
        self.export_button.setEnabled(self.match_result is not None and not running)
        for w in (self.add_files_button, self.add_folder_button, self.remove_button, self.load_button):
            w.setEnabled(not running)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.parent() and event.type() == QEvent.Type.Close:
            self._runner.wait_all()
            self._job = None
        return False

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._runner.wait_all()  # a match takes seconds: let it end rather than leave a thread behind
        self._job = None
        super().closeEvent(event)

    def done(self, code: int) -> None:
        self._runner.wait_all()
        self._job = None
        super().done(code)
