"""The library as the CLI and GUI see it: one object over catalog, store, embedder and providers."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from quire.chat.answer import AnswerStream
from quire.chat.metrics import MetricsLog
from quire.config import Settings
from quire.library.catalog import Catalog
from quire.library.ingest import IngestOptions, Ingestor, IngestProgress, IngestSummary
from quire.search.embedder import Embedder
from quire.search.retrieve import Hit, hybrid_search
from quire.search.stores.base import VectorStore


class Quire:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.load()
        self.settings.home.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.settings.catalog_path)
        self.embedder = Embedder()
        self._store: VectorStore | None = None
        self._store_lock = threading.Lock()
        self._metrics: MetricsLog | None = None

    @property
    def store(self) -> VectorStore:
        with self._store_lock:
            if self._store is None:
                from quire.search.stores import open_store

                self._store = open_store(self.settings, self.embedder.name, self.embedder.dim)
            return self._store

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
        return Ingestor(self.catalog, self.store, self.embedder, options)

    def ingest(
        self,
        paths: list[Path],
        progress: Callable[[IngestProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> IngestSummary:
        """Import files and folders; an interrupted earlier import is finished along the way."""
        wanted = [Path(os.path.abspath(p)) for p in paths]
        pending = [Path(p) for p in self.catalog.pending_imports() if Path(p) not in wanted]
        return self._ingestor().run(wanted + pending, progress, cancel)

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
        return dropped

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
            "home": str(self.settings.home),
            "pending_imports": self.catalog.pending_imports(),
        }
        if providers:
            from quire.providers.router import health_report

            report["providers"] = {n: asdict(h) for n, h in health_report(self.settings).items()}
        return report
