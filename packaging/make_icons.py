"""Render resources/quire.svg into the icons each platform wants: PNGs (Linux), .icns (macOS), .ico (Windows).

Usage: python packaging/make_icons.py OUT_DIR   (writes quire-256.png, quire.icns, quire.ico)
Qt draws the SVG, so the icons match what the running app shows; Pillow writes the containers.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "quire.svg"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512, 1024)


def render_png(size: int, path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(path)):
        raise SystemExit(f"cannot write {path}")


def main(out: Path) -> int:
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    out.mkdir(parents=True, exist_ok=True)
    app = QGuiApplication.instance() or QGuiApplication(["make_icons", "-platform", "offscreen"])
    pngs = {}
    for size in PNG_SIZES:
        pngs[size] = out / f"quire-{size}.png"
        render_png(size, pngs[size])
    big = Image.open(pngs[1024])
    big.save(out / "quire.icns")  # Pillow derives the 16…512@2x members from the 1024 image
    big.save(out / "quire.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    del app
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "icons"))
