"""Which viewer a citation or a library row opens: the PDF viewer, or the note / slide viewer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from quire.gui.history import Source


def qtpdf_available() -> bool:
    try:
        from PySide6 import QtPdf, QtPdfWidgets  # noqa: F401
    except ImportError:
        return False
    return True


def open_citation(source: Source, parent: QWidget | None = None, quire: Any = None) -> QDialog:
    """The right viewer for a citation, shown (not modal: the chat stays usable). It deletes
    itself when closed: hold on to it only until its `destroyed` signal."""
    viewer: QDialog
    if source.path.lower().endswith(".pdf") and qtpdf_available():
        from quire.gui.pdf_viewer import PdfViewer

        viewer = PdfViewer(parent)
    else:
        from quire.gui.source_viewer import TextSourceViewer

        viewer = TextSourceViewer(parent, quire)
    viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    viewer.open_source(source)  # type: ignore[attr-defined]
    viewer.show()
    return viewer


def open_document(path: str, quire: Any = None, parent: QWidget | None = None) -> QDialog:
    """A library row opened: a PDF at page 1, a deck at slide 1, a note from its top."""
    suffix = Path(path).suffix.lower()
    page = 1 if suffix == ".pdf" else None
    slide = 1 if suffix in (".pptx", ".ppt") else None
    return open_citation(Source(0, path, page, slide), parent, quire)
