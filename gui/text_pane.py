"""A titled, read-only text pane with character ranges marked in a background colour.

The passage detail (prompt | author's text | model's output) and the match dialog (output |
manuscript) both show text this way; this is the one widget they share. Ranges are Python string
offsets; `qt_pos` turns them into Qt's UTF-16 positions so text beyond the BMP lines up.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextFragment
from PySide6.QtWidgets import QLabel, QTextEdit, QVBoxLayout, QWidget

from gui import style
from gui.manuscript import _ASTRAL


def qt_pos(text: str, i: int) -> int:
    """Qt's (UTF-16) position of Python offset `i` in `text`: astral characters count twice."""
    return i + len(_ASTRAL.findall(text, 0, i))


class TextPane(QWidget):
    """A pane title over a read-only QTextEdit (`text`) in the reading font. Signals: none.

    `mark` is the colour ranges are marked in unless `set_content` says otherwise; `spacing` is the gap
    between title and text (None: the style's); `min_height`, when given, keeps a low minimum window
    (200 % scaling) by letting the text scroll.
    """

    def __init__(
        self,
        title: str,
        accessible: str | None = None,
        *,
        mark: QColor,
        spacing: int | None = None,
        min_height: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._mark = mark
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if spacing is not None:
            layout.setSpacing(spacing)
        label = QLabel(title)
        label.setObjectName("paneTitle")
        self.text = QTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(style.reading_font(10))
        self.text.setAccessibleName(accessible if accessible is not None else title)
        self.text.setTabChangesFocus(True)
        if min_height is not None:
            self.text.setMinimumHeight(min_height)
        label.setBuddy(self.text)
        layout.addWidget(label)
        layout.addWidget(self.text)

    def set_content(
        self, text: str, ranges: Sequence[tuple[int, int]] = (), background: QColor | None = None
    ) -> None:
        """Show `text` with each (start, end) range of it on `background` (default: the pane's mark)."""
        self.text.setPlainText(text)
        fmt = QTextCharFormat()
        fmt.setBackground(background if background is not None else self._mark)
        for start, end in ranges:
            cursor = QTextCursor(self.text.document())
            cursor.setPosition(qt_pos(text, max(0, start)))
            cursor.setPosition(qt_pos(text, min(len(text), end)), QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(fmt)

    def _marked_fragments(self) -> list[QTextFragment]:
        out = []
        block = self.text.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                if frag.charFormat().background().style() != Qt.BrushStyle.NoBrush:
                    out.append(frag)
                it += 1
            block = block.next()
        return out

    def highlighted_ranges(self) -> list[tuple[int, int]]:
        """(start, end) Qt positions of the marked fragments (for tests)."""
        return [(f.position(), f.position() + f.length()) for f in self._marked_fragments()]

    def marked(self) -> list[str]:
        """The marked fragments' text (for tests)."""
        return [f.text() for f in self._marked_fragments()]
