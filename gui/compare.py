"""Several models: tick models from the picker's list, scan the manuscripts with each, show the matrix.

The work is core.catalogue.run_catalogue in a worker; this module only picks models, relays progress and
shows the rows (manuscripts down, models across) in a Qt table model. Each cell opens that pair's result.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.catalogue import PairResult
from core.scan.progress import CancelToken, ScanProgress
from core.settings import ScanSettings
from gui import style
from gui.models import OBJECT_ROLE, SORT_ROLE, AnyIndex, ModelChoice
from gui.results_view import VERDICT_WORDS
from gui.worker import TaskRunner

Loader = Callable[[str | None, ScanSettings], Any]


def cell_text(row: PairResult) -> str:
    """One matrix cell: verdict, longest run, coverage@1 % ("coverage not measured" after a generate-only scan)."""
    if row.verdict == "error":
        return "could not be read"
    verdict = VERDICT_WORDS.get(row.verdict, row.verdict)
    incomplete = "" if row.json_path else " (incomplete)"
    coverage = "coverage not measured" if row.coverage_1pct is None else f"{row.coverage_1pct:.1%} in-context coverage"
    return f"{verdict}{incomplete}  ·  {row.longest_verbatim_tokens:,} tokens  ·  {coverage}"


class ModelMatrixModel(QAbstractTableModel):
    """Manuscripts down, models across; each cell is a core.catalogue.PairResult."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._works: list[str] = []
        self._models: list[str] = []
        self._cells: dict[tuple[str, str], PairResult] = {}

    def set_rows(self, rows: Sequence[PairResult]) -> None:
        """Replace the matrix with the catalogue's rows."""
        self.beginResetModel()
        self._works = list(dict.fromkeys(r.manuscript for r in rows))
        self._models = list(dict.fromkeys(r.model for r in rows))
        self._cells = {(r.manuscript, r.model): r for r in rows}
        self.endResetModel()

    def pair(self, row: int, column: int) -> PairResult | None:
        """The result of one cell (None where that pair was not scanned)."""
        if 0 <= row < len(self._works) and 0 <= column < len(self._models):
            return self._cells.get((self._works[row], self._models[column]))
        return None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Number of manuscripts (a flat model: children have none)."""
        return 0 if parent.isValid() else len(self._works)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of models."""
        return 0 if parent.isValid() else len(self._models)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Model names across, manuscript names down."""
        names = self._models if orientation == Qt.Orientation.Horizontal else self._works
        if not 0 <= section < len(names):
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return names[section]
        if role == Qt.ItemDataRole.DisplayRole:  # "org/name" -> "name": the full name is in the tooltip
            return names[section].rsplit("/", 1)[-1]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, sort value, object, colour."""
        if not index.isValid():
            return None
        r = self.pair(index.row(), index.column())
        if r is None:
            return "—" if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(r)
        if role == Qt.ItemDataRole.ToolTipRole:
            if r.error:
                return r.error
            coverage = "not measured (generate-only scan)" if r.coverage_1pct is None else f"{r.coverage_1pct:.1%}"
            return (
                f"{r.manuscript} with {r.model}\nLongest verbatim run: {r.longest_verbatim_tokens:,} tokens\n"
                f"Text reproduced: {r.verbatim_token_share:.1%}\nIn-context coverage @ 1 %: {coverage}\n"
                "Double-click to open this result."
            )
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(style.VERDICT_COLOURS.get(r.verdict, style.MUTED))
        if role == SORT_ROLE:
            return r.longest_verbatim_tokens
        if role == OBJECT_ROLE:
            return r
        return None


class ModelChecklist(QDialog):
    """Tick the models to compare, and optionally pick a reference model.

    The list is the picker's (embedded default, recent, discovered, browsed); the reference model is one
    the user declares was not trained on the works.
    """

    def __init__(self, choices: Sequence[ModelChoice], checked: Sequence[str | None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Compare models")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Tick the models to scan the manuscript with. Each is loaded in turn; results already computed "
            "with the same settings are reused."
        )
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        self.list = QListWidget()
        self.list.setAccessibleName("Models to compare")
        for choice in choices:
            item = QListWidgetItem(choice.label())
            item.setData(OBJECT_ROLE, choice)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if choice.spec in checked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        reference_label = QLabel(
            "&Reference model (optional): a model you believe was NOT trained on these works, for example "
            "one released before they were published. Passages it reproduces too are set aside as common "
            "phrases."
        )
        reference_label.setWordWrap(True)
        reference_label.setObjectName("muted")
        self.reference_box = QComboBox()
        self.reference_box.setAccessibleName("Reference model")
        self.reference_box.addItem("None", None)
        for choice in choices:
            self.reference_box.addItem(choice.label(), choice)
        reference_label.setBuddy(self.reference_box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.compare_button = self.buttons.addButton("&Compare", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemChanged.connect(self._on_list_item_changed)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(reference_label)
        layout.addWidget(self.reference_box)
        layout.addWidget(self.buttons)
        self.resize(560, 380)
        self._on_list_item_changed()

    def set_checked(self, specs: Sequence[str | None]) -> None:
        """Tick exactly the models whose spec is in `specs`."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            on = item.data(OBJECT_ROLE).spec in specs
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def chosen(self) -> list[ModelChoice]:
        """The ticked models, in list order."""
        items = (self.list.item(i) for i in range(self.list.count()))
        return [it.data(OBJECT_ROLE) for it in items if it.checkState() == Qt.CheckState.Checked]

    def set_reference(self, spec: str | None) -> None:
        """Pick the reference model whose spec is `spec` (None: the embedded default)."""
        for i in range(1, self.reference_box.count()):
            if self.reference_box.itemData(i).spec == spec:
                self.reference_box.setCurrentIndex(i)
                return

    def reference(self) -> ModelChoice | None:
        """The chosen reference model, or None when there is none."""
        choice = self.reference_box.currentData()
        return choice if isinstance(choice, ModelChoice) else None

    def reference_spec(self) -> str | None:
        """The reference as core.catalogue takes it: None for none, "default" for the embedded model."""
        choice = self.reference()
        return None if choice is None else (choice.spec or "default")

    def _on_list_item_changed(self, item: object = None) -> None:
        self.compare_button.setEnabled(bool(self.chosen()))


def catalogue_job(
    manuscripts: Sequence[str],
    specs: Sequence[str | None],
    loader: Loader,
    settings: ScanSettings,
    out_dir: Path,
    cancel: CancelToken,
    reference: str | None = None,
) -> Generator[ScanProgress | str, None, list[PairResult]]:
    """core.catalogue.run_catalogue, with the window's backend factory as the model loader."""
    from core.catalogue import run_catalogue

    def load(spec: str | None) -> Any:
        # The catalogue names the embedded default "default" as a reference; the factory knows it as None.
        return loader(None if spec == "default" else spec, settings)

    rows: list[PairResult] = yield from run_catalogue(
        [Path(p) for p in manuscripts], list(specs), load, out_dir, settings, cancel, reference=reference
    )
    return rows


class ModelMatrixDialog(QDialog):
    """Runs one catalogue and shows its matrix; closing it cancels the run.

    Signals:
        pairActivated(object): the user opened a cell (a core.catalogue.PairResult).
        catalogueFinished(list): the run ended (completed or cancelled) with these PairResult rows.
    """

    pairActivated = Signal(object)
    catalogueFinished = Signal(list)

    def __init__(self, loader: Loader, out_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Several models")
        self._loader = loader
        self._out_dir = out_dir
        self._runner = TaskRunner(self)
        self._cancel: CancelToken | None = None
        self._pairs = 1
        self._pair = 0
        self._reference: str | None = None
        self.rows: list[PairResult] = []
        """The last finished run's rows (completed or stopped)."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 14, 14, 12)
        layout.setSpacing(8)
        self.status_label = QLabel("")
        self.status_label.setObjectName("muted")
        self.status_label.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.model = ModelMatrixModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Manuscripts by models")
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        legend = QLabel("Each cell: verdict · longest verbatim run · in-context coverage @ 1 %. Double-click a cell to open it.")
        legend.setObjectName("muted")
        self.cancel_button = QPushButton("&Stop")
        self.close_button = QPushButton("Close")
        buttons = QDialogButtonBox()
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(self.status_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(legend)
        layout.addWidget(buttons)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self.table.activated.connect(self._on_table_activated)
        self.resize(820, 360)

    @property
    def busy(self) -> bool:
        """Whether a catalogue is running."""
        return self._runner.is_running()

    def start(
        self, manuscripts: Sequence[str], specs: Sequence[str | None], settings: ScanSettings,
        reference: str | None = None,
    ) -> None:
        """Scan every manuscript with every model (cancelling a run still going).

        `reference`: see core.catalogue.run_catalogue ("default" for the embedded model).
        """
        if self._cancel is not None:
            self._cancel.cancel()
        self._runner.wait_all()
        cancel = self._cancel = CancelToken()
        loader, out_dir = self._loader, self._out_dir
        self._pairs, self._pair = max(1, len(manuscripts) * len(specs)), 0
        self._reference = reference
        self.model.set_rows([])
        self.status_label.setText("Loading the first model…")
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.cancel_button.setEnabled(True)
        self._runner.start(
            lambda: catalogue_job(manuscripts, specs, loader, settings, out_dir, cancel, reference),
            on_yield=self._on_job_yield,
            on_return=self._on_job_returned,
            on_fail=self._on_job_failed,
        )

    def cancel(self) -> None:
        """Stop after the current batch; finished pairs stay in the matrix."""
        if self._cancel is not None:
            self._cancel.cancel()
            self.status_label.setText("Stopping…")

    def shutdown(self) -> None:
        """Cancel and wait for the worker (the main window closes)."""
        if self._cancel is not None:
            self._cancel.cancel()
        self._runner.wait_all()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the dialog stops the run."""
        self.cancel()
        super().closeEvent(event)

    def _on_job_yield(self, item: object) -> None:
        if isinstance(item, str):
            self._pair += 1
            self.status_label.setText(item)
        elif isinstance(item, ScanProgress):
            done = (max(0, self._pair - 1) + item.fraction) / self._pairs
            self.progress_bar.setValue(round(1000 * done))
            if item.stage == "reference":
                self.status_label.setText(item.message)

    def _on_job_returned(self, rows: list[PairResult]) -> None:
        self.rows = list(rows)
        self.model.set_rows(rows)
        self.table.resizeRowsToContents()
        self.progress_bar.hide()
        self.cancel_button.setEnabled(False)
        stopped = self._cancel is not None and self._cancel.cancelled
        text = f"Stopped: {len(rows)} of {self._pairs} pairs done." if stopped else f"{len(rows)} pairs compared."
        if self._reference is not None:
            n = sum(r.set_aside_by_reference for r in rows)
            text += f" The reference model set aside {n} {'passage' if n == 1 else 'passages'} as common phrases."
            c = sum(r.contested_by_reference for r in rows)
            if c:
                text += (f" It also reproduced {c} long {'passage' if c == 1 else 'passages'}, which puts its "
                         "declaration in doubt (contested).")
        self.status_label.setText(text)
        self.catalogueFinished.emit(rows)

    def _on_job_failed(self, message: str) -> None:
        self.progress_bar.hide()
        self.cancel_button.setEnabled(False)
        self.status_label.setText(message)

    def _on_table_activated(self, index: QModelIndex) -> None:
        pair = self.model.pair(index.row(), index.column())
        if pair is not None and pair.json_path:
            self.pairActivated.emit(pair)
