"""The library as the CLI and GUI see it: one object over catalog, store, embedder and providers."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quire.chat.answer import AnswerStream
from quire.chat.metrics import MetricsLog
from quire.config import Settings
from quire.library.catalog import Catalog
from quire.search.embedder import Embedder
from quire.search.retrieve import Hit, hybrid_search
from quire.search.stores.base import VectorStore

if TYPE_CHECKING:
    from datetime import date

    from quire.chat.chats import ChatStore
    from quire.chat.query import QueryFilter
    from quire.library.folders import FolderChanges

    # The import pipeline and its checks load only to write: `quire search` starts without them.
    from quire.library.ingest import FileProblem, Ingestor, IngestProgress, IngestSummary
    from quire.library.overview import Overviews
    from quire.library.reconcile import Consistency
    from quire.library.slides import SlideView
    from quire.library.sync import SyncProgress, SyncSummary
    from quire.library.vectors import VectorPass, VectorProgress, VectorSummary
    from quire.providers.base import ProviderHealth
    from quire.providers.local import ModelFile
    from quire.search.filters import ResolvedFilter
    from quire.search.stores import StoreChoice

log = logging.getLogger(__name__)

FOLDER_MISSING = "library folder is missing (moved, deleted or not mounted); `quire remove` it to forget it"


class Quire:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.load()
        self.settings.home.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.settings.catalog_path)
        self.embedder = Embedder.for_settings(self.settings)
        self._choice: StoreChoice | None = None
        self._store_lock = threading.Lock()
        self._store_version: str | None = None  # the library version the open store has seen
        self._reader: VectorStore | None = None  # searches before anything opened the full store
        self._reader_version: str | None = None
        self._write_lock = threading.Lock()  # one writing job per process; WriterLock: per data dir
        self._metrics: MetricsLog | None = None
        self._overviews: Overviews | None = None
        self._recorders: weakref.WeakKeyDictionary[AnswerStream, Any] = weakref.WeakKeyDictionary()
        self._chats: ChatStore | None = None
        self.clock: Callable[[], date] | None = None  # today's date for "last week" (tests set it)
        self._answering = 0  # answers being written now: the vector pass waits for them

    @property
    def store(self) -> VectorStore:
        """The store searches use: Oracle when store.backend picks it, else the local Chroma."""
        return self.store_choice.store

    @property
    def store_choice(self) -> StoreChoice:
        with self._store_lock:
            version = self.catalog.library_version()
            if self._choice is not None and version != self._store_version:
                self._close_store()  # another process changed the library: Chroma's cache is stale
            if self._choice is None:
                from quire.search.stores import choose_store

                self._close_reader()  # one owner of the Chroma files per process
                self._choice = choose_store(self.settings, self.embedder.name, self.embedder.dim)
                self._store_version = version
            return self._choice

    @property
    def search_store(self) -> VectorStore | None:
        """The store searches read. With the local store only, and before this process opens it in
        full (to write), a light reader that needs no chromadb import: `quire search` starts in a
        fraction of the time. None: no vectors anywhere yet (nothing to ask them)."""
        if self._choice is not None or self.settings.get("store.backend") != "chroma":
            return self.store
        with self._store_lock:
            version = self.catalog.library_version()
            if self._reader is not None and version != self._reader_version:
                self._close_reader()  # another process wrote: its cache is stale
            if self._reader is None:
                from quire.search.stores.chroma_reader import open_reader

                self._reader = open_reader(self.settings.chroma_dir, self.embedder.name, self.embedder.dim)
                self._reader_version = version
            if self._reader is not None:
                return self._reader
        if not self.settings.chroma_dir.is_dir():
            return None
        return self.store

    def _close_reader(self) -> None:
        reader, self._reader = self._reader, None
        close = getattr(reader, "close", None)
        if close is not None:
            close()

    def _close_store(self) -> None:
        if self._choice is None:
            return
        for store in {id(s): s for s in (self._choice.store, self._choice.local)}.values():
            close = getattr(store, "close", None)
            if close is not None:
                close()
        self._choice = None

    @contextmanager
    def _writing(self, action: str, yields: bool = False) -> Iterator[None]:
        """Hold the data dir's writer lock for a job that changes the library; a full or read-only
        disk becomes one clear sentence. The store is reopened first if another process wrote."""
        from quire.errors import LibraryBusy
        from quire.library.lock import WriterLock, unwritable

        if not self._write_lock.acquire(blocking=False):
            raise LibraryBusy(f"this Quire is already changing the library at {self.settings.home}")
        try:
            what = f"{os.path.basename(sys.argv[0]) or 'quire'} {action}"
            with WriterLock(self.settings.home, what, yields=yields):
                try:
                    self._mark_written()
                    yield
                    self._mark_written()
                except LibraryBusy:
                    raise
                except Exception as exc:
                    problem = unwritable(exc, self.settings.home, action)
                    if problem is None:
                        raise
                    log.warning("%s stopped: %s", action, problem, exc_info=True)
                    raise problem from exc
        finally:
            self._write_lock.release()

    def _mark_written(self) -> None:
        """A new library version, which this process's open store already has (it wrote it)."""
        with self._store_lock:
            if self._choice is not None and self.catalog.library_version() != self._store_version:
                self._close_store()  # someone else wrote since we opened: never write from a stale index
            self._store_version = self.catalog.bump_library_version()

    def consistency(self) -> Consistency | None:
        """Do the catalog and the local vector store agree? None when the store cannot list its ids."""
        from quire.library.reconcile import ListableStore, check

        local = self.store_choice.local
        return check(self.catalog, local) if isinstance(local, ListableStore) else None

    def _reconcile(self) -> None:
        from quire.library.reconcile import ListableStore, repair

        local = self.store_choice.local
        if isinstance(local, ListableStore):
            repair(self.catalog, local, self._embed_texts)

    @property
    def store_notice(self) -> str | None:
        """A line for the GUI's status bar, e.g. "offline — using local library (…)"; None when fine."""
        return self.store_choice.notice

    @property
    def metrics(self) -> MetricsLog:
        if self._metrics is None:
            self._metrics = MetricsLog(self.settings.metrics_path)
        return self._metrics

    def _ingestor(self, write_lock: threading.Lock, on_indexed: Callable[[], None] | None = None) -> Ingestor:
        from quire.library.ingest import IngestOptions, Ingestor

        get = self.settings.get
        options = IngestOptions(
            max_file_mb=get("ingest.max_file_mb"),
            file_timeout_s=get("ingest.file_timeout_s"),
            chunk_chars=get("ingest.chunk_chars"),
            overlap_chars=get("ingest.overlap_chars"),
            embed_batch=get("ingest.embed_batch"),
            write_pause_s=get("ingest.write_pause_s"),
            ocr=get("ocr.enabled"),
            ocr_dpi=get("ocr.dpi"),
            ocr_cache=self.settings.home / "ocr",  # pages OCR'd so far, per file version: resumes
        )
        # Imports always land in the local store (and the catalog); Oracle gets them by sync.
        return Ingestor(self.catalog, self.store_choice.local, options, write_lock, on_indexed)

    def _vector_pass(
        self,
        cancel: threading.Event | None,
        stop: threading.Event | None,
    ) -> Callable[[threading.Lock, Callable[[VectorProgress], None] | None], VectorPass]:
        def make(write_lock: threading.Lock, progress: Callable[[VectorProgress], None] | None) -> VectorPass:
            from quire.library.vectors import VectorPass

            return VectorPass(
                self.catalog,
                self.store_choice.local,
                self.embedder,
                write_lock,
                batch=self.settings.get("ingest.embed_batch"),
                pause_s=self.settings.get("ingest.write_pause_s"),
                progress=progress,
                cancel=cancel,
                stop=stop,
                hold=lambda: self._answering > 0,
            )

        return make

    def ingest(
        self,
        paths: list[Path],
        progress: Callable[[IngestProgress], None] | None = None,
        cancel: threading.Event | None = None,
        wait: bool = True,
        stop_vectors: threading.Event | None = None,
    ) -> IngestSummary:
        """Import files and folders, remembering the folders as library folders once their import
        has finished; no paths re-scans the library folders (see refresh). An interrupted earlier
        import is finished along the way (after making the catalog and the store agree again: see
        library/reconcile.py). A stopped import stays pending: `abandon_import` drops the rest.
        Naming a file or folder the user had removed takes it off the exclude list.

        Words first: each file is searchable by its words once read; its vectors are made beside
        the words pass and, with `wait`, before this returns (`stop_vectors` ends that early).
        Without `wait` the vectors are left waiting (see embed_pending; `pending_embedding`)."""
        from quire.library.two_pass import run_import

        wanted = [Path(os.path.abspath(p)) for p in paths]
        missing: list[FileProblem] = []
        with self._writing("import"):
            if wanted:
                self.catalog.include([str(p) for p in wanted])
            else:
                wanted, missing = self._library_folders()
            self._reconcile()
            pending = [Path(p) for p in self.catalog.pending_imports() if Path(p) not in wanted]
            vectors = self._vector_pass(cancel, stop_vectors) if wait else None
            summary = run_import(self._ingestor, vectors, wanted + pending, progress, cancel, bool(paths))
            self.date_library()  # (the store's dates only for files whose vectors are in)
            if not summary.cancelled:
                for folder in (p for p in wanted + pending if p.is_dir()):
                    self.catalog.add_folder(str(folder))
        self._push_if_online()
        return replace(summary, failed=[*summary.failed, *missing]) if missing else summary

    def embed_pending(
        self,
        progress: Callable[[VectorProgress], None] | None = None,
        cancel: threading.Event | None = None,
        yields: bool = False,
    ) -> VectorSummary:
        """Make the vectors still waiting (an import run without waiting, or one cut off). `yields`:
        a background job, which stops for another writer that asks (see library/lock.py)."""
        from quire.library.lock import stop_when_asked
        from quire.library.two_pass import run_vectors

        with self._writing("embedding", yields=yields):
            self._reconcile()
            stop = threading.Event()
            with stop_when_asked(self.settings.home, stop, watch=yields):
                made = run_vectors(self._vector_pass(cancel, stop), progress)
            self.date_library()  # the new vectors' chunks get their documents' dates
        self._push_if_online()
        return made

    def pending_embedding(self) -> int:
        """Files searchable by their words whose vectors are not made yet."""
        return int(self.catalog.counts()["pending_embedding"])

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Around writing an answer: the background vector pass waits meanwhile (the model needs the
        cores more than the vectors need to be done a few seconds sooner)."""
        self._answering += 1
        try:
            yield
        finally:
            self._answering -= 1

    def refresh(
        self,
        progress: Callable[[IngestProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> IngestSummary:
        """Re-scan the library folders: new and changed files are indexed, deleted ones dropped."""
        return self.ingest([], progress, cancel)

    def folders(self) -> list[str]:
        """The library folders: every folder imported, until it is removed."""
        return self.catalog.folders()

    def folder_changes(self) -> FolderChanges:
        """What a refresh would find, by a stat-only look (the app asks before it refreshes)."""
        from quire.library.folders import folder_changes

        return folder_changes(self.catalog, self.catalog.folders())

    def _library_folders(self) -> tuple[list[Path], list[FileProblem]]:
        """The library folders to scan, and a problem for each one that is gone. A missing folder's
        files stay in the library (an unplugged drive must not empty it) until it is removed."""
        from quire.library.ingest import FileProblem

        present, missing = [], []
        for folder in map(Path, self.catalog.folders()):
            if folder.is_dir():
                present.append(folder)
            else:
                missing.append(FileProblem(str(folder), FOLDER_MISSING))
        return present, missing

    def pending_imports(self) -> list[str]:
        return self.catalog.pending_imports()

    def abandon_import(self) -> list[str]:
        """Cancel a stopped import for good: the files it had not indexed yet are left out (its
        finished files stay, its new folders do not become library folders). Returns what it named."""
        with self._writing("cancel"):
            pending = self.catalog.pending_imports()
            self.catalog.clear_pending_imports()
        return pending

    def reindex(
        self,
        paths: list[Path],
        progress: Callable[[IngestProgress], None] | None = None,
        cancel: threading.Event | None = None,
        stop_vectors: threading.Event | None = None,
    ) -> IngestSummary:
        """Read and embed files again although they have not changed (their old chunks answer till then)."""
        with self._writing("re-index"):
            for path in paths:
                self.catalog.forget_version(os.path.abspath(path))
        return self.ingest(paths, progress, cancel, stop_vectors=stop_vectors)

    def import_preview(self, paths: list[Path]) -> list[FileProblem]:
        """What an import of these paths will skip or refuse, from a quick look (nothing is read)."""
        from quire.library.ingest import scan

        _files, failed, skipped, _folders = scan([Path(p) for p in paths], self.catalog.excluded())
        return failed + skipped

    def slide(self, path: str, number: int) -> SlideView:
        """A deck's slide for the source viewer, read only from the version the import checked."""
        from quire.errors import LoaderError
        from quire.library.slides import read_slide

        record = self.catalog.file(path)
        try:
            stat = os.stat(path)
        except OSError as exc:
            raise LoaderError(Path(path), f"cannot be read ({exc.strerror})") from None
        if record is None or (record.size, record.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            raise LoaderError(Path(path), "changed since it was imported (import it again to show it here)")
        return read_slide(Path(path), number)

    def excluded(self) -> list[str]:
        """Files and folders removed from inside library folders: refreshes leave them out."""
        return self.catalog.excluded()

    def include(self, paths: list[str]) -> list[str]:
        """Put excluded paths back: the next refresh of their library folder imports them."""
        with self._writing("include"):
            return self.catalog.include([os.path.abspath(p) for p in paths])

    def remove(self, paths: list[Path]) -> list[str]:
        """Drop files (or everything under folders, which stop being library folders) from the
        library; returns the files dropped, then the library folders forgotten. What lies inside
        a library folder goes on the exclude list, so that refreshes do not bring it back."""
        dropped, forgotten = [], []
        with self._writing("removal"):
            ingestor = self._ingestor(threading.Lock())
            for given in paths:
                path = os.path.abspath(given)
                forgotten += self.catalog.forget_folders(under=path)
                records = [r.path for r in self.catalog.files(under=path)]
                if self.catalog.file(path):
                    records.append(path)
                for record in records:
                    if ingestor.remove(record):
                        dropped.append(record)
                if self.catalog.library_folder_of(path):
                    self.catalog.exclude([path])
        self._push_if_online()
        return dropped + forgotten

    def _push_if_online(self) -> None:
        """With Oracle in use, send what changed at once; if that fails, `quire sync` finishes it."""
        choice = self.store_choice
        if choice.oracle is None:
            return
        from quire.errors import StoreError
        from quire.library.sync import push

        try:
            summary = push(self.catalog, choice.local, choice.oracle, self._embed_texts)
        except StoreError as err:
            log.warning("push to Oracle failed: %s", err)
            return
        if summary.interrupted or summary.failed:
            log.warning("push to Oracle incomplete (%s): run `quire sync`", summary.interrupted)

    def _embed_texts(self, texts: list[str]) -> Any:
        return self.embedder.encode(texts, self.settings.get("ingest.embed_batch"))

    def sync(
        self,
        pull: bool = False,
        progress: Callable[[SyncProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> SyncSummary:
        """Push the local library to Oracle (or pull Oracle's into it), whatever store.backend says."""
        from quire.library import sync
        from quire.search.stores import open_oracle_store

        with self._writing("sync"):
            choice = self.store_choice
            oracle = choice.oracle or open_oracle_store(self.settings, self.embedder.name, self.embedder.dim)
            try:
                if pull:
                    pulled = sync.pull(self.catalog, choice.local, oracle, progress, cancel)
                    self.date_library()
                    return pulled
                return sync.push(self.catalog, choice.local, oracle, self._embed_texts, progress, cancel)
            finally:
                if oracle is not choice.oracle:
                    oracle.close()

    def sync_pending(self) -> int:
        """How many files `quire sync` would send to (or take back from) Oracle."""
        from quire.library.sync import REMOTE

        files, gone = self.catalog.pending_push(REMOTE)
        return len(files) + len(gone)

    def search(
        self,
        query: str,
        k: int | None = None,
        query_vector: Any = None,
        filter: QueryFilter | None = None,  # noqa: A002 (the CLI's and JSON's word)
        within: ResolvedFilter | None = None,
    ) -> list[Hit]:
        """The best passages; `filter` (dates, scope) limits both search halves. Hybrid: by meaning
        over the files embedded so far, and by words over all of them."""
        if within is None and filter is not None and filter.active:
            within = self.resolve_filter(filter)
        # Nothing embedded in the local library yet: words alone, without loading the model or store.
        vectors = self.catalog.has_embedded() or self.settings.get("store.backend") != "chroma"
        warming = None
        if vectors and query_vector is None and not self.embedder.loaded:
            # A fresh process: load the model while the store opens. numpy is imported here first:
            # an error from Chroma's Rust core imports chromadb (and numpy) to raise itself, and an
            # import of numpy under way in the other thread then aborts the process (disk-full test).
            import numpy  # noqa: F401

            warming = threading.Thread(target=self.embedder.warm_up, name="quire-embedder", daemon=True)
            warming.start()
        store = self.search_store if vectors else None
        if warming is not None:
            warming.join()  # (a load that failed fails again, with its message, in the search)
        return hybrid_search(
            query,
            self.catalog,
            store,
            self.embedder,
            k or self.settings.get("retrieval.k"),
            self.settings.get("retrieval.candidates"),
            query_vector,
            within,
        )

    def coverage(self) -> dict[str, int]:
        """How much of the library meaning search covers: {"documents", "embedded"} (the rest are
        found by their words alone until their vectors are made)."""
        counts = self.catalog.counts()
        return {"documents": counts["documents"], "embedded": counts["embedded"]}

    def ask(
        self,
        question: str,
        provider: str | None = None,
        k: int | None = None,
        model: str | None = None,
        adapter: str | None = None,
        *,
        chat: int | None = None,
        filter: QueryFilter | None = None,  # noqa: A002
        clock: Callable[[], date] | None = None,
        progress: Callable[[Any], None] | None = None,
    ) -> AnswerStream:
        """Answer in the context of `chat` (its recent turns; a follow-up is resolved against it),
        within `filter` (else the dates and scope the question names): a set question reads every
        matching document (chat/collection.py), others get passage_answer. The stream has .query,
        .within and .chat (chat/plan.py). `adapter` is FILE or FILE:SCALE, a LoRA adapter for the
        local model (quire.models.adapters)."""
        from quire.chat.plan import plan_answer
        from quire.providers.router import provider_chain

        chain = provider_chain(provider or self.settings.get("providers.default"), self.settings, model)
        if adapter:
            from quire.models.adapters import attach

            attach(chain, adapter)
        k = k or self.settings.get("retrieval.k")
        return plan_answer(  # type: ignore[no-any-return]
            self, question, chain, k, chat=chat, explicit=filter, clock=clock or self.clock, progress=progress
        )

    def passage_answer(
        self,
        question: str,
        chain: list[Any],
        k: int | None = None,
        search_text: str | None = None,
        within: ResolvedFilter | None = None,
        history: list[dict[str, str]] | None = None,
    ) -> AnswerStream:
        """Retrieval, the quick answer (ready when this returns) and the stream of the model's answer.
        `search_text` is what retrieval and the quick answer run on (a follow-up's standalone form).
        A question about whole documents answers from their overviews (chat/documents.py)."""
        from quire.chat.documents import asks_about_documents, document_question
        from quire.chat.grounding import ground, ground_documents
        from quire.chat.metrics import AnswerRecorder

        started = time.perf_counter()
        text = search_text or question
        vector = self.embedder.encode([text])[0] if text.strip() else None
        hits = self.search(text, k, vector, within=within)
        about = None
        if asks_about_documents(question):  # the overviews are read only for such a question
            overviews = self.overviews.all()
            if within is not None:  # about whole documents, within the filter only
                overviews = [o for o in overviews if o.path in within.paths]
            about = document_question(question, overviews, hits)
        if about is not None:  # about whole documents: their overviews are the sources
            grounding = ground_documents(text, about, self.embedder, vector)
        else:
            grounding = ground(text, hits, self.embedder, vector)
        recorder = AnswerRecorder(self.metrics, chain)
        stream = AnswerStream(
            question,
            grounding.hits,
            chain,
            max_tokens=self.settings.get("providers.max_tokens"),
            temperature=self._temperature(),
            metrics_log=recorder,  # type: ignore[arg-type]  # MetricsLog.record's shape, plus the facts
            evidence=grounding.evidence,
            quick=grounding.quick,
            mode="passages" if about is None else "documents",
            history=history,
        )
        retrieval = time.perf_counter() - started - grounding.seconds
        stream.timings = {"retrieval_s": retrieval, "quick_s": grounding.seconds}
        self._recorders[stream] = recorder
        return stream

    def answer_id(self, stream: AnswerStream) -> int | None:
        """The metrics row of a finished answer (to rate it), None before it is recorded."""
        recorder = self._recorders.get(stream)
        return None if recorder is None else recorder.answer_id

    def rate(self, answer_id: int, good: bool | None) -> None:
        """Thumbs up/down (None clears it), kept in metrics.sqlite3 beside the answer's figures."""
        self.metrics.rate(answer_id, good)

    @property
    def overviews(self) -> Overviews:
        """Per-document overviews, for questions about whole documents (library/overview.py)."""
        if self._overviews is None:
            from quire.library.overview import Overviews

            self._overviews = Overviews(self.catalog)
        return self._overviews

    def _temperature(self) -> float | None:
        """The user's temperature, or None for the model's profile (providers.temperature < 0)."""
        value = float(self.settings.get("providers.temperature"))
        return None if value < 0 else value

    # Dates, filters and chats (issue #14) ------------------------------------------------------

    @property
    def chats(self) -> ChatStore:
        if self._chats is None:
            from quire.chat.chats import ChatStore

            self._chats = ChatStore(self.settings.chats_path)
        return self._chats

    def date_library(self) -> None:
        """Date the files that have no date yet (library/dates.py), and give the local store's
        chunks their dates for date `where`s."""
        from quire.library.dates import date_store, date_undated

        date_undated(self.catalog)
        date_store(self.catalog, self.store_choice.local)

    def resolve_filter(self, query_filter: QueryFilter) -> ResolvedFilter:
        """The filter applied to this library: its files, and how each search half applies it."""
        from quire.library.dates import date_undated
        from quire.search.filters import resolve, store_has_dates

        if query_filter.dates is not None and self.catalog.undated():
            date_undated(self.catalog)  # catalog only: reading never writes the vector store
        return resolve(query_filter, self.catalog, store_has_dates(self.catalog, self.store_choice))

    # Providers as the window sees them (it never makes one itself) ----------------------------

    def provider_health(self) -> dict[str, ProviderHealth]:
        from quire.providers.router import health_report

        return health_report(self.settings)

    def test_provider(self, name: str, settings: Settings | None = None) -> ProviderHealth:
        """One provider's health now, with `settings` being edited (Settings' Test buttons). The
        local model is loaded too, so that ok means it can answer."""
        from quire.errors import ProviderUnavailable
        from quire.providers.router import make_provider

        try:
            provider = make_provider(name, settings or self.settings)
        except ProviderUnavailable as exc:
            return ProviderHealth(False, "", exc.reason, configured=False)
        health = provider.health()
        if health.ok and name == "local":
            provider.count_tokens("warm up")  # loads the model (a broken one fails here)
        return health

    def local_models(self) -> list[ModelFile]:
        """Every GGUF in the models folders."""
        from quire.providers.local import find_models

        return find_models(self.settings)

    def check_local_model(self, name: str) -> str | None:
        """Load a local model now (the model picker), so the first question does not wait for it;
        the reason when it cannot be used."""
        from quire.providers.local import LocalProvider

        provider = LocalProvider(self.settings, name)
        health = provider.health()
        if not health.ok:
            return health.error
        provider.count_tokens("warm up")
        return None

    def status(self, providers: bool = True, consistency: bool = True) -> dict[str, Any]:
        counts = self.catalog.counts()
        report: dict[str, Any] = {
            "documents": counts["documents"],
            "embedded": counts["embedded"],  # documents searchable by meaning, not only their words
            "pending_embedding": counts["pending_embedding"],
            "chunks": counts["chunks"],
            "pages": counts["pages"],
            "failed": counts["failed"],
            "store": self.settings.get("store.backend").replace("auto", "chroma"),
            "store_mode": self.settings.get("store.backend"),
            "store_notice": None,
            "home": str(self.settings.home),
            "pending_imports": self.catalog.pending_imports(),
            "folders": self.catalog.folders(),
            "dates": self.catalog.date_span(),  # oldest/newest document date, and their sources
            "excluded": self.catalog.excluded(),
        }
        if report["store_mode"] != "chroma" or self.settings.get("oracle.dsn"):
            report.update(self._store_report())
        if consistency:
            report["consistency"] = self._consistency_report()
        from quire.library.lock import holder

        report["writer"] = holder(self.settings.home)  # {"pid", "what", "since"} while one imports
        if providers:
            from quire.providers.router import health_report

            report["providers"] = {n: asdict(h) for n, h in health_report(self.settings).items()}
        return report

    def _consistency_report(self) -> dict[str, Any] | None:
        from quire.errors import StoreError

        try:
            found = self.consistency()
        except StoreError as err:
            return {"ok": False, "error": str(err)}
        return None if found is None else {**asdict(found), "ok": found.ok}

    def _store_report(self) -> dict[str, Any]:
        """Which store answers, and why: only opened when Oracle may be involved (it costs a connect)."""
        from quire.errors import StoreError

        report: dict[str, Any] = {"oracle_pending": self.sync_pending()}
        try:
            choice = self.store_choice
        except StoreError as err:  # oracle mode and Oracle unusable: say so, do not fail status
            return {**report, "store": "oracle", "store_notice": str(err)}
        report.update(store=choice.name, store_notice=choice.notice)
        if choice.oracle is not None:
            report["store_detail"] = choice.oracle.describe()
        return report
