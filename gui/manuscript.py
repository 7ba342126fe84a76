"""The manuscript as text, with confirmed passages highlighted in place, and the drop zone."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QPushButton, QTextEdit, QVBoxLayout, QWidget

from core.results import Passage
from gui import style

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def local_paths(event: QDropEvent | QDragEnterEvent) -> list[str]:
    """The local files and folders carried by a drag, in order."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


def expand_paths(paths: Iterable[str], suffixes: Sequence[str]) -> list[str]:
    """Files as given, and for folders their files with a known suffix (sorted, recursive)."""
    out: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(str(f) for f in sorted(p.rglob("*")) if f.is_file() and f.suffix.lower() in suffixes)
        else:
            out.append(str(p))
    return out


class DropZone(QFrame):
    """A dashed area that takes manuscript files or folders, with an Open… button.

    Signals:
        pathsDropped(list): local paths (files or folders) dropped here.
        openRequested(): the user pressed the Open… button.
    """

    pathsDropped = Signal(list)
    openRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 14, 12, 14)
        layout.setSpacing(10)
        self.title = title = QLabel("Drop manuscripts here")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.hint = hint = QLabel("One file, several, or a folder.\n.txt .md .docx .pdf .epub .odt .rtf .html")
        hint.setObjectName("muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        self.open_button = QPushButton("&Open…")
        self.open_button.setToolTip("Choose manuscript files (Ctrl+O)")
        self.open_button.clicked.connect(self.openRequested)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignHCenter)

    def set_compact(self, compact: bool) -> None:
        """Once something is queued the zone shrinks to one line: the queue needs the room more."""
        self.hint.setVisible(not compact)
        self.title.setText("Drop more here, or" if compact else "Drop manuscripts here")
        margin = 6 if compact else 12
        self._layout.setContentsMargins(margin, margin + 2, margin, margin + 2)
        self._layout.setSpacing(4 if compact else 10)

    def is_compact(self) -> bool:
        """Whether the zone is in its one-line form."""
        return self.hint.isHidden()

    def _set_hover(self, hover: bool) -> None:
        self.setProperty("hover", hover)
        self.style().unpolish(self)
        self.style().polish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept drags that carry local files."""
        if local_paths(event):
            event.acceptProposedAction()
            self._set_hover(True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        """Drop the hover look."""
        self._set_hover(False)

    def dropEvent(self, event: QDropEvent) -> None:
        """Emit the dropped paths."""
        self._set_hover(False)
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.pathsDropped.emit(paths)


class ManuscriptView(QPlainTextEdit):
    """Read-only manuscript text; confirmed passages are highlighted with extra selections.

    Signals:
        pathsDropped(list): local paths dropped onto the text.
    """

    pathsDropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptDrops(True)
        self.setFont(style.reading_font())
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setPlaceholderText("The manuscript's text appears here, exactly as it will be scanned.")
        self.setAccessibleName("Manuscript text")
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.document().setDocumentMargin(14)
        self._passages: tuple[Passage, ...] = ()
        self._selected: Passage | None = None
        self._astral: list[int] = []

    def qt_position(self, char_offset: int) -> int:
        """A Python string offset as a Qt (UTF-16) document position: astral characters count twice."""
        return char_offset + bisect_left(self._astral, char_offset)

    def show_text(self, text: str) -> None:
        """Show a new manuscript; highlights are cleared."""
        self._passages = ()
        self._selected = None
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]
        self.setPlainText(text)
        self.setExtraSelections([])

    def set_passages(self, passages: Sequence[Passage]) -> None:
        """Highlight every passage: verbatim ones amber, common phrases grey."""
        self._passages = tuple(passages)
        self._selected = None
        self._refresh()

    def highlighted(self) -> list[QTextEdit.ExtraSelection]:
        """The extra selections currently shown (for tests and the screenshot script)."""
        return list(self.extraSelections())

    def select_passage(self, passage: Passage | None) -> None:
        """Emphasize one passage and scroll it into the middle of the view."""
        self._selected = passage
        self._refresh()
        if passage is not None:
            self.jump_to(passage.start_char)

    def jump_to(self, char_offset: int) -> None:
        """Put the cursor at a character offset of the scanned text and centre it."""
        cursor = self.textCursor()
        cursor.setPosition(max(0, min(self.qt_position(char_offset), self.document().characterCount() - 1)))
        self.setTextCursor(cursor)
        self.centerCursor()

    def _refresh(self) -> None:
        limit = self.document().characterCount() - 1
        selections: list[QTextEdit.ExtraSelection] = []
        for p in self._passages:
            fmt = QTextCharFormat()
            if p is self._selected:
                fmt.setBackground(style.VERBATIM_SELECTED)
            else:
                fmt.setBackground(style.COMMON if p.common_phrase else style.VERBATIM)
            if p.common_phrase:
                fmt.setForeground(style.MUTED)
            fmt.setToolTip(
                f"{p.verbatim_tokens} tokens reproduced verbatim, similarity {p.similarity:.1f}"
                + (" (common phrase)" if p.common_phrase else "")
            )
            sel = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(max(0, min(self.qt_position(p.start_char), limit)))
            cursor.setPosition(
                max(0, min(self.qt_position(p.end_char), limit)), QTextCursor.MoveMode.KeepAnchor
            )
            sel.cursor = cursor
            sel.format = fmt
            selections.append(sel)
        self.setExtraSelections(selections)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept drags that carry local files."""
        if local_paths(event):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Keep accepting file drags over the text."""
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Emit the dropped paths."""
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.pathsDropped.emit(paths)
        else:
            super().dropEvent(event)
