"""Several models on the queued manuscripts: the matrix dialog's owner, and its results for the PDF.

`Comparisons` makes the ModelMatrixDialog on first use, starts a several-model run in it, and opens a
cell's result when the user activates it (reported as `resultOpened`, for the window to show). Its
rows are also where the PDF export finds other models' results for the same manuscript.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from core.catalogue import PairResult
from core.results import ScanResult
from core.settings import ScanSettings
from gui.compare import ModelMatrixDialog
from gui.controller import BackendFactory
from gui.export import comparisons_for
from gui.worker import describe_error


class Comparisons(QObject):
    """The several-model runs of one window.

    Signals:
        resultOpened(object, str): a cell's ScanResult was read, and a status line naming the pair.
        errorOccurred(str): a cell's result could not be read; one sentence.
    """

    resultOpened = Signal(object, str)
    errorOccurred = Signal(str)

    def __init__(self, backend_factory: BackendFactory | None, folder: Path, parent: QWidget) -> None:
        super().__init__(parent)
        self._backend_factory = backend_factory
        self._folder = folder
        self._parent = parent
        self.dialog: ModelMatrixDialog | None = None
        """The matrix dialog, once a run was started."""

    def start(
        self, paths: Sequence[str], specs: list[str | None], settings: ScanSettings, reference: str | None
    ) -> None:
        """Scan `paths` with each model in `specs` (and put their passages to `reference`); show the matrix."""
        if self.dialog is None:
            from gui.controller import default_backend_factory

            loader = self._backend_factory or default_backend_factory
            self.dialog = ModelMatrixDialog(loader, self._folder, self._parent)
            self.dialog.pairActivated.connect(self._on_dialog_pair_activated)
        self.dialog.start(list(paths), specs, settings, reference)
        self.dialog.show()
        self.dialog.raise_()

    def results_for(self, result: ScanResult) -> list[ScanResult]:
        """Results of the last run for the same manuscript as `result`."""
        return comparisons_for(self.dialog.rows if self.dialog is not None else [], result)

    def shutdown(self) -> None:
        """Stop a running comparison and wait for it (the window is closing)."""
        if self.dialog is not None:
            self.dialog.shutdown()

    def _on_dialog_pair_activated(self, pair: PairResult) -> None:
        from core.report.jsonio import ResultFormatError, read_json

        try:
            result = read_json(pair.json_path)
        except (OSError, ResultFormatError) as exc:
            self.errorOccurred.emit(f"Could not open that result: {describe_error(exc)}")
            return
        self.resultOpened.emit(result, f"Showing {pair.manuscript} with {pair.model}.")
