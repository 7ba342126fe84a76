"""The "?" beside a figure: its plain definition from core.report.glossary, by mouse or keyboard.

A FigureHelpButton is a small tool button in the Tab order; pressing it (click, Space or Enter) shows the
figure's definition in a What's-This popup beside it, and its tooltip gives the one-line caption. The
definitions are the PDF's and Help's (one glossary), so the app and the report explain a figure alike.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QToolButton, QWhatsThis, QWidget

from core.report.glossary import Term, term


def definition_html(t: Term) -> str:
    """A term as a small rich-text page: its name in bold, then its definition."""
    return f"<b>{html.escape(t.name, quote=False)}</b><br>{html.escape(t.definition, quote=False)}"


class FigureHelpButton(QToolButton):
    """A "?" that explains one figure. Signals: QToolButton's (clicked shows the definition)."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.term = term(key)
        self.setText("?")
        self.setAutoRaise(True)
        side = self.fontMetrics().height() + 2  # a small square: four of them must not widen the minimum window
        self.setFixedSize(side, side)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.WhatsThisCursor)
        self.setAccessibleName(f"What is {self.term.name}?")
        self.setAccessibleDescription(self.term.definition)
        self.setToolTip(f"{self.term.name}: {self.term.caption}. Press for the full definition.")
        self.setWhatsThis(definition_html(self.term))
        self.clicked.connect(self._on_clicked)

    def definition(self) -> str:
        """The plain definition this button shows."""
        return self.term.definition

    def _on_clicked(self) -> None:
        QWhatsThis.showText(self.mapToGlobal(QPoint(0, self.height())), self.whatsThis(), self)
