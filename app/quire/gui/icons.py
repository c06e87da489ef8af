"""Every icon lookup in one place: the app icon from resources/, health dots, standard icons."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

HEALTH_COLOURS = {"ok": "#2f9e44", "warn": "#f08c00", "down": "#e03131", "unknown": "#adb5bd"}


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
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(HEALTH_COLOURS.get(state, HEALTH_COLOURS["unknown"])))
    painter.drawEllipse(2, 2, size * 2 - 4, size * 2 - 4)
    painter.end()
    pixmap.setDevicePixelRatio(2)
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
