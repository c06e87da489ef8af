"""Every keyboard shortcut in one place (Enter / Shift+Enter live in the chat input itself)."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

IMPORT = QKeySequence(QKeySequence.StandardKey.Open)  # Ctrl+O
FOCUS_LIBRARY_SEARCH = QKeySequence("Ctrl+K")
STOP_ANSWER = QKeySequence("Esc")
NEW_CHAT = QKeySequence("Ctrl+N")
SETTINGS = QKeySequence(QKeySequence.StandardKey.Preferences)
FALLBACK_SETTINGS = QKeySequence("Ctrl+,")
QUIT = QKeySequence(QKeySequence.StandardKey.Quit)
COPY_ANSWER = QKeySequence("Ctrl+Shift+C")
FOCUS_CHAT = QKeySequence("Ctrl+L")
