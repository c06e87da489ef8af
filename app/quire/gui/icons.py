"""Every icon lookup in one place: the app icon from resources/, health dots, file-type badges,
standard icons."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

HEALTH_COLOURS = {
    "ok": "#2f9e44",
    "warn": "#f08c00",
    "down": "#e03131",
    "unknown": "#adb5bd",
    "unset": "#8a939c",
}


def resources_dir() -> Path:
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources"
    return Path(__file__).resolve().parents[3] / "resources"


@cache
def app_icon() -> QIcon:
    path = resources_dir() / "quire.svg"
    icon = QIcon(str(path)) if path.exists() else QIcon()
    if icon.isNull():  # resources missing (odd install): a plain blue square still says "Quire"
        pixmap = QPixmap(64, 64)
        pixmap.fill(QColor("#3b5bdb"))
        icon = QIcon(pixmap)
    return icon


@cache
def health_dot(state: str, size: int = 10) -> QIcon:
    pixmap = QPixmap(size * 2, size * 2)  # drawn at 2x so it stays crisp on HiDPI screens
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(HEALTH_COLOURS.get(state, HEALTH_COLOURS["unknown"]))
    if state == "unset":  # not set up: a hollow ring, not a verdict
        painter.setPen(QPen(colour, 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(3, 3, size * 2 - 6, size * 2 - 6)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(2, 2, size * 2 - 4, size * 2 - 4)
    painter.end()
    pixmap.setDevicePixelRatio(2)
    return QIcon(pixmap)


# A badge per file type: the letters and colour a reader knows it by.
FILE_BADGES = {
    ".pdf": ("PDF", "#e03131"),
    ".pptx": ("PPT", "#e8590c"),
    ".ppt": ("PPT", "#e8590c"),
    ".md": ("MD", "#3b5bdb"),
    ".markdown": ("MD", "#3b5bdb"),
    ".txt": ("TXT", "#7a828b"),
    ".docx": ("DOC", "#1971c2"),
    ".xlsx": ("XLS", "#2f9e44"),
    ".csv": ("CSV", "#2f9e44"),
    ".html": ("WEB", "#0c8599"),
    ".htm": ("WEB", "#0c8599"),
    ".epub": ("BOOK", "#7048e8"),
    ".xlsm": ("XLS", "#2f9e44"),
    ".tsv": ("TSV", "#2f9e44"),
    ".png": ("IMG", "#c2255c"),
    ".jpg": ("IMG", "#c2255c"),
    ".jpeg": ("IMG", "#c2255c"),
}


@cache
def file_type(suffix: str, size: int = 18) -> QIcon:
    """A small page with a coloured band naming the type ("PDF", "PPT", "MD"…)."""
    letters, colour = FILE_BADGES.get(suffix.lower(), ("FILE", "#7a828b"))
    scale = 2  # drawn at 2x: crisp on HiDPI screens
    pixmap = QPixmap(size * scale, size * scale)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(scale, scale)
    page = QPainterPath()
    page.addRoundedRect(QRectF(3, 1, size - 6, size - 2), 2, 2)
    painter.setPen(QColor(colour))
    painter.setBrush(QColor("#ffffff"))
    painter.drawPath(page)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    band = QRectF(1, size * 0.48, size - 2, size * 0.36)
    painter.drawRoundedRect(band, 1.5, 1.5)
    font = QFont()
    font.setPixelSize(max(5, int(size * (0.3 if len(letters) < 4 else 0.24))))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(band, Qt.AlignmentFlag.AlignCenter, letters)
    painter.end()
    pixmap.setDevicePixelRatio(scale)
    return QIcon(pixmap)


def standard(name: str) -> QIcon:
    """A QStyle standard icon by its short name, e.g. "open", "settings", "stop"."""
    pixmaps = {
        "open": QStyle.StandardPixmap.SP_DialogOpenButton,
        "folder": QStyle.StandardPixmap.SP_DirOpenIcon,
        "remove": QStyle.StandardPixmap.SP_TrashIcon,
        "retry": QStyle.StandardPixmap.SP_BrowserReload,
        "stop": QStyle.StandardPixmap.SP_MediaStop,
        "send": QStyle.StandardPixmap.SP_ArrowForward,
        "new": QStyle.StandardPixmap.SP_FileDialogNewFolder,
        "settings": QStyle.StandardPixmap.SP_FileDialogDetailedView,
        "copy": QStyle.StandardPixmap.SP_FileLinkIcon,
        "pdf": QStyle.StandardPixmap.SP_FileIcon,
        "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
        "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
        "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
        "prev": QStyle.StandardPixmap.SP_ArrowBack,
        "next": QStyle.StandardPixmap.SP_ArrowForward,
    }
    style = QApplication.style()
    return style.standardIcon(pixmaps[name]) if style else QIcon()
