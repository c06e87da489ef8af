"""The library sidebar: the document list, the import with Pause / Resume / Cancel, the drop target,
and what the user does to documents (open, reveal, re-index, remove with Undo, exclude)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from quire.gui import icons, shortcuts
from quire.gui.import_row import ImportRow
from quire.gui.labels import literal
from quire.gui.library_import import ImportMixin
from quire.gui.library_list import DATE, NAME, PATH_ROLE, STATE, STATE_ROLE, LibraryList, Row, row_for
from quire.gui.library_removal import UNDO_MS, RemovalMixin
from quire.gui.notice import NoticeBar
from quire.gui.reveal import open_file, reveal
from quire.gui.style import repolish, space
from quire.gui.workers import IngestWorker, run_job
from quire.library.loaders import READS, SUPPORTED

EMPTY, LIST, LOADING = range(3)


def file_filter() -> str:
    patterns = " ".join(f"*{suffix}" for suffix in SUPPORTED)
    return f"Documents ({patterns});;All files (*)"


class LibraryPanel(ImportMixin, RemovalMixin, QWidget):
    import_started = Signal()
    import_finished = Signal(object)  # IngestSummary, or None when it failed outright
    library_changed = Signal(int)  # number of files indexed and ready to answer from
    open_requested = Signal(str)  # a document to show in Quire's viewer
    DATE = DATE  # the date column (a click on its header sorts newest first)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("librarySidebar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.quire: Any = None
        self.worker: IngestWorker | None = None
        self.queued: list[Path] = []
        self.background = False  # the running (or last) import is a refresh the folder watcher asked for
        self.refresh_due = False  # a refresh was asked for while an import ran: it runs next
        self.paused = False  # an import stopped by Pause: Resume (or the next start) carries on
        self.last_error: Exception | None = None  # why the last import failed outright
        self.records: list[Any] = []
        self.live: dict[str, str] = {}  # path → stage of files the running import is on
        self.rejected: dict[str, str] = {}  # files the import refused outright (not in the catalog)
        self.last_summary: Any = None
        self.last_progress: Any = None
        self.remember_folder: Callable[[str], None] = lambda _folder: None
        self.start_folder: Callable[[], str] = lambda: str(Path.home())
        self.undo_ms = UNDO_MS
        self.removing: list[str] = []  # removed from the list, removed from the library once Undo expires
        self.confirm_box: QMessageBox | None = None
        self._started = 0.0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(space(3), space(3), space(3), space(3))
        layout.setSpacing(space(2))
        top = QHBoxLayout()
        title = QLabel("Library")
        title.setObjectName("panelTitle")
        top.addWidget(title)
        top.addStretch(1)
        self.import_button = QPushButton("Import…")
        self.import_button.setProperty("primary", True)
        self.import_button.setToolTip(
            shortcuts.tip("Import files", shortcuts.IMPORT) + "; or drop files and folders on the window"
        )
        self.import_button.clicked.connect(self.choose_files)
        top.addWidget(self.import_button)
        layout.addLayout(top)
        self.search = QLineEdit()
        self.search.setObjectName("libraryFilter")
        self.search.setPlaceholderText(
            f"Filter documents  ({shortcuts.text(shortcuts.FOCUS_LIBRARY_SEARCH)})"
        )
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        self.search.setAcceptDrops(False)  # a dropped file imports; it never types its path here
        layout.addWidget(self.search)

        self.notice = NoticeBar()
        self.notice_box = self.notice  # (the name the older tests know it by)
        layout.addWidget(self.notice)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._drop_target())
        self.tree = LibraryList()
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.open_requested.connect(self.open_requested)
        self.tree.remove_requested.connect(self.remove_selected)
        self.stack.addWidget(self.tree)
        loading = QLabel("Opening the library…")
        loading.setObjectName("loadingState")
        loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(loading)
        self.stack.setCurrentIndex(LOADING)
        layout.addWidget(self.stack, 1)
        self.detail = QLabel()
        self.detail.setObjectName("failureDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.hide()
        layout.addWidget(self.detail)

        self.progress_row = ImportRow()
        self.progress_row.pause_clicked.connect(self.pause_import)
        self.progress_row.resume_clicked.connect(self.resume_import)
        self.progress_row.cancel_clicked.connect(self.cancel_import)
        self.progress = self.progress_row.bar
        self.progress_label = self.progress_row.label
        self.cancel_button = self.progress_row.cancel_button
        self.pause_button = self.progress_row.pause_button
        self.resume_button = self.progress_row.resume_button
        layout.addWidget(self.progress_row)

        buttons = QHBoxLayout()
        buttons.setSpacing(space(1))
        self.retry_button = QToolButton()
        self.retry_button.setText("Retry")
        self.retry_button.clicked.connect(self.retry_selected)
        self.remove_button = QToolButton()
        self.remove_button.setText("Remove")
        self.remove_button.setToolTip(shortcuts.tip("Remove from the library", shortcuts.REMOVE_DOCUMENT))
        self.remove_button.clicked.connect(self.remove_selected)
        self.reveal_button = QToolButton()
        self.reveal_button.setText("Reveal")
        self.reveal_button.setToolTip("Show the file in the file manager")
        self.reveal_button.clicked.connect(self.reveal_selected)
        self.counts = QLabel()
        self.counts.setObjectName("libraryCounts")
        self.counts.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        buttons.addWidget(self.counts, 1)
        for button in (self.retry_button, self.remove_button, self.reveal_button):
            buttons.addWidget(button)  # shown while documents are selected
        layout.addLayout(buttons)

        self.overlay = QLabel("Drop to add to the library\nQuire copies nothing and moves nothing", self)
        self.overlay.setObjectName("dropOverlay")
        self.overlay.setWordWrap(True)
        self.overlay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.overlay.hide()

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(250)
        self._refresh_timer.timeout.connect(self.refresh)
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.timeout.connect(self._commit_removal)
        self._update_buttons()

    def _drop_target(self) -> QWidget:
        box = QFrame()
        box.setObjectName("dropTarget")
        inner = QVBoxLayout(box)
        inner.setSpacing(space(2))
        inner.addStretch(1)
        badges = QHBoxLayout()
        badges.addStretch(1)
        for suffix in (".pdf", ".pptx", ".md", ".txt"):
            badge = QLabel()
            badge.setPixmap(icons.file_type(suffix, 32).pixmap(32, 32))
            badges.addWidget(badge)
        badges.addStretch(1)
        inner.addLayout(badges)
        for text, name in (
            ("Drop documents here", "dropTitle"),
            (f"{READS} — files or whole folders. They stay where they are.", "dropHint"),
        ):
            label = QLabel(text)
            label.setObjectName(name)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            inner.addWidget(label)
        choose = QPushButton("Choose files…")
        choose.setProperty("primary", True)
        choose.clicked.connect(self.choose_files)
        folder = QPushButton("Choose a folder…")
        folder.clicked.connect(self.choose_folder)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(choose)
        row.addWidget(folder)
        row.addStretch(1)
        inner.addLayout(row)
        inner.addStretch(1)
        return box

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.overlay.setGeometry(self.rect().adjusted(space(1), space(1), -space(1), -space(1)))

    # The list ------------------------------------------------------------------------------------

    def set_quire(self, quire: Any) -> None:
        self.quire = quire
        self.refresh()
        if self.queued:  # dropped before the library was open
            queued, self.queued = self.queued, []
            self.import_paths(queued)

    def refresh(self) -> None:
        if self.quire is not None:
            run_job(self.quire.catalog.files, self.show_records, self._list_failed, owner=self)

    def _list_failed(self, message: str) -> None:
        self.stack.setCurrentIndex(EMPTY)
        self.show_notice(f"The library cannot be read: {message}", error=True)
        self.library_changed.emit(0)

    def schedule_refresh(self) -> None:
        self._refresh_timer.start()

    def show_records(self, records: list[Any]) -> None:
        self.records = records
        known = {r.path for r in records}
        rows = [row_for(r, self.live.get(r.path, "")) for r in records]
        rows = [
            Row(r.path, "indexing", None, r.pages, r.chunks, r.stage, r.date, embedded=r.embedded)
            if r.stage and r.state != "failed"
            else r
            for r in rows
        ]
        rows += [Row(p, "indexing", stage=s) for p, s in self.live.items() if p not in known]
        rows += [Row(p, "failed", e) for p, e in self.rejected.items() if p not in known]
        self.tree.show_rows(rows)
        self.stack.setCurrentIndex(LIST if rows else EMPTY)
        indexed = [r for r in records if r.state == "indexed"]
        failed = sum(1 for row in rows if row.state == "failed")
        meaning = sum(1 for r in indexed if r.embedded)
        self.counts.setText(
            f"{len(indexed)} documents · {sum(r.pages for r in indexed)} pages"
            + (f" · {failed} failed" if failed else "")
            + (f" · {meaning} of {len(indexed)} with meaning search" if meaning < len(indexed) else "")
        )
        self.counts.setToolTip(f"{sum(r.chunks for r in indexed)} chunks indexed")
        self.apply_filter()
        self.library_changed.emit(len(indexed))

    def apply_filter(self) -> None:
        words = self.search.text().lower().split()
        removing = set(self.removing)
        for item in self.tree.items():
            path = item.data(NAME, PATH_ROLE)
            haystack = f"{path} {item.text(STATE)}".lower()
            item.setHidden(path in removing or not all(word in haystack for word in words))

    def rows(self) -> dict[str, tuple[str, str, str]]:
        """name → (state text, pages, chunks) of the visible rows; what a reader sees."""
        out = {}
        for item in self.tree.items():
            if not item.isHidden():
                chunks = item.data(NAME, Qt.ItemDataRole.UserRole + 3)
                out[item.text(NAME)] = (item.text(STATE), item.text(3), "" if chunks is None else str(chunks))
        return out

    def selected_paths(self) -> list[str]:
        return self.tree.selected_paths()

    def select_path(self, path: str) -> None:
        self.tree.select_path(path)

    def _selected_failed(self) -> list[Any]:
        return [
            i for i in self.tree.selectedItems() if i.data(NAME, STATE_ROLE) == "failed" and not i.isHidden()
        ]

    def _update_buttons(self) -> None:
        paths = self.selected_paths()
        failed = self._selected_failed()
        self.detail.setText(
            "\n".join(f"{i.text(NAME)}: {i.text(STATE).removeprefix('failed: ')}" for i in failed[:5])
        )
        self.detail.setVisible(bool(failed))
        self.remove_button.setEnabled(bool(paths))
        self.reveal_button.setEnabled(bool(paths))
        self.retry_button.setEnabled(bool(failed))
        self.remove_button.setVisible(bool(paths))
        self.reveal_button.setVisible(bool(paths))
        self.retry_button.setVisible(bool(failed))

    def _context_menu(self, point: QPoint) -> None:
        item = self.tree.item_at(point)
        if item is None:
            return
        if not item.isSelected():
            self.tree.select_path(item.data(NAME, PATH_ROLE))
        self.context_menu().exec(self.tree.viewport().mapToGlobal(point))

    def context_menu(self) -> QMenu:
        """Open, Open with…, Reveal, Retry, Re-index, Remove, Exclude for the selected documents."""
        paths = self.selected_paths()
        menu = QMenu(self)
        menu.addAction("Open", self.open_selected)
        menu.addAction("Open with the Default App", lambda: self._open_outside(paths[0]))
        menu.addAction("Reveal in File Manager", self.reveal_selected)
        menu.addSeparator()
        if self.retry_button.isEnabled():
            menu.addAction("Retry Import", self.retry_selected)
        menu.addAction("Re-index", self.reindex_selected)
        menu.addSeparator()
        menu.addAction(f"Remove {len(paths)} Documents" if len(paths) > 1 else "Remove", self.remove_selected)
        folder = str(Path(paths[0]).parent)
        library_folder = self.quire.catalog.library_folder_of(paths[0]) if self.quire else None
        if library_folder is not None:
            name = literal(Path(folder).name)
            if folder == library_folder:
                text = f"Remove the Library Folder “{name}”…"
            else:
                text = f"Exclude the Folder “{name}”…"
            menu.addAction(text, lambda: self.remove_paths([folder], ask=True))
        return menu

    # Actions -------------------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import into Quire", self.start_folder(), file_filter())
        if paths:
            self.remember_folder(str(Path(paths[0]).parent))
            self.import_paths([Path(p) for p in paths], announce=True)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder into Quire", self.start_folder())
        if folder:
            self.remember_folder(str(Path(folder).parent))
            self.import_paths([Path(folder)], announce=True)

    def open_selected(self) -> None:
        for path in self.selected_paths()[:1]:
            self.open_requested.emit(path)

    def _open_outside(self, path: str) -> None:
        problem = open_file(path)
        if problem:
            self.show_notice(problem, error=True)

    def reveal_selected(self) -> None:
        for path in self.selected_paths()[:1]:
            problem = reveal(path)
            if problem:
                self.show_notice(problem, error=True)

    def retry_selected(self) -> None:
        paths = [i.data(NAME, PATH_ROLE) for i in self._selected_failed()]
        for path in paths:
            self.rejected.pop(path, None)
        if paths:
            self.import_paths([Path(p) for p in paths])

    def reindex_selected(self) -> None:
        paths = [Path(p) for p in self.selected_paths()]
        if paths:
            self.import_paths(paths, reindex=True)

    def set_drop_highlight(self, on: bool, count: int = 0) -> None:
        """Light up the sidebar while files are dragged over the window."""
        for widget in (self.tree, self.stack.widget(EMPTY)):
            widget.setProperty("dropping", on)
            repolish(widget)
        if on:
            what = f"{count} items" if count > 1 else "this"
            self.overlay.setText(f"Drop to add {what} to the library\nThe files stay where they are")
            self.overlay.setGeometry(self.rect().adjusted(space(1), space(1), -space(1), -space(1)))
            self.overlay.raise_()
        self.overlay.setVisible(on)

    def show_error(self, message: str) -> None:
        self.show_notice(message, error=True)

    def show_notice(
        self,
        message: str,
        error: bool = False,
        action: str = "",
        on_action: Callable[[], None] | None = None,
        hide_after_ms: int = 0,
    ) -> None:
        self.notice.show_message(message, "error" if error else "info", action, on_action, hide_after_ms)
