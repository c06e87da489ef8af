"""The SQLite catalog: which files are in the library, their content hashes and ingest state,
their chunks' text and where each came from, an FTS5 full-text index over the chunks, and whether
each file's vectors are in the store yet (words first: a file is searchable by its words as soon as
its chunks are here; its vectors follow, see library/vectors.py)."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from quire.library.catalog_dates import DateColumns, add_date_columns
from quire.library.catalog_vectors import VectorState
from quire.library.chunking import Chunk

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('indexing', 'indexed', 'failed')),
    pages INTEGER NOT NULL DEFAULT 0,
    chunks INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    text TEXT NOT NULL,
    page INTEGER,
    slide INTEGER,
    heading TEXT,
    location TEXT
);
CREATE TABLE IF NOT EXISTS pending_imports (path TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS folders (path TEXT PRIMARY KEY, added_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS excluded_paths (path TEXT PRIMARY KEY, added_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS store_holdings (
    store TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    pulled INTEGER NOT NULL DEFAULT 0,
    synced_at REAL NOT NULL,
    PRIMARY KEY (store, path)
);
CREATE INDEX IF NOT EXISTS chunks_by_path ON chunks(path);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, heading, content='chunks', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text, heading) VALUES (new.rowid, new.text, new.heading);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text, heading)
    VALUES ('delete', old.rowid, old.text, old.heading);
END;
"""

# Columns added after schema 1, one line each: a catalog made by an older Quire gets them (with
# their default) when it is opened. Additive only, so an older Quire still reads a newer catalog.
_ADDED_COLUMNS: list[tuple[str, str, str]] = [
    # 1 = the store holds this version's vectors (every file an older Quire indexed does)
    ("files", "embedded", "INTEGER NOT NULL DEFAULT 1"),
]


@dataclass(frozen=True)
class FileRecord:
    path: str
    kind: str
    size: int
    mtime_ns: int
    sha256: str
    state: str
    pages: int
    chunks: int
    error: str | None
    updated_at: float
    doc_date: str | None = None  # YYYY-MM-DD (see library/dates.py)
    date_source: str | None = None
    date_sha: str | None = None  # the version the date was read from
    embedded: bool = True  # its vectors are in the store (else only its words are searchable yet)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> FileRecord:
        known = {name: value for name, value in dict(row).items() if name in _RECORD_FIELDS}
        if "embedded" in known:
            known["embedded"] = bool(known["embedded"])
        return cls(**known)


_RECORD_FIELDS = set(FileRecord.__dataclass_fields__)


@dataclass(frozen=True)
class Holding:
    """A file version a shared store holds, as this machine last synced it."""

    path: str
    sha256: str
    pulled: bool = False


_NONE = Holding("", "")


class Catalog(DateColumns, VectorState):
    """One SQLite file. Each thread gets its own connection (WAL: the chat reads while an import
    writes, and never sees a half-written file); writes in this process are serialised."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self.read_only = False
        try:
            with self._lock:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.executescript(_SCHEMA)
                _add_missing_columns(self._db)
                add_date_columns(self._db)  # document dates (catalog_dates.py): additive
                self._db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
                self._db.commit()
        except sqlite3.OperationalError:
            if os.access(path.parent, os.W_OK) and not _read_only_mount(path.parent):
                raise
            # A read-only data dir (a mounted backup, a locked-down share): SQLite cannot make the
            # WAL's shared-memory file there, so read the file as it is; writes fail with "readonly".
            self.close()
            self.read_only = True

    @property
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            if self.read_only:
                db = sqlite3.connect(f"{self.path.as_uri()}?immutable=1", uri=True, check_same_thread=False)
                _view_added_columns(db)
            else:
                db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            with contextlib.suppress(sqlite3.Error):  # without it, full-text search uses every word
                # how many chunks hold each word (see _telling_words); per connection, in memory
                db.execute("CREATE VIRTUAL TABLE temp.chunk_words USING fts5vocab(main, chunks_fts, row)")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    def close(self) -> None:
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
            self._local = threading.local()

    # Meta --------------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # Files -------------------------------------------------------------------------------------

    def file(self, path: str) -> FileRecord | None:
        row = self._db.execute("SELECT * FROM files WHERE path = ?", (path,)).fetchone()
        return FileRecord.from_row(row) if row else None

    def files(self, under: str | None = None) -> list[FileRecord]:
        if under is None:
            rows = self._db.execute("SELECT * FROM files ORDER BY path").fetchall()
        else:
            prefix = under.rstrip("/\\") + "/"
            rows = self._db.execute(
                "SELECT * FROM files WHERE substr(path, 1, ?) = ? ORDER BY path",
                (len(prefix), prefix),
            ).fetchall()
        return [FileRecord.from_row(row) for row in rows]

    def mark(
        self,
        path: str,
        *,
        kind: str,
        size: int,
        mtime_ns: int,
        sha256: str,
        state: str,
        error: str | None = None,
    ) -> None:
        """Record a file's state without touching its chunks (a failed re-import keeps the old ones)."""
        with self._lock, self._db:
            self._db.execute(
                """INSERT INTO files (path, kind, size, mtime_ns, sha256, state, error, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(path) DO UPDATE SET kind=excluded.kind, size=excluded.size,
                     mtime_ns=excluded.mtime_ns, sha256=excluded.sha256, state=excluded.state,
                     error=excluded.error, updated_at=excluded.updated_at""",
                (path, kind, size, mtime_ns, sha256, state, error, time.time()),
            )

    def forget_version(self, path: str) -> None:
        """Make the next import read and embed the file again (re-index), keeping its chunks till then."""
        with self._lock, self._db:
            self._db.execute("UPDATE files SET sha256 = '', mtime_ns = -1 WHERE path = ?", (path,))

    def touch(self, path: str, mtime_ns: int) -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE files SET mtime_ns = ? WHERE path = ?", (mtime_ns, path))

    def replace_chunks(self, path: str, chunks: list[Chunk], pages: int, embedded: bool = True) -> None:
        """Swap a file's chunks for new ones and mark it indexed, in one transaction. `embedded`:
        their vectors are in the store already; False (the words pass) leaves that to the vector pass."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM chunks WHERE path = ?", (path,))
            self._db.executemany(
                "INSERT INTO chunks (id, path, idx, text, page, slide, heading, location)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(c.id, c.path, c.index, c.text, c.page, c.slide, c.heading, c.location) for c in chunks],
            )
            self._db.execute(
                "UPDATE files SET state='indexed', error=NULL, pages=?, chunks=?, updated_at=?, embedded=?"
                " WHERE path = ?",
                (pages, len(chunks), time.time(), int(embedded), path),
            )

    def remove(self, path: str) -> bool:
        with self._lock, self._db:
            self._db.execute("DELETE FROM chunks WHERE path = ?", (path,))
            return self._db.execute("DELETE FROM files WHERE path = ?", (path,)).rowcount > 0

    def counts(self) -> dict[str, int]:
        row = self._db.execute(
            """SELECT
                 (SELECT count(*) FROM files WHERE state = 'indexed') AS documents,
                 (SELECT count(*) FROM chunks) AS chunks,
                 (SELECT count(*) FROM files WHERE state = 'failed') AS failed,
                 (SELECT count(*) FROM files WHERE state = 'indexing') AS pending,
                 (SELECT count(*) FROM files WHERE state = 'indexed' AND embedded = 1) AS embedded,
                 (SELECT count(*) FROM files WHERE state = 'indexed' AND embedded = 0)
                   AS pending_embedding,
                 (SELECT coalesce(sum(chunks), 0) FROM files WHERE state = 'indexed' AND embedded = 1)
                   AS embedded_chunks,
                 (SELECT coalesce(sum(pages), 0) FROM files WHERE state = 'indexed') AS pages"""
        ).fetchone()
        return dict(row)

    # Imports that have not finished: the next start (or `quire ingest` alone) resumes them ------

    def add_pending_import(self, paths: list[str]) -> None:
        with self._lock, self._db:
            self._db.executemany("INSERT OR IGNORE INTO pending_imports VALUES (?)", [(p,) for p in paths])

    def pending_imports(self) -> list[str]:
        return [row["path"] for row in self._db.execute("SELECT path FROM pending_imports")]

    def clear_pending_imports(self) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM pending_imports")

    # Library folders: imported folders, re-scanned by `quire ingest` alone and watched by the GUI ---
    # (the table came after schema 1; CREATE IF NOT EXISTS adds it to older catalogs on open)

    def add_folder(self, path: str) -> None:
        """Remember a folder; one inside a library folder is already covered, and library folders
        inside this one are folded into it."""
        if self.library_folder_of(path) is not None:
            return
        prefix = path.rstrip("/\\") + os.sep
        with self._lock, self._db:
            self._db.execute("DELETE FROM folders WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))
            self._db.execute("INSERT OR IGNORE INTO folders VALUES (?, ?)", (path, time.time()))

    def folders(self) -> list[str]:
        try:
            return [row["path"] for row in self._db.execute("SELECT path FROM folders ORDER BY path")]
        except sqlite3.OperationalError:  # an older catalog opened read-only: it has no folders table
            return []

    def library_folder_of(self, path: str) -> str | None:
        """The library folder that holds `path` (or is it), if any."""
        for folder in self.folders():
            if path == folder or path.startswith(folder.rstrip("/\\") + os.sep):
                return folder
        return None

    def forget_folders(self, under: str) -> list[str]:
        """Forget the library folders at or inside `under` (and pending imports there); returns them."""
        prefix = under.rstrip("/\\") + os.sep
        inside = "path = ? OR substr(path, 1, ?) = ?"
        with self._lock, self._db:
            rows = self._db.execute(f"SELECT path FROM folders WHERE {inside}", (under, len(prefix), prefix))
            gone = [row["path"] for row in rows]
            self._db.execute(f"DELETE FROM folders WHERE {inside}", (under, len(prefix), prefix))
            self._db.execute(f"DELETE FROM pending_imports WHERE {inside}", (under, len(prefix), prefix))
        return gone

    # Files and folders the user removed from inside library folders: refreshes leave them out ---

    def exclude(self, paths: list[str]) -> None:
        with self._lock, self._db:
            rows = [(p, time.time()) for p in paths]
            self._db.executemany("INSERT OR IGNORE INTO excluded_paths VALUES (?, ?)", rows)

    def include(self, paths: list[str]) -> list[str]:
        """Take paths (and what is excluded inside them) off the exclude list; returns those taken off."""
        gone = [p for p in self.excluded() if any(_inside(p, q) for q in paths)]
        with self._lock, self._db:
            self._db.executemany("DELETE FROM excluded_paths WHERE path = ?", [(p,) for p in gone])
        return gone

    def excluded(self) -> list[str]:
        try:
            return [row["path"] for row in self._db.execute("SELECT path FROM excluded_paths ORDER BY path")]
        except sqlite3.OperationalError:  # an older catalog opened read-only has no such table
            return []

    # Which file version a shared store (Oracle) holds: what `quire sync` still has to do -------

    def holdings(self, store: str) -> dict[str, Holding]:
        rows = self._db.execute("SELECT path, sha256, pulled FROM store_holdings WHERE store = ?", (store,))
        return {row["path"]: Holding(row["path"], row["sha256"], bool(row["pulled"])) for row in rows}

    def record_holding(self, store: str, path: str, sha256: str, pulled: bool = False) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO store_holdings VALUES (?, ?, ?, ?, ?)",
                (store, path, sha256, int(pulled), time.time()),
            )

    def forget_holding(self, store: str, path: str) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM store_holdings WHERE store = ? AND path = ?", (store, path))

    def pending_push(self, store: str) -> tuple[list[FileRecord], list[Holding]]:
        """Indexed files whose current version the store lacks, and holdings whose file left the library."""
        held = self.holdings(store)
        files = [  # (a file whose vectors are still being made goes once they are)
            f
            for f in self.files()
            if f.state == "indexed" and f.embedded and held.get(f.path, _NONE).sha256 != f.sha256
        ]
        gone = [h for h in held.values() if self.file(h.path) is None]
        return files, gone

    # Agreement with the vector store (see library/reconcile.py) --------------------------------

    def all_chunk_ids(self) -> dict[str, str]:
        """Every chunk id the catalog knows, with its file's path."""
        return {row["id"]: row["path"] for row in self._db.execute("SELECT id, path FROM chunks")}

    def drop_chunks(self, path: str) -> None:
        """Forget a file's chunks but keep its record (its state says what happens next)."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM chunks WHERE path = ?", (path,))
            self._db.execute("UPDATE files SET chunks = 0, pages = 0 WHERE path = ?", (path,))

    def library_version(self) -> str | None:
        """Changes whenever a writer starts or finishes: a long-lived reader reopens its store then."""
        return self.get_meta("library_version")

    def bump_library_version(self) -> str:
        version = uuid.uuid4().hex
        self.set_meta("library_version", version)
        return version

    # Chunks ------------------------------------------------------------------------------------

    def chunks(self, path: str) -> list[Chunk]:
        """A file's chunks in order."""
        location = "location" if self._has_location() else "NULL AS location"
        rows = self._db.execute(
            f"SELECT id, path, idx, text, page, slide, heading, {location} FROM chunks"
            " WHERE path = ? ORDER BY idx",
            (path,),
        )
        return [_chunk(row) for row in rows]

    def chunk_ids(self, path: str) -> list[str]:
        rows = self._db.execute("SELECT id FROM chunks WHERE path = ? ORDER BY idx", (path,))
        return [row["id"] for row in rows]

    def outlines(self, paths: list[str]) -> dict[str, list[tuple[int, int | None, str | None, str]]]:
        """Each file's chunks in order as (index, page, heading, text), the text only for the first
        two and the first of each page (a document's overview, without reading all of its text)."""
        found: dict[str, list[tuple[int, int | None, str | None, str]]] = {}
        for start in range(0, len(paths), 500):
            batch = paths[start : start + 500]
            rows = self._db.execute(
                "SELECT path, idx, page, heading, CASE WHEN idx < 2 OR first_of_page = 1 THEN text ELSE '' "
                "END AS text FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY path, page ORDER BY idx) "
                f"AS first_of_page FROM chunks WHERE path IN ({','.join('?' * len(batch))})) "
                "ORDER BY path, idx",
                batch,
            ).fetchall()
            for row in rows:
                outline = found.setdefault(row["path"], [])
                outline.append((row["idx"], row["page"], row["heading"], row["text"]))
        return found

    def chunks_by_id(self, ids: Iterable[str]) -> dict[str, Chunk]:
        ids = list(ids)
        found: dict[str, Chunk] = {}
        # A read-only library made before chunks had a location (it cannot be migrated) reads as none.
        location = "location" if self._has_location() else "NULL AS location"
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT id, path, idx, text, page, slide, heading, {location} FROM chunks"
                f" WHERE id IN ({marks})",
                batch,
            )
            for row in rows:
                found[row["id"]] = _chunk(row)
        return found

    def _has_location(self) -> bool:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(chunks)")}
        return "location" in columns

    def _telling_words(self, words: list[str]) -> list[str]:
        db = self._db
        size = db.execute("SELECT max(rowid) FROM chunks").fetchone()[0] or 0
        if size < COMMON_MIN or not words:
            return words
        try:
            counts = dict(
                db.execute(
                    f"SELECT term, doc FROM temp.chunk_words WHERE term IN ({','.join('?' * len(words))})",
                    words,
                ).fetchall()
            )
        except sqlite3.Error:  # no vocabulary table: rank with every word
            return words
        return [word for word in words if counts.get(word, 0) <= COMMON_SHARE * size]

    def mentions(self, phrase: str) -> bool:
        """Whether any chunk's text has these words in this order ("Q3 2024", "March 2025")."""
        words = re.findall(r"\w+", phrase.lower())
        if not words:
            return False
        match = '"' + " ".join(words) + '"'
        return (
            self._db.execute("SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1", (match,)).fetchone()
            is not None
        )

    def full_text_search(self, query: str, limit: int) -> list[str]:
        """Chunk ids ranked by BM25; any word may match (the ranking rewards the ones that match more)."""
        words = self._telling_words(list(dict.fromkeys(re.findall(r"\w+", query.lower()))))
        if not words:
            return []
        match = " OR ".join(f'"{word}"' for word in words)
        rows = self._db.execute(
            """SELECT chunks.id FROM chunks_fts JOIN chunks ON chunks.rowid = chunks_fts.rowid
               WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT ?""",
            (match, limit),
        )
        return [row["id"] for row in rows]


# A word found in over a fifth of the chunks says almost nothing about any one of them (its BM25
# weight is near zero), yet ranking every chunk it matches took 300 ms at 100k chunks. Such words
# are left out of the full-text query; below COMMON_MIN chunks ranking everything is cheap anyway.
COMMON_SHARE = 0.2
COMMON_MIN = 2000


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Columns added since a library was made: old rows read them as NULL, or as their default
    (see _ADDED_COLUMNS)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(chunks)")}
    if "location" not in columns:  # "Sheet1 rows 12–30", "chapter 3": where a chunk is, in words
        db.execute("ALTER TABLE chunks ADD COLUMN location TEXT")
    for table, column, declaration in _ADDED_COLUMNS:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _chunk(row: sqlite3.Row) -> Chunk:
    return Chunk(
        id=row["id"],
        path=row["path"],
        index=row["idx"],
        text=row["text"],
        page=row["page"],
        slide=row["slide"],
        heading=row["heading"],
        location=row["location"],
    )


def _view_added_columns(db: sqlite3.Connection) -> None:
    """An older catalog read where it cannot be changed: a temporary view (which shadows the table
    for this connection) gives it the added columns with their defaults."""
    with contextlib.suppress(sqlite3.Error):
        for table in {table for table, _, _ in _ADDED_COLUMNS}:
            present = {row[1] for row in db.execute(f"PRAGMA main.table_info({table})")}
            if not present:
                continue
            extra = [
                f"{declaration.rsplit('DEFAULT', 1)[-1].strip()} AS {column}"
                for name, column, declaration in _ADDED_COLUMNS
                if name == table and column not in present
            ]
            if extra:
                db.execute(f"CREATE TEMP VIEW {table} AS SELECT *, {', '.join(extra)} FROM main.{table}")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/\\") + os.sep)


def _read_only_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)  # type: ignore[attr-defined,unused-ignore]
    except (OSError, AttributeError):
        return False
