"""Read documents into sections that remember their page, slide, heading or location: one module
per format behind `load_document`, which dispatches on the file's type and turns any failure into
a reason."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from quire.errors import LoaderError
from quire.library.loaders.base import (
    NESTED_TOO_DEEPLY,
    OUT_OF_MEMORY,
    LoadedDocument,
    ReadOptions,
    Section,
)
from quire.library.loaders.docx import load_docx
from quire.library.loaders.epub import load_epub
from quire.library.loaders.html import load_html
from quire.library.loaders.ocr import load_image
from quire.library.loaders.pdf import load_pdf
from quire.library.loaders.pptx import load_pptx
from quire.library.loaders.sheets import load_delimited, load_xlsx
from quire.library.loaders.text import decode_text, load_note, markdown_sections

__all__ = [
    "KNOWN_UNSUPPORTED",
    "NESTED_TOO_DEEPLY",
    "OUT_OF_MEMORY",
    "SUPPORTED",
    "LoadedDocument",
    "ReadOptions",
    "Section",
    "decode_text",
    "load_document",
    "markdown_sections",
    "unsupported_reason",
]

log = logging.getLogger(__name__)

SUPPORTED = {
    ".md": "note",
    ".markdown": "note",
    ".txt": "note",
    ".pdf": "pdf",
    ".pptx": "slides",
    ".docx": "document",
    ".xlsx": "sheet",
    ".xlsm": "sheet",
    ".csv": "sheet",
    ".tsv": "sheet",
    ".html": "web",
    ".htm": "web",
    ".epub": "ebook",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
}
# Types people often drop on the window that Quire knows it cannot read, with the reason.
KNOWN_UNSUPPORTED = {
    ".ppt": "legacy PowerPoint; save it as .pptx",
    ".doc": "legacy Word document; save it as .docx",
    ".xls": "legacy Excel workbook; save it as .xlsx",
    ".key": "Keynote; export it as .pptx or PDF",
    ".pages": "Pages; export it as .docx or PDF",
    ".numbers": "Numbers; export it as .xlsx or CSV",
    ".mobi": "Kindle book; convert it to .epub",
    ".azw3": "Kindle book; convert it to .epub",
}
READS = ".md, .txt, .pdf, .pptx, .docx, .xlsx, .csv, .tsv, .html, .epub, .png and .jpg"
_LOADERS: dict[str, Callable[[Path, ReadOptions], LoadedDocument]] = {
    ".md": lambda path, _: load_note(path),
    ".markdown": lambda path, _: load_note(path),
    ".txt": lambda path, _: load_note(path),
    ".pdf": load_pdf,
    ".pptx": lambda path, _: load_pptx(path),
    ".docx": lambda path, _: load_docx(path),
    ".xlsx": lambda path, _: load_xlsx(path),
    ".xlsm": lambda path, _: load_xlsx(path),
    ".csv": lambda path, _: load_delimited(path),
    ".tsv": lambda path, _: load_delimited(path),
    ".html": lambda path, _: load_html(path),
    ".htm": lambda path, _: load_html(path),
    ".epub": lambda path, _: load_epub(path),
    ".png": load_image,
    ".jpg": load_image,
    ".jpeg": load_image,
}


def unsupported_reason(path: Path) -> str | None:
    """Why Quire skips this file, or None when it can read it."""
    suffix = path.suffix.lower()
    if suffix in SUPPORTED:
        return None
    if suffix in KNOWN_UNSUPPORTED:
        return f"{suffix} skipped: {KNOWN_UNSUPPORTED[suffix]}"
    return f"{suffix or 'no extension'} skipped: Quire reads {READS}"


def load_document(path: Path, options: ReadOptions | None = None) -> LoadedDocument:
    """Read one supported file; raise LoaderError naming the file and the reason on any failure."""
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoaderError(path, unsupported_reason(path) or "unsupported type")
    try:
        size = path.stat().st_size
    except PermissionError:
        raise LoaderError(path, "permission denied") from None
    except OSError as exc:
        raise LoaderError(path, f"cannot read file ({exc.strerror or exc})") from None
    if size == 0:
        raise LoaderError(path, "empty file (0 bytes)")
    try:
        return loader(path, options or ReadOptions())
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
