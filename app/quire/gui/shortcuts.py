"""Every keyboard shortcut in one place, with the words Help ▸ Keyboard shortcuts lists it by.

Plain values, turned into QKeySequence where they are used: a QKeySequence made at import time,
before the QApplication exists, crashes Qt. Widgets take their keys from here and nowhere else;
the test checks that every shortcut a window defines is listed."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence


@dataclass(frozen=True)
class Shortcut:
    keys: str | QKeySequence.StandardKey
    what: str  # what it does, as the shortcuts list says it
    where: str = "Window"  # the part of the app it works in


# The window
IMPORT = Shortcut(QKeySequence.StandardKey.Open, "Import files")
IMPORT_FOLDER = Shortcut("Ctrl+Shift+O", "Import a folder")
NEW_CHAT = Shortcut("Ctrl+N", "Start a new chat")
SETTINGS = Shortcut("Ctrl+,", "Open Settings")
QUIT = Shortcut("Ctrl+Q", "Quit Quire")  # (StandardKey.Quit is empty on some platforms; ⌘Q on a Mac)
COPY_ANSWER = Shortcut("Ctrl+Shift+C", "Copy the last answer with its sources")
FOCUS_LIBRARY_SEARCH = Shortcut("Ctrl+K", "Filter the library")
FOCUS_CHAT = Shortcut("Ctrl+L", "Type a question")
STOP_ANSWER = Shortcut("Esc", "Stop the answer")
SHOW_CHAT = Shortcut("Ctrl+1", "Show the chat")
SHOW_COMPARE = Shortcut("Ctrl+2", "Show Compare")
SHOW_METRICS = Shortcut("Ctrl+3", "Show Metrics")
TOGGLE_LIBRARY = Shortcut("Ctrl+B", "Show or hide the library")
TEXT_LARGER = Shortcut("Ctrl+=", "Larger chat text")
TEXT_SMALLER = Shortcut("Ctrl+-", "Smaller chat text")
TEXT_RESET = Shortcut("Ctrl+0", "Chat text at its usual size")
SHORTCUTS_HELP = Shortcut("Ctrl+/", "List the keyboard shortcuts")

# The chat's question box (handled by the box itself)
SEND = Shortcut("Return", "Send the question", "Question box")
NEW_LINE = Shortcut("Shift+Return", "New line in the question", "Question box")

# The library list
OPEN_DOCUMENT = Shortcut("Return", "Open the selected document", "Library")
REMOVE_DOCUMENT = Shortcut(QKeySequence.StandardKey.Delete, "Remove the selected documents", "Library")

# The source viewers
FIND = Shortcut(QKeySequence.StandardKey.Find, "Find in the document", "Viewer")
# (not the platform's FindNext: on GNOME that is Ctrl+G, which goes to a page here)
FIND_NEXT = Shortcut("F3", "Next match (Enter in the find box)", "Viewer")
FIND_PREVIOUS = Shortcut("Shift+F3", "Previous match (Shift+Enter in the find box)", "Viewer")
ZOOM_IN = Shortcut("Ctrl+=", "Zoom in", "Viewer")
ZOOM_IN_PLUS = Shortcut("Ctrl++", "Zoom in", "Viewer")
ZOOM_OUT = Shortcut("Ctrl+-", "Zoom out", "Viewer")
FIT_WIDTH = Shortcut("Ctrl+0", "Fit the page to the width", "Viewer")
GO_TO_PAGE = Shortcut("Ctrl+G", "Go to a page", "Viewer")
CLOSE_VIEWER = Shortcut("Esc", "Close the viewer", "Viewer")

ALL: tuple[Shortcut, ...] = tuple(value for value in list(globals().values()) if isinstance(value, Shortcut))


def keys(shortcut: Shortcut | str | QKeySequence.StandardKey) -> QKeySequence:
    if isinstance(shortcut, Shortcut):
        shortcut = shortcut.keys
    return QKeySequence(shortcut)


def text(shortcut: Shortcut) -> str:
    """The keys as this platform writes them (Ctrl+K; ⌘K on macOS)."""
    return keys(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


def tip(label: str, shortcut: Shortcut) -> str:
    """A tooltip that names the shortcut: "Send (Enter)"."""
    return f"{label} ({text(shortcut)})"


def table() -> list[tuple[str, str, str]]:
    """(where, keys, what) for every shortcut, as Help ▸ Keyboard shortcuts shows them."""
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for shortcut in ALL:
        if (shortcut.where, shortcut.what) in seen:  # Ctrl+= and Ctrl++ both zoom in: one row
            rows = [
                (w, f"{k}, {text(shortcut)}" if (w, x) == (shortcut.where, shortcut.what) else k, x)
                for w, k, x in rows
            ]
            continue
        seen.add((shortcut.where, shortcut.what))
        rows.append((shortcut.where, text(shortcut), shortcut.what))
    return rows
