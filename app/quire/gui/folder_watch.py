"""Keeps the library folders indexed while the app runs: file-system events (once a burst has been
quiet for 2 s), a slow periodic rescan and the start of the app each lead to a stat-only look, and
when the folders differ from the catalog, to one refresh through the library panel's import (queued
behind a running import, never beside it)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from quire.errors import LibraryBusy
from quire.gui.library_panel import LibraryPanel
from quire.gui.workers import run_job
from quire.library.loaders import SUPPORTED

log = logging.getLogger(__name__)

QUIET_MS = 2_000  # a burst of changes (a save, a copied folder) is looked at once it is this quiet
LONGEST_WAIT_S = 30.0  # ...or after this long, for a file that is written to without pause
RETRY_MS = 30_000  # another Quire held the library: look again after this
WATCH_LIMIT = 4_000  # watch handles are finite (inotify, kqueue); the periodic rescan covers the rest


def watch_paths(folders: list[str], data_dir: Path, limit: int = WATCH_LIMIT) -> list[str]:
    """The folders and their subfolders, then the files Quire reads in them, as an import sees them
    (hidden ones left out). A folder watch alone misses a file rewritten in place, hence the files.
    The data dir is left out: the catalog's own writes must not look like changes."""
    home = os.path.abspath(data_dir)
    dirs: list[str] = []
    files: list[str] = []
    for folder in folders:
        for root, subdirs, names in os.walk(folder):
            if root == home or root.startswith(home + os.sep):
                subdirs[:] = []
                continue
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
            dirs.append(root)
            files += [
                os.path.join(root, name)
                for name in sorted(names)
                if not name.startswith((".", "~$")) and Path(name).suffix.lower() in SUPPORTED
            ]
    return (dirs + files)[:limit]


class FolderWatch(QObject):
    looked = Signal(object)  # FolderChanges, after each look

    def __init__(self, library: LibraryPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.quire: Any = None
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._changed)
        self.watcher.fileChanged.connect(self._changed)
        self.quiet = QTimer(self)
        self.quiet.setSingleShot(True)
        self.quiet.setInterval(QUIET_MS)
        self.quiet.timeout.connect(self.look)
        self.rescan = QTimer(self)
        self.rescan.timeout.connect(self.look)
        self.retry = QTimer(self)
        self.retry.setSingleShot(True)
        self.retry.setInterval(RETRY_MS)
        self.retry.timeout.connect(self.look)
        self._burst_since: float | None = None
        library.import_finished.connect(self._import_finished)

    @property
    def active(self) -> bool:
        return self.quire is not None and bool(self.quire.settings.get("library.watch"))

    def start(self, quire: Any) -> None:
        """Watch the library folders, and look now: files may have changed while Quire was closed."""
        self.quire = quire
        self.apply_settings()

    def apply_settings(self) -> None:
        """Follow library.watch and library.rescan_minutes (after start, and when settings are saved)."""
        self.quiet.stop()
        self.rescan.stop()
        self.retry.stop()
        if not self.active:
            self._watch([])
            return
        minutes = int(self.quire.settings.get("library.rescan_minutes"))
        if minutes > 0:
            self.rescan.start(minutes * 60_000)
        self.look()

    def stop(self) -> None:
        self.quiet.stop()
        self.rescan.stop()
        self.retry.stop()
        self._watch([])
        self.quire = None

    def watched(self) -> list[str]:
        return self.watcher.directories() + self.watcher.files()

    def _changed(self, path: str) -> None:
        if not self.active:
            return
        now = time.monotonic()
        if self._burst_since is None:
            self._burst_since = now
        if now - self._burst_since < LONGEST_WAIT_S:
            self.quiet.start()  # restarts the wait: the burst is looked at once it settles
        else:
            self.quiet.stop()
            self.look()

    def look(self) -> None:
        """Compare the library folders with the catalog in a worker; refresh if they differ."""
        self._burst_since = None
        if not self.active:
            return
        quire = self.quire

        def find() -> tuple[Any, list[str]]:
            return quire.folder_changes(), watch_paths(quire.folders(), quire.settings.home)

        run_job(find, self._looked, lambda error: log.warning("library folders: %s", error), owner=self)

    def _looked(self, result: tuple[Any, list[str]]) -> None:
        changes, paths = result
        if not self.active:
            return
        self._watch(paths)
        self.looked.emit(changes)
        if (
            changes and not self.library.paused
        ):  # a paused import waits for Resume (a refresh would resume it)
            log.info(
                "library folders: %d new, %d changed, %d gone: refreshing",
                len(changes.new),
                len(changes.changed),
                len(changes.gone),
            )
            self.library.refresh_folders()

    def _watch(self, paths: list[str]) -> None:
        current = set(self.watched())
        wanted = set(paths)
        if current - wanted:
            self.watcher.removePaths(sorted(current - wanted))
        if wanted - current:
            self.watcher.addPaths(sorted(wanted - current))  # (a path gone meanwhile is skipped)

    def _import_finished(self, summary: Any) -> None:
        if not self.active:
            return
        if summary is None:
            if self.library.background and isinstance(self.library.last_error, LibraryBusy):
                self.retry.start()  # another Quire was writing the library: try again in a while
        elif not self.library.background and not summary.cancelled:
            self.look()  # the user imported: a new library folder to watch, changes made meanwhile
