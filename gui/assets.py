"""The one way to find bundled assets (fonts, controls, samples) and to register the bundled fonts.

assets/ sits at the repository root, beside the packages (installed as the package verbatim_assets;
core.paths.asset_dir finds either); a missing folder or file is one clear error naming the path, never
a silent fallback to a system font.
"""

from __future__ import annotations

from pathlib import Path

from core.paths import asset_dir

ASSETS_DIR = asset_dir()

FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSansMono.ttf",
)
SANS = "DejaVu Sans"
SERIF = "DejaVu Serif"
MONO = "DejaVu Sans Mono"

_registered: set[str] = set()


class AssetError(FileNotFoundError):
    """A bundled file is missing: the installation is incomplete."""


def asset_path(*parts: str) -> Path:
    """Path of a bundled asset given path parts (e.g. "fonts", "DejaVuSans.ttf"); AssetError if missing."""
    path = ASSETS_DIR.joinpath(*parts)
    if not path.exists():
        raise AssetError(f"Bundled file {path} is missing; reinstall Verbatim or restore the assets folder.")
    return path


def register_fonts() -> tuple[str, ...]:
    """Register the bundled DejaVu fonts with Qt (once per process); return their family names.

    Needs a QGuiApplication. The families cover Latin, Greek and Cyrillic, so a report renders the
    same on every machine whatever fonts the system has.
    """
    from PySide6.QtGui import QFontDatabase

    for name in FONT_FILES:
        if name in _registered:
            continue
        path = asset_path("fonts", name)
        if QFontDatabase.addApplicationFont(str(path)) < 0:
            raise AssetError(f"Qt could not load the bundled font {path}.")
        _registered.add(name)
    return (SANS, SERIF, MONO)
