"""Embedded Chroma: the default, offline vector store, in the data dir's chroma/ folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from quire.errors import StoreError

if TYPE_CHECKING:
    import numpy as np

COLLECTION = "quire-chunks"


class ChromaStore:
    name = "chroma"

    def __init__(self, folder: Path, embedder_name: str, dim: int) -> None:
        # Heavy import here: chromadb takes a second to import and the GUI opens before it.
        import chromadb
        from chromadb.config import Settings

        folder.mkdir(parents=True, exist_ok=True)
        try:
            self._client = chromadb.PersistentClient(
                path=str(folder), settings=Settings(anonymized_telemetry=False)
            )
            self._collection = self._client.get_or_create_collection(
                COLLECTION,
                metadata={"embedder": embedder_name, "dim": dim},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,  # Quire embeds; Chroma's default would fetch a model
            )
        except Exception as exc:
            raise StoreError(f"{folder}: the local vector store cannot be opened ({exc})") from exc
        self._batch = max(1, self._client.get_max_batch_size())
        self.check_embedder(embedder_name, dim)

    def check_embedder(self, name: str, dim: int) -> None:
        meta = self._collection.metadata or {}
        if meta.get("embedder") != name or meta.get("dim") != dim:
            raise StoreError(
                f"the library was indexed with {meta.get('embedder')} ({meta.get('dim')} dims) but "
                f"Quire now uses {name} ({dim} dims): re-index needed (delete the chroma folder "
                "and import again)"
            )

    def upsert(self, ids: list[str], vectors: np.ndarray, paths: list[str]) -> None:
        for start in range(0, len(ids), self._batch):
            end = start + self._batch
            self._collection.upsert(
                ids=ids[start:end],
                embeddings=vectors[start:end],
                metadatas=[{"path": p} for p in paths[start:end]],
            )

    def delete_path(self, path: str) -> None:
        self._collection.delete(where={"path": path})

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        count = self._collection.count()
        if count == 0:
            return []
        result = self._collection.query(
            query_embeddings=[vector], n_results=min(k, count), include=["distances"]
        )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        return [(chunk_id, 1.0 - float(dist)) for chunk_id, dist in zip(ids, distances, strict=True)]

    def count(self) -> int:
        return self._collection.count()
