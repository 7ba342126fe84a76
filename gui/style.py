"""The app's look in one place: Fusion, a restrained light palette, and the few accent colours.

Colours carry meaning (verdicts, verbatim spans, common phrases), so widgets take them from here
rather than inventing their own; the same span colour is used in the text, the table and the detail.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

WINDOW = QColor("#f4f5f7")
BASE = QColor("#ffffff")
ALT_BASE = QColor("#f7f8fa")
TEXT = QColor("#1f2328")
MUTED = QColor("#6a737d")
BORDER = QColor("#d0d7de")
ACCENT = QColor("#2f5f8a")
"""Selection and focus: a quiet blue."""

VERBATIM = QColor("#f6d58e")
"""Background of text the model reproduced verbatim (same colour in text, detail and legend)."""
VERBATIM_SELECTED = QColor("#eeab3c")
COMMON = QColor("#e3e5e8")
"""Background of passages flagged as common phrases (kept out of the verdict)."""

VERDICT_COLOURS = {
    "memorized": QColor("#a4262c"),
    "inconclusive": QColor("#9a6700"),
    "no-evidence": QColor("#1a7f37"),
}
INCOMPLETE = QColor("#6a737d")

HEAT_LOW = QColor("#eef1f4")
HEAT_HIGH = QColor("#c2412d")
SET_ASIDE = QColor("#8f9aa6")
"""Heatmap bins of reproduced text that does not count: solid for a common phrase, hatched on
SET_ASIDE_GROUND for a context copy (the PDF and the app alike)."""
SET_ASIDE_GROUND = QColor("#dfe3e8")


def heat_colour(value: float) -> QColor:
    """Linear blend HEAT_LOW -> HEAT_HIGH for a strength 0-1 (clamped)."""
    t = min(1.0, max(0.0, float(value)))
    return QColor(
        round(HEAT_LOW.red() + t * (HEAT_HIGH.red() - HEAT_LOW.red())),
        round(HEAT_LOW.green() + t * (HEAT_HIGH.green() - HEAT_LOW.green())),
        round(HEAT_LOW.blue() + t * (HEAT_HIGH.blue() - HEAT_LOW.blue())),
    )


def reading_font(point_size: int = 11) -> QFont:
    """The font for manuscript text: a serif, as the author would read it."""
    font = QFont("DejaVu Serif")
    font.setStyleHint(QFont.StyleHint.Serif)
    font.setPointSize(point_size)
    return font


def apply_style(app: QApplication) -> None:
    """Fusion style with a calm light palette, independent of the desktop theme."""
    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, WINDOW)
    pal.setColor(QPalette.ColorRole.WindowText, TEXT)
    pal.setColor(QPalette.ColorRole.Base, BASE)
    pal.setColor(QPalette.ColorRole.AlternateBase, ALT_BASE)
    pal.setColor(QPalette.ColorRole.Text, TEXT)
    pal.setColor(QPalette.ColorRole.Button, QColor("#fbfbfc"))
    pal.setColor(QPalette.ColorRole.ButtonText, TEXT)
    pal.setColor(QPalette.ColorRole.Highlight, ACCENT)
    pal.setColor(QPalette.ColorRole.HighlightedText, BASE)
    pal.setColor(QPalette.ColorRole.ToolTipBase, BASE)
    pal.setColor(QPalette.ColorRole.ToolTipText, TEXT)
    pal.setColor(QPalette.ColorRole.PlaceholderText, MUTED)
    pal.setColor(QPalette.ColorRole.Link, ACCENT)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#a0a7b0"))
    app.setPalette(pal)
    font = QFont("DejaVu Sans")
    font.setPointSize(10)
    app.setFont(font)
    app.setStyleSheet(_SHEET)


_SHEET = """
QToolBar { spacing: 6px; padding: 4px 8px; border: none; border-bottom: 1px solid #d0d7de; }
QStatusBar { border-top: 1px solid #d0d7de; }
QHeaderView::section { background: #f0f2f5; padding: 4px 4px; border: none;
    border-bottom: 1px solid #d0d7de; border-right: 1px solid #e4e7eb; }
QTableView { gridline-color: #eceff2; selection-background-color: #2f5f8a; }
QFrame#card { background: #ffffff; border: 1px solid #d0d7de; border-radius: 6px; }
QLabel#paneTitle { color: #57606a; font-weight: bold; }
QLabel#muted { color: #6a737d; }
QFrame#messageBar { background: #fff1f0; border: 1px solid #e5a3a0; border-radius: 4px; }
QFrame#dropZone { background: #ffffff; border: 2px dashed #b6bfc8; border-radius: 8px; }
QFrame#dropZone[hover="true"] { border-color: #2f5f8a; background: #eef4fa; }
"""
