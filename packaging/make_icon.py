"""Render packaging/icons/xinyong-hechatai.svg into the PNG and ICO files the installers use.

Run after editing the SVG: `.venv/bin/python packaging/make_icon.py`. Qt (already a
dependency) renders the PNG offscreen; ImageMagick's `convert` (Debian `imagemagick`) packs the
multi-size ICO for Windows (256 px stored as PNG, 64/48/32/16 px as bitmaps).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent / "icons"
SOURCE = ICONS / "xinyong-hechatai.svg"


def render(size: int):  # -> QImage
    """The icon at `size` × `size` pixels, on a transparent background."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SOURCE)).render(painter)
    painter.end()
    return image


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])  # noqa: F841 (image plugins need an application)
    png = ICONS / "xinyong-hechatai.png"
    if not render(256).save(str(png), "PNG"):
        raise SystemExit(f"cannot write {png}")
    ico = ICONS / "xinyong-hechatai.ico"
    subprocess.run(
        ["convert", str(png), "-define", "icon:auto-resize=256,64,48,32,16", str(ico)],
        check=True,
    )
    print(f"wrote {png} and {ico}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
