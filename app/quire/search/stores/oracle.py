"""Oracle Database 23ai: a shared vector store (python-oracledb thin mode, no Instant Client).

Tables <prefix>_META, _DOCUMENTS and _CHUNKS (VECTOR(dim, FLOAT32) plus text, page, slide, heading)
are created on first connect; then a vector index (HNSW in the vector pool, or IVF when the database
has no VECTOR_MEMORY_SIZE) and an Oracle Text index. Every write is one transaction."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quire.errors import StoreError
from quire.library.chunking import Chunk
from quire.search.stores.base import EmbedderMismatch, StoredDocument, StoredFile, StoreUnreachable
from quire.search.stores.oracle_errors import already_exists, explain, is_vector_memory_missing
from quire.search.stores.oracle_sql import (
    HNSW,
    IVF,
    SCHEMA_VERSION,
    OracleSql,
    chunk_rows,
    doc_id,
    document_binds,
    oracle_text_query,
    vector_bind,
)

if TYPE_CHECKING:
    import numpy as np

    from quire.config import Settings

log = logging.getLogger(__name__)

CALL_TIMEOUT_MS = 120_000  # one round trip: a batch of rows, a search, a DDL statement


@dataclass(frozen=True)
class OracleConfig:
    """Where the library lives. `dsn` is host:port/service, an Easy Connect string, or a TNS
    alias from `config_dir` (an Autonomous Database wallet folder)."""

    dsn: str
    user: str
    password: str | None = None
    config_dir: str = ""
    wallet_location: str = ""
    wallet_password: str | None = None
    connect_timeout_s: float = 3.0
    table_prefix: str = "QUIRE"
    pool_max: int = 4
    batch_rows: int = 500

    @classmethod
    def from_settings(cls, settings: Settings) -> OracleConfig:
        from quire.secrets import get_secret

        get = settings.get
        return cls(
            dsn=get("oracle.dsn"),
            user=get("oracle.user"),
            password=get_secret("oracle.password") if get("oracle.dsn") else None,
            config_dir=get("oracle.config_dir"),
            wallet_location=get("oracle.wallet_location"),
            wallet_password=get_secret("oracle.wallet_password") if get("oracle.wallet_location") else None,
            connect_timeout_s=get("oracle.connect_timeout_s"),
            table_prefix=get("oracle.table_prefix"),
            pool_max=get("oracle.pool_max"),
            batch_rows=get("oracle.batch_rows"),
        )

    @property
    def configured(self) -> bool:
        return bool(self.dsn)

    def pool_params(self) -> dict[str, Any]:
        """Keyword arguments for oracledb.create_pool; empty wallet settings are left out."""
        if not self.dsn:
            raise StoreError("Oracle is not configured: set oracle.dsn and oracle.user")
        if not self.user:
            raise StoreError(f"Oracle at {self.dsn}: set oracle.user")
        if not self.password:
            raise StoreError(
                f"Oracle at {self.dsn}: no password for {self.user} in the OS keyring "
                "(run `quire secret set oracle.password`)"
            )
        params: dict[str, Any] = {
            "user": self.user,
            "password": self.password,
            "dsn": self.dsn,
            "tcp_connect_timeout": self.connect_timeout_s,
            "retry_count": 0,
        }
        if self.config_dir:
            params["config_dir"] = self.config_dir
        if self.wallet_location:
            params["wallet_location"] = self.wallet_location
            if self.wallet_password:
                params["wallet_password"] = self.wallet_password
        return params


class OracleStore:
    name = "oracle"

    def __init__(self, config: OracleConfig, embedder_name: str, dim: int) -> None:
        # Heavy-ish import here: only Oracle users pay for the driver.
        import oracledb

        self._oracledb = oracledb
        self.config = config
        self.sql = OracleSql(config.table_prefix, dim)
        self.index_kind = ""  # HNSW | IVF
        self.index_note = ""  # why IVF, when it is
        self.has_text_index = False
        self._meta: dict[str, str] = {}
        self._pool: Any = None
        params = config.pool_params()
        try:
            conn = self._first_contact(params)
            try:
                _require_23ai(conn.version, config.dsn)
                self._ensure_schema(conn, embedder_name, dim)
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

    def _first_contact(self, params: dict[str, Any]) -> Any:
        """Connect once, in a daemon thread: a listener that accepts and then never answers would
        hang the driver past tcp_connect_timeout, and auto mode promises a short wait."""
        outcome: dict[str, Any] = {}

        def attempt() -> None:
            try:
                outcome["conn"] = self._oracledb.connect(**params)
            except BaseException as exc:  # handed to the caller below
                outcome["error"] = exc

        worker = threading.Thread(target=attempt, name="quire-oracle-connect", daemon=True)
        worker.start()
        worker.join(self._deadline_s)
        if worker.is_alive():
            raise StoreUnreachable(
                f"Oracle at {self.config.dsn} did not answer within {self._deadline_s:g} s "
                "(oracle.connect_timeout_s); check oracle.dsn and that the database is open"
            )
        if "error" in outcome:
            raise outcome["error"]
        return outcome["conn"]

    def close(self) -> None:
        if self._pool is not None:
            try:
                self._pool.close(force=True)
            except self._oracledb.Error:
                log.debug("closing the Oracle pool failed", exc_info=True)
            self._pool = None

    def describe(self) -> str:
        """One line for `quire status`: the index kinds in use and why."""
        text = "Oracle Text" if self.has_text_index else "no Oracle Text index"
        note = f" ({self.index_note})" if self.index_note else ""
        return f"{self.index_kind} vector index{note}, {text}"

    @contextmanager
    def _session(self, doing: str) -> Iterator[Any]:
        """A pooled connection; anything not committed when the block fails is rolled back."""
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
            raise explain(exc, self.config.dsn, self.config.user, doing) from exc

    # Schema ------------------------------------------------------------------------------------

    def _ensure_schema(self, conn: Any, embedder_name: str, dim: int) -> None:
        """Create what is missing (idempotent: two clients starting at once both succeed)."""
        sql = self.sql
        cursor = conn.cursor()
        tables = {row[0] for row in cursor.execute("SELECT table_name FROM user_tables")}
        for name, ddl in sql.create_tables():
            if name not in tables:
                self._ddl(cursor, ddl, f"creating table {name}")
        self._meta = {k: v for k, v in cursor.execute(f"SELECT key, value FROM {sql.meta}")}
        if not self._meta:
            for key, value in (("schema_version", SCHEMA_VERSION), ("embedder", embedder_name), ("dim", dim)):
                cursor.execute(sql.merge_meta(), key=key, value=str(value))
            conn.commit()
            self._meta = {"schema_version": str(SCHEMA_VERSION), "embedder": embedder_name, "dim": str(dim)}
        if int(self._meta.get("schema_version", "0")) > SCHEMA_VERSION:
            raise StoreError(
                f"Oracle at {self.config.dsn}: the {sql.prefix} tables were made by a newer Quire "
                f"(schema {self._meta['schema_version']}); update Quire"
            )
        self.check_embedder(embedder_name, dim)
        indexes = {row[0] for row in cursor.execute("SELECT index_name FROM user_indexes")}
        for name, ddl in sql.create_indexes():
            if name not in indexes:
                self._ddl(cursor, ddl, f"creating index {name}")
        self._ensure_vector_index(cursor, indexes)
        self._ensure_text_index(cursor, indexes)

    def _ddl(self, cursor: Any, ddl: str, doing: str) -> None:
        try:
            cursor.execute(ddl)
        except self._oracledb.Error as exc:
            if already_exists(exc):  # another client made it a moment ago
                return
            raise explain(exc, self.config.dsn, self.config.user, doing) from exc

    def _ensure_vector_index(self, cursor: Any, indexes: set[str]) -> None:
        names = self.sql.vector_index_names()
        for kind, name in names.items():
            if name in indexes:
                self.index_kind = kind
                return
        if self._vector_memory_size(cursor) == 0:
            self.index_note = "VECTOR_MEMORY_SIZE is not set, so IVF instead of HNSW"
        else:
            try:
                cursor.execute(self.sql.create_vector_index(HNSW))
                self.index_kind = HNSW
                return
            except self._oracledb.Error as exc:
                if already_exists(exc):
                    self.index_kind = HNSW
                    return
                if not is_vector_memory_missing(exc):
                    raise explain(exc, self.config.dsn, self.config.user, "creating the HNSW index") from exc
                self.index_note = "no room in the vector pool (VECTOR_MEMORY_SIZE), so IVF instead of HNSW"
        log.warning("Oracle at %s: %s", self.config.dsn, self.index_note)
        self._ddl(cursor, self.sql.create_vector_index(IVF), "creating the IVF index")
        self.index_kind = IVF

    def _vector_memory_size(self, cursor: Any) -> int | None:
        """Bytes of vector pool, or None when this user may not read v$parameter (then just try)."""
        try:
            cursor.execute("SELECT value FROM v$parameter WHERE name = 'vector_memory_size'")
            row = cursor.fetchone()
        except self._oracledb.Error:
            return None
        return int(row[0]) if row and str(row[0]).isdigit() else None

    def _ensure_text_index(self, cursor: Any, indexes: set[str]) -> None:
        if self.sql.text_index_name in indexes:
            self.has_text_index = True
            return
        try:
            cursor.execute(self.sql.create_text_index())
            self.has_text_index = True
        except self._oracledb.Error as exc:
            # Not fatal: hybrid search takes its words from the local catalog's FTS5 index.
            self.has_text_index = already_exists(exc)
            if not self.has_text_index:
                why = explain(exc, self.config.dsn, self.config.user)
                log.warning("Oracle Text index not created: %s", why)

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
        with self._session("writing vectors") as conn:
            cursor = conn.cursor()
            docs = [{"doc_id": doc_id(p), "path": p} for p in dict.fromkeys(paths)]
            if docs:
                cursor.executemany(sql.ensure_document(), docs)
            for start in range(0, len(rows), batch):
                cursor.executemany(sql.merge_vector(), rows[start : start + batch])
            conn.commit()

    def delete_path(self, path: str) -> None:
        with self._session(f"removing {path}") as conn:
            conn.cursor().execute(self.sql.delete_document(), doc_id=doc_id(path))
            conn.commit()

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        with self._session("searching") as conn:
            rows = conn.cursor().execute(self.sql.nearest(), q=vector_bind(vector), k=k).fetchall()
        return [(chunk_id, 1.0 - float(distance)) for chunk_id, distance in rows]

    def count(self) -> int:
        with self._session("counting chunks") as conn:
            return int(conn.cursor().execute(self.sql.count()).fetchone()[0])

    def text_search(self, query: str, k: int) -> list[str]:
        """Chunk ids ranked by Oracle Text; [] when the index could not be created."""
        text = oracle_text_query(query)
        if not text or not self.has_text_index:
            return []
        with self._session("searching text") as conn:
            return [row[0] for row in conn.cursor().execute(self.sql.text_search(), q=text, k=k)]

    # Whole files, for sync ---------------------------------------------------------------------

    def put_file(self, document: StoredDocument, chunks: list[Chunk], vectors: np.ndarray) -> None:
        rows = chunk_rows(chunks, vectors)
        sql, batch = self.sql, max(1, self.config.batch_rows)
        with self._session(f"writing {document.path}") as conn:
            cursor = conn.cursor()
            cursor.execute(sql.merge_document(), document_binds(document))
            cursor.execute(sql.delete_chunks(), doc_id=doc_id(document.path))
            for start in range(0, len(rows), batch):
                cursor.setinputsizes(None, None, int, int, int, 4000, None, None)  # None rows stay typed
                cursor.executemany(sql.insert_chunk(), rows[start : start + batch])
            conn.commit()  # the file's new version appears whole, or not at all

    def read_file(self, path: str) -> StoredFile | None:
        import numpy as np

        with self._session(f"reading {path}") as conn:
            cursor = conn.cursor()
            doc = cursor.execute(self.sql.read_document(), doc_id=doc_id(path)).fetchone()
            if doc is None or doc[1] is None:
                return None
            rows = cursor.execute(self.sql.read_chunks(), doc_id=doc_id(path), fetch_lobs=False).fetchall()
        document = StoredDocument(doc[0], doc[1], doc[2], int(doc[3]), int(doc[4]))
        chunks = [
            Chunk(id=r[0], path=path, index=int(r[1]), text=r[5] or "", page=r[2], slide=r[3], heading=r[4])
            for r in rows
        ]
        vectors = np.asarray([np.frombuffer(r[6], dtype=np.float32) for r in rows], dtype=np.float32)
        return StoredFile(document, chunks, vectors)

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
