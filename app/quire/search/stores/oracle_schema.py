"""The Oracle store's tables and indexes: created when missing, checked when present, repaired or
replaced when a database refuses them, so several clients can open one library at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from quire.errors import StoreError
from quire.search.stores.oracle_connect import OracleConfig
from quire.search.stores.oracle_errors import (
    already_exists,
    error_code,
    explain,
    is_duplicate_key,
    is_vector_index_error,
)
from quire.search.stores.oracle_sql import HNSW, IVF, SCHEMA_VERSION, OracleSql

log = logging.getLogger(__name__)

NO_SUCH_INDEX = {"ORA-01418", "ORA-00953"}  # another client dropped it first
IVF_ROWS = "ivf_rows"  # META key: chunk rows when the IVF index was last built


@dataclass
class IndexState:
    """What the store searches with, and why (for `quire status`)."""

    vector_kind: str = ""  # HNSW | IVF
    vector_note: str = ""  # why IVF, when it is
    text: bool = False  # an Oracle Text index that works
    text_note: str = ""  # why not, when not


class Schema:
    """Runs the DDL for one library (a table prefix) over a cursor of the caller's connection."""

    def __init__(self, config: OracleConfig, sql: OracleSql) -> None:
        import oracledb  # only Oracle users pay for the driver

        self._error = oracledb.Error
        self.config = config
        self.sql = sql
        self.state = IndexState()

    def _explain(self, exc: BaseException, doing: str) -> StoreError:
        return explain(exc, self.config.dsn, self.config.user, doing)

    def ddl(self, cursor: Any, ddl: str, doing: str) -> bool:
        """Run it; False when another client made the same object a moment ago."""
        try:
            cursor.execute(ddl)
        except self._error as exc:
            if already_exists(exc):
                return False
            raise self._explain(exc, doing) from exc
        return True

    # Tables and META ---------------------------------------------------------------------------

    def ensure_tables(self, conn: Any, embedder_name: str, dim: int) -> dict[str, str]:
        """Create what is missing and return META (two clients starting at once both succeed)."""
        cursor = conn.cursor()
        tables = {row[0] for row in cursor.execute("SELECT table_name FROM user_tables")}
        for name, ddl in self.sql.create_tables():
            if name not in tables:
                self.ddl(cursor, ddl, f"creating table {name}")
        if self.sql.documents in tables:  # made before document dates: add the column (NULL until pushed)
            columns = cursor.execute(
                "SELECT column_name FROM user_tab_columns WHERE table_name = :t", t=self.sql.documents
            )
            if "DOC_DATE" not in {row[0] for row in columns}:
                self.ddl(cursor, self.sql.add_date_column(), f"adding doc_date to {self.sql.documents}")
        meta = self.read_meta(cursor)
        if not meta:
            try:
                for key, value in (
                    ("schema_version", SCHEMA_VERSION),
                    ("embedder", embedder_name),
                    ("dim", dim),
                ):
                    cursor.execute(self.sql.merge_meta(), key=key, value=str(value))
                conn.commit()
            except self._error as exc:
                # Both MERGEs saw an empty table; the second waits for the first and then hits its
                # key (ORA-00001). The first client's rows are the library's: read them.
                if not is_duplicate_key(exc):
                    raise self._explain(exc, f"writing {self.sql.meta}") from exc
                conn.rollback()
                log.info("Oracle at %s: another client created %s first", self.config.dsn, self.sql.meta)
            meta = self.read_meta(cursor)
        if int(meta.get("schema_version", "0")) > SCHEMA_VERSION:
            raise StoreError(
                f"Oracle at {self.config.dsn}: the {self.sql.prefix} tables were made by a newer Quire "
                f"(schema {meta['schema_version']}); update Quire"
            )
        return meta

    def read_meta(self, cursor: Any) -> dict[str, str]:
        return {k: v for k, v in cursor.execute(f"SELECT key, value FROM {self.sql.meta}")}

    def set_meta(self, conn: Any, key: str, value: str) -> None:
        cursor = conn.cursor()
        try:
            cursor.execute(self.sql.merge_meta(), key=key, value=value)
        except self._error as exc:
            if not is_duplicate_key(exc):  # two clients recording at once: either value will do
                raise self._explain(exc, f"writing {self.sql.meta}") from exc
        conn.commit()

    # Indexes -----------------------------------------------------------------------------------

    def index_states(self, cursor: Any) -> dict[str, tuple[str, str | None, str | None]]:
        rows = cursor.execute(self.sql.index_states()).fetchall()
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    def ensure_indexes(self, conn: Any) -> IndexState:
        cursor = conn.cursor()
        states = self.index_states(cursor)
        for name, ddl in self.sql.create_indexes():
            if name not in states:
                self.ddl(cursor, ddl, f"creating index {name}")
        self.ensure_vector_index(conn, set(states))
        self.ensure_text_index(cursor, states)
        return self.state

    def ensure_vector_index(self, conn: Any, indexes: set[str]) -> None:
        names = self.sql.vector_index_names()
        for kind in (HNSW, IVF):
            if names[kind] in indexes:
                self.state.vector_kind = kind
                return
        cursor = conn.cursor()
        choice = self.config.vector_index
        if choice == "ivf":
            self.state.vector_note = "oracle.vector_index is ivf"
        else:
            try:
                cursor.execute(self.sql.create_vector_index(HNSW))
                self.state.vector_kind = HNSW
                return
            except self._error as exc:
                if already_exists(exc):
                    self.state.vector_kind = HNSW
                    return
                # Any AI Vector Search error (ORA-51xxx) while building HNSW: out of vector pool,
                # a pool of 0 (Autonomous Database sizes its own, so v$parameter says nothing there),
                # or a release update's limit. IVF needs no pool; the code goes to the log.
                if choice == "hnsw" or not is_vector_index_error(exc):
                    raise self._explain(exc, "creating the HNSW index") from exc
                code = error_code(exc)
                self.state.vector_note = f"HNSW could not be built ({code}), so IVF"
                if self._vector_memory_size(cursor) == 0:
                    self.state.vector_note += "; VECTOR_MEMORY_SIZE is 0: set it in CDB$ROOT"
                log.warning("Oracle at %s: %s: %s", self.config.dsn, self.state.vector_note, exc)
        self.create_ivf(conn)

    def create_ivf(self, conn: Any) -> None:
        cursor = conn.cursor()
        self.ddl(cursor, self.sql.create_vector_index(IVF), "creating the IVF index")
        self.state.vector_kind = IVF
        rows = int(cursor.execute(self.sql.count()).fetchone()[0])
        self.set_meta(conn, IVF_ROWS, str(rows))

    def replace_hnsw_with_ivf(self, conn: Any, why: str) -> None:
        """This database refuses writes to a table with an HNSW index: IVF instead, for everyone."""
        cursor = conn.cursor()
        try:
            cursor.execute(self.sql.drop_index(self.sql.vector_index_names()[HNSW]))
        except self._error as exc:
            if error_code(exc) not in NO_SUCH_INDEX:
                raise self._explain(exc, "dropping the HNSW index") from exc
        self.state.vector_note = why
        log.warning("Oracle at %s: %s", self.config.dsn, why)
        self.create_ivf(conn)

    def refresh_ivf(self, conn: Any, meta: dict[str, str]) -> bool:
        """Rebuild an IVF index once the table has doubled since it was built: one built on an
        empty table has no partitions to search. Doubling keeps rebuilds to a handful."""
        if self.state.vector_kind != IVF:
            return False
        cursor = conn.cursor()
        rows = int(cursor.execute(self.sql.count()).fetchone()[0])
        built = int(meta.get(IVF_ROWS) or self.read_meta(cursor).get(IVF_ROWS) or 0)
        if not ivf_needs_rebuild(rows, built):
            return False
        name = self.sql.vector_index_names()[IVF]
        try:
            cursor.execute(self.sql.rebuild_vector_index(), name=name)
        except self._error as exc:  # no DBMS_VECTOR grant or another signature: drop and build
            log.info(
                "Oracle at %s: DBMS_VECTOR.REBUILD_INDEX failed (%s); recreating %s",
                self.config.dsn,
                exc,
                name,
            )
            try:
                cursor.execute(self.sql.drop_index(name))
            except self._error as dropped:
                if error_code(dropped) not in NO_SUCH_INDEX:
                    raise self._explain(dropped, f"rebuilding {name}") from dropped
            self.ddl(cursor, self.sql.create_vector_index(IVF), f"rebuilding {name}")
        self.set_meta(conn, IVF_ROWS, str(rows))
        meta[IVF_ROWS] = str(rows)
        log.info(
            "Oracle at %s: IVF index rebuilt over %d chunks (was built over %d)", self.config.dsn, rows, built
        )
        return True

    def _vector_memory_size(self, cursor: Any) -> int | None:
        """Bytes of vector pool, or None when this user may not read v$parameter."""
        try:
            cursor.execute("SELECT value FROM v$parameter WHERE name = 'vector_memory_size'")
            row = cursor.fetchone()
        except self._error:
            return None
        return int(row[0]) if row and str(row[0]).isdigit() else None

    def ensure_text_index(self, cursor: Any, states: dict[str, tuple[str, str | None, str | None]]) -> None:
        """An Oracle Text index that works, or none at all: a failed build still lists its name in
        USER_INDEXES, and then CONTAINS (and writes to the table) fail with ORA-29861."""
        name = self.sql.text_index_name
        if name in states:
            broken = text_index_broken(states[name], self._ctx_status(cursor))
            if broken is None:
                self.state.text = True
                return
            if broken == "building":  # another client is creating it right now: leave it be
                self.state.text_note = "Oracle Text index still being built"
                return
            log.warning(
                "Oracle at %s: Oracle Text index %s is %s; dropping and rebuilding it",
                self.config.dsn,
                name,
                broken,
            )
            self._drop_text_index(cursor)
        try:
            cursor.execute(self.sql.create_text_index())
            self.state.text = True
        except self._error as exc:
            if already_exists(exc):
                self.state.text = True
                return
            # Not fatal: hybrid search takes its words from the local catalog's FTS5 index.
            why = self._explain(exc, "")
            self.state.text_note = f"no Oracle Text index ({error_code(exc) or exc})"
            log.warning("Oracle Text index not created: %s", why)
            self._drop_text_index(cursor)  # a failed CREATE leaves a FAILED index behind

    def _ctx_status(self, cursor: Any) -> str | None:
        try:
            row = cursor.execute(self.sql.text_index_status(), name=self.sql.text_index_name).fetchone()
        except self._error:  # no Oracle Text views (it is not installed) or not readable
            return None
        return str(row[0]) if row and row[0] is not None else None

    def _drop_text_index(self, cursor: Any) -> None:
        try:
            cursor.execute(self.sql.drop_index(self.sql.text_index_name, force=True))
        except self._error as exc:
            log.debug("dropping the Oracle Text index: %s", exc)


def ivf_needs_rebuild(rows: int, built_over: int) -> bool:
    """Once the table holds twice the rows the IVF index was built over (and any at all)."""
    return rows > 0 and rows >= 2 * built_over


def text_index_broken(state: tuple[str, str | None, str | None], ctx_status: str | None) -> str | None:
    """None when the Oracle Text index works; else "building" or what is wrong with it.
    `state` is USER_INDEXES (STATUS, DOMIDX_STATUS, DOMIDX_OPSTATUS); `ctx_status` is
    CTX_USER_INDEXES.IDX_STATUS when readable."""
    status, domidx, opstatus = (str(v or "").upper() for v in state)
    ctx = (ctx_status or "").upper()
    if "LOADING" in (opstatus, ctx) or ctx == "INDEXING":
        return "building"
    if opstatus == "FAILED" or "FAIL" in ctx:
        return "FAILED"
    if domidx and domidx != "VALID":
        return domidx  # e.g. IDXTYP_INVLD: Oracle Text was removed under it
    if status not in ("", "VALID"):
        return status  # UNUSABLE
    return None
