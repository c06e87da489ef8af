"""Where a note's or a slide's citation leads: the note rendered as Markdown, scrolled to the cited
heading with the passage marked; the slide's title, text, tables and speaker notes with its number,
under a thumbnail drawn from its shapes."""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QDialog, QFrame, QLabel, QSizePolicy, QTextBrowser, QVBoxLayout, QWidget

from quire.gui.history import Source
from quire.gui.passages import find_passage, find_quoted
from quire.gui.style import current, space
from quire.gui.workers import run_job

log = logging.getLogger(__name__)

NOTE_LIMIT = 4 * 2**20  # a note larger than this shows the cited passage only
PLAIN_TEXT = {".md", ".markdown", ".txt"}  # shown whole, scrolled to the passage


class SlideThumbnail(QWidget):
    """The slide's shapes where they sit: title and text boxes, pictures, tables. Not a rendering of
    the deck (Qt cannot draw PowerPoint), but enough to recognise the slide."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("slideThumbnail")
        self.view: Any = None
        self._images: dict[int, QImage] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(220)
        self.hide()

    def show_slide(self, view: Any) -> None:
        self.view = view
        self._images = {}
        for index, box in enumerate(view.boxes):
            if box.image:
                image = QImage.fromData(box.image)
                if not image.isNull():
                    self._images[index] = image
        self.show()
        self.update()

    def slide_rect(self) -> QRectF:
        aspect = self.view.aspect if self.view is not None else 16 / 9
        height = self.height() - 8
        width = min(self.width() - 8, height * aspect)
        height = width / aspect
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        if self.view is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        slide = self.slide_rect()
        painter.fillRect(slide.adjusted(2, 3, 2, 3), QColor(0, 0, 0, 40))
        painter.fillRect(slide, QColor("#ffffff"))
        painter.setPen(QPen(QColor("#d0d4da"), 1))
        painter.drawRect(slide)
        ink = QColor("#1c2024")
        for index, box in enumerate(self.view.boxes):
            rect = QRectF(
                slide.left() + box.left * slide.width(),
                slide.top() + box.top * slide.height(),
                box.width * slide.width(),
                box.height * slide.height(),
            ).intersected(slide)
            if rect.isEmpty():
                continue
            if index in self._images:
                painter.drawImage(rect, self._images[index])
            elif box.kind == "picture":
                painter.fillRect(rect, QColor("#e9ecef"))
            elif box.kind == "table":
                self._table(painter, rect, box.text)
            elif box.text:
                font = QFont()
                font.setPixelSize(max(6, int(slide.height() * (0.075 if box.kind == "title" else 0.042))))
                font.setBold(box.kind == "title")
                painter.setFont(font)
                painter.setPen(ink)
                flags = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                painter.drawText(rect, int(flags), box.text)
        painter.end()

    def _table(self, painter: QPainter, rect: QRectF, text: str) -> None:
        rows = [line.split(" | ") for line in text.splitlines()] or [[""]]
        columns = max(len(r) for r in rows)
        cell_h, cell_w = rect.height() / len(rows), rect.width() / columns
        font = QFont()
        font.setPixelSize(max(6, int(min(cell_h * 0.5, 14))))
        painter.setFont(font)
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                cell_rect = QRectF(rect.left() + c * cell_w, rect.top() + r * cell_h, cell_w, cell_h)
                painter.setPen(QPen(QColor("#adb5bd"), 1))
                painter.drawRect(cell_rect)
                painter.setPen(QColor("#1c2024"))
                painter.drawText(cell_rect.adjusted(3, 0, -3, 0), int(Qt.AlignmentFlag.AlignVCenter), cell)


class TextSourceViewer(QDialog):
    """A note at the cited passage, or a slide with its text, tables and notes."""

    def __init__(self, parent: QWidget | None = None, quire: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourceViewer")
        self.quire = quire
        self.source: Source | None = None
        self.found_at: int | None = None  # where the passage starts in the shown text
        self.marks: dict[str, tuple[int, int]] = {}  # passage / support → the span marked
        self.slide: Any = None
        self.setWindowTitle("Quire — source")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar = QFrame()
        bar.setObjectName("viewerBar")
        top = QVBoxLayout(bar)
        top.setContentsMargins(space(4), space(3), space(4), space(3))
        self.heading = QLabel()
        self.heading.setObjectName("sourceHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.heading)
        self.path_label = QLabel()
        self.path_label.setObjectName("viewerPath")
        self.path_label.setWordWrap(True)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.path_label)
        layout.addWidget(bar)
        self.thumbnail = SlideThumbnail()
        layout.addWidget(self.thumbnail)
        self.text = QTextBrowser()
        self.text.setObjectName("sourceText")
        self.text.setOpenLinks(False)
        self.text.document().setDocumentMargin(space(6))
        layout.addWidget(self.text, 1)
        self.resize(720, 720)

    def open_source(self, source: Source) -> bool:
        self.source = source
        name = Path(source.path).name
        if source.slide is not None:
            return self._open_slide(source, name)
        if Path(source.path).suffix.lower() not in PLAIN_TEXT:  # a sheet, a .docx, an e-book: the passage
            where = source.location or source.heading
            self.setWindowTitle(f"{name}" + (f", {where}" if where else "") + " — Quire")
            self.heading.setText(name + (f" · {where}" if where else ""))
            self.path_label.setText(source.path)
            self.text.setPlainText(source.text or "(this passage is not in the library any more)")
            self.highlight(source.text, source.quoted or "")
            return True
        self.setWindowTitle(f"{name} — Quire")
        self.heading.setText(name + (f" · {source.heading}" if source.heading else ""))
        self.path_label.setText(source.path)
        try:
            if Path(source.path).stat().st_size > NOTE_LIMIT:
                raise OSError(0, "too large to show whole")
            whole = Path(source.path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            self.text.setPlainText(source.text)
            self.path_label.setText(f"{source.path}: cannot open ({exc.strerror}); showing the cited passage")
            return False
        if Path(source.path).suffix.lower() in (".md", ".markdown"):
            self.text.setMarkdown(whole)
        else:
            self.text.setPlainText(whole)
        self.highlight(source.text, source.quoted or "")
        self._scroll_to_heading(source.heading)
        return True

    # Slides --------------------------------------------------------------------------------------

    def _open_slide(self, source: Source, name: str) -> bool:
        self.setWindowTitle(f"{name}, slide {source.slide} — Quire")
        self.heading.setText(
            f"{name} · slide {source.slide}" + (f" · {source.heading}" if source.heading else "")
        )
        self.text.setPlainText(source.text or "(this slide's text is not in the library any more)")
        self.highlight(source.text, source.quoted or "")
        if self.quire is not None and source.slide is not None:
            quire, number = self.quire, source.slide
            run_job(lambda: quire.slide(source.path, number), self.show_slide, self._slide_failed, owner=self)
        return True

    def show_slide(self, view: Any) -> None:
        """The whole slide, once it is read: thumbnail, title, text, tables, notes."""
        self.slide = view
        source = self.source
        assert source is not None
        name = Path(source.path).name
        self.heading.setText(
            f"{name} · slide {view.number} of {view.count}" + (f" · {view.title}" if view.title else "")
        )
        self.thumbnail.show_slide(view)
        parts = [f"<h2>{html.escape(view.title)}</h2>"] if view.title else []
        parts += [f"<p>{html.escape(t).replace(chr(10), '<br>')}</p>" for t in view.texts]
        for table in view.tables:
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in table
            )
            parts.append(f'<table border="1" cellspacing="0" cellpadding="6">{rows}</table>')
        if view.notes:
            notes = html.escape(view.notes).replace("\n", "<br>")
            parts.append(f"<h4>Speaker notes</h4><p>{notes}</p>")
        self.text.setHtml("".join(parts) or "<p>(no text on this slide)</p>")
        self.highlight(source.text, source.quoted or "")

    def _slide_failed(self, error: str) -> None:
        log.info("slide not shown whole: %s", error)
        self.heading.setText(self.heading.text() + f" — {error}; showing its indexed text")

    # Marking -------------------------------------------------------------------------------------

    def highlight(self, passage: str, quoted: str = "") -> bool:
        """Mark the passage (and in it the sentence the answer relies on) and bring it into view."""
        document = self.text.document()
        plain = document.toPlainText()
        found = find_passage(plain, passage, min_share=0.4) if passage.strip() else None
        span = found[0] if found is not None else None
        theme = current()
        if span is not None:
            self._paint(*span, theme.passage)
        sentence = find_quoted(plain, quoted, span) if quoted.strip() else None
        if sentence is not None:
            self._paint(*sentence, theme.support)
        shown = span or sentence
        if shown is None:
            return False
        self.marks = {k: v for k, v in (("passage", span), ("support", sentence)) if v is not None}
        # the cursor goes to the passage (no selection: it would paint over the marks) and shows it
        cursor = QTextCursor(document)
        cursor.setPosition(shown[1])
        self.text.setTextCursor(cursor)
        self.text.ensureCursorVisible()
        cursor.setPosition(shown[0])
        self.text.setTextCursor(cursor)
        self.text.ensureCursorVisible()
        self.found_at = shown[0]
        return True

    def marked(self, kind: str = "passage") -> str:
        """The text under a mark (passage, support), as the reader sees it marked."""
        if kind not in self.marks:
            return ""
        start, end = self.marks[kind]
        return self.text.document().toPlainText()[start:end]

    def _paint(self, start: int, end: int, colour: str) -> None:
        mark = QTextCursor(self.text.document())
        mark.setPosition(start)
        mark.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(colour))
        mark.mergeCharFormat(fmt)

    def _scroll_to_heading(self, heading: str | None) -> None:
        """The cited heading at the top of the view, as long as the passage stays in view."""
        if not heading:
            return
        wanted = heading.split(" > ")[-1].strip().casefold()
        block = self.text.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() and block.text().strip().casefold() == wanted:
                break
            block = block.next()
        if not block.isValid():
            return
        self.text.document().adjustSize()
        top = int(self.text.document().documentLayout().blockBoundingRect(block).top())
        bar = self.text.verticalScrollBar()
        cursor_y = self.text.cursorRect().top() + bar.value()
        if cursor_y - top < self.text.viewport().height() * 0.8:  # the passage is still seen from there
            bar.setValue(top)
