"""Read .md/.txt, .pdf and .pptx files into sections that remember their page, slide or heading."""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from quire.errors import LoaderError

log = logging.getLogger(__name__)

SUPPORTED = {".md": "note", ".markdown": "note", ".txt": "note", ".pdf": "pdf", ".pptx": "slides"}
# Types people often drop on the window that Quire knows it cannot read yet, with the reason.
KNOWN_UNSUPPORTED = {
    ".ppt": "legacy PowerPoint; save it as .pptx",
    ".doc": "Word documents are not supported yet",
    ".docx": "Word documents are not supported yet",
    ".key": "Keynote; export it as .pptx or PDF",
    ".pages": "Pages; export it as PDF",
    ".epub": "e-books are not supported yet",
    ".png": "images need OCR, which is not supported yet",
    ".jpg": "images need OCR, which is not supported yet",
    ".jpeg": "images need OCR, which is not supported yet",
}


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


def unsupported_reason(path: Path) -> str | None:
    """Why Quire skips this file, or None when it can read it."""
    suffix = path.suffix.lower()
    if suffix in SUPPORTED:
        return None
    if suffix in KNOWN_UNSUPPORTED:
        return f"{suffix} skipped: {KNOWN_UNSUPPORTED[suffix]}"
    return f"{suffix or 'no extension'} skipped: Quire reads .md, .txt, .pdf and .pptx"


def load_document(path: Path) -> LoadedDocument:
    """Read one supported file; raise LoaderError naming the file and the reason on any failure."""
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise LoaderError(path, unsupported_reason(path) or "unsupported type")
    try:
        size = path.stat().st_size
    except PermissionError:
        raise LoaderError(path, "permission denied") from None
    except OSError as exc:
        raise LoaderError(path, f"cannot read file ({exc.strerror or exc})") from None
    if size == 0:
        raise LoaderError(path, "empty file (0 bytes)")
    loader: Callable[[Path], LoadedDocument] = {
        "note": _load_note,
        "pdf": _load_pdf,
        "slides": _load_pptx,
    }[kind]
    try:
        return loader(path)
    except LoaderError:
        raise
    except PermissionError:
        raise LoaderError(path, "permission denied") from None
    except MemoryError:
        raise LoaderError(path, "too large to read in memory") from None
    except Exception as exc:  # a parser's own failure on a damaged file
        log.exception("loader failed on %s", path)
        raise LoaderError(path, f"could not be read ({type(exc).__name__}: {exc})") from None


# Notes --------------------------------------------------------------------------------------------


def decode_text(path: Path, data: bytes) -> str:
    """Decode a text file whatever its encoding; refuse binary data that merely has a text suffix."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise LoaderError(path, "binary data, not text (is it really a text file?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise LoaderError(path, "binary data or an unknown text encoding")
    # Short Western notes fit several code pages equally well; Windows-1252 is the likely one.
    for match in matches:
        if match.encoding in _WESTERN and match.chaos <= best.chaos and match.coherence >= best.coherence:
            best = match
            break
    text = str(best)
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if control > len(text[:8192]) * 0.05:
        raise LoaderError(path, "binary data, not text (is it really a text file?)")
    log.info("%s decoded as %s", path, best.encoding)
    return text


_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_sections(text: str) -> list[Section]:
    """Split a note at its ATX headings; each section carries its heading path ("A > B")."""
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            heading = " > ".join(title for _, title in path) or None
            sections.append(Section(text=body, heading=heading))
        lines.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level]
            path.append((level, match.group(2)))
            lines.append(line)  # keep the heading's words searchable inside its own section
        else:
            lines.append(line)
    flush()
    return sections


def _load_note(path: Path) -> LoadedDocument:
    text = decode_text(path, path.read_bytes())
    if path.suffix.lower() in {".md", ".markdown"}:
        sections = markdown_sections(text)
    else:
        sections = [Section(text=text.strip())] if text.strip() else []
    if not sections:
        raise LoaderError(path, "no text in file (only whitespace)")
    return LoadedDocument(str(path), "note", sections, 0, [])


# PDF ----------------------------------------------------------------------------------------------


def _load_pdf(path: Path) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise LoaderError(path, "not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoaderError(path, "password-protected PDF; remove the password to import it")
        count = len(reader.pages)
    except FileNotDecryptedError:
        raise LoaderError(path, "password-protected PDF; remove the password to import it") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LoaderError(path, f"damaged or truncated PDF ({exc})") from None
    if count == 0:
        raise LoaderError(path, "PDF has no pages")
    sections: list[Section] = []
    warnings: list[str] = []
    for number in range(1, count + 1):
        try:
            text = reader.pages[number - 1].extract_text() or ""
        except Exception as exc:  # one damaged page must not cost the rest of the document
            log.warning("%s p.%d: %s", path, number, exc)
            warnings.append(f"page {number} could not be read ({type(exc).__name__})")
            continue
        text = _tidy(text)
        if text:
            sections.append(Section(text=text, page=number))
    if not sections:
        raise LoaderError(path, "no extractable text (scanned PDF?); OCR not supported yet")
    return LoadedDocument(str(path), "pdf", sections, count, warnings)


def _tidy(text: str) -> str:
    text = text.replace("\x00", "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Slides -------------------------------------------------------------------------------------------


def _load_pptx(path: Path) -> LoadedDocument:
    if not zipfile.is_zipfile(path):
        raise LoaderError(path, "not a valid .pptx (not a zip archive)")
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    try:
        deck = Presentation(str(path))
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile) as exc:
        raise LoaderError(path, f"not a valid .pptx ({exc})") from None
    sections: list[Section] = []
    slides = list(deck.slides)
    for number, slide in enumerate(slides, start=1):
        title_shape = slide.shapes.title
        title = title_shape.text_frame.text.strip() if title_shape is not None else ""
        parts = [title] if title else []
        for shape in slide.shapes:
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            parts.extend(_shape_texts(shape))
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                parts.append("Speaker notes: " + notes.text.strip())
        text = "\n".join(p for p in parts if p.strip())
        if text.strip():
            sections.append(Section(text=text, slide=number, heading=title or None))
    if not sections:
        raise LoaderError(path, "no text on any slide (images only?); OCR not supported yet")
    return LoadedDocument(str(path), "slides", sections, len(slides), [])


def _shape_texts(shape: object) -> list[str]:
    texts: list[str] = []
    if getattr(shape, "has_text_frame", False) and shape.text_frame.text.strip():  # type: ignore[attr-defined]
        texts.append(shape.text_frame.text.strip())  # type: ignore[attr-defined]
    if getattr(shape, "has_table", False):
        for row in shape.table.rows:  # type: ignore[attr-defined]
            cells = [cell.text.strip() for cell in row.cells]
            if any(cells):
                texts.append(" | ".join(cells))
    for child in getattr(shape, "shapes", []) or []:  # group shapes
        texts.extend(_shape_texts(child))
    return texts
