"""Open a document in its own app, or show it in the file manager; say why when that cannot be done."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication


def _why_not(what: str, path: str) -> str:
    if sys.platform.startswith("linux"):
        if QGuiApplication.platformName() in ("offscreen", "minimal"):
            reason = "this session has no desktop to open it on"
        elif shutil.which("xdg-open") is None:
            reason = "xdg-open is missing (install the xdg-utils package)"
        else:
            reason = "no app is set up to open it (xdg-open found none)"
    else:
        reason = "the system did not open it"
    return f"Cannot {what}: {reason}. The file is at {path}"


def reveal(path: str) -> str | None:
    """Show the file in the file manager (selected where the system can); the reason when it cannot."""
    if not Path(path).exists():
        return f"Cannot reveal {Path(path).name}: it is not at {path} any more"
    if sys.platform == "darwin" and QProcess.startDetached("open", ["-R", path]):
        return None
    if sys.platform == "win32" and QProcess.startDetached("explorer", [f"/select,{path}"]):
        return None
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent))):
        return None
    return _why_not("open a file manager", path)


def open_file(path: str) -> str | None:
    """Open the document in the app the system uses for it; the reason when it cannot."""
    if not Path(path).exists():
        return f"Cannot open {Path(path).name}: it is not at {path} any more"
    if QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
        return None
    return _why_not(f"open {Path(path).name}", path)
