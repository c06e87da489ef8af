"""Read documents into sections that remember their page, slide or heading: one module per format
behind `load_document`, which dispatches on the file's type and turns any failure into a reason."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from quire.errors import LoaderError
from quire.library.loaders.base import NESTED_TOO_DEEPLY, OUT_OF_MEMORY, LoadedDocument, Section
from quire.library.loaders.pdf import load_pdf
from quire.library.loaders.pptx import load_pptx
from quire.library.loaders.text import decode_text, load_note, markdown_sections

__all__ = [
    "KNOWN_UNSUPPORTED",
    "NESTED_TOO_DEEPLY",
    "OUT_OF_MEMORY",
    "SUPPORTED",
    "LoadedDocument",
    "Section",
    "decode_text",
    "load_document",
    "markdown_sections",
    "unsupported_reason",
]

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
_LOADERS: dict[str, Callable[[Path], LoadedDocument]] = {
    "note": load_note,
    "pdf": load_pdf,
    "slides": load_pptx,
}


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
    try:
        return _LOADERS[kind](path)
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
