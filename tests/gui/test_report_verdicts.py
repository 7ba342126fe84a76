"""Issue 19, item 3: the PDF's verdict box never breaks a word, for every verdict and its qualified forms.

Each report is rendered at the page size the exporter uses (A4) and read back with pypdf: the verdict's
name must follow "VERDICT" whole and in order ("No evidence of memorization", never "memorizatio n").
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.report.glossary import VERDICT_NAMES, verdict_name
from gui.report_pdf import render_pdf
from tests.helpers.results import make_result

FORMS = [
    pytest.param(verdict, complete, provisional, id=f"{verdict}-{form}")
    for verdict in VERDICT_NAMES
    for form, complete, provisional in (("final", True, False), ("incomplete", False, False),
                                        ("provisional", True, True))
]


def _first_page_words(path: Path) -> list[str]:
    return PdfReader(path).pages[0].extract_text().split()


@pytest.mark.parametrize(("verdict", "complete", "provisional"), FORMS)
def test_verdict_name_is_whole_in_the_pdf(verdict: str, complete: bool, provisional: bool, tmp_path: Path) -> None:
    result = make_result(verdict=verdict, complete=complete)  # type: ignore[arg-type]
    path = tmp_path / "report.pdf"
    render_pdf(result, path, max_passages=1, provisional=provisional)
    words = _first_page_words(path)
    assert "VERDICT" in words
    name = verdict_name(verdict, complete=complete, provisional=provisional)
    after = words[words.index("VERDICT") + 1 :][: len(name.split())]
    assert after == name.split(), f"the verdict box reads {' '.join(after)!r}, not {name!r}"
    if provisional:
        assert "Provisional:" in words


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_longest_verdict_box_renders(tmp_path: Path) -> None:
    from PySide6.QtGui import QColor, QImage

    result = make_result(verdict="no-evidence", complete=False)
    path = tmp_path / "report.pdf"
    render_pdf(result, path, max_passages=1)
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "p")],
                   check=True, timeout=60)
    (png,) = tmp_path.glob("p-*.png")
    image = QImage(str(png))
    # The verdict band is the no-evidence colour across the text width: sample its left and right ends.
    row = next(y for y in range(image.height()) if image.pixelColor(image.width() // 2, y).green() > 100
               and image.pixelColor(image.width() // 2, y).red() < 100)
    left, right = image.pixelColor(image.width() // 8, row), image.pixelColor(image.width() * 7 // 8, row)
    assert left == right and left != QColor("white")


def test_a_report_exported_while_the_controls_run_is_named_provisional(qtbot, make_window, tmp_path: Path) -> None:
    from gui.main_window import CONTROLS_PENDING

    window = make_window()
    result = make_result(verdict="inconclusive")
    window.show_result(result)
    window.badge.set_pending(CONTROLS_PENDING)  # as the window does when the verdict arrives before the controls
    assert window.export_to(str(tmp_path / "early.pdf"))
    words = _first_page_words(tmp_path / "early.pdf")
    assert words[words.index("VERDICT") + 1 : words.index("VERDICT") + 3] == ["Inconclusive", "(provisional)"]
    window.badge.set_pending("")  # the controls finished
    assert window.export_to(str(tmp_path / "final.pdf"))
    words = _first_page_words(tmp_path / "final.pdf")
    assert words[words.index("VERDICT") + 1] == "Inconclusive" and "(provisional)" not in words
