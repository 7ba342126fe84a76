"""The main window: wiring between the queue, the model picker, the scan controller and the results.

The window holds no scan logic and draws little itself: documents load and scans run through workers
(TaskRunner, ScanController); the order of work is a ScanQueue; the left side is a QueuePane, the right
a ResultsPane, the status bar's progress a ScanStatus. Slots move finished data between them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from core.ingest import Document, Location
from core.results import ScanResult
from gui.assets import AssetError
from gui.compare import ModelChecklist, ModelMatrixDialog
from gui.comparisons import Comparisons
from gui.controller import BackendFactory, ScanController, ScanFunction, ScanOptions
from gui.documents import locations_for
from gui.export import export_path, save_result
from gui.intake import Intake
from gui.match_dialog import MatchDialog
from gui.model_picker import Discover, ModelPicker
from gui.models import QueueEntry, QueueModel
from gui.queue_pane import QueuePane
from gui.results_pane import ResultsPane, empty_badge
from gui.resume import Ask, default_data_dir, message_box_ask, reopen_offer, resume_question
from gui.scan_queue import ScanQueue
from gui.scan_runner import ScanRunner
from gui.settings_dialog import SettingsDialog, load_scan_settings, save_scan_settings
from gui.status import LoadingDetail, ScanStatus, announce
from gui.welcome import Welcome, is_first_start, sample_path
from gui.window_actions import build_actions, build_toolbar

CONTROLS_PENDING = (
    "Provisional: the control texts are still being scanned. The verdict rests on how often this model "
    "reproduces never-published text by chance, so it can change when they finish."
)
CONFIRM_CANCEL_AFTER_S = 5.0
"""A cancel (Esc, Scan ▸ Cancel) of a scan running longer than this asks first."""


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
        self._resume_on_load: set[str] = set()
        self.comparisons = Comparisons(backend_factory, self.data_dir / "comparisons", self)
        self.match_dialog: MatchDialog | None = None
        self.setAcceptDrops(False)
        self._settings = settings
        self.scan_settings = load_scan_settings(settings)
        self.controller = ScanController(backend_factory, scan_function, self)
        self.scan_status = ScanStatus(lambda: self.controller.state, self)
        self.tab_chain: list[QWidget] = []
        """The widgets in keyboard (Tab) order."""
        self.last_announcement = ""
        """The last message announced to assistive technology (announce)."""
        self.confirm_cancel_after_s = CONFIRM_CANCEL_AFTER_S
        """Cancelling a scan that has run longer than this asks first (tests change it)."""

        self._build_ui(discover)
        self.runner = ScanRunner(
            self.controller, self.queue_model, options=self._scan_options, spec=self.picker.current_spec,
            settings=lambda: self.scan_settings, ask=lambda title, question: self.ask(title, question),
            checkpoint_dir=self.checkpoint_dir, parent=self,
        )
        self._connect()
        self.welcome = self._install_welcome()  # first start: the welcome page is in front
        self._set_tab_order()
        self._update_actions()
        self.statusBar().showMessage("Ready. Drop a manuscript or press Ctrl+O.")
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)

    # ----- construction -------------------------------------------------------------------------

    def _build_ui(self, discover: Discover | None) -> None:
        actions = build_actions(self)
        self.open_action, self.open_folder_action, self.scan_action = actions.open, actions.open_folder, actions.scan
        self.cancel_action, self.export_action, self.settings_action = actions.cancel, actions.export, actions.settings
        self.compare_action, self.match_action, self.quit_action = actions.compare, actions.match, actions.quit
        self.queue_action, self.remove_action, self.help_actions = actions.queue, actions.remove, actions.help
        self.picker = ModelPicker(self._settings, discover)
        build_toolbar(self, actions, self.picker)

        self.queue_model = QueueModel(self)
        self.intake = Intake(self.queue_model, self)
        self.queue_pane = left = QueuePane(self.queue_model, self.remove_action, self._settings, self.picker.model)
        self.results = right = ResultsPane()
        # The panes' parts by name, as tests, scripts and the tab order reach them.
        self.drop_zone, self.queue_view, self.remove_button = left.drop_zone, left.queue_view, left.remove_button
        self.controls_options, self.reference_picker = left.controls_options, left.reference_picker
        self.message_bar, self.badge, self.heatmap, self.manuscript = (
            right.message_bar, right.badge, right.heatmap, right.manuscript
        )
        self.passage_model, self.passage_proxy, self.table = right.passage_model, right.passage_proxy, right.table
        self.hide_common, self.detail, self.controls_panel = right.hide_common, right.detail, right.controls_panel
        self.result_tabs, self.results_splitter = right.result_tabs, right.splitter

        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(left)
        main.addWidget(right)
        main.setStretchFactor(0, 0)
        main.setStretchFactor(1, 1)
        main.setSizes([210, 1070])
        main.setChildrenCollapsible(False)
        self.main_splitter = main
        self.setCentralWidget(main)

        self.progress_label, self.progress_bar = self.scan_status.label, self.scan_status.bar
        self.statusBar().addPermanentWidget(self.progress_label)
        self.statusBar().addPermanentWidget(self.progress_bar)

    def _install_welcome(self) -> Welcome | None:
        """On a first start (nothing queued, no manuscript ever opened) put the welcome page in front."""
        if not is_first_start(self._settings) or self.queue_model.rowCount() > 0:
            return None
        self.takeCentralWidget()  # the welcome's stack holds it now
        welcome = Welcome(self.main_splitter, self._settings, self)
        self.setCentralWidget(welcome.stack)
        welcome.sampleRequested.connect(self.open_sample)
        welcome.openRequested.connect(self.open_action.trigger)
        self.queue_model.rowsInserted.connect(welcome.dismiss)
        return welcome

    def _set_tab_order(self) -> None:
        """Tab follows the reading order: toolbar, queue and its options, text, heatmap, table, detail.

        Set after the welcome page took the main view into its stack: reparenting resets the chain.
        """
        self.tab_chain = [
            self.picker.combo, self.picker.browse_button, *self.queue_pane.tab_chain(), *self.results.tab_chain()
        ]
        for a, b in zip(self.tab_chain, self.tab_chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    def _connect(self) -> None:
        self.open_action.triggered.connect(self._on_open_action_triggered)
        self.open_folder_action.triggered.connect(lambda: self.intake.ask_folder(self))
        self.scan_action.triggered.connect(self.start_scan)
        self.cancel_action.triggered.connect(self._on_cancel_action_triggered)
        self.export_action.triggered.connect(self._on_export_action_triggered)
        self.settings_action.triggered.connect(self._on_settings_action_triggered)
        self.compare_action.triggered.connect(self._on_compare_action_triggered)
        self.match_action.triggered.connect(self._on_match_action_triggered)
        self.quit_action.triggered.connect(self.close)
        self.remove_action.triggered.connect(self.remove_current)
        self.queue_action.toggled.connect(self.queue_pane.setVisible)
        self.queue_model.rowsInserted.connect(self._on_queue_rows_changed)
        self.queue_model.rowsRemoved.connect(self._on_queue_rows_changed)
        self.queue_model.modelReset.connect(self._on_queue_rows_changed)
        self.queue_model.dataChanged.connect(self._on_queue_data_changed)
        self.intake.added.connect(lambda row: self.queue_view.setCurrentIndex(self.queue_model.index(row, 0)))
        self.intake.errorOccurred.connect(self.show_error)
        self.intake.statusMessage.connect(self.statusBar().showMessage)
        self.intake.ready.connect(lambda paths: self.runner.offer_resume(paths, self._resume_on_load))
        self.queue_view.selectionModel().currentChanged.connect(self._on_queue_current_changed)
        self.drop_zone.pathsDropped.connect(self.open_paths)
        self.drop_zone.openRequested.connect(self._on_open_action_triggered)
        self.manuscript.pathsDropped.connect(self.open_paths)
        self.picker.errorOccurred.connect(self.show_error)
        self.picker.modelChanged.connect(self._on_picker_model_changed)
        c = self.controller
        c.stateChanged.connect(self._on_controller_state_changed)
        c.loadingDetail.connect(self._on_controller_loading_detail)
        c.plan.connect(self.scan_status.set_plan)
        c.progress.connect(self.scan_status.show_scan)
        c.controlsProgress.connect(self.scan_status.show_controls)
        self.runner.started.connect(self._on_runner_started)
        self.runner.resultArrived.connect(self._on_runner_result_arrived)
        self.runner.stopped.connect(self._on_runner_stopped)
        self.runner.resuming.connect(self._select)
        self.runner.errorOccurred.connect(self.show_error)
        self.comparisons.resultOpened.connect(self._on_comparisons_result_opened)
        self.comparisons.errorOccurred.connect(self.show_error)
        self.runner.announced.connect(self.announce)

    # ----- public API (menus, drops, tests, scripts) ----------------------------------------------

    def open_paths(self, paths: Iterable[str]) -> None:
        """Queue manuscripts (files, or folders of them) and load their text in the background."""
        self.intake.open(paths)

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
        refusal = ScanQueue.refusal(current, self.queue_model.entries())
        if current is None or refusal:
            self.show_error(refusal)
            return
        self.runner.start_queue(current)

    def remove_current(self) -> bool:
        """Take the selected manuscript out of the queue (not while it is being scanned); True if removed."""
        entry = self.current_entry()
        if entry is None or entry.scanning:
            return False
        row = self.queue_model.row_of(entry.path)
        self.runner.discard(entry.path)
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
        if self.runner.cancel():
            self.statusBar().showMessage("Cancelling…")

    def current_entry(self) -> QueueEntry | None:
        """The queue entry selected in the list."""
        index = self.queue_view.currentIndex()
        return self.queue_model.entry(index.row()) if index.isValid() else None

    def show_error(self, message: str) -> None:
        """Show one sentence in the message bar; the window stays usable."""
        self.message_bar.show_message(message)
        self.statusBar().showMessage(message, 8000)

    def show_result(self, result: ScanResult) -> None:
        """Fill the verdict, heatmap, table, highlights and detail from a ScanResult."""
        self.results.show_result(result, self.locations_for(result))
        self._update_actions()

    def locations_for(self, result: ScanResult) -> tuple[Location, ...]:
        """Where each stretch of the result's text came from (pages, chapters), if its document is queued."""
        return locations_for(self.queue_model.entries(), result)

    def clear_result(self) -> None:
        """Back to "no result" for the shown manuscript; the badge says what can be done next."""
        self.results.clear(*empty_badge(self.current_entry(), self.controller.busy))
        self._update_actions()

    @property
    def result(self) -> ScanResult | None:
        """The ScanResult shown, if any."""
        return self.results.result

    def export_to(self, path: str) -> bool:
        """Export the shown result to `path` (format by suffix); False with a message on failure."""
        result = self.results.result
        if result is None:
            self.show_error("There is no result to export yet; run a scan first.")
            return False
        comparisons, locations = self.comparisons_for(result), self.locations_for(result)
        # While the controls run the verdict is provisional, and the PDF says so (issue 19).
        error = save_result(result, path, comparisons=comparisons, locations=locations,
                            provisional=bool(self.badge.pending()))
        if error:
            self.show_error(error)
            return False
        self.statusBar().showMessage(f"Saved {path}", 8000)
        return True

    def announce(self, text: str) -> None:
        """Tell the user something happened without moving focus: status bar, screen reader, taskbar."""
        self.last_announcement = text
        announce(self, text)

    # ----- resume and several models ----------------------------------------------------------------

    @property
    def checkpoint_dir(self) -> Path:
        """Where unfinished scans keep their checkpoints."""
        return self.data_dir / "checkpoints"

    def offer_unfinished(self) -> bool:
        """At start: offer to reopen the manuscript of an unfinished scan and resume it; True if accepted."""
        offer = reopen_offer(self.checkpoint_dir)
        if offer is None or not self.ask("Unfinished scan", offer[1]):
            return False
        self._resume_on_load.add(offer[0])
        self.open_paths([offer[0]])
        return True

    def comparisons_for(self, result: ScanResult) -> list[ScanResult]:
        """Results of the last several-model run for the same manuscript (for the PDF's section)."""
        return self.comparisons.results_for(result)

    @property
    def compare_dialog(self) -> ModelMatrixDialog | None:
        """The several-models matrix, once a comparison was started."""
        return self.comparisons.dialog

    def compare_models(self, specs: list[str | None], reference: str | None = None) -> None:
        """Scan the queued manuscripts with each model in `specs` and show the matrix.

        With a `reference` model ("default" for the embedded one), each other model's passages are put to it.
        """
        paths = [e.path for e in self.queue_model.entries() if e.document is not None]
        if not paths:
            self.show_error("Open a manuscript first (Ctrl+O or drop a file on the window).")
            return
        self.comparisons.start(paths, specs, self.scan_settings, reference)

    def _scan_options(self, document: Document, fresh: bool | None) -> ScanOptions:
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
            chat=self.queue_pane.chat_options.request(),
            reconstruct=self.queue_pane.reconstruct_choice.request(self.scan_settings.near_verbatim_tolerance),
        )

    # ----- slots ------------------------------------------------------------------------------------

    def _on_open_action_triggered(self) -> None:
        self.intake.ask_files(self)

    def _on_cancel_action_triggered(self) -> None:
        if not self.controller.busy or self.controller.state == "cancelling":
            return
        question = self.runner.cancel_question(self.confirm_cancel_after_s)
        if not question or self.ask("Stop the scan?", question):
            self.cancel_scan()

    def _on_export_action_triggered(self) -> None:
        result = self.results.result
        if result is None:
            self.show_error("There is no result to export yet; run a scan first.")
            return
        path = export_path(self, result)
        if path:
            self.export_to(path)

    def _on_settings_action_triggered(self) -> None:
        dialog = SettingsDialog(self.scan_settings, self)
        if dialog.exec():
            self.scan_settings = dialog.settings()
            save_scan_settings(self._settings, self.scan_settings)
            self.statusBar().showMessage("Scan settings saved; they apply to the next scan.", 6000)

    def _on_compare_action_triggered(self) -> None:
        dialog = ModelChecklist(self.picker.model.choices(), [self.picker.current_spec()], self)
        if dialog.exec():
            self.compare_models([c.spec for c in dialog.chosen()], dialog.reference_spec())

    def _on_match_action_triggered(self) -> None:
        # Non-modal, and searching the manuscripts in the queue unless the user changes them.
        self.match_dialog = MatchDialog([e.path for e in self.queue_model.entries()], parent=self)
        self.match_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.match_dialog.show()

    def _on_comparisons_result_opened(self, result: ScanResult, message: str) -> None:
        for row, entry in enumerate(self.queue_model.entries()):
            if entry.document is not None and entry.document.sha256 == result.manuscript.sha256:
                self.queue_view.setCurrentIndex(self.queue_model.index(row, 0))
                result = dataclasses.replace(result, text=entry.document.text)
                break
        self.show_result(result)
        self.statusBar().showMessage(message, 8000)

    def _on_queue_rows_changed(self, *args: object) -> None:
        self.drop_zone.set_compact(self.queue_model.rowCount() > 0)

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

    def _on_picker_model_changed(self, spec: object) -> None:
        self.statusBar().showMessage(f"Model: {self.picker.current_choice().name}", 4000)

    def _on_controller_state_changed(self, state: str) -> None:
        self.scan_status.set_state(state)
        self._update_actions()

    def _on_controller_loading_detail(self, item: LoadingDetail) -> None:
        self.scan_status.show_loading(item, self.picker.current_choice().name)

    def _on_runner_started(self, path: str) -> None:
        current = self.current_entry()
        if current is not None and current.path == path:
            self.clear_result()
        self.message_bar.hide()
        self.statusBar().showMessage(f"Scanning {Path(path).name}…")

    def _on_runner_result_arrived(self, path: str, result: ScanResult, final: bool) -> None:
        current = self.current_entry()
        if current is None or current.path != path:
            return
        if final:  # keeps the reader's place when only the controls' figures changed
            self.results.update_result(result, self.locations_for(result))
            self._update_actions()
        else:  # the passages are known; the verdict is provisional until the controls end
            self.show_result(result)
            self.badge.set_pending(CONTROLS_PENDING)

    def _on_runner_stopped(self, path: str) -> None:
        current = self.current_entry()
        if current is not None and current.path == path:
            self._show_entry(current)

    # ----- helpers ---------------------------------------------------------------------------------

    def _select(self, path: str) -> None:
        self.queue_view.setCurrentIndex(self.queue_model.index(self.queue_model.row_of(path), 0))

    def _show_entry(self, entry: QueueEntry | None) -> None:
        self.setWindowTitle(f"{Path(entry.path).name} — Verbatim" if entry is not None else "Verbatim")
        self.results.show_entry(entry, self.controller.busy, self.locations_for(entry.result) if entry and entry.result else ())
        self._update_actions()

    def _update_actions(self) -> None:
        entry = self.current_entry()
        # No Scan while a scan runs: Ctrl+R would otherwise restart it (or offer to "resume" it).
        self.scan_action.setEnabled(entry is not None and entry.document is not None and not self.controller.busy)
        self.cancel_action.setEnabled(self.controller.busy)
        self.export_action.setEnabled(self.results.result is not None)
        self.remove_action.setEnabled(entry is not None and not entry.scanning)
        if self.results.result is None:
            self.badge.clear(*empty_badge(entry, self.controller.busy))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Cancel the scan and wait for every worker before the window goes."""
        self.runner.shutdown()
        self.comparisons.shutdown()
        self.picker.shutdown()
        self.intake.wait()
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.sync()
        super().closeEvent(event)
