"""Render assets/icons/verbatim.svg to the PNG sizes desktops ask for (16 … 256 px), with Qt's QSvgRenderer.

Run after editing the SVG: `QT_QPA_PLATFORM=offscreen python scripts/make_icons.py`. The PNGs are
committed, so neither the app nor the installer needs this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "assets" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)


def render(svg: Path, size: int) -> QImage:
    """The SVG drawn on a transparent square of `size` pixels, antialiased."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG.")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = ICONS / "verbatim.svg"
    for size in SIZES:
        out = ICONS / f"verbatim-{size}.png"
        if not render(svg, size).save(str(out), "PNG"):
            raise SystemExit(f"could not write {out}")
        print(out.relative_to(ICONS.parents[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
