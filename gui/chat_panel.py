"""The "Chat probes" tab: the chat probes of the shown result, apart from the passages and the verdict.

It shows `result.chat` (core/chatprobe) as the PDF's "Chat probes" section does, from the same HTML
(core/report/chat.py), so the app and the report cannot word a probe differently: each probe's user
turn, the model's answer and the author's text it matched, shared words highlighted. Without chat
probes it says how to ask for them. `ChatOptions` (under the queue) asks for them. Signals: none.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QTextBrowser, QVBoxLayout, QWidget

from core.chatprobe.probes import ChatRequest
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


class ChatOptions(QWidget):
    """Whether a scan also runs chat probes, and the title and author for title prompts. Signals: none.

    `enabled` is the check box (its owner places it); the title and author fields show only while it is ticked; like the reference model, the
    choice is not remembered between sessions (a title belongs to one work).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox("Chat probes")  # every letter of it is another Alt key
        self.enabled.setToolTip("Also ask the model through its own chat template, as chat models are used "
                                "(needs a model with a chat template; reported apart from the verdict).")
        self.title = QLineEdit()
        self.title.setPlaceholderText("Title")
        self.title.setAccessibleName("Title of the work, for chat title prompts")
        self.author = QLineEdit()
        self.author.setPlaceholderText("Author")
        self.author.setAccessibleName("Author of the work, for chat title prompts")
        # The check box sits in the queue's title row (it adds no height to the column); this widget is
        # the row of the two fields, shown only while it is ticked.
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        label = QLabel("Title prompts:")
        label.setToolTip("With both filled in, the model is also asked to recite the work and its chapters by name.")
        layout.addWidget(label)
        layout.addWidget(self.title, 3)
        layout.addWidget(self.author, 2)
        self.enabled.toggled.connect(self._on_enabled_toggled)
        self._on_enabled_toggled(False)

    def _on_enabled_toggled(self, on: bool) -> None:
        self.setVisible(on)

    def request(self) -> ChatRequest | None:
        """The chat probes asked for, or None; title prompts only when both fields are filled in."""
        if not self.enabled.isChecked():
            return None
        title, author = self.title.text().strip(), self.author.text().strip()
        return ChatRequest(title=title, author=author) if title and author else ChatRequest()
