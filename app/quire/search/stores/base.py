"""The VectorStore protocol: what the library needs from any place that keeps chunk vectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from quire.errors import StoreError

if TYPE_CHECKING:
    import numpy as np

    from quire.library.chunking import Chunk
    from quire.search.filters import VectorFilter


class EmbedderMismatch(StoreError):
    """The store holds vectors from another embedding model: re-index needed."""


class StoreUnreachable(StoreError):
    """The store's server cannot be reached (refused, timed out, or the connection dropped)."""


class VectorStore(Protocol):
    name: str

    def check_embedder(self, name: str, dim: int) -> None:
        """Raise StoreError when the store was built with a different embedder (re-index needed)."""

    def upsert(self, ids: list[str], vectors: np.ndarray, paths: list[str]) -> None:
        """Write vectors under deterministic ids; writing an id again replaces it."""

    def delete_path(self, path: str) -> None:
        """Drop every vector that came from this file."""

    def query(self, vector: np.ndarray, k: int, where: VectorFilter | None = None) -> list[tuple[str, float]]:
        """The k nearest chunk ids with cosine similarity, best first (only chunks `where` keeps)."""

    def count(self) -> int:
        """How many vectors the store holds."""


class DatedStore(VectorStore, Protocol):
    """A store whose chunks can carry their document's date, so `where` can filter on it."""

    def set_dates(self, ids: list[str], dates: list[int]) -> None:
        """Record each chunk's document date (YYYYMMDD)."""


@dataclass(frozen=True)
class StoredDocument:
    """One version of a file as a store keeps it: enough to rebuild its catalog entry elsewhere."""

    path: str
    sha256: str
    kind: str = "other"
    size: int = 0
    pages: int = 0
    date: str | None = None  # the document date, YYYY-MM-DD (library/dates.py)


@dataclass(frozen=True)
class StoredFile:
    document: StoredDocument
    chunks: list[Chunk]
    vectors: np.ndarray  # one float32 row per chunk, in chunk order


class SyncableStore(VectorStore, Protocol):
    """A store that keeps whole file versions (text, metadata, vectors): what `quire sync` moves."""

    def put_file(self, document: StoredDocument, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Replace the file's chunks with these, all or nothing where the store has transactions."""

    def read_file(self, path: str) -> StoredFile | None:
        """The file version the store holds, its chunks in order, or None."""

    def documents(self) -> dict[str, str]:
        """Every file the store holds: path -> sha256 of the version held."""

    def get_vectors(self, ids: list[str]) -> np.ndarray | None:
        """The vectors of these chunk ids in order, or None when any is missing."""
