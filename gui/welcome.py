"""The first-run welcome: what Verbatim does, and two ways to start (the sample, or your own manuscript).

`Welcome` puts the welcome page in front of the window's main view when the app starts with nothing
queued and the user has never opened a manuscript; the first manuscript queued (from the welcome, the
menu or a drop) switches to the main view for good. It only emits signals: the window decides what
"try the sample" and "open" do, so this module never imports the window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from gui.assets import asset_path
from gui.help import show_help

SEEN_KEY = "welcome/seen"
SAMPLE = ("samples", "genesis-1-3-kjv.txt")

INTRO = (
    "Verbatim checks whether a language model memorized your manuscript. "
    "It gives the model the text before each passage and looks for places where the model continues "
    "with your own words, then has the model write those passages out again to prove it. "
    "You get a verdict, the reproduced passages side by side with yours, and a PDF report that another "
    "expert can check and replay."
)


def _font(widget: QWidget, points: float, bold: bool = False) -> QFont:
    font = QFont(widget.font())
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


class WelcomeView(QWidget):
    """The welcome page.

    Signals:
        sampleRequested(): "Try the sample manuscript" was pressed.
        openRequested(): "Open a manuscript…" was pressed.
        helpRequested(): the "How it works" link was activated.
    """

    sampleRequested = Signal()
    openRequested = Signal()
    helpRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        title = QLabel("Welcome to Verbatim")
        title.setObjectName("welcomeTitle")
        title.setFont(_font(title, 20, bold=True))
        self.intro = QLabel(INTRO)
        self.intro.setWordWrap(True)
        self.intro.setFixedWidth(620)  # a fixed width lets the wrapped label get its full height
        self.intro.setFont(_font(self.intro, 12))  # setFont, not a style sheet: wrapping measures the font
        self.sample_button = QPushButton("Try the sample manuscript")
        self.sample_button.setToolTip("Genesis 1–3 (King James Version, public domain) with the built-in model")
        self.sample_button.setDefault(True)
        self.open_button = QPushButton("Open a manuscript…")
        self.open_button.setToolTip("A .txt, .md, .docx, .pdf, .epub, .odt, .rtf or .html file")
        self.help_link = QLabel('<a href="help:method">How it works</a>')
        self.help_link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.help_link.setAccessibleName("How it works")
        # A model on a server (Browse ▸ Connect to a server…) is sent the text: say so, not "nothing is uploaded".
        self.privacy_note = note = QLabel("Your manuscript stays on this computer unless you choose a model on a server.")
        note.setStyleSheet("color: palette(placeholder-text);")

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sample_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(18)
        column.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        intro_row = QHBoxLayout()  # centred by stretches, not an alignment flag, so height-for-width holds
        intro_row.addStretch(1)
        intro_row.addWidget(self.intro)
        intro_row.addStretch(1)
        column.addLayout(intro_row)
        column.addLayout(buttons)
        column.addWidget(self.help_link, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(note, 0, Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(column)
        layout.addStretch(2)

        self.sample_button.clicked.connect(self.sampleRequested)
        self.open_button.clicked.connect(self.openRequested)
        self.help_link.linkActivated.connect(self._on_help_link_activated)

    def showEvent(self, event: QShowEvent) -> None:
        """The first thing a new user meets has the focus: Enter or Space tries the sample."""
        super().showEvent(event)
        self.sample_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_help_link_activated(self, link: str) -> None:
        self.helpRequested.emit()


class Welcome(QObject):
    """Puts WelcomeView in front of the window's main view until `dismiss` is called.

    The window owns what the buttons do: it connects the signals below and calls `dismiss` when the
    first manuscript is queued. The welcome never reaches into the window.

    Signals:
        sampleRequested(): the user asked for the sample manuscript.
        openRequested(): the user asked to open a manuscript of their own.
    """

    sampleRequested = Signal()
    openRequested = Signal()

    def __init__(self, main: QWidget, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._main = main
        self.view = WelcomeView()
        self.stack = QStackedWidget()
        """The window's central widget while the welcome is installed: the welcome page, then `main`."""
        self.stack.addWidget(self.view)
        self.stack.addWidget(main)
        self.view.sampleRequested.connect(self.sampleRequested)
        self.view.openRequested.connect(self.openRequested)
        self.view.helpRequested.connect(self._on_view_help_requested)

    def is_showing(self) -> bool:
        """Whether the welcome page is in front."""
        return self.stack.currentWidget() is self.view

    def dismiss(self) -> None:
        """Show the main view for good: this and later starts skip the welcome."""
        self._settings.setValue(SEEN_KEY, True)
        self.stack.setCurrentWidget(self._main)

    def _on_view_help_requested(self) -> None:
        show_help(self.stack.window(), "method")


def is_first_start(settings: QSettings) -> bool:
    """Whether the welcome page was never dismissed (no manuscript was ever queued)."""
    return not settings.value(SEEN_KEY, False, type=bool)


def sample_path() -> str:
    """The bundled sample manuscript's path; AssetError when this installation lacks it."""
    return str(asset_path(*SAMPLE))
