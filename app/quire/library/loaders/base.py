"""What every loader returns (sections that remember where they came from) and the reasons they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Section:
    """A run of text from one place in a document: a page, a slide, a heading's block, or a place
    only words can name (`location`: "Sheet1 rows 12–30", "chapter 3"), which citations then show."""

    text: str
    page: int | None = None
    slide: int | None = None
    heading: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class LoadedDocument:
    path: str
    kind: str  # note | pdf | slides | document | sheet | web | ebook | image
    sections: list[Section]
    pages: int  # pages of a PDF, slides of a deck, 0 for the rest
    warnings: list[str]


@dataclass(frozen=True)
class ReadOptions:
    """How a loader may read: whether pages and images without text are OCR'd, at what resolution,
    where OCR'd pages are kept (so an interrupted import resumes), and who hears of each page."""

    ocr: bool = True
    ocr_dpi: int = 150
    ocr_cache: Path | None = None
    progress: Callable[[int, int], None] | None = None  # (pages OCR'd, pages to OCR)


OUT_OF_MEMORY = "too large to read: the parser ran out of memory"
NESTED_TOO_DEEPLY = "nested too deeply to read (a damaged or hostile file)"


def brief(exc: BaseException) -> str:
    """An exception as a short phrase for a reason: its message, else its type."""
    message = " ".join(str(exc).split())
    if len(message) > 160:
        message = message[:157] + "..."
    return message or type(exc).__name__
