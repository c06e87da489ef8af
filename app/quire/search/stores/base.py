"""The VectorStore protocol: what the library needs from any place that keeps chunk vectors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


class VectorStore(Protocol):
    name: str

    def check_embedder(self, name: str, dim: int) -> None:
        """Raise StoreError when the store was built with a different embedder (re-index needed)."""

    def upsert(self, ids: list[str], vectors: np.ndarray, paths: list[str]) -> None:
        """Write vectors under deterministic ids; writing an id again replaces it."""

    def delete_path(self, path: str) -> None:
        """Drop every vector that came from this file."""

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k nearest chunk ids with cosine similarity, best first."""

    def count(self) -> int:
        """How many vectors the store holds."""
