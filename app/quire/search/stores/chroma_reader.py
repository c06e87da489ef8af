"""Searching the local Chroma store without importing the chromadb package.

chromadb's Python layer (its API types, telemetry, auth, HTTP client and bundled embedding
functions) takes about a second to import, longer than the whole search it serves. Since Chroma 1.0
that layer wraps a Rust core, `chromadb_rust_bindings`, which opens the same files and answers the
same queries. A process that only searches (`quire search`, `quire ask`) reads through it; anything
that writes opens the full ChromaStore. Where the bindings are missing or differ (an older or newer
Chroma), `open_reader` returns None and the caller uses ChromaStore: this is a fast path, never the
only one."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quire.search.stores.base import EmbedderMismatch
from quire.search.stores.chroma import COLLECTION, mismatch_message

if TYPE_CHECKING:
    import numpy as np

    from quire.search.filters import VectorFilter

log = logging.getLogger(__name__)

TENANT, DATABASE = "default_tenant", "default_database"  # where chromadb.PersistentClient keeps it


class ChromaReader:
    """A read-only VectorStore over the Rust core of the local Chroma store."""

    name = "chroma"

    def __init__(self, bindings: Any, collection: Any) -> None:
        self._bindings = bindings
        self._collection = collection
        self._id = str(collection.id)

    def check_embedder(self, name: str, dim: int) -> None:
        meta = self._collection.metadata or {}
        if meta.get("embedder") != name or meta.get("dim") != dim:
            raise EmbedderMismatch(mismatch_message(meta, name, dim))

    def query(self, vector: np.ndarray, k: int, where: VectorFilter | None = None) -> list[tuple[str, float]]:
        condition = where.chroma_where() if where is not None else None
        result = self._bindings.query(
            self._id,
            None,
            [vector],
            k,
            json.dumps(condition) if condition else None,  # as chromadb passes a `where` to its core
            None,
            ["distances"],
            TENANT,
            DATABASE,
        )
        ids = result.ids[0] if result.ids else []
        distances = result.distances[0] if result.distances else []
        return [(chunk_id, 1.0 - float(dist)) for chunk_id, dist in zip(ids, distances, strict=True)]

    def count(self) -> int:
        return int(self._bindings.count(self._id, TENANT, DATABASE))

    def upsert(self, ids: list[str], vectors: np.ndarray, paths: list[str]) -> None:
        raise NotImplementedError("ChromaReader is read-only: writes go through ChromaStore")

    def delete_path(self, path: str) -> None:
        raise NotImplementedError("ChromaReader is read-only: writes go through ChromaStore")

    def close(self) -> None:
        self._bindings = None


def open_reader(folder: Path, embedder_name: str, dim: int) -> ChromaReader | None:
    """The reader, or None when there is no store yet or this Chroma's core cannot be used so
    (the caller then opens ChromaStore, which also reports any real problem)."""
    if not (folder / "chroma.sqlite3").is_file():
        return None
    try:
        # Heavy-ish import, but a tenth of chromadb's: only the native core.
        import chromadb_rust_bindings as core

        config = core.SqliteDBConfig(
            hash_type=core.MigrationHash.MD5,  # chromadb's defaults (migrations_hash_algorithm)
            migration_mode=core.MigrationMode.Apply,
            url=str(folder / "chroma.sqlite3"),
        )
        bindings = core.Bindings(
            allow_reset=False,
            sqlite_db_config=config,
            persist_path=str(folder),
            hnsw_cache_size=_hnsw_cache_size(),
        )
        collection = bindings.get_collection(COLLECTION, TENANT, DATABASE)
    except Exception as exc:  # ImportError, another Chroma's signatures, no collection yet
        log.debug("no fast Chroma reader (%s: %s); using chromadb", type(exc).__name__, exc)
        return None
    reader = ChromaReader(bindings, collection)
    reader.check_embedder(embedder_name, dim)
    return reader


def _hnsw_cache_size() -> int:
    """As chromadb sizes it: each index holds five files open."""
    if sys.platform == "win32":
        return 100
    import resource

    return max(1, resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 5)
