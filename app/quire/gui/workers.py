"""Qt workers around core calls: the window never waits on the embedder, the store or a model."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThread, QThreadPool, Signal
from shiboken6 import Shiboken

from quire.errors import QuireError

log = logging.getLogger(__name__)

# torch, numpy and chromadb are imported on first use, from whichever worker gets there first.
# Two threads importing them at once can see a half-initialised module ("partially initialized
# module 'numpy._typing'"), so the first loads happen one at a time, under this lock.
FIRST_LOAD = threading.Lock()


def load_search(quire: Any) -> None:
    """Load the embedder and open the store (a no-op once done)."""
    with FIRST_LOAD:
        quire.embedder.warm_up()
        quire.store  # noqa: B018 (opening the store is the point)


def describe(exc: BaseException) -> str:
    """The sentence the user sees: a QuireError's own, otherwise the kind and message."""
    if isinstance(exc, QuireError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class _JobSignals(QObject):
    done = Signal(object)
    failed = Signal(str)


class Job(QRunnable):
    """Run one call on the shared pool; `done(result)` or `failed(message)` arrive on the GUI thread."""

    _running: set[Job] = set()  # keeps the Python side alive until the signal is delivered

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.call = call
        self.signals = _JobSignals()

    def run(self) -> None:
        try:
            try:
                result = self.call()
            except Exception as exc:
                log.exception("background job failed")
                self.signals.failed.emit(describe(exc))
            else:
                self.signals.done.emit(result)
        except RuntimeError:  # the app quit meanwhile and took the signals object with it
            log.debug("job finished after the app closed")
        finally:
            Job._running.discard(self)


def run_job(
    call: Callable[[], Any],
    done: Callable[[Any], None] | None = None,
    failed: Callable[[str], None] | None = None,
    owner: QObject | None = None,
) -> Job:
    """Start `call` on the global pool; the callbacks are queued to the GUI thread, and dropped
    if `owner` (the widget they update) was closed and deleted in the meantime."""
    job = Job(call)
    if owner is not None:
        done = _while_alive(owner, done)
        failed = _while_alive(owner, failed)
    if done is not None:
        job.signals.done.connect(done, Qt.ConnectionType.QueuedConnection)
    if failed is not None:
        job.signals.failed.connect(failed, Qt.ConnectionType.QueuedConnection)
    Job._running.add(job)
    QThreadPool.globalInstance().start(job)
    return job


def _while_alive(owner: QObject, callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
    if callback is None:
        return None

    def guarded(value: Any) -> None:
        if Shiboken.isValid(owner):
            callback(value)

    return guarded


class IngestWorker(QThread):
    """One import: progress events as they happen, then the summary. pause() stops between steps
    and leaves the rest pending (it resumes later); cancel() stops and abandons the rest."""

    progress = Signal(object)  # IngestProgress
    finished_import = Signal(object)  # IngestSummary
    failed = Signal(str)

    def __init__(
        self, quire: Any, paths: list[Path], parent: QObject | None = None, reindex: bool = False
    ) -> None:
        super().__init__(parent)
        self.quire = quire
        self.paths = paths  # none: refresh the library folders (and finish an interrupted import)
        self.reindex = reindex  # read and embed the files again although they have not changed
        self.cancel_event = threading.Event()
        self.abandon = False  # stopped by Cancel (not Pause, not a quit): drop what is left
        self.vectors_event = threading.Event()  # set: end the vector pass early (the next import resumes it)
        self.error: Exception | None = None  # why it failed, for callers that treat kinds apart

    def pause(self) -> None:
        self.cancel_event.set()

    def cancel(self) -> None:
        self.abandon = True
        self.cancel_event.set()

    def yield_vectors(self) -> None:
        """Another import waits: finish this one's words, leave its vectors to the next."""
        self.vectors_event.set()

    def run(self) -> None:
        try:
            load_search(self.quire)
            start = self.quire.reindex if self.reindex else self.quire.ingest
            summary = start(
                self.paths,
                progress=self.progress.emit,
                cancel=self.cancel_event,
                stop_vectors=self.vectors_event,
            )
            if summary.cancelled and self.abandon:
                self.quire.abandon_import()
        except Exception as exc:
            log.exception("import failed")
            self.error = exc
            self.failed.emit(describe(exc))
        else:
            self.finished_import.emit(summary)


class AnswerWorker(QThread):
    """Streams one answer: text pieces, live metrics a few times a second, then the Answer."""

    started_stream = Signal(object)  # the AnswerStream, once retrieval is done
    piece = Signal(str)
    live = Signal(object)  # Metrics
    answered = Signal(object)  # Answer
    failed = Signal(str)
    progress = Signal(object)  # SetProgress: a set question reading its documents

    METRICS_EVERY_S = 0.1

    def __init__(
        self,
        quire: Any,
        question: str,
        provider: str | None,
        model: str | None = None,
        k: int | None = None,
        parent: QObject | None = None,
        adapter: str | None = None,
        chat: int | None = None,
        query_filter: Any = None,
    ) -> None:
        super().__init__(parent)
        self.quire = quire
        self.question = question
        self.provider = provider
        self.model = model
        self.k = k
        self.adapter = adapter  # FILE[:SCALE], a LoRA adapter for the local model
        self.answer_id: int | None = None  # its metrics row, once answered
        self.chat = chat  # its recent turns and follow-up context (chat/plan.py)
        self.query_filter = query_filter  # None = the dates and scope the words name
        self.stream: Any = None
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()
        if self.stream is not None:
            self.stream.stop()

    def run(self) -> None:
        try:
            load_search(self.quire)
            with FIRST_LOAD:  # a provider may import its SDK (and numpy) as it is made
                extra = {"adapter": self.adapter} if self.adapter else {}
                self.stream = self.quire.ask(
                    self.question,
                    self.provider,
                    self.k,
                    self.model,
                    chat=self.chat,
                    filter=self.query_filter,
                    progress=self.progress.emit,
                    **extra,
                )
            if self._stop.is_set():
                self.stream.stop()
            self.started_stream.emit(self.stream)
            last = 0.0
            with self.quire.answering():  # a background vector pass waits meanwhile
                for text in self.stream:
                    self.piece.emit(text)
                    now = time.monotonic()
                    if now - last >= self.METRICS_EVERY_S:
                        last = now
                        self.live.emit(self.stream.live_metrics())
            answer = self.stream.result()
            self.answer_id = self.quire.answer_id(self.stream)
            self.answered.emit(answer)
        except Exception as exc:
            log.info("answer failed: %s", exc)
            self.failed.emit(describe(exc))
