"""Start-up: readable environment errors, and the window appears without importing torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gui import app

ROOT = Path(__file__).resolve().parents[2]


def test_missing_display_is_one_sentence(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    for var in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    assert app.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("verbatim: No display found") and err.count("\n") == 1


def test_window_appears_without_torch(tmp_path) -> None:
    code = (
        "import sys\n"
        "from PySide6.QtCore import QSettings\n"
        "from gui.app import create_main_window\n"
        f"w = create_main_window(settings=QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat),"
        " discover=lambda: [])\n"
        "w.show()\n"
        "w.close()\n"
        "heavy = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
