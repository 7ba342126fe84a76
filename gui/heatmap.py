"""A horizontal strip painted from ScanResult.heatmap: where in the work the model remembers."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from gui import style

KEYS_HELP = (
    "Left/Right: move · Home/End: start/end · Page Down/Up or N/P: next/previous hot spot · "
    "Enter: show the passage there"
)


def hot_spots(values: Sequence[float]) -> list[int]:
    """The bins where a stretch of reproduced text starts (a bin above 0 after a bin at 0, or the first)."""
    return [i for i, v in enumerate(values) if v > 0 and (i == 0 or values[i - 1] <= 0)]


class HeatmapStrip(QWidget):
    """Memorization strength over equal character bins; click (or the keys in KEYS_HELP) to jump there.

    Signals:
        positionActivated(int): a character offset in the scanned text the user chose.
    """

    positionActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: tuple[float, ...] = ()
        self._text_length = 0
        self._marker: float | None = None
        self._cursor_bin = 0
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Memorization heatmap")
        self.setToolTip(
            "Where in the work the model reproduces the text. Click to jump there.\n" + KEYS_HELP
        )
        self.setAccessibleDescription(KEYS_HELP)

    def sizeHint(self) -> QSize:
        """Room for one line of text."""
        return QSize(400, max(22, self.fontMetrics().height() + 8))

    def minimumSizeHint(self) -> QSize:
        """Narrow, but as tall as the hint."""
        return QSize(60, self.sizeHint().height())

    def set_heatmap(self, values: Sequence[float], text_length: int) -> None:
        """Show `values` (0-1 per bin) for a text of `text_length` characters; empty clears."""
        self._values = tuple(float(v) for v in values)
        self._text_length = text_length
        self._marker = None
        self._cursor_bin = 0
        self.update()

    def set_marker(self, char_offset: int | None) -> None:
        """Mark a position (the selected passage) with a thin line."""
        self._marker = (
            None if char_offset is None or not self._text_length else char_offset / self._text_length
        )
        self.update()

    def values(self) -> tuple[float, ...]:
        """The bins shown."""
        return self._values

    def offset_at(self, x: float) -> int:
        """Character offset under the horizontal pixel position `x` (start of that bin)."""
        if not self._values or self.width() <= 0:
            return 0
        bin_index = min(len(self._values) - 1, max(0, int(x / self.width() * len(self._values))))
        return self._bin_offset(bin_index)

    def _bin_offset(self, bin_index: int) -> int:
        return int(bin_index * self._text_length / len(self._values))

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint the bins, the keyboard cursor and the marker."""
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.fillRect(rect, style.HEAT_LOW)
        n = len(self._values)
        if n:
            w = rect.width() / n
            for i, v in enumerate(self._values):
                if v > 0:
                    painter.fillRect(
                        QRectF(rect.left() + i * w, rect.top(), w + 0.6, rect.height()), style.heat_colour(v)
                    )
            if self.hasFocus():
                x = rect.left() + self._cursor_bin * w
                painter.setPen(QPen(style.ACCENT, 2))
                painter.drawRect(QRectF(x, rect.top() + 1, max(w, 3.0), rect.height() - 2))
        else:
            painter.setPen(style.MUTED)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Heatmap appears after a scan")
        if self._marker is not None:
            x = rect.left() + self._marker * rect.width()
            painter.setPen(QPen(QColor(style.TEXT), 2))
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        painter.setPen(QPen(style.BORDER, 1))
        painter.drawRect(rect)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Jump to the clicked place."""
        if self._values and event.button() == Qt.MouseButton.LeftButton:
            self.positionActivated.emit(self.offset_at(event.position().x()))
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Tooltip with position and strength."""
        if self._values:
            n = len(self._values)
            i = min(n - 1, max(0, int(event.position().x() / max(1, self.width()) * n)))
            QToolTip.showText(
                event.globalPosition().toPoint(),
                f"{100 * i / n:.0f} % into the work — strength {self._values[i]:.2f}",
                self,
            )
        super().mouseMoveEvent(event)

    @property
    def cursor_bin(self) -> int:
        """The bin the keyboard cursor is on."""
        return self._cursor_bin

    def move_cursor(self, bin_index: int) -> None:
        """Put the keyboard cursor on a bin (clamped) and say where it is to assistive technology."""
        n = len(self._values)
        if not n:
            return
        self._cursor_bin = min(n - 1, max(0, bin_index))
        v = self._values[self._cursor_bin]
        self.setAccessibleDescription(
            f"{100 * self._cursor_bin / n:.0f} % into the work, strength {v:.2f}. {KEYS_HELP}"
        )
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Move the keyboard cursor (see KEYS_HELP); Enter shows the passage there. Focus stays here."""
        n = len(self._values)
        key = event.key()
        spots = hot_spots(self._values)
        if n and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.move_cursor(self._cursor_bin + (-1 if key == Qt.Key.Key_Left else 1))
        elif n and key == Qt.Key.Key_Home:
            self.move_cursor(0)
        elif n and key == Qt.Key.Key_End:
            self.move_cursor(n - 1)
        elif n and key in (Qt.Key.Key_PageDown, Qt.Key.Key_N):
            self.move_cursor(next((i for i in spots if i > self._cursor_bin), self._cursor_bin))
        elif n and key in (Qt.Key.Key_PageUp, Qt.Key.Key_P):
            self.move_cursor(next((i for i in reversed(spots) if i < self._cursor_bin), self._cursor_bin))
        elif n and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.positionActivated.emit(self._bin_offset(self._cursor_bin))
        else:
            super().keyPressEvent(event)
