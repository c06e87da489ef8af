"""Drops on the window: files and folders import, taken as a Copy (or a Link), never a Move, since a
file manager that honours Move deletes the user's originals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent


def drop_action(offered: Qt.DropAction) -> Qt.DropAction | None:
    """Copy when the source offers it, else Link; never Move (a file manager that honours Move
    deletes the user's originals). None: the source offers neither."""
    for action in (Qt.DropAction.CopyAction, Qt.DropAction.LinkAction):
        if offered & action:
            return action
    return None


class DropsMixin:
    """Part of MainWindow: self is the window."""

    def _local_files(self, event: Any) -> list[Path]:
        return [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        files = self._local_files(event)
        action = drop_action(event.possibleActions())
        if files and action is not None:
            event.setDropAction(action)
            event.accept()
            self.library.set_drop_highlight(True, len(files))
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        action = drop_action(event.possibleActions())
        if action is not None and self._local_files(event):
            event.setDropAction(action)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self.library.set_drop_highlight(False)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self.library.set_drop_highlight(False)
        paths = self._local_files(event)
        if not paths:
            event.ignore()
            return
        action = drop_action(event.possibleActions())
        if action is None:
            event.ignore()
            self.library.show_notice(
                "That drop could only move the files, and Quire never moves your files. "
                "Drag them with Ctrl held down, or use File ▸ Import…",
                error=True,
            )
            return
        event.setDropAction(action)
        event.accept()
        self.library.import_paths(paths, announce=True)
