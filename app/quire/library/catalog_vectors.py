"""The catalog's record of vectors: which files' vectors are in the store, and which wait for the
vector pass (words first: see library/vectors.py). A part of Catalog, kept apart by concept."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quire.library.catalog import FileRecord


class VectorState:
    """Mixed into Catalog, whose connection and write lock these use."""

    _lock: threading.RLock

    @property
    def _db(self) -> sqlite3.Connection:
        raise NotImplementedError  # Catalog's per-thread connection

    def mark_embedded(self, path: str, sha256: str, store: str) -> bool:
        """`store` now holds the vectors of this version; False if the file changed meanwhile. The
        vectors were written without their document's date: the next dating gives it to them."""
        with self._lock, self._db:
            marked = self._db.execute(
                "UPDATE files SET embedded = 1, updated_at = ? WHERE path = ? AND sha256 = ?"
                " AND state = 'indexed'",
                (time.time(), path, sha256),
            ).rowcount
            self._db.execute("DELETE FROM store_dates WHERE store = ? AND path = ?", (store, path))
            return marked > 0

    def pending_embedding(self, limit: int = 1000) -> list[FileRecord]:
        """Indexed files whose vectors are not in the store yet, oldest first (the vector pass's queue)."""
        rows = self._db.execute(
            "SELECT * FROM files WHERE state = 'indexed' AND embedded = 0 ORDER BY updated_at, path LIMIT ?",
            (limit,),
        )
        from quire.library.catalog import FileRecord

        return [FileRecord.from_row(row) for row in rows]

    def without_vectors(self, ids: list[str]) -> set[str]:
        """Which of these chunk ids belong to files whose vectors are not made yet."""
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"""SELECT chunks.id FROM chunks JOIN files ON files.path = chunks.path
                WHERE files.embedded = 0 AND chunks.id IN ({marks})""",
            ids,
        )
        return {row["id"] for row in rows}

    def has_embedded(self) -> bool:
        """Does any file have its vectors in the store (else search by words alone)?"""
        row = self._db.execute("SELECT 1 FROM files WHERE state = 'indexed' AND embedded = 1 LIMIT 1")
        return row.fetchone() is not None

    def embedding_current(self, path: str, sha256: str) -> bool:
        """Is this the version the catalog has indexed, still waiting for its vectors?"""
        row = self._db.execute(
            "SELECT 1 FROM files WHERE path = ? AND sha256 = ? AND state = 'indexed' AND embedded = 0",
            (path, sha256),
        ).fetchone()
        return row is not None

    def embedded_chunk_ids(self) -> set[str]:
        """The chunk ids whose vectors the store should hold (those of files marked embedded)."""
        rows = self._db.execute(
            "SELECT chunks.id FROM chunks JOIN files ON files.path = chunks.path WHERE files.embedded = 1"
        )
        return {row["id"] for row in rows}
