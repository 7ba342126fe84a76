"""A horizontal strip painted from ScanResult.heatmap: where in the work the model remembers.

Red bins are evidence (confirmed passages that are neither common phrases nor context copies); bins
where reproduced text was set aside (ScanResult.heatmap_set_aside) are drawn in a neutral grey, solid
for a common phrase and hatched for a context copy, by `paint_set_aside`, which the PDF uses too.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from core.scan.heat import COMMON_PHRASE, CONTEXT_COPY, SET_ASIDE_LABELS
from gui import style

KEYS_HELP = (
    "Left/Right: move · Home/End: start/end · Page Down/Up or N/P: next/previous hot spot · "
    "Enter: show the passage there"
)


def paint_set_aside(painter: QPainter, rect: QRectF, code: int) -> None:
    """Fill `rect` as a set-aside bin: solid grey for a common phrase, grey hatching for a context copy."""
    if code == COMMON_PHRASE:
        painter.fillRect(rect, style.SET_ASIDE)
    elif code == CONTEXT_COPY:
        painter.fillRect(rect, style.SET_ASIDE_GROUND)
        painter.fillRect(rect, QBrush(style.SET_ASIDE, Qt.BrushStyle.BDiagPattern))


def bin_label(value: float, code: int) -> str:
    """What one bin shows, in words (tooltips and the keyboard cursor's description)."""
    if value > 0:
        return f"strength {value:.2f}"
    return SET_ASIDE_LABELS.get(code, "nothing reproduced")


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
        self._set_aside: tuple[int, ...] = ()
        self._text_length = 0
        self._marker: float | None = None
        self._cursor_bin = 0
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Memorization heatmap")
        self.setToolTip(
            "Where in the work the model reproduces the text: red, confirmed passages; grey, common phrases;\n"
            "hatched grey, text it could copy from earlier in the work (neither counted). Click to jump there.\n"
            + KEYS_HELP
        )
        self.setAccessibleDescription(KEYS_HELP)

    def sizeHint(self) -> QSize:
        """Room for one line of text."""
        return QSize(400, max(22, self.fontMetrics().height() + 8))

    def minimumSizeHint(self) -> QSize:
        """Narrow, but as tall as the hint."""
        return QSize(60, self.sizeHint().height())

    def set_heatmap(self, values: Sequence[float], text_length: int, set_aside: Sequence[int] = ()) -> None:
        """Show `values` (0-1 per bin) for a text of `text_length` characters; empty clears.

        `set_aside` (ScanResult.heatmap_set_aside, one code per bin or empty) marks the bins where
        reproduced text was not counted.
        """
        self._values = tuple(float(v) for v in values)
        self._set_aside = tuple(int(c) for c in set_aside) if len(set_aside) == len(self._values) else ()
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

    def set_aside(self) -> tuple[int, ...]:
        """The set-aside code of each bin shown (empty when the result has none)."""
        return self._set_aside

    def _code(self, i: int) -> int:
        return self._set_aside[i] if self._set_aside else 0

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
                cell = QRectF(rect.left() + i * w, rect.top(), w + 0.6, rect.height())
                if v > 0:
                    painter.fillRect(cell, style.heat_colour(v))
                elif self._code(i):
                    paint_set_aside(painter, cell, self._code(i))
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
                f"{100 * i / n:.0f} % into the work — {bin_label(self._values[i], self._code(i))}",
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
            f"{100 * self._cursor_bin / n:.0f} % into the work, {bin_label(v, self._code(self._cursor_bin))}. {KEYS_HELP}"
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


class HeatmapLegend(QWidget):
    """One line under the strip, shown when a result set reproduced text aside: what red, grey and hatched mean.

    Signals: none.
    """

    ENTRIES = (("heat", "confirmed passages (evidence)"),
               (COMMON_PHRASE, SET_ASIDE_LABELS[COMMON_PHRASE]),
               (CONTEXT_COPY, SET_ASIDE_LABELS[CONTEXT_COPY]))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Heatmap legend")
        self.setAccessibleDescription("; ".join(f"{c}: {t}" for c, t in (
            ("red", self.ENTRIES[0][1]), ("grey", self.ENTRIES[1][1]), ("hatched grey", self.ENTRIES[2][1]))))
        self.setVisible(False)

    def sizeHint(self) -> QSize:
        """One line of small text."""
        return QSize(400, self.fontMetrics().height() + 2)

    def show_for(self, set_aside: Sequence[int]) -> None:
        """Show the legend when some bin was set aside, hide it otherwise."""
        self.setVisible(any(set_aside))

    def paintEvent(self, event: QPaintEvent) -> None:
        """Swatches and labels, left to right."""
        painter = QPainter(self)
        h = self.fontMetrics().height()
        x = 0.0
        for code, label in self.ENTRIES:
            swatch = QRectF(x, 2, 2 * h, h - 4)
            if code == "heat":
                painter.fillRect(swatch, style.heat_colour(1.0))
            else:
                paint_set_aside(painter, swatch, int(code))
            painter.setPen(QPen(style.BORDER, 1))
            painter.drawRect(swatch)
            painter.setPen(style.MUTED)
            width = self.fontMetrics().horizontalAdvance(label)
            painter.drawText(QRectF(x + 2 * h + 5, 0, width + 2, h), Qt.AlignmentFlag.AlignVCenter, label)
            x += 2 * h + 5 + width + 18
        painter.end()
