"""The Oracle store's SQL, built in one place from a table prefix and the embedder's dimension,
and the conversions from Quire's records to bind values (vectors bind as array.array("f"))."""

from __future__ import annotations

import array
import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quire.errors import StoreError

if TYPE_CHECKING:
    import numpy as np

    from quire.library.chunking import Chunk
    from quire.search.filters import VectorFilter
    from quire.search.stores.base import StoredDocument

SCHEMA_VERSION = 1
HNSW = "HNSW"
IVF = "IVF"
_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,19}")


def doc_id(path: str) -> str:
    """Documents are keyed by a hash of the path: paths can be longer than an index key allows."""
    return hashlib.sha256(path.encode()).hexdigest()


def vector_bind(row: np.ndarray | list[float]) -> array.array[float]:
    """python-oracledb binds array("f") as VECTOR(*, FLOAT32) without a copy through Python floats."""
    import numpy as np

    return array.array("f", np.asarray(row, dtype=np.float32).tobytes())


def oracle_text_query(query: str) -> str | None:
    """An Oracle Text query where any word may match and more matches rank higher (ACCUM),
    each word braced so reserved words (AND, NEAR, ABOUT…) and operators stay plain text."""
    words = dict.fromkeys(re.findall(r"\w+", query.lower()))
    return ", ".join("{" + word + "}" for word in words) or None


@dataclass(frozen=True)
class OracleSql:
    prefix: str
    dim: int

    def __post_init__(self) -> None:
        # Table names cannot be bind variables: only a plain identifier may reach the SQL text.
        if not _PREFIX.fullmatch(self.prefix):
            raise StoreError(
                f"oracle.table_prefix must be a letter then up to 19 letters, digits or _, "
                f"not {self.prefix!r}"
            )
        if not 0 < self.dim <= 65535:
            raise StoreError(f"an embedding dimension of {self.dim} cannot be stored in Oracle")

    def name(self, what: str) -> str:
        return f"{self.prefix}_{what}".upper()

    @property
    def meta(self) -> str:
        return self.name("META")

    @property
    def documents(self) -> str:
        return self.name("DOCUMENTS")

    @property
    def chunks(self) -> str:
        return self.name("CHUNKS")

    # Schema ------------------------------------------------------------------------------------

    def create_tables(self) -> list[tuple[str, str]]:
        """(table name, CREATE TABLE) in dependency order."""
        return [
            (
                self.meta,
                f"CREATE TABLE {self.meta} (key VARCHAR2(64) PRIMARY KEY, value VARCHAR2(4000) NOT NULL)",
            ),
            (
                self.documents,
                f"""CREATE TABLE {self.documents} (
    doc_id CHAR(64) PRIMARY KEY,
    path VARCHAR2(4000) NOT NULL,
    sha256 CHAR(64),
    kind VARCHAR2(16) DEFAULT 'other' NOT NULL,
    size_bytes NUMBER(19) DEFAULT 0 NOT NULL,
    pages NUMBER(10) DEFAULT 0 NOT NULL,
    updated_at TIMESTAMP DEFAULT SYSTIMESTAMP NOT NULL,
    doc_date NUMBER(8))""",
            ),
            (
                self.chunks,
                f"""CREATE TABLE {self.chunks} (
    id VARCHAR2(64) PRIMARY KEY,
    doc_id CHAR(64) NOT NULL REFERENCES {self.documents} (doc_id) ON DELETE CASCADE,
    idx NUMBER(10) DEFAULT 0 NOT NULL,
    page NUMBER(10),
    slide NUMBER(10),
    heading VARCHAR2(4000),
    text CLOB,
    embedding VECTOR({self.dim}, FLOAT32) NOT NULL)""",
            ),
        ]

    def create_indexes(self) -> list[tuple[str, str]]:
        """(index name, CREATE INDEX) for the plain indexes."""
        name = self.name("CHUNKS_DOC")
        return [(name, f"CREATE INDEX {name} ON {self.chunks} (doc_id, idx)")]

    def vector_index_names(self) -> dict[str, str]:
        return {HNSW: self.name("CHUNKS_HNSW"), IVF: self.name("CHUNKS_IVF")}

    def create_vector_index(self, kind: str) -> str:
        name = self.vector_index_names()[kind]
        if kind == HNSW:
            organization = "ORGANIZATION INMEMORY NEIGHBOR GRAPH"  # needs VECTOR_MEMORY_SIZE > 0
        else:
            organization = "ORGANIZATION NEIGHBOR PARTITIONS"  # IVF: on disk, no vector pool needed
        return (
            f"CREATE VECTOR INDEX {name} ON {self.chunks} (embedding) {organization} "
            "DISTANCE COSINE WITH TARGET ACCURACY 95"
        )

    @property
    def text_index_name(self) -> str:
        return self.name("CHUNKS_TEXT")

    def index_states(self) -> str:
        """Each index on the chunks table with its states: a domain index whose build failed is
        still listed by name, with DOMIDX_OPSTATUS = FAILED."""
        return (
            "SELECT index_name, status, domidx_status, domidx_opstatus FROM user_indexes "
            f"WHERE table_name = '{self.chunks}'"
        )

    def text_index_status(self) -> str:
        return "SELECT idx_status FROM ctx_user_indexes WHERE idx_name = :name"

    def drop_index(self, name: str, force: bool = False) -> str:
        # FORCE: Oracle Text cannot always drop an index whose state it cannot determine without it
        return f"DROP INDEX {name}{' FORCE' if force else ''}"

    def rebuild_vector_index(self) -> str:
        return "BEGIN DBMS_VECTOR.REBUILD_INDEX(:name); END;"

    def create_text_index(self) -> str:
        # SYNC (ON COMMIT): a pushed file is searchable as soon as its transaction commits.
        return (
            f"CREATE INDEX {self.text_index_name} ON {self.chunks} (text) "
            "INDEXTYPE IS CTXSYS.CONTEXT PARAMETERS ('SYNC (ON COMMIT)')"
        )

    # Statements --------------------------------------------------------------------------------

    def merge_meta(self) -> str:
        return (
            f"MERGE INTO {self.meta} m USING (SELECT :key AS key, :value AS value FROM dual) s "
            "ON (m.key = s.key) WHEN MATCHED THEN UPDATE SET m.value = s.value "
            "WHEN NOT MATCHED THEN INSERT (key, value) VALUES (s.key, s.value)"
        )

    def merge_document(self) -> str:
        return (
            f"MERGE INTO {self.documents} d USING (SELECT :doc_id AS doc_id, :path AS path, "
            ":sha256 AS sha256, :kind AS kind, :size_bytes AS size_bytes, :pages AS pages, "
            ":doc_date AS doc_date FROM dual) s "
            "ON (d.doc_id = s.doc_id) WHEN MATCHED THEN UPDATE SET d.sha256 = s.sha256, "
            "d.kind = s.kind, d.size_bytes = s.size_bytes, d.pages = s.pages, d.doc_date = s.doc_date, "
            "d.updated_at = SYSTIMESTAMP "
            "WHEN NOT MATCHED THEN INSERT (doc_id, path, sha256, kind, size_bytes, pages, doc_date) "
            "VALUES (s.doc_id, s.path, s.sha256, s.kind, s.size_bytes, s.pages, s.doc_date)"
        )

    def ensure_document(self) -> str:
        """For bare vectors (the VectorStore protocol's upsert): a document row with no version yet."""
        return (
            f"MERGE INTO {self.documents} d USING (SELECT :doc_id AS doc_id, :path AS path FROM dual) s "
            "ON (d.doc_id = s.doc_id) WHEN NOT MATCHED THEN INSERT (doc_id, path) VALUES (s.doc_id, s.path)"
        )

    def insert_chunk(self) -> str:
        return (
            f"INSERT INTO {self.chunks} (id, doc_id, idx, page, slide, heading, text, embedding) "
            "VALUES (:1, :2, :3, :4, :5, :6, :7, :8)"
        )

    def merge_vector(self) -> str:
        return (
            f"MERGE INTO {self.chunks} c USING (SELECT :1 AS id, :2 AS doc_id, :3 AS embedding FROM dual) s "
            "ON (c.id = s.id) WHEN MATCHED THEN UPDATE SET c.doc_id = s.doc_id, c.embedding = s.embedding "
            "WHEN NOT MATCHED THEN INSERT (id, doc_id, embedding) VALUES (s.id, s.doc_id, s.embedding)"
        )

    def delete_document(self) -> str:
        return f"DELETE FROM {self.documents} WHERE doc_id = :doc_id"  # chunks go by ON DELETE CASCADE

    def delete_chunks(self) -> str:
        return f"DELETE FROM {self.chunks} WHERE doc_id = :doc_id"

    def nearest(self, where: str = "") -> str:
        # The ORDER BY must be the VECTOR_DISTANCE expression itself for the vector index to serve it.
        if where:  # a date/scope filter (filter_clause): the documents table joined
            return (
                f"SELECT c.id, VECTOR_DISTANCE(c.embedding, :q, COSINE) FROM {self.chunks} c "
                f"JOIN {self.documents} d ON d.doc_id = c.doc_id WHERE {where} "
                "ORDER BY VECTOR_DISTANCE(c.embedding, :q, COSINE) FETCH APPROX FIRST :k ROWS ONLY"
            )
        return (
            f"SELECT id, VECTOR_DISTANCE(embedding, :q, COSINE) FROM {self.chunks} "
            "ORDER BY VECTOR_DISTANCE(embedding, :q, COSINE) FETCH APPROX FIRST :k ROWS ONLY"
        )

    def text_search(self, where: str = "") -> str:
        if where:
            return (
                f"SELECT c.id FROM {self.chunks} c JOIN {self.documents} d ON d.doc_id = c.doc_id "
                f"WHERE CONTAINS(c.text, :q, 1) > 0 AND {where} "
                "ORDER BY SCORE(1) DESC, c.id FETCH FIRST :k ROWS ONLY"
            )
        return (
            f"SELECT id FROM {self.chunks} WHERE CONTAINS(text, :q, 1) > 0 "
            "ORDER BY SCORE(1) DESC, id FETCH FIRST :k ROWS ONLY"
        )

    # Dates (document date as NUMBER(8) YYYYMMDD on the documents row) -------------------------

    def add_date_column(self) -> str:
        """For tables made before document dates: the column is added, NULL until pushed again."""
        return f"ALTER TABLE {self.documents} ADD (doc_date NUMBER(8))"

    def undated_documents(self) -> str:
        return f"SELECT count(*) FROM {self.documents} WHERE doc_date IS NULL AND sha256 IS NOT NULL"

    def filter_clause(self, where: VectorFilter) -> tuple[str, dict[str, Any]]:
        """The SQL condition (over c = chunks, d = documents) and binds for a VectorFilter."""
        clauses: list[str] = []
        binds: dict[str, Any] = {}
        if where.date_from is not None:
            clauses.append("d.doc_date >= :date_from")
            binds["date_from"] = where.date_from
        if where.date_to is not None:
            clauses.append("d.doc_date <= :date_to")
            binds["date_to"] = where.date_to
        if where.paths is not None:
            ids = [doc_id(p) for p in dict.fromkeys(where.paths)]
            if not ids:
                clauses.append("1 = 0")
            lists = []
            for start in range(0, len(ids), 1000):  # Oracle takes at most 1,000 values per IN list
                names = [f"doc{n}" for n in range(start, min(start + 1000, len(ids)))]
                binds.update({name: ids[int(name[3:])] for name in names})
                lists.append("c.doc_id IN (" + ", ".join(f":{name}" for name in names) + ")")
            if lists:
                clauses.append(lists[0] if len(lists) == 1 else "(" + " OR ".join(lists) + ")")
        return " AND ".join(clauses), binds

    def count(self) -> str:
        return f"SELECT count(*) FROM {self.chunks}"

    def versions(self) -> str:
        return f"SELECT path, sha256 FROM {self.documents} WHERE sha256 IS NOT NULL"

    def read_file(self) -> str:
        """The document row and its chunks in one statement: one statement reads one consistent
        snapshot, so a push committing in between cannot pair a version with another's chunks."""
        return (
            "SELECT d.path, d.sha256, d.kind, d.size_bytes, d.pages, "
            "c.id, c.idx, c.page, c.slide, c.heading, c.text, c.embedding "
            f"FROM {self.documents} d LEFT JOIN {self.chunks} c ON c.doc_id = d.doc_id "
            "WHERE d.doc_id = :doc_id ORDER BY c.idx"
        )

    def read_vectors(self, n: int) -> str:
        marks = ", ".join(f":{i}" for i in range(1, n + 1))
        return f"SELECT id, embedding FROM {self.chunks} WHERE id IN ({marks})"


def document_binds(document: StoredDocument) -> dict[str, Any]:
    return {
        "doc_id": doc_id(document.path),
        "path": document.path,
        "sha256": document.sha256,
        "kind": document.kind,
        "size_bytes": document.size,
        "pages": document.pages,
        "doc_date": int(document.date.replace("-", "")) if document.date else None,
    }


def chunk_rows(chunks: list[Chunk], vectors: np.ndarray) -> list[tuple[Any, ...]]:
    """Rows for insert_chunk(), in its column order, one per chunk."""
    if len(chunks) != len(vectors):
        raise StoreError(f"{len(chunks)} chunks but {len(vectors)} vectors")
    return [
        (c.id, doc_id(c.path), c.index, c.page, c.slide, _clip(c.heading), c.text, vector_bind(v))
        for c, v in zip(chunks, vectors, strict=True)
    ]


def _clip(heading: str | None) -> str | None:
    return heading[:1000] if heading else heading  # 1,000 characters fit VARCHAR2(4000) in any charset
