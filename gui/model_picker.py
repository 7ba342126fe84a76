"""The model picker: embedded default, recent and discovered models, Browse…, servers, and drops.

Discovery walks model caches on disk, so it runs in a worker; the list fills in when it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui.manuscript import local_paths
from gui.models import OBJECT_ROLE, ModelChoice, ModelListModel
from gui.worker import TaskRunner

RECENT_KEY = "models/recent"
SELECTED_KEY = "models/selected"
MAX_RECENT = 8
MODEL_SUFFIXES = (".gguf", ".safetensors")
SERVER_EXAMPLE = "http://127.0.0.1:8080"

Discover = Callable[[], Sequence[Any]]


def default_discover() -> list[Any]:
    """core.model.discovery.discover_models, or nothing while that module is not installed."""
    try:
        from core.model.discovery import discover_models
    except ImportError:
        return []
    return list(discover_models())


def choice_for_path(path: str) -> ModelChoice:
    """A picker entry for a file or folder the user chose (details come when it loads)."""
    p = Path(path)
    fmt = p.suffix.lstrip(".").lower() if p.is_file() else "folder"
    size = p.stat().st_size if p.is_file() else None
    return ModelChoice(spec=str(p), name=p.name or str(p), format=fmt, size_bytes=size, source="chosen")


def is_server_spec(spec: str) -> bool:
    """Whether `spec` names an inference server (an http or https address) rather than a file."""
    return spec.lower().startswith(("http://", "https://"))


def server_problem(address: str) -> str:
    """Why `address` cannot be a server address, in one sentence; "" when it can."""
    if not address:
        return f"Type the server's address, for example {SERVER_EXAMPLE}."
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        return f"{address} has no valid port: write it as a number, for example {SERVER_EXAMPLE}."
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return (
            f"{address} is not a server address: it must start with http:// or https:// and name a host "
            f"(for example {SERVER_EXAMPLE})."
        )
    return ""


def choice_for_server(url: str) -> ModelChoice:
    """A picker entry for an OpenAI-compatible inference server (its model is named when it loads)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]  # never show credentials written into the address
    return ModelChoice(spec=url, name=f"Server {host}", format="server", source="server")


def choice_for_spec(spec: str) -> ModelChoice | None:
    """The picker entry for a remembered spec: a server, an existing file or folder, or None if gone."""
    if is_server_spec(spec):
        return choice_for_server(spec)
    return choice_for_path(spec) if Path(spec).exists() else None


def _discover_job(discover: Discover) -> Generator[None, None, list[ModelChoice]]:
    entries = discover()
    return [ModelChoice.from_entry(e) for e in entries]
    yield  # pragma: no cover - makes this a generator for the worker


class ModelPicker(QWidget):
    """Combo box of models plus Browse… (files, folders, servers); remembers recent choices in QSettings.

    Signals:
        modelChanged(object): the chosen spec (str path, name or server URL; None for the embedded default).
        discoveryFinished(int): discovery returned this many models.
        errorOccurred(str): a dropped or browsed path, or a typed server address, cannot be a model;
            one sentence.
    """

    modelChanged = Signal(object)
    discoveryFinished = Signal(int)
    errorOccurred = Signal(str)

    def __init__(
        self, settings: QSettings, discover: Discover | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._discover = discover or default_discover
        self._discovered: list[ModelChoice] = []
        self._runner = TaskRunner(self)
        self.setAcceptDrops(True)

        self.model = ModelListModel(self)
        self.combo = QComboBox()
        self.combo.setModel(self.model)
        self.combo.setAccessibleName("Model")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(28)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.combo.setToolTip("The model to test. Drop a .gguf file or a safetensors folder here to add one.")
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.setToolTip(
            "Choose a model file (.gguf, .safetensors), a model folder, or an inference server"
        )
        menu = QMenu(self.browse_button)
        menu.addAction("Model &file…", self._on_browse_file)
        menu.addAction("Model f&older…", self._on_browse_folder)
        menu.addSeparator()
        self.server_action = menu.addAction("Connect to a &server…", self._on_browse_server)
        self.server_action.setToolTip(
            "An OpenAI-compatible inference server: vLLM, llama-cpp-python's server, Ollama, llama-server"
        )
        self.browse_button.setMenu(menu)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.browse_button)

        self._rebuild()
        self._select(self._selected() or None)
        self.combo.currentIndexChanged.connect(self._on_combo_index_changed)

    def start_discovery(self) -> None:
        """Look for installed models in the background."""
        discover = self._discover
        self._runner.start(
            lambda: _discover_job(discover),
            on_return=self._on_discovery_returned,
            on_fail=lambda msg: self.discoveryFinished.emit(0),
        )

    def is_discovering(self) -> bool:
        """Whether discovery is still running."""
        return self._runner.is_running()

    def shutdown(self) -> None:
        """Wait for discovery (used when the window closes)."""
        self._runner.wait_all()

    def current_spec(self) -> str | None:
        """The chosen model: a path, name or server URL, or None for the embedded default."""
        choice = self.combo.currentData(OBJECT_ROLE)
        return choice.spec if isinstance(choice, ModelChoice) else None

    def current_choice(self) -> ModelChoice:
        """The chosen picker entry."""
        choice = self.combo.currentData(OBJECT_ROLE)
        return choice if isinstance(choice, ModelChoice) else self.model.choices()[0]

    def recent(self) -> list[str]:
        """Recently chosen model paths and server URLs, newest first."""
        value = self._settings.value(RECENT_KEY, [])
        if isinstance(value, str):  # QSettings hands back a one-item list as a bare string
            return [value] if value else []
        return [str(v) for v in value] if isinstance(value, list | tuple) else []

    def _selected(self) -> str:
        """The spec last chosen ("" for the embedded default or none)."""
        return str(self._settings.value(SELECTED_KEY, "", type=str) or "")

    def choose_path(self, path: str) -> bool:
        """Add a model file or folder, select it and remember it; False (and errorOccurred) if unusable."""
        p = Path(path)
        if not p.exists():
            self.errorOccurred.emit(f"{path} does not exist.")
            return False
        if p.is_file() and p.suffix.lower() not in MODEL_SUFFIXES:
            self.errorOccurred.emit(
                f"{p.name} is not a model file Verbatim can load safely (use .gguf or .safetensors)."
            )
            return False
        self._remember(str(p))
        self._rebuild()
        self._select(str(p))
        return True

    def choose_server(self, address: str) -> bool:
        """Add an inference server by address, select it and remember it.

        False (and errorOccurred) when the address is not an http(s) URL with a host; whether the server
        answers is found when the model loads.
        """
        problem = server_problem(address.strip())
        if problem:
            self.errorOccurred.emit(problem)
            return False
        url = urlsplit(address.strip()).geturl().rstrip("/")  # "HTTP://" -> "http://", as load_backend expects
        self._remember(url)
        self._rebuild()
        self._select(url)
        return True

    def _remember(self, spec: str) -> None:
        recent = [spec] + [r for r in self.recent() if r != spec]
        self._settings.setValue(RECENT_KEY, recent[:MAX_RECENT])

    def _rebuild(self) -> None:
        current = self.current_spec() if self.combo.count() else None
        self.combo.blockSignals(True)
        recent = [choice_for_spec(r) for r in self.recent()]
        known = {c.spec: c for c in self._discovered}
        rows = [known.get(c.spec, c) for c in recent if c is not None] + self._discovered
        self.model.set_choices(rows)
        self.combo.setCurrentIndex(max(0, self.model.row_of(current)))
        self.combo.blockSignals(False)

    def _select(self, spec: str | None) -> None:
        row = self.model.row_of(spec)
        if row >= 0 and row != self.combo.currentIndex():
            self.combo.setCurrentIndex(row)
        elif row >= 0:
            self._on_combo_index_changed(row)

    def _on_combo_index_changed(self, row: int) -> None:
        spec = self.current_spec()
        self._settings.setValue(SELECTED_KEY, spec or "")
        if spec is not None:
            self._remember(spec)
        self.modelChanged.emit(spec)

    def _on_discovery_returned(self, choices: list[ModelChoice]) -> None:
        self._discovered = list(choices)
        self._rebuild()
        selected = self._selected()
        if selected and self.current_spec() is None:
            self._select(selected)
        self.discoveryFinished.emit(len(choices))

    def _on_browse_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a model file", "", "Model weights (*.gguf *.safetensors);;All files (*)"
        )
        if path:
            self.choose_path(path)

    def _on_browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a model folder")
        if path:
            self.choose_path(path)

    def _on_browse_server(self) -> None:
        address, ok = QInputDialog.getText(
            self,
            "Connect to a server",
            "Address of an OpenAI-compatible inference server (vLLM, llama-cpp-python, Ollama, llama-server):",
            QLineEdit.EchoMode.Normal,
            SERVER_EXAMPLE,
        )
        if ok:
            self.choose_server(address)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept drags that carry local files."""
        if local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Emit the dropped paths."""
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.choose_path(paths[0])


class ReferencePicker(QWidget):
    """An optional reference model for the common-phrase test (core.evidence.reference).

    The choices are the model picker's; "None" (the default) runs no reference test. The choice is not
    remembered between sessions: naming a reference is a declaration about each work scanned.
    """

    def __init__(self, models: ModelListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._models = models
        label = QLabel("&Reference model:")
        self.combo = QComboBox()
        self.combo.setAccessibleName("Reference model")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(8)
        tip = (
            "Optional: a model you believe was NOT trained on this work (for example one released before it "
            "was published). Passages it reproduces too are set aside as common phrases, and the report "
            "names it."
        )
        label.setToolTip(tip)
        self.combo.setToolTip(tip)
        label.setBuddy(self.combo)
        layout = QVBoxLayout(self)  # label above the box: the queue column stays narrow
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        models.modelReset.connect(self._refill)
        models.rowsInserted.connect(self._refill)
        self._refill()

    def _refill(self) -> None:
        keep = self.spec()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("None", None)
        for choice in self._models.choices():
            self.combo.addItem(choice.label(), choice)
        self.combo.blockSignals(False)
        if keep is not None:
            self.set_spec(keep)

    def set_spec(self, spec: str | None) -> bool:
        """Choose the model with this spec ("default" or None: the embedded one); False when not listed."""
        wanted = None if spec in (None, "default") else spec
        for i in range(1, self.combo.count()):
            if self.combo.itemData(i).spec == wanted:
                self.combo.setCurrentIndex(i)
                return True
        return False

    def clear_choice(self) -> None:
        """Back to no reference model."""
        self.combo.setCurrentIndex(0)

    def spec(self) -> str | None:
        """The reference as the scan job takes it: None for none, "default" for the embedded model."""
        choice = self.combo.currentData()
        if not isinstance(choice, ModelChoice):
            return None
        return choice.spec or "default"
