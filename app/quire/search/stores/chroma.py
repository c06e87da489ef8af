"""Embedded Chroma: the default, offline vector store, in the data dir's chroma/ folder."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from quire.errors import LibraryUnwritable, StoreError
from quire.library.chunking import Chunk
from quire.search.stores.base import EmbedderMismatch, StoredDocument, StoredFile

if TYPE_CHECKING:
    import numpy as np

    from quire.search.filters import VectorFilter

COLLECTION = "quire-chunks"


class ChromaStore:
    name = "chroma"

    def __init__(self, folder: Path, embedder_name: str, dim: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.snapshot: Path | None = None  # a temporary copy, read because the folder takes no writes
        self._unwritable: LibraryUnwritable | None = None
        try:
            self._open(folder, embedder_name, dim)
        except Exception as exc:
            from quire.library.lock import unwritable

            # Chroma writes to its SQLite file even to read, so a full or read-only data dir cannot
            # be opened in place: search a copy elsewhere (lost on exit; imports are refused).
            self._unwritable = unwritable(exc, folder.parent)
            if self._unwritable is None or not (folder / "chroma.sqlite3").exists():
                raise StoreError(f"{folder}: the local vector store cannot be opened ({exc})") from exc
            self._open_snapshot(folder, embedder_name, dim)
        self._batch = max(1, self._client.get_max_batch_size())
        self.check_embedder(embedder_name, dim)

    def _open(self, folder: Path, embedder_name: str, dim: int) -> None:
        # Heavy import here: chromadb takes a second to import and the GUI opens before it.
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        self._client = chromadb.PersistentClient(path=str(folder), settings=settings)
        self._collection = self._client.get_or_create_collection(
            COLLECTION,
            metadata={"embedder": embedder_name, "dim": dim},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,  # Quire embeds; Chroma's default would fetch a model
        )

    def _open_snapshot(self, folder: Path, embedder_name: str, dim: int) -> None:
        self.snapshot = Path(tempfile.mkdtemp(prefix="quire-chroma-"))
        atexit.register(shutil.rmtree, self.snapshot, True)
        try:
            shutil.copytree(folder, self.snapshot, dirs_exist_ok=True)
            self._open(self.snapshot, embedder_name, dim)
        except Exception as exc:
            raise StoreError(f"{self._unwritable}; the vector store cannot be read either ({exc})") from exc

    def _writable(self) -> None:
        if self._unwritable is not None:
            raise self._unwritable

    def check_embedder(self, name: str, dim: int) -> None:
        meta = self._collection.metadata or {}
        if meta.get("embedder") != name or meta.get("dim") != dim:
            raise EmbedderMismatch(mismatch_message(meta, name, dim))

    def upsert(self, ids: list[str], vectors: np.ndarray, paths: list[str]) -> None:
        self._writable()
        for start in range(0, len(ids), self._batch):
            end = start + self._batch
            self._collection.upsert(
                ids=ids[start:end],
                embeddings=vectors[start:end],
                metadatas=[{"path": p} for p in paths[start:end]],
            )

    def delete_path(self, path: str) -> None:
        self._writable()
        self._collection.delete(where={"path": path})

    def query(self, vector: np.ndarray, k: int, where: VectorFilter | None = None) -> list[tuple[str, float]]:
        # No count() first: Chroma returns what it has when asked for more, and counting cost
        # ~10 ms per search at 100k chunks.
        condition = where.chroma_where() if where is not None else None
        result = self._collection.query(
            query_embeddings=[vector], n_results=k, include=["distances"], where=condition
        )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        return [(chunk_id, 1.0 - float(dist)) for chunk_id, dist in zip(ids, distances, strict=True)]

    def count(self) -> int:
        return self._collection.count()

    def set_dates(self, ids: list[str], dates: list[int]) -> None:
        """Give chunks their document's date (YYYYMMDD) for date `where`s; other metadata is kept."""
        self._writable()
        for start in range(0, len(ids), self._batch):
            end = start + self._batch
            self._collection.update(ids=ids[start:end], metadatas=[{"date": d} for d in dates[start:end]])

    def ids(self) -> set[str]:
        """Every chunk id the store holds (for reconciling it with the catalog)."""
        found: set[str] = set()
        page = max(self._batch, 1000)
        offset = 0
        while True:
            got = self._collection.get(include=[], limit=page, offset=offset)
            found.update(got["ids"])
            if len(got["ids"]) < page:
                return found
            offset += page

    def delete_ids(self, ids: list[str]) -> None:
        self._writable()
        for start in range(0, len(ids), self._batch):
            self._collection.delete(ids=ids[start : start + self._batch])

    def close(self) -> None:
        """Let go of the folder; Chroma keeps one index in memory per folder and process until then,
        so a process that reopens after another one wrote sees the other's vectors."""
        self._client.close()  # type: ignore[attr-defined]
        if self.snapshot is not None:
            shutil.rmtree(self.snapshot, ignore_errors=True)

    # Whole files, for `quire sync` (Chroma has no transactions: the catalog's `indexing` mark
    # makes a half-written file visible and the next run rewrites the same ids) ----------------

    def put_file(self, document: StoredDocument, chunks: list[Chunk], vectors: np.ndarray) -> None:
        self.delete_path(document.path)  # (refused first when the data dir takes no writes)
        doc = {"sha256": document.sha256, "kind": document.kind, "size": document.size}
        doc["pages"] = document.pages
        if document.date:  # the date filter's `where` (search/filters.py)
            doc["date"] = int(document.date.replace("-", ""))
        for start in range(0, len(chunks), self._batch):
            batch = chunks[start : start + self._batch]
            metadatas = []
            for chunk in batch:
                where = {
                    "page": chunk.page,
                    "slide": chunk.slide,
                    "heading": chunk.heading,
                    "location": chunk.location,
                }
                # Chroma refuses None values: an absent key means "none"
                extra = {key: value for key, value in where.items() if value is not None}
                metadatas.append({"path": chunk.path, "idx": chunk.index, **doc, **extra})
            self._collection.upsert(
                ids=[c.id for c in batch],
                embeddings=vectors[start : start + len(batch)],
                metadatas=metadatas,  # type: ignore[arg-type]
                documents=[c.text for c in batch],
            )

    def read_file(self, path: str) -> StoredFile | None:
        import numpy as np

        got = self._collection.get(where={"path": path}, include=["metadatas", "documents", "embeddings"])
        metas = cast("list[dict[str, Any]]", got["metadatas"] or [])
        embeddings = cast("list[Any]", got["embeddings"] if got["embeddings"] is not None else [])
        rows = sorted(
            zip(got["ids"], metas, got["documents"] or [], embeddings, strict=True),
            key=lambda row: int(row[1].get("idx", 0)),
        )
        if not rows or "sha256" not in rows[0][1]:
            return None  # vectors from a plain import: the catalog, not Chroma, has their text
        meta = rows[0][1]
        document = StoredDocument(
            path, str(meta["sha256"]), str(meta["kind"]), int(meta["size"]), int(meta["pages"])
        )
        chunks = [
            Chunk(
                id=chunk_id,
                path=path,
                index=int(m["idx"]),
                text=text,
                page=_int_or_none(m.get("page")),
                slide=_int_or_none(m.get("slide")),
                heading=None if m.get("heading") is None else str(m["heading"]),
                location=None if m.get("location") is None else str(m["location"]),
            )
            for chunk_id, m, text, _ in rows
        ]
        return StoredFile(document, chunks, np.asarray([row[3] for row in rows], dtype=np.float32))

    def documents(self) -> dict[str, str]:
        got = self._collection.get(where={"idx": 0}, include=["metadatas"])
        return {str(m["path"]): str(m["sha256"]) for m in got["metadatas"] or [] if "sha256" in m}

    def get_vectors(self, ids: list[str]) -> np.ndarray | None:
        import numpy as np

        if not ids:
            return np.zeros((0, 0), dtype=np.float32)
        got = self._collection.get(ids=ids, include=["embeddings"])
        embeddings = cast("list[Any]", got["embeddings"] if got["embeddings"] is not None else [])
        by_id = dict(zip(got["ids"], embeddings, strict=True))
        if any(chunk_id not in by_id for chunk_id in ids):
            return None
        return np.asarray([by_id[chunk_id] for chunk_id in ids], dtype=np.float32)


def mismatch_message(meta: dict[str, Any], name: str, dim: int) -> str:
    return (
        f"the library was indexed with {meta.get('embedder')} ({meta.get('dim')} dims) but "
        f"Quire now uses {name} ({dim} dims): re-index needed (delete the chroma folder "
        "and import again)"
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
