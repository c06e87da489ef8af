"""Where a citation leads: a built-in PDF viewer at the page, or a slide's / note's text at the passage."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QShowEvent, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from quire.gui.history import Source

log = logging.getLogger(__name__)


def qtpdf_available() -> bool:
    try:
        from PySide6 import QtPdf, QtPdfWidgets  # noqa: F401
    except ImportError:
        return False
    return True


def search_phrase(text: str, words: int = 6) -> str:
    """A few words from the start of a passage: short enough to sit on one line of the page."""
    found = re.findall(r"[\w’'.,-]+", text)
    return " ".join(found[:words]).rstrip(".,")


class PdfViewer(QDialog):
    """QPdfView over the cited file, opened at the cited page with the passage highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
        from PySide6.QtPdfWidgets import QPdfView

        self.setWindowTitle("Quire — PDF")
        self.resize(760, 900)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.prev_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.page_label = QLabel()
        self.path_label = QLabel()
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.page_label)
        bar.addWidget(self.next_button)
        bar.addStretch(1)
        bar.addWidget(self.path_label)
        layout.addLayout(bar)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.search = QPdfSearchModel(self)
        self.search.setDocument(self.document)
        self.view.setSearchModel(self.search)
        layout.addWidget(self.view, 1)
        self.prev_button.clicked.connect(lambda: self.go_to(self.current_page() - 1))
        self.next_button.clicked.connect(lambda: self.go_to(self.current_page() + 1))
        self.view.pageNavigator().currentPageChanged.connect(self._show_page)
        self.target_page = 0

    def open_source(self, source: Source) -> bool:
        """Load the file and jump to the page; False (with the reason shown) when it cannot."""
        from PySide6.QtPdf import QPdfDocument

        self.path_label.setText(source.path)
        self.setWindowTitle(f"{Path(source.path).name} — Quire")
        error = self.document.load(source.path)
        if error != QPdfDocument.Error.None_:
            self.page_label.setText(f"cannot open: {error.name}")
            return False
        page = max(0, (source.page or 1) - 1)
        self.go_to(page)
        # the sentence the answer relies on, when there is one; else the passage's opening words
        phrase = search_phrase(source.quoted or source.text)
        self.matches: list[object] = []
        if phrase:
            self.search.setSearchString(phrase)
            # resultsOnPage searches that page now; the model fills in the other pages lazily
            before = sum(len(self.search.resultsOnPage(p)) for p in range(page))
            self.matches = list(self.search.resultsOnPage(page))
            if self.matches:
                self.view.setCurrentSearchResultIndex(before)
        self.target_page = page
        self.go_to(page)  # the search may have scrolled; the citation's page wins
        return True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        # QPdfView lays its pages out when first shown and goes back to page 1: jump again after
        QTimer.singleShot(0, lambda: self.go_to(self.target_page))

    def go_to(self, page: int) -> None:
        page = max(0, min(page, self.document.pageCount() - 1))
        self.view.pageNavigator().jump(page, QPointF(), self.view.pageNavigator().currentZoom())
        self._show_page(page)

    def current_page(self) -> int:
        """0-based, as QtPdf counts."""
        return self.view.pageNavigator().currentPage()

    def _show_page(self, page: int) -> None:
        self.page_label.setText(f"page {page + 1} of {self.document.pageCount()}")


_PLAIN_TEXT = {".md", ".markdown", ".txt"}  # shown whole, scrolled to the passage


class TextSourceViewer(QDialog):
    """A note scrolled to the cited passage, or a slide's text and speaker notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Quire — source")
        self.resize(680, 640)
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setObjectName("sourceHeading")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        layout.addWidget(self.text, 1)

    def open_source(self, source: Source) -> bool:
        name = Path(source.path).name
        if source.slide is not None:
            self.setWindowTitle(f"{name}, slide {source.slide} — Quire")
            self.heading.setText(
                f"{name} · slide {source.slide}" + (f" · {source.heading}" if source.heading else "")
            )
            self.text.setPlainText(source.text or "(this slide's text is not in the library any more)")
            if source.quoted:
                self.highlight(source.quoted, QColor(255, 170, 0, 150))
            return True
        if Path(source.path).suffix.lower() not in _PLAIN_TEXT:  # a sheet, a .docx, an e-book: the passage
            where = source.location or source.heading
            self.setWindowTitle(f"{name}" + (f", {where}" if where else "") + " — Quire")
            self.heading.setText(f"{source.path}" + (f" · {where}" if where else ""))
            self.text.setPlainText(source.text or "(this passage is not in the library any more)")
            if source.quoted:
                self.highlight(source.quoted, QColor(255, 170, 0, 150))
            return True
        self.setWindowTitle(f"{name} — Quire")
        self.heading.setText(f"{source.path}" + (f" · {source.heading}" if source.heading else ""))
        try:
            whole = Path(source.path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            self.text.setPlainText(source.text)
            self.heading.setText(f"{source.path}: cannot open ({exc.strerror}); showing the cited passage")
            return False
        self.text.setPlainText(whole)
        self.highlight(source.text)
        if source.quoted:  # the sentence the answer relies on, in a stronger colour, in view
            self.highlight(source.quoted, QColor(255, 170, 0, 150))
        return True

    def highlight(self, passage: str, colour: QColor | None = None) -> bool:
        """Select and colour the passage (found by its first words) and scroll to it."""
        phrase = passage.strip().splitlines()[0][:80] if passage.strip() else ""
        if not phrase:
            return False
        cursor = self.text.document().find(phrase, 0, QTextDocument.FindFlag(0))
        if cursor.isNull():
            cursor = self.text.document().find(search_phrase(passage, 4))
        if cursor.isNull():
            return False
        start = cursor.selectionStart()
        end = min(self.text.document().characterCount() - 1, start + len(passage))
        mark = QTextCursor(self.text.document())
        mark.setPosition(start)
        mark.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        fmt = QTextCharFormat()
        fmt.setBackground(colour or QColor(255, 212, 59, 110))
        mark.mergeCharFormat(fmt)
        self.text.setTextCursor(cursor)
        self.text.ensureCursorVisible()
        self.found_at = start
        return True


def open_citation(source: Source, parent: QWidget | None = None) -> QDialog:
    """The right viewer for a citation, shown (not modal: the chat stays usable)."""
    viewer: PdfViewer | TextSourceViewer
    if source.path.lower().endswith(".pdf") and qtpdf_available():
        viewer = PdfViewer(parent)
    else:
        viewer = TextSourceViewer(parent)
    viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    viewer.open_source(source)
    viewer.show()
    return viewer
