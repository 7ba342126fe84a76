"""The queue pane: the left side of the window, where manuscripts come in and wait to be scanned.

From top to bottom: the drop zone, the queue list with its Remove button, the control-text options
and the reference model. The pane only lays these out; the window connects them to its actions.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from gui.chat_panel import ChatOptions
from gui.controls_view import ControlsOptions
from gui.figures_panel import ReconstructChoice
from gui.manuscript import DropZone
from gui.model_picker import ReferencePicker
from gui.models import ModelListModel, QueueModel


class QueuePane(QWidget):
    """Drop zone, queue list, Remove, controls options and reference picker. Signals: none.

    `remove_action` (the window's, Delete while the list has focus) is the list's context menu and the
    Remove button's action; the button follows its enabled state.
    """

    def __init__(
        self, queue_model: QueueModel, remove_action: QAction, settings: QSettings, models: ModelListModel
    ) -> None:
        super().__init__()
        self.drop_zone = DropZone()
        self.drop_zone.setAccessibleName("Drop manuscripts here")
        self.queue_view = QListView()
        self.queue_view.setModel(queue_model)
        self.queue_view.setAccessibleName("Manuscript queue")
        self.queue_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.queue_view.setAlternatingRowColors(True)
        # A long file name loses its middle, never its status ("The Salt R…  ·  scanned").
        self.queue_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.queue_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.queue_view.setMinimumHeight(32)  # one row; the column must fit a 1920x1080 screen at 200 %
        self.queue_view.addAction(remove_action)
        self.queue_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        queue_label = QLabel("&Queue")
        queue_label.setObjectName("paneTitle")
        queue_label.setBuddy(self.queue_view)
        self.remove_button = QPushButton("Remo&ve")
        self.remove_button.setToolTip("Take the selected manuscript out of the queue (Delete)")
        self.remove_button.setAccessibleName("Remove the selected manuscript from the queue")
        self.remove_button.clicked.connect(remove_action.trigger)
        remove_action.changed.connect(lambda: self.remove_button.setEnabled(remove_action.isEnabled()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 6, 12)
        layout.setSpacing(8)
        layout.addWidget(self.drop_zone)
        queue_head = QHBoxLayout()
        queue_head.addWidget(queue_label)
        queue_head.addStretch(1)
        queue_head.addWidget(self.remove_button)
        layout.addLayout(queue_head)
        layout.addWidget(self.queue_view, 1)
        # What a scan does besides the verdict's protocol: a row of its own under the queue (the column has
        # height to spare, not width); each box's fields show below it only while it is ticked.
        self.chat_options = ChatOptions()
        self.reconstruct_choice = ReconstructChoice()
        extras = QHBoxLayout()
        extras.addWidget(QLabel("Also:"))
        extras.addWidget(self.chat_options.enabled)
        extras.addWidget(self.reconstruct_choice.enabled)
        extras.addStretch(1)
        layout.addLayout(extras)
        layout.addWidget(self.chat_options)
        layout.addWidget(self.reconstruct_choice)
        self.controls_options = ControlsOptions(settings)
        layout.addWidget(self.controls_options)
        self.reference_picker = ReferencePicker(models)
        layout.addWidget(self.reference_picker)

    def tab_chain(self) -> list[QWidget]:
        """The pane's widgets in keyboard (Tab) order, top to bottom."""
        opts = self.controls_options
        return [
            self.drop_zone.open_button,
            self.queue_view,
            self.remove_button,
            self.chat_options.enabled,
            self.reconstruct_choice.enabled,
            self.chat_options.title,
            self.chat_options.author,
            self.reconstruct_choice.assisted,
            opts.enabled,
            opts.user_list,
            opts.own_button,
            opts.add_button,
            opts.remove_button,
            self.reference_picker.combo,
        ]
