"""The library: files and their ingest state, the import progress with ETA and Cancel, drop target."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from quire.errors import LibraryBusy
from quire.gui import icons
from quire.gui.style import repolish
from quire.gui.workers import IngestWorker, run_job

PATH_ROLE = Qt.ItemDataRole.UserRole
FILE_FILTER = "Notes, PDFs and decks (*.md *.markdown *.txt *.pdf *.pptx);;All files (*)"


def eta_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s left"
    return f"{seconds / 60:.0f} min left"


class LibraryPanel(QWidget):
    import_started = Signal()
    import_finished = Signal(object)  # IngestSummary, or None when it failed outright
    library_changed = Signal(int)  # number of files indexed and ready to answer from

    COLUMNS = ("Name", "State", "Pages", "Chunks", "Date")
    DATE = 4  # the document's date (library/dates.py); a click on its header sorts by it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.quire: Any = None
        self.worker: IngestWorker | None = None
        self.queued: list[Path] = []
        self.background = False  # the running (or last) import is a refresh the folder watcher asked for
        self.refresh_due = False  # a refresh was asked for while an import ran: it runs next
        self.last_error: Exception | None = None  # why the last import failed outright
        self.records: list[Any] = []
        self.live: dict[str, str] = {}  # path → stage of files the running import is on
        self.rejected: dict[str, str] = {}  # files the import refused outright (not in the catalog)
        self.last_summary: Any = None
        self._started = 0.0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        title = QLabel("Library")
        title.setObjectName("panelTitle")
        layout.addWidget(title)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter files  (Ctrl+K)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.apply_filter)
        self.search.setAcceptDrops(False)  # a dropped file imports; it never types its path here
        layout.addWidget(self.search)

        self.notice = QLabel()
        self.notice.setObjectName("libraryNotice")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_box = QFrame()
        self.notice_box.setObjectName("noticeBox")
        row = QHBoxLayout(self.notice_box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.notice, 1)
        dismiss = QToolButton()
        dismiss.setText("✕")
        dismiss.setAutoRaise(True)
        dismiss.setToolTip("Dismiss")
        dismiss.clicked.connect(self.notice_box.hide)
        row.addWidget(dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.notice_box.hide()
        layout.addWidget(self.notice_box)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._drop_target())
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.tree.setColumnWidth(1, 90)  # a failure's reason is elided here; in full below the list
        for column in (2, 3, self.DATE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.by_date = False  # newest first when on
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._sort_clicked)
        self.stack.addWidget(self.tree)
        layout.addWidget(self.stack, 1)
        self.detail = QLabel()
        self.detail.setObjectName("failureDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.hide()
        layout.addWidget(self.detail)

        self.progress_row = QFrame()
        progress = QVBoxLayout(self.progress_row)
        progress.setContentsMargins(0, 0, 0, 0)
        line = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the import after the current step (it resumes next start)")
        self.cancel_button.clicked.connect(self.cancel_import)
        line.addWidget(self.progress, 1)
        line.addWidget(self.cancel_button)
        progress.addLayout(line)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progressLabel")
        progress.addWidget(self.progress_label)
        self.progress_row.hide()
        layout.addWidget(self.progress_row)

        buttons = QHBoxLayout()
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Import files (Ctrl+O); or drop files and folders on the window")
        self.import_button.clicked.connect(self.choose_files)
        self.retry_button = QToolButton()
        self.retry_button.setText("Retry")
        self.retry_button.clicked.connect(self.retry_selected)
        self.remove_button = QToolButton()
        self.remove_button.setText("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.reveal_button = QToolButton()
        self.reveal_button.setText("Reveal")
        self.reveal_button.setToolTip("Show the file in the file manager")
        self.reveal_button.clicked.connect(self.reveal_selected)
        for button in (self.import_button, self.retry_button, self.remove_button, self.reveal_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.counts = QLabel()
        self.counts.setObjectName("libraryCounts")
        layout.addWidget(self.counts)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(250)
        self._refresh_timer.timeout.connect(self.refresh)
        self._update_buttons()

    def _drop_target(self) -> QWidget:
        box = QFrame()
        box.setObjectName("dropTarget")
        inner = QVBoxLayout(box)
        inner.addStretch(1)
        for text, name in (
            ("Drop notes, PDFs and slide decks here", "dropTitle"),
            (".md · .txt · .pdf · .pptx — files or whole folders", "dropHint"),
        ):
            label = QLabel(text)
            label.setObjectName(name)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            inner.addWidget(label)
        choose = QPushButton("Choose files…")
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

    # The list ------------------------------------------------------------------------------------

    def set_quire(self, quire: Any) -> None:
        self.quire = quire
        self.refresh()
        if self.queued:  # dropped before the library was open
            queued, self.queued = self.queued, []
            self.import_paths(queued)

    def refresh(self) -> None:
        if self.quire is not None:
            run_job(self.quire.catalog.files, self.show_records, owner=self)

    def schedule_refresh(self) -> None:
        self._refresh_timer.start()

    def show_records(self, records: list[Any]) -> None:
        self.records = records
        selected = set(self.selected_paths())
        self.tree.clear()
        known = {r.path for r in records}
        rows = [(r.path, r.state, r.error, r.pages, r.chunks) for r in records]
        rows += [(p, "indexing", None, None, None) for p in self.live if p not in known]
        rows += [(p, "failed", e, None, None) for p, e in self.rejected.items() if p not in known]
        dated = {r.path: (getattr(r, "doc_date", None), getattr(r, "date_source", None)) for r in records}
        rows.sort(key=lambda row: Path(row[0]).name.lower())
        if self.by_date:
            rows.sort(key=lambda row: dated.get(row[0], (None, None))[0] or "", reverse=True)
        for path, state, error, pages, chunks in rows:
            if path in self.live and state != "failed":
                state = "indexing"
            item = QTreeWidgetItem([Path(path).name, "", str(pages) if pages else "–", ""])
            item.setData(0, PATH_ROLE, path)
            item.setData(1, PATH_ROLE, state)
            if chunks is not None and state != "failed":
                item.setText(3, str(chunks))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight)
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight)
            if state == "failed":
                item.setText(1, f"failed: {error or 'unknown error'}")
                item.setForeground(1, QColor("#e03131"))
                item.setIcon(0, icons.health_dot("down"))
            elif state == "indexing":
                item.setText(1, f"indexing… ({self.live.get(path, 'waiting')})")
                item.setIcon(0, icons.health_dot("warn"))
            else:
                item.setText(1, "indexed")
                item.setIcon(0, icons.health_dot("ok"))
            day, source = dated.get(path, (None, None))
            item.setText(self.DATE, day or "")
            tip = path + (f"\ndated {day} (from its {source})" if day else "")
            tip += f"\n\n{error}" if error else ""
            for column in range(len(self.COLUMNS)):
                item.setToolTip(column, tip)
            self.tree.addTopLevelItem(item)
            item.setSelected(path in selected)
        self.stack.setCurrentIndex(1 if rows else 0)
        indexed = [r for r in records if r.state == "indexed"]
        failed = sum(1 for row in rows if row[1] == "failed")
        self.counts.setText(
            f"{len(indexed)} documents · {sum(r.pages for r in indexed)} pages/slides · "
            f"{sum(r.chunks for r in indexed)} chunks" + (f" · {failed} failed" if failed else "")
        )
        self.apply_filter()
        self.library_changed.emit(len(indexed))

    def _sort_clicked(self, column: int) -> None:
        self.by_date = column == self.DATE and not self.by_date
        header = self.tree.header()
        header.setSortIndicatorShown(self.by_date)
        header.setSortIndicator(self.DATE, Qt.SortOrder.DescendingOrder)
        self.show_records(self.records)

    def apply_filter(self) -> None:
        words = self.search.text().lower().split()
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            haystack = f"{item.data(0, PATH_ROLE)} {item.text(1)}".lower()
            item.setHidden(not all(word in haystack for word in words))

    def rows(self) -> dict[str, tuple[str, str, str]]:
        """name → (state text, pages, chunks) of the visible rows; what a reader sees."""
        out = {}
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if not item.isHidden():
                out[item.text(0)] = (item.text(1), item.text(2), item.text(3))
        return out

    def selected_paths(self) -> list[str]:
        return [item.data(0, PATH_ROLE) for item in self.tree.selectedItems()]

    def select_path(self, path: str) -> None:
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            item.setSelected(item.data(0, PATH_ROLE) == path)

    def _update_buttons(self) -> None:
        items = self.tree.selectedItems()
        failed = [i for i in items if i.data(1, PATH_ROLE) == "failed"]
        self.detail.setText(
            "\n".join(f"{i.text(0)}: {i.text(1).removeprefix('failed: ')}" for i in failed[:5])
        )
        self.detail.setVisible(bool(failed))
        self.remove_button.setEnabled(bool(items))
        self.reveal_button.setEnabled(bool(items))
        self.retry_button.setEnabled(any(i.data(1, PATH_ROLE) == "failed" for i in items))

    def _context_menu(self, point: QPoint) -> None:
        if not self.tree.itemAt(point):
            return
        menu = QMenu(self)
        if self.retry_button.isEnabled():
            menu.addAction("Retry import", self.retry_selected)
        menu.addAction("Reveal in file manager", self.reveal_selected)
        menu.addSeparator()
        menu.addAction("Remove from library", self.remove_selected)
        menu.exec(self.tree.viewport().mapToGlobal(point))

    # Actions -------------------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import into Quire", str(Path.home()), FILE_FILTER)
        if paths:
            self.import_paths([Path(p) for p in paths])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder into Quire", str(Path.home()))
        if folder:
            self.import_paths([Path(folder)])

    def retry_selected(self) -> None:
        paths = [i.data(0, PATH_ROLE) for i in self.tree.selectedItems() if i.data(1, PATH_ROLE) == "failed"]
        for path in paths:
            self.rejected.pop(path, None)
        if paths:
            self.import_paths([Path(p) for p in paths])

    def remove_selected(self) -> None:
        paths = self.selected_paths()
        if not paths or self.quire is None:
            return
        for path in paths:
            self.rejected.pop(path, None)
        quire = self.quire

        def remove() -> list[str]:
            quire.remove([Path(p) for p in paths])
            return [p for p in paths if quire.catalog.library_folder_of(p)]  # they come back

        run_job(remove, self._removed, self.show_error, self)

    def _removed(self, returning: list[str]) -> None:
        self.refresh()
        if returning:
            names = ", ".join(Path(p).name for p in returning[:3]) + (" …" if len(returning) > 3 else "")
            self.show_notice(
                f"{names}: still in a library folder, so its next refresh brings them back. "
                "Move them out of the folder to keep them out.",
                error=False,
            )

    def reveal_selected(self) -> None:
        for path in self.selected_paths()[:1]:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))

    def set_drop_highlight(self, on: bool) -> None:
        """Outline the list (or the drop target) while files are dragged over the window."""
        for widget in (self.tree, self.stack.widget(0)):
            widget.setProperty("dropping", on)
            repolish(widget)

    def show_error(self, message: str) -> None:
        self.show_notice(message, error=True)

    def show_notice(self, message: str, error: bool) -> None:
        self.notice.setText(message)
        self.notice.setProperty("error", error)
        repolish(self.notice)
        self.notice_box.show()

    # Import --------------------------------------------------------------------------------------

    def is_importing(self) -> bool:
        return self.worker is not None

    def refresh_folders(self) -> None:
        """Re-scan the library folders now, or right after the running import (never two at once)."""
        if self.worker is not None or self.quire is None:
            self.refresh_due = True
            return
        self.import_paths([], refresh=True)

    def import_paths(self, paths: list[Path], resume: bool = False, refresh: bool = False) -> None:
        """Start an import, or queue it behind the running one. No paths: refresh the library folders."""
        if self.quire is None:
            self.queued += paths
            return
        if self.worker is not None:
            self.queued += [p for p in paths if p not in self.queued]
            self.progress_label.setText(self.progress_label.text() + f"  (+{len(self.queued)} queued)")
            return
        for path in paths:
            self.rejected.pop(os.path.abspath(path), None)
        self.background = refresh
        if not refresh:
            self.notice_box.hide()
        self.worker = IngestWorker(self.quire, list(paths), self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished_import.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self._started = time.monotonic()
        self.progress.setValue(0)
        label = "Checking the library folders…" if refresh else "Scanning…"
        self.progress_label.setText("Resuming the interrupted import…" if resume else label)
        self.cancel_button.setEnabled(True)
        self.progress_row.show()
        self.import_started.emit()
        self.worker.start()

    def cancel_import(self) -> None:
        if self.worker is not None:
            self.queued.clear()
            self.refresh_due = False
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling after the current step…")

    def _on_progress(self, event: Any) -> None:
        share = event.bytes_done / event.bytes_total if event.bytes_total else 0.0
        self.progress.setValue(int(share * 1000))
        elapsed = time.monotonic() - self._started
        eta = f" · {eta_text(elapsed / share - elapsed)}" if 0.02 < share < 1 and elapsed > 1 else ""
        self.progress_label.setText(
            f"{event.files_done}/{event.files_total} files{eta} · {event.stage} {Path(event.path).name}"
        )
        if event.stage in ("reading", "embedding"):
            first = event.path not in self.live
            self.live[event.path] = event.stage
            if first:
                self.schedule_refresh()
        else:
            self.live.pop(event.path, None)
            self.schedule_refresh()

    def _on_finished(self, summary: Any) -> None:
        self.last_summary = summary
        problems = [(p.path, p.error) for p in summary.failed]
        if self.background:  # a refresh speaks only of new trouble, not of what the list already shows
            shown = {(r.path, r.error) for r in self.records if r.state == "failed"}
            problems = [p for p in problems if p not in shown and p not in self.rejected.items()]
        for path, error in problems:
            self.rejected[path] = error
        lines = [f"{Path(path).name}: {error}" for path, error in problems]
        named = {path for path, _ in problems}
        skipped = [] if self.background else [p for p in summary.skipped if p.path not in named]
        if skipped:
            lines += [f"skipped {Path(p.path).name}: {p.error}" for p in skipped[:8]]
            if len(skipped) > 8:
                lines.append(f"… and {len(skipped) - 8} more skipped")
        if summary.cancelled:
            lines.insert(0, "Import cancelled; it will resume the next time Quire starts.")
        if lines:
            self.notice.setText("\n".join(lines))
            self.notice.setProperty("error", bool(problems))
            repolish(self.notice)
            self.notice_box.show()
        self._end_import(summary)

    def _on_failed(self, message: str) -> None:
        self.last_error = self.worker.error if self.worker else None
        if not (self.background and isinstance(self.last_error, LibraryBusy)):
            self.show_error(f"Import failed: {message}")  # (another Quire writing: the watcher retries)
        self._end_import(None)

    def _end_import(self, summary: Any) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait(2000)
            worker.deleteLater()
        self.live.clear()
        self.progress_row.hide()
        self.refresh()
        self.import_finished.emit(summary)
        if self.queued:
            queued, self.queued = self.queued, []
            self.import_paths(queued)
        elif self.refresh_due:
            self.refresh_due = False
            self.import_paths([], refresh=True)

    def shutdown(self, wait_ms: int = 15000) -> None:
        """Stop the import for closing; the catalog remembers it and the next start resumes."""
        self.queued.clear()
        self.refresh_due = False
        worker = self.worker
        if worker is not None:
            worker.cancel()
            if worker.wait(wait_ms):
                self.worker = None
                self.live.clear()
                self.progress_row.hide()
