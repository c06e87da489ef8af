"""A per-document overview: title, headings or slide titles, the opening passage and the size.

Questions about a whole document or the whole library ("What is this deck about?", "What are the
main points in my documents?") are answered from these, not from the four chunks nearest in words.
They are made from what the import stored (the catalog's chunks), once per version of a file."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from quire.library.catalog import Catalog

MAX_HEADINGS = 12
OPENING_CHARS = 320


@dataclass(frozen=True)
class Overview:
    path: str
    kind: str  # FileRecord.kind: pdf | slides | note | document | sheet | web | ebook | image
    title: str
    headings: list[str]
    opening: str
    pages: int  # pages or slides; 0 for a note
    chunks: int

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def size(self) -> str:
        if self.kind == "slides":
            return f"{self.pages} slide{'s' * (self.pages != 1)}"
        if self.pages:
            return f"{self.pages} page{'s' * (self.pages != 1)}"
        return f"{self.chunks} passage{'s' * (self.chunks != 1)}"

    @property
    def text(self) -> str:
        """The overview as a source for the model and the claim check."""
        lines = [f"Title: {self.title}", f"Size: {self.size}"]
        if self.headings:
            label = "Slide titles" if self.kind == "slides" else "Sections"
            lines.append(f"{label}: " + "; ".join(self.headings))
        if self.opening:
            lines.append(f"Opening: {self.opening}")
        return "\n".join(lines)


class Overviews:
    """The library's overviews, remade only for files whose bytes changed."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._cache: dict[str, tuple[str, Overview]] = {}  # path -> (sha256, overview)
        self._lock = threading.Lock()

    def all(self) -> list[Overview]:
        """One per indexed document, most recently imported first."""
        files = sorted(
            (f for f in self._catalog.files() if f.state == "indexed"),
            key=lambda f: f.updated_at,
            reverse=True,
        )
        with self._lock:
            stale = [f.path for f in files if self._cache.get(f.path, ("",))[0] != f.sha256]
            if stale:
                outlines = self._catalog.outlines(stale)
                for record in files:
                    if record.path in outlines:
                        overview = build(record.path, record.kind, record.pages, outlines[record.path])
                        self._cache[record.path] = (record.sha256, overview)
            return [self._cache[f.path][1] for f in files if f.path in self._cache]


Row = tuple[int, int | None, str | None, str]  # index, page, heading, text ("" past the opening)


def build(path: str, kind: str, pages: int, rows: list[Row]) -> Overview:
    """From a document's chunks in order (Catalog.outlines)."""
    headings: list[str] = []
    for _, page, heading, text in rows:
        leaf = (heading or "").rsplit(" > ", 1)[-1].strip()
        if not leaf and page is not None and text:  # a PDF page: its run-in heading, if it has one
            leaf = _run_in_heading(text)
        if leaf and leaf not in headings:
            headings.append(leaf)
    # The opening: the first text that is more than the title's own heading line.
    bodies = (
        "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#")) for *_, text in rows
    )
    first = next((body for body in bodies if body.strip()), "")
    title = _title(kind, rows, first, path)
    opening = " ".join(first.split())
    if opening.casefold().startswith(title.casefold()):
        opening = opening[len(title) :].lstrip(" .:-#")
    if len(opening) > OPENING_CHARS:
        cut = opening.rfind(" ", 0, OPENING_CHARS)
        opening = opening[: cut if cut > 0 else OPENING_CHARS] + " …"
    headings = [h for h in headings if h.casefold() != title.casefold()]
    return Overview(path, kind, title, headings[:MAX_HEADINGS], opening, pages, len(rows))


def _run_in_heading(text: str) -> str:
    """ "Benefits." at the start of a page: a short first sentence that names the page's subject."""
    first = text.strip().split("\n", 1)[0]
    head = first.split(". ", 1)[0].strip().rstrip(".:")
    return head if head and len(head.split()) <= 4 and head[0].isupper() and head != first.strip() else ""


def _title(kind: str, rows: list[Row], raw: str, path: str) -> str:
    heading = rows[0][2] if rows else None
    if kind == "slides" and heading:
        return heading.strip()
    if kind == "note":
        top = next((ln.lstrip("#").strip() for ln in raw.splitlines() if ln.startswith("# ")), None)
        if top or heading:
            return top or (heading or "").split(" > ", 1)[0].strip()
    line = next((ln.strip(" #") for ln in raw.splitlines() if ln.strip(" #")), "")
    sentence = line.split(". ", 1)[0].strip()
    return sentence[:120] if sentence else Path(path).stem
