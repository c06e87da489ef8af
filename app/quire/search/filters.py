"""What a question is limited to: a date range and a scope (kinds, folders, files), as one frozen
record the user sees above the answer ("Meetings dated 18–24 Oct 2021 · 1 document") and every
search half applies: SQL over the catalog's files (FTS5 and the set questions), a `where` for the
vector store (Chroma metadata, Oracle SQL). chat/query.py turns plain words into these."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

KIND_WORDS = {"note": "notes", "pdf": "PDFs", "slides": "slides"}


@dataclass(frozen=True)
class DateRange:
    """Inclusive on both ends; None = open ("since 4 Oct 2021" has no end)."""

    start: dt.date | None
    end: dt.date | None
    phrase: str = ""  # the words it came from, e.g. "last week"

    def label(self) -> str:
        start, end = self.start, self.end
        if start and end:
            return span_label(start, end)
        if start:
            return f"since {day_label(start)}"
        if end:
            return f"until {day_label(end)}"
        return "any date"

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.start.isoformat() if self.start else None,
            "until": self.end.isoformat() if self.end else None,
            "phrase": self.phrase,
            "label": self.label(),
        }


@dataclass(frozen=True)
class Scope:
    """Files the question is about. Within one field any entry may match; across fields all must."""

    kinds: tuple[str, ...] = ()  # note | pdf | slides
    folders: tuple[str, ...] = ()  # a folder's name as written ("Meetings") or an absolute path
    files: tuple[str, ...] = ()  # a file's name ("report.pdf", "report") or an absolute path
    phrase: str = ""

    @property
    def empty(self) -> bool:
        return not (self.kinds or self.folders or self.files)

    def label(self) -> str:
        parts = []
        if self.files:
            parts.append(", ".join(_base(f) for f in self.files))
        if self.folders:
            parts.append("in " + ", ".join(_base(f) for f in self.folders))
        return " ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "kinds": list(self.kinds),
            "folders": list(self.folders),
            "files": list(self.files),
            "phrase": self.phrase,
        }


@dataclass(frozen=True)
class QueryFilter:
    dates: DateRange | None = None
    scope: Scope = field(default_factory=Scope)
    subject: str = ""  # what the documents are ("meetings"), for the label
    explicit: bool = False  # set by --since/--until/--in (or cleared by the user): not parsed from words

    @property
    def active(self) -> bool:
        return self.dates is not None or not self.scope.empty

    def describe(self, documents: int | None = None) -> str:
        """ "Meetings dated 18–24 Oct 2021 · 1 document"; "" when nothing limits the question."""
        if not self.active:
            return ""
        kinds = " and ".join(KIND_WORDS.get(k, k) for k in self.scope.kinds)
        noun = "" if self.scope.files else (self.subject or kinds or "documents")
        words = [noun] if noun else []
        scope = self.scope.label()
        if scope:
            words.append(scope)
        if self.dates is not None:
            words.append(("dated " if self.dates.start and self.dates.end else "") + self.dates.label())
        text = " ".join(words)
        if noun:
            text = text[:1].upper() + text[1:]
        if documents is not None:
            text += f" · {documents} document{'' if documents == 1 else 's'}"
        return text

    def to_json(self) -> dict[str, Any] | None:
        if not self.active:
            return None
        return {
            "dates": self.dates.to_json() if self.dates else None,
            "scope": None if self.scope.empty else self.scope.to_json(),
            "subject": self.subject,
            "label": self.describe(),
        }

    def files_sql(self) -> tuple[str, list[Any]]:
        """A condition over the catalog's `files` table (and its parameters); "" = every file."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.dates is not None:
            if self.dates.start:
                clauses.append("files.doc_date >= ?")
                params.append(self.dates.start.isoformat())
            if self.dates.end:
                clauses.append("files.doc_date <= ?")
                params.append(self.dates.end.isoformat())
        scope = self.scope
        if scope.kinds:
            clauses.append(f"files.kind IN ({','.join('?' * len(scope.kinds))})")
            params += list(scope.kinds)
        if scope.folders:
            ors = []
            for folder in scope.folders:
                if _absolute(folder):
                    prefix = _slashes(folder).rstrip("/") + "/"
                    ors.append("substr(replace(files.path, '\\', '/'), 1, ?) = ?")
                    params += [len(prefix), prefix]
                else:  # a folder's name: any folder of that name on the file's path
                    ors.append("lower(replace(files.path, '\\', '/')) LIKE ? ESCAPE '!'")
                    params.append(f"%/{_like(folder.lower().strip('/'))}/%")
            clauses.append("(" + " OR ".join(ors) + ")")
        if scope.files:
            ors = []
            for name in scope.files:
                if _absolute(name):
                    ors.append("files.path = ?")
                    params.append(name)
                else:
                    base = _like(_base(name).lower())
                    ors.append("lower(replace(files.path, '\\', '/')) LIKE ? ESCAPE '!'")
                    params.append(f"%/{base}" if "." in base else f"%/{base}.%")
            clauses.append("(" + " OR ".join(ors) + ")")
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class VectorFilter:
    """What the vector store is asked to keep: dates as YYYYMMDD ints, and/or an explicit list of
    files (a scope, or dates the store's chunks do not carry yet)."""

    date_from: int | None = None
    date_to: int | None = None
    paths: tuple[str, ...] | None = None

    def chroma_where(self) -> dict[str, Any] | None:
        conditions: list[dict[str, Any]] = []
        if self.date_from is not None:
            conditions.append({"date": {"$gte": self.date_from}})
        if self.date_to is not None:
            conditions.append({"date": {"$lte": self.date_to}})
        if self.paths is not None:
            conditions.append({"path": {"$in": list(self.paths)}})
        if not conditions:
            return None
        return conditions[0] if len(conditions) == 1 else {"$and": conditions}


NO_FILTER = QueryFilter(explicit=True)


@dataclass(frozen=True)
class FilteredFile:
    path: str
    kind: str
    sha256: str
    date: str | None


@dataclass(frozen=True)
class ResolvedFilter:
    """A filter applied to this library: the files it keeps (by date), the catalog SQL that keeps
    them, and what the vector store is asked (a date `where` when its chunks carry dates, else the
    files by name)."""

    filter: QueryFilter
    where: str
    params: tuple[Any, ...]
    files: tuple[FilteredFile, ...]
    paths: frozenset[str]
    vector: VectorFilter

    def describe(self) -> str:
        return self.filter.describe(len(self.files))


def resolve(query_filter: QueryFilter, catalog: Any, store_has_dates: bool) -> ResolvedFilter:
    """Look the filter up in the catalog (a Catalog: its dated_files)."""
    where, params = query_filter.files_sql()
    files = tuple(FilteredFile(f.path, f.kind, f.sha256, f.date) for f in catalog.dated_files(where, params))
    paths = frozenset(f.path for f in files)
    dates = query_filter.dates
    if dates is not None and query_filter.scope.empty and store_has_dates:
        vector = VectorFilter(
            date_from=int(dates.start.strftime("%Y%m%d")) if dates.start else None,
            date_to=int(dates.end.strftime("%Y%m%d")) if dates.end else None,
        )
    else:
        vector = VectorFilter(paths=tuple(sorted(paths)))
    return ResolvedFilter(query_filter, where, tuple(params), files, paths, vector)


def day_label(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def span_label(start: dt.date, end: dt.date) -> str:
    if start == end:
        return day_label(start)
    last = calendar.monthrange(end.year, end.month)[1]
    whole_months = start.day == 1 and end.day == last
    if whole_months and start.year == end.year:
        if start.month == 1 and end.month == 12:
            return str(start.year)
        if start.month == end.month:
            return f"{start:%b %Y}"
        if end.month - start.month == 2 and start.month % 3 == 1:
            return f"Q{start.month // 3 + 1} {start.year}"
        return f"{start:%b}–{end:%b %Y}"
    if whole_months and start.month == 1 and end.month == 12:
        return f"{start.year}–{end.year}"
    if start.year == end.year and start.month == end.month:
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{day_label(start)} – {day_label(end)}"


def _absolute(text: str) -> bool:
    return text.startswith(("/", "\\", "~")) or (len(text) > 2 and text[1] == ":")


def _slashes(text: str) -> str:
    return text.replace("\\", "/")


def _base(text: str) -> str:
    return _slashes(text).rstrip("/").rsplit("/", 1)[-1]


def _like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def store_has_dates(catalog: Any, choice: Any) -> bool:
    """Whether the searched store's chunks carry every document's date (a StoreChoice); else a date
    filter names the files: the fallback for libraries dated before their store was."""
    from quire.errors import StoreError

    store = choice.store
    if store is choice.local:
        return hasattr(store, "set_dates") and not catalog.store_dates_missing(store.name)
    complete = getattr(store, "dates_complete", None)
    try:
        return bool(complete()) if complete is not None else False
    except StoreError:
        return False
