"""The library as the CLI and GUI see it: one object over catalog, store, embedder and providers."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quire.chat.answer import AnswerStream
from quire.chat.metrics import MetricsLog
from quire.config import Settings
from quire.library.catalog import Catalog
from quire.library.ingest import IngestOptions, Ingestor, IngestProgress, IngestSummary
from quire.search.embedder import Embedder
from quire.search.retrieve import Hit, hybrid_search
from quire.search.stores.base import VectorStore

if TYPE_CHECKING:
    from quire.library.sync import SyncProgress, SyncSummary
    from quire.search.stores import StoreChoice

log = logging.getLogger(__name__)


class Quire:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.load()
        self.settings.home.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.settings.catalog_path)
        self.embedder = Embedder()
        self._choice: StoreChoice | None = None
        self._store_lock = threading.Lock()
        self._metrics: MetricsLog | None = None

    @property
    def store(self) -> VectorStore:
        """The store searches use: Oracle when store.backend picks it, else the local Chroma."""
        return self.store_choice.store

    @property
    def store_choice(self) -> StoreChoice:
        with self._store_lock:
            if self._choice is None:
                from quire.search.stores import choose_store

                self._choice = choose_store(self.settings, self.embedder.name, self.embedder.dim)
            return self._choice

    @property
    def store_notice(self) -> str | None:
        """A line for the GUI's status bar, e.g. "offline — using local library (…)"; None when fine."""
        return self.store_choice.notice

    @property
    def metrics(self) -> MetricsLog:
        if self._metrics is None:
            self._metrics = MetricsLog(self.settings.metrics_path)
        return self._metrics

    def _ingestor(self) -> Ingestor:
        get = self.settings.get
        options = IngestOptions(
            max_file_mb=get("ingest.max_file_mb"),
            file_timeout_s=get("ingest.file_timeout_s"),
            chunk_chars=get("ingest.chunk_chars"),
            overlap_chars=get("ingest.overlap_chars"),
            embed_batch=get("ingest.embed_batch"),
        )
        # Imports always land in the local store (and the catalog); Oracle gets them by sync.
        return Ingestor(self.catalog, self.store_choice.local, self.embedder, options)

    def ingest(
        self,
        paths: list[Path],
        progress: Callable[[IngestProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> IngestSummary:
        """Import files and folders; an interrupted earlier import is finished along the way."""
        wanted = [Path(os.path.abspath(p)) for p in paths]
        pending = [Path(p) for p in self.catalog.pending_imports() if Path(p) not in wanted]
        summary = self._ingestor().run(wanted + pending, progress, cancel)
        self._push_if_online()
        return summary

    def pending_imports(self) -> list[str]:
        return self.catalog.pending_imports()

    def remove(self, paths: list[Path]) -> list[str]:
        """Drop files (or everything under folders) from the library; returns what was dropped."""
        ingestor = self._ingestor()
        dropped = []
        for given in paths:
            path = os.path.abspath(given)
            records = [r.path for r in self.catalog.files(under=path)]
            if self.catalog.file(path):
                records.append(path)
            for record in records:
                if ingestor.remove(record):
                    dropped.append(record)
        self._push_if_online()
        return dropped

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

        choice = self.store_choice
        oracle = choice.oracle or open_oracle_store(self.settings, self.embedder.name, self.embedder.dim)
        try:
            if pull:
                return sync.pull(self.catalog, choice.local, oracle, progress, cancel)
            return sync.push(self.catalog, choice.local, oracle, self._embed_texts, progress, cancel)
        finally:
            if oracle is not choice.oracle:
                oracle.close()

    def sync_pending(self) -> int:
        """How many files `quire sync` would send to (or take back from) Oracle."""
        from quire.library.sync import REMOTE

        files, gone = self.catalog.pending_push(REMOTE)
        return len(files) + len(gone)

    def search(self, query: str, k: int | None = None) -> list[Hit]:
        return hybrid_search(
            query,
            self.catalog,
            self.store,
            self.embedder,
            k or self.settings.get("retrieval.k"),
            self.settings.get("retrieval.candidates"),
        )

    def ask(
        self,
        question: str,
        provider: str | None = None,
        k: int | None = None,
        model: str | None = None,
    ) -> AnswerStream:
        from quire.providers.router import provider_chain

        chain = provider_chain(provider or self.settings.get("providers.default"), self.settings, model)
        hits = self.search(question, k)
        return AnswerStream(
            question,
            hits,
            chain,
            max_tokens=self.settings.get("providers.max_tokens"),
            temperature=self.settings.get("providers.temperature"),
            metrics_log=self.metrics,
        )

    def status(self, providers: bool = True) -> dict[str, Any]:
        counts = self.catalog.counts()
        report: dict[str, Any] = {
            "documents": counts["documents"],
            "chunks": counts["chunks"],
            "pages": counts["pages"],
            "failed": counts["failed"],
            "store": self.settings.get("store.backend").replace("auto", "chroma"),
            "store_mode": self.settings.get("store.backend"),
            "store_notice": None,
            "home": str(self.settings.home),
            "pending_imports": self.catalog.pending_imports(),
        }
        if report["store_mode"] != "chroma" or self.settings.get("oracle.dsn"):
            report.update(self._store_report())
        if providers:
            from quire.providers.router import health_report

            report["providers"] = {n: asdict(h) for n, h in health_report(self.settings).items()}
        return report

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
