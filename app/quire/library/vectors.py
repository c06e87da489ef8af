"""The vector pass: embeds, in the background, what the words pass has indexed, and stores it.

Words first: an import commits each file's chunks (searchable by FTS5 at once) marked `embedded = 0`;
this pass takes indexed files still waiting, oldest first, embeds their chunks in batches that span
files (similar lengths together, so little goes on padding), and marks a file embedded once all its
vectors are stored. One thread encodes while a second stores the batch before, so Chroma's writes
overlap the next encode.

Crash-safe by construction: the queue is the catalog itself, chunk ids are deterministic, and a file
is marked embedded only after its last vector is written, so a pass killed anywhere redoes at most the
files it had not marked, rewriting the same ids. A file that changes while its vectors are being made
is skipped under the import's write lock (its new version waits for its own vectors), so no vector of
an old version lands after the words pass dropped that version's vectors."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from quire.library.catalog import Catalog, FileRecord
from quire.library.chunking import Chunk
from quire.library.ingest import IngestProgress

if TYPE_CHECKING:
    import numpy as np

    from quire.search.embedder import Embedder
    from quire.search.stores.base import VectorStore

log = logging.getLogger(__name__)

GROUP_CHUNKS = 128  # chunks per encode call: across small files, enough to batch by length


@dataclass(frozen=True)
class VectorProgress:
    """After each file's vectors are stored: how many files have them, of those waiting."""

    path: str
    done: int
    total: int  # done plus those waiting now (the words pass adds to them as it goes)
    chunks: int


@dataclass(frozen=True)
class VectorSummary:
    embedded: int  # files whose vectors this pass stored
    chunks: int
    pending: int  # files still waiting when it ended (stopped, cancelled, or failed)
    seconds: float
    error: str | None = None


@dataclass(frozen=True)
class _Piece:
    record: FileRecord
    chunks: list[Chunk]
    last: bool  # the file's last piece: mark it embedded once stored


@dataclass
class _Job:
    pieces: list[_Piece]
    vectors: Any = None  # np.ndarray, one row per chunk of the pieces in order


class VectorPass:
    """Run it in the background (`start`, then `words_done` and `join`) beside the words pass, or
    alone (`run`). `stop` ends it after the batch in hand; what is left waits for the next pass."""

    def __init__(
        self,
        catalog: Catalog,
        store: VectorStore,
        embedder: Embedder,
        write_lock: threading.Lock,
        *,
        batch: int = 32,
        group: int = GROUP_CHUNKS,
        pause_s: float = 0.0,
        progress: Callable[[VectorProgress], None] | None = None,
        cancel: threading.Event | None = None,
        stop: threading.Event | None = None,
        hold: Callable[[], bool] = lambda: False,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.embedder = embedder
        self.write_lock = write_lock
        self.batch = batch
        self.group = group
        self.pause_s = pause_s
        self.report = progress or (lambda _event: None)
        self.cancel = cancel or threading.Event()
        self.stopping = stop or threading.Event()  # set: end after the batch in hand
        self.hold = hold  # true while an answer is being written: wait, it needs the cores
        self._more = threading.Event()  # the words pass indexed another file (or stopped)
        self._words_running = False
        self._taken: set[tuple[str, str]] = set()  # (path, sha) encoded or being encoded, not yet stored
        self._taken_lock = threading.Lock()
        self._jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._embedded = self._chunks = 0
        self._started = 0.0

    # Control -------------------------------------------------------------------------------------

    def start(self) -> None:
        """Begin in a thread, expecting more files from the words pass until `words_done`."""
        self._words_running = True
        self._thread = threading.Thread(target=self._run, name="quire-vectors", daemon=True)
        self._thread.start()

    def indexed(self) -> None:
        """The words pass committed another file: there is more to embed."""
        self._more.set()

    def words_done(self) -> None:
        self._words_running = False
        self._more.set()

    def stop(self) -> None:
        """End after the batch in hand (its vectors are stored); the rest waits for the next pass."""
        self.stopping.set()
        self._more.set()

    def join(self) -> VectorSummary:
        if self._thread is not None:
            self._thread.join()
        return self.summary()

    def run(self) -> VectorSummary:
        """Embed everything waiting, in this thread (the encoding; storing still overlaps it)."""
        self._run()
        return self.summary()

    @property
    def error(self) -> BaseException | None:
        return self._error

    def summary(self) -> VectorSummary:
        return VectorSummary(
            embedded=self._embedded,
            chunks=self._chunks,
            pending=self.catalog.counts()["pending_embedding"],
            seconds=round(time.perf_counter() - self._started, 3) if self._started else 0.0,
            error=None if self._error is None else str(self._error),
        )

    def _halted(self) -> bool:
        return self.stopping.is_set() or self.cancel.is_set() or self._error is not None

    # The two threads ------------------------------------------------------------------------------

    def _run(self) -> None:
        self._started = time.perf_counter()
        storer = threading.Thread(target=self._store_jobs, name="quire-vectors-store", daemon=True)
        storer.start()
        try:
            self._encode_jobs()
        except BaseException as exc:  # surfaced by the caller (a full disk, a missing model)
            log.warning("vector pass stopped: %s", exc, exc_info=True)
            self._error = exc
        finally:
            self._jobs.put(None)
            storer.join()

    def _encode_jobs(self) -> None:
        pieces: list[_Piece] = []
        while not self._halted():
            waiting = self._next_files()
            if not waiting:
                if pieces:  # nothing more right now: embed what is in hand rather than wait
                    self._encode(pieces)
                    pieces = []
                    continue
                if not self._words_running:
                    return
                self._more.wait(0.5)
                self._more.clear()
                continue
            for record in waiting:
                chunks = self.catalog.chunks(record.path)
                if not chunks or self.catalog.file(record.path) != record:
                    self._release(record)  # changed or removed between the two reads: it comes back
                    continue
                for start in range(0, len(chunks), self.group):
                    part = chunks[start : start + self.group]
                    pieces.append(_Piece(record, part, start + self.group >= len(chunks)))
                    if sum(len(p.chunks) for p in pieces) >= self.group:
                        self._encode(pieces)
                        pieces = []
                        if self._halted():
                            return

    def _next_files(self) -> list[FileRecord]:
        with self._taken_lock:
            taken = set(self._taken)
        found = [
            r for r in self.catalog.pending_embedding(len(taken) + 64) if (r.path, r.sha256) not in taken
        ]
        with self._taken_lock:
            self._taken.update((r.path, r.sha256) for r in found)
        return found

    def _release(self, record: FileRecord) -> None:
        with self._taken_lock:
            self._taken.discard((record.path, record.sha256))

    def _encode(self, pieces: list[_Piece]) -> None:
        while self.hold() and not self._halted():
            time.sleep(0.1)
        texts = [chunk.embed_text for piece in pieces for chunk in piece.chunks]
        vectors = self.embedder.encode(texts, self.batch)
        self._jobs.put(_Job(pieces, vectors))  # waits while the storer still writes the one before

    def _store_jobs(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is not None or self.cancel.is_set():
                for piece in job.pieces:
                    self._release(piece.record)
                continue  # drain: the encoder may be blocked on put
            try:
                self._store(job)
            except BaseException as exc:
                log.warning("vector pass stopped storing: %s", exc, exc_info=True)
                self._error = exc
                for piece in job.pieces:
                    self._release(piece.record)

    def _store(self, job: _Job) -> None:
        row = 0
        for piece in job.pieces:
            vectors: np.ndarray = job.vectors[row : row + len(piece.chunks)]
            row += len(piece.chunks)
            record = piece.record
            if self.stopping.is_set() or self.cancel.is_set():  # another writer waits: give way now
                self._release(record)
                continue
            # Under the import's write lock: the words pass cannot drop this version's vectors (a
            # re-import) between the check and the write, so no stale vector is left behind.
            with self.write_lock:
                if not self.catalog.embedding_current(record.path, record.sha256):
                    self._release(record)
                    continue
                ids, paths = [c.id for c in piece.chunks], [c.path for c in piece.chunks]
                # crash tests pause: two writes, a window between them
                step = max(1, len(ids) // 2) if self.pause_s else len(ids)
                for start in range(0, len(ids), step):
                    self.store.upsert(
                        ids[start : start + step], vectors[start : start + step], paths[start : start + step]
                    )
                    time.sleep(self.pause_s)
                if not piece.last:
                    continue
                marked = self.catalog.mark_embedded(record.path, record.sha256, self.store.name)
            self._release(record)
            if marked:
                self._embedded += 1
                self._chunks += record.chunks
                total = self._embedded + self.catalog.counts()["pending_embedding"]
                self.report(VectorProgress(record.path, self._embedded, total, record.chunks))


class JoinedProgress:
    """One stream of IngestProgress for both passes, which report from their own threads: the words
    pass's counts, each event also carrying how many files have their vectors."""

    def __init__(self, report: Callable[[IngestProgress], None] | None) -> None:
        self.report = report
        self._lock = threading.Lock()
        self._last = IngestProgress(0, 0, 0, 0, "", "reading")
        self._done = self._total = 0

    def words(self, event: IngestProgress) -> None:
        if self.report is None:
            return
        with self._lock:
            self._last = event
            self.report(replace(event, vectors_done=self._done, vectors_total=self._total))

    def vectors(self, event: VectorProgress) -> None:
        if self.report is None:
            return
        with self._lock:
            self._done, self._total = event.done, event.total
            self.report(
                replace(
                    self._last,
                    path=event.path,
                    stage="embedded",
                    chunks=event.chunks,
                    vectors_done=event.done,
                    vectors_total=event.total,
                )
            )
