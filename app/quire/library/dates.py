"""A document's date and where it came from: front matter or title, file name, the file's own
metadata (PDF CreationDate, .pptx core properties), else its modification time.

The patterns are strict on purpose: a file name like "report-2-final.md" or a title "Chapter 12"
must not become a date. Metadata is read from the raw bytes with bounded reads (no PDF parser in
this process: the loaders read hostile files in a child process, this runs in the importer)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FRONT_MATTER = "front matter"
TITLE = "title"
FILE_NAME = "file name"
PDF_METADATA = "pdf metadata"
PPTX_PROPERTIES = "pptx properties"
MODIFIED = "modified"
SOURCES = (FRONT_MATTER, TITLE, FILE_NAME, PDF_METADATA, PPTX_PROPERTIES, MODIFIED)

EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(2100, 12, 31)
_HEAD_BYTES = 8192
_PDF_SCAN_BYTES = 256 * 1024  # from each end: the Info dictionary sits near the trailer or the start
_CORE_XML_MAX = 256 * 1024

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?![a-z])\.?"
_SEP = r"[-_ ./]"
# Each pattern names year, month (number or name) and day. Word edges are digits/letters, so
# "v20211021x" does not match but "notes_2021-10-21.md" does.
_PATTERNS = [
    re.compile(
        r"(?<!\d)(?P<year>(?:19|20)\d\d)(?P<s>[-_./])(?P<mnum>0?[1-9]|1[0-2])(?P=s)(?P<day>0?[1-9]|[12]\d|3[01])(?!\d)"
    ),
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)(?P<mnum>0[1-9]|1[0-2])(?P<day>0[1-9]|[12]\d|3[01])(?!\d)"),
    re.compile(
        r"(?<![a-z0-9])(?P<day>0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
        + _SEP
        + r"*(?:of )?"
        + _MONTH
        + r",?"
        + _SEP
        + r"*(?P<year>(?:19|20)\d\d)(?!\d)",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?<![a-z])"
        + _MONTH
        + _SEP
        + r"*(?P<day>0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?"
        + _SEP
        + r"*(?P<year>(?:19|20)\d\d)(?!\d)",
        re.IGNORECASE,
    ),
]
_FRONT_MATTER = re.compile(
    r"\A(?:\ufeff)?---[ \t]*\r?\n(?P<body>.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
_FRONT_DATE_KEY = re.compile(
    r"^(?:date|created|created_at|creation_date)[ \t]*:[ \t]*(?P<value>.+)$", re.I | re.M
)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(?P<title>\S.*)$", re.M)
_PDF_DATE = re.compile(rb"/CreationDate\s*\(\s*(?:D:)?(?P<y>\d{4})(?P<m>\d{2})?(?P<d>\d{2})?")
_XMP_DATE = re.compile(rb"<xmp:CreateDate>\s*(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")
_CORE_DATE = re.compile(r"<dcterms:created[^>]*>\s*(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")


@dataclass(frozen=True)
class DocumentDate:
    date: dt.date
    source: str  # one of SOURCES

    @property
    def iso(self) -> str:
        return self.date.isoformat()


def find_date(text: str) -> dt.date | None:
    """The first full date (year, month and day) written in `text`, in the forms people use in
    titles and file names: 2021-10-21, 2021_10_21, 20211021, 21 Oct 2021, Oct-21-2021, October 21st, 2021."""
    best: tuple[int, dt.date] | None = None
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            found = _to_date(match)
            if found is not None:
                if best is None or match.start() < best[0]:
                    best = (match.start(), found)
                break
    return best[1] if best else None


def _to_date(match: re.Match[str]) -> dt.date | None:
    parts = match.groupdict()
    month = (
        int(parts["mnum"])
        if parts.get("mnum")
        else MONTHS.get((parts.get("month") or "").lower().rstrip("."))
    )
    if month is None:
        return None
    return _valid(int(parts["year"]), month, int(parts["day"]))


def _valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        found = dt.date(year, month, day)
    except ValueError:
        return None
    return found if EARLIEST <= found <= LATEST else None


def title_line(opening: str) -> str:
    """The document's title as a reader sees it: its first Markdown heading near the top, else its
    first non-empty line (front matter skipped)."""
    text = _FRONT_MATTER.sub("", opening[:_HEAD_BYTES], count=1)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines[:5]:
        heading = _MD_HEADING.match(line)
        if heading:
            return heading.group("title").strip().rstrip("#").strip()
    return lines[0][:200] if lines else ""


def front_matter_date(opening: str) -> dt.date | None:
    block = _FRONT_MATTER.match(opening[:_HEAD_BYTES])
    if not block:
        return None
    key = _FRONT_DATE_KEY.search(block.group("body"))
    return find_date(key.group("value").strip().strip("'\"")) if key else None


def pdf_creation_date(path: Path) -> dt.date | None:
    """CreationDate from the Info dictionary (or the XMP packet), read from the file's two ends."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_PDF_SCAN_BYTES)
            handle.seek(0, 2)
            size = handle.tell()
            tail = b""
            if size > _PDF_SCAN_BYTES:
                handle.seek(max(_PDF_SCAN_BYTES, size - _PDF_SCAN_BYTES))
                tail = handle.read(_PDF_SCAN_BYTES)
    except OSError:
        return None
    for chunk in (tail, head):
        for pattern in (_PDF_DATE, _XMP_DATE):
            match = pattern.search(chunk)
            if match and match.group("m") and match.group("d"):
                found = _valid(int(match.group("y")), int(match.group("m")), int(match.group("d")))
                if found:
                    return found
    return None


def pptx_created_date(path: Path) -> dt.date | None:
    """dcterms:created from docProps/core.xml (size-checked before reading; no XML parser needed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("docProps/core.xml")
            if info.file_size > _CORE_XML_MAX:
                return None
            text = archive.read(info).decode("utf-8", errors="replace")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return None
    match = _CORE_DATE.search(text)
    return _valid(int(match.group("y")), int(match.group("m")), int(match.group("d"))) if match else None


def document_date(path: Path, kind: str, opening: str, mtime_ns: int) -> DocumentDate:
    """The best date for a document, and its source, in this order: front matter, the title,
    the file name, the PDF's or deck's metadata, the modification time. `opening` is the start of
    the document's text as loaded (a note's own bytes are read for front matter)."""
    if kind == "note":
        try:
            with path.open("rb") as handle:
                raw = handle.read(_HEAD_BYTES).decode("utf-8", errors="replace")
        except OSError:
            raw = ""
        found = front_matter_date(raw)
        if found:
            return DocumentDate(found, FRONT_MATTER)
        opening = raw if raw.strip() else opening
    found = find_date(title_line(opening))
    if found:
        return DocumentDate(found, TITLE)
    found = find_date(path.name)
    if found:
        return DocumentDate(found, FILE_NAME)
    if kind == "pdf":
        found = pdf_creation_date(path)
        if found:
            return DocumentDate(found, PDF_METADATA)
    elif kind == "slides":
        found = pptx_created_date(path)
        if found:
            return DocumentDate(found, PPTX_PROPERTIES)
    return DocumentDate(dt.datetime.fromtimestamp(mtime_ns / 1e9).date(), MODIFIED)


def date_undated(catalog: Any) -> int:
    """Give every indexed file whose current version has no date one (a Catalog: undated(),
    opening(), set_document_date()); returns how many. Reads only the catalog's text and the file's
    head or ends, so it also dates libraries indexed before dates existed."""
    count = 0
    for path, kind, mtime_ns, sha in catalog.undated():
        found = document_date(Path(path), kind, catalog.opening(path), mtime_ns)
        catalog.set_document_date(path, found.iso, found.source, sha)
        count += 1
    return count


def date_store(catalog: Any, store: Any) -> None:
    """Give a store's chunks their documents' dates (a store with set_dates: Chroma), for the files
    whose current version's chunks do not carry them yet; the catalog remembers which do."""
    if not hasattr(store, "set_dates"):
        return
    pending: list[tuple[str, str, int]] = []
    ids: list[str] = []
    dates: list[int] = []
    for row in catalog.store_dates_missing(store.name):
        chunk_ids = catalog.chunk_ids(row[0])
        ids += chunk_ids
        dates += [row[2]] * len(chunk_ids)
        pending.append(row)
        if len(ids) >= 5000:
            store.set_dates(ids, dates)
            catalog.record_store_dates(store.name, pending)
            pending, ids, dates = [], [], []
    if pending:
        store.set_dates(ids, dates)
        catalog.record_store_dates(store.name, pending)
