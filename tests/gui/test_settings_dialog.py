"""The settings dialog shows every field with its docstring and returns validated settings."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QSpinBox

from core.settings import ScanSettings, Thresholds
from gui.settings_dialog import SettingsDialog, field_docs


def test_field_docs_reads_each_docstring() -> None:
    docs = field_docs(ScanSettings)
    assert {f.name for f in dataclasses.fields(ScanSettings)} <= set(docs)
    assert docs["top_k"].startswith("p_z:")
    assert "greedy hits" in field_docs(Thresholds)["candidate_run_tokens"]


def test_every_field_has_an_editor_with_tooltip_and_default(qtbot) -> None:
    dialog = SettingsDialog(ScanSettings())
    qtbot.addWidget(dialog)
    for f in dataclasses.fields(ScanSettings):
        if f.name == "thresholds":
            continue
        editor = dialog.editor(f.name)
        assert "Default:" in editor.toolTip()
    for f in dataclasses.fields(Thresholds):
        assert dialog.editor(f.name).toolTip()
    assert dialog.settings() == ScanSettings()


def test_edits_come_back_and_invalid_ones_are_refused(qtbot) -> None:
    dialog = SettingsDialog(ScanSettings())
    qtbot.addWidget(dialog)
    top_k = dialog.editor("top_k")
    assert isinstance(top_k, QSpinBox)
    top_k.setValue(20)
    dialog.editor("device").setCurrentText("cpu")
    dialog.editor("memorized_tokens").setValue(48)
    settings = dialog.settings()
    assert settings.top_k == 20 and settings.device == "cpu" and settings.thresholds.memorized_tokens == 48

    dialog.editor("overlap_tokens").setValue(settings.chunk_tokens)
    dialog.accept()
    assert dialog.result() == 0
    assert "overlap_tokens" in dialog.error_label.text()
    dialog._on_defaults_clicked()
    assert dialog.settings() == ScanSettings()
