"""Cut sections into overlapping chunks that never cross a page or slide, so citations stay exact."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from quire.library.loaders import Section


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage, with where it came from."""

    id: str
    path: str
    index: int
    text: str
    page: int | None = None
    slide: int | None = None
    heading: str | None = None
    location: str | None = None  # "Sheet1 rows 12–30", "chapter 3": where it is, when no page or slide says

    @property
    def embed_text(self) -> str:
        """What the embedder sees: the heading gives a short passage its context."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


def split_text(text: str, size: int, overlap: int) -> list[str]:
    """Split text into pieces of at most about `size` characters, preferring paragraph and
    sentence boundaries, each piece starting with up to `overlap` characters of the one before."""
    units: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        if len(para) <= size:
            units.append(para)
            continue
        for sentence in _SENTENCE_END.split(para):
            units.extend(_cut_long(sentence, size))
    pieces: list[str] = []
    current = ""
    for unit in units:
        joiner = "\n\n" if current else ""
        if current and len(current) + len(joiner) + len(unit) > size:
            pieces.append(current)
            current = _tail(current, overlap)
            joiner = " " if current else ""
        current = f"{current}{joiner}{unit}"
    if current.strip():
        pieces.append(current)
    return pieces


def _cut_long(sentence: str, size: int) -> list[str]:
    """A run-on sentence (no sentence ends) in pieces of at most `size`, cut at a space when one is
    near. Walks an offset rather than re-slicing the rest: a 50 MB line stays linear."""
    pieces: list[str] = []
    start, end = 0, len(sentence)
    while end - start > size:
        cut = sentence.rfind(" ", start + size // 2, start + size)
        cut = cut if cut > start else start + size
        pieces.append(sentence[start:cut])
        start = cut
        while start < end and sentence[start].isspace():
            start += 1
    if start < end:
        pieces.append(sentence[start:])
    return pieces


def _tail(text: str, overlap: int) -> str:
    if overlap <= 0 or len(text) <= overlap:
        return ""
    start = text.find(" ", len(text) - overlap)
    return text[start + 1 :] if start >= 0 else ""


def chunk_sections(
    path: str, content_hash: str, sections: list[Section], size: int, overlap: int
) -> list[Chunk]:
    # Ids depend on the path and the bytes: re-running an import rewrites the same ids (no
    # duplicates after a crash), and two copies of one file in different folders do not collide.
    prefix = hashlib.sha256(f"{path}\0{content_hash}".encode()).hexdigest()[:16]
    chunks: list[Chunk] = []
    for section in sections:
        for piece in split_text(section.text, size, overlap):
            index = len(chunks)
            chunks.append(
                Chunk(
                    id=f"{prefix}-{index}",
                    path=path,
                    index=index,
                    text=piece,
                    page=section.page,
                    slide=section.slide,
                    heading=section.heading,
                    location=section.location,
                )
            )
    return chunks
