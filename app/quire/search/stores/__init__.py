"""Pick the vector store from settings (store.backend)."""

from __future__ import annotations

from quire.config import Settings
from quire.errors import StoreError
from quire.search.stores.base import VectorStore


def open_store(settings: Settings, embedder_name: str, dim: int) -> VectorStore:
    backend = settings.get("store.backend")
    if backend in {"chroma", "auto"}:
        from quire.search.stores.chroma import ChromaStore

        return ChromaStore(settings.chroma_dir, embedder_name, dim)
    if backend == "oracle":
        raise StoreError("the Oracle store is not available in this version; set store.backend=chroma")
    raise StoreError(f"store.backend must be chroma, oracle or auto, not {backend!r}")
