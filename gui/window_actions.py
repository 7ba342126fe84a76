"""The main window's commands: its actions, the menu bar and the toolbar, built in one place.

`build_actions` makes each QAction with its shortcut, status tip and tooltip (the tooltip names the
shortcut) and puts them in the File, Scan and Help menus; `build_toolbar` lays out the toolbar around
the model picker. What an action does is the window's business: it connects `triggered`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QToolBar

from gui.help import install_help
from gui.model_picker import ModelPicker

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None


@dataclass(frozen=True, kw_only=True)
class WindowActions:
    """The window's actions, by what they do."""

    open: QAction
    open_folder: QAction
    scan: QAction
    cancel: QAction
    export: QAction
    settings: QAction
    compare: QAction
    match: QAction
    quit: QAction
    queue: QAction
    """Show or hide the queue pane (checkable)."""
    remove: QAction
    """Remove from queue: Delete, only while the queue list has focus."""
    help: dict[str, QAction]
    """The Help menu's pages by key ("method", "limitations", "verdict", "about")."""


def build_actions(window: QMainWindow) -> WindowActions:
    """Make the window's actions (added to it, so their shortcuts work) and its menu bar."""

    def action(text: str, shortcut: Shortcut, tip: str) -> QAction:
        act = QAction(text, window)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.setStatusTip(tip)
        act.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})" if shortcut else tip)
        window.addAction(act)
        return act

    open_ = action("&Open…", QKeySequence.StandardKey.Open, "Open manuscript files")
    open_folder = action("Open &folder…", None, "Queue every manuscript in a folder")
    scan = action("&Scan", "Ctrl+R", "Scan the selected manuscript, then the rest of the queue")
    cancel = action("&Cancel", "Esc", "Stop the scan; the partial result is kept")
    export = action("&Export…", "Ctrl+E", "Save the result as PDF, JSON or CSV")
    settings = action("Se&ttings…", "Ctrl+,", "Scan settings and thresholds")
    compare = action("Compare &models…", None, "Scan the manuscripts with several models and compare them")
    match = action("Check a model's &output…", None, "Find where text a model wrote replicates your manuscripts")
    quit_ = action("&Quit", QKeySequence.StandardKey.Quit, "Close Verbatim")
    queue = action("Show the &queue", None, "Show or hide the queue of manuscripts")
    queue.setIconText("Queue")
    queue.setCheckable(True)
    queue.setChecked(True)
    remove = QAction("&Remove from queue", window)
    remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
    # Only while the queue has focus: Delete in another widget keeps its own meaning.
    remove.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    remove.setStatusTip("Take the selected manuscript out of the queue")

    menu = window.menuBar().addMenu("&File")
    menu.addActions([open_, open_folder, export])
    menu.addSeparator()
    menu.addAction(queue)
    menu.addSeparator()
    menu.addAction(quit_)
    menu = window.menuBar().addMenu("&Scan")
    menu.addActions([scan, cancel, compare, match])
    menu.addSeparator()
    menu.addAction(settings)
    menu = window.menuBar().addMenu("&Help")
    help_actions = install_help(window, menu)
    return WindowActions(
        open=open_, open_folder=open_folder, scan=scan, cancel=cancel, export=export, settings=settings,
        compare=compare, match=match, quit=quit_, queue=queue, remove=remove, help=help_actions,
    )


def build_toolbar(window: QMainWindow, actions: WindowActions, picker: ModelPicker) -> QToolBar:
    """The main toolbar: queue, open | model picker, settings | scan, cancel | export; added to `window`."""
    toolbar = QToolBar("Main")
    toolbar.setAccessibleName("Main toolbar")
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    toolbar.addAction(actions.queue)
    toolbar.addAction(actions.open)
    toolbar.addSeparator()
    model_label = QLabel("&Model:")
    model_label.setBuddy(picker.combo)
    toolbar.addWidget(model_label)
    toolbar.addWidget(picker)
    toolbar.addAction(actions.settings)
    toolbar.addSeparator()
    toolbar.addAction(actions.scan)
    toolbar.addAction(actions.cancel)
    toolbar.addSeparator()
    toolbar.addAction(actions.export)
    window.addToolBar(toolbar)
    return toolbar
