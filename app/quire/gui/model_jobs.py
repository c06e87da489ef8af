"""Qt workers for the models: a download (progress, pause, resume, cancel) and the check on add."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from quire.gui.workers import describe

log = logging.getLogger(__name__)


class DownloadWorker(QThread):
    """One Hub download; `paused` keeps the partial file (resumable after a restart too)."""

    progress = Signal(object)  # DownloadProgress, at most ~10 a second
    downloaded = Signal(object)  # DownloadResult
    stopped = Signal(bool)  # paused (True) or cancelled (False)
    failed = Signal(str)

    EVERY_S = 0.1

    def __init__(
        self, settings: Any, repo: str, file: str, revision: str = "main", parent: QObject | None = None
    ):
        super().__init__(parent)
        from quire.models.download import Download

        self.repo, self.file = repo, file
        self._last = 0.0
        self.download = Download(settings, repo, file, revision, progress=self._progress)
        self.settings = settings

    def _progress(self, event: Any) -> None:
        now = time.monotonic()
        if now - self._last >= self.EVERY_S or event.done == event.total:
            self._last = now
            self.progress.emit(event)

    def pause(self) -> None:
        self.download.pause()

    def cancel(self) -> None:
        self.download.cancel()

    def run(self) -> None:
        from quire.models.download import DownloadStopped
        from quire.models.inventory import record_download

        try:
            result = self.download.run()
            record_download(self.settings, result)
        except DownloadStopped as exc:
            self.stopped.emit(exc.paused)
        except Exception as exc:
            log.info("download failed: %s", exc)
            self.failed.emit(describe(exc))
        else:
            self.downloaded.emit(result)


class CheckWorker(QThread):
    """The check on add; each step as it finishes, then the ModelCard."""

    step = Signal(str)
    checked = Signal(object)  # ModelCard
    failed = Signal(str)

    def __init__(self, quire: Any, path: Path, full: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.quire = quire
        self.path = path
        self.full = full

    def run(self) -> None:
        from quire.gui.workers import FIRST_LOAD
        from quire.models.check import check_model
        from quire.models.inventory import record_check

        try:
            with FIRST_LOAD:  # llama_cpp imports numpy: not alongside another first load
                import llama_cpp  # noqa: F401
            card = check_model(
                self.path,
                self.quire.settings,
                smoke=self.full,
                perplexity=self.full,
                embedder=self.quire.embedder,
                say=self.step.emit,
            )
            record_check(self.quire.settings, self.path, card.ok, card.problem)
        except Exception as exc:
            log.exception("model check failed")
            self.failed.emit(describe(exc))
        else:
            self.checked.emit(card)
