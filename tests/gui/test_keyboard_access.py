"""Issue 19, item 9: keyboard and accessibility (mnemonics, F1, focus, heatmap keys, tab order)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from gui.heatmap import HeatmapStrip, hot_spots
from gui.help import HelpDialog
from tests.gui.test_window import show_active
from tests.helpers.results import make_result


def _help_dialogs() -> list[HelpDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, HelpDialog) and w.isVisible()]


@pytest.fixture(autouse=True)
def _close_help_dialogs():  # type: ignore[no-untyped-def]
    yield
    for dialog in _help_dialogs():
        dialog.close()


def main_view(qtbot, make_window):  # type: ignore[no-untyped-def]
    """A shown, active window past the welcome page, with a result in it."""
    window = make_window()
    if window.welcome is not None:
        window.welcome.stack.setCurrentIndex(1)
    show_active(qtbot, window)
    result = make_result()
    window.manuscript.show_text(result.text)
    window.show_result(result)
    return window


def mnemonic(text: str) -> str | None:
    match = re.search(r"&([^&])", text.replace("&&", ""))
    return match.group(1).lower() if match else None


def test_alt_letters_are_unique_and_f1_opens_help(qtbot, make_window) -> None:
    window = main_view(qtbot, make_window)
    letters: list[tuple[str, str]] = []
    for action in window.menuBar().actions():
        letters.append((mnemonic(action.text()) or "", action.text()))
    for widget in window.centralWidget().findChildren(QWidget):
        if not widget.isVisibleTo(window):
            continue
        if isinstance(widget, QAbstractButton | QLabel) and (key := mnemonic(widget.text())):
            letters.append((key, widget.text()))
    tabs = window.result_tabs
    letters += [(mnemonic(tabs.tabText(i)) or "", tabs.tabText(i)) for i in range(tabs.count())]
    counts = Counter(key for key, _ in letters if key)
    clashes = {key: [t for k, t in letters if k == key] for key, n in counts.items() if n > 1}
    assert clashes == {}
    assert window.hide_common.text() == "Hi&de common phrases"  # Alt+H is the Help menu's

    assert any(k.toString() == "F1" for k in window.help_actions["method"].shortcuts())
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: len(_help_dialogs()) == 1)
    assert "How Verbatim works" in _help_dialogs()[0].text()


def test_welcome_page_focuses_the_sample_button(qtbot, make_window) -> None:
    window = make_window()
    assert window.welcome is not None and window.welcome.is_showing()
    show_active(qtbot, window)
    sample = window.welcome.view.sample_button
    qtbot.waitUntil(lambda: QApplication.focusWidget() is sample)


def test_heatmap_keys_move_between_hot_spots_and_keep_focus(qtbot, make_window) -> None:
    assert hot_spots([0.0, 0.0, 0.5, 0.6, 0.0, 0.9, 0.0, 0.2]) == [2, 5, 7]
    strip = HeatmapStrip()
    qtbot.addWidget(strip)
    strip.set_heatmap([0.0, 0.0, 0.5, 0.6, 0.0, 0.9, 0.0, 0.2], 800)
    moves = [
        (Qt.Key.Key_End, 7),
        (Qt.Key.Key_Home, 0),
        (Qt.Key.Key_PageDown, 2),
        (Qt.Key.Key_N, 5),
        (Qt.Key.Key_N, 7),
        (Qt.Key.Key_N, 7),  # no hot spot after the last: stays
        (Qt.Key.Key_PageUp, 5),
        (Qt.Key.Key_P, 2),
        (Qt.Key.Key_Right, 3),
    ]
    for key, expected in moves:
        qtbot.keyClick(strip, key)
        assert strip.cursor_bin == expected, key
    assert "38 % into the work" in strip.accessibleDescription()
    with qtbot.waitSignal(strip.positionActivated) as blocker:
        qtbot.keyClick(strip, Qt.Key.Key_Return)
    assert blocker.args == [300]

    # In the window, Enter selects the passage there, and the focus stays on the strip.
    window = main_view(qtbot, make_window)
    target = max(window.result.passages, key=lambda p: p.start_char)
    window.table.clearSelection()
    assert window.detail.passage is None
    window.heatmap.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.heatmap)
    n = len(window.heatmap.values())
    window.heatmap.move_cursor(int(target.start_char * n / len(window.result.text)))
    qtbot.keyClick(window.heatmap, Qt.Key.Key_Return)
    chosen = window.detail.passage
    assert chosen is not None and chosen.start_char <= target.start_char < chosen.end_char + 2 * len(
        window.result.text
    ) // n
    assert QApplication.focusWidget() is window.heatmap


def test_tab_walks_the_window_in_reading_order_and_every_stop_has_a_name(qtbot, make_window) -> None:
    window = main_view(qtbot, make_window)
    window.controls_options.enabled.setChecked(True)  # shows the control-text list and its buttons
    first = window.tab_chain[0]
    first.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)
    visited: list[QWidget] = []
    for _ in range(len(window.tab_chain) + 5):
        widget = QApplication.focusWidget()
        if visited and widget is visited[0]:
            break
        visited.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    expected = [w for w in window.tab_chain if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert visited == expected
    for widget in visited:
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        assert widget.accessibleName() or text.replace("&", ""), type(widget).__name__
    for widget in (window.badge, window.heatmap, window.table, window.queue_view, window.progress_bar,
                   window.progress_label, window.remove_button, window.manuscript):
        assert widget.accessibleName(), type(widget).__name__
