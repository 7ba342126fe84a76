"""Status helpers: words for counts and durations, the dismissible message bar, and the scan's progress.

`ScanStatus` owns the progress line and bar at the right of the window's status bar: it turns the
controller's state and progress reports into one honest line ("Testing every passage · 1,200 of
5,000 tokens · about 3 min left"), with a clock that moves before the model's speed is measured.
The window forwards the controller's signals to it; nothing here starts or stops work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QProgressBar, QPushButton, QWidget

from core.scan.progress import Overall, OverallProgress, ScanProgress


def plural(n: int, noun: str) -> str:
    """Count and noun, plural unless 1: "1 manuscript", "2 manuscripts"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def format_duration(seconds: float | None) -> str:
    """Seconds as "1 h 05 min", "3 min 20 s" or "45 s"; "—" when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "—"
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"


def progress_text(o: Overall, elapsed_s: float | None = None) -> str:
    """One line in words: what is being done, how far, and the time left for the whole scan.

    Before the first pass has measured the model's speed there is no time left to give: the time the
    stage has taken so far shows instead, so the line never sits frozen.
    """
    parts = [o.stage]
    if o.counter:
        parts.append(o.counter)
    if o.measured and o.eta_s is not None:
        parts.append(f"about {format_duration(max(1.0, o.eta_s))} left")
    elif elapsed_s is not None:
        parts.append(f"measuring the model's speed… {format_duration(elapsed_s)}")
    return "  ·  ".join(parts)


def announce(window: QMainWindow, text: str) -> None:
    """Tell the user something happened without moving focus: status bar, screen reader, taskbar."""
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
    from PySide6.QtWidgets import QApplication

    window.statusBar().showMessage(text, 10_000)
    if QAccessible.isActive():
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(window.statusBar(), text))
    QApplication.alert(window)  # flashes the taskbar entry when the window is in the background


class MessageBar(QFrame):
    """A dismissible one-sentence message above the results (errors stay until closed). Signals: none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.setAccessibleName("Message")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("Dismiss")
        close.setFlat(True)
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str) -> None:
        """Show `text` (one sentence)."""
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        """The message shown, or "" when hidden."""
        return self.label.text() if not self.isHidden() else ""


class LoadingDetail(Protocol):
    """What ScanStatus reads of a model-loading report (gui.controller's LoadingModel)."""

    @property
    def message(self) -> str: ...
    @property
    def elapsed_s(self) -> float: ...


class WorkSize(Protocol):
    """What ScanStatus reads of the scan's plan (gui.controller's WorkPlan)."""

    @property
    def text_chars(self) -> int: ...
    @property
    def controls_chars(self) -> int: ...


class ScanStatus(QObject):
    """The scan's progress line (`label`) and bar (`bar`), for the window's status bar. Signals: none.

    `state` reads the controller's state ("idle", "loading", "scanning" or "cancelling"): reports that
    arrive while cancelling are dropped, so the line keeps saying "Cancelling…".
    """

    def __init__(self, state: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._overall: OverallProgress | None = None
        self._last_overall: Overall | None = None
        self._stage_started = 0.0
        self._last_stage = ""
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._on_ticker_timeout)
        self.label = QLabel("")
        self.label.setAccessibleName("Scan status")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(220)
        self.bar.setAccessibleName("Scan progress")
        self.bar.hide()

    def set_state(self, state: str) -> None:
        """The controller's state changed: show, busy or hide the bar; start or stop the clock."""
        busy = state != "idle"
        self.bar.setVisible(busy)
        if state == "loading":
            self.bar.setRange(0, 0)
        if state == "cancelling":
            self.label.setText("Cancelling…")
            self._ticker.stop()
        if busy and state != "cancelling":
            self._ticker.start()
        if not busy:
            self.label.setText("")
            self._ticker.stop()
            self._overall, self._last_overall, self._last_stage = None, None, ""

    def show_loading(self, item: LoadingDetail, model_name: str) -> None:
        """The model is loading: a busy bar and what the loader says, with the time it has taken."""
        if self._state() == "cancelling":
            return
        self.bar.setRange(0, 0)
        elapsed = f"  ·  {format_duration(item.elapsed_s)}" if item.elapsed_s >= 1 else ""
        self.label.setText(f"{item.message}{elapsed}  ({model_name})")

    def set_plan(self, plan: WorkSize) -> None:
        """The sizes of the manuscript and the controls, for one progress across both."""
        self._overall = OverallProgress(plan.text_chars, plan.controls_chars)
        self._stage_started = time.monotonic()

    def show_scan(self, p: ScanProgress) -> None:
        """One of the scan's own progress reports."""
        if self._state() == "cancelling":
            return
        if self._overall is None:
            self._overall = OverallProgress(max(1, p.positions_total * 4))
            self._stage_started = time.monotonic()
        if p.stage != self._last_stage:
            self._stage_started = time.monotonic()
        self._last_stage = p.stage
        self._show_overall(self._overall.scan(p, time.monotonic()))

    def show_controls(self, done: int, total: int, message: str) -> None:
        """The control texts: `done` of `total` scanned; `message` goes in the tooltip."""
        if self._state() == "cancelling":
            return
        if self._overall is None:
            self._overall = OverallProgress(1)
        self._show_overall(self._overall.controls(done, total, time.monotonic()))
        self.label.setToolTip(message)

    def _show_overall(self, o: Overall) -> None:
        self._last_overall = o
        if o.measured:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(1000 * o.fraction))
            self.label.setText(progress_text(o))
        else:  # a busy bar and a clock, never a frozen "0 of 2,500"
            self.bar.setRange(0, 0)
            self.label.setText(progress_text(o, time.monotonic() - self._stage_started))
        self.bar.setAccessibleDescription(self.label.text())

    def _on_ticker_timeout(self) -> None:
        """Once a second while nothing was measured yet: the clock on the line moves."""
        o = self._last_overall
        if self._state() == "scanning" and o is not None and not o.measured:
            self._show_overall(o)
