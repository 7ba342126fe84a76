"""Edit ScanSettings: one input per field, its default, and its docstring as tooltip."""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import json
import textwrap
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.settings import ScanSettings, Thresholds

SETTINGS_KEY = "scan/settings"
"""Where the scan settings are kept in the app's QSettings, as JSON."""


def load_scan_settings(store: QSettings) -> ScanSettings:
    """The scan settings saved in `store`; the defaults when none are, or they are from an older version."""
    raw = store.value(SETTINGS_KEY, "", type=str)
    if isinstance(raw, str) and raw:
        try:
            return ScanSettings.from_dict(json.loads(raw))
        except (ValueError, TypeError):
            pass  # settings from an older version: fall back to defaults
    return ScanSettings()


def save_scan_settings(store: QSettings, settings: ScanSettings) -> None:
    """Keep `settings` in `store` for the next start."""
    store.setValue(SETTINGS_KEY, json.dumps(settings.to_dict()))


CHOICES = {
    "device": ("auto", "cpu", "cuda"),
    "dtype": ("auto", "float32", "bfloat16"),
    "confirm_by": ("draft", "generate"),
}
LABELS = {
    "chunk_tokens": "&Chunk length (tokens)",
    "overlap_tokens": "&Overlap (tokens)",
    "batch_size": "&Batch size",
    "prefix_tokens": "&Prefix length (tokens)",
    "suffix_tokens": "&Suffix length (tokens)",
    "top_k": "&Top-k for p_z",
    "device": "De&vice",
    "dtype": "&Data type",
    "confirm_by": "Con&firm by",
    "near_verbatim": "Measure near-verbatim stretches",
    "near_verbatim_tolerance": "Tolerance (edits per token)",
    "near_verbatim_extra_tokens": "Tokens generated past the horizon",
    "server_concurrency": "Server requests in flight",
}
GROUPS = (
    ("Triage pass", ("chunk_tokens", "overlap_tokens", "batch_size")),
    ("Standard 50 + 50 protocol", ("prefix_tokens", "suffix_tokens", "top_k")),
    (
        "Confirmation",
        (
            "confirm_by",
            "generate_top",
            "max_passage_tokens",
            "confirm_extra_tokens",
            "confirm_batch_size",
            "generate_batch_size",
            "max_candidates",
            "common_phrase_check",
            "common_phrase_keep_tokens",
        ),
    ),
    ("Near-verbatim passages", ("near_verbatim", "near_verbatim_tolerance", "near_verbatim_extra_tokens")),
    ("Hardware", ("device", "dtype", "seed", "server_concurrency")),
)


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """The docstring written under each field of a dataclass (read from its source)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for stmt, nxt in zip(body, body[1:], strict=False):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            docs[stmt.target.id] = inspect.cleandoc(nxt.value.value)
    return docs


def _label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


class SettingsDialog(QDialog):
    """Modal editor for ScanSettings; `settings()` returns the edited, validated copy.

    Signals: only QDialog's own (accepted, rejected, finished).
    """

    def __init__(self, settings: ScanSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Scan settings")
        self._editors: dict[str, QWidget] = {}
        self._threshold_editors: dict[str, QWidget] = {}

        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setSpacing(12)
        defaults = ScanSettings()
        docs = field_docs(ScanSettings)
        for title, names in GROUPS:
            column.addWidget(self._group(title, names, settings, defaults, docs, self._editors))
        tdocs = field_docs(Thresholds)
        tnames = tuple(f.name for f in dataclasses.fields(Thresholds))
        column.addWidget(
            self._group(
                "Verdict thresholds",
                tnames,
                settings.thresholds,
                Thresholds(),
                tdocs,
                self._threshold_editors,
            )
        )
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)

        self.error_label = QLabel("")
        self.error_label.setStyleSheet("color: #a4262c;")
        self.error_label.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self._on_defaults_clicked
        )
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.resize(560, 640)

    def _group(
        self,
        title: str,
        names: tuple[str, ...],
        values: Any,
        defaults: Any,
        docs: dict[str, str],
        store: dict[str, QWidget],
    ) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setHorizontalSpacing(14)
        for name in names:
            editor = self._editor(name, getattr(values, name), getattr(defaults, name))
            tip = docs.get(name, "")
            editor.setToolTip(f"{tip}\nDefault: {getattr(defaults, name)}".strip())
            editor.setAccessibleDescription(tip)
            label = QLabel(_label(name))
            label.setBuddy(editor)
            label.setToolTip(editor.toolTip())
            form.addRow(label, editor)
            store[name] = editor
        return box

    @staticmethod
    def _editor(name: str, value: Any, default: Any) -> QWidget:
        if name in CHOICES:
            combo = QComboBox()
            combo.addItems(list(CHOICES[name]))
            combo.setCurrentText(str(value))
            return combo
        if isinstance(default, bool):
            check = QCheckBox()
            check.setChecked(bool(value))
            return check
        if isinstance(default, int):
            spin = QSpinBox()
            spin.setRange(0, 1_000_000)
            spin.setValue(int(value))
            return spin
        dspin = QDoubleSpinBox()
        dspin.setDecimals(4)
        dspin.setRange(0.0, 1.0e6)
        dspin.setSingleStep(0.01)
        dspin.setValue(float(value))
        return dspin

    @staticmethod
    def _read(editor: QWidget) -> Any:
        if isinstance(editor, QComboBox):
            return editor.currentText()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            return editor.value()
        assert isinstance(editor, QDoubleSpinBox)
        return editor.value()

    @staticmethod
    def _write(editor: QWidget, value: Any) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox | QDoubleSpinBox):
            editor.setValue(value)

    def editor(self, name: str) -> QWidget:
        """The input for a ScanSettings field or a Thresholds field (for tests)."""
        return self._editors.get(name) or self._threshold_editors[name]

    def settings(self) -> ScanSettings:
        """The edited settings (may be invalid; accept() checks)."""
        thresholds = Thresholds(**{n: self._read(e) for n, e in self._threshold_editors.items()})
        return dataclasses.replace(
            ScanSettings(), thresholds=thresholds, **{n: self._read(e) for n, e in self._editors.items()}
        )

    def accept(self) -> None:
        """Close only when the settings validate."""
        try:
            self.settings().validate()
        except ValueError as exc:
            self.error_label.setText(str(exc))
            return
        super().accept()

    def _on_defaults_clicked(self) -> None:
        defaults = ScanSettings()
        for name, editor in self._editors.items():
            self._write(editor, getattr(defaults, name))
        for name, editor in self._threshold_editors.items():
            self._write(editor, getattr(defaults.thresholds, name))
        self.error_label.clear()
