"""Oracle Database 23ai: a shared vector store (python-oracledb thin mode, no Instant Client).

Tables <prefix>_META, _DOCUMENTS and _CHUNKS (VECTOR(dim, FLOAT32) plus text, page, slide, heading)
are created on first connect (oracle_schema.py); then a vector index (HNSW in the vector pool, or IVF
when the database cannot build one, saying why) and an Oracle Text index. Every write is one
transaction, tried once more when another client wrote the same keys first."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from quire.errors import StoreError
from quire.library.chunking import Chunk
from quire.search.stores.base import EmbedderMismatch, StoredDocument, StoredFile
from quire.search.stores.oracle_connect import OracleConfig, first_contact
from quire.search.stores.oracle_errors import (
    explain,
    hnsw_refuses_dml,
    is_duplicate_key,
    text_index_unusable,
)
from quire.search.stores.oracle_schema import Schema
from quire.search.stores.oracle_sql import (
    HNSW,
    OracleSql,
    chunk_rows,
    doc_id,
    document_binds,
    oracle_text_query,
    vector_bind,
)

if TYPE_CHECKING:
    import numpy as np

    from quire.search.filters import VectorFilter

__all__ = ["OracleConfig", "OracleStore"]

log = logging.getLogger(__name__)

CALL_TIMEOUT_MS = 120_000  # one round trip: a batch of rows, a search, a DDL statement


class OracleStore:
    name = "oracle"

    def __init__(self, config: OracleConfig, embedder_name: str, dim: int) -> None:
        # Heavy-ish import here: only Oracle users pay for the driver.
        import oracledb

        self._oracledb = oracledb
        self.config = config
        self.sql = OracleSql(config.table_prefix, dim)
        self.schema = Schema(config, self.sql)
        self._meta: dict[str, str] = {}
        self._pool: Any = None
        params = config.pool_params()
        try:
            conn = first_contact(oracledb, params, self._deadline_s, config.dsn)
            try:
                _require_23ai(conn.version, config.dsn)
                self._meta = self.schema.ensure_tables(conn, embedder_name, dim)
                self.check_embedder(embedder_name, dim)
                self.schema.ensure_indexes(conn)
                self.schema.refresh_ivf(conn, self._meta)
            finally:
                conn.close()
            self._pool = oracledb.create_pool(
                **params,
                min=0,
                max=max(1, config.pool_max),
                increment=1,
                getmode=oracledb.POOL_GETMODE_TIMEDWAIT,
                wait_timeout=int(self._deadline_s * 1000),
            )
        except oracledb.Error as exc:
            self.close()
            raise explain(exc, config.dsn, config.user, "opening the library") from exc
        except StoreError:
            self.close()
            raise

    @property
    def _deadline_s(self) -> float:
        return max(2 * self.config.connect_timeout_s, 1.0)

    @property
    def index_kind(self) -> str:
        return self.schema.state.vector_kind  # HNSW | IVF

    @property
    def index_note(self) -> str:
        return self.schema.state.vector_note

    @property
    def has_text_index(self) -> bool:
        return self.schema.state.text

    def close(self) -> None:
        if self._pool is not None:
            try:
                self._pool.close(force=True)
            except self._oracledb.Error:
                log.debug("closing the Oracle pool failed", exc_info=True)
            self._pool = None

    def describe(self) -> str:
        """One line for `quire status`: the index kinds in use and why."""
        state = self.schema.state
        text = "Oracle Text" if state.text else (state.text_note or "no Oracle Text index")
        note = f" ({state.vector_note})" if state.vector_note else ""
        return f"{state.vector_kind} vector index{note}, {text}"

    @contextmanager
    def _session(self, doing: str, explained: bool = True) -> Iterator[Any]:
        """A pooled connection; anything not committed when the block fails is rolled back.
        Driver errors become StoreErrors, unless `explained` is False (the caller decides)."""
        if self._pool is None:
            raise StoreError(f"Oracle at {self.config.dsn}: the store is closed")
        try:
            with self._pool.acquire() as conn:
                conn.call_timeout = CALL_TIMEOUT_MS  # a server gone silent mid-sync raises, not hangs
                try:
                    yield conn
                except BaseException:
                    with contextlib.suppress(self._oracledb.Error):  # a dead link took the transaction
                        conn.rollback()
                    raise
        except self._oracledb.Error as exc:
            if not explained:
                raise
            raise explain(exc, self.config.dsn, self.config.user, doing) from exc

    def _write(self, doing: str, work: Callable[[Any], None]) -> None:
        """One transaction: `work(cursor)`, then commit. Tried once more when another client
        inserted the same keys first (ORA-00001: its rows are there now, so the MERGEs update), or
        when this release update refuses writes under an HNSW index (ORA-51928: IVF instead)."""
        for attempt in (1, 2):
            try:
                with self._session(doing, explained=False) as conn:
                    work(conn.cursor())
                    conn.commit()
                return
            except self._oracledb.Error as exc:
                if attempt == 1 and is_duplicate_key(exc):
                    log.info(
                        "Oracle at %s: %s raced another client (%s); once more", self.config.dsn, doing, exc
                    )
                    continue
                if attempt == 1 and hnsw_refuses_dml(exc) and self.index_kind == HNSW:
                    with self._session("switching to an IVF index") as conn:
                        self.schema.replace_hnsw_with_ivf(
                            conn,
                            "this database refuses writes to a table with an HNSW index (ORA-51928: "
                            "an older 23ai release update), so IVF",
                        )
                    continue
                raise explain(exc, self.config.dsn, self.config.user, doing) from exc

    def refresh_vector_index(self) -> bool:
        """After a push: rebuild an IVF index that was built over far fewer rows (see Schema)."""
        with self._session("rebuilding the vector index") as conn:
            return self.schema.refresh_ivf(conn, self._meta)

    def check_embedder(self, name: str, dim: int) -> None:
        held_name, held_dim = self._meta.get("embedder"), self._meta.get("dim")
        if held_name != name or held_dim != str(dim):
            prefix = self.sql.prefix.upper()
            raise EmbedderMismatch(
                f"the Oracle library {prefix} at {self.config.dsn} was indexed with {held_name} "
                f"({held_dim} dims) but Quire uses {name} ({dim} dims): re-index needed — set "
                f"oracle.table_prefix to a new name and run `quire sync` to push your library there, "
                f"or drop the {prefix}_* tables"
            )

    # VectorStore -------------------------------------------------------------------------------

    def upsert(self, ids: list[str], vectors: np.ndarray, paths: list[str]) -> None:
        sql, batch = self.sql, max(1, self.config.batch_rows)
        rows = [(i, doc_id(p), vector_bind(v)) for i, p, v in zip(ids, paths, vectors, strict=True)]
        docs = [{"doc_id": doc_id(p), "path": p} for p in dict.fromkeys(paths)]

        def work(cursor: Any) -> None:
            if docs:
                cursor.executemany(sql.ensure_document(), docs)
            for start in range(0, len(rows), batch):
                cursor.executemany(sql.merge_vector(), rows[start : start + batch])

        self._write("writing vectors", work)

    def delete_path(self, path: str) -> None:
        self._write(
            f"removing {path}", lambda cursor: cursor.execute(self.sql.delete_document(), doc_id=doc_id(path))
        )

    def query(self, vector: np.ndarray, k: int, where: VectorFilter | None = None) -> list[tuple[str, float]]:
        clause, binds = self.sql.filter_clause(where) if where is not None else ("", {})
        with self._session("searching") as conn:
            cursor = conn.cursor()
            rows = cursor.execute(self.sql.nearest(clause), q=vector_bind(vector), k=k, **binds).fetchall()
        return [(chunk_id, 1.0 - float(distance)) for chunk_id, distance in rows]

    def dates_complete(self) -> bool:
        """Whether every document row carries its date (rows pushed before dates existed do not:
        a date filter then names the files instead, see search/filters.py)."""
        with self._session("counting undated documents") as conn:
            return int(conn.cursor().execute(self.sql.undated_documents()).fetchone()[0]) == 0

    def count(self) -> int:
        with self._session("counting chunks") as conn:
            return int(conn.cursor().execute(self.sql.count()).fetchone()[0])

    def text_search(self, query: str, k: int, where: VectorFilter | None = None) -> list[str]:
        """Chunk ids ranked by Oracle Text; [] when there is no working Oracle Text index."""
        text = oracle_text_query(query)
        if not text or not self.has_text_index:
            return []
        clause, binds = self.sql.filter_clause(where) if where is not None else ("", {})
        try:
            with self._session("searching text", explained=False) as conn:
                rows = conn.cursor().execute(self.sql.text_search(clause), q=text, k=k, **binds)
                return [row[0] for row in rows]
        except self._oracledb.Error as exc:
            if not text_index_unusable(exc):
                raise explain(exc, self.config.dsn, self.config.user, "searching text") from exc
            # broken since this store opened (ORA-29861): words come from the local catalog instead
            self.schema.state.text = False
            self.schema.state.text_note = "the Oracle Text index is unusable (ORA-29861)"
            log.warning("Oracle at %s: %s", self.config.dsn, self.schema.state.text_note)
            return []

    # Whole files, for sync ---------------------------------------------------------------------

    def put_file(self, document: StoredDocument, chunks: list[Chunk], vectors: np.ndarray) -> None:
        rows = chunk_rows(chunks, vectors)
        sql, batch = self.sql, max(1, self.config.batch_rows)

        def work(cursor: Any) -> None:
            cursor.execute(sql.merge_document(), document_binds(document))
            cursor.execute(sql.delete_chunks(), doc_id=doc_id(document.path))
            for start in range(0, len(rows), batch):
                cursor.setinputsizes(None, None, int, int, int, 4000, None, None)  # None rows stay typed
                cursor.executemany(sql.insert_chunk(), rows[start : start + batch])

        self._write(f"writing {document.path}", work)  # the new version appears whole, or not at all

    def read_file(self, path: str) -> StoredFile | None:
        import numpy as np

        with self._session(f"reading {path}") as conn:
            # fetch_lobs (python-oracledb >= 3.4): chunk text arrives as str, not as LOB locators
            rows = (
                conn.cursor().execute(self.sql.read_file(), doc_id=doc_id(path), fetch_lobs=False).fetchall()
            )
        if not rows or rows[0][1] is None:
            return None
        doc = rows[0]
        document = StoredDocument(doc[0], doc[1], doc[2], int(doc[3]), int(doc[4]))
        held = [r[5:] for r in rows if r[5] is not None]  # a document with no chunks: one row of NULLs
        chunks = [
            Chunk(id=r[0], path=path, index=int(r[1]), text=r[5] or "", page=r[2], slide=r[3], heading=r[4])
            for r in held
        ]
        vectors = np.asarray([np.frombuffer(r[6], dtype=np.float32) for r in held], dtype=np.float32)
        return StoredFile(document, chunks, vectors.reshape(len(held), self.sql.dim))

    def documents(self) -> dict[str, str]:
        with self._session("listing documents") as conn:
            return {path: sha for path, sha in conn.cursor().execute(self.sql.versions())}

    def get_vectors(self, ids: list[str]) -> np.ndarray | None:
        import numpy as np

        found: dict[str, np.ndarray] = {}
        with self._session("reading vectors") as conn:
            cursor = conn.cursor()
            for start in range(0, len(ids), 500):
                batch = ids[start : start + 500]
                for chunk_id, vector in cursor.execute(self.sql.read_vectors(len(batch)), batch):
                    found[chunk_id] = np.frombuffer(vector, dtype=np.float32)
        if any(chunk_id not in found for chunk_id in ids):
            return None
        return np.asarray([found[chunk_id] for chunk_id in ids], dtype=np.float32).reshape(len(ids), -1)


def _require_23ai(version: str, dsn: str) -> None:
    major = version.split(".")[0]
    if major.isdigit() and int(major) < 23:
        raise StoreError(
            f"Oracle at {dsn} is version {version}: Oracle Database 23ai or later is needed for "
            "the VECTOR type (use store.backend=chroma meanwhile)"
        )
