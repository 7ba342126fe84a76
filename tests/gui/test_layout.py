"""Issue 19, item 7: layouts that fit the default window, a small screen, and 200 % scaling."""

from __future__ import annotations

from PySide6.QtCore import QSize

from gui.models import PassageTableModel
from tests.gui.test_window import open_and_wait, show_active
from tests.helpers.results import make_result

SCREEN_AT_200 = QSize(1920 // 2, 1080 // 2)
"""A 1920x1080 screen at 200 % scaling, in the logical pixels Qt lays out in."""
WINDOW_FRAME = QSize(16, 40 + 48)
"""Room a desktop takes around a window: frame, title bar and a taskbar (logical pixels at 200 %)."""


def minimum(window) -> QSize:  # type: ignore[no-untyped-def]
    return window.minimumSizeHint().expandedTo(window.minimumSize())


def columns_fit(window) -> bool:  # type: ignore[no-untyped-def]
    header = window.table.horizontalHeader()
    right = max(header.sectionViewportPosition(i) + header.sectionSize(i) for i in range(header.count()))
    return right <= window.table.viewport().width() and window.table.horizontalScrollBar().maximum() == 0


def window_with_result(qtbot, make_window, manuscript, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    window = make_window()
    if window.welcome is not None:
        window.welcome.stack.setCurrentIndex(1)
    show_active(qtbot, window)
    open_and_wait(qtbot, window, manuscript)
    window.show_result(make_result())
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0] and window.height() == size[1])
    return window


def test_default_window_shows_every_column_of_the_passage_table(qtbot, make_window, manuscript) -> None:
    window = window_with_result(qtbot, make_window, manuscript, (1280, 820))
    qtbot.waitUntil(lambda: columns_fit(window))
    header = window.table.horizontalHeader()
    assert header.sectionSize(PassageTableModel.COMMON) >= header.sectionSizeFromContents(
        PassageTableModel.COMMON
    ).width()


def test_small_screen_is_usable(qtbot, make_window, manuscript) -> None:
    window = window_with_result(qtbot, make_window, manuscript, (1024, 640))
    qtbot.waitUntil(lambda: columns_fit(window))
    rows_that_fit = window.table.viewport().height() // window.table.rowHeight(0)
    assert rows_that_fit >= 4
    # The drop zone shrank to one line once a manuscript was queued.
    assert window.drop_zone.is_compact()
    assert window.drop_zone.height() < 90
    # The queue folds away and comes back; the table gains the room.
    before = window.table.viewport().width()
    window.queue_action.trigger()
    assert window.queue_pane.isHidden() and not window.queue_action.isChecked()
    qtbot.waitUntil(lambda: window.table.viewport().width() > before)
    window.queue_action.trigger()
    assert window.queue_pane.isVisible()
    window.remove_current()
    assert not window.drop_zone.is_compact()  # an empty queue: the big target again


def test_minimum_window_fits_a_1920x1080_screen_at_200_percent(qtbot, make_window, manuscript) -> None:
    window = make_window()
    assert window.welcome is not None and window.welcome.is_showing()
    room = SCREEN_AT_200 - WINDOW_FRAME
    for _ in ("welcome page", "results"):
        need = minimum(window)
        assert need.width() <= room.width() and need.height() <= room.height(), need
        if window.welcome.is_showing():
            window.welcome.stack.setCurrentIndex(1)
            open_and_wait(qtbot, window, manuscript)
            window.show_result(make_result())
