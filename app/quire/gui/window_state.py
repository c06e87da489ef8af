"""What the window remembers between runs, in the data dir's window.ini (QSettings' INI format):
geometry, splitter sizes, the open tab, the library's columns and sort, the last folder used,
the chat text size. Saved on every close, however the window is closed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget, QTreeWidget


class WindowState:
    def __init__(self, home: Path | None) -> None:
        self.settings: QSettings | None = None
        if home is not None:
            self.settings = QSettings(str(home / "window.ini"), QSettings.Format.IniFormat)

    def get(self, key: str, default: Any = None) -> Any:
        if self.settings is None:
            return default
        value = self.settings.value(key, default)
        if isinstance(default, int) and not isinstance(value, int):
            try:
                return int(value)
            except (TypeError, ValueError):
                return default
        return value

    def set(self, key: str, value: Any) -> None:
        if self.settings is not None:
            self.settings.setValue(key, value)
            self.settings.sync()

    def restore(self, window: QMainWindow, splitter: QSplitter, tabs: QTabWidget, tree: QTreeWidget) -> bool:
        """Put the window back as it was left; False when nothing was saved (a first start)."""
        if self.settings is None or not self.settings.contains("window/geometry"):
            return False
        _restore(window.restoreGeometry, self.get("window/geometry"))
        _restore(window.restoreState, self.get("window/state"))
        _restore(splitter.restoreState, self.get("window/splitter"))
        _restore(tree.header().restoreState, self.get("library/header"))
        tab = self.get("window/tab", 0)
        if 0 <= tab < tabs.count():
            tabs.setCurrentIndex(tab)
        return True

    def save(self, window: QMainWindow, splitter: QSplitter, tabs: QTabWidget, tree: QTreeWidget) -> None:
        if self.settings is None:
            return
        self.settings.setValue("window/geometry", window.saveGeometry())
        self.settings.setValue("window/state", window.saveState())
        self.settings.setValue("window/splitter", splitter.saveState())
        self.settings.setValue("window/tab", tabs.currentIndex())
        self.settings.setValue("library/header", tree.header().saveState())
        self.settings.setValue(
            "window/maximized", bool(window.windowState() & Qt.WindowState.WindowMaximized)
        )
        self.settings.sync()


def _restore(apply: Any, value: Any) -> None:
    if isinstance(value, QByteArray) and not value.isEmpty():
        apply(value)
