"""What every loader returns (sections that remember where they came from) and the reasons they share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """A run of text from one place in a document: a page, a slide, or a note's heading block."""

    text: str
    page: int | None = None
    slide: int | None = None
    heading: str | None = None


@dataclass(frozen=True)
class LoadedDocument:
    path: str
    kind: str  # note | pdf | slides
    sections: list[Section]
    pages: int  # pages of a PDF, slides of a deck, 0 for notes
    warnings: list[str]


OUT_OF_MEMORY = "too large to read: the parser ran out of memory"
NESTED_TOO_DEEPLY = "nested too deeply to read (a damaged or hostile file)"


def brief(exc: BaseException) -> str:
    """An exception as a short phrase for a reason: its message, else its type."""
    message = " ".join(str(exc).split())
    if len(message) > 160:
        message = message[:157] + "..."
    return message or type(exc).__name__
