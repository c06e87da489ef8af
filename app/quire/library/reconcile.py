"""Make the catalog and the vector store agree again after a crash, and say whether they do.

The catalog (SQLite) is the record of what the library holds; the store only has vectors. A crash
between the two leaves a file marked `indexing`, vectors the catalog does not know (orphans), or
catalog chunks with no vector (missing). `check` counts those cheaply; `repair` fixes them: files
caught mid-write are dropped from both and queued for the import that follows, orphans are
deleted, and missing vectors are embedded again from the chunk text the catalog keeps."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from quire.library.catalog import Catalog

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


@runtime_checkable
class ListableStore(Protocol):
    """A store that can list its ids (the local Chroma; Oracle keeps its own bookkeeping)."""

    def ids(self) -> set[str]: ...

    def delete_ids(self, ids: list[str]) -> None: ...

    def delete_path(self, path: str) -> None: ...

    def upsert(self, ids: list[str], vectors: np.ndarray, paths: list[str]) -> None: ...


@dataclass(frozen=True)
class Consistency:
    catalog_chunks: int
    store_vectors: int
    orphans: int  # vectors whose id the catalog does not know
    missing: int  # chunks of files marked embedded without a vector
    indexing: int  # files caught between "old vectors dropped" and "chunks recorded"
    pending: int = 0  # chunks waiting for the vector pass (not a fault)

    @property
    def ok(self) -> bool:
        return not (self.orphans or self.missing or self.indexing)


@dataclass(frozen=True)
class Repair:
    redone: list[str]  # files caught mid-write: dropped, and queued for import again
    orphans_deleted: int
    missing_restored: int


def check(catalog: Catalog, store: ListableStore) -> Consistency:
    known = catalog.all_chunk_ids()
    embedded = catalog.embedded_chunk_ids()
    held = store.ids()
    indexing = sum(1 for f in catalog.files() if f.state == "indexing")
    return Consistency(
        catalog_chunks=len(known),
        store_vectors=len(held),
        orphans=len(held - known.keys()),
        missing=len(embedded - held),
        indexing=indexing,
        pending=len(known) - len(embedded),
    )


def repair(catalog: Catalog, store: ListableStore, embed: Callable[[list[str]], Any]) -> Repair:
    """Bring the two into agreement. Call it holding the writer lock (nobody else writes)."""
    redone = []
    for record in catalog.files():
        if record.state != "indexing":
            continue
        store.delete_path(record.path)
        if Path(record.path).exists():
            catalog.drop_chunks(record.path)
            catalog.add_pending_import([record.path])
            redone.append(record.path)
        else:  # gone from disk (or pulled from Oracle, which `quire sync --pull` brings back)
            catalog.remove(record.path)
    known = catalog.all_chunk_ids()
    held = store.ids()
    orphans = sorted(held - known.keys())
    if orphans:
        store.delete_ids(orphans)
    missing = sorted(catalog.embedded_chunk_ids() - held)
    if missing:
        chunks = catalog.chunks_by_id(missing)
        texts = [chunks[chunk_id].embed_text for chunk_id in missing]
        store.upsert(missing, embed(texts), [known[chunk_id] for chunk_id in missing])
    if redone or orphans or missing:
        log.warning(
            "catalog and store reconciled: %d files redone, %d orphan vectors deleted, %d restored",
            len(redone),
            len(orphans),
            len(missing),
        )
    return Repair(redone, len(orphans), len(missing))
