"""Every keyboard shortcut in one place (Enter / Shift+Enter live in the chat input itself).

Plain values, turned into QKeySequence where they are used: a QKeySequence made at import time,
before the QApplication exists, crashes Qt."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

IMPORT = QKeySequence.StandardKey.Open  # Ctrl+O
FOCUS_LIBRARY_SEARCH = "Ctrl+K"
STOP_ANSWER = "Esc"
NEW_CHAT = "Ctrl+N"
SETTINGS = "Ctrl+,"
QUIT = QKeySequence.StandardKey.Quit
COPY_ANSWER = "Ctrl+Shift+C"
FOCUS_CHAT = "Ctrl+L"


def keys(shortcut: str | QKeySequence.StandardKey) -> QKeySequence:
    return QKeySequence(shortcut)
