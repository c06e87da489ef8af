"""The library's list of documents: a file-type badge, name, date, state and pages per row; sortable,
resizable columns that favour the name, names elided in the middle (so "features_steps_t…" rows can
be told apart by their ends), the full path in the tooltip, double-click or Enter to open."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from quire.gui import icons
from quire.gui.style import current

PATH_ROLE = Qt.ItemDataRole.UserRole
STATE_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
CHUNKS_ROLE = Qt.ItemDataRole.UserRole + 3
NAME, DATE, STATE, PAGES = range(4)
STATE_ORDER = {"failed": 0, "indexing": 1, "indexed": 2}
NARROW = {PAGES: 420, STATE: 330}  # below this list width the column is hidden


@dataclass(frozen=True)
class Row:
    """One document as the list shows it (from the catalog, or the running import)."""

    path: str
    state: str  # indexed | indexing | failed
    error: str | None = None
    pages: int | None = None
    chunks: int | None = None
    stage: str = ""  # reading | embedding | waiting, while indexing
    date: float | None = None  # seconds since the epoch: the document's date, else its file's time
    dated_by: str = "the file's time"  # where the date comes from
    embedded: bool = True  # words first: False while its vectors are on their way


def date_text(seconds: float | None) -> str:
    """YYYY-MM-DD, as `quire search` gives dates: short, unambiguous, sorts as it reads."""
    return time.strftime("%Y-%m-%d", time.localtime(seconds)) if seconds else "–"


def row_for(record: Any, stage: str = "") -> Row:
    """A catalog record as a row: the document's own date (library/dates.py) where it has one, else
    its file's time."""
    date = getattr(record, "doc_date", None)
    dated_by = f"from its {getattr(record, 'date_source', None) or 'contents'}"
    seconds: float | None = None
    if isinstance(date, str) and date:
        try:
            seconds = time.mktime(time.strptime(date[:10], "%Y-%m-%d"))
        except ValueError:
            seconds = None
    if seconds is None:
        seconds, dated_by = record.mtime_ns / 1e9 if record.mtime_ns > 0 else None, "the file's time"
    embedded = bool(getattr(record, "embedded", True))
    return Row(
        record.path,
        record.state,
        record.error,
        record.pages,
        record.chunks,
        stage,
        seconds,
        dated_by,
        embedded,
    )


class SortedItem(QTreeWidgetItem):
    """Sorts by each column's key (name case-blind, date, state, pages as numbers), not its text."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        tree = self.treeWidget()
        column = tree.sortColumn() if tree is not None else 0
        mine, theirs = self.data(column, SORT_ROLE), other.data(column, SORT_ROLE)
        if mine == theirs:
            return str(self.data(NAME, SORT_ROLE)) < str(other.data(NAME, SORT_ROLE))
        return bool(mine < theirs)


class LibraryList(QTreeWidget):
    open_requested = Signal(str)  # path
    remove_requested = Signal()

    COLUMNS = ("Name", "Date", "State", "Pages")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryList")
        self.setHeaderLabels(list(self.COLUMNS))
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.header()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(NAME, Qt.SortOrder.AscendingOrder)
        header.sectionClicked.connect(self._header_clicked)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)  # the name takes what is left
        header.setMinimumSectionSize(40)
        for column, width in ((DATE, 92), (STATE, 96), (PAGES, 48)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(column, width)
        self.itemDoubleClicked.connect(
            lambda item, _column: self.open_requested.emit(item.data(NAME, PATH_ROLE))
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.fit_columns()

    def fit_columns(self) -> None:
        """A narrow sidebar keeps the name readable: pages, then state, give up their columns (the
        state still shows in the name's colour, the tooltip and the line under the list)."""
        width = self.viewport().width()
        self.setColumnHidden(PAGES, width < NARROW[PAGES])
        self.setColumnHidden(STATE, width < NARROW[STATE])

    def show_rows(self, rows: list[Row]) -> None:
        selected = set(self.selected_paths())
        self.clear()
        for row in rows:
            item = self._item(row)
            self.addTopLevelItem(item)
            item.setSelected(row.path in selected)
        self.sort_by(self.header().sortIndicatorSection(), self.header().sortIndicatorOrder())

    def sort_by(self, column: int, order: Qt.SortOrder) -> None:
        self.header().setSortIndicator(column, order)
        self.sortItems(column, order)

    def _header_clicked(self, column: int) -> None:
        """Name: A–Z, then Z–A. Date: newest first, then back to the names. State: failures first,
        then back to the names."""
        current = self.header().sortIndicatorSection()
        ascending, descending = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
        if column == DATE:
            self.sort_by(*((NAME, ascending) if current == DATE else (DATE, descending)))
        elif column == STATE:
            self.sort_by(*((NAME, ascending) if current == STATE else (STATE, ascending)))
        else:
            flip = current == column and self._last_order == ascending
            self.sort_by(column, descending if flip else ascending)
        self._last_order = self.header().sortIndicatorOrder()

    _last_order = Qt.SortOrder.AscendingOrder

    def _item(self, row: Row) -> SortedItem:
        name = Path(row.path).name
        pages = str(row.pages) if row.pages else "–"
        item = SortedItem([name, date_text(row.date), "", pages])
        item.setIcon(NAME, icons.file_type(Path(row.path).suffix))
        item.setData(NAME, PATH_ROLE, row.path)
        item.setData(NAME, STATE_ROLE, row.state)
        item.setData(
            NAME, CHUNKS_ROLE, row.chunks if row.chunks is not None and row.state != "failed" else None
        )
        item.setData(NAME, SORT_ROLE, name.lower())
        item.setData(DATE, SORT_ROLE, row.date or 0.0)
        item.setData(STATE, SORT_ROLE, STATE_ORDER.get(row.state, 3))
        item.setData(PAGES, SORT_ROLE, row.pages or 0)
        item.setTextAlignment(PAGES, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        theme = current()
        if row.state == "failed":
            item.setText(STATE, f"failed: {row.error or 'unknown error'}")
            item.setForeground(STATE, QColor(theme.error))
            item.setForeground(NAME, QColor(theme.error))
        elif row.state == "indexing":
            item.setText(STATE, f"indexing… ({row.stage or 'waiting'})")
            item.setForeground(STATE, QColor(theme.warn))
            item.setForeground(NAME, QColor(theme.muted))
        elif not row.embedded:  # searchable by its words; its vectors on their way
            item.setText(STATE, "searchable by words · vectors pending")
            item.setForeground(STATE, QColor(theme.muted))
        else:
            item.setText(STATE, "indexed")
            item.setForeground(STATE, QColor(theme.muted))
        item.setForeground(DATE, QColor(theme.muted))
        lines = [row.path]
        if row.date:
            lines.append(f"{date_text(row.date)} ({row.dated_by})")
        if row.chunks and row.state == "indexed":
            lines.append(f"{row.pages or 0} pages/slides · {row.chunks} chunks")
        if row.error:
            lines += ["", row.error]
        for column in range(len(self.COLUMNS)):
            item.setToolTip(column, "\n".join(lines))
        return item

    # What the panel and the tests read -------------------------------------------------------------

    def items(self) -> list[QTreeWidgetItem]:
        return [self.topLevelItem(i) for i in range(self.topLevelItemCount())]

    def selected_paths(self) -> list[str]:
        return [item.data(NAME, PATH_ROLE) for item in self.selectedItems() if not item.isHidden()]

    def select_path(self, path: str) -> None:
        for item in self.items():
            item.setSelected(item.data(NAME, PATH_ROLE) == path)

    def item_at(self, point: QPoint) -> QTreeWidgetItem | None:
        return self.itemAt(point)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        from quire.gui import shortcuts

        remove = shortcuts.REMOVE_DOCUMENT.keys
        if isinstance(remove, QKeySequence.StandardKey) and event.matches(remove):
            self.remove_requested.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self.open_requested.emit(self.currentItem().data(NAME, PATH_ROLE))  # (shortcuts.OPEN_DOCUMENT)
            return
        super().keyPressEvent(event)
