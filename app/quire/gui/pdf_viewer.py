"""The PDF viewer: opens at the cited page with the whole passage marked (and the sentence in it that
backs the answer), zoom (Ctrl +/−, Ctrl+0 fits the width), find (Ctrl+F, Enter / Shift+Enter), go to
page (Ctrl+G), sized to the screen it opens on."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from quire.gui import shortcuts
from quire.gui.history import Source
from quire.gui.passages import find_passage, find_quoted, rest_of
from quire.gui.pdf_pages import MARGIN, Mark, PdfPages
from quire.gui.style import space

log = logging.getLogger(__name__)

ZOOM_STEP = 1.2
ZOOM_RANGE = (0.25, 6.0)


class PdfViewer(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfViewer")
        self.setWindowTitle("Quire — PDF")
        self.document = QPdfDocument(self)
        self.pages = PdfPages(self.document)
        self.fit_width = True
        self.target_page = 0
        self.matches: list[Mark] = []  # the cited passage (and its supporting sentence) as marked
        self.found: list[Mark] = []  # find results, in reading order
        self.found_index = -1
        self._texts: dict[int, str] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar = QFrame()
        bar.setObjectName("viewerBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(space(3), space(2), space(3), space(2))
        row.setSpacing(space(2))
        self.prev_button = QToolButton()
        self.prev_button.setText("◀")
        self.prev_button.setToolTip("Previous page")
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setToolTip("Next page")
        self.page_box = QSpinBox()
        self.page_box.setObjectName("pageBox")
        self.page_box.setToolTip(shortcuts.tip("Go to page", shortcuts.GO_TO_PAGE))
        self.page_box.setKeyboardTracking(False)
        self.page_box.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)  # ◀ ▶ beside it step
        self.page_label = QLabel()
        self.page_label.setObjectName("pageLabel")
        row.addWidget(self.prev_button)
        row.addWidget(self.page_box)
        row.addWidget(self.page_label)
        row.addWidget(self.next_button)
        row.addSpacing(space(4))
        self.zoom_out_button = QToolButton()
        self.zoom_out_button.setText("−")
        self.zoom_out_button.setToolTip(shortcuts.tip("Zoom out", shortcuts.ZOOM_OUT))
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("zoomLabel")
        self.zoom_in_button = QToolButton()
        self.zoom_in_button.setText("+")
        self.zoom_in_button.setToolTip(shortcuts.tip("Zoom in", shortcuts.ZOOM_IN))
        self.fit_button = QToolButton()
        self.fit_button.setText("Fit width")
        self.fit_button.setToolTip(shortcuts.tip("Fit the page to the width", shortcuts.FIT_WIDTH))
        for widget in (self.zoom_out_button, self.zoom_label, self.zoom_in_button, self.fit_button):
            row.addWidget(widget)
        row.addStretch(1)
        self.path_label = QLabel()
        self.path_label.setObjectName("viewerPath")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.path_label)
        layout.addWidget(bar)

        self.find_bar = QFrame()
        self.find_bar.setObjectName("findBar")
        find_row = QHBoxLayout(self.find_bar)
        find_row.setContentsMargins(space(3), space(1), space(3), space(1))
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText("Find in this document")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.returnPressed.connect(self.find_next)
        self.find_count = QLabel()
        self.find_count.setObjectName("findCount")
        previous = QPushButton("Previous")
        previous.clicked.connect(self.find_previous)
        following = QPushButton("Next")
        following.clicked.connect(self.find_next)
        close_find = QToolButton()
        close_find.setText("✕")
        close_find.setAutoRaise(True)
        close_find.clicked.connect(self.close_find)
        for button in (previous, following):
            button.setAutoDefault(False)  # Enter in the find box finds; it does not press a button
        for widget in (self.find_box, self.find_count, previous, following, close_find):
            find_row.addWidget(widget)
        find_row.setStretch(0, 1)
        self.find_bar.hide()
        layout.addWidget(self.find_bar)

        self.scroll = QScrollArea()
        self.scroll.setObjectName("pdfScroll")
        self.scroll.setWidget(self.pages)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(self.scroll, 1)

        self.prev_button.clicked.connect(lambda: self.go_to(self.current_page() - 1))
        self.next_button.clicked.connect(lambda: self.go_to(self.current_page() + 1))
        self.page_box.valueChanged.connect(
            lambda n: self.go_to(n - 1) if n - 1 != self.current_page() else None
        )
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.fit_button.clicked.connect(self.fit)
        self.scroll.verticalScrollBar().valueChanged.connect(lambda _v: self._show_page())
        for shortcut, slot in (
            (shortcuts.ZOOM_IN, self.zoom_in),
            (shortcuts.ZOOM_IN_PLUS, self.zoom_in),
            (shortcuts.ZOOM_OUT, self.zoom_out),
            (shortcuts.FIT_WIDTH, self.fit),
            (shortcuts.FIND, self.open_find),
            (shortcuts.FIND_NEXT, self.find_next),
            (shortcuts.FIND_PREVIOUS, self.find_previous),
            (shortcuts.GO_TO_PAGE, self.focus_page_box),
        ):
            QShortcut(shortcuts.keys(shortcut), self, slot)
        QShortcut(QKeySequence("Shift+Return"), self.find_box, self.find_previous)

    # Opening -------------------------------------------------------------------------------------

    def open_source(self, source: Source) -> bool:
        """Load the file, jump to the page, mark the passage; False (with the reason shown) when it cannot."""
        self.path_label.setText(source.path)
        self.setWindowTitle(f"{Path(source.path).name} — Quire")
        error = self.document.load(source.path)
        if error != QPdfDocument.Error.None_:
            self.page_label.setText(f"cannot open: {error.name}")
            return False
        count = self.document.pageCount()
        self.page_box.setRange(1, max(1, count))
        self.page_label.setText(f"of {count}")
        self.size_to_screen()
        self.pages.relayout()
        self.target_page = max(0, min((source.page or 1) - 1, count - 1))
        self.mark_passage(self.target_page, source.text, source.quoted or "")
        self.pages.marks = list(self.matches)
        self._update_zoom_label()
        return True

    def text_of(self, page: int) -> str:
        if page not in self._texts:
            self._texts[page] = self.document.getAllText(page).text()
        return self._texts[page]

    def _mark(self, page: int, start: int, end: int, kind: str) -> Mark:
        selection = self.document.getSelectionAtIndex(page, start, end - start)
        return Mark(page, tuple(selection.bounds()), kind, self.text_of(page)[start:end])

    def marked(self, kind: str) -> list[str]:
        """The text under each mark of a kind (passage, support), as the reader sees it marked."""
        return [m.text for m in self.matches if m.kind == kind]

    def mark_passage(self, page: int, passage: str, quoted: str = "") -> None:
        """Mark the whole passage on its page (and where it runs on over the next), and in it the
        sentence the answer relies on."""
        self.matches = []
        left = passage
        spans: dict[int, tuple[int, int]] = {}
        for at in (page, page + 1):
            if not left.strip() or at >= self.document.pageCount():
                break
            found = find_passage(self.text_of(at), left)
            if found is None:
                break
            spans[at], used = found
            self.matches.append(self._mark(at, *spans[at], "passage"))
            left = rest_of(left, used)
            if len(left.split()) < 4:
                break
        if quoted:
            for at in [*spans, page] if spans else [page]:
                sentence = find_quoted(self.text_of(at), quoted, spans.get(at))
                if sentence is not None:
                    self.matches.append(self._mark(at, *sentence, "support"))
                    break

    def size_to_screen(self) -> None:
        """Most of the screen's height, and a width that shows a whole page across."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        points = self.document.pagePointSize(0) if self.document.pageCount() else None
        aspect = points.width() / points.height() if points and points.height() else 0.75
        height = int(area.height() * 0.9)
        width = int((height - 90) * aspect) + 2 * MARGIN + 24
        self.resize(max(560, min(width, int(area.width() * 0.9))), max(480, height))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        QTimer.singleShot(0, self._first_layout)

    def _first_layout(self) -> None:
        if self.fit_width:
            self.fit()
        self.go_to(self.target_page, self.matches[0] if self.matches else None)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.fit_width and self.document.pageCount():
            page = self.current_page()
            self._set_zoom(self._fit_zoom(), keep_fit=True)
            self.go_to(page)

    # Pages and zoom ------------------------------------------------------------------------------

    def current_page(self) -> int:
        """0-based, as QtPdf counts: the page at the top third of the view."""
        bar = self.scroll.verticalScrollBar()
        return self.pages.page_at(bar.value() + self.scroll.viewport().height() / 3)

    def go_to(self, page: int, mark: Mark | None = None) -> None:
        page = max(0, min(page, self.document.pageCount() - 1))
        rect = self.pages.page_rect(page)
        y = rect.top() - MARGIN // 2
        if mark is not None:  # the passage a third of the way down, where the eye looks first
            box = self.pages.mark_rect(mark)
            y = max(y, int(box.top() - self.scroll.viewport().height() / 3))
        self.scroll.verticalScrollBar().setValue(int(y))
        self._show_page(page)

    def _show_page(self, page: int | None = None) -> None:
        page = self.current_page() if page is None else page
        self.page_box.blockSignals(True)
        self.page_box.setValue(page + 1)
        self.page_box.blockSignals(False)
        self.page_label.setText(f"of {self.document.pageCount()}")
        self.page_box.setAccessibleName(f"page {page + 1} of {self.document.pageCount()}")

    def page_text(self) -> str:
        """ "page 3 of 4", what the bar says."""
        return f"page {self.page_box.value()} of {self.document.pageCount()}"

    def focus_page_box(self) -> None:
        self.page_box.setFocus()
        self.page_box.selectAll()

    def _fit_zoom(self) -> float:
        width = self.scroll.viewport().width() - 2 * MARGIN - 4
        return max(ZOOM_RANGE[0], width / (self.pages.widest_page_points() * self.pages.logicalDpiY() / 72.0))

    def _set_zoom(self, zoom: float, keep_fit: bool = False) -> None:
        low, high = ZOOM_RANGE
        self.fit_width = keep_fit
        page = self.current_page()
        self.pages.zoom = max(low, min(high, zoom))
        self.pages.relayout()
        self._update_zoom_label()
        if not keep_fit:
            self.go_to(page)

    def _update_zoom_label(self) -> None:
        self.zoom_label.setText(f"{self.pages.zoom * 100:.0f}%")
        self.fit_button.setEnabled(not self.fit_width)

    def zoom_in(self) -> None:
        self._set_zoom(self.pages.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self._set_zoom(self.pages.zoom / ZOOM_STEP)

    def fit(self) -> None:
        page = self.current_page()
        self._set_zoom(self._fit_zoom(), keep_fit=True)
        self.go_to(page)

    # Find ----------------------------------------------------------------------------------------

    def open_find(self) -> None:
        self.find_bar.show()
        self.find_box.setFocus()
        self.find_box.selectAll()

    def close_find(self) -> None:
        self.find_bar.hide()
        self.found, self.found_index = [], -1
        self.pages.marks = list(self.matches)
        self.pages.update()

    def find(self, query: str) -> int:
        """Mark every match of `query` (case-blind) in the document; returns how many."""
        self.find_box.setText(query)
        self.found, self.found_index = [], -1
        needle = query.strip().casefold()
        if needle:
            for page in range(self.document.pageCount()):
                text = self.text_of(page).casefold()
                start = text.find(needle)
                while start >= 0:
                    self.found.append(self._mark(page, start, start + len(needle), "find"))
                    start = text.find(needle, start + len(needle))
        self._show_found()
        return len(self.found)

    def find_next(self) -> None:
        self._step(1)

    def find_previous(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        query = self.find_box.text()
        if not self.find_bar.isVisible():
            self.open_find()
        if not self.found or self._query != query:
            if not self.find(query):
                return
            here = self.current_page()  # start at the first match on the page in view, or after it
            self.found_index = next((i for i, m in enumerate(self.found) if m.page >= here), 0)
        else:
            self.found_index = (self.found_index + direction) % len(self.found)
        self._show_found()
        mark = self.found[self.found_index]
        self.go_to(mark.page, mark)

    def _show_found(self) -> None:
        self._query = self.find_box.text()
        marks = [
            Mark(m.page, m.polygons, "current" if i == self.found_index else "find")
            for i, m in enumerate(self.found)
        ]
        self.pages.marks = list(self.matches) + marks
        self.pages.update()
        if not self._query.strip():
            self.find_count.setText("")
        elif not self.found:
            self.find_count.setText("not found")
        else:
            where = f"{self.found_index + 1} of " if self.found_index >= 0 else ""
            self.find_count.setText(f"{where}{len(self.found)}")

    _query = ""
