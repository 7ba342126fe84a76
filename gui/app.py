"""Start the desktop app: check the environment first, then show the window before any model loads.

Only the standard library is imported at module level, so a missing PySide6 or display produces one
readable sentence instead of a traceback; torch is imported later, by the scan worker.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QWidget

    from gui.controller import BackendFactory, ScanFunction
    from gui.main_window import MainWindow
    from gui.model_picker import Discover

ORGANIZATION = "Verbatim"
APPLICATION = "Verbatim"


def check_environment() -> str | None:
    """One sentence explaining why the GUI cannot start here, or None when it can."""
    if importlib.util.find_spec("PySide6") is None:
        return "The desktop app needs PySide6: install it with 'pip install PySide6-Essentials'."
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        return (
            "No display found: run Verbatim in a desktop session, or use the command line ('verbatim scan')."
        )
    return None


def _application() -> QApplication:
    """The QApplication, created and styled once."""
    from PySide6.QtWidgets import QApplication

    from gui.style import apply_style

    existing = QApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        raise RuntimeError("a non-GUI QCoreApplication is running; the window needs a QApplication")
    app = existing
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setOrganizationName(ORGANIZATION)
        app.setApplicationName(APPLICATION)
        app.setApplicationDisplayName(APPLICATION)
    if not app.property("verbatim_gc"):
        from gui.gc_main_thread import MainThreadCollector

        MainThreadCollector(app)  # parented to the app: lives as long as it
        app.setProperty("verbatim_gc", True)
    if not app.property("verbatim_styled"):
        apply_style(app)
        app.setWindowIcon(_icon())
        app.setDesktopFileName("verbatim")  # matches assets/verbatim.desktop (Wayland uses it for the icon)
        app.setProperty("verbatim_styled", True)
    return app


def _icon() -> QIcon:
    """Verbatim's icon in every rendered size (assets/icons, drawn by scripts/make_icons.py)."""
    from PySide6.QtGui import QIcon

    from gui.assets import ASSETS_DIR

    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        icon.addFile(str(ASSETS_DIR / "icons" / f"verbatim-{size}.png"))
    return icon


def _screenshot_and_quit(app: QApplication, window: QWidget, path: str) -> None:
    """Smoke test of an installed app (VERBATIM_SMOKE_SCREENSHOT=PATH): screenshot the shown window, quit.

    Runs once the event loop has shown the window; closes it (joining its threads) and exits with
    status 1 if the screenshot could not be taken.
    """
    from PySide6.QtCore import QTimer

    def shoot() -> None:
        ok = window.isVisible() and window.grab().save(path)
        print(f"verbatim: window shown; screenshot {'saved to' if ok else 'NOT saved to'} {path}", file=sys.stderr)
        window.close()
        app.exit(0 if ok else 1)

    QTimer.singleShot(0, shoot)


def create_main_window(
    backend_factory: BackendFactory | None = None,
    *,
    settings: QSettings | None = None,
    scan_function: ScanFunction | None = None,
    discover: Discover | None = None,
    data_dir: str | None = None,
) -> MainWindow:
    """Build (not show) the main window; tests and scripts inject a backend factory, QSettings, a data dir."""
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow

    _application()
    if settings is None:
        settings = QSettings(ORGANIZATION, APPLICATION)
    window = MainWindow(settings, backend_factory, scan_function, discover, data_dir)
    window.picker.start_discovery()
    return window


def main(argv: list[str] | None = None) -> int:
    """Entry point of `verbatim gui` and `verbatim-gui`: returns the exit status."""
    problem = check_environment()
    if problem is not None:
        print(f"verbatim: {problem}", file=sys.stderr)
        return 2
    args = list(sys.argv[1:] if argv is None else argv)
    app = _application()
    window = create_main_window()
    window.show()
    if args:
        window.open_paths(args)
    else:
        window.offer_unfinished()
    if os.environ.get("VERBATIM_SMOKE_SCREENSHOT"):
        _screenshot_and_quit(app, window, os.environ["VERBATIM_SMOKE_SCREENSHOT"])
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
