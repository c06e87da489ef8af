"""The catalog's document dates: each file's date and its source (library/dates.py reads them),
the filtered views searches use, and which dates the vector store's chunks carry already.

A separate block so that the migration is additive and in one place: the columns are added to
older catalogs on open, and files without a date get one the next time the library is dated."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass

_DATE_COLUMNS = (("doc_date", "TEXT"), ("date_source", "TEXT"), ("date_sha", "TEXT"))
_STORE_DATES = """
CREATE TABLE IF NOT EXISTS store_dates (
    store TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    date INTEGER NOT NULL,
    PRIMARY KEY (store, path)
);
CREATE INDEX IF NOT EXISTS files_by_date ON files(doc_date);
"""


def add_date_columns(db: sqlite3.Connection) -> None:
    """The additive migration: new columns on files, and the store_dates table."""
    have = {row[1] for row in db.execute("PRAGMA table_info(files)")}
    for name, kind in _DATE_COLUMNS:
        if name not in have:
            db.execute(f"ALTER TABLE files ADD COLUMN {name} {kind}")
    db.executescript(_STORE_DATES)


@dataclass(frozen=True)
class DatedFile:
    path: str
    kind: str
    sha256: str
    date: str | None  # YYYY-MM-DD
    date_source: str | None
    chunks: int = 0


def as_int(date_iso: str) -> int:
    """2021-10-21 -> 20211021: how the vector store keeps a date (ordered, and Chroma compares ints)."""
    return int(date_iso.replace("-", ""))


class DateColumns:
    """Catalog methods over the date columns (mixed into Catalog)."""

    _lock: threading.RLock

    @property
    def _db(self) -> sqlite3.Connection:  # provided by Catalog
        raise NotImplementedError

    def _telling_words(self, words: list[str]) -> list[str]:  # provided by Catalog
        raise NotImplementedError

    def set_document_date(self, path: str, date_iso: str, source: str, sha256: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE files SET doc_date = ?, date_source = ?, date_sha = ? WHERE path = ?",
                (date_iso, source, sha256, path),
            )

    def undated(self) -> list[tuple[str, str, int, str]]:
        """Indexed files whose current version has no date yet: (path, kind, mtime_ns, sha256)."""
        rows = self._db.execute(
            "SELECT path, kind, mtime_ns, sha256 FROM files WHERE state = 'indexed'"
            " AND (date_sha IS NULL OR date_sha != sha256)"
        )
        return [(r["path"], r["kind"], r["mtime_ns"], r["sha256"]) for r in rows]

    def opening(self, path: str, chars: int = 2000) -> str:
        """The start of a file's text as it was indexed (its first chunks, headings included)."""
        parts: list[str] = []
        size = 0
        rows = self._db.execute(
            "SELECT text, heading FROM chunks WHERE path = ? ORDER BY idx LIMIT 4", (path,)
        )
        for row in rows:
            text = (
                row["text"]
                if not row["heading"] or row["heading"] in row["text"]
                else (f"# {row['heading']}\n{row['text']}")
            )
            parts.append(text)
            size += len(text)
            if size >= chars:
                break
        return "\n\n".join(parts)[:chars]

    def dates_of(self, paths: Iterable[str]) -> dict[str, str | None]:
        paths = list(dict.fromkeys(paths))
        found: dict[str, str | None] = {}
        for start in range(0, len(paths), 500):
            batch = paths[start : start + 500]
            marks = ",".join("?" * len(batch))
            for row in self._db.execute(f"SELECT path, doc_date FROM files WHERE path IN ({marks})", batch):
                found[row["path"]] = row["doc_date"]
        return found

    def dated_files(self, where: str = "", params: Iterable[object] = ()) -> list[DatedFile]:
        """Indexed files (matching a filter's SQL over `files`, see search/filters.py), by date."""
        clause = f" AND ({where})" if where else ""
        rows = self._db.execute(
            "SELECT path, kind, sha256, doc_date, date_source, chunks FROM files"
            f" WHERE state = 'indexed'{clause} ORDER BY doc_date, path",
            list(params),
        )
        return [
            DatedFile(r["path"], r["kind"], r["sha256"], r["doc_date"], r["date_source"], r["chunks"])
            for r in rows
        ]

    def date_span(self) -> dict[str, object]:
        """For `quire status`: the oldest and newest document dates, and how many came from where."""
        row = self._db.execute(
            "SELECT min(doc_date) AS oldest, max(doc_date) AS newest FROM files WHERE state = 'indexed'"
        ).fetchone()
        sources = self._db.execute(
            "SELECT coalesce(date_source, 'none') AS source, count(*) AS n FROM files"
            " WHERE state = 'indexed' GROUP BY 1 ORDER BY 2 DESC"
        )
        return {
            "oldest": row["oldest"],
            "newest": row["newest"],
            "sources": {r["source"]: r["n"] for r in sources},
        }

    def document_text(self, path: str) -> list[tuple[str, int | None, int | None, str | None]]:
        """A document's whole text as indexed, in order: (text, page, slide, heading) per chunk."""
        rows = self._db.execute(
            "SELECT text, page, slide, heading FROM chunks WHERE path = ? ORDER BY idx", (path,)
        )
        return [(r["text"], r["page"], r["slide"], r["heading"]) for r in rows]

    def full_text_search_where(
        self, query: str, limit: int, where: str, params: Iterable[object]
    ) -> list[str]:
        """full_text_search within the files a filter keeps (the catalog joined in the FTS5 query)."""
        words = self._telling_words(list(dict.fromkeys(re.findall(r"\w+", query.lower()))))
        if not words:
            return []
        match = " OR ".join(f'"{word}"' for word in words)
        rows = self._db.execute(
            f"""SELECT chunks.id FROM chunks_fts JOIN chunks ON chunks.rowid = chunks_fts.rowid
               JOIN files ON files.path = chunks.path
               WHERE chunks_fts MATCH ? AND files.state = 'indexed' AND ({where})
               ORDER BY bm25(chunks_fts, 1.0, 0.5) LIMIT ?""",
            (match, *params, limit),
        )
        return [row["id"] for row in rows]

    # Which dates the vector store's chunks carry (a store's `where` on the date needs them) -----

    def store_dates_missing(self, store: str) -> list[tuple[str, str, int]]:
        """Dated files whose chunks in `store` do not carry this version's date: (path, sha, date).
        (Only files whose vectors are in: the others' chunks are not in the store yet.)"""
        rows = self._db.execute(
            """SELECT f.path, f.sha256, f.doc_date FROM files f
               LEFT JOIN store_dates s ON s.store = ? AND s.path = f.path
               WHERE f.state = 'indexed' AND f.embedded = 1
                 AND f.doc_date IS NOT NULL AND f.date_sha = f.sha256
                 AND (s.path IS NULL OR s.sha256 != f.sha256
                      OR s.date != CAST(replace(f.doc_date, '-', '') AS INTEGER))""",
            (store,),
        )
        return [(r["path"], r["sha256"], as_int(r["doc_date"])) for r in rows]

    def record_store_dates(self, store: str, rows: list[tuple[str, str, int]]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO store_dates VALUES (?, ?, ?, ?)", [(store, *row) for row in rows]
            )
