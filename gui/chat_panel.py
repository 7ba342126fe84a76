"""The "Chat" tab: the chat probes of the shown result, apart from the passages and the verdict.

It shows `result.chat` (core/chatprobe) as the PDF's "Chat probes" section does, from the same HTML
(core/report/chat.py), so the app and the report cannot word a probe differently: each probe's user
turn, the model's answer and the author's text it matched, shared words highlighted. Without chat
probes it says how to ask for them. Signals: none.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from core.report.chat import chat_section, headline
from core.report.style import Layout, css
from core.results import ScanResult

NONE_TEXT = ("No chat probes in this result. Scan with “Chat probes” (verbatim scan --chat, with --title and "
             "--author for title prompts) to ask a chat model through its own chat template.")


class ChatPanel(QWidget):
    """The chat probes of one result, read-only. Signals: none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.summary_label = QLabel(NONE_TEXT)
        self.summary_label.setObjectName("muted")
        self.summary_label.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Chat probes")
        self.browser.setOpenLinks(False)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.browser, 1)
        self.browser.hide()

    def show_result(self, result: ScanResult | None) -> None:
        """Show `result`'s chat probes, or say there are none."""
        chat = result.chat if result is not None else None
        if not chat or result is None:
            self.summary_label.setText(NONE_TEXT)
            self.browser.clear()
            self.browser.hide()
            return
        probes = list(chat.get("probes", ()))
        self.summary_label.setText(
            f"{len(probes)} chat probe{'s' if len(probes) != 1 else ''} through the model's chat template; "
            f"{headline(probes)}. They do not change the verdict."
        )
        layout = Layout(px_per_pt=self.logicalDpiY() / 72.0)
        self.browser.setHtml(f"<html><head><style>{css(layout)}</style></head><body>"
                             f"{chat_section(result, layout)}</body></html>")
        self.browser.show()
