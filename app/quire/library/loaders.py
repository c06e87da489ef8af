"""Read .md/.txt, .pdf and .pptx files into sections that remember their page, slide or heading."""

from __future__ import annotations

import logging
import re
import struct
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
        raise LoaderError(path, OUT_OF_MEMORY) from None
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except Exception as exc:  # a failure none of the loaders expected: a bug to report, logged in full
        log.exception("loader failed on %s", path)
        raise LoaderError(path, f"could not be read ({type(exc).__name__}: {exc})") from None


OUT_OF_MEMORY = "too large to read: the parser ran out of memory"
NESTED_TOO_DEEPLY = "nested too deeply to read (a damaged or hostile file)"


# Notes --------------------------------------------------------------------------------------------


def decode_text(path: Path, data: bytes) -> str:
    """Decode a text file whatever its encoding; refuse binary data that merely has a text suffix."""
    wide = _utf16_or_32(data)
    if wide:
        # A lost last byte or a lone surrogate costs one character (U+FFFD), not the whole note;
        # mostly undecodable "text" is binary data that happens to start like a byte-order mark.
        text = data.decode(wide, errors="replace").removeprefix("\ufeff")
        sample = text[:8192]
        bad = sample.count("\ufffd") + sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
        if bad > max(2, len(sample) * 0.02):
            raise LoaderError(path, f"binary data or broken {wide.upper()} text")
        return text
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


def _utf16_or_32(data: bytes) -> str | None:
    """The wide encoding of `data`: from its byte-order mark, or for BOM-less UTF-16 (which some
    Windows tools write) from where the NUL bytes of ASCII characters fall."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:8192]
    if len(sample) < 16 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.05:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be"
    return None


_WESTERN = ("cp1252", "latin_1", "iso8859_15")
# Linear on any line: the closing #s and spaces are stripped in Python, not by backtracking.
_HEADING = re.compile(r"(#{1,6})[ \t]+(\S.*)")
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
            path.append((level, match.group(2).rstrip().rstrip("#").rstrip() or match.group(2).strip()))
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
    # pypdf runs nothing a PDF carries: JavaScript, /Launch, /URI and form actions are dictionaries
    # it never acts on, and it fetches nothing. Its own limits (pypdf >= 7: 75 MB per inflated
    # stream, page-tree depth, cyclic pages and xrefs) raise LimitReachedError, named below.
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError

    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise LoaderError(path, "not a PDF file (no %PDF header)")
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoaderError(path, "password-protected PDF; remove the password to import it")
        count = len(reader.pages)
    except LoaderError:
        raise
    except (FileNotDecryptedError, NotImplementedError) as exc:
        reason = "password-protected PDF; remove the password to import it"
        if isinstance(exc, NotImplementedError):  # an encryption scheme pypdf does not implement
            reason = f"encrypted PDF that Quire cannot open ({exc})"
        raise LoaderError(path, reason) from None
    except LimitReachedError as exc:
        raise LoaderError(path, _limit_reason(exc)) from None
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except Exception as exc:  # pypdf on damaged bytes: any error it raises means a damaged file
        raise LoaderError(path, f"damaged or truncated PDF ({_brief(exc)})") from None
    if count == 0:
        raise LoaderError(path, "PDF has no pages")
    sections: list[Section] = []
    warnings: list[str] = []
    for number in range(1, count + 1):
        try:
            text = reader.pages[number - 1].extract_text() or ""
        except LimitReachedError as exc:  # a bomb or a maze in one page condemns the file: hostile
            raise LoaderError(path, f"page {number}: {_limit_reason(exc)}") from None
        except RecursionError:
            raise LoaderError(path, f"page {number}: {NESTED_TOO_DEEPLY}") from None
        except Exception as exc:  # one damaged page must not cost the rest of the document
            log.warning("%s p.%d: %s", path, number, exc)
            warnings.append(f"page {number} could not be read ({type(exc).__name__})")
            continue
        text = _tidy(text)
        if text:
            sections.append(Section(text=text, page=number))
    if not sections and warnings:
        raise LoaderError(path, f"damaged PDF: no page could be read ({warnings[0]})")
    if not sections:
        raise LoaderError(path, "no extractable text (scanned PDF?); OCR not supported yet")
    return LoadedDocument(str(path), "pdf", sections, count, warnings)


def _limit_reason(exc: Exception) -> str:
    """pypdf's LimitReachedError in words: a bomb is "too large", a maze is "too complex"."""
    message = _brief(exc).rstrip(".")
    lowered = message.lower()
    if "decompress" in lowered:
        return "too large to read: a compressed stream inflates past 75 MB (a decompression bomb?)"
    if any(word in lowered for word in ("size", "length", "decoding", "memory")):
        return f"too large to read ({message})"
    return f"too complex to read safely ({message})"


def _brief(exc: BaseException) -> str:
    """An exception as a short phrase for a reason: its message, else its type."""
    message = " ".join(str(exc).split())
    if len(message) > 160:
        message = message[:157] + "..."
    return message or type(exc).__name__


def _tidy(text: str) -> str:
    # Line by line, not with a regex over the page: `[ \t]+\n` is quadratic on a long run of spaces.
    text = "\n".join(line.rstrip(" \t") for line in text.replace("\x00", "").split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Slides -------------------------------------------------------------------------------------------


# python-pptx inflates every member of the zip into memory when it opens a deck, so the directory
# is checked first (sizes, ratios, count). A member that lies about its size is caught by zipfile:
# it keeps only the declared bytes (then the CRC fails) - but a whole-member read() inflates up to
# ZipExtFile.MAX_N (2 GiB) in one call before trimming. Smaller steps bound that transient to the
# declared size plus one step; the cost is a few extra copies of large media.
_ZIP_READ_STEP = 8 * 1024**2
if getattr(zipfile.ZipExtFile, "MAX_N", 0) > _ZIP_READ_STEP:
    zipfile.ZipExtFile.MAX_N = _ZIP_READ_STEP
PPTX_MAX_MEMBERS = 20_000  # a 1,000-slide deck with media has a few thousand parts
PPTX_MAX_INFLATED = 1024**3  # all parts together, unpacked
PPTX_MAX_RATIO = 100  # XML compresses 5-20×, media barely; a bomb reaches 1,000×
PPTX_RATIO_FLOOR = 10 * 1024**2  # small parts may compress as well as they like
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _load_pptx(path: Path) -> LoadedDocument:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == _OLE_MAGIC:  # Office wraps a password-protected deck in an OLE file, as .ppt is
        raise LoaderError(
            path, "password-protected (or legacy .ppt) deck; remove the password or save as .pptx"
        )
    if not zipfile.is_zipfile(path):
        raise LoaderError(path, "not a valid .pptx (not a zip archive)")
    _check_zip(path)
    from pptx import Presentation

    try:
        deck = Presentation(str(path))
        slides = list(deck.slides)
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except zipfile.BadZipFile as exc:
        raise LoaderError(path, f"damaged .pptx ({_brief(exc)})") from None
    except Exception as exc:  # python-pptx and lxml on a damaged or foreign package
        raise LoaderError(path, f"not a valid .pptx ({_brief(exc)})") from None
    try:
        return _deck_document(path, slides)
    except RecursionError:
        raise LoaderError(path, NESTED_TOO_DEEPLY) from None
    except zipfile.BadZipFile as exc:
        raise LoaderError(path, f"damaged .pptx ({_brief(exc)})") from None
    except (KeyError, ValueError, AttributeError, TypeError, IndexError) as exc:
        raise LoaderError(path, f"damaged slide content ({_brief(exc)})") from None


def _check_zip(path: Path) -> None:
    """Refuse a zip bomb from the directory alone, before anything is inflated."""
    entries = _zip_entry_count(path)
    if entries > PPTX_MAX_MEMBERS:
        raise LoaderError(
            path, f"too large to read: {entries:,} parts in one deck (limit {PPTX_MAX_MEMBERS:,})"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise LoaderError(path, f"damaged .pptx ({_brief(exc)})") from None
    except NotImplementedError as exc:  # a zip version or method Python does not read
        raise LoaderError(path, f"unsupported kind of zip archive ({_brief(exc)})") from None
    if len(members) > PPTX_MAX_MEMBERS:
        raise LoaderError(
            path, f"too large to read: {len(members):,} parts in one deck (limit {PPTX_MAX_MEMBERS:,})"
        )
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > PPTX_RATIO_FLOOR and ratio > PPTX_MAX_RATIO:
            raise LoaderError(
                path,
                f"zip bomb: {member.filename} would unpack from {_mb(member.compress_size)} "
                f"to {_mb(member.file_size)} ({ratio:,.0f}×); refused before unpacking",
            )
    if total > PPTX_MAX_INFLATED:
        raise LoaderError(
            path, f"too large to read: its parts unpack to {_mb(total)} (limit {_mb(PPTX_MAX_INFLATED)})"
        )


def _zip_entry_count(path: Path) -> int:
    """The entry count that the end-of-directory record declares (0 if not found), read before
    zipfile builds an object per entry: a 200 MB directory of empty entries is millions of them."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - 65_557))  # the record (22 bytes) and a comment of up to 64 KiB
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return 0
    (count,) = struct.unpack_from("<H", tail, at + 10)
    return int(count)  # 0xFFFF means ZIP64: zipfile reads the real count, checked after


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size < 2**30 else f"{size / 2**30:,.1f} GB"


def _deck_document(path: Path, slides: list) -> LoadedDocument:  # type: ignore[type-arg]
    sections: list[Section] = []
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
